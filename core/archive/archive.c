/* Layer apply: unpack a (possibly compressed) layer tar into a directory, safely, with whiteouts,
 * recording tar-split on the way. libarchive is used only to decompress; the tar itself is parsed
 * here (tar.c) because tar-split needs every raw header byte.
 *
 * Path policy: leading '/' and './' and empty or '.' components are dropped (as Docker's
 * filepath.Clean + Join does); any '..' component is refused, even one that would stay inside
 * (stricter than Docker). Every entry is created relative to a directory fd reached by openat
 * with O_NOFOLLOW on each component: an entry below a symlink is refused with an error naming
 * both, never followed (Docker follows such symlinks inside a chroot; layers Docker itself
 * writes never contain them). The root entry ("./") is skipped, as Docker does. */
#include "archive/archive.h"
#include "archive/beneath.h"
#include "archive/tar.h"
#include "archive/tarsplit.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/util.h"

#include <archive.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define READ_BLOCK (1 << 20)
#define META_MAX (16 << 20)          /* largest PAX or GNU long-name entry we accept */

/* --- the uncompressed byte stream ---
 * A feeder thread decompresses (libarchive) into a small ring of buffers while the applying
 * thread hashes each buffer as it takes it and parses and writes files, so decompression overlaps
 * sha256 and file-system work. */

#define RING 4

struct feeder {
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct archive *a;
	uint8_t *buf[RING];
	size_t len[RING];
	size_t filled;                   /* buffers ready or held by the consumer */
	size_t prod, cons;               /* next buffer the producer fills / the consumer takes */
	int done;                        /* producer finished: end of stream or error */
	int stop;                        /* consumer gave up */
	int error;
	char msg[512];
	int hashing;
	struct sha256 h;
};

struct reader {
	struct feeder f;
	int holding;                     /* the consumer holds buffer f.cons - 1 */
	const uint8_t *p;
	size_t avail;
	int eof;
	uint64_t total;                  /* bytes of uncompressed tar handed out so far */
	struct berth_tarsplit *ts;
};

static void *feeder_main(void *arg)
{
	struct feeder *f = arg;
	const uint8_t *src = NULL;
	size_t srclen = 0;
	int eof = 0;

	while (!eof) {
		uint8_t *b;
		size_t n = 0;

		pthread_mutex_lock(&f->mu);
		while (f->filled == RING && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->stop) {
			pthread_mutex_unlock(&f->mu);
			break;
		}
		b = f->buf[f->prod];
		pthread_mutex_unlock(&f->mu);

		while (n < READ_BLOCK) {
			size_t c;
			if (!srclen) {
				const void *blk;
				la_int64_t off;
				int s = archive_read_data_block(f->a, &blk, &srclen, &off);
				if (s == ARCHIVE_EOF) {
					eof = 1;
					break;
				}
				if (s < ARCHIVE_WARN) {
					const char *m = archive_error_string(f->a);
					pthread_mutex_lock(&f->mu);
					f->error = EIO;
					snprintf(f->msg, sizeof(f->msg), "decompress layer: %s", m ? m : "read error");
					f->done = 1;
					pthread_cond_broadcast(&f->cv);
					pthread_mutex_unlock(&f->mu);
					return NULL;
				}
				src = blk;
			}
			c = srclen < READ_BLOCK - n ? srclen : READ_BLOCK - n;
			memcpy(b + n, src, c);
			src += c;
			srclen -= c;
			n += c;
		}

		pthread_mutex_lock(&f->mu);
		if (n) {
			f->len[f->prod] = n;
			f->prod = (f->prod + 1) % RING;
			f->filled++;
		}
		if (eof)
			f->done = 1;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
	return NULL;
}

static int rd_open(struct reader *r, int fd, int hashing, berr_t *err)
{
	struct feeder *f = &r->f;
	struct archive_entry *ae;
	int s;

	f->a = archive_read_new();
	if (!f->a)
		abort();
	/* The layer compressions Docker supports; no program-based or heuristic (lzma, uu, rpm)
	 * filters, so an uncompressed tar can never be mistaken for one of them. */
	archive_read_support_filter_gzip(f->a);
	archive_read_support_filter_bzip2(f->a);
	archive_read_support_filter_xz(f->a);
	archive_read_support_filter_zstd(f->a);
	archive_read_support_format_raw(f->a);
	s = archive_read_open_fd(f->a, fd, READ_BLOCK);
	if (s == ARCHIVE_OK)
		s = archive_read_next_header(f->a, &ae);
	/* An empty stream is an empty layer (libarchive's raw reader calls it unrecognised). */
	if (s == ARCHIVE_EOF || (s < ARCHIVE_WARN && archive_filter_bytes(f->a, 0) == 0)) {
		r->eof = 1;
		return 0;
	}
	if (s < ARCHIVE_WARN)
		return berr_set(err, EIO, "read layer: %s", archive_error_string(f->a));
	for (int i = 0; i < RING; i++)
		f->buf[i] = xmalloc(READ_BLOCK);
	f->hashing = hashing;
	if (hashing)
		sha256_init(&f->h);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if ((s = pthread_create(&f->thread, NULL, feeder_main, f)) != 0)
		return berr_sys(err, s, "read layer: start the decompression thread");
	f->started = 1;
	return 0;
}

/* Stop the feeder (early, on error) and release everything. */
static void rd_close(struct reader *r)
{
	struct feeder *f = &r->f;

	if (f->started) {
		pthread_mutex_lock(&f->mu);
		f->stop = 1;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		f->started = 0;
	}
	if (f->hashing)
		sha256_free(&f->h);
	for (int i = 0; i < RING; i++)
		free(f->buf[i]);
	if (f->a)
		archive_read_free(f->a);
	memset(f, 0, sizeof(*f));
}

static int rd_fill(struct reader *r, berr_t *err)
{
	struct feeder *f = &r->f;

	if (r->avail || r->eof)
		return 0;
	pthread_mutex_lock(&f->mu);
	if (r->holding) {                /* give the drained buffer back */
		f->filled--;
		r->holding = 0;
		pthread_cond_broadcast(&f->cv);
	}
	while (f->filled == 0 && !f->done)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->filled) {
		r->p = f->buf[f->cons];
		r->avail = f->len[f->cons];
		f->cons = (f->cons + 1) % RING;
		r->holding = 1;
		r->total += r->avail;
	} else if (f->error) {
		pthread_mutex_unlock(&f->mu);
		return berr_set(err, f->error, "%s", f->msg);
	} else {
		r->eof = 1;
	}
	pthread_mutex_unlock(&f->mu);
	/* hashed here rather than in the feeder: decompression is the slower half, and this
	 * thread waits on it anyway (the apply takes every buffer, to the end of the stream) */
	if (f->hashing && r->avail)
		sha256_update(&f->h, r->p, r->avail);
	return 0;
}

