/* The store: sqlite metadata (WAL, versioned migrations) and the content-addressed blob store.
 * Every object becomes visible in one transaction after its files are complete, so a process
 * killed mid-command leaves at most unreferenced files that `store_gc` later removes. */
#ifndef BERTH_STORE_H
#define BERTH_STORE_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/err.h"
#include "common/digest.h"

struct store {
	sqlite3 *db;
	char *root;                  /* data root */
	char *blob_dir;              /* <root>/blobs/sha256 */
	char *tmp_dir;               /* <root>/tmp: same file system, for atomic renames */
};

int store_open(struct store **out, const char *data_root, berr_t *err);
/* Before any store is opened: sqlite's page cache in n slots of the arena (common/arena.h),
 * the pages of a command's queries (the whole store of a small installation) then in its huge
 * page; a page past them is malloc's, as without. */
struct arena;
void store_page_cache(struct arena *a, int n);
void store_close(struct store *st);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; immediate so writers queue instead of deadlocking. */
int store_begin(struct store *st, berr_t *err);
int store_commit(struct store *st, berr_t *err);
void store_rollback(struct store *st);
/* Run SQL with no result rows. */
int store_exec(struct store *st, const char *sql, berr_t *err);
/* Prepare a statement; reports sqlite's message. */
int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql, berr_t *err);
/* Current schema version (PRAGMA user_version). */
int store_schema_version(struct store *st);

/* Blobs: path of a digest's file (does not check existence). */
char *blob_path(struct store *st, const char *digest);
int blob_exists(struct store *st, const char *digest);
/* Store bytes; digest of what was stored in out. Atomic (tmp, fsync, rename). */
int blob_put(struct store *st, const void *data, size_t len, char out[DIGEST_LEN + 1], berr_t *err);
int blob_get(struct store *st, const char *digest, char **data, size_t *len, berr_t *err);
int blob_remove(struct store *st, const char *digest, berr_t *err);

/* Streaming blob writer: write, then commit (verifying `expect` when non-NULL) or abort. */
struct blob_writer {
	struct store *st;
	int fd;
	char *tmp;
	struct sha256 hash;
	uint64_t size;
};
int blob_writer_open(struct store *st, struct blob_writer *w, berr_t *err);
int blob_writer_write(struct blob_writer *w, const void *data, size_t len, berr_t *err);
int blob_writer_commit(struct blob_writer *w, const char *expect, char out[DIGEST_LEN + 1], berr_t *err);
void blob_writer_abort(struct blob_writer *w);
/* Verify like commit, but leave the bytes at their temp path (moved to *tmp, the caller's to
 * unlink and free) instead of storing them: for blobs needed only for a while. */
int blob_writer_finish_tmp(struct blob_writer *w, const char *expect, char **tmp, berr_t *err);

/* A temp path under <root>/tmp (malloc'd), unique per call. */
char *store_tmp_path(struct store *st, const char *prefix);

#endif
