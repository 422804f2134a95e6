/* The tar header codec: ustar, GNU (long names, base-256 numbers, atime) and PAX records. */
#include "archive/tar.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets of the ustar header fields. */
enum {
	F_NAME = 0, F_MODE = 100, F_UID = 108, F_GID = 116, F_SIZE = 124, F_MTIME = 136,
	F_CHKSUM = 148, F_TYPE = 156, F_LINKNAME = 157, F_MAGIC = 257, F_VERSION = 263,
	F_UNAME = 265, F_GNAME = 297, F_DEVMAJOR = 329, F_DEVMINOR = 337, F_PREFIX = 345,
	F_GNU_ATIME = 345,
};

void tbuf_reserve(struct tbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;

	if (b->len + more <= b->cap)
		return;
	while (cap < b->len + more)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		abort();
	b->cap = cap;
}

void tbuf_append(struct tbuf *b, const void *p, size_t n)
{
	if (!n)
		return;
	tbuf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void xattrs_free(struct tar_xattr *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(x[i].name);
		free(x[i].value);
	}
	free(x);
}

void tar_entry_free(struct tar_entry *e)
{
	free(e->name);
	free(e->linkname);
	xattrs_free(e->xattrs, e->nxattrs);
	memset(e, 0, sizeof(*e));
}

static void xattr_push(struct tar_xattr **xs, size_t *n, const char *name, const void *value, size_t len)
{
	struct tar_xattr *x;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*xs)[i].name, name)) {      /* a later record wins */
			free((*xs)[i].value);
			(*xs)[i].value = xmalloc(len + 1);
			memcpy((*xs)[i].value, value, len);
			(*xs)[i].value[len] = 0;
			(*xs)[i].len = len;
			return;
		}
	*xs = xreallocarray(*xs, *n + 1, sizeof(**xs));
	x = &(*xs)[(*n)++];
	x->name = xstrdup(name);
	x->value = xmalloc(len + 1);
	memcpy(x->value, value, len);
	x->value[len] = 0;
	x->len = len;
}

void tar_entry_add_xattr(struct tar_entry *e, const char *name, const void *value, size_t len)
{
	xattr_push(&e->xattrs, &e->nxattrs, name, value, len);
}

void tar_pending_clear(struct tar_pending *p)
{
	free(p->longname);
	free(p->longlink);
	free(p->path);
	free(p->linkpath);
	xattrs_free(p->xattrs, p->nxattrs);
	memset(p, 0, sizeof(*p));
}

int tar_block_is_zero(const uint8_t *blk)
{
	static const uint8_t zero[TAR_BLOCK];
	return !memcmp(blk, zero, TAR_BLOCK);
}

/* Octal, with leading/trailing spaces and NULs allowed (as every tar writer pads differently). */
static int parse_octal(const uint8_t *f, size_t n, int64_t *out)
{
	size_t i = 0, end = n;
	uint64_t v = 0;

	while (i < n && (f[i] == ' ' || f[i] == 0))
		i++;
	while (end > i && (f[end - 1] == ' ' || f[end - 1] == 0))
		end--;
	for (; i < end; i++) {
		if (f[i] < '0' || f[i] > '7')
			return -EINVAL;
		if (v >> 60)
			return -EINVAL;
		v = v * 8 + (f[i] - '0');
	}
	*out = (int64_t)v;
	return 0;
}

/* Octal or GNU base-256 (high bit of the first byte set; two's complement when negative). */
static int parse_numeric(const uint8_t *f, size_t n, int64_t *out)
{
	uint8_t inv;
	uint64_t v = 0;

	if (!(f[0] & 0x80))
		return parse_octal(f, n, out);
	inv = (f[0] & 0x40) ? 0xff : 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = f[i] ^ inv;
		if (i == 0)
			c &= 0x7f;
		if (v >> 56)
			return -EINVAL;
		v = v << 8 | c;
	}
	if (v >> 63)
		return -EINVAL;
	*out = inv ? ~(int64_t)v : (int64_t)v;
	return 0;
}

