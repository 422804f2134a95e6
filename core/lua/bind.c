/* The `berth` Lua module: registry of submodules and shared conversion helpers. */
#include "lua/bind.h"
#include "lua/chunk.h"
#include "common/util.h"
#include "common/cleanup.h"

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

int bind_loadfile(lua_State *L, const char *path)
{
	struct berth_ctx *ctx = bind_ctx(L);
	size_t n = ctx && ctx->root_dir ? strlen(ctx->root_dir) : 0;
	_cleanup_free_ char *compiled = NULL;

	/* only files of berth's own tree have precompiled chunks (scripts/x.lua -> luac/scripts/x.luac) */
	if (n && ctx->luac_dir && !strncmp(path, ctx->root_dir, n) && path[n] == '/' && !strstr(path, "/../"))
		compiled = xasprintf("%s%sc", ctx->luac_dir, path + n);
	return chunk_loadfile(L, path, compiled);
}

/* loadfile([filename [, mode [, env]]]) as Lua's, loading berth's own files precompiled. */
static int l_loadfile(lua_State *L)
{
	const char *fname = luaL_optstring(L, 1, NULL);
	const char *mode = luaL_optstring(L, 2, NULL);
	int env = !lua_isnone(L, 3) ? 3 : 0;
	int status = fname && !mode ? bind_loadfile(L, fname) : luaL_loadfilex(L, fname, mode);

	if (status != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, env);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

static int dofile_results(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	return lua_gettop(L) - 1;
}

/* dofile([filename]) as Lua's, loading berth's own files precompiled. */
static int l_dofile(lua_State *L)
{
	const char *fname = luaL_optstring(L, 1, NULL);

	lua_settop(L, 1);
	if ((fname ? bind_loadfile(L, fname) : luaL_loadfile(L, NULL)) != LUA_OK)
		return lua_error(L);
	lua_callk(L, 0, LUA_MULTRET, 0, dofile_results);
	return dofile_results(L, 0, 0);
}

/* package.searchers[2] (Lua files on package.path) as Lua's, loading berth's own precompiled. */
static int search_lua_file(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1), *file;

	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchpath");
	lua_pushstring(L, name);
	lua_getfield(L, -3, "path");
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2)) {
		lua_pushfstring(L, "\n\t%s", lua_tostring(L, -1));
		return 1;
	}
	lua_pop(L, 1);
	file = lua_tostring(L, -1);
	if (bind_loadfile(L, file) != LUA_OK)
		return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, file,
				  lua_tostring(L, -1));
	lua_pushstring(L, file);
	return 2;
}

void bind_open_all(lua_State *L, struct berth_ctx *ctx)
{
	lua_pushlightuserdata(L, ctx);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &CTX_KEY);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, open_berth);
	lua_setfield(L, -2, "berth");
	lua_pop(L, 1);
	lua_register(L, "loadfile", l_loadfile);
	lua_register(L, "dofile", l_dofile);
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchers");
	lua_pushcfunction(L, search_lua_file);
	lua_rawseti(L, -2, 2);
	lua_pop(L, 2);
}
