/* Opening and removing paths beneath a directory fd without ever following a symlink, the way
 * layer apply, diff and tar-split assembly reach files (bubblewrap's rule: user paths are opened
 * relative to a directory fd and checked, never trusted as strings). Paths here are cleaned
 * relative paths (tar_clean_path): no leading '/', no '.', no '..', "" for the root. */
#ifndef BERTH_ARCHIVE_BENEATH_H
#define BERTH_ARCHIVE_BENEATH_H

#include <stddef.h>
#include "common/err.h"

/* A cached chain of open directory fds for the components of the last directory opened, so a
 * tar's entries (grouped by directory) cost one openat per new component, not per entry. */
struct dirchain {
	int rootfd;                  /* borrowed */
	char *path;                  /* the directory the chain ends at */
	size_t plen, pcap;
	int *fds;                    /* fds[i]: directory of components 0..i */
	size_t *ends;                /* ends[i]: length of path through component i */
	size_t depth, cap;
};

void dirchain_init(struct dirchain *c, int rootfd);
void dirchain_free(struct dirchain *c);
/* Called for every directory dirchain_open creates (path of dirlen bytes, not NUL-terminated). */
typedef void (*dirchain_created_fn)(void *ctx, const char *path, size_t len);
/* Open directory `dir` (dirlen bytes) beneath the root and return a borrowed fd valid until the
 * next call. Missing components are created (mode 0755) when create is set. Errors: -ENOENT
 * (missing, create unset), -ELOOP (a component is a symlink), -ENOTDIR (a component is not a
 * directory), with err naming the component. */
int dirchain_open(struct dirchain *c, const char *dir, size_t dirlen, int create,
		  dirchain_created_fn on_create, void *ctx, berr_t *err);

/* open(2) `path` beneath rootfd with O_NOFOLLOW on every component; -errno on failure (err set,
 * naming path). */
int beneath_open(int rootfd, const char *path, int flags, berr_t *err);

/* rm -rf of `name` in dirfd: never follows symlinks, refuses to cross into another mount. */
int remove_tree_at(int dirfd, const char *name, berr_t *err);

/* The sorted (strcmp) names in directory fd, without "." and ".."; *n receives the count. The
 * array and its strings are malloc'd; free with free_names. fd itself is not consumed. */
int list_dir_sorted(int fd, char ***names, size_t *n, berr_t *err);
void free_names(char **names, size_t n);

#endif