int tar_checksum_ok(const uint8_t *blk)
{
	uint32_t usum = 0;
	int32_t ssum = 0;
	int64_t stored;

	for (int i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = (i >= F_CHKSUM && i < F_CHKSUM + 8) ? ' ' : blk[i];
		usum += c;
		ssum += (int8_t)c;
	}
	if (parse_octal(blk + F_CHKSUM, 8, &stored) < 0)
		return 0;
	return stored == (int64_t)usum || stored == (int64_t)ssum;
}

int64_t tar_block_size(const uint8_t *blk)
{
	int64_t v;
	if (parse_numeric(blk + F_SIZE, 12, &v) < 0 || v < 0)
		return -1;
	return v;
}

static char *field_str(const uint8_t *f, size_t n)
{
	size_t l = strnlen((const char *)f, n);
	char *s = xmalloc(l + 1);
	memcpy(s, f, l);
	s[l] = 0;
	return s;
}

static int is_header_only(char t)
{
	return t == TAR_LINK || t == TAR_SYMLINK || t == TAR_CHR || t == TAR_BLK || t == TAR_DIR ||
	       t == TAR_FIFO;
}

int tar_parse_entry(const uint8_t *blk, struct tar_pending *pend, struct tar_entry *e, const char **why)
{
	int posix = !memcmp(blk + F_MAGIC, "ustar\0", 6);
	int gnu = !memcmp(blk + F_MAGIC, "ustar  \0", 8);
	int64_t v;

	memset(e, 0, sizeof(*e));
	e->type = tar_block_type(blk);
	if (pend->path) {
		e->name = pend->path;
		pend->path = NULL;
	} else if (pend->longname) {
		e->name = pend->longname;
		pend->longname = NULL;
	} else if (posix && blk[F_PREFIX]) {
		char *pre = field_str(blk + F_PREFIX, 155), *nm = field_str(blk + F_NAME, 100);
		e->name = xasprintf("%s/%s", pre, nm);
		free(pre);
		free(nm);
	} else {
		e->name = field_str(blk + F_NAME, 100);
	}
	if (pend->linkpath) {
		e->linkname = pend->linkpath;
		pend->linkpath = NULL;
	} else if (pend->longlink) {
		e->linkname = pend->longlink;
		pend->longlink = NULL;
	} else {
		e->linkname = field_str(blk + F_LINKNAME, 100);
	}
	e->xattrs = pend->xattrs;
	e->nxattrs = pend->nxattrs;
	pend->xattrs = NULL;
	pend->nxattrs = 0;

	*why = "invalid number in tar header";
	if (parse_numeric(blk + F_MODE, 8, &v) < 0)
		goto bad;
	e->mode = (uint32_t)v & 07777;
	if (pend->has_uid)
		e->uid = pend->uid;
	else if (parse_numeric(blk + F_UID, 8, &e->uid) < 0)
		goto bad;
	if (pend->has_gid)
		e->gid = pend->gid;
	else if (parse_numeric(blk + F_GID, 8, &e->gid) < 0)
		goto bad;
	if (pend->has_size) {
		e->size = pend->size;
	} else {
		if (parse_numeric(blk + F_SIZE, 12, &v) < 0 || v < 0)
			goto bad;
		e->size = (uint64_t)v;
	}
	if (pend->has_mtime) {
		e->mtime_sec = pend->mtime_sec;
		e->mtime_nsec = pend->mtime_nsec;
	} else if (parse_numeric(blk + F_MTIME, 12, &e->mtime_sec) < 0) {
		goto bad;
	}
	if (pend->has_atime) {
		e->has_atime = 1;
		e->atime_sec = pend->atime_sec;
		e->atime_nsec = pend->atime_nsec;
	} else if (gnu && blk[F_GNU_ATIME]) {
		if (parse_numeric(blk + F_GNU_ATIME, 12, &e->atime_sec) < 0)
			goto bad;
		e->has_atime = 1;
	}
	if (e->type == TAR_CHR || e->type == TAR_BLK) {
		int64_t ma, mi;
		if (parse_numeric(blk + F_DEVMAJOR, 8, &ma) < 0 || parse_numeric(blk + F_DEVMINOR, 8, &mi) < 0)
			goto bad;
		e->devmajor = (uint32_t)ma;
		e->devminor = (uint32_t)mi;
	}
	if (e->type == TAR_AREG) {
		size_t l = strlen(e->name);        /* pre-POSIX tars mark directories by a slash */
		e->type = l && e->name[l - 1] == '/' ? TAR_DIR : TAR_REG;
	}
	if (is_header_only(e->type))
		e->size = 0;               /* as Go's reader: these types never carry data */
	if (pend->sparse) {
		*why = "GNU sparse files are not supported in layers";
		goto bad;
	}
	tar_pending_clear(pend);
	return 0;
bad:
	tar_pending_clear(pend);
	tar_entry_free(e);
	return -EINVAL;
}

