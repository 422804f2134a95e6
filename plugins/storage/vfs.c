/* vfs: the storage driver that works everywhere. Every layer is a full directory copy of its
 * parent under HOME/dir/<id> (as Docker's vfs); no mounts. Copies preserve modes, owners, times,
 * xattrs, devices and hard links within the tree, and use reflinks or copy_file_range where the
 * file system offers them. Diffs compare a layer with its parent's copy. */
#include <berth/plugin.h>
#include <berth/storage.h>
#include "fsutil.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

static const struct berth_host *host;
static char *home;                     /* the driver's home (data-root/storage/vfs) */

static char *layer_dir(const char *id)
{
	return fsu_printf("%s/dir/%s", home, id);
}

static int check_id(const char *id, struct berth_error *err)
{
	if (!fsu_valid_id(id))
		return host->error(err, EINVAL, "vfs: invalid layer id \"%s\"", id ? id : "");
	return 0;
}

static int vfs_init(const char *h, struct berth_error *err)
{
	char *d;

	free(home);
	home = strdup(h);
	if (!home)
		abort();
	d = fsu_printf("%s/dir", home);
	if (mkdir(d, 0700) < 0 && errno != EEXIST) {
		int r = host->error(err, errno, "vfs: mkdir %s: %s", d, strerror(errno));
		free(d);
		return r;
	}
	free(d);
	return 0;
}

static void vfs_cleanup(void)
{
	free(home);
	home = NULL;
}

/* --- copying a tree --- */

struct copier {
	int dstroot;
	int no_clone;                      /* FICLONE failed once: do not try again */
	struct { dev_t dev; ino_t ino; char *path; } *links;
	size_t nlinks, caplinks;
	struct berth_error *err;
};

static const char *linked_copy(struct copier *c, const struct stat *st)
{
	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
			return c->links[i].path;
	return NULL;
}

static void remember_link(struct copier *c, const struct stat *st, const char *rel)
{
	if (c->nlinks == c->caplinks) {
		c->caplinks = c->caplinks ? c->caplinks * 2 : 64;
		c->links = realloc(c->links, c->caplinks * sizeof(*c->links));
		if (!c->links)
			abort();
	}
	c->links[c->nlinks].dev = st->st_dev;
	c->links[c->nlinks].ino = st->st_ino;
	c->links[c->nlinks].path = strdup(rel);
	if (!c->links[c->nlinks].path)
		abort();
	c->nlinks++;
}

static int copy_xattrs(int sdir, const char *sname, int ddir, const char *dname, const char *rel,
		       struct berth_error *err)
{
	char sp[64 + 256], dp[64 + 256], list[65536], val[65536];
	ssize_t n;

	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sdir, sname);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", ddir, dname);
	n = llistxattr(sp, list, sizeof(list));
	if (n < 0)
		return errno == ENOTSUP ? 0 : host->error(err, errno, "vfs: copy %s: list xattrs: %s", rel, strerror(errno));
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t vl = lgetxattr(sp, k, val, sizeof(val));
		if (vl < 0)
			continue;
		if (lsetxattr(dp, k, val, (size_t)vl, 0) < 0 && errno != ENOTSUP && errno != EPERM)
			return host->error(err, errno, "vfs: copy %s: set xattr %s: %s", rel, k, strerror(errno));
	}
	return 0;
}

static int copy_content(struct copier *c, int in, int out, off_t size, const char *rel)
{
	char buf[1 << 16];

	if (!c->no_clone && size > 0) {
		if (ioctl(out, FICLONE, in) == 0)
			return 0;
		c->no_clone = 1;
	}
	while (size > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)size, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;                             /* EXDEV/EINVAL/ENOSYS or EOF: read/write */
		size -= n;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return host->error(c->err, errno, "vfs: copy %s: %s", rel, strerror(errno));
		if (n == 0)
			return 0;
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return host->error(c->err, errno, "vfs: copy %s: %s", rel, strerror(errno));
			w += k;
		}
	}
}

