/* Helpers shared by the file-backed logging plugins (json-file, local). Header-only (static
 * functions), because every plugins/logging/<name>.c is built alone into <name>.so and plugins
 * must not link the core. */
#ifndef BERTH_PLUGIN_LOGUTIL_H
#define BERTH_PLUGIN_LOGUTIL_H

#include <berth/logging.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <zlib.h>

#define LGU_UNUSED __attribute__((unused))

/* zlib, loaded on first use: only a rotation with compress=true and reading a rotated .gz file
 * need it, yet linking it made every container's monitor and every create that checks the log
 * options load and relocate libz (~0.45 ms of each). The plugins link without -lz. */
static LGU_UNUSED struct {
	int (*deflate_init2)(z_streamp, int, int, int, int, int, const char *, int);
	int (*deflate_set_header)(z_streamp, gz_headerp);
	int (*deflate)(z_streamp, int);
	int (*deflate_end)(z_streamp);
	gzFile (*gzdopen)(int, const char *);
	int (*gzbuffer)(gzFile, unsigned);
	int (*gzread)(gzFile, voidp, unsigned);
	int (*gzclose)(gzFile);
} lgu_zlib;
static LGU_UNUSED int lgu_zlib_loaded;
static LGU_UNUSED pthread_once_t lgu_zlib_once = PTHREAD_ONCE_INIT;

#ifdef BERTH_PLUGIN_BUILTIN
/* Built into the lean berth-monitor (core/SConscript), static and without dlopen: zlib is linked
 * in, its pages mapped from the file and read only when a rotation compresses. */
static LGU_UNUSED void lgu_zlib_load(void)
{
	lgu_zlib.deflate_init2 = deflateInit2_;
	lgu_zlib.deflate_set_header = deflateSetHeader;
	lgu_zlib.deflate = deflate;
	lgu_zlib.deflate_end = deflateEnd;
	lgu_zlib.gzdopen = gzdopen;
	lgu_zlib.gzbuffer = gzbuffer;
	lgu_zlib.gzread = gzread;
	lgu_zlib.gzclose = gzclose;
	lgu_zlib_loaded = 1;
}
#else
static LGU_UNUSED void lgu_zlib_load(void)
{
	void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
#define LGU_SYM(field, name) if (!(*(void **)&lgu_zlib.field = dlsym(h, name))) return
	LGU_SYM(deflate_init2, "deflateInit2_");
	LGU_SYM(deflate_set_header, "deflateSetHeader");
	LGU_SYM(deflate, "deflate");
	LGU_SYM(deflate_end, "deflateEnd");
	LGU_SYM(gzdopen, "gzdopen");
	LGU_SYM(gzbuffer, "gzbuffer");
	LGU_SYM(gzread, "gzread");
	LGU_SYM(gzclose, "gzclose");
#undef LGU_SYM
	lgu_zlib_loaded = 1;
}
#endif

/* 1 once zlib is there (the compressor thread and a reader may both ask) */
static LGU_UNUSED int lgu_zlib_ready(void)
{
	pthread_once(&lgu_zlib_once, lgu_zlib_load);
	return lgu_zlib_loaded;
}

/* "10m", "1.5g", ... in bytes; unit is 1000 (Docker's json-file) or 1024 (go-units RAMInBytes). */
static LGU_UNUSED int64_t lgu_parse_size(const char *s, double unit)
{
	char *end;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	switch (tolower((unsigned char)*end)) {
	case 'k': v *= unit; break;
	case 'm': v *= unit * unit; break;
	case 'g': v *= unit * unit * unit; break;
	default: break;
	}
	return (int64_t)v;
}

/* Size bounds of a file-backed log driver. */
struct lgu_limits {
	double unit;                 /* of max-size: 1000 or 1024 */
	int64_t default_max_size;
	int default_max_file;
	int max_file_cap;            /* max-file is clamped to this */
	int default_compress;        /* rotated files gzipped unless compress=false */
};