/* "[-]sec[.frac]" into seconds and nanoseconds (floor semantics for negative values). */
static int parse_pax_time(const char *s, size_t n, int64_t *sec, long *nsec)
{
	int neg = 0, digits = 0;
	size_t i = 0;
	uint64_t whole = 0;
	long frac = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i >= n)
		return -EINVAL;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (whole > (uint64_t)INT64_MAX / 10)
			return -EINVAL;
		whole = whole * 10 + (s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (digits < 9) {
				frac = frac * 10 + (s[i] - '0');
				digits++;
			}
		while (digits++ < 9)
			frac *= 10;
	}
	if (i != n)
		return -EINVAL;
	*sec = (int64_t)whole;
	*nsec = frac;
	if (neg) {
		*sec = -*sec;
		if (frac) {
			(*sec)--;
			*nsec = 1000000000 - frac;
		}
	}
	return 0;
}

static int parse_pax_uint(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > UINT64_MAX / 10)
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static char *strndup_x(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

int tar_parse_pax(const char *data, size_t len, struct tar_pending *pend, const char **why)
{
	size_t pos = 0;

	*why = "invalid PAX header";
	while (pos < len) {
		size_t reclen = 0, i = pos, klen, vlen;
		const char *key, *eq, *val;

		if (data[pos] == 0)        /* some writers pad the record data with NULs */
			break;
		while (i < len && data[i] >= '0' && data[i] <= '9') {
			reclen = reclen * 10 + (data[i] - '0');
			if (reclen > len)
				return -EINVAL;
			i++;
		}
		if (i == pos || i >= len || data[i] != ' ' || reclen < 5 || pos + reclen > len ||
		    data[pos + reclen - 1] != '\n')
			return -EINVAL;
		key = data + i + 1;
		eq = memchr(key, '=', data + pos + reclen - 1 - key);
		if (!eq || eq == key)
			return -EINVAL;
		klen = eq - key;
		val = eq + 1;
		vlen = data + pos + reclen - 1 - val;
		pos += reclen;

#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
		if (KEY("path")) {
			free(pend->path);
			pend->path = vlen ? strndup_x(val, strnlen(val, vlen)) : NULL;
		} else if (KEY("linkpath")) {
			free(pend->linkpath);
			pend->linkpath = vlen ? strndup_x(val, strnlen(val, vlen)) : NULL;
		} else if (KEY("size")) {
			if (!(pend->has_size = vlen > 0))
				continue;
			if (parse_pax_uint(val, vlen, &pend->size) < 0 || pend->size > INT64_MAX)
				return -EINVAL;
		} else if (KEY("uid") || KEY("gid")) {
			uint64_t v;
			int is_uid = key[0] == 'u';
			if (!vlen) {
				*(is_uid ? &pend->has_uid : &pend->has_gid) = 0;
				continue;
			}
			if (parse_pax_uint(val, vlen, &v) < 0 || v > INT64_MAX)
				return -EINVAL;
			*(is_uid ? &pend->uid : &pend->gid) = (int64_t)v;
			*(is_uid ? &pend->has_uid : &pend->has_gid) = 1;
		} else if (KEY("mtime")) {
			if (!(pend->has_mtime = vlen > 0))
				continue;
			if (parse_pax_time(val, vlen, &pend->mtime_sec, &pend->mtime_nsec) < 0)
				return -EINVAL;
		} else if (KEY("atime")) {
			if (!(pend->has_atime = vlen > 0))
				continue;
			if (parse_pax_time(val, vlen, &pend->atime_sec, &pend->atime_nsec) < 0)
				return -EINVAL;
		} else if (klen > 13 && !memcmp(key, "SCHILY.xattr.", 13)) {
			char *name = strndup_x(key + 13, klen - 13);
			xattr_push(&pend->xattrs, &pend->nxattrs, name, val, vlen);
			free(name);
		} else if (klen > 11 && !memcmp(key, "GNU.sparse.", 11)) {
			pend->sparse = 1;
		}
#undef KEY
	}
	return 0;
}

char *tar_clean_path(const char *in)
{
	size_t n = strlen(in);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	const char *p = in;

	while (*p) {
		const char *s;
		size_t l;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		l = p - s;
		if (l == 0 || (l == 1 && s[0] == '.'))
			continue;
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			free(out);
			return NULL;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, s, l);
		o += l;
	}
	out[o] = 0;
	return out;
}

