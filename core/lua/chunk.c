/* Precompiled Lua chunks: a file of our own header (magic, source length, source hash) followed
 * by lua_dump's output. Lua 5.4's dump starts with a 31-byte header (signature, version, format,
 * LUAC_DATA, type sizes, LUAC_INT, LUAC_NUM: lundump.c checkHeader), then the main function's
 * upvalue count (one byte) and its source name (a size varint + bytes); nested functions of the
 * same source store none and inherit it when loaded. */
#include "lua/chunk.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <lauxlib.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_MAGIC "BERTHLC1"
#define CHUNK_HEAD (8 + 8 + 8)       /* magic, source length, source hash (little endian) */
#define LUAC_HEADER 31

struct buf {
	unsigned char *data;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			abort();
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static int dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
	(void)L;
	buf_add(ud, p, n);
	return 0;
}

/* FNV-1a over 64-bit words (then the tail bytes): a change detector, 8x fewer steps than bytewise.
 * Fed in pieces whose lengths are multiples of 8 but for the last one. */
#define HASH_INIT 0xcbf29ce484222325ULL

static uint64_t hash_more(uint64_t h, const char *s, size_t n)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t source_hash(const char *s, size_t n)
{
	return hash_more(HASH_INIT, s, n);
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int chunk_compile(const char *src, const char *dst, berr_t *err)
{
	_cleanup_free_ char *text = NULL;
	struct buf out = { 0 };
	unsigned char head[CHUNK_HEAD];
	size_t len;
	lua_State *L;
	int r;

	if ((r = read_file(src, &text, &len, err)) < 0)
		return r;
	if (!(L = luaL_newstate()))
		return berr_set(err, ENOMEM, "cannot create a Lua state");
	if (luaL_loadfilex(L, src, "t") != LUA_OK) {
		r = berr_set(err, EINVAL, "%s", lua_tostring(L, -1));
		lua_close(L);
		return r;
	}
	memcpy(head, CHUNK_MAGIC, 8);
	put_u64(head + 8, len);
	put_u64(head + 16, source_hash(text, len));
	buf_add(&out, head, sizeof(head));
	lua_dump(L, dump_writer, &out, 0);   /* keep debug information: line numbers in messages */
	lua_close(L);
	r = write_file_atomic(dst, out.data, out.len, 0644, err);
	free(out.data);
	return r;
}

/* The header this Lua library writes (and so accepts), from the dump of an empty chunk. */
static int reference_header(lua_State *L, unsigned char out[LUAC_HEADER])
{
	struct buf b = { 0 };
	int ok;

	if (luaL_loadbufferx(L, "", 0, "=", "t") != LUA_OK) {
		lua_pop(L, 1);
		return -1;
	}
	lua_dump(L, dump_writer, &b, 1);
	lua_pop(L, 1);
	ok = b.len > LUAC_HEADER;
	if (ok)
		memcpy(out, b.data, LUAC_HEADER);
	free(b.data);
	return ok ? 0 : -1;
}

/* The pieces lua_load reads a chunk from: the dump, with its main function's source name
 * replaced, without copying it; then the rest of the file, read through the same buffer. */
struct pieces {
	struct { const void *p; size_t n; } part[5];
	int next;
	unsigned char varint[16];
	int fd;                      /* the rest of the dump, -1 when none */
	unsigned char *buf;
	size_t cap;
};

static const char *pieces_reader(lua_State *L, void *ud, size_t *size)
{
	struct pieces *pc = ud;

	(void)L;
	while (pc->next < 5 && !pc->part[pc->next].n)
		pc->next++;
	if (pc->next == 5) {
		ssize_t n = pc->fd >= 0 ? read(pc->fd, pc->buf, pc->cap) : 0;
		*size = n > 0 ? (size_t)n : 0;
		return n > 0 ? (const char *)pc->buf : NULL;
	}
	*size = pc->part[pc->next].n;
	return pc->part[pc->next++].p;
}

/* The dump in d[0..n) with its main function's source name read as "@path"; -1 if the dump is
 * not one this library wrote. */
static int with_source_name(lua_State *L, const unsigned char *d, size_t n, const char *path,
			    struct pieces *pc)
{
	unsigned char ref[LUAC_HEADER];
	size_t pos = LUAC_HEADER + 1, x = 0, name_len = strlen(path) + 1, vn = 0;
	unsigned char c;

	if (n <= pos || reference_header(L, ref) < 0 || memcmp(d, ref, LUAC_HEADER))
		return -1;
	do {
		if (pos >= n || x > SIZE_MAX >> 7)
			return -1;
		c = d[pos++];
		x = (x << 7) | (c & 0x7f);
	} while (!(c & 0x80));
	if (x && x - 1 > n - pos)
		return -1;
	pos += x ? x - 1 : 0;
	/* ldump.c dumpSize: 7-bit groups, most significant first, the last one marked with 0x80 */
	for (size_t v = name_len + 1; ; v >>= 7) {
		pc->varint[sizeof(pc->varint) - 1 - vn++] = v & 0x7f;
		if (v < 0x80)
			break;
	}
	pc->varint[sizeof(pc->varint) - 1] |= 0x80;
	pc->part[0].p = d;
	pc->part[0].n = LUAC_HEADER + 1;
	pc->part[1].p = pc->varint + sizeof(pc->varint) - vn;
	pc->part[1].n = vn;
	pc->part[2].p = "@";
	pc->part[2].n = 1;
	pc->part[3].p = path;
	pc->part[3].n = name_len - 1;
	pc->part[4].p = d + pos;
	pc->part[4].n = n - pos;
	pc->next = 0;
	return 0;
}

/* The length and hash of the file at path, read through buf (cap: a multiple of 8); -1 if it
 * cannot be read. */
static int source_sum(const char *path, uint64_t *len, uint64_t *hash, unsigned char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	*len = 0;
	*hash = HASH_INIT;
	while ((n = read_full(fd, buf, cap)) > 0) {
		*hash = hash_more(*hash, (const char *)buf, (size_t)n);
		*len += (uint64_t)n;
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Both files are read through one buffer on the stack, never mapped: unmapping costs a TLB flush,
 * dear on this kind of VM (~50-250 us each, two files per module), and a heap copy a page fault a
 * page. */
#define CHUNK_BUF 16384

int chunk_loadfile(lua_State *L, const char *path, const char *compiled)
{
	unsigned char buf[CHUNK_BUF];
	uint64_t len, hash;
	struct pieces pc;
	ssize_t n;
	int r = -1, fd = -1;

	/* the source first (the chunk is read through the same buffer), then the chunk, whose head
	 * (our header, Lua's, the source name) is in its first CHUNK_BUF bytes */
	if (compiled && source_sum(path, &len, &hash, buf, sizeof(buf)) == 0 &&
	    (fd = open(compiled, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (n = read_full(fd, buf, sizeof(buf))) >= CHUNK_HEAD && !memcmp(buf, CHUNK_MAGIC, 8) &&
	    get_u64(buf + 8) == len && get_u64(buf + 16) == hash &&
	    with_source_name(L, buf + CHUNK_HEAD, (size_t)n - CHUNK_HEAD, path, &pc) == 0) {
		pc.fd = n == (ssize_t)sizeof(buf) ? fd : -1;
		pc.buf = buf;
		pc.cap = sizeof(buf);
		r = lua_load(L, pieces_reader, &pc, path, "b");
		if (r != LUA_OK)
			lua_pop(L, 1);
	}
	if (fd >= 0)
		close(fd);
	return r == LUA_OK ? LUA_OK : luaL_loadfilex(L, path, NULL);
}