/* After the whole stream was consumed: "sha256:<hex>" of it. */
static void rd_digest(struct reader *r, char *out)
{
	struct feeder *f = &r->f;

	if (f->started) {
		pthread_join(f->thread, NULL);
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		f->started = 0;
	}
	if (!f->hashing)
		sha256_init(&f->h);          /* the empty stream */
	sha256_final(&f->h, out);
	f->hashing = 0;
}

/* Byte offset of the next unread byte (for messages). */
static uint64_t rd_offset(const struct reader *r)
{
	return r->total - r->avail;
}

/* Consume up to n bytes into dst (NULL: discard), recording them verbatim when `record`.
 * Returns the count consumed (short only at the end of the stream) or a negative errno. */
static int64_t rd_take(struct reader *r, void *dst, uint64_t n, int record, berr_t *err)
{
	uint64_t got = 0;

	while (got < n) {
		size_t c;
		int e;
		if (!r->avail) {
			if ((e = rd_fill(r, err)) < 0)
				return e;
			if (r->eof)
				break;
		}
		c = r->avail < n - got ? r->avail : (size_t)(n - got);
		if (dst)
			memcpy((uint8_t *)dst + got, r->p, c);
		if (record && r->ts)
			tarsplit_add_raw(r->ts, r->p, c);
		r->p += c;
		r->avail -= c;
		got += c;
	}
	return (int64_t)got;
}

/* Write the next n bytes to fd, one write per decompressed chunk. */
static int rd_to_fd(struct reader *r, int fd, uint64_t n, const char *name, berr_t *err)
{
	while (n) {
		size_t c;
		int e;
		if (!r->avail) {
			if ((e = rd_fill(r, err)) < 0)
				return e;
			if (r->eof)
				return berr_set(err, EIO, "unexpected end of tar in the content of \"%s\"", name);
		}
		c = r->avail < n ? r->avail : (size_t)n;
		if ((e = write_all(fd, r->p, c)) < 0)
			return berr_sys(err, -e, "tar entry \"%s\": write", name);
		r->p += c;
		r->avail -= c;
		n -= c;
	}
	return 0;
}

/* Skip (recording) n bytes that belong to the tar but are not extracted. */
static int rd_skip(struct reader *r, uint64_t n, const char *name, berr_t *err)
{
	int64_t g = rd_take(r, NULL, n, 1, err);

	if (g < 0)
		return (int)g;
	if ((uint64_t)g < n)
		return berr_set(err, EIO, "unexpected end of tar in \"%s\"", name);
	return 0;
}