/* --- writing --- */

/* width-1 octal digits and a NUL: values below 8^(width-1). */
static int fits_octal(int64_t v, size_t width)
{
	return v >= 0 && (uint64_t)v < (1ULL << ((width - 1) * 3));
}

static void put_octal(uint8_t *f, size_t width, uint64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(f, tmp, width - 1);
	f[width - 1] = 0;
}

/* Octal when it fits, GNU base-256 otherwise (the PAX record carries the value too). */
static void put_numeric(uint8_t *f, size_t width, int64_t v)
{
	uint64_t u = (uint64_t)v;

	if (fits_octal(v, width)) {
		put_octal(f, width, (uint64_t)v);
		return;
	}
	for (size_t i = width; i-- > 0;) {
		f[i] = u & 0xff;
		u = (uint64_t)((int64_t)u >> 8);
	}
	f[0] |= 0x80;
}

static void put_str(uint8_t *f, size_t width, const char *s)
{
	size_t l = strlen(s);
	memcpy(f, s, l < width ? l : width);
}

static void pax_record(struct tbuf *b, const char *key, const char *val, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, total = base, digits;
	char num[24];

	/* The length counts its own digits. */
	for (;;) {
		digits = (size_t)snprintf(num, sizeof(num), "%zu", total);
		if (base + digits == total)
			break;
		total = base + digits;
	}
	tbuf_append(b, num, digits);
	tbuf_append(b, " ", 1);
	tbuf_append(b, key, strlen(key));
	tbuf_append(b, "=", 1);
	tbuf_append(b, val, vlen);
	tbuf_append(b, "\n", 1);
}

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tar_xattr *)a)->name, ((const struct tar_xattr *)b)->name);
}

/* Split a long name into ustar prefix (<= 155) and name (<= 100) at a '/'. */
static int split_ustar(const char *name, size_t *cut)
{
	size_t len = strlen(name), l = len;
	const char *slash = NULL;

	if (len <= 100)
		return 0;
	if (l > 156)
		l = 156;
	else if (name[l - 1] == '/')
		l--;
	for (size_t i = 0; i < l; i++)
		if (name[i] == '/')
			slash = name + i;
	if (!slash || slash == name)
		return 0;
	if (len - (slash - name) - 1 > 100 || len - (slash - name) - 1 == 0 || (size_t)(slash - name) > 155)
		return 0;
	*cut = slash - name;
	return 1;
}

