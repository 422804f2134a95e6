/* docker export: the container's whole file system (image and rw layer merged) as one tar, read
 * from the storage driver's mount of its layer, as Docker's daemon/export.go does. Volumes and
 * the runtime's own mounts (/proc, /dev, ...) are not in that mount: their mount points are
 * exported as the empty entries they are. */
#include "container/container.h"
#include "archive/archive.h"
#include "common/util.h"

#include <errno.h>

int container_export(struct berth_ctx *ctx, struct container *c, int out_fd, berr_t *err)
{
	char path[4096];
	berr_t ignore = { 0 };
	int64_t n;
	int r;

	if ((r = container_mount(ctx, c, path, sizeof(path), err)) < 0)
		return r;
	n = archive_diff_tar(path, NULL, BERTH_WHITEOUT_DELETE, out_fd, NULL, NULL, err);
	container_unmount(ctx, c, &ignore);
	if (n < 0)
		return berr_wrap(err, "export %s", c->id);
	return 0;
}

struct export_args {
	struct berth_ctx *ctx;
	struct container *c;
};

static int export_fill(int fd, void *arg, berr_t *err)
{
	struct export_args *a = arg;
	return container_export(a->ctx, a->c, fd, err);
}

int container_export_file(struct berth_ctx *ctx, struct container *c, const char *path, berr_t *err)
{
	struct export_args a = { ctx, c };
	return write_file_atomic_with(path, 0644, export_fill, &a, err);
}
