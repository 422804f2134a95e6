/* Which compressed blob holds a layer (diff_id) in which registry repository: written on pull and
 * push, read on push to HEAD-skip, mount or reuse a blob instead of compressing the layer again
 * (Docker's v2 metadata service in miniature). A store without the table just misses. */
#include "registry/blobmap.h"
#include "store/store.h"
#include "common/util.h"

#include <string.h>

void blobmap_remember(struct berth_ctx *ctx, const char *diff_id, const char *digest, int64_t size,
		      const char *registry, const char *repository)
{
	struct store *st;
	sqlite3_stmt *s;
	berr_t err;

	if (ctx_store(ctx, &st, &err) < 0)
		return;
	if (store_prepare(st, &s, "INSERT OR REPLACE INTO registry_blobs"
			  " (diff_id, digest, size, registry, repository) VALUES (?,?,?,?,?)", &err) < 0)
		return;
	sqlite3_bind_text(s, 1, diff_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, size);
	sqlite3_bind_text(s, 4, registry, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, repository, -1, SQLITE_STATIC);
	sqlite3_step(s);
	sqlite3_finalize(s);
}

int blobmap_lookup(struct berth_ctx *ctx, const char *diff_id, const char *registry,
		   struct blobmap_entry *out, int max)
{
	struct store *st;
	sqlite3_stmt *s;
	berr_t err;
	int n = 0;

	if (ctx_store(ctx, &st, &err) < 0)
		return 0;
	/* this registry's entries first, so a HEAD or a mount is tried before an upload */
	if (store_prepare(st, &s, "SELECT digest, size, registry, repository FROM registry_blobs"
			  " WHERE diff_id = ? ORDER BY registry = ? DESC", &err) < 0)
		return 0;
	sqlite3_bind_text(s, 1, diff_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, registry, -1, SQLITE_STATIC);
	while (n < max && sqlite3_step(s) == SQLITE_ROW) {
		struct blobmap_entry *e = &out[n++];
		snprintf(e->digest, sizeof(e->digest), "%s", (const char *)sqlite3_column_text(s, 0));
		e->size = sqlite3_column_int64(s, 1);
		snprintf(e->registry, sizeof(e->registry), "%s", (const char *)sqlite3_column_text(s, 2));
		snprintf(e->repository, sizeof(e->repository), "%s", (const char *)sqlite3_column_text(s, 3));
	}
	sqlite3_finalize(s);
	return n;
}