/* Owner, xattrs, mode (after chown: it clears setuid) and times of the copy of sname. */
static int copy_meta(struct copier *c, int sdir, const char *sname, int ddir, const char *name,
		     const struct stat *st, const char *rel)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	int r;

	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return host->error(c->err, errno, "vfs: copy %s: chown: %s", rel, strerror(errno));
	if ((r = copy_xattrs(sdir, sname, ddir, name, rel, c->err)) < 0)
		return r;
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return host->error(c->err, errno, "vfs: copy %s: chmod: %s", rel, strerror(errno));
	if (utimensat(ddir, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return host->error(c->err, errno, "vfs: copy %s: set times: %s", rel, strerror(errno));
	return 0;
}

static int copy_dir(struct copier *c, int sfd, int dfd, const char *rel);

static int copy_entry(struct copier *c, int sdir, int ddir, const char *name, const char *rel)
{
	struct stat st;
	int r = 0;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return host->error(c->err, errno, "vfs: copy %s: %s", rel, strerror(errno));
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: {
		int s, d;
		if (mkdirat(ddir, name, 0700) < 0)
			return host->error(c->err, errno, "vfs: copy %s: mkdir: %s", rel, strerror(errno));
		s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			r = host->error(c->err, errno, "vfs: copy %s: open: %s", rel, strerror(errno));
		else
			r = copy_dir(c, s, d, rel);
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		break;
	}
	case S_IFREG: {
		const char *first = st.st_nlink > 1 ? linked_copy(c, &st) : NULL;
		int in, out;
		if (first) {
			if (linkat(c->dstroot, first, ddir, name, 0) < 0)
				return host->error(c->err, errno, "vfs: copy %s: link: %s", rel, strerror(errno));
			return 0;
		}
		in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return host->error(c->err, errno, "vfs: copy %s: %s", rel, strerror(errno));
		out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			r = host->error(c->err, errno, "vfs: copy %s: create: %s", rel, strerror(errno));
		else
			r = copy_content(c, in, out, st.st_size, rel);
		close(in);
		if (out >= 0)
			close(out);
		if (r == 0 && st.st_nlink > 1)
			remember_link(c, &st, rel);
		break;
	}
	case S_IFLNK: {
		char target[4096];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return host->error(c->err, errno, "vfs: copy %s: readlink: %s", rel, strerror(errno));
		target[n] = 0;
		if (symlinkat(target, ddir, name) < 0)
			return host->error(c->err, errno, "vfs: copy %s: symlink: %s", rel, strerror(errno));
		break;
	}
	default:
		if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0)
			return host->error(c->err, errno, "vfs: copy %s: mknod: %s", rel, strerror(errno));
		break;
	}
	if (r < 0)
		return r;
	return copy_meta(c, sdir, name, ddir, name, &st, rel);
}

static int copy_dir(struct copier *c, int sfd, int dfd, const char *rel)
{
	char **names;
	size_t n;
	int r;

	if ((r = fsu_list(sfd, &names, &n)) < 0)
		return host->error(c->err, -r, "vfs: copy %s: %s", *rel ? rel : ".", strerror(-r));
	for (size_t i = 0; i < n && r == 0; i++) {
		char *child = *rel ? fsu_printf("%s/%s", rel, names[i]) : strdup(names[i]);
		if (!child)
			abort();
		r = copy_entry(c, sfd, dfd, names[i], child);
		free(child);
	}
	fsu_free_names(names, n);
	return r;
}

