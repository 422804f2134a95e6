/* Layer diff: write a tar of a directory's changes, deterministic and Docker-shaped.
 *   - OVERLAY (an overlay upperdir): every entry as is, except char devices 0/0 -> ".wh.NAME" and
 *     directories with trusted.overlay.opaque=y -> the directory + "DIR/.wh..wh..opq";
 *   - no lower: the whole tree (a base layer);
 *   - with lower (vfs): upper compared with lower the way Docker's naive diff does (type, mode,
 *     owner, rdev, and for non-directories size and mtime; plus symlink targets and xattrs);
 *     added/changed entries are written, deletions become ".wh.NAME", and a directory whose
 *     content changed is written before its children even when it did not change itself.
 * Entries come in sorted order per directory, parents first; mtimes are whole seconds, ids
 * numeric, user/group names empty; PAX records only when ustar cannot hold a field. Hard links
 * among written files are written as links to the first path. Sockets are skipped (Docker too).
 * Xattrs written: all but trusted.overlay.* (overlayfs' own) and security.selinux (host label). */
#include "archive/archive.h"
#include "archive/beneath.h"
#include "archive/tar.h"
#include "archive/tarsplit.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WRITE_BUF (1 << 20)

/* --- output: buffered, hashed, recorded --- */

struct writer {
	int fd;
	uint8_t *buf;
	size_t len;
	int64_t total;
	int hashing;
	struct sha256 h;
	struct berth_tarsplit *ts;
	berr_t *err;
};

static int w_flush(struct writer *w)
{
	int r;

	if (!w->len)
		return 0;
	if (w->hashing)
		sha256_update(&w->h, w->buf, w->len);
	if ((r = write_all(w->fd, w->buf, w->len)) < 0)
		return berr_sys(w->err, -r, "write layer tar");
	w->total += w->len;
	w->len = 0;
	return 0;
}

/* Tar framing: buffered and recorded verbatim. */
static int w_raw(struct writer *w, const void *p, size_t n)
{
	const uint8_t *s = p;
	int r;

	if (w->ts)
		tarsplit_add_raw(w->ts, p, n);
	while (n) {
		size_t c = WRITE_BUF - w->len < n ? WRITE_BUF - w->len : n;
		memcpy(w->buf + w->len, s, c);
		w->len += c;
		s += c;
		n -= c;
		if (w->len == WRITE_BUF && (r = w_flush(w)) < 0)
			return r;
	}
	return 0;
}

/* File content: read straight into the buffer, recorded as a reference. */
static int w_content(struct writer *w, int fd, uint64_t size, const char *path)
{
	int r;

	if (w->ts)
		tarsplit_add_file(w->ts, path, size);
	while (size) {
		size_t room = WRITE_BUF - w->len;
		ssize_t n;
		if (!room) {
			if ((r = w_flush(w)) < 0)
				return r;
			continue;
		}
		n = read(fd, w->buf + w->len, room < size ? room : size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_sys(w->err, errno, "read %s", path);
		if (n == 0)
			return berr_set(w->err, EIO, "%s shrank while it was being written to the layer tar", path);
		w->len += n;
		size -= n;
	}
	return 0;
}

/* --- the list of changes --- */

enum { CH_ADD, CH_MODIFY, CH_DELETE };

struct change {
	char *path;
	int kind;
};

struct changes {
	struct change *v;
	size_t n, cap;
};

static void ch_insert(struct changes *c, size_t at, char *path, int kind)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	memmove(c->v + at + 1, c->v + at, (c->n - at) * sizeof(*c->v));
	c->v[at].path = path;
	c->v[at].kind = kind;
	c->n++;
}

static void ch_push(struct changes *c, char *path, int kind)
{
	ch_insert(c, c->n, path, kind);
}

static void ch_free(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
}

static char *join(const char *dir, const char *name)
{
	return *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

/* Everything below dfd, as added. */
static int walk_all(int dfd, const char *rel, struct changes *out, berr_t *err)
{
	char **names;
	size_t n;
	int r;

	if ((r = list_dir_sorted(dfd, &names, &n, err)) < 0)
		return berr_wrap(err, "%s", *rel ? rel : ".");
	for (size_t i = 0; i < n && r == 0; i++) {
		char *p = join(rel, names[i]);
		struct stat st;
		ch_push(out, p, CH_ADD);
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = berr_sys(err, errno, "stat %s", p);
		} else if (S_ISDIR(st.st_mode)) {
			int cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				r = berr_sys(err, errno, "open %s", p);
			else {
				r = walk_all(cfd, p, out, err);
				close(cfd);
			}
		}
	}
	free_names(names, n);
	return r;
}