struct lgu_options {
	int64_t max_size;            /* -1 = unlimited */
	int max_file;
	int compress;
	int compress_given;
	int compress_invalid;        /* "compress" is not a Go bool (Docker refuses it) */
	char compress_raw[64];       /* as given, for the message */
};

/* Go's strconv.ParseBool: 1 or 0, -1 for anything else. */
static LGU_UNUSED int lgu_parse_bool(const char *s)
{
	static const char *const T[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const F[] = { "0", "f", "F", "FALSE", "false", "False" };
	for (size_t i = 0; i < 6; i++) {
		if (!strcmp(s, T[i]))
			return 1;
		if (!strcmp(s, F[i]))
			return 0;
	}
	return -1;
}

/* max-size / max-file / compress from the options, else the daemon's settings for `driver`,
 * else the driver's defaults. */
static LGU_UNUSED void lgu_read_options(const struct berth_host *host, const char *driver,
					const struct lgu_limits *lim, const char *options_json,
					struct lgu_options *out)
{
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	const char *ms = json_string_value(json_object_get(o, "max-size"));
	const char *mf = json_string_value(json_object_get(o, "max-file"));
	const char *cp = json_string_value(json_object_get(o, "compress"));

	out->max_size = lim->default_max_size;
	out->max_file = lim->default_max_file;
	out->compress = lim->default_compress;
	out->compress_given = out->compress_invalid = 0;
	out->compress_raw[0] = 0;
	if (!ms && host && host->option)
		ms = host->option(driver, "max-size");
	if (!mf && host && host->option)
		mf = host->option(driver, "max-file");
	if (!cp && host && host->option)
		cp = host->option(driver, "compress");
	if (ms)
		out->max_size = !strcmp(ms, "-1") ? -1 : lgu_parse_size(ms, lim->unit);
	if (mf && atoi(mf) > 0)
		out->max_file = atoi(mf) > lim->max_file_cap ? lim->max_file_cap : atoi(mf);
	if (cp) {
		int b = lgu_parse_bool(cp);
		out->compress_given = 1;
		snprintf(out->compress_raw, sizeof(out->compress_raw), "%s", cp);
		if (b < 0)
			out->compress_invalid = 1;
		else
			out->compress = b;
	}
	json_decref(o);
}

/* "path.N" or "path.N.gz" (malloc'd); n = 0 is path itself. */
static LGU_UNUSED char *lgu_rotated_name(const char *path, int n, int gz)
{
	char *p = NULL;
	if (n == 0)
		return strdup(path);
	return asprintf(&p, "%s.%d%s", path, n, gz ? ".gz" : "") < 0 ? NULL : p;
}

/* 1 when generation n of the log exists, plain or compressed. */
static LGU_UNUSED int lgu_rotated_exists(const char *path, int n)
{
	int there = 0;
	for (int gz = 0; gz <= (n > 0) && !there; gz++) {
		char *p = lgu_rotated_name(path, n, gz);
		there = p && access(p, F_OK) == 0;
		free(p);
	}
	return there;
}

/* How many generations the log has (the live file and the rotated ones, up to max). A rotation
 * renames them one at a time, the live one included, so look past a single hole. */
static LGU_UNUSED int lgu_count_generations(const char *path, int max)
{
	int n = 0;
	for (int i = 0; i < max && (lgu_rotated_exists(path, i) || lgu_rotated_exists(path, i + 1)); i++)
		n = i + 1;
	return n;
}

/* Open the live file for reading; while a rotation has it renamed away, wait for the next. */
static LGU_UNUSED int lgu_open_live_read(const char *path)
{
	int fd = -1;
	for (int i = 0; i < 100; i++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 || errno != ENOENT || !lgu_rotated_exists(path, 1))
			break;
		usleep(1000);
	}
	return fd;
}

