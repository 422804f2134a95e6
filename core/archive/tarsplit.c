/* tar-split: the bytes of a layer tar that are not file content, recorded while the tar is
 * applied (or written by a diff), so the identical tar can be re-emitted from the layer's files.
 *
 * On disk (tarsplit_save), little-endian:
 *   "BTSPLIT\0"  u32 version (1)  u32 flags (bit 0: body is one zstd frame)  u64 body length
 *   body: records, each a kind byte then
 *     1 RAW   varint n, n bytes            verbatim tar bytes
 *     2 FILE  varint n, n bytes of path, varint size   content from the layer
 *     0 END
 */
#include "archive/tarsplit.h"
#include "archive/beneath.h"
#include "archive/tar.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define TS_MAGIC "BTSPLIT"
#define TS_VERSION 1
#define TS_FLAG_ZSTD 1u

enum { SEG_END = 0, SEG_RAW = 1, SEG_FILE = 2 };

struct seg {
	uint8_t kind;
	uint64_t off;        /* RAW: into data; FILE: into names */
	uint64_t len;        /* RAW: byte count; FILE: content size */
};

struct berth_tarsplit {
	struct tbuf data;    /* verbatim bytes of every RAW segment */
	struct tbuf names;   /* NUL-terminated paths of FILE segments */
	struct seg *segs;
	size_t nsegs, cap;
};

struct berth_tarsplit *tarsplit_new(void)
{
	return xcalloc(1, sizeof(struct berth_tarsplit));
}

void tarsplit_reset(struct berth_tarsplit *ts)
{
	tbuf_free(&ts->data);
	tbuf_free(&ts->names);
	free(ts->segs);
	memset(ts, 0, sizeof(*ts));
}

void tarsplit_free(struct berth_tarsplit *ts)
{
	if (!ts)
		return;
	tarsplit_reset(ts);
	free(ts);
}

static struct seg *seg_push(struct berth_tarsplit *ts)
{
	if (ts->nsegs == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 256;
		ts->segs = realloc(ts->segs, ts->cap * sizeof(*ts->segs));
		if (!ts->segs)
			abort();
	}
	return &ts->segs[ts->nsegs++];
}

void tarsplit_add_raw(struct berth_tarsplit *ts, const void *p, size_t n)
{
	struct seg *last = ts->nsegs ? &ts->segs[ts->nsegs - 1] : NULL;

	if (!n)
		return;
	if (last && last->kind == SEG_RAW && last->off + last->len == ts->data.len) {
		last->len += n;
	} else {
		struct seg *s = seg_push(ts);
		s->kind = SEG_RAW;
		s->off = ts->data.len;
		s->len = n;
	}
	tbuf_append(&ts->data, p, n);
}

long tarsplit_add_file(struct berth_tarsplit *ts, const char *path, uint64_t size)
{
	struct seg *s = seg_push(ts);

	s->kind = SEG_FILE;
	s->off = ts->names.len;
	s->len = size;
	tbuf_append(&ts->names, path, strlen(path) + 1);
	return (long)(ts->nsegs - 1);
}

const char *tarsplit_file_path(const struct berth_tarsplit *ts, long seg)
{
	if (seg < 0 || (size_t)seg >= ts->nsegs || ts->segs[seg].kind != SEG_FILE)
		return NULL;
	return (const char *)ts->names.p + ts->segs[seg].off;
}

void tarsplit_walk(const struct berth_tarsplit *ts, void (*fn)(void *arg, const void *p, uint64_t n),
		   void *arg)
{
	for (size_t i = 0; i < ts->nsegs; i++) {
		const struct seg *s = &ts->segs[i];
		fn(arg, s->kind == SEG_RAW ? ts->data.p + s->off : NULL, s->len);
	}
}

long tarsplit_segments(const struct berth_tarsplit *ts)
{
	return (long)ts->nsegs;
}

