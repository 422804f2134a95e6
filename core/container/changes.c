/* The changes of a container's rw layer, filtered as Docker's init layer hides its entries. */
#include "container/changes.h"
#include "image/image.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* moby daemon/initlayer/setup_unix.go: what Docker's init layer holds. berth makes some of them
 * as mount points in the rw layer itself; the others a container's own writes may have made, and
 * Docker would not show those either (they sit in its init layer). */
static const char *const INIT_PATHS[] = {
	"/dev/pts", "/dev/shm", "/proc", "/sys", "/.dockerenv", "/etc/resolv.conf", "/etc/hosts",
	"/etc/hostname", "/dev/console", "/etc/mtab",
};
/* Their parents, which the init layer creates when the image lacks them. */
static const char *const INIT_PARENTS[] = { "/dev", "/etc" };

static int init_path(const char *path)
{
	for (size_t i = 0; i < sizeof(INIT_PATHS) / sizeof(*INIT_PATHS); i++)
		if (!strcmp(path, INIT_PATHS[i]))
			return 1;
	return 0;
}

static int init_parent(const char *path)
{
	for (size_t i = 0; i < sizeof(INIT_PARENTS) / sizeof(*INIT_PARENTS); i++)
		if (!strcmp(path, INIT_PARENTS[i]))
			return 1;
	return 0;
}

/* 1 if some change left in v lies beneath dir. */
static int has_descendant(const struct fs_change *v, size_t n, const char *dir)
{
	size_t len = strlen(dir);

	for (size_t i = 0; i < n; i++)
		if (v[i].path && !strncmp(v[i].path, dir, len) && v[i].path[len] == '/')
			return 1;
	return 0;
}

/* Drop the init entries; an init parent stays only when something else changed beneath it,
 * and then as a change (it exists in Docker's init layer, so it is never added). */
static void filter_init(struct fs_change *v, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++)
		if (v[i].kind != 'D' && init_path(v[i].path)) {
			free(v[i].path);
			v[i].path = NULL;
		}
	for (size_t i = 0; i < *n; i++) {
		if (v[i].path && v[i].kind != 'D' && init_parent(v[i].path)) {
			if (has_descendant(v, *n, v[i].path)) {
				v[i].kind = 'C';
			} else {
				free(v[i].path);
				v[i].path = NULL;
			}
		}
	}
	for (size_t i = 0; i < *n; i++)
		if (v[i].path)
			v[k++] = v[i];
	*n = k;
}

int container_change_hidden(const char *path, const struct fs_change *kept, size_t n)
{
	if (init_path(path))
		return 1;
	if (!init_parent(path))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kept[i].path, path))
			return 0;
	return 1;
}

void fs_changes_free(struct fs_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Parse the driver's "K /path\n" lines. */
static int parse_changes(FILE *f, struct fs_change **out, size_t *n, berr_t *err)
{
	struct fs_change *v = NULL;
	size_t cap = 0, len = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t l;

	*n = 0;
	while ((l = getline(&line, &lcap, f)) > 0) {
		if (line[l - 1] == '\n')
			line[--l] = 0;
		if (l < 3 || !strchr("ACD", line[0]) || line[1] != ' ') {
			berr_set(err, EIO, "storage driver: malformed change line \"%s\"", line);
			free(line);
			fs_changes_free(v, len);
			return -EIO;
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[len].kind = line[0];
		v[len].path = line[2] == '/' ? xstrdup(line + 2) : xasprintf("/%s", line + 2);
		len++;
	}
	free(line);
	*out = v;
	*n = len;
	return 0;
}

int container_changes(struct berth_ctx *ctx, const struct container *c, struct fs_change **out,
		      size_t *n, berr_t *err)
{
	const struct berth_storage_ops *ops;
	char parent[IMAGE_INIT_ID_LEN];
	_cleanup_close_ int fd = -1;
	FILE *f;
	int r;

	*out = NULL;
	*n = 0;
	if (!c->rw_layer || !*c->rw_layer)
		return berr_set(err, EINVAL, "container %s has no layer of its own (--rootfs)", c->id);
	if ((r = ctx_storage(ctx, &ops, NULL, err)) < 0)
		return r;
	if ((r = container_rw_parent(ctx, c, parent, err)) < 0)
		return r;
	if ((fd = memfd_create("berth-changes", MFD_CLOEXEC)) < 0)
		return berr_sys(err, errno, "memfd_create");
	if ((r = ops->changes(c->rw_layer, parent[0] ? parent : NULL, fd, err)) < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0 || !(f = fdopen(dup(fd), "r")))
		return berr_sys(err, errno, "read changes");
	r = parse_changes(f, out, n, err);
	fclose(f);
	if (r < 0)
		return r;
	filter_init(*out, n);
	return 0;
}
