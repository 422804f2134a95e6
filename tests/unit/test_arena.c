/* The huge-page arena: blocks of a size are reused, a resize within a size class stays in place,
 * moves keep their bytes, big blocks and those past a full arena are malloc's, arena_take
 * carves from the top, and a Lua state runs on it (a heap churned by the collector). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"

static int inside(const struct arena *a, const void *p)
{
	return (const char *)p >= a->base && (const char *)p < a->base + ARENA_SIZE;
}

static void blocks_are_reused(void **state)
{
	struct arena a;
	void *p, *q, *r;

	(void)state;
	assert_int_equal(arena_init(&a), 0);
	assert_int_equal((uintptr_t)a.base % ARENA_SIZE, 0);
	p = arena_lua_alloc(&a, NULL, 0, 40);
	q = arena_lua_alloc(&a, NULL, 0, 40);
	assert_true(inside(&a, p) && inside(&a, q));
	assert_ptr_not_equal(p, q);
	assert_int_equal((uintptr_t)p % ARENA_GRAIN, 0);
	assert_null(arena_lua_alloc(&a, p, 40, 0));
	r = arena_lua_alloc(&a, NULL, 0, 33);   /* the same 48-byte class */
	assert_ptr_equal(r, p);
	arena_lua_alloc(&a, q, 40, 0);
	arena_lua_alloc(&a, r, 33, 0);
}

static void resizes_stay_or_move_with_their_bytes(void **state)
{
	struct arena a;
	unsigned char *p, *q;

	(void)state;
	assert_int_equal(arena_init(&a), 0);
	p = arena_lua_alloc(&a, NULL, 0, 20);
	memset(p, 0xab, 20);
	assert_ptr_equal(arena_lua_alloc(&a, p, 20, 32), p);   /* 20 and 32 round to 32 */
	q = arena_lua_alloc(&a, p, 32, 100);
	assert_ptr_not_equal(q, p);
	assert_true(inside(&a, q));
	for (int i = 0; i < 20; i++)
		assert_int_equal(q[i], 0xab);
	/* out to malloc past 16 kB, and back in */
	p = arena_lua_alloc(&a, q, 100, 20000);
	assert_false(inside(&a, p));
	for (int i = 0; i < 20; i++)
		assert_int_equal(p[i], 0xab);
	q = arena_lua_alloc(&a, p, 20000, 64);
	assert_true(inside(&a, q));
	assert_int_equal(q[19], 0xab);
	arena_lua_alloc(&a, q, 64, 0);
}

static void a_full_arena_hands_out_malloc_blocks(void **state)
{
	struct arena a;
	void **blocks = calloc(ARENA_SIZE / 4000 + 8, sizeof(void *));
	size_t n = 0;
	void *p;

	(void)state;
	assert_int_equal(arena_init(&a), 0);
	while ((p = arena_lua_alloc(&a, NULL, 0, 4000)) && inside(&a, p))
		blocks[n++] = p;
	assert_non_null(p);
	assert_int_equal(n, ARENA_SIZE / 4000);
	memset(p, 1, 4000);
	/* a freed arena block is handed out again, the malloc'd one freed as malloc's */
	arena_lua_alloc(&a, blocks[3], 4000, 0);
	assert_ptr_equal(arena_lua_alloc(&a, NULL, 0, 3990), blocks[3]);
	arena_lua_alloc(&a, p, 4000, 0);
	for (size_t i = 0; i < n; i++)
		arena_lua_alloc(&a, blocks[i], 4000, 0);
	free(blocks);
}

static void take_carves_from_the_top(void **state)
{
	struct arena a;
	char *t, *p;

	(void)state;
	assert_int_equal(arena_init(&a), 0);
	t = arena_take(&a, 100000);
	assert_non_null(t);
	assert_int_equal((uintptr_t)t % 64, 0);
	assert_true(t + 100000 <= a.base + ARENA_SIZE && t >= a.base + ARENA_SIZE - 100064);
	memset(t, 7, 100000);
	p = arena_lua_alloc(&a, NULL, 0, 64);
	assert_true(p < t);
	assert_null(arena_take(&a, ARENA_SIZE));
	arena_lua_alloc(&a, p, 64, 0);
}

static void lua_runs_on_it(void **state)
{
	static const char script[] =
		"local t = {}\n"
		"for i = 1, 20000 do t[i] = { i, tostring(i) .. string.rep('x', i % 300) } end\n"
		"local sum = 0\n"
		"for round = 1, 5 do\n"
		"  for i = 1, #t, 3 do t[i] = { -i, string.format('%d-%d', round, i) } end\n"
		"  collectgarbage()\n"
		"end\n"
		"for i = 1, #t do sum = sum + t[i][1] end\n"
		"return sum, #table.concat({ 'a', 'b', string.rep('y', 100000) })\n";
	struct arena a;
	lua_State *L;
	lua_Integer expect = 0;

	(void)state;
	assert_int_equal(arena_init(&a), 0);
	L = lua_newstate(arena_lua_alloc, &a);
	assert_non_null(L);
	luaL_openlibs(L);
	assert_int_equal(luaL_dostring(L, script), LUA_OK);
	for (lua_Integer i = 1; i <= 20000; i++)
		expect += (i - 1) % 3 == 0 ? -i : i;
	assert_int_equal(lua_tointeger(L, -2), expect);
	assert_int_equal(lua_tointeger(L, -1), 100002);
	lua_close(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocks_are_reused),
		cmocka_unit_test(resizes_stay_or_move_with_their_bytes),
		cmocka_unit_test(a_full_arena_hands_out_malloc_blocks),
		cmocka_unit_test(take_carves_from_the_top),
		cmocka_unit_test(lua_runs_on_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