/* --- extended attributes as the tar carries them --- */

static int xattr_skipped(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strcmp(name, "security.selinux");
}

/* Read the xattrs of parent/base into e (all but the skipped ones); *opaque is set when
 * trusted.overlay.opaque is "y". */
static int read_xattrs(int parent, const char *base, const char *path, struct tar_entry *e,
		       int *opaque, berr_t *err)
{
	char proc[64 + NAME_MAX], list[65536];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", parent, base);
	n = llistxattr(proc, list, sizeof(list));
	if (n < 0 && (errno == ENOTSUP || errno == ENODATA))
		return 0;
	if (n < 0)
		return berr_sys(err, errno, "list xattrs of %s", path);
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		char val[65536];
		ssize_t vl;

		if (opaque && !strcmp(k, "trusted.overlay.opaque")) {
			vl = lgetxattr(proc, k, val, sizeof(val));
			*opaque = vl == 1 && val[0] == 'y';
			continue;
		}
		if (xattr_skipped(k))
			continue;
		vl = lgetxattr(proc, k, val, sizeof(val));
		if (vl < 0 && errno == ENODATA)
			continue;
		if (vl < 0)
			return berr_sys(err, errno, "read xattr %s of %s", k, path);
		tar_entry_add_xattr(e, k, val, (size_t)vl);
	}
	return 0;
}

static int xattrs_equal(const struct tar_entry *a, const struct tar_entry *b)
{
	if (a->nxattrs != b->nxattrs)
		return 0;
	for (size_t i = 0; i < a->nxattrs; i++) {
		size_t j;
		for (j = 0; j < b->nxattrs; j++)
			if (!strcmp(a->xattrs[i].name, b->xattrs[j].name))
				break;
		if (j == b->nxattrs || a->xattrs[i].len != b->xattrs[j].len ||
		    memcmp(a->xattrs[i].value, b->xattrs[j].value, a->xattrs[i].len))
			return 0;
	}
	return 1;
}

/* --- comparing upper with lower --- */

static int same_time(const struct timespec *a, const struct timespec *b)
{
	/* Docker's sameFsTime: a zero nanosecond part on either side matches any. */
	return a->tv_sec == b->tv_sec && (a->tv_nsec == b->tv_nsec || !a->tv_nsec || !b->tv_nsec);
}

/* 1 when the entry differs between the two trees, 0 when not, <0 on error. */
static int entry_differs(int ufd, int lfd, const char *name, const char *path,
			 const struct stat *us, const struct stat *ls, berr_t *err)
{
	struct tar_entry ux = { 0 }, lx = { 0 };
	int r;

	if (us->st_mode != ls->st_mode || us->st_uid != ls->st_uid || us->st_gid != ls->st_gid ||
	    us->st_rdev != ls->st_rdev)
		return 1;
	if (!S_ISDIR(us->st_mode) && (us->st_size != ls->st_size || !same_time(&us->st_mtim, &ls->st_mtim)))
		return 1;
	if (S_ISLNK(us->st_mode)) {
		char ut[PATH_MAX], lt[PATH_MAX];
		ssize_t a = readlinkat(ufd, name, ut, sizeof(ut)), b = readlinkat(lfd, name, lt, sizeof(lt));
		if (a != b || (a > 0 && memcmp(ut, lt, (size_t)a)))
			return 1;
	}
	if ((r = read_xattrs(ufd, name, path, &ux, NULL, err)) < 0 ||
	    (r = read_xattrs(lfd, name, path, &lx, NULL, err)) < 0) {
		tar_entry_free(&ux);
		tar_entry_free(&lx);
		return r;
	}
	r = !xattrs_equal(&ux, &lx);
	tar_entry_free(&ux);
	tar_entry_free(&lx);
	return r;
}

