/* Precompiled Lua chunks (core/lua/chunk.c): used only when made from the very source beside
 * them, and loaded under the source's own name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lauxlib.h>
#include <lualib.h>

#include "lua/chunk.h"
#include "common/util.h"

struct fixture {
	char dir[64];
	char *src, *dst;
	lua_State *L;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-test-chunk-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->src = xasprintf("%s/mod.lua", f->dir);
	f->dst = xasprintf("%s/mod.luac", f->dir);
	f->L = luaL_newstate();
	luaL_openlibs(f->L);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };

	lua_close(f->L);
	remove_tree(f->dir, &e);
	free(f->src);
	free(f->dst);
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	berr_t e = { 0 };
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, &e), 0);
}

/* Load path (with compiled), call it, return its first result as an integer. */
static long long run(struct fixture *f, const char *compiled)
{
	long long v;

	assert_int_equal(chunk_loadfile(f->L, f->src, compiled), LUA_OK);
	assert_int_equal(lua_pcall(f->L, 0, 1, 0), LUA_OK);
	v = lua_tointeger(f->L, -1);
	lua_pop(f->L, 1);
	return v;
}

/* Replace the first 8-byte little-endian `from` in the file by `to`. */
static void patch_integer(const char *path, long long from, long long to)
{
	char *data;
	size_t len;
	berr_t e = { 0 };
	int done = 0;

	assert_int_equal(read_file(path, &data, &len, &e), 0);
	for (size_t i = 0; i + 8 <= len && !done; i++)
		if (!memcmp(data + i, &from, 8)) {
			memcpy(data + i, &to, 8);
			done = 1;
		}
	assert_true(done);
	assert_int_equal(write_file_atomic(path, data, len, 0644, &e), 0);
	free(data);
}

static void loads_the_chunk_made_from_this_source(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };

	write_text(f->src, "return 1234567\n");
	assert_int_equal(chunk_compile(f->src, f->dst, &e), 0);
	assert_int_equal(run(f, f->dst), 1234567);
	/* the chunk, not the source, is what ran: a value changed in the chunk shows */
	patch_integer(f->dst, 1234567, 7654321);
	assert_int_equal(run(f, f->dst), 7654321);
}

static void an_edited_source_wins_over_its_old_chunk(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };

	write_text(f->src, "return 1234567\n");
	assert_int_equal(chunk_compile(f->src, f->dst, &e), 0);
	patch_integer(f->dst, 1234567, 7654321);
	write_text(f->src, "return 1234568\n");   /* same length, other content */
	assert_int_equal(run(f, f->dst), 1234568);
	write_text(f->src, "return 99\n");
	assert_int_equal(run(f, f->dst), 99);
}

static void a_chunk_of_another_lua_is_not_loaded(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };
	char *data;
	size_t len;

	write_text(f->src, "return 1234567\n");
	assert_int_equal(chunk_compile(f->src, f->dst, &e), 0);
	patch_integer(f->dst, 1234567, 7654321);
	assert_int_equal(read_file(f->dst, &data, &len, &e), 0);
	data[24 + 4] ^= 1;   /* the Lua version byte after our header and the signature */
	assert_int_equal(write_file_atomic(f->dst, data, len, 0644, &e), 0);
	free(data);
	assert_int_equal(run(f, f->dst), 1234567);
	/* and none at all, or a missing one, is the plain source */
	assert_int_equal(run(f, NULL), 1234567);
	unlink(f->dst);
	assert_int_equal(run(f, f->dst), 1234567);
}

static void names_and_lines_are_the_sources(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };
	char *want = xasprintf("@%s", f->src), *msg = xasprintf("%s:3: boom", f->src);

	write_text(f->src, "local function inner() return debug.getinfo(1, 'S').source end\n"
			   "if ... then return debug.getinfo(1, 'S').source, inner() end\n"
			   "error('boom')\n");
	assert_int_equal(chunk_compile(f->src, f->dst, &e), 0);
	assert_int_equal(chunk_loadfile(f->L, f->src, f->dst), LUA_OK);
	lua_pushboolean(f->L, 1);
	assert_int_equal(lua_pcall(f->L, 1, 2, 0), LUA_OK);
	assert_string_equal(lua_tostring(f->L, -2), want);
	assert_string_equal(lua_tostring(f->L, -1), want);
	lua_pop(f->L, 2);
	assert_int_equal(chunk_loadfile(f->L, f->src, f->dst), LUA_OK);
	assert_int_not_equal(lua_pcall(f->L, 0, 0, 0), LUA_OK);
	assert_string_equal(lua_tostring(f->L, -1), msg);
	lua_pop(f->L, 1);
	free(want);
	free(msg);
}

/* A source and a chunk bigger than the buffer they are read through (16 KB): hashed and loaded
 * across reads; an edit in the last read piece of the source still wins. */
static void big_files_load_across_reads(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };
	size_t n = 0, cap = 200000;
	char *text = malloc(cap);

	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "local t = {}\n");
	for (int i = 1; i <= 3000; i++)
		n += (size_t)snprintf(text + n, cap - n, "t[%d] = 'value number %d'\n", i, i);
	n += (size_t)snprintf(text + n, cap - n, "return #t + 1234000\n");
	assert_true(n > 3 * 16384);
	write_text(f->src, text);
	assert_int_equal(chunk_compile(f->src, f->dst, &e), 0);
	patch_integer(f->dst, 1234000, 7654000);
	assert_int_equal(run(f, f->dst), 7657000);   /* the chunk ran */
	text[n - 2] = '1';                           /* "1234001": the source's very end */
	write_text(f->src, text);
	assert_int_equal(run(f, f->dst), 1237001);   /* the source ran */
	free(text);
}

static void a_syntax_error_fails_the_build_step(void **state)
{
	struct fixture *f = *state;
	berr_t e = { 0 };

	write_text(f->src, "return (\n");
	assert_int_not_equal(chunk_compile(f->src, f->dst, &e), 0);
	assert_non_null(strstr(e.msg, "mod.lua:2:"));
	assert_int_equal(access(f->dst, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loads_the_chunk_made_from_this_source, setup, teardown),
		cmocka_unit_test_setup_teardown(an_edited_source_wins_over_its_old_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(a_chunk_of_another_lua_is_not_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(names_and_lines_are_the_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(big_files_load_across_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(a_syntax_error_fails_the_build_step, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