/* Copy the tree src into the new directory dst (created here, with src's metadata). */
static int copy_tree(const char *src, const char *dst, struct berth_error *err)
{
	struct copier c = { .err = err };
	int sp, dp, r;
	char *sdir = strdup(src), *ddir = strdup(dst), *sbase, *dbase;

	if (!sdir || !ddir)
		abort();
	sbase = strrchr(sdir, '/');
	dbase = strrchr(ddir, '/');
	*sbase++ = 0;
	*dbase++ = 0;
	sp = open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dp = open(ddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp < 0 || dp < 0) {
		r = host->error(err, errno, "vfs: copy %s: %s", src, strerror(errno));
	} else if (mkdirat(dp, dbase, 0700) < 0) {
		r = host->error(err, errno, "vfs: mkdir %s: %s", dst, strerror(errno));
	} else {
		int s = openat(sp, sbase, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		c.dstroot = openat(dp, dbase, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || c.dstroot < 0) {
			r = host->error(err, errno, "vfs: copy %s: %s", src, strerror(errno));
		} else {
			struct stat st;
			r = copy_dir(&c, s, c.dstroot, "");
			if (r == 0 && fstat(s, &st) < 0)
				r = host->error(err, errno, "vfs: copy %s: %s", src, strerror(errno));
			if (r == 0)
				r = copy_meta(&c, sp, sbase, dp, dbase, &st, ".");
		}
		if (s >= 0)
			close(s);
		if (c.dstroot >= 0)
			close(c.dstroot);
	}
	if (sp >= 0)
		close(sp);
	if (dp >= 0)
		close(dp);
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].path);
	free(c.links);
	free(sdir);
	free(ddir);
	return r;
}

/* --- the driver --- */

static int vfs_create(const char *id, const char *parent, struct berth_error *err)
{
	char *dir, *tmp = NULL, *pdir = NULL;
	struct stat st;
	int r = 0;

	if ((r = check_id(id, err)) < 0 || (parent && (r = check_id(parent, err)) < 0))
		return r;
	dir = layer_dir(id);
	if (lstat(dir, &st) == 0) {
		r = host->error(err, EEXIST, "vfs: layer %s already exists", id);
		goto out;
	}
	if (!parent) {
		if (mkdir(dir, 0755) < 0)
			r = host->error(err, errno, "vfs: mkdir %s: %s", dir, strerror(errno));
		else
			chmod(dir, 0755);                       /* independent of the umask */
		goto out;
	}
	pdir = layer_dir(parent);
	if (lstat(pdir, &st) < 0) {
		r = host->error(err, ENOENT, "vfs: parent layer %s does not exist", parent);
		goto out;
	}
	/* Copy beside, rename into place: a crash never leaves a half layer under its id. */
	tmp = fsu_printf("%s/dir/.tmp-%s", home, id);
	if ((r = fsu_rm_rf(host, tmp, err)) < 0)
		goto out;
	if ((r = copy_tree(pdir, tmp, err)) < 0) {
		struct berth_error ignored;
		fsu_rm_rf(host, tmp, &ignored);
		goto out;
	}
	if (rename(tmp, dir) < 0) {
		struct berth_error ignored;
		r = host->error(err, errno, "vfs: rename %s: %s", tmp, strerror(errno));
		fsu_rm_rf(host, tmp, &ignored);
	}
out:
	free(dir);
	free(pdir);
	free(tmp);
	return r;
}

static int vfs_remove(const char *id, struct berth_error *err)
{
	char *dir;
	int r;

	if ((r = check_id(id, err)) < 0)
		return r;
	dir = layer_dir(id);
	r = fsu_rm_rf(host, dir, err);
	free(dir);
	return r;
}

static int vfs_exists(const char *id)
{
	struct stat st;
	char *dir;
	int r;

	if (!fsu_valid_id(id))
		return 0;
	dir = layer_dir(id);
	r = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	free(dir);
	return r;
}

static int vfs_get(const char *id, const char *mount_opts, char *path, size_t len, struct berth_error *err)
{
	char *dir;
	int r = 0;

	(void)mount_opts;
	if (!vfs_exists(id))
		return host->error(err, ENOENT, "vfs: layer %s does not exist", id ? id : "");
	dir = layer_dir(id);
	if ((size_t)snprintf(path, len, "%s", dir) >= len)
		r = host->error(err, ENAMETOOLONG, "vfs: path of layer %s is too long", id);
	free(dir);
	return r;
}

