/* What a container changed, as Docker's `diff` and `commit` see it: the storage driver's
 * changes of the rw layer, without the mount points berth makes there (Docker keeps those in
 * an init layer between the image and the rw layer, so its diff never shows them). */
#ifndef BERTH_CHANGES_H
#define BERTH_CHANGES_H

#include <stddef.h>
#include "container/container.h"

struct fs_change {
	char kind;                   /* 'A', 'C' or 'D' */
	char *path;                  /* absolute, "/etc/passwd" */
};

/* The filtered changes of c's rw layer in the driver's order (a walk of the tree, a directory
 * before what it holds). EINVAL for a container without a rw layer (--rootfs). */
int container_changes(struct berth_ctx *ctx, const struct container *c, struct fs_change **out,
		      size_t *n, berr_t *err);
void fs_changes_free(struct fs_change *v, size_t n);

/* 1 if the entry at path (absolute) of the rw layer's diff is one the filtered changes `kept`
 * (from container_changes) left out: what commit must not carry into an image either. */
int container_change_hidden(const char *path, const struct fs_change *kept, size_t n);

#endif
