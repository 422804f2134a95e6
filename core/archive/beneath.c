/* Symlink-proof path walking beneath a directory fd, and rm -rf relative to a directory fd. */
#include "archive/beneath.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void dirchain_init(struct dirchain *c, int rootfd)
{
	memset(c, 0, sizeof(*c));
	c->rootfd = rootfd;
}

static void chain_truncate(struct dirchain *c, size_t depth)
{
	while (c->depth > depth)
		close(c->fds[--c->depth]);
	c->plen = depth ? c->ends[depth - 1] : 0;
}

void dirchain_free(struct dirchain *c)
{
	chain_truncate(c, 0);
	free(c->path);
	free(c->fds);
	free(c->ends);
	memset(c, 0, sizeof(*c));
	c->rootfd = -1;
}

/* Why a component could not be opened as a directory: a symlink, or something else. */
static int component_error(int parent, const char *comp, const char *path, size_t len, int e, berr_t *err)
{
	struct stat st;

	if ((e == ELOOP || e == ENOTDIR) && fstatat(parent, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return berr_set(err, ELOOP, "\"%.*s\" is a symbolic link; refusing to follow it", (int)len, path);
		if (!S_ISDIR(st.st_mode))
			return berr_set(err, ENOTDIR, "\"%.*s\" is not a directory", (int)len, path);
	}
	if (e == ENOENT)
		return berr_set(err, ENOENT, "\"%.*s\" does not exist", (int)len, path);
	return berr_sys(err, e, "open \"%.*s\"", (int)len, path);
}

int dirchain_open(struct dirchain *c, const char *dir, size_t dirlen, int create,
		  dirchain_created_fn on_create, void *ctx, berr_t *err)
{
	size_t keep = 0, pos;

	/* Keep the longest cached prefix that is a whole-component prefix of dir. */
	while (keep < c->depth) {
		size_t e = c->ends[keep];
		if (e > dirlen || memcmp(c->path, dir, e) || (e < dirlen && dir[e] != '/'))
			break;
		keep++;
	}
	chain_truncate(c, keep);
	pos = c->plen;
	if (c->pcap < dirlen + 1) {
		c->pcap = dirlen + 64;
		c->path = realloc(c->path, c->pcap);
		if (!c->path)
			abort();
	}
	while (pos < dirlen) {
		char comp[NAME_MAX + 1];
		size_t start, len;
		int parent = c->depth ? c->fds[c->depth - 1] : c->rootfd, fd;

		if (dir[pos] == '/')
			pos++;
		start = pos;
		while (pos < dirlen && dir[pos] != '/')
			pos++;
		len = pos - start;
		if (len == 0)
			continue;
		if (len > NAME_MAX)
			return berr_set(err, ENAMETOOLONG, "\"%.*s\": name too long", (int)pos, dir);
		memcpy(comp, dir + start, len);
		comp[len] = 0;
		fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST)
				return berr_sys(err, errno, "mkdir \"%.*s\"", (int)pos, dir);
			fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				fchmod(fd, 0755);                 /* independent of the umask */
				if (on_create)
					on_create(ctx, dir, pos);
			}
		}
		if (fd < 0)
			return component_error(parent, comp, dir, pos, errno, err);
		if (c->depth == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->fds = realloc(c->fds, c->cap * sizeof(*c->fds));
			c->ends = realloc(c->ends, c->cap * sizeof(*c->ends));
			if (!c->fds || !c->ends)
				abort();
		}
		memcpy(c->path + c->plen, dir + c->plen, pos - c->plen);
		c->plen = pos;
		c->fds[c->depth] = fd;
		c->ends[c->depth] = pos;
		c->depth++;
	}
	return c->depth ? c->fds[c->depth - 1] : c->rootfd;
}

static int walk_open(int rootfd, const char *path, int flags, berr_t *err)
{
	struct dirchain c;
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	const char *base = slash ? slash + 1 : path;
	int parent, fd;

	if (!*path)
		return openat(rootfd, ".", flags | O_CLOEXEC);
	dirchain_init(&c, rootfd);
	parent = dirchain_open(&c, path, dlen, 0, NULL, NULL, err);
	if (parent < 0) {
		dirchain_free(&c);
		return parent;
	}
	fd = openat(parent, base, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = component_error(parent, base, path, strlen(path), errno, err);
	dirchain_free(&c);
	return fd;
}

int beneath_open(int rootfd, const char *path, int flags, berr_t *err)
{
	static int no_openat2;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!no_openat2 && *path) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno == ENOSYS || errno == EPERM)      /* old kernel or a seccomp filter */
			no_openat2 = 1;
		else if (errno == ENOENT)
			return berr_set(err, ENOENT, "\"%s\" does not exist", path);
	}
	/* The slow path also explains which component was refused. */
	return walk_open(rootfd, path, flags, err);
}

static int remove_at(int parent, const char *name, dev_t dev, berr_t *err)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0;
	int fd, r;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return berr_sys(err, errno, "unlink %s", name);
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_sys(err, errno, "stat %s", name);
	if (!S_ISDIR(st.st_mode))
		return berr_sys(err, EPERM, "unlink %s", name);
	if (st.st_dev != dev)
		return berr_set(err, EXDEV, "refusing to remove %s: another file system is mounted there", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(err, errno, "open %s", name);
	r = list_dir_sorted(fd, &names, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = remove_at(fd, names[i], dev, err);
	free_names(names, n);
	close(fd);
	if (r < 0)
		return r;
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return berr_sys(err, errno, "rmdir %s", name);
	return 0;
}

int remove_tree_at(int dirfd, const char *name, berr_t *err)
{
	struct stat st;

	if (fstat(dirfd, &st) < 0)
		return berr_sys(err, errno, "stat");
	return remove_at(dirfd, name, st.st_dev, err);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_dir_sorted(int fd, char ***names, size_t *n, berr_t *err)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (dfd < 0)
		return berr_sys(err, errno, "open directory");
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return berr_sys(err, errno, "open directory");
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*names = realloc(*names, cap * sizeof(char *));
			if (!*names)
				abort();
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	if (errno) {
		int e = errno;
		closedir(d);
		free_names(*names, *n);
		*names = NULL;
		*n = 0;
		return berr_sys(err, e, "read directory");
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), name_cmp);
	return 0;
}

void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