static int vfs_put(const char *id, struct berth_error *err)
{
	(void)id;
	(void)err;
	return 0;
}

static int64_t vfs_apply_diff(const char *id, const char *parent, int tar_fd, struct berth_tarsplit *ts,
			      char *diff_id, struct berth_error *err)
{
	char *dir;
	int64_t r;

	(void)parent;
	if (!vfs_exists(id))
		return host->error(err, ENOENT, "vfs: layer %s does not exist", id ? id : "");
	dir = layer_dir(id);
	r = host->apply_tar(tar_fd, dir, BERTH_WHITEOUT_DELETE, ts, diff_id, err);
	free(dir);
	return r;
}

static int64_t vfs_diff(const char *id, const char *parent, int out_fd, struct berth_tarsplit *ts,
			char *diff_id, struct berth_error *err)
{
	char *dir, *pdir = NULL;
	int64_t r;

	if (!vfs_exists(id))
		return host->error(err, ENOENT, "vfs: layer %s does not exist", id ? id : "");
	if (parent && !vfs_exists(parent))
		return host->error(err, ENOENT, "vfs: parent layer %s does not exist", parent);
	dir = layer_dir(id);
	if (parent)
		pdir = layer_dir(parent);
	r = host->diff_tar(dir, pdir, BERTH_WHITEOUT_DELETE, out_fd, ts, diff_id, err);
	free(dir);
	free(pdir);
	return r;
}

/* --- changes: the layer compared with its parent, as Docker's naive ChangesDirs --- */

struct change {
	char kind;                 /* 'A', 'C', 'D' */
	char *path;
	struct stat st;            /* of the layer's entry (A, C) */
};

struct changes {
	struct change *v;
	size_t n, cap;
};

static void ch_insert(struct changes *c, size_t at, char kind, char *path, const struct stat *st)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	memmove(c->v + at + 1, c->v + at, (c->n - at) * sizeof(*c->v));
	c->v[at].kind = kind;
	c->v[at].path = path;
	if (st)
		c->v[at].st = *st;
	else
		memset(&c->v[at].st, 0, sizeof(c->v[at].st));
	c->n++;
}

static void ch_free(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
}

/* xattrs that matter for a layer, as one comparable blob (sorted names, values). */
static size_t xattr_blob(int dir, const char *name, char *out, size_t cap)
{
	char p[64 + 256], list[16384], *names[512];
	ssize_t n;
	size_t k = 0, len = 0;

	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dir, name);
	n = llistxattr(p, list, sizeof(list));
	for (char *s = list; n > 0 && s < list + n && k < 512; s += strlen(s) + 1)
		if (strncmp(s, "trusted.overlay.", 16) && strcmp(s, "security.selinux"))
			names[k++] = s;
	qsort(names, k, sizeof(char *), fsu_cmp_names);
	for (size_t i = 0; i < k; i++) {
		size_t nl = strlen(names[i]) + 1;
		ssize_t vl;
		if (len + nl >= cap)
			break;
		memcpy(out + len, names[i], nl);
		len += nl;
		vl = lgetxattr(p, names[i], out + len, cap - len);
		if (vl > 0)
			len += (size_t)vl;
	}
	return len;
}

static int differs(int ufd, int lfd, const char *name, const struct stat *u, const struct stat *l)
{
	static char xa[65536], xb[65536];
	size_t a, b;

	if (u->st_mode != l->st_mode || u->st_uid != l->st_uid || u->st_gid != l->st_gid || u->st_rdev != l->st_rdev)
		return 1;
	if (!S_ISDIR(u->st_mode)) {
		if (u->st_size != l->st_size || u->st_mtim.tv_sec != l->st_mtim.tv_sec)
			return 1;
		if (u->st_mtim.tv_nsec != l->st_mtim.tv_nsec && u->st_mtim.tv_nsec && l->st_mtim.tv_nsec)
			return 1;
	}
	if (S_ISLNK(u->st_mode)) {
		char tu[4096], tl[4096];
		ssize_t nu = readlinkat(ufd, name, tu, sizeof(tu)), nl = readlinkat(lfd, name, tl, sizeof(tl));
		if (nu != nl || (nu > 0 && memcmp(tu, tl, (size_t)nu)))
			return 1;
	}
	a = xattr_blob(ufd, name, xa, sizeof(xa));
	b = xattr_blob(lfd, name, xb, sizeof(xb));
	return a != b || memcmp(xa, xb, a);
}