/* Shift the generations up by one: path.<i-1>[.gz] -> path.<i>[.gz] from the oldest kept
 * (max_file - 1) down, then path -> path.1, with move(from, to) (which may carry companions such
 * as an index). The target's other form goes with remove(), so a generation never exists twice
 * (a plain and a compressed copy of different ages). */
static LGU_UNUSED void lgu_shift_files(const char *path, int max_file,
				       void (*move)(const char *from, const char *to),
				       void (*remove)(const char *path))
{
	for (int i = max_file - 1; i >= 1; i--) {
		for (int gz = 0; gz <= (i > 1); gz++) {
			char *from = lgu_rotated_name(path, i - 1, gz), *to = lgu_rotated_name(path, i, gz),
			     *other = lgu_rotated_name(path, i, !gz);
			if (from && to && other && access(from, F_OK) == 0) {
				remove(other);
				move(from, to);
			}
			free(from);
			free(to);
			free(other);
		}
	}
}

/* ---- compressed generations (Docker's compress option) ----
 * A rotated file path.N is gzipped to path.N.gz (through path.gz.tmp, renamed when whole; then
 * path.N goes), in a thread so the container's output never waits for it. The gzip header's
 * extra field (subfield "BL") carries the time of the file's last message, how many it holds
 * and the identity (inode, mtime) the plain file had, so readers skip or count whole files without
 * inflating them (moby keeps the last time in the same place) and a follower still recognises
 * the file it was reading. A reader inflates a compressed file into an unnamed temporary file
 * and reads it like a plain one. */

struct lgu_gz_meta {
	int64_t last_time_ns;        /* INT64_MIN: empty */
	int64_t count;               /* messages (local) or lines (json-file) */
	struct lgu_identity {        /* the plain file's, before it was compressed (followers) */
		uint64_t ino;
		int64_t mtime_ns;    /* an inode number is reused once the plain file is gone */
	} id;
};

/* Fills meta from a plain log file (driver-specific); 0 or -1. */
typedef int (*lgu_scan_fn)(int fd, struct lgu_gz_meta *meta);