static uint64_t padding(uint64_t size)
{
	return (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
}

/* --- paths seen in this apply: created (for opaque dirs) and tar-split file references --- */

#define PM_CREATED 1u
#define PM_HASREFS 2u                /* a file reference lives somewhere below */

struct pent {
	char *key;
	size_t klen;
	uint64_t hash;
	long seg;                        /* tar-split file reference of this path, or -1 */
	unsigned flags;
};

struct pathmap {
	struct pent *v;
	size_t cap, n;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void pm_grow(struct pathmap *m)
{
	struct pathmap nm = { .cap = m->cap ? m->cap * 2 : 1024 };

	nm.v = xcalloc(nm.cap, sizeof(*nm.v));
	for (size_t i = 0; i < m->cap; i++) {
		struct pent *e = &m->v[i];
		size_t j;
		if (!e->key)
			continue;
		for (j = e->hash & (nm.cap - 1); nm.v[j].key; j = (j + 1) & (nm.cap - 1))
			;
		nm.v[j] = *e;
	}
	nm.n = m->n;
	free(m->v);
	*m = nm;
}

static struct pent *pm_find(struct pathmap *m, const char *k, size_t n, int insert)
{
	uint64_t h = hash_bytes(k, n);
	size_t i;

	if (insert && (m->n + 1) * 4 > m->cap * 3)
		pm_grow(m);
	if (!m->cap)
		return NULL;
	for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct pent *e = &m->v[i];
		if (!e->key) {
			if (!insert)
				return NULL;
			e->key = xmalloc(n + 1);
			memcpy(e->key, k, n);
			e->key[n] = 0;
			e->klen = n;
			e->hash = h;
			e->seg = -1;
			e->flags = 0;
			m->n++;
			return e;
		}
		if (e->hash == h && e->klen == n && !memcmp(e->key, k, n))
			return e;
	}
}

static void pm_free(struct pathmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* --- the apply --- */

struct dirtime {
	char *path;
	struct timespec t[2];
};

struct apply {
	int rootfd;
	enum berth_whiteout_mode mode;
	struct berth_tarsplit *ts;
	struct reader rd;
	struct dirchain chain;
	struct pathmap paths;
	struct dirtime *dirs;
	size_t ndirs, capdirs;
	size_t xattrs_skipped;
	int whiteouts;                   /* 0: `.wh.` names are ordinary files (docker cp) */
	const struct archive_extract_opts *x;   /* docker cp's extraction, or NULL for a layer */
	berr_t *err;
};

/* The owner an entry gets: 0 to chown to (*uid, *gid), 1 to leave the creator's. */
static int entry_owner(const struct apply *a, const struct tar_entry *e, uid_t *uid, gid_t *gid)
{
	*uid = (uid_t)e->uid;
	*gid = (gid_t)e->gid;
	if (a->x && a->x->owner == ARCHIVE_OWNER_CALLER)
		return 1;
	if (a->x && a->x->owner == ARCHIVE_OWNER_FIXED) {
		*uid = a->x->uid;
		*gid = a->x->gid;
	}
	return 0;
}

/* Docker's names in extraction messages: the entry's path under the destination. */
static char *dest_path(const struct apply *a, const char *path)
{
	const char *d = a->x->dest_name;
	return xasprintf("%s%s%s", d, d[strlen(d) - 1] == '/' ? "" : "/", path);
}

static void mark_created(void *ctx, const char *path, size_t len)
{
	struct apply *a = ctx;
	pm_find(&a->paths, path, len, 1)->flags |= PM_CREATED;
}

static void add_ref(struct apply *a, const char *path, long seg)
{
	size_t len = strlen(path);

	pm_find(&a->paths, path, len, 1)->seg = seg;
	while (len) {
		struct pent *e;
		while (len && path[len - 1] != '/')
			len--;
		if (!len)
			break;
		len--;                            /* the ancestor without its slash */
		e = pm_find(&a->paths, path, len, 1);
		if (e->flags & PM_HASREFS)
			break;
		e->flags |= PM_HASREFS;
	}
}

/* Store the current content of reference seg inside the tar-split before the tar changes it. */
static int inline_ref(struct apply *a, long seg)
{
	const char *p = tarsplit_file_path(a->ts, seg);
	int fd, r;

	if (!p)
		return 0;
	fd = beneath_open(a->rootfd, p, O_RDONLY, a->err);
	if (fd < 0)
		return berr_wrap(a->err, "tar-split: keep the earlier content of \"%s\"", p);
	r = tarsplit_inline_file(a->ts, seg, fd, a->err);
	close(fd);
	return r;
}

/* `path` (a file or a tree) is about to be replaced or deleted by a later entry of this tar:
 * file references at or below it must not point at the layer any more. */
static int before_remove(struct apply *a, const char *path)
{
	size_t pl = strlen(path);
	struct pent *e;
	int r;

	if (!a->ts || !(e = pm_find(&a->paths, path, pl, 0)))
		return 0;
	if (e->seg >= 0) {
		if ((r = inline_ref(a, e->seg)) < 0)
			return r;
		e->seg = -1;
	}
	if (e->flags & PM_HASREFS) {
		long n = tarsplit_segments(a->ts);
		for (long i = 0; i < n; i++) {
			const char *p = tarsplit_file_path(a->ts, i);
			if (p && !strncmp(p, path, pl) && p[pl] == '/' && (r = inline_ref(a, i)) < 0)
				return r;
		}
	}
	return 0;
}

/* Clear the way for an entry at parent/base: returns 1 when an existing directory stays (and
 * keep_dir is set), 0 when nothing is there any more. */
static int make_room(struct apply *a, int parent, const char *base, const char *path, int keep_dir)
{
	struct stat st;
	int r;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_sys(a->err, errno, "tar entry \"%s\": stat", path);
	/* docker cp (NoOverwriteDirNonDir): a directory and a non-directory never replace each other */
	if (a->x && a->x->no_overwrite_dir_nondir && !!S_ISDIR(st.st_mode) != !!keep_dir) {
		_cleanup_free_ char *full = dest_path(a, path);
		return berr_set(a->err, S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR,
				"cannot overwrite %s \"%s\" with %s \"%s\"",
				S_ISDIR(st.st_mode) ? "directory" : "non-directory", full,
				S_ISDIR(st.st_mode) ? "non-directory" : "directory", a->x->dest_name);
	}
	if (keep_dir && S_ISDIR(st.st_mode))
		return 1;
	if ((r = before_remove(a, path)) < 0)
		return r;
	if (S_ISDIR(st.st_mode)) {
		if ((r = remove_tree_at(parent, base, a->err)) < 0)
			return berr_wrap(a->err, "tar entry \"%s\": replace directory", path);
	} else if (unlinkat(parent, base, 0) < 0 && errno != ENOENT) {
		return berr_sys(a->err, errno, "tar entry \"%s\": replace", path);
	}
	return 0;
}

static void entry_times(const struct tar_entry *e, struct timespec t[2])
{
	t[1].tv_sec = e->mtime_sec;
	t[1].tv_nsec = e->mtime_nsec;
	t[0] = t[1];                          /* Docker: atime never before mtime */
	if (e->has_atime && (e->atime_sec > e->mtime_sec ||
			     (e->atime_sec == e->mtime_sec && e->atime_nsec > e->mtime_nsec))) {
		t[0].tv_sec = e->atime_sec;
		t[0].tv_nsec = e->atime_nsec;
	}
}

/* Extended attributes: on fd when we have one, else through /proc/self/fd/<parent>/<base>
 * (lsetxattr does not follow the last component). A layer never sets trusted.overlay.*
 * (that is overlayfs' own metadata). ENOTSUP/EPERM are skipped, as Docker does. */
static int apply_xattrs(struct apply *a, int fd, int parent, const char *base,
			const struct tar_entry *e, const char *path)
{
	char proc[64 + NAME_MAX];

	if (!e->nxattrs)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", parent, base);
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct tar_xattr *x = &e->xattrs[i];
		int r;
		if (!strncmp(x->name, "trusted.overlay.", 16))
			continue;
		r = fd >= 0 ? fsetxattr(fd, x->name, x->value, x->len, 0)
			    : lsetxattr(proc, x->name, x->value, x->len, 0);
		if (r < 0 && (errno == ENOTSUP || errno == EPERM)) {
			a->xattrs_skipped++;
			continue;
		}
		if (r < 0)
			return berr_sys(a->err, errno, "tar entry \"%s\": set xattr %s", path, x->name);
	}
	return 0;
}

/* Owner, xattrs, mode (after chown, which clears setuid bits) and times of a non-regular entry. */
static int apply_meta_at(struct apply *a, int parent, const char *base, const struct tar_entry *e,
			 const char *path, int is_symlink, int set_times)
{
	struct timespec t[2];
	int r;

	uid_t uid;
	gid_t gid;

	if (!entry_owner(a, e, &uid, &gid) && fchownat(parent, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": chown", path);
	if ((r = apply_xattrs(a, -1, parent, base, e, path)) < 0)
		return r;
	if (!is_symlink && fchmodat(parent, base, e->mode, 0) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": chmod", path);
	if (set_times) {
		entry_times(e, t);
		if (utimensat(parent, base, t, AT_SYMLINK_NOFOLLOW) < 0)
			return berr_sys(a->err, errno, "tar entry \"%s\": set times", path);
	}
	return 0;
}

static int make_file(struct apply *a, int parent, const char *base, const char *path, const struct tar_entry *e)
{
	_cleanup_close_ int fd = -1;
	struct timespec t[2];
	uid_t uid;
	gid_t gid;
	int r;

	for (int tries = 0; fd < 0; tries++) {
		fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries)
			return berr_sys(a->err, errno, "tar entry \"%s\": create", path);
		if ((r = make_room(a, parent, base, path, 0)) < 0)
			return r;
	}
	if (e->size) {
		if (a->ts)
			add_ref(a, path, tarsplit_add_file(a->ts, path, e->size));
		if ((r = rd_to_fd(&a->rd, fd, e->size, path, a->err)) < 0)
			return r;
		if ((r = rd_skip(&a->rd, padding(e->size), path, a->err)) < 0)
			return r;
	}
	if (!entry_owner(a, e, &uid, &gid) && fchown(fd, uid, gid) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": chown", path);
	if ((r = apply_xattrs(a, fd, parent, base, e, path)) < 0)
		return r;
	if (fchmod(fd, e->mode) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": chmod", path);
	entry_times(e, t);
	if (futimens(fd, t) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": set times", path);
	mark_created(a, path, strlen(path));
	return 0;
}

static int make_dir(struct apply *a, int parent, const char *base, const char *path, const struct tar_entry *e)
{
	struct dirtime *d;
	int r;

	if (mkdirat(parent, base, 0700) < 0) {
		if (errno != EEXIST)
			return berr_sys(a->err, errno, "tar entry \"%s\": mkdir", path);
		if ((r = make_room(a, parent, base, path, 1)) < 0)
			return r;
		if (r == 0 && mkdirat(parent, base, 0700) < 0)
			return berr_sys(a->err, errno, "tar entry \"%s\": mkdir", path);
	}
	if ((r = apply_meta_at(a, parent, base, e, path, 0, 0)) < 0)
		return r;
	/* Times last: creating the children would change them. */
	if (a->ndirs == a->capdirs) {
		a->capdirs = a->capdirs ? a->capdirs * 2 : 256;
		a->dirs = realloc(a->dirs, a->capdirs * sizeof(*a->dirs));
		if (!a->dirs)
			abort();
	}
	d = &a->dirs[a->ndirs++];
	d->path = xstrdup(path);
	entry_times(e, d->t);
	mark_created(a, path, strlen(path));
	return 0;
}

/* 1 when the symlink's target, joined to path's directory under the extraction directory and
 * cleaned (never above "/"), leaves that directory: Docker's Untar refuses it as a breakout. */
static int link_leaves(const char *dest, const char *path, const char *target)
{
	_cleanup_free_ char *d = path_clean(dest), *j = NULL, *t = NULL;
	const char *slash = strrchr(path, '/');
	size_t n = strlen(d);

	if (target[0] == '/')
		return 0;
	j = xasprintf("%s/%.*s/%s", d, slash ? (int)(slash - path) : 0, path, target);
	t = path_clean(j);
	return strcmp(d, "/") && strncmp(t, d, n) != 0;
}

static int make_symlink(struct apply *a, int parent, const char *base, const char *path, const struct tar_entry *e)
{
	int r;

	if (a->x && link_leaves(a->x->dest_name, path, e->linkname)) {
		_cleanup_free_ char *full = dest_path(a, path);
		return berr_set(a->err, EINVAL, "invalid symlink \"%s\" -> \"%s\"", full, e->linkname);
	}

	for (int tries = 0;; tries++) {
		if (symlinkat(e->linkname, parent, base) == 0)
			break;
		if (errno != EEXIST || tries)
			return berr_sys(a->err, errno, "tar entry \"%s\": symlink", path);
		if ((r = make_room(a, parent, base, path, 0)) < 0)
			return r;
	}
	if ((r = apply_meta_at(a, parent, base, e, path, 1, 1)) < 0)
		return r;
	mark_created(a, path, strlen(path));
	return 0;
}

static int make_node(struct apply *a, int parent, const char *base, const char *path, const struct tar_entry *e)
{
	mode_t fmt = e->type == TAR_CHR ? S_IFCHR : e->type == TAR_BLK ? S_IFBLK : S_IFIFO;
	dev_t dev = e->type == TAR_FIFO ? 0 : makedev(e->devmajor, e->devminor);
	int r;

	for (int tries = 0;; tries++) {
		if (mknodat(parent, base, fmt | (e->mode & 0777), dev) == 0)
			break;
		if (errno != EEXIST || tries)
			return berr_sys(a->err, errno, "tar entry \"%s\": mknod", path);
		if ((r = make_room(a, parent, base, path, 0)) < 0)
			return r;
	}
	if ((r = apply_meta_at(a, parent, base, e, path, 0, 1)) < 0)
		return r;
	mark_created(a, path, strlen(path));
	return 0;
}

static int make_hardlink(struct apply *a, int parent, const char *base, const char *path, const struct tar_entry *e)
{
	_cleanup_free_ char *target = tar_clean_path(e->linkname);
	_cleanup_close_ int tparent = -1;
	const char *slash, *tbase;
	struct stat st;
	int r;

	if (!target || !*target)
		return berr_set(a->err, EINVAL, "tar entry \"%s\": hard link target \"%s\" is outside the layer",
				path, e->linkname);
	slash = strrchr(target, '/');
	tbase = slash ? slash + 1 : target;
	if (slash) {
		*(char *)slash = 0;
		tparent = beneath_open(a->rootfd, target, O_RDONLY | O_DIRECTORY, a->err);
		*(char *)slash = '/';
		if (tparent < 0)
			return berr_wrap(a->err, "tar entry \"%s\": hard link target \"%s\"", path, target);
	}
	for (int tries = 0;; tries++) {
		if (linkat(slash ? tparent : a->rootfd, tbase, parent, base, 0) == 0)
			break;
		if (errno == ENOENT)
			return berr_set(a->err, ENOENT, "tar entry \"%s\": hard link target \"%s\" does not exist",
					path, target);
		if (errno != EEXIST || tries)
			return berr_sys(a->err, errno, "tar entry \"%s\": hard link to \"%s\"", path, target);
		if (!strcmp(target, path))
			return berr_set(a->err, EINVAL, "tar entry \"%s\": hard link to itself", path);
		if ((r = make_room(a, parent, base, path, 0)) < 0)
			return r;
	}
	/* Docker applies the link header's owner, mode and times to the (shared) inode. */
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": stat", path);
	if ((r = apply_meta_at(a, parent, base, e, path, S_ISLNK(st.st_mode), 1)) < 0)
		return r;
	mark_created(a, path, strlen(path));
	return 0;
}

