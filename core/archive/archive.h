/* Layer tars: safe unpacking with whiteouts, recording of the tar framing (tar-split) so a
 * layer can be re-emitted byte for byte, and diffs of a directory back into a layer tar. */
#ifndef BERTH_ARCHIVE_H
#define BERTH_ARCHIVE_H

#include <stdint.h>
#include <sys/types.h>
#include <berth/host.h>
#include "common/err.h"

/* Unpack the (possibly gzip/bzip2/xz/zstd-compressed) tar read from tar_fd into dest_dir.
 * Every entry is created relative to a directory fd with no path component followed through a
 * symlink, `..` components are refused (a leading `/` is dropped, as Docker does), hard links must
 * point inside the layer. Returns the number of bytes of the uncompressed tar or a negative errno
 * with err filled. When ts is non-NULL the raw framing is recorded into it (see tarsplit_*);
 * diff_id (72 bytes) receives the sha256 of the uncompressed tar. Nothing is left behind in
 * dest_dir's parent on failure. */
int64_t archive_apply_tar(int tar_fd, const char *dest_dir, enum berth_whiteout_mode mode,
			  struct berth_tarsplit *ts, char *diff_id, berr_t *err);

/* Write an uncompressed tar of the changes in `upper` to out_fd. In OVERLAY mode char devices
 * 0/0 become `.wh.` files and trusted.overlay.opaque dirs get `.wh..wh..opq`; with lower set,
 * upper is compared to lower (vfs) and deletions become whiteouts. Returns bytes written. */
int64_t archive_diff_tar(const char *upper, const char *lower, enum berth_whiteout_mode mode,
			 int out_fd, struct berth_tarsplit *ts, char *diff_id, berr_t *err);

/* docker cp's extraction (moby's pkg/archive Untar): how what is created is owned. */
enum archive_owner {
	ARCHIVE_OWNER_HEADER,        /* the tar header's uid/gid */
	ARCHIVE_OWNER_FIXED,         /* uid/gid below */
	ARCHIVE_OWNER_CALLER,        /* no chown: the extracting user's (Docker's NoLchown) */
};
struct archive_extract_opts {
	int no_overwrite_dir_nondir; /* a directory never replaces a non-directory, nor the reverse */
	enum archive_owner owner;
	uid_t uid;
	gid_t gid;
	const char *dest_name;       /* the directory as messages name it (Docker: its path in the container) */
};
/* Unpack the (possibly compressed) tar from tar_fd into directory dirfd with archive_apply_tar's
 * path policy (no '..', nothing created through a symlink, hard links inside), but `.wh.` names
 * are ordinary files and nothing is removed on failure. Returns the bytes of uncompressed tar. */
int64_t archive_extract_tar(int tar_fd, int dirfd, const struct archive_extract_opts *o, berr_t *err);

/* docker cp's source (moby's TarResourceRebase): a tar of entry `base` of directory parent (a file,
 * or a directory and everything below it; "." for parent itself) whose names start with `name`
 * instead of base ("dir/", "dir/x"; "/" for a root: "/", "/x"). Symlinks are archived as such. */
int64_t archive_tar_resource(int parent, const char *base, const char *name, int out_fd, berr_t *err);

/* A tar read from in_fd with the entries keep() refuses left out (with their PAX and GNU
 * long-name headers), the kept ones byte for byte, ending with two zero blocks. keep gets the
 * entry's cleaned path with a leading '/' ("/etc/hosts"). tar_filter_read has the shape of
 * image.h's layer_source read: bytes, 0 at the end, or a negative errno with err set. */
struct tar_filter;
struct tar_filter *tar_filter_new(int in_fd, int (*keep)(void *arg, const char *path), void *arg);
ssize_t tar_filter_read(void *filter, void *buf, size_t len, berr_t *err);
void tar_filter_free(struct tar_filter *f);

/* tar-split: the bytes of a tar that are not file content, plus where each file's content lives. */
struct berth_tarsplit *tarsplit_new(void);
void tarsplit_free(struct berth_tarsplit *ts);
/* Persist / reload a recording (atomic write). */
int tarsplit_save(const struct berth_tarsplit *ts, const char *path, berr_t *err);
int tarsplit_load(struct berth_tarsplit **out, const char *path, berr_t *err);
/* Re-emit the original uncompressed tar, reading file contents from layer_dir (a directory
 * holding the layer's files as of that layer). Returns bytes written; the output hashes to the
 * layer's diff_id. */
int64_t tarsplit_assemble(const struct berth_tarsplit *ts, const char *layer_dir, int out_fd, berr_t *err);
/* The recorded tar in order: fn gets each run of verbatim bytes (p set) and, as (NULL, size),
 * the content of each file the recording only refers to. */
void tarsplit_walk(const struct berth_tarsplit *ts, void (*fn)(void *arg, const void *p, uint64_t n),
		   void *arg);

#endif
