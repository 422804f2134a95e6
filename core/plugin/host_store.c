/* The host services that need the store and libarchive, as berth itself provides them: the
 * plugins' key/value store in sqlite and tar apply/diff. berth-monitor links its own variant
 * (core/monitor/host_monitor.c) so that it carries neither library. */
#include "plugin/host_services.h"
#include "store/store.h"
#include "ctx.h"
#include "archive/archive.h"
#include "common/util.h"

#include <errno.h>

/* Run one plugin_kv statement: driver ?1, key ?2, value ?3 when given (unbound is NULL). */
static int kv_exec(const char *sql, const char *driver, const char *key, const char *value,
		   struct berth_error *err)
{
	struct store *st;
	sqlite3_stmt *s;
	int r;

	if (!plugin_host_ctx())
		return berr_set(err, EINVAL, "no store");
	if ((r = ctx_store(plugin_host_ctx(), &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, sql, err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return r;
}

int host_kv_set(const char *driver, const char *key, const char *value, struct berth_error *err)
{
	return kv_exec("INSERT OR REPLACE INTO plugin_kv(driver,key,value) VALUES(?,?,?)", driver, key, value, err);
}

char *host_kv_get(const char *driver, const char *key)
{
	struct store *st;
	sqlite3_stmt *s;
	char *v = NULL;

	if (!plugin_host_ctx() || ctx_store(plugin_host_ctx(), &st, NULL) < 0)
		return NULL;
	if (store_prepare(st, &s, "SELECT value FROM plugin_kv WHERE driver=? AND key=?", NULL) < 0)
		return NULL;
	sqlite3_bind_text(s, 1, driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

int host_kv_del(const char *driver, const char *key, struct berth_error *err)
{
	return kv_exec("DELETE FROM plugin_kv WHERE driver=? AND key=?", driver, key, NULL, err);
}

int64_t host_apply_tar(int tar_fd, const char *dest_dir, enum berth_whiteout_mode mode,
		       struct berth_tarsplit *ts, char *diff_id, struct berth_error *err)
{
	return archive_apply_tar(tar_fd, dest_dir, mode, ts, diff_id, err);
}

int64_t host_diff_tar(const char *upper, const char *lower, enum berth_whiteout_mode mode,
		      int out_fd, struct berth_tarsplit *ts, char *diff_id, struct berth_error *err)
{
	return archive_diff_tar(upper, lower, mode, out_fd, ts, diff_id, err);
}
