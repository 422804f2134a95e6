/* berth.registry: pull, push, login, logout, catalog, tags, search. Failures raise; on_progress
 * callbacks get {id=, status=, current=, total=} tables (id nil for whole-pull messages). */
#include "lua/bind.h"
#include "registry/registry.h"

#include <string.h>

struct progress_cb {
	lua_State *L;
	int fn;                      /* stack index of the callback, 0 = none */
};

/* Called from the core in this same thread; a failing callback is reported, not propagated,
 * so no longjmp crosses libcurl. */
static void on_progress(void *arg, const struct reg_progress *ev)
{
	struct progress_cb *cb = arg;
	lua_State *L = cb->L;

	if (!cb->fn)
		return;
	lua_pushvalue(L, cb->fn);
	lua_createtable(L, 0, 4);
	if (ev->id) {
		lua_pushstring(L, ev->id);
		lua_setfield(L, -2, "id");
	}
	lua_pushstring(L, ev->status);
	lua_setfield(L, -2, "status");
	if (ev->total > 0) {
		lua_pushinteger(L, ev->current);
		lua_setfield(L, -2, "current");
		lua_pushinteger(L, ev->total);
		lua_setfield(L, -2, "total");
	}
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		fprintf(stderr, "berth: on_progress: %s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
		cb->fn = 0;
	}
}

static void progress_from_opts(lua_State *L, int idx, struct progress_cb *cb)
{
	cb->L = L;
	cb->fn = 0;
	if (lua_type(L, idx) != LUA_TTABLE)
		return;
	lua_getfield(L, idx, "on_progress");
	if (lua_isfunction(L, -1))
		cb->fn = lua_gettop(L);   /* stays on the stack for the whole call */
	else
		lua_pop(L, 1);
}

/* registry.pull(ref, {on_progress=, platform=, all_tags=}) -> image id, canonical ref */
static int l_pull(lua_State *L)
{
	const char *ref = luaL_checkstring(L, 1);
	struct progress_cb cb;
	struct reg_pull_opts o = { 0 };
	char id[DIGEST_LEN + 1], canonical[800];
	berr_t err = { 0 };

	o.platform = bind_opt_string(L, 2, "platform", NULL);
	o.all_tags = bind_opt_bool(L, 2, "all_tags", 0);
	progress_from_opts(L, 2, &cb);
	o.progress = on_progress;
	o.arg = &cb;
	if (registry_pull(bind_ctx(L), ref, &o, id, canonical, &err) < 0)
		return bind_raise(L, &err);
	lua_pushstring(L, id);
	lua_pushstring(L, canonical);
	return 2;
}

/* registry.push(ref, {on_progress=, all_tags=}) -> manifest digest */
static int l_push(lua_State *L)
{
	const char *ref = luaL_checkstring(L, 1);
	struct progress_cb cb;
	struct reg_push_opts o = { 0 };
	char digest[DIGEST_LEN + 1] = "";
	berr_t err = { 0 };

	o.all_tags = bind_opt_bool(L, 2, "all_tags", 0);
	progress_from_opts(L, 2, &cb);
	o.progress = on_progress;
	o.arg = &cb;
	if (registry_push(bind_ctx(L), ref, &o, digest, &err) < 0)
		return bind_raise(L, &err);
	lua_pushstring(L, digest);
	return 1;
}

/* registry.login(server, user, pass) -> the key the credentials were stored under */
static int l_login(lua_State *L)
{
	const char *server = luaL_optstring(L, 1, "");
	const char *user = luaL_checkstring(L, 2);
	const char *pass = luaL_checkstring(L, 3);
	char key[300];
	berr_t err = { 0 };

	if (registry_login(bind_ctx(L), server, user, pass, &err) < 0)
		return bind_raise(L, &err);
	registry_auth_key(server, key, sizeof(key));
	lua_pushstring(L, key);
	return 1;
}

/* registry.logout(server) -> removed (boolean), key */
static int l_logout(lua_State *L)
{
	const char *server = luaL_optstring(L, 1, "");
	char key[300];
	berr_t err = { 0 };
	int r = registry_logout(bind_ctx(L), server, &err);

	if (r < 0)
		return bind_raise(L, &err);
	registry_auth_key(server, key, sizeof(key));
	lua_pushboolean(L, r > 0);
	lua_pushstring(L, key);
	return 2;
}

static int push_json_result(lua_State *L, int r, json_t *v, berr_t *err)
{
	if (r < 0)
		return bind_raise(L, err);
	bind_push_json(L, v);
	json_decref(v);
	return 1;
}

/* registry.catalog(server) -> { "repo", ... } */
static int l_catalog(lua_State *L)
{
	json_t *v = NULL;
	berr_t err = { 0 };
	int r = registry_catalog(bind_ctx(L), luaL_checkstring(L, 1), &v, &err);

	return push_json_result(L, r, v, &err);
}

/* registry.tags(repo) -> { "tag", ... } */
static int l_tags(lua_State *L)
{
	json_t *v = NULL;
	berr_t err = { 0 };
	int r = registry_tags(bind_ctx(L), luaL_checkstring(L, 1), &v, &err);

	return push_json_result(L, r, v, &err);
}

/* registry.search(term, limit) -> { {name=, description=, star_count=, is_official=, is_automated=}, ... } */
static int l_search(lua_State *L)
{
	json_t *v = NULL;
	berr_t err = { 0 };
	int r = registry_search(bind_ctx(L), luaL_checkstring(L, 1), (int)luaL_optinteger(L, 2, 25), &v, &err);

	return push_json_result(L, r, v, &err);
}

static const luaL_Reg FUNCS[] = {
	{ "pull", l_pull },
	{ "push", l_push },
	{ "login", l_login },
	{ "logout", l_logout },
	{ "catalog", l_catalog },
	{ "tags", l_tags },
	{ "search", l_search },
	{ NULL, NULL },
};

int luaopen_berth_registry(lua_State *L)
{
	luaL_newlib(L, FUNCS);
	return 1;
}