/* Remove, recursively, what this apply did not create below directory dfd (DELETE-mode opaque). */
static int remove_not_created(struct apply *a, int dfd, const char *dir)
{
	char **names;
	size_t n;
	int r;

	if ((r = list_dir_sorted(dfd, &names, &n, a->err)) < 0)
		return berr_wrap(a->err, "opaque directory \"%s\"", dir);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *child = *dir ? xasprintf("%s/%s", dir, names[i]) : xstrdup(names[i]);
		struct pent *e = pm_find(&a->paths, child, strlen(child), 0);
		struct stat st;

		if (!e || !(e->flags & PM_CREATED)) {
			if ((r = before_remove(a, child)) == 0 && (r = remove_tree_at(dfd, names[i], a->err)) < 0)
				r = berr_wrap(a->err, "opaque directory \"%s\"", dir);
		} else if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
			int cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				r = berr_sys(a->err, errno, "open \"%s\"", child);
			} else {
				r = remove_not_created(a, cfd, child);
				close(cfd);
			}
		}
	}
	free_names(names, n);
	return r;
}

static int apply_whiteout(struct apply *a, const char *path, size_t dirlen, const char *base,
			  const struct tar_entry *e)
{
	_cleanup_free_ char *tpath = NULL;
	const char *target = base + 4;
	int parent, r;

	if (!strcmp(base, ".wh..wh..opq")) {
		parent = dirchain_open(&a->chain, path, dirlen, 1, mark_created, a, a->err);
		if (parent < 0)
			return berr_wrap(a->err, "tar entry \"%s\"", path);
		if (a->mode == BERTH_WHITEOUT_OVERLAY) {
			if (fsetxattr(parent, "trusted.overlay.opaque", "y", 1, 0) < 0)
				return berr_sys(a->err, errno, "tar entry \"%s\": set trusted.overlay.opaque", path);
			return 0;
		}
		tpath = xasprintf("%.*s", (int)dirlen, path);
		return remove_not_created(a, parent, tpath);
	}
	if (!strncmp(base, ".wh..wh.", 8))
		return 0;                          /* reserved (aufs' .wh..wh.plnk and friends) */
	if (!*target || !strcmp(target, ".") || !strcmp(target, ".."))
		return berr_set(a->err, EINVAL, "tar entry \"%s\": invalid whiteout", path);
	tpath = dirlen ? xasprintf("%.*s/%s", (int)dirlen, path, target) : xstrdup(target);
	parent = dirchain_open(&a->chain, path, dirlen, 1, mark_created, a, a->err);
	if (parent < 0) {
		/* Below a symlink or a file there is nothing of ours to delete. */
		if (a->mode == BERTH_WHITEOUT_DELETE && (parent == -ELOOP || parent == -ENOTDIR)) {
			berr_clear(a->err);
			return 0;
		}
		return berr_wrap(a->err, "tar entry \"%s\"", path);
	}
	if ((r = make_room(a, parent, target, tpath, 0)) < 0)
		return r;
	if (a->mode == BERTH_WHITEOUT_DELETE)
		return 0;
	if (mknodat(parent, target, S_IFCHR, makedev(0, 0)) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": create whiteout device", path);
	if (fchownat(parent, target, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_sys(a->err, errno, "tar entry \"%s\": chown", path);
	mark_created(a, tpath, strlen(tpath));
	return 0;
}

static int apply_entry(struct apply *a, const struct tar_entry *e)
{
	_cleanup_free_ char *path = tar_clean_path(e->name);
	int is_reg = e->type == TAR_REG || e->type == TAR_AREG || e->type == TAR_CONT;
	uint64_t data = is_reg ? e->size + padding(e->size) : 0;
	const char *slash, *base;
	size_t dirlen;
	int parent, r;

	if (!path && a->x)
		return berr_set(a->err, EINVAL, "\"%s\" is outside of \"%s\"", e->name, a->x->dest_name);
	if (!path)
		return berr_set(a->err, EINVAL, "tar entry \"%s\": path escapes the layer ('..' component)", e->name);
	if (!*path)                                    /* the layer root itself: skipped, as Docker */
		return rd_skip(&a->rd, data, e->name, a->err);
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dirlen = slash ? (size_t)(slash - path) : 0;
	if (a->whiteouts && !strncmp(base, ".wh.", 4)) {
		if ((r = rd_skip(&a->rd, data, e->name, a->err)) < 0)
			return r;
		return apply_whiteout(a, path, dirlen, base, e);
	}
	if (!is_reg && e->type != TAR_DIR && e->type != TAR_SYMLINK && e->type != TAR_LINK &&
	    e->type != TAR_CHR && e->type != TAR_BLK && e->type != TAR_FIFO)
		return berr_set(a->err, ENOTSUP, "tar entry \"%s\": unsupported entry type '%c'", e->name,
				e->type ? e->type : '?');
	parent = dirchain_open(&a->chain, path, dirlen, 1, mark_created, a, a->err);
	if (parent < 0)
		return berr_wrap(a->err, "tar entry \"%s\"", e->name);
	switch (e->type) {
	case TAR_DIR:
		return make_dir(a, parent, base, path, e);
	case TAR_SYMLINK:
		return make_symlink(a, parent, base, path, e);
	case TAR_LINK:
		return make_hardlink(a, parent, base, path, e);
	case TAR_CHR:
	case TAR_BLK:
	case TAR_FIFO:
		return make_node(a, parent, base, path, e);
	default:
		return make_file(a, parent, base, path, e);
	}
}

/* Read a meta entry's data (PAX, GNU long name) and its padding, recording both. */
static int read_meta(struct apply *a, uint64_t size, char **out)
{
	char *buf;
	int64_t g;
	int r;

	if (size > META_MAX)
		return berr_set(a->err, EINVAL, "tar meta entry of %llu bytes at byte %llu is too large",
				(unsigned long long)size, (unsigned long long)rd_offset(&a->rd));
	buf = xmalloc(size + 1);
	g = rd_take(&a->rd, buf, size, 1, a->err);
	if (g < 0 || (uint64_t)g < size) {
		free(buf);
		return g < 0 ? (int)g : berr_set(a->err, EIO, "unexpected end of tar");
	}
	buf[size] = 0;
	if ((r = rd_skip(&a->rd, padding(size), "meta entry", a->err)) < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	return 0;
}

static int apply_stream(struct apply *a)
{
	struct tar_pending pend = { 0 };
	uint8_t blk[TAR_BLOCK];
	int r = 0;

	for (;;) {
		uint64_t at = rd_offset(&a->rd);
		int64_t g = rd_take(&a->rd, blk, TAR_BLOCK, 1, a->err);
		struct tar_entry e;
		const char *why;
		char *data = NULL;
		int64_t size;

		if (g < 0) {
			r = (int)g;
			break;
		}
		if (g == 0)
			break;                 /* no end-of-archive blocks: accepted, as Go's reader does */
		if (g < TAR_BLOCK) {
			r = berr_set(a->err, EIO, "unexpected end of tar (a %lld-byte header at byte %llu)",
				     (long long)g, (unsigned long long)at);
			break;
		}
		if (tar_block_is_zero(blk)) {
			g = rd_take(&a->rd, blk, TAR_BLOCK, 1, a->err);
			if (g < 0) {
				r = (int)g;
			} else if (g > 0 && g < TAR_BLOCK) {
				r = berr_set(a->err, EIO, "unexpected end of tar (after the first end-of-archive block)");
			} else if (g == TAR_BLOCK && !tar_block_is_zero(blk)) {
				r = berr_set(a->err, EINVAL, "invalid tar: a zero block followed by data at byte %llu",
					     (unsigned long long)at);
			}
			break;
		}
		if (!tar_checksum_ok(blk)) {
			r = berr_set(a->err, EINVAL, "invalid tar header checksum at byte %llu", (unsigned long long)at);
			break;
		}
		switch (tar_block_type(blk)) {
		case TAR_GNU_LONGNAME:
		case TAR_GNU_LONGLINK:
		case TAR_PAX:
		case TAR_PAX_GLOBAL:
			if ((size = tar_block_size(blk)) < 0) {
				r = berr_set(a->err, EINVAL, "invalid tar header at byte %llu", (unsigned long long)at);
				break;
			}
			if ((r = read_meta(a, (uint64_t)size, &data)) < 0)
				break;
			if (tar_block_type(blk) == TAR_GNU_LONGNAME) {
				free(pend.longname);
				pend.longname = data;
			} else if (tar_block_type(blk) == TAR_GNU_LONGLINK) {
				free(pend.longlink);
				pend.longlink = data;
			} else {
				if (tar_block_type(blk) == TAR_PAX &&
				    tar_parse_pax(data, (size_t)size, &pend, &why) < 0)
					r = berr_set(a->err, EINVAL, "%s at byte %llu", why, (unsigned long long)at);
				free(data);                 /* global headers: recorded, otherwise ignored */
			}
			break;
		default:
			if (tar_parse_entry(blk, &pend, &e, &why) < 0) {
				r = berr_set(a->err, EINVAL, "%s at byte %llu", why, (unsigned long long)at);
				break;
			}
			r = apply_entry(a, &e);
			tar_entry_free(&e);
			break;
		}
		if (r < 0)
			break;
	}
	tar_pending_clear(&pend);
	if (r < 0)
		return r;
	/* Whatever follows the end of the archive belongs to the layer's bytes (and diff_id) too. */
	for (;;) {
		uint8_t junk[65536];
		int64_t g = rd_take(&a->rd, junk, sizeof(junk), 1, a->err);
		if (g < 0)
			return (int)g;
		if (g == 0)
			break;
	}
	return 0;
}

/* Directory times last, once nothing below them changes any more. */
static int apply_dir_times(struct apply *a)
{
	struct dirchain c;
	int r = 0;

	dirchain_init(&c, a->rootfd);
	for (size_t i = 0; i < a->ndirs && r == 0; i++) {
		const char *path = a->dirs[i].path, *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		struct stat st;
		berr_t ignored;
		int parent = dirchain_open(&c, path, slash ? (size_t)(slash - path) : 0, 0, NULL, NULL, &ignored);

		if (parent < 0)
			continue;                    /* removed or replaced by a later entry */
		if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (utimensat(parent, base, a->dirs[i].t, AT_SYMLINK_NOFOLLOW) < 0)
			r = berr_sys(a->err, errno, "tar entry \"%s\": set times", path);
	}
	dirchain_free(&c);
	return r;
}

/* Unpack the stream into a->rootfd; the bytes of uncompressed tar, or a negative errno. */
static int64_t apply_run(struct apply *a, int tar_fd, char *diff_id)
{
	int r;

	a->rd.ts = a->ts;
	dirchain_init(&a->chain, a->rootfd);
	r = rd_open(&a->rd, tar_fd, diff_id != NULL, a->err);
	if (r == 0)
		r = apply_stream(a);
	dirchain_free(&a->chain);
	if (r == 0)
		r = apply_dir_times(a);
	if (r == 0 && diff_id)
		rd_digest(&a->rd, diff_id);
	rd_close(&a->rd);
	for (size_t i = 0; i < a->ndirs; i++)
		free(a->dirs[i].path);
	free(a->dirs);
	pm_free(&a->paths);
	return r < 0 ? r : (int64_t)a->rd.total;
}

int64_t archive_apply_tar(int tar_fd, const char *dest_dir, enum berth_whiteout_mode mode,
			  struct berth_tarsplit *ts, char *diff_id, berr_t *err)
{
	struct apply a = { .rootfd = -1, .mode = mode, .ts = ts, .whiteouts = 1, .err = err };
	int created = 0;
	int64_t r;

	if (mkdir(dest_dir, 0755) == 0)
		created = 1;
	else if (errno != EEXIST)
		return berr_sys(err, errno, "apply layer: mkdir %s", dest_dir);
	a.rootfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a.rootfd < 0) {
		r = berr_sys(err, errno, "apply layer: open %s", dest_dir);
		goto out;
	}
	r = apply_run(&a, tar_fd, diff_id);
	close(a.rootfd);
out:
	if (r < 0 && created) {
		berr_t ignored;
		remove_tree(dest_dir, &ignored);
	}
	return r;
}

int64_t archive_extract_tar(int tar_fd, int dirfd, const struct archive_extract_opts *o, berr_t *err)
{
	struct apply a = { .rootfd = dirfd, .x = o, .err = err };

	return apply_run(&a, tar_fd, NULL);
}
