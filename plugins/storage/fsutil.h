/* File-system helpers shared by the storage plugins. Header-only (static functions), because
 * every plugins/storage/<name>.c is built alone into <name>.so and plugins must not link the
 * core: errors go through the host table's error(). */
#ifndef BERTH_PLUGIN_FSUTIL_H
#define BERTH_PLUGIN_FSUTIL_H

#include <berth/host.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define FSU_UNUSED __attribute__((unused))

/* malloc'd printf; aborts on OOM like the core's xasprintf. */
static FSU_UNUSED __attribute__((format(printf, 1, 2))) char *fsu_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

/* Layer ids are chosen by the core ([a-z0-9-]+); anything else could escape the home. */
static FSU_UNUSED int fsu_valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 128)
		return 0;
	for (const char *s = id; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static FSU_UNUSED int fsu_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of directory fd (without . and ..); fd is not consumed. -errno on failure. */
static FSU_UNUSED int fsu_list(int fd, char ***names, size_t *n)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return -e;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*names = realloc(*names, cap * sizeof(char *));
			if (!*names)
				abort();
		}
		(*names)[*n] = strdup(de->d_name);
		if (!(*names)[(*n)++])
			abort();
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), fsu_cmp_names);
	return 0;
}

static FSU_UNUSED void fsu_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* rm -rf name in dirfd: never follows symlinks, never crosses into another mount (dev). */
static FSU_UNUSED int fsu_rm_at(int dirfd, const char *name, dev_t dev)
{
	struct stat st;
	char **names;
	size_t n;
	int fd, r = 0;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return -EPERM;
	if (st.st_dev != dev)
		return -EXDEV;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((r = fsu_list(fd, &names, &n)) == 0) {
		for (size_t i = 0; i < n && r == 0; i++)
			r = fsu_rm_at(fd, names[i], dev);
		fsu_free_names(names, n);
	}
	close(fd);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

static FSU_UNUSED int fsu_rm_rf(const struct berth_host *h, const char *path, struct berth_error *err)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : h->error(err, errno, "remove %s: %s", path, strerror(errno));
	r = fsu_rm_at(AT_FDCWD, path, st.st_dev);
	if (r == -EXDEV)
		return h->error(err, EBUSY, "remove %s: a file system is still mounted below it", path);
	if (r < 0)
		return h->error(err, -r, "remove %s: %s", path, strerror(-r));
	return 0;
}

/* Bytes of the non-directories below fd (apparent sizes, each inode once), as Docker's
 * directory.Size. */
struct fsu_inodes {
	struct { dev_t dev; ino_t ino; } *v;
	size_t n, cap;
};

static FSU_UNUSED int fsu_inode_seen(struct fsu_inodes *s, dev_t dev, ino_t ino)
{
	size_t i;

	if (s->n * 2 >= s->cap) {
		struct fsu_inodes ns = { .cap = s->cap ? s->cap * 2 : 256 };
		ns.v = calloc(ns.cap, sizeof(*ns.v));
		if (!ns.v)
			abort();
		for (size_t j = 0; j < s->cap; j++)
			if (s->v[j].ino || s->v[j].dev) {
				for (i = (s->v[j].ino * 31 + s->v[j].dev) & (ns.cap - 1); ns.v[i].ino || ns.v[i].dev;
				     i = (i + 1) & (ns.cap - 1))
					;
				ns.v[i] = s->v[j];
			}
		ns.n = s->n;
		free(s->v);
		*s = ns;
	}
	for (i = (ino * 31 + dev) & (s->cap - 1); s->v[i].ino || s->v[i].dev; i = (i + 1) & (s->cap - 1))
		if (s->v[i].ino == ino && s->v[i].dev == dev)
			return 1;
	s->v[i].dev = dev;
	s->v[i].ino = ino;
	s->n++;
	return 0;
}

static FSU_UNUSED int64_t fsu_du_fd(int fd, struct fsu_inodes *seen)
{
	char **names;
	size_t n;
	int64_t total = 0;

	if (fsu_list(fd, &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int c = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (c >= 0) {
				total += fsu_du_fd(c, seen);
				close(c);
			}
		} else if (st.st_nlink < 2 || !fsu_inode_seen(seen, st.st_dev, st.st_ino)) {
			total += st.st_size;
		}
	}
	fsu_free_names(names, n);
	return total;
}

static FSU_UNUSED int64_t fsu_du(const struct berth_host *h, const char *path, struct berth_error *err)
{
	struct fsu_inodes seen = { 0 };
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int64_t total;

	if (fd < 0)
		return h->error(err, errno, "size of %s: %s", path, strerror(errno));
	total = fsu_du_fd(fd, &seen);
	close(fd);
	free(seen.v);
	return total;
}

/* The file system name `docker info` shows for path ("extfs" for ext2/3/4, as Docker does). */
static FSU_UNUSED const char *fsu_fs_name(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) < 0)
		return "unknown";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53: return "extfs";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794C7630: return "overlayfs";
	case 0x2FC12FC1: return "zfs";
	case 0xF2F52010: return "f2fs";
	case 0x65735546: return "fuse";
	case 0x6969: return "nfs";
	case 0x858458F6: return "ramfs";
	case 0x73717368: return "squashfs";
	}
	return "unknown";
}

/* Small text files (link ids, lower chains, counters): read trimmed, written atomically. */
static FSU_UNUSED char *fsu_read_text(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *s;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	if (!(s = strdup(buf)))
		abort();
	return s;
}

static FSU_UNUSED int fsu_write_text(const struct berth_host *h, const char *path, const char *text,
				     struct berth_error *err)
{
	char *tmp = fsu_printf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r = 0;
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		free(tmp);
		return h->error(err, -r, "write %s: %s", path, strerror(-r));
	}
	free(tmp);
	return 0;
}

/* text into a new file of a directory the caller just made: nobody can read it before the caller
 * returns, so no temporary name; and no fsync (Docker's overlay2 writes its link and lower files
 * the same way): the layer's contents are not synced either, nor is the store row naming it. */
static FSU_UNUSED int fsu_write_new(const struct berth_host *h, const char *path, const char *text,
				    struct berth_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), r = 0;
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && !r)
		r = -errno;
	if (r)
		return h->error(err, -r, "write %s: %s", path, strerror(-r));
	return 0;
}

#endif