static void finish_block(uint8_t *blk)
{
	uint32_t sum = 0;
	char tmp[16];

	memset(blk + F_CHKSUM, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += blk[i];
	snprintf(tmp, sizeof(tmp), "%06o", sum);
	memcpy(blk + F_CHKSUM, tmp, 6);
	blk[F_CHKSUM + 6] = 0;
	blk[F_CHKSUM + 7] = ' ';
}

static void ustar_common(uint8_t *blk, char type)
{
	blk[F_TYPE] = (uint8_t)type;
	memcpy(blk + F_MAGIC, "ustar\0", 6);
	memcpy(blk + F_VERSION, "00", 2);
}

void tar_format_header(const struct tar_entry *e, struct tbuf *out)
{
	uint8_t blk[TAR_BLOCK] = { 0 };
	struct tbuf pax = { 0 };
	size_t cut = 0, nlen = strlen(e->name), llen = strlen(e->linkname);
	int split = 0;

	if (nlen > 100 && !(split = split_ustar(e->name, &cut)))
		pax_record(&pax, "path", e->name, nlen);
	if (llen > 100)
		pax_record(&pax, "linkpath", e->linkname, llen);
	if (!fits_octal((int64_t)e->size, 12)) {
		char v[32];
		snprintf(v, sizeof(v), "%llu", (unsigned long long)e->size);
		pax_record(&pax, "size", v, strlen(v));
	}
	if (!fits_octal(e->uid, 8) || !fits_octal(e->gid, 8)) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", (long long)e->uid);
		pax_record(&pax, "uid", v, strlen(v));
		snprintf(v, sizeof(v), "%lld", (long long)e->gid);
		pax_record(&pax, "gid", v, strlen(v));
	}
	if (!fits_octal(e->mtime_sec, 12)) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", (long long)e->mtime_sec);
		pax_record(&pax, "mtime", v, strlen(v));
	}
	if (e->nxattrs) {
		struct tar_xattr *sorted = xmalloc(e->nxattrs * sizeof(*sorted));
		memcpy(sorted, e->xattrs, e->nxattrs * sizeof(*sorted));
		qsort(sorted, e->nxattrs, sizeof(*sorted), xattr_cmp);
		for (size_t i = 0; i < e->nxattrs; i++) {
			char *key = xasprintf("SCHILY.xattr.%s", sorted[i].name);
			pax_record(&pax, key, sorted[i].value, sorted[i].len);
			free(key);
		}
		free(sorted);
	}
	if (pax.len) {
		uint8_t ph[TAR_BLOCK] = { 0 };
		size_t blen = nlen, dlen;
		char *pname;
		size_t pad = (TAR_BLOCK - pax.len % TAR_BLOCK) % TAR_BLOCK;
		static const uint8_t zeros[TAR_BLOCK];

		/* Like Go's writer: "<dir>/PaxHeaders.0/<base>", cut to the field. */
		while (blen > 0 && e->name[blen - 1] == '/')
			blen--;
		dlen = blen;
		while (dlen > 0 && e->name[dlen - 1] != '/')
			dlen--;
		pname = xasprintf("%.*sPaxHeaders.0/%.*s", (int)dlen, e->name, (int)(blen - dlen),
				  e->name + dlen);
		put_str(ph + F_NAME, 100, pname);
		free(pname);
		put_octal(ph + F_MODE, 8, 0644);
		put_octal(ph + F_UID, 8, 0);
		put_octal(ph + F_GID, 8, 0);
		put_numeric(ph + F_SIZE, 12, (int64_t)pax.len);
		put_octal(ph + F_MTIME, 12, 0);
		ustar_common(ph, TAR_PAX);
		put_octal(ph + F_DEVMAJOR, 8, 0);
		put_octal(ph + F_DEVMINOR, 8, 0);
		finish_block(ph);
		tbuf_append(out, ph, TAR_BLOCK);
		tbuf_append(out, pax.p, pax.len);
		tbuf_append(out, zeros, pad);
		tbuf_free(&pax);
	}

	if (split) {
		put_str(blk + F_NAME, 100, e->name + cut + 1);
		memcpy(blk + F_PREFIX, e->name, cut);
	} else {
		put_str(blk + F_NAME, 100, e->name);
	}
	put_octal(blk + F_MODE, 8, e->mode & 07777);
	put_numeric(blk + F_UID, 8, e->uid);
	put_numeric(blk + F_GID, 8, e->gid);
	put_numeric(blk + F_SIZE, 12, (int64_t)e->size);
	put_numeric(blk + F_MTIME, 12, e->mtime_sec);
	put_str(blk + F_LINKNAME, 100, e->linkname);
	ustar_common(blk, e->type);
	put_numeric(blk + F_DEVMAJOR, 8, e->devmajor);
	put_numeric(blk + F_DEVMINOR, 8, e->devminor);
	finish_block(blk);
	tbuf_append(out, blk, TAR_BLOCK);
}