static LGU_UNUSED void lgu_put64le(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static LGU_UNUSED uint64_t lgu_get64le(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* gzip `from` into `to` (via a temp file beside it) with meta in the header; then remove from.
 * 0 or -errno. */
static LGU_UNUSED int lgu_gzip_file(const char *from, const char *to, const struct lgu_gz_meta *meta)
{
	unsigned char extra[36] = { 'B', 'L', 32, 0 }, in[65536], out[65536];
	gz_header h = { 0 };
	z_stream z = { 0 };
	char *tmp = NULL;
	int fd = -1, ofd = -1, r = 0, flush;
	ssize_t n;

	lgu_put64le(extra + 4, (uint64_t)meta->last_time_ns);
	lgu_put64le(extra + 12, (uint64_t)meta->count);
	lgu_put64le(extra + 20, meta->id.ino);
	lgu_put64le(extra + 28, (uint64_t)meta->id.mtime_ns);
	h.extra = extra;
	h.extra_len = sizeof(extra);
	h.os = 3;   /* unix */
	if ((fd = open(from, O_RDONLY | O_CLOEXEC)) < 0 || asprintf(&tmp, "%s.tmp", to) < 0 ||
	    (ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
		r = -errno;
		goto out;
	}
	if (!lgu_zlib_ready()) {
		r = -ELIBACC;
		goto out;
	}
	/* 31: a gzip wrapper around deflate (windowBits 15 + 16) */
	if (lgu_zlib.deflate_init2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
				   (int)sizeof(z)) != Z_OK) {
		r = -ENOMEM;
		goto out;
	}
	lgu_zlib.deflate_set_header(&z, &h);
	do {
		n = read(fd, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			lgu_zlib.deflate(&z, flush);
			size_t have = sizeof(out) - z.avail_out;
			for (size_t off = 0; off < have && r == 0;) {
				ssize_t w = write(ofd, out + off, have - off);
				if (w < 0 && errno != EINTR)
					r = -errno;
				else if (w > 0)
					off += (size_t)w;
			}
		} while (z.avail_out == 0 && r == 0);
	} while (n > 0 && r == 0);
	lgu_zlib.deflate_end(&z);
	if (r == 0 && fsync(ofd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, to) < 0)
		r = -errno;
	if (r == 0)
		unlink(from);   /* readers that opened it keep reading it */
out:
	if (r < 0 && tmp)
		unlink(tmp);
	if (fd >= 0)
		close(fd);
	if (ofd >= 0)
		close(ofd);
	free(tmp);
	return r;
}

/* The meta a compressed file carries in its header; 0, or -1 when it has none. */
static LGU_UNUSED int lgu_gz_meta_read(const char *gz, struct lgu_gz_meta *meta)
{
	unsigned char h[512];
	int fd = open(gz, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;
	size_t xlen, at;

	if (fd >= 0)
		close(fd);
	/* ID1 ID2 CM FLG MTIME(4) XFL OS, then with FLG.FEXTRA: XLEN(2) and subfields */
	if (n < 12 || h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || !(h[3] & 4))
		return -1;
	xlen = (size_t)h[10] | (size_t)h[11] << 8;
	if (12 + xlen > (size_t)n)
		return -1;
	for (at = 12; at + 4 <= 12 + xlen;) {
		size_t len = (size_t)h[at + 2] | (size_t)h[at + 3] << 8;
		if (h[at] == 'B' && h[at + 1] == 'L' && len == 32 && at + 4 + len <= 12 + xlen) {
			meta->last_time_ns = (int64_t)lgu_get64le(h + at + 4);
			meta->count = (int64_t)lgu_get64le(h + at + 12);
			meta->id.ino = lgu_get64le(h + at + 20);
			meta->id.mtime_ns = (int64_t)lgu_get64le(h + at + 28);
			return 0;
		}
		at += 4 + len;
	}
	return -1;
}

/* An fd holding the inflated content of gz: an unnamed file in dir (on disk, like moby's temp
 * files: a rotated file may be large), else in memory. -1 on failure. */
static LGU_UNUSED int lgu_gunzip_to_temp(const char *gz, const char *dir)
{
	char buf[65536];
	int fd, src, n;
	gzFile g;

	if (!lgu_zlib_ready())
		return -1;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("berth-log", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if ((src = open(gz, O_RDONLY | O_CLOEXEC)) < 0 || !(g = lgu_zlib.gzdopen(src, "rb"))) {
		if (src >= 0)
			close(src);
		close(fd);
		return -1;
	}
	lgu_zlib.gzbuffer(g, sizeof(buf));
	while ((n = lgu_zlib.gzread(g, buf, sizeof(buf))) > 0) {
		for (int off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				lgu_zlib.gzclose(g);
				close(fd);
				return -1;
			}
			off += (int)w;
		}
	}
	lgu_zlib.gzclose(g);   /* closes src; a truncated file still gives what it has */
	return fd;
}

/* Open generation n of the log for reading: the plain file, else the compressed one inflated
 * (*was_gz = 1). -1 when it is not there. */
static LGU_UNUSED int lgu_open_generation(const char *path, int n, int *was_gz)
{
	char *p = lgu_rotated_name(path, n, 0), *dir, *slash;
	int fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -1;

	free(p);
	*was_gz = 0;
	if (fd >= 0 || n == 0)
		return fd;
	/* compressed since we looked, or long ago */
	if (!(p = lgu_rotated_name(path, n, 1)) || !(dir = strdup(path))) {
		free(p);
		return -1;
	}
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	fd = lgu_gunzip_to_temp(p, slash ? dir : ".");
	free(p);
	free(dir);
	*was_gz = fd >= 0;
	return fd;
}

/* The meta of generation n when it is compressed (and says); 0, or -1. */
static LGU_UNUSED int lgu_generation_meta(const char *path, int n, struct lgu_gz_meta *meta)
{
	char *p = n > 0 ? lgu_rotated_name(path, n, 1) : NULL;
	int r = -1;

	/* a plain file of that generation is the one readers open */
	if (p) {
		char *plain = lgu_rotated_name(path, n, 0);
		if (plain && access(plain, F_OK) != 0)
			r = lgu_gz_meta_read(p, meta);
		free(plain);
	}
	free(p);
	return r;
}

static LGU_UNUSED struct lgu_identity lgu_identity_of(const struct stat *st)
{
	struct lgu_identity id = { (uint64_t)st->st_ino, (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec };
	return id;
}

static LGU_UNUSED int lgu_same_file(struct lgu_identity a, struct lgu_identity b)
{
	return a.ino && a.ino == b.ino && a.mtime_ns == b.mtime_ns;
}

/* Which file generation n is, across compression: its own identity, or the one its header says
 * it had; ino 0 when it is not there. */
static LGU_UNUSED struct lgu_identity lgu_generation_identity(const char *path, int n)
{
	struct lgu_identity id = { 0, 0 };
	struct lgu_gz_meta meta;
	struct stat st;
	char *p = lgu_rotated_name(path, n, 0);

	if (p && stat(p, &st) == 0)
		id = lgu_identity_of(&st);
	else if (n > 0) {
		free(p);
		p = lgu_rotated_name(path, n, 1);
		if (p && lgu_gz_meta_read(p, &meta) == 0)
			id = meta.id;
	}
	free(p);
	return id;
}

/* The generation (>= 1) that is the file `id`, or -1. Rotation renames the generations one by
 * one from the oldest, so one of them may be missing for a moment: look past a single hole. */
static LGU_UNUSED int lgu_find_generation(const char *path, struct lgu_identity id)
{
	for (int i = 1; lgu_rotated_exists(path, i) || lgu_rotated_exists(path, i + 1); i++)
		if (lgu_same_file(lgu_generation_identity(path, i), id))
			return i;
	return -1;
}

/* A follower read the file it had open (`id`) to its end and found the live file replaced; the
 * writer may have rotated more than once meanwhile. Read the generations that came after it,
 * oldest first, each whole with read_file(fd, ctx) (*stop when it returns non-zero), then open
 * the live file that follows them; -1 when there is none. Each step is checked after the open,
 * since rotation may go on meanwhile. */
static LGU_UNUSED int lgu_follow_next(const char *live, struct lgu_identity id, int (*read_file)(int fd, void *ctx),
				      void *ctx, int *stop)
{
	int lost = 0;

	for (int guard = 0; guard < 100000 && !*stop; guard++) {
		int k = lgu_find_generation(live, id), fd, gz;
		struct lgu_identity next;
		if (k < 0 && ++lost < 20) {
			usleep(1000);   /* in the middle of a rotation, or dropped (a follower too slow) */
			continue;
		}
		if (k <= 1) {
			/* the live file is next (or ours was dropped: nothing better to do than go on) */
			if ((fd = open(live, O_RDONLY | O_CLOEXEC)) < 0 && errno == ENOENT) {
				usleep(1000);   /* renamed away, the next one not yet in place */
				continue;
			}
			if (fd < 0 || k < 0 || lgu_same_file(lgu_generation_identity(live, 1), id))
				return fd;
			close(fd);   /* rotated again before we opened it */
			continue;
		}
		next = lgu_generation_identity(live, k - 1);
		if ((fd = lgu_open_generation(live, k - 1, &gz)) < 0)
			continue;
		if (!lgu_same_file(lgu_generation_identity(live, k), id) ||
		    !lgu_same_file(lgu_generation_identity(live, k - 1), next)) {
			close(fd);   /* rotated between looking and opening: look again */
			continue;
		}
		*stop = read_file(fd, ctx);
		close(fd);
		id = next;
		lost = 0;
	}
	return *stop ? -1 : open(live, O_RDONLY | O_CLOEXEC);
}

/* The writer's background compression: one file at a time. */
struct lgu_compressor {
	pthread_t thread;
	int running;
	char *from, *to;
	lgu_scan_fn scan;
	void (*done)(const char *from);   /* after from was replaced by its .gz (companions), or NULL */
};

static LGU_UNUSED void *lgu_compress_main(void *arg)
{
	struct lgu_compressor *c = arg;
	struct lgu_gz_meta meta = { INT64_MIN, 0, { 0, 0 } };
	int fd = open(c->from, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0) {
		if (fstat(fd, &st) == 0)
			meta.id = lgu_identity_of(&st);
		c->scan(fd, &meta);
		close(fd);
		/* on failure the plain file stays: still readable */
		if (lgu_gzip_file(c->from, c->to, &meta) == 0 && c->done)
			c->done(c->from);
	}
	return NULL;
}

/* A temp file a compression cut short left behind (the writer died). */
static LGU_UNUSED void lgu_compress_cleanup(const char *path)
{
	char *p = NULL;
	if (asprintf(&p, "%s.1.gz.tmp", path) >= 0)
		unlink(p);
	free(p);
}

/* Wait for the compression under way, if any. */
static LGU_UNUSED void lgu_compress_wait(struct lgu_compressor *c)
{
	if (c->running)
		pthread_join(c->thread, NULL);
	c->running = 0;
	free(c->from);
	free(c->to);
	c->from = c->to = NULL;
}

/* Compress generation 1 of path (just rotated) in the background. Rotation must wait for the
 * previous one first (lgu_compress_wait): it renames the file being compressed. */
static LGU_UNUSED void lgu_compress_start(struct lgu_compressor *c, const char *path, lgu_scan_fn scan,
					  void (*done)(const char *from))
{
	pthread_attr_t attr;

	lgu_compress_wait(c);
	c->from = lgu_rotated_name(path, 1, 0);
	c->to = lgu_rotated_name(path, 1, 1);
	c->scan = scan;
	c->done = done;
	/* lgu_gzip_file keeps two 64 kB buffers on its stack: more than musl's default thread stack
	 * (128 kB; the lean berth-monitor is built with musl), far less than glibc's 8 MB */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	if (c->from && c->to && pthread_create(&c->thread, &attr, lgu_compress_main, c) == 0)
		c->running = 1;
	pthread_attr_destroy(&attr);
}

/* Open the live file for writing with the writer's shared flock held (see lgu_writer_gone).
 * A file that is not there (the first open, or rotation renamed it away) is made under a temp
 * name, locked, given `header`, and only then renamed into place: a follower never sees a live
 * file that nobody has locked yet, and so never takes it for a closed log. -1 and errno. */
static LGU_UNUSED int lgu_open_live(const char *path, int flags, const void *header, size_t header_len)
{
	int fd = open(path, flags | O_CLOEXEC);
	char *tmp = NULL;

	if (fd >= 0 || errno != ENOENT) {
		if (fd >= 0)
			flock(fd, LOCK_SH);
		return fd;
	}
	if (asprintf(&tmp, "%s.new", path) < 0)
		return -1;
	fd = open(tmp, flags | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd >= 0) {
		flock(fd, LOCK_SH);
		if ((header_len && write(fd, header, header_len) != (ssize_t)header_len) || rename(tmp, path) < 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			errno = e;
			fd = -1;
		}
	}
	free(tmp);
	return fd;
}

/* The writer holds a shared flock on the live file: once it can be taken exclusively, the
 * log is closed. A live file that is missing is a rotation under way (the writer renames it,
 * then puts the next one in place), unless that lasts *missing polls. */
static LGU_UNUSED int lgu_writer_gone(const char *path, int *missing)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), gone;
	if (fd < 0)
		return errno != ENOENT || ++*missing > 50;
	*missing = 0;
	gone = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return gone;
}

/* 1 when path is now another file than fd (the writer rotated). */
static LGU_UNUSED int lgu_rotated_away(const char *path, int fd)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

#endif
