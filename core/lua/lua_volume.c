/* berth.volume: create, inspect (nil when absent), list, users, remove, copy_up. */
#include "lua/bind.h"
#include "container/volume.h"
#include "container/copyup.h"

#include <string.h>

/* create([name [, {labels = {}, options = {}, anonymous = bool}]]) -> name */
static int l_create(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, NULL);
	json_t *labels = NULL, *options = NULL;
	char out[256];
	berr_t err = { 0 };
	int r;

	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "labels");
		if (lua_istable(L, -1))
			labels = bind_to_json(L, -1);
		lua_getfield(L, 2, "options");
		if (lua_istable(L, -1))
			options = bind_to_json(L, -1);
		lua_pop(L, 2);
	}
	r = volume_create(bind_ctx(L), name, labels, options, bind_opt_bool(L, 2, "anonymous", 0), out, &err);
	json_decref(labels);
	json_decref(options);
	if (r < 0)
		return bind_raise(L, &err);
	lua_pushstring(L, out);
	return 1;
}

static int l_inspect(lua_State *L)
{
	json_t *v;
	berr_t err = { 0 };
	int r = volume_inspect(bind_ctx(L), luaL_checkstring(L, 1), &v, &err);

	if (r == -ENOENT)
		return lua_pushnil(L), 1;
	if (r < 0)
		return bind_raise(L, &err);
	bind_push_json(L, v);
	json_decref(v);
	return 1;
}

static int l_list(lua_State *L)
{
	json_t *v;
	berr_t err = { 0 };

	if (volume_list(bind_ctx(L), &v, &err) < 0) {
		json_decref(v);
		return bind_raise(L, &err);
	}
	bind_push_json(L, v);
	json_decref(v);
	return 1;
}

/* users(name) -> array of container names mounting it */
static int l_users(lua_State *L)
{
	json_t *u = volume_users(bind_ctx(L), luaL_checkstring(L, 1));
	bind_push_json(L, u);
	json_decref(u);
	return 1;
}

/* remove(name [, {force = bool}]) */
static int l_remove(lua_State *L)
{
	berr_t err = { 0 };
	if (volume_remove(bind_ctx(L), luaL_checkstring(L, 1), bind_opt_bool(L, 2, "force", 0), &err) < 0)
		return bind_raise(L, &err);
	return 0;
}

/* copy_up(container, volume, path) -> bool: fill a new, empty volume from the container's
 * image content at path (Docker's copy on create); false when nothing was copied */
static int l_copy_up(lua_State *L)
{
	berr_t err = { 0 };
	int copied;

	if (volume_copy_up(bind_ctx(L), luaL_checkstring(L, 1), luaL_checkstring(L, 2),
			   luaL_checkstring(L, 3), &copied, &err) < 0)
		return bind_raise(L, &err);
	lua_pushboolean(L, copied);
	return 1;
}

static const luaL_Reg FUNCS[] = {
	{ "create", l_create },
	{ "inspect", l_inspect },
	{ "list", l_list },
	{ "users", l_users },
	{ "remove", l_remove },
	{ "copy_up", l_copy_up },
	{ NULL, NULL },
};

int luaopen_berth_volume(lua_State *L)
{
	luaL_newlib(L, FUNCS);
	return 1;
}
