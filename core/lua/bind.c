/* The `berth` Lua module: registry of submodules and shared conversion helpers. */
#include "lua/bind.h"

#include <string.h>

static const char CTX_KEY = 'c';

struct berth_ctx *bind_ctx(lua_State *L)
{
	struct berth_ctx *ctx;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
	ctx = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return ctx;
}

int bind_raise(lua_State *L, const berr_t *err)
{
	lua_pushstring(L, err->msg[0] ? err->msg : "unknown error");
	return lua_error(L);
}

const char *bind_opt_string(lua_State *L, int idx, const char *field, const char *def)
{
	const char *s = def;

	if (lua_type(L, idx) != LUA_TTABLE)
		return def;
	lua_getfield(L, idx, field);
	if (!lua_isnil(L, -1)) {
		if (!lua_isstring(L, -1))
			luaL_error(L, "option '%s' must be a string", field);
		s = lua_tostring(L, -1);
	}
	lua_pop(L, 1);  /* the string stays alive: it is referenced by the options table */
	return s;
}

int bind_opt_bool(lua_State *L, int idx, const char *field, int def)
{
	int b = def;

	if (lua_type(L, idx) != LUA_TTABLE)
		return def;
	lua_getfield(L, idx, field);
	if (!lua_isnil(L, -1))
		b = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return b;
}

lua_Integer bind_opt_int(lua_State *L, int idx, const char *field, lua_Integer def)
{
	lua_Integer v = def;

	if (lua_type(L, idx) != LUA_TTABLE)
		return def;
	lua_getfield(L, idx, field);
	if (!lua_isnil(L, -1)) {
		int ok;
		v = lua_tointegerx(L, -1, &ok);
		if (!ok)
			luaL_error(L, "option '%s' must be an integer", field);
	}
	lua_pop(L, 1);
	return v;
}

int luaopen_berth_container(lua_State *L);  /* core/lua/lua_container.c */
int luaopen_berth_volume(lua_State *L);     /* core/lua/lua_volume.c */
int luaopen_berth_regex(lua_State *L);      /* core/lua/lua_regex.c */

static const struct {
	const char *name;
	lua_CFunction open;
} MODULES[] = {
	{ "json", luaopen_berth_json },
	{ "config", luaopen_berth_config },
	{ "system", luaopen_berth_system },
	{ "container", luaopen_berth_container },
	{ "volume", luaopen_berth_volume },
	{ "registry", luaopen_berth_registry },
	{ "image", luaopen_berth_image },
	{ "regex", luaopen_berth_regex },
};

static int open_berth(lua_State *L)
{
	lua_newtable(L);
	for (size_t i = 0; i < sizeof(MODULES) / sizeof(MODULES[0]); i++) {
		luaL_requiref(L, lua_pushfstring(L, "berth.%s", MODULES[i].name), MODULES[i].open, 0);
		lua_setfield(L, -3, MODULES[i].name);
		lua_pop(L, 1);
	}
	/* the high-level half written in Lua (lua/berth/api.lua) extends the same table */
	lua_getglobal(L, "require");
	lua_pushstring(L, "berth.api");
	lua_call(L, 1, 1);
	lua_pushvalue(L, -2);
	lua_call(L, 1, 0);
	return 1;
}

void bind_open_all(lua_State *L, struct berth_ctx *ctx)
{
	lua_pushlightuserdata(L, ctx);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, open_berth);
	lua_setfield(L, -2, "berth");
	lua_pop(L, 1);
}