static int compare_dirs(int ufd, int lfd, const char *rel, struct changes *out, berr_t *err)
{
	char **un, **ln;
	size_t nu, nl, i = 0, j = 0;
	int r;

	if ((r = list_dir_sorted(ufd, &un, &nu, err)) < 0)
		return berr_wrap(err, "%s", *rel ? rel : ".");
	if ((r = list_dir_sorted(lfd, &ln, &nl, err)) < 0) {
		free_names(un, nu);
		return berr_wrap(err, "lower %s", *rel ? rel : ".");
	}
	while (r == 0 && (i < nu || j < nl)) {
		int c = i == nu ? 1 : j == nl ? -1 : strcmp(un[i], ln[j]);
		struct stat us, ls;
		char *p;

		if (c > 0) {                               /* only in lower: deleted */
			ch_push(out, join(rel, ln[j++]), CH_DELETE);
			continue;
		}
		p = join(rel, un[i]);
		if (fstatat(ufd, un[i], &us, AT_SYMLINK_NOFOLLOW) < 0) {
			r = berr_sys(err, errno, "stat %s", p);
			free(p);
			break;
		}
		if (c == 0 && fstatat(lfd, ln[j], &ls, AT_SYMLINK_NOFOLLOW) < 0) {
			r = berr_sys(err, errno, "stat lower %s", p);
			free(p);
			break;
		}
		if (c < 0 || (us.st_mode & S_IFMT) != (ls.st_mode & S_IFMT)) {
			/* New, or another type: the whole upper subtree is written. */
			ch_push(out, p, c < 0 ? CH_ADD : CH_MODIFY);
			if (S_ISDIR(us.st_mode)) {
				int cfd = openat(ufd, un[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cfd < 0)
					r = berr_sys(err, errno, "open %s", p);
				else {
					r = walk_all(cfd, p, out, err);
					close(cfd);
				}
			}
		} else if (S_ISDIR(us.st_mode)) {
			size_t mark = out->n;
			int differs = entry_differs(ufd, lfd, un[i], p, &us, &ls, err);
			int cu = openat(ufd, un[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int cl = openat(lfd, ln[j], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (differs < 0)
				r = differs;
			else if (cu < 0 || cl < 0)
				r = berr_sys(err, errno, "open %s", p);
			else
				r = compare_dirs(cu, cl, p, out, err);
			if (cu >= 0)
				close(cu);
			if (cl >= 0)
				close(cl);
			if (r == 0 && (differs || out->n > mark)) {
				ch_insert(out, mark, p, CH_MODIFY);    /* before its children */
				p = NULL;
			}
			free(p);
		} else {
			int differs = entry_differs(ufd, lfd, un[i], p, &us, &ls, err);
			if (differs < 0)
				r = differs;
			if (differs > 0)
				ch_push(out, p, CH_MODIFY);
			else
				free(p);
		}
		i++;
		if (c == 0)
			j++;
	}
	free_names(un, nu);
	free_names(ln, nl);
	return r;
}

/* --- writing the entries --- */

struct inode_link {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct diff {
	int rootfd;
	enum berth_whiteout_mode mode;
	struct dirchain chain;
	struct writer w;
	struct inode_link *links;          /* first written path of each multiply-linked inode */
	size_t nlinks, caplinks;
	size_t rebase_from;                /* docker cp: the first rebase_from bytes of a path ... */
	const char *rebase_to;             /* ... are written as rebase_to (NULL: names as they are) */
	berr_t *err;
};

/* The name of path in the tar. */
static char *tar_name(const struct diff *d, const char *path)
{
	const char *rest = path + d->rebase_from;
	size_t tl;

	if (!d->rebase_to)
		return xstrdup(path);
	tl = strlen(d->rebase_to);
	if (tl && d->rebase_to[tl - 1] == '/' && *rest == '/')
		rest++;                          /* the root "/": "/etc", not "//etc" */
	return xasprintf("%s%s", d->rebase_to, rest);
}

static const char *first_link(struct diff *d, const struct stat *st, const char *path)
{
	for (size_t i = 0; i < d->nlinks; i++)
		if (d->links[i].dev == st->st_dev && d->links[i].ino == st->st_ino)
			return d->links[i].path;
	if (d->nlinks == d->caplinks) {
		d->caplinks = d->caplinks ? d->caplinks * 2 : 64;
		d->links = realloc(d->links, d->caplinks * sizeof(*d->links));
		if (!d->links)
			abort();
	}
	d->links[d->nlinks].dev = st->st_dev;
	d->links[d->nlinks].ino = st->st_ino;
	d->links[d->nlinks].path = xstrdup(path);
	d->nlinks++;
	return NULL;
}

static int write_header(struct diff *d, const struct tar_entry *e)
{
	struct tbuf hb = { 0 };
	int r;

	tar_format_header(e, &hb);
	r = w_raw(&d->w, hb.p, hb.len);
	tbuf_free(&hb);
	return r;
}

/* A ".wh." marker: empty regular file. */
static int write_marker(struct diff *d, const char *name, uint32_t mode, int64_t uid, int64_t gid, int64_t mtime)
{
	struct tar_entry e = { .type = TAR_REG, .name = (char *)name, .linkname = "", .mode = mode,
			       .uid = uid, .gid = gid, .mtime_sec = mtime };
	return write_header(d, &e);
}

static int write_delete(struct diff *d, const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *name = slash ? xasprintf("%.*s/.wh.%s", (int)(slash - path), path, slash + 1)
					  : xasprintf(".wh.%s", path);
	struct stat st = { 0 };
	int parent = dirchain_open(&d->chain, path, slash ? (size_t)(slash - path) : 0, 0, NULL, NULL, d->err);

	/* Deterministic: the time of the directory the deletion happened in. */
	if (parent < 0 || fstat(parent, &st) < 0)
		return parent < 0 ? berr_wrap(d->err, "%s", path) : berr_sys(d->err, errno, "stat");
	return write_marker(d, name, 0, 0, 0, st.st_mtim.tv_sec);
}

static const uint8_t ZEROS[2 * TAR_BLOCK];

static int write_path(struct diff *d, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	struct tar_entry e = { 0 };
	_cleanup_close_ int fd = -1;
	struct stat st;
	int parent, opaque = 0, r;
	char target[PATH_MAX];
	_cleanup_free_ char *name = tar_name(d, path);
	size_t nl = strlen(name);

	parent = dirchain_open(&d->chain, path, slash ? (size_t)(slash - path) : 0, 0, NULL, NULL, d->err);
	if (parent < 0)
		return berr_wrap(d->err, "%s", path);
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(d->err, errno, "stat %s", path);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) && d->mode == BERTH_WHITEOUT_OVERLAY) {
		_cleanup_free_ char *name = slash ? xasprintf("%.*s/.wh.%s", (int)(slash - path), path, base)
						  : xasprintf(".wh.%s", path);
		return write_marker(d, name, 0600, st.st_uid, st.st_gid, st.st_mtim.tv_sec);
	}
	if (S_ISREG(st.st_mode)) {
		/* Header and content from the same open file. */
		fd = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return berr_sys(d->err, errno, "open %s", path);
	}
	e.name = S_ISDIR(st.st_mode) && (!nl || name[nl - 1] != '/') ? xasprintf("%s/", name) : xstrdup(name);
	e.linkname = xstrdup("");
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.mtime_sec = st.st_mtim.tv_sec;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: {
		const char *first = st.st_nlink > 1 ? first_link(d, &st, name) : NULL;
		if (first) {
			e.type = TAR_LINK;
			free(e.linkname);
			e.linkname = xstrdup(first);
		} else {
			e.type = TAR_REG;
			e.size = (uint64_t)st.st_size;
		}
		break;
	}
	case S_IFDIR:
		e.type = TAR_DIR;
		break;
	case S_IFLNK: {
		ssize_t n = readlinkat(parent, base, target, sizeof(target) - 1);
		if (n < 0) {
			r = berr_sys(d->err, errno, "readlink %s", path);
			goto out;
		}
		target[n] = 0;
		e.type = TAR_SYMLINK;
		free(e.linkname);
		e.linkname = xstrdup(target);
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
		e.type = S_ISCHR(st.st_mode) ? TAR_CHR : TAR_BLK;
		e.devmajor = major(st.st_rdev);
		e.devminor = minor(st.st_rdev);
		break;
	default:
		e.type = TAR_FIFO;
		break;
	}
	if ((r = read_xattrs(parent, base, path, &e, d->mode == BERTH_WHITEOUT_OVERLAY ? &opaque : NULL,
			     d->err)) < 0)
		goto out;
	if ((r = write_header(d, &e)) < 0)
		goto out;
	if (e.type == TAR_REG && e.size) {
		if ((r = w_content(&d->w, fd, e.size, path)) < 0)
			goto out;
		r = w_raw(&d->w, ZEROS, (TAR_BLOCK - e.size % TAR_BLOCK) % TAR_BLOCK);
	}
	if (r == 0 && opaque) {
		/* As Docker's overlay converter: the marker inherits owner and permissions, time 0. */
		_cleanup_free_ char *name = xasprintf("%s/.wh..wh..opq", path);
		r = write_marker(d, name, e.mode & 0777, e.uid, e.gid, 0);
	}
out:
	tar_entry_free(&e);
	return r;
}

int64_t archive_diff_tar(const char *upper, const char *lower, enum berth_whiteout_mode mode,
			 int out_fd, struct berth_tarsplit *ts, char *diff_id, berr_t *err)
{
	struct diff d = { .rootfd = -1, .mode = mode, .err = err };
	struct changes ch = { 0 };
	int lowerfd = -1, r;

	d.rootfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.rootfd < 0)
		return berr_sys(err, errno, "diff: open %s", upper);
	if (lower) {
		lowerfd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lowerfd < 0) {
			r = berr_sys(err, errno, "diff: open %s", lower);
			close(d.rootfd);
			return r;
		}
		r = compare_dirs(d.rootfd, lowerfd, "", &ch, err);
		close(lowerfd);
	} else {
		r = walk_all(d.rootfd, "", &ch, err);
	}
	if (r < 0) {
		berr_wrap(err, "diff %s", upper);
		goto out;
	}

	d.w = (struct writer){ .fd = out_fd, .buf = xmalloc(WRITE_BUF), .ts = ts, .err = err,
			       .hashing = diff_id != NULL };
	if (d.w.hashing)
		sha256_init(&d.w.h);
	dirchain_init(&d.chain, d.rootfd);
	for (size_t i = 0; i < ch.n && r == 0; i++)
		r = ch.v[i].kind == CH_DELETE ? write_delete(&d, ch.v[i].path) : write_path(&d, ch.v[i].path);
	if (r == 0)
		r = w_raw(&d.w, ZEROS, sizeof(ZEROS));    /* end of archive */
	if (r == 0)
		r = w_flush(&d.w);
	if (r < 0)
		berr_wrap(err, "diff %s", upper);
	if (d.w.hashing) {
		if (r == 0)
			sha256_final(&d.w.h, diff_id);
		else
			sha256_free(&d.w.h);
	}
	dirchain_free(&d.chain);
	free(d.w.buf);
	for (size_t i = 0; i < d.nlinks; i++)
		free(d.links[i].path);
	free(d.links);
out:
	ch_free(&ch);
	close(d.rootfd);
	return r < 0 ? r : d.w.total;
}

int64_t archive_tar_resource(int parent, const char *base, const char *name, int out_fd, berr_t *err)
{
	struct diff d = { .rootfd = parent, .mode = BERTH_WHITEOUT_DELETE, .err = err,
			  .rebase_from = strlen(base), .rebase_to = name };
	struct changes ch = { 0 };
	struct stat st;
	int r = 0;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(err, errno, "lstat %s", name);
	ch_push(&ch, xstrdup(base), CH_ADD);
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = berr_sys(err, errno, "open %s", name);
		} else {
			r = walk_all(fd, base, &ch, err);
			close(fd);
		}
	}
	d.w = (struct writer){ .fd = out_fd, .buf = xmalloc(WRITE_BUF), .err = err };
	dirchain_init(&d.chain, d.rootfd);
	for (size_t i = 0; i < ch.n && r == 0; i++)
		r = write_path(&d, ch.v[i].path);
	if (r == 0)
		r = w_raw(&d.w, ZEROS, sizeof(ZEROS));
	if (r == 0)
		r = w_flush(&d.w);
	dirchain_free(&d.chain);
	free(d.w.buf);
	for (size_t i = 0; i < d.nlinks; i++)
		free(d.links[i].path);
	free(d.links);
	ch_free(&ch);
	return r < 0 ? r : d.w.total;
}
