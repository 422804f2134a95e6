/* berth.config: the effective daemon.json as scripts see it. */
#include "lua/bind.h"
#include "registry/client.h"
#include "runtime/runtime.h"

#include <stdlib.h>

/* config.get(key) -> the value from daemon.json (decoded), or nil */
static int l_get(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *key = luaL_checkstring(L, 1);
	json_t *v = json_object_get(ctx->cfg.root, key);

	if (!v)
		return 0;
	bind_push_json(L, v);
	return 1;
}

/* config.user(key) -> a string setting of the user's config.json (berth's, else Docker's:
 * detachKeys, psFormat, imagesFormat), or nil */
static int l_user(lua_State *L)
{
	char *v = reg_user_setting(luaL_checkstring(L, 1));

	if (!v)
		return 0;
	lua_pushstring(L, v);
	free(v);
	return 1;
}

/* config.effective() -> table of the settings berth resolved (data_root, exec_root, drivers,
 * cgroup_driver...) */
static int l_effective(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);

	lua_newtable(L);
	lua_pushstring(L, ctx->cfg.data_root);
	lua_setfield(L, -2, "data_root");
	lua_pushstring(L, ctx->cfg.exec_root);
	lua_setfield(L, -2, "exec_root");
	if (ctx->cfg.storage_driver) {
		lua_pushstring(L, ctx->cfg.storage_driver);
		lua_setfield(L, -2, "storage_driver");
	}
	lua_pushstring(L, ctx->cfg.log_driver);
	lua_setfield(L, -2, "log_driver");
	lua_pushstring(L, ctx->cfg.network_driver ? ctx->cfg.network_driver : "none");
	lua_setfield(L, -2, "network_driver");
	if (ctx->cfg.path) {
		lua_pushstring(L, ctx->cfg.path);
		lua_setfield(L, -2, "path");
	}
	lua_pushstring(L, ctx->cfg.cgroup_driver ? ctx->cfg.cgroup_driver : cgroup_default_driver());
	lua_setfield(L, -2, "cgroup_driver");
	lua_pushboolean(L, ctx->cfg.debug);
	lua_setfield(L, -2, "debug");
	lua_pushstring(L, ctx->root_dir);
	lua_setfield(L, -2, "root_dir");
	return 1;
}

static const luaL_Reg FUNCS[] = {
	{ "get", l_get },
	{ "effective", l_effective },
	{ "user", l_user },
	{ NULL, NULL },
};

int luaopen_berth_config(lua_State *L)
{
	luaL_newlib(L, FUNCS);
	return 1;
}