int tarsplit_inline_file(struct berth_tarsplit *ts, long seg, int fd, berr_t *err)
{
	struct seg *s;
	uint64_t left;
	size_t off;

	if (!tarsplit_file_path(ts, seg))
		return 0;
	s = &ts->segs[seg];
	left = s->len;
	tbuf_reserve(&ts->data, left);
	off = ts->data.len;
	while (left) {
		ssize_t r = read(fd, ts->data.p + ts->data.len, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berr_sys(err, errno, "tar-split: read %s", tarsplit_file_path(ts, seg));
		if (r == 0)
			return berr_set(err, EIO, "tar-split: %s is shorter than its tar entry",
					tarsplit_file_path(ts, seg));
		ts->data.len += r;
		left -= r;
	}
	s->kind = SEG_RAW;
	s->off = off;
	return 0;
}

/* --- serialisation --- */

static void put_varint(struct tbuf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	tbuf_append(b, tmp, n);
}

static int get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t c;
		if (*pos >= len)
			return -1;
		c = p[(*pos)++];
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int tarsplit_save(const struct berth_tarsplit *ts, const char *path, berr_t *err)
{
	struct tbuf body = { 0 }, out = { 0 };
	uint8_t hdr[24];
	size_t bound, z;
	int r;

	for (size_t i = 0; i < ts->nsegs; i++) {
		const struct seg *s = &ts->segs[i];
		if (s->kind == SEG_RAW) {
			tbuf_append(&body, (uint8_t[]){ SEG_RAW }, 1);
			put_varint(&body, s->len);
			tbuf_append(&body, ts->data.p + s->off, s->len);
		} else {
			const char *p = (const char *)ts->names.p + s->off;
			size_t pl = strlen(p);
			tbuf_append(&body, (uint8_t[]){ SEG_FILE }, 1);
			put_varint(&body, pl);
			tbuf_append(&body, p, pl);
			put_varint(&body, s->len);
		}
	}
	tbuf_append(&body, (uint8_t[]){ SEG_END }, 1);

	memcpy(hdr, TS_MAGIC, 8);
	put_u32(hdr + 8, TS_VERSION);
	put_u32(hdr + 12, TS_FLAG_ZSTD);
	put_u64(hdr + 16, body.len);
	bound = ZSTD_compressBound(body.len);
	tbuf_reserve(&out, sizeof(hdr) + bound);
	memcpy(out.p, hdr, sizeof(hdr));
	{
		ZSTD_CCtx *cc = ZSTD_createCCtx();
		if (!cc)
			abort();
		ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		z = ZSTD_compress2(cc, out.p + sizeof(hdr), bound, body.p, body.len);
		ZSTD_freeCCtx(cc);
	}
	tbuf_free(&body);
	if (ZSTD_isError(z)) {
		tbuf_free(&out);
		return berr_set(err, EIO, "tar-split: compress: %s", ZSTD_getErrorName(z));
	}
	out.len = sizeof(hdr) + z;
	r = write_file_atomic(path, out.p, out.len, 0600, err);
	tbuf_free(&out);
	return r;
}

int tarsplit_load(struct berth_tarsplit **out, const char *path, berr_t *err)
{
	_cleanup_free_ char *file = NULL;
	_cleanup_free_ uint8_t *body = NULL;
	const uint8_t *p;
	size_t flen, pos = 0;
	uint64_t blen;
	uint32_t flags;
	struct berth_tarsplit *ts;
	int r;

	if ((r = read_file(path, &file, &flen, err)) < 0)
		return r;
	p = (const uint8_t *)file;
	if (flen < 24 || memcmp(p, TS_MAGIC, 8))
		return berr_set(err, EINVAL, "tar-split %s: not a berth tar-split file", path);
	if (get_u32(p + 8) != TS_VERSION)
		return berr_set(err, EINVAL, "tar-split %s: unsupported version %u", path, get_u32(p + 8));
	flags = get_u32(p + 12);
	blen = get_u64(p + 16);
	if (flags & TS_FLAG_ZSTD) {
		unsigned long long fcs = ZSTD_getFrameContentSize(p + 24, flen - 24);
		size_t z;
		if (fcs != blen || blen > ((uint64_t)1 << 40))
			return berr_set(err, EINVAL, "tar-split %s: corrupt (size mismatch)", path);
		body = xmalloc(blen ? blen : 1);
		z = ZSTD_decompress(body, blen, p + 24, flen - 24);
		if (ZSTD_isError(z) || z != blen)
			return berr_set(err, EINVAL, "tar-split %s: corrupt: %s", path,
					ZSTD_isError(z) ? ZSTD_getErrorName(z) : "short body");
	} else {
		if (blen != flen - 24)
			return berr_set(err, EINVAL, "tar-split %s: corrupt (size mismatch)", path);
		body = xmalloc(blen ? blen : 1);
		memcpy(body, p + 24, blen);
	}

	ts = tarsplit_new();
	for (;;) {
		uint64_t n, size;
		uint8_t kind;
		if (pos >= blen)
			goto corrupt;
		kind = body[pos++];
		if (kind == SEG_END)
			break;
		if (get_varint(body, blen, &pos, &n) < 0 || n > blen - pos)
			goto corrupt;
		if (kind == SEG_RAW) {
			tarsplit_add_raw(ts, body + pos, n);
			pos += n;
		} else if (kind == SEG_FILE) {
			char *fp = xmalloc(n + 1);
			memcpy(fp, body + pos, n);
			fp[n] = 0;
			pos += n;
			if (memchr(fp, 0, n) || get_varint(body, blen, &pos, &size) < 0) {
				free(fp);
				goto corrupt;
			}
			tarsplit_add_file(ts, fp, size);
			free(fp);
		} else {
			goto corrupt;
		}
	}
	*out = ts;
	return 0;
corrupt:
	tarsplit_free(ts);
	return berr_set(err, EINVAL, "tar-split %s: corrupt record at byte %zu", path, pos);
}

/* --- assembly --- */

#define OUT_BUF (1 << 20)
#define SMALL_FILE (256 << 10)     /* read into the output buffer; larger ones are sendfile'd */

struct out {
	int fd;
	uint8_t *buf;
	size_t len;
	int64_t total;
};

static int out_flush(struct out *o, berr_t *err)
{
	int r;

	if (!o->len)
		return 0;
	if ((r = write_all(o->fd, o->buf, o->len)) < 0)
		return berr_sys(err, -r, "tar-split: write");
	o->total += o->len;
	o->len = 0;
	return 0;
}

static int out_put(struct out *o, const uint8_t *p, size_t n, berr_t *err)
{
	while (n) {
		size_t c = OUT_BUF - o->len;
		int r;
		if (c > n)
			c = n;
		memcpy(o->buf + o->len, p, c);
		o->len += c;
		p += c;
		n -= c;
		if (o->len == OUT_BUF && (r = out_flush(o, err)) < 0)
			return r;
	}
	return 0;
}

/* Read exactly n bytes of fd into buf. */
static int read_exact(int fd, uint8_t *buf, size_t n, const char *path, berr_t *err)
{
	while (n) {
		ssize_t r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berr_sys(err, errno, "tar-split: read %s", path);
		if (r == 0)
			return berr_set(err, EIO, "tar-split: %s changed size while being read", path);
		buf += r;
		n -= r;
	}
	return 0;
}

static int copy_content(struct out *o, int fd, uint64_t n, const char *path, berr_t *err)
{
	int r;

	if (n <= SMALL_FILE) {
		if (OUT_BUF - o->len < n && (r = out_flush(o, err)) < 0)
			return r;
		if ((r = read_exact(fd, o->buf + o->len, n, path, err)) < 0)
			return r;
		o->len += n;
		return 0;
	}
	if ((r = out_flush(o, err)) < 0)
		return r;
	while (n) {
		ssize_t w = sendfile(o->fd, fd, NULL, n > (1 << 30) ? (1 << 30) : n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EINVAL || errno == ENOSYS))
			break;                   /* e.g. O_APPEND output: fall back to read/write */
		if (w < 0)
			return berr_sys(err, errno, "tar-split: copy %s", path);
		if (w == 0)
			return berr_set(err, EIO, "tar-split: %s changed size while being read", path);
		n -= w;
		o->total += w;
	}
	while (n) {
		size_t c = n > OUT_BUF ? OUT_BUF : n;
		if ((r = read_exact(fd, o->buf, c, path, err)) < 0)
			return r;
		o->len = c;
		if ((r = out_flush(o, err)) < 0)
			return r;
		n -= c;
	}
	return 0;
}

