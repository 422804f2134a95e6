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

/* FNV-1a over 64-bit words (then the tail bytes): a change detector, 8x fewer steps than bytewise */
static uint64_t source_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;
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

/* The dump in chunk[0..n) with its main function's source name replaced by "@path", or NULL if
 * the dump is not one this library wrote. */
static unsigned char *with_source_name(lua_State *L, const unsigned char *d, size_t n, const char *path,
				       size_t *out_len)
{
	unsigned char ref[LUAC_HEADER], varint[16];
	size_t pos = LUAC_HEADER + 1, x = 0, name_len = strlen(path) + 1, vn = 0;
	struct buf b = { 0 };
	unsigned char c;

	if (n <= pos || reference_header(L, ref) < 0 || memcmp(d, ref, LUAC_HEADER))
		return NULL;
	do {
		if (pos >= n || x > SIZE_MAX >> 7)
			return NULL;
		c = d[pos++];
		x = (x << 7) | (c & 0x7f);
	} while (!(c & 0x80));
	if (x && x - 1 > n - pos)
		return NULL;
	pos += x ? x - 1 : 0;
	/* ldump.c dumpSize: 7-bit groups, most significant first, the last one marked with 0x80 */
	for (size_t v = name_len + 1; ; v >>= 7) {
		varint[sizeof(varint) - 1 - vn++] = v & 0x7f;
		if (v < 0x80)
			break;
	}
	varint[sizeof(varint) - 1] |= 0x80;
	buf_add(&b, d, LUAC_HEADER + 1);
	buf_add(&b, varint + sizeof(varint) - vn, vn);
	buf_add(&b, "@", 1);
	buf_add(&b, path, name_len - 1);
	buf_add(&b, d + pos, n - pos);
	*out_len = b.len;
	return b.data;
}

int chunk_loadfile(lua_State *L, const char *path, const char *compiled)
{
	_cleanup_free_ char *text = NULL, *chunk = NULL;
	_cleanup_free_ unsigned char *dump = NULL;
	size_t len, clen, dlen;
	berr_t e = { 0 };

	if (!compiled || read_file(compiled, &chunk, &clen, &e) < 0 || clen < CHUNK_HEAD ||
	    memcmp(chunk, CHUNK_MAGIC, 8) || read_file(path, &text, &len, &e) < 0 ||
	    get_u64((unsigned char *)chunk + 8) != len ||
	    get_u64((unsigned char *)chunk + 16) != source_hash(text, len))
		return luaL_loadfilex(L, path, NULL);
	dump = with_source_name(L, (unsigned char *)chunk + CHUNK_HEAD, clen - CHUNK_HEAD, path, &dlen);
	if (!dump)
		return luaL_loadfilex(L, path, NULL);
	if (luaL_loadbufferx(L, (const char *)dump, dlen, path, "b") != LUA_OK) {
		lua_pop(L, 1);
		return luaL_loadfilex(L, path, NULL);
	}
	return LUA_OK;
}
