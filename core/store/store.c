/* sqlite metadata store with migrations. */
#include "store/store.h"
#include "common/arena.h"
#include "store/schema.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <stdlib.h>
#include <string.h>

int store_exec(struct store *st, const char *sql, berr_t *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = berr_set(err, EIO, "store: %s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql, berr_t *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	return 0;
}

int store_begin(struct store *st, berr_t *err)
{
	return store_exec(st, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, berr_t *err)
{
	return store_exec(st, "COMMIT", err);
}

void store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Bring the schema up to date; each step in its own transaction so a crash never half-migrates. */
static int migrate(struct store *st, berr_t *err)
{
	int have, want = 0, r;

	while (STORE_MIGRATIONS[want])
		want++;
	/* up to date, the common case: no write lock (BEGIN IMMEDIATE) for every command */
	if (store_schema_version(st) == want)
		return 0;
	r = store_begin(st, err);
	if (r < 0)
		return r;
	have = store_schema_version(st);
	if (have > want) {
		store_rollback(st);
		return berr_set(err, EPROTO, "store %s has schema version %d, newer than this berth (%d)",
				st->root, have, want);
	}
	for (; have < want; have++) {
		char pragma[64];
		r = store_exec(st, STORE_MIGRATIONS[have], err);
		if (r < 0) {
			store_rollback(st);
			return berr_wrap(err, "migration %d", have + 1);
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", have + 1);
		if ((r = store_exec(st, pragma, err)) < 0) {
			store_rollback(st);
			return r;
		}
	}
	return store_commit(st, err);
}

void store_page_cache(struct arena *a, int n)
{
	int hdr = 0;
	void *buf;

	/* a slot is a page (sqlite's default 4096 bytes, berth's) and sqlite's header for it */
	if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) != SQLITE_OK || hdr <= 0)
		return;
	if ((buf = arena_take(a, (size_t)n * (size_t)(4096 + hdr))))
		sqlite3_config(SQLITE_CONFIG_PAGECACHE, buf, 4096 + hdr, n);
}

int store_open(struct store **out, const char *data_root, berr_t *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	_cleanup_free_ char *dbpath = xasprintf("%s/berth.db", data_root);
	int r;

	st->root = xstrdup(data_root);
	st->blob_dir = xasprintf("%s/blobs/sha256", data_root);
	st->tmp_dir = xasprintf("%s/tmp", data_root);
	if ((r = mkdir_p(st->blob_dir, 0700, err)) < 0 || (r = mkdir_p(st->tmp_dir, 0700, err)) < 0)
		goto fail;
	if (sqlite3_open_v2(dbpath, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = berr_set(err, EIO, "open %s: %s", dbpath, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 30000);
	/* every berth command opens and closes the store: leave the WAL and its index in place at
	 * close instead of checkpointing (two fsyncs), deleting and recreating them each time;
	 * commits still checkpoint once the WAL passes sqlite's auto-checkpoint size */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	/* but every berth is the store's first connection, which rebuilds the WAL index by reading
	 * the whole WAL (~3,000 instructions a frame): checkpoint at 64 frames (~7 runs) rather than
	 * sqlite's 1000, so opening reads ~30 frames on average instead of ~500 */
	if ((r = store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			    "PRAGMA wal_autocheckpoint=64; PRAGMA foreign_keys=ON;", err)) < 0)
		goto fail;
	if ((r = migrate(st, err)) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return r;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st->root);
	free(st->blob_dir);
	free(st->tmp_dir);
	free(st);
}

char *store_tmp_path(struct store *st, const char *prefix)
{
	char id[65];
	random_hex_id(id);
	id[16] = 0;
	return xasprintf("%s/%s-%s", st->tmp_dir, prefix, id);
}