int64_t tarsplit_assemble(const struct berth_tarsplit *ts, const char *layer_dir, int out_fd, berr_t *err)
{
	_cleanup_close_ int rootfd = open(layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct out o = { .fd = out_fd };
	struct dirchain chain;
	int r = 0;

	if (rootfd < 0)
		return berr_sys(err, errno, "tar-split: open %s", layer_dir);
	o.buf = xmalloc(OUT_BUF);
	dirchain_init(&chain, rootfd);
	for (size_t i = 0; i < ts->nsegs && r == 0; i++) {
		const struct seg *s = &ts->segs[i];
		const char *path, *slash, *base;
		struct stat st;
		int dfd, fd;

		if (s->kind == SEG_RAW) {
			r = out_put(&o, ts->data.p + s->off, s->len, err);
			continue;
		}
		path = (const char *)ts->names.p + s->off;
		slash = strrchr(path, '/');
		base = slash ? slash + 1 : path;
		dfd = dirchain_open(&chain, path, slash ? (size_t)(slash - path) : 0, 0, NULL, NULL, err);
		if (dfd < 0) {
			r = berr_wrap(err, "tar-split: %s", path);
			break;
		}
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = berr_sys(err, errno, "tar-split: open %s in %s", path, layer_dir);
			break;
		}
		if (fstat(fd, &st) < 0) {
			r = berr_sys(err, errno, "tar-split: stat %s", path);
			close(fd);
			break;
		}
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != s->len) {
			r = berr_set(err, EIO, "tar-split: %s in %s is no longer the file the layer tar holds "
				     "(size %lld, expected %llu)", path, layer_dir, (long long)st.st_size,
				     (unsigned long long)s->len);
			close(fd);
			break;
		}
		r = copy_content(&o, fd, s->len, path, err);
		close(fd);
	}
	if (r == 0)
		r = out_flush(&o, err);
	dirchain_free(&chain);
	free(o.buf);
	return r < 0 ? r : o.total;
}
