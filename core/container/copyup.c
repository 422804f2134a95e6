/* Copy-up of image content into new volumes. The source is walked with dirfds and O_NOFOLLOW
 * only (the mount target itself is resolved with RESOLVE_IN_ROOT), so a symlink in an image
 * can never make berth read or write outside the rootfs and the volume. */
#include "container/copyup.h"
#include "container/container.h"
#include "container/volume.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* mode, owner and times of st onto fd (chown before chmod: chown clears set-id bits) */
static void copy_meta_fd(int fd, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fchown(fd, st->st_uid, st->st_gid) < 0) { /* best effort, like Docker's copy */ }
	fchmod(fd, st->st_mode & 07777);
	futimens(fd, ts);
}

/* xattrs where cheap: a failure (unsupported namespace, no such attribute) is skipped */
static void copy_xattrs(int src, int dst)
{
	char names[4096], val[4096];
	ssize_t n = flistxattr(src, names, sizeof(names));
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		ssize_t vl = fgetxattr(src, names + off, val, sizeof(val));
		if (vl >= 0)
			fsetxattr(dst, names + off, val, (size_t)vl, 0);
	}
}

static int copy_file_data(int in, int out, const char *name, berr_t *err)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			break;
	}
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return berr_sys(err, errno, "copy %s", name);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return berr_sys(err, errno, "write %s", name);
	return n < 0 ? berr_sys(err, errno, "read %s", name) : 0;
}

static int copy_tree(int src, int dst, berr_t *err);

static int copy_entry(int src, int dst, const char *name, berr_t *err)
{
	struct stat st;
	int r = 0;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, errno, "stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
			return berr_sys(err, errno, "mkdir %s", name);
		s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return berr_sys(err, errno, "open %s", name);
		if ((r = copy_tree(s, d, err)) < 0)
			return berr_wrap(err, "%s", name);
		copy_xattrs(s, d);
		copy_meta_fd(d, &st);  /* last: the times would change while filling it */
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = -1;
		if (s < 0)
			return berr_sys(err, errno, "open %s", name);
		d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d < 0)
			return berr_sys(err, errno, "create %s", name);
		if ((r = copy_file_data(s, d, name, err)) < 0)
			return r;
		copy_xattrs(s, d);
		copy_meta_fd(d, &st);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return berr_sys(err, errno, "readlink %s", name);
		target[n] = 0;
		if (symlinkat(target, dst, name) < 0)
			return berr_sys(err, errno, "symlink %s", name);
		/* best effort, as copy_meta_fd: a file system may refuse owners or times */
		(void)!fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
	} else {
		/* devices, fifos, sockets: the node itself (no O_NOFOLLOW open needed for metadata) */
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
			return berr_sys(err, errno, "mknod %s", name);
		(void)!fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		(void)!fchmodat(dst, name, st.st_mode & 07777, 0);
		utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}

static int copy_tree(int src, int dst, berr_t *err)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(src), r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return berr_sys(err, e, "read directory");
	}
	rewinddir(d);  /* the dup shares the offset of any earlier read */
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = copy_entry(src, dst, de->d_name, err);
	}
	closedir(d);
	return r;
}

/* 1 when the directory fd has an entry besides . and .. */
static int dir_has_entries(int dirfd)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dirfd), found = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 1;  /* unreadable: never copy over it */
	}
	rewinddir(d);
	while (!found && (de = readdir(d)))
		found = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return found;
}

int volume_copy_up(struct berth_ctx *ctx, const char *container, const char *volume,
		   const char *path, int *copied, berr_t *err)
{
	struct container *c = NULL;
	json_t *v = NULL;
	char rootfs[4096];
	struct stat st;
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
	_cleanup_close_ int rootfd = -1, src = -1, dst = -1;
	int r;

	*copied = 0;
	if ((r = volume_inspect(ctx, volume, &v, err)) < 0)
		return r;
	dst = open(json_string_value(json_object_get(v, "Mountpoint")), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	json_decref(v);
	if (dst < 0)
		return berr_sys(err, errno, "open volume %s", volume);
	if (dir_has_entries(dst))
		return 0;  /* a volume with data keeps it */
	if ((r = container_get(ctx, container, &c, err)) < 0)
		return r;
	if ((r = container_mount(ctx, c, rootfs, sizeof(rootfs), err)) < 0)
		goto out_free;
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		r = berr_sys(err, errno, "open rootfs %s", rootfs);
		goto out_put;
	}
	src = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (src < 0) {
		/* nothing at the target in the image (or not a directory): nothing to copy */
		r = errno == ENOENT || errno == ENOTDIR ? 0 : berr_sys(err, errno, "open %s in the image", path);
		goto out_put;
	}
	if (!dir_has_entries(src))
		goto out_put;
	if ((r = copy_tree(src, dst, err)) < 0) {
		berr_wrap(err, "copy %s", path);
		goto out_put;
	}
	/* the volume's root takes the owner and mode of the image's directory (Docker's copyOwnership) */
	if (fstat(src, &st) == 0) {
		if (fchown(dst, st.st_uid, st.st_gid) < 0) { /* best effort */ }
		fchmod(dst, st.st_mode & 07777);
	}
	*copied = 1;
out_put:
	{
		berr_t e2 = { 0 };
		container_unmount(ctx, c, &e2);
	}
out_free:
	container_free(c);
	return r;
}
