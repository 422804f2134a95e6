/* Content-addressed blobs under <data-root>/blobs/sha256/<hex>, written atomically. */
#include "store/store.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *blob_path(struct store *st, const char *digest)
{
	return xasprintf("%s/%s", st->blob_dir, digest + 7);
}

int blob_exists(struct store *st, const char *digest)
{
	_cleanup_free_ char *p = NULL;

	if (!digest_valid(digest))
		return 0;
	p = blob_path(st, digest);
	return access(p, F_OK) == 0;
}

int blob_writer_open(struct store *st, struct blob_writer *w, berr_t *err)
{
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->tmp = store_tmp_path(st, "blob");
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		int r = berr_sys(err, errno, "create %s", w->tmp);
		free(w->tmp);
		w->tmp = NULL;
		return r;
	}
	sha256_init(&w->hash);
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t len, berr_t *err)
{
	int r = write_all(w->fd, data, len);

	if (r < 0)
		return berr_sys(err, -r, "write blob");
	sha256_update(&w->hash, data, len);
	w->size += len;
	return 0;
}

int blob_writer_commit(struct blob_writer *w, const char *expect, char out[DIGEST_LEN + 1], berr_t *err)
{
	char digest[DIGEST_LEN + 1];
	_cleanup_free_ char *path = NULL;
	int r = 0;

	sha256_final(&w->hash, digest);
	if (expect && strcmp(expect, digest)) {
		r = berr_set(err, EBADMSG, "digest mismatch: expected %s, got %s", expect, digest);
		goto out;
	}
	if (fsync(w->fd) < 0) {
		r = berr_sys(err, errno, "fsync blob");
		goto out;
	}
	path = blob_path(w->st, digest);
	if (rename(w->tmp, path) < 0) {
		r = berr_sys(err, errno, "store blob %s", digest);
		goto out;
	}
	if (out)
		memcpy(out, digest, DIGEST_LEN + 1);
out:
	close(w->fd);
	if (r < 0)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	w->fd = -1;
	return r;
}

int blob_writer_finish_tmp(struct blob_writer *w, const char *expect, char **tmp, berr_t *err)
{
	char digest[DIGEST_LEN + 1];
	int r = 0;

	sha256_final(&w->hash, digest);
	close(w->fd);
	w->fd = -1;
	if (expect && strcmp(expect, digest)) {
		r = berr_set(err, EBADMSG, "digest mismatch: expected %s, got %s", expect, digest);
		unlink(w->tmp);
		free(w->tmp);
	} else {
		*tmp = w->tmp;
	}
	w->tmp = NULL;
	return r;
}

void blob_writer_abort(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp) {
		unlink(w->tmp);
		free(w->tmp);
	}
	if (w->hash.md)
		sha256_free(&w->hash);
	w->tmp = NULL;
	w->fd = -1;
}

int blob_put(struct store *st, const void *data, size_t len, char out[DIGEST_LEN + 1], berr_t *err)
{
	struct blob_writer w;
	char digest[DIGEST_LEN + 1];
	int r;

	sha256_digest(data, len, digest);
	if (blob_exists(st, digest)) {
		if (out)
			memcpy(out, digest, DIGEST_LEN + 1);
		return 0;
	}
	if ((r = blob_writer_open(st, &w, err)) < 0)
		return r;
	if ((r = blob_writer_write(&w, data, len, err)) < 0) {
		blob_writer_abort(&w);
		return r;
	}
	return blob_writer_commit(&w, digest, out, err);
}

int blob_get(struct store *st, const char *digest, char **data, size_t *len, berr_t *err)
{
	_cleanup_free_ char *p = NULL;

	if (!digest_valid(digest))
		return berr_set(err, EINVAL, "invalid digest \"%s\"", digest);
	p = blob_path(st, digest);
	return read_file(p, data, len, err);
}

int blob_remove(struct store *st, const char *digest, berr_t *err)
{
	_cleanup_free_ char *p = NULL;

	if (!digest_valid(digest))
		return berr_set(err, EINVAL, "invalid digest \"%s\"", digest);
	p = blob_path(st, digest);
	if (unlink(p) < 0 && errno != ENOENT)
		return berr_sys(err, errno, "remove blob %s", digest);
	return 0;
}