static char *join(const char *rel, const char *name)
{
	char *s = fsu_printf("%s/%s", rel, name);
	return s;
}

/* Everything below ufd as added. */
static void all_added(int ufd, const char *rel, struct changes *out)
{
	char **names;
	size_t n;

	if (fsu_list(ufd, &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char *p = join(rel, names[i]);
		if (fstatat(ufd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(p);
			continue;
		}
		ch_insert(out, out->n, 'A', p, &st);
		if (S_ISDIR(st.st_mode)) {
			int c = openat(ufd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (c >= 0) {
				all_added(c, p, out);
				close(c);
			}
		}
	}
	fsu_free_names(names, n);
}

static int compare(int ufd, int lfd, const char *rel, struct changes *out)
{
	char **un, **ln;
	size_t nu, nl, i = 0, j = 0;
	int r;

	if ((r = fsu_list(ufd, &un, &nu)) < 0)
		return r;
	if ((r = fsu_list(lfd, &ln, &nl)) < 0) {
		fsu_free_names(un, nu);
		return r;
	}
	while (r == 0 && (i < nu || j < nl)) {
		int c = i == nu ? 1 : j == nl ? -1 : strcmp(un[i], ln[j]);
		struct stat us, ls;
		char *p;

		if (c > 0) {
			ch_insert(out, out->n, 'D', join(rel, ln[j++]), NULL);
			continue;
		}
		p = join(rel, un[i]);
		if (fstatat(ufd, un[i], &us, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (c == 0 && fstatat(lfd, ln[j], &ls, AT_SYMLINK_NOFOLLOW) < 0)) {
			r = -errno;
			free(p);
			break;
		}
		if (c < 0 || (us.st_mode & S_IFMT) != (ls.st_mode & S_IFMT)) {
			ch_insert(out, out->n, c < 0 ? 'A' : 'C', p, &us);
			if (S_ISDIR(us.st_mode)) {
				int cu = openat(ufd, un[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cu >= 0) {
					all_added(cu, p, out);
					close(cu);
				}
			}
		} else if (S_ISDIR(us.st_mode)) {
			size_t mark = out->n;
			int d = differs(ufd, lfd, un[i], &us, &ls);
			int cu = openat(ufd, un[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int cl = openat(lfd, ln[j], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cu < 0 || cl < 0)
				r = -errno;
			else
				r = compare(cu, cl, p, out);
			if (cu >= 0)
				close(cu);
			if (cl >= 0)
				close(cl);
			if (r == 0 && (d || out->n > mark))
				ch_insert(out, mark, 'C', p, &us);   /* a parent before its children */
			else
				free(p);
		} else if (differs(ufd, lfd, un[i], &us, &ls)) {
			ch_insert(out, out->n, 'C', p, &us);
		} else {
			free(p);
		}
		i++;
		if (c == 0)
			j++;
	}
	fsu_free_names(un, nu);
	fsu_free_names(ln, nl);
	return r;
}

static int collect_changes(const char *id, const char *parent, struct changes *out, struct berth_error *err)
{
	char *dir, *pdir = NULL;
	int ufd, lfd = -1, r = 0;

	if (!vfs_exists(id))
		return host->error(err, ENOENT, "vfs: layer %s does not exist", id ? id : "");
	if (parent && !vfs_exists(parent))
		return host->error(err, ENOENT, "vfs: parent layer %s does not exist", parent);
	dir = layer_dir(id);
	ufd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent) {
		pdir = layer_dir(parent);
		lfd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (ufd < 0 || (parent && lfd < 0))
		r = host->error(err, errno, "vfs: changes of %s: %s", id, strerror(errno));
	else if (parent)
		r = compare(ufd, lfd, "", out);
	else
		all_added(ufd, "", out);
	if (r < 0 && !err->msg[0])
		r = host->error(err, -r, "vfs: changes of %s: %s", id, strerror(-r));
	if (ufd >= 0)
		close(ufd);
	if (lfd >= 0)
		close(lfd);
	free(dir);
	free(pdir);
	return r;
}

static int vfs_changes(const char *id, const char *parent, int out_fd, struct berth_error *err)
{
	struct changes ch = { 0 };
	int r;

	err->msg[0] = 0;
	if ((r = collect_changes(id, parent, &ch, err)) == 0) {
		FILE *f = fdopen(dup(out_fd), "w");
		if (!f) {
			r = host->error(err, errno, "vfs: changes: %s", strerror(errno));
		} else {
			for (size_t i = 0; i < ch.n; i++)
				fprintf(f, "%c %s\n", ch.v[i].kind, ch.v[i].path);
			if (fclose(f) != 0)
				r = host->error(err, errno, "vfs: changes: write: %s", strerror(errno));
		}
	}
	ch_free(&ch);
	return r;
}

static int64_t vfs_diff_size(const char *id, const char *parent, struct berth_error *err)
{
	struct changes ch = { 0 };
	struct fsu_inodes seen = { 0 };
	int64_t total = 0;
	char *dir;
	int r;

	if (!parent) {
		if (!vfs_exists(id))
			return host->error(err, ENOENT, "vfs: layer %s does not exist", id ? id : "");
		dir = layer_dir(id);
		total = fsu_du(host, dir, err);
		free(dir);
		return total;
	}
	err->msg[0] = 0;
	if ((r = collect_changes(id, parent, &ch, err)) < 0) {
		ch_free(&ch);
		return r;
	}
	/* As Docker's ChangesSize: added or changed non-directories, each inode once. */
	for (size_t i = 0; i < ch.n; i++) {
		const struct stat *st = &ch.v[i].st;
		if (ch.v[i].kind == 'D' || S_ISDIR(st->st_mode))
			continue;
		if (st->st_nlink > 1 && fsu_inode_seen(&seen, st->st_dev, st->st_ino))
			continue;
		total += st->st_size;
	}
	free(seen.v);
	ch_free(&ch);
	return total;
}

static int vfs_status(char *buf, size_t len)
{
	snprintf(buf, len, "Backing Filesystem\t%s\n", home ? fsu_fs_name(home) : "unknown");
	return 0;
}

static int vfs_metadata(const char *id, char *buf, size_t len, struct berth_error *err)
{
	char *dir;

	if (!vfs_exists(id))
		return host->error(err, ENOENT, "vfs: layer %s does not exist", id ? id : "");
	dir = layer_dir(id);
	snprintf(buf, len, "Dir\t%s\n", dir);
	free(dir);
	return 0;
}

static const struct berth_storage_ops ops = {
	.init = vfs_init,
	.cleanup = vfs_cleanup,
	.create = vfs_create,
	.create_rw = vfs_create,
	.remove = vfs_remove,
	.exists = vfs_exists,
	.get = vfs_get,
	.put = vfs_put,
	.apply_diff = vfs_apply_diff,
	.diff = vfs_diff,
	.changes = vfs_changes,
	.diff_size = vfs_diff_size,
	.status = vfs_status,
	.metadata = vfs_metadata,
};

static const struct berth_plugin_desc desc = {
	.abi_major = BERTH_ABI_MAJOR,
	.abi_minor = BERTH_ABI_MINOR,
	.kind = BERTH_PLUGIN_STORAGE,
	.name = "vfs",
	.vtable_size = sizeof(struct berth_storage_ops),
	.vtable = &ops,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	if (!h || h->abi_major != BERTH_ABI_MAJOR)
		return NULL;
	host = h;
	return &desc;
}
