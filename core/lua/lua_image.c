/* berth.image: the local image store for scripts. Objects are plain tables in Docker's shapes
 * (the Engine API's image summary for list(), `docker image inspect` for get/find) whose
 * metatable also offers methods (img:remove{}, img:tag(ref), img:history(), img:inspect()). */
#include "lua/bind.h"
#include "image/image.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char METHODS_KEY = 'm';

/* Give the table on top (pushed by bind_push_json, with its own metatable) the image methods. */
static void attach_methods(lua_State *L)
{
	if (!lua_getmetatable(L, -1))
		lua_newtable(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &METHODS_KEY);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
}

/* A filters option: {name = "v" | {"v", ...} | true} -> {"name": ["v", ...]} */
static json_t *filters_arg(lua_State *L, int idx)
{
	json_t *f;

	if (lua_type(L, idx) != LUA_TTABLE)
		return NULL;
	lua_getfield(L, idx, "filters");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	luaL_checktype(L, -1, LUA_TTABLE);
	f = json_object();
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		json_t *vals = json_array();
		const char *name = luaL_checkstring(L, -2);
		if (lua_istable(L, -1)) {
			lua_Integer n = luaL_len(L, -1);
			for (lua_Integer i = 1; i <= n; i++) {
				lua_rawgeti(L, -1, i);
				json_array_append_new(vals, json_string(luaL_tolstring(L, -1, NULL)));
				lua_pop(L, 2);
			}
		} else {
			json_array_append_new(vals, json_string(luaL_tolstring(L, -1, NULL)));
			lua_pop(L, 1);
		}
		json_object_set_new(f, name, vals);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return f;
}

/* image.list{all=, filters=} -> array of image summaries, newest first */
static int l_list(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	json_t *filters = filters_arg(L, 1), *out = NULL, *v;
	berr_t err = { 0 };
	size_t i;
	int r = image_list(ctx, bind_opt_bool(L, 1, "all", 0), filters, &out, &err);

	json_decref(filters);
	if (r < 0)
		return bind_raise(L, &err);
	lua_createtable(L, json_array_size(out), 0);
	json_array_foreach(out, i, v) {
		bind_push_json(L, v);
		attach_methods(L);
		lua_rawseti(L, -2, i + 1);
	}
	json_decref(out);
	return 1;
}

/* image.find(name) / image.get(name) -> inspect table with methods, or nil when absent */
static int l_find(lua_State *L)
{
	json_t *out;
	berr_t err = { 0 };

	if (image_inspect(bind_ctx(L), luaL_checkstring(L, 1), &out, &err) < 0) {
		if (err.code == ENOENT)
			return lua_pushnil(L), 1;
		return bind_raise(L, &err);
	}
	bind_push_json(L, out);
	json_decref(out);
	attach_methods(L);
	return 1;
}

/* Name argument: a string or an image table (its Id). */
static const char *name_arg(lua_State *L, int idx)
{
	if (lua_istable(L, idx)) {
		lua_getfield(L, idx, "Id");
		if (!lua_isstring(L, -1))
			luaL_argerror(L, idx, "image table without Id");
		lua_replace(L, idx);
	}
	return luaL_checkstring(L, idx);
}

/* image.inspect(name) -> Docker's inspect table (raises "No such image: x") */
static int l_inspect(lua_State *L)
{
	json_t *out;
	berr_t err = { 0 };

	if (image_inspect(bind_ctx(L), name_arg(L, 1), &out, &err) < 0)
		return bind_raise(L, &err);
	bind_push_json(L, out);
	json_decref(out);
	return 1;
}

/* image.history(name) -> [{Id, Created, CreatedBy, Tags, Size, Comment}], newest first */
static int l_history(lua_State *L)
{
	json_t *out;
	berr_t err = { 0 };

	if (image_history(bind_ctx(L), name_arg(L, 1), &out, &err) < 0)
		return bind_raise(L, &err);
	bind_push_json(L, out);
	json_decref(out);
	return 1;
}

/* image.resolve(name) -> "sha256:..." or nil */
static int l_resolve(lua_State *L)
{
	char id[DIGEST_LEN + 1];
	berr_t err = { 0 };

	if (image_resolve(bind_ctx(L), name_arg(L, 1), id, &err) < 0) {
		if (err.code == ENOENT)
			return lua_pushnil(L), 1;
		return bind_raise(L, &err);
	}
	lua_pushstring(L, id);
	return 1;
}

/* image.tag(source, target) */
static int l_tag(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *src = name_arg(L, 1), *dst = luaL_checkstring(L, 2);
	char id[DIGEST_LEN + 1];
	berr_t err = { 0 };

	if (image_resolve(ctx, src, id, &err) < 0 || image_tag(ctx, id, dst, &err) < 0)
		return bind_raise(L, &err);
	return 0;
}

/* Records [{"Untagged": x} | {"Deleted": y}] -> {{untagged=x} | {deleted=y}, ...} */
static void push_records(lua_State *L, json_t *recs)
{
	json_t *v;
	size_t i;

	lua_createtable(L, json_array_size(recs), 0);
	json_array_foreach(recs, i, v) {
		const char *u = json_string_value(json_object_get(v, "Untagged"));
		lua_createtable(L, 0, 1);
		lua_pushstring(L, u ? u : json_string_value(json_object_get(v, "Deleted")));
		lua_setfield(L, -2, u ? "untagged" : "deleted");
		lua_rawseti(L, -2, i + 1);
	}
}

/* image.remove(name, {force=, no_prune=}) -> {{untagged=...}, {deleted=...}, ...} */
static int l_remove(lua_State *L)
{
	const char *name = name_arg(L, 1);
	json_t *out;
	berr_t err = { 0 };

	if (image_remove(bind_ctx(L), name, bind_opt_bool(L, 2, "force", 0), bind_opt_bool(L, 2, "no_prune", 0),
			 &out, &err) < 0)
		return bind_raise(L, &err);
	push_records(L, out);
	json_decref(out);
	return 1;
}

/* image.prune{all=, filters=} -> {deleted = records, reclaimed = bytes} */
static int l_prune(lua_State *L)
{
	json_t *filters = filters_arg(L, 1), *out;
	berr_t err = { 0 };
	int r = image_prune(bind_ctx(L), bind_opt_bool(L, 1, "all", 0), filters, &out, &err);

	json_decref(filters);
	if (r < 0)
		return bind_raise(L, &err);
	lua_createtable(L, 0, 2);
	push_records(L, json_object_get(out, "ImagesDeleted"));
	lua_setfield(L, -2, "deleted");
	lua_pushinteger(L, json_integer_value(json_object_get(out, "SpaceReclaimed")));
	lua_setfield(L, -2, "reclaimed");
	json_decref(out);
	return 1;
}

/* image.load(path or nil for stdin) -> {{id=, tags={...}, replaced={{tag=, id=}}}, ...} */
static int l_load(lua_State *L)
{
	const char *path = luaL_optstring(L, 1, NULL);
	json_t *out, *v;
	berr_t err = { 0 };
	size_t i;
	int fd = -1, r;

	/* no cleanup-scoped locals here: raising a Lua error longjmps past them */
	if (path && strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			berr_sys(&err, errno, "open %s", path);
			return bind_raise(L, &err);
		}
	}
	r = image_load(bind_ctx(L), fd >= 0 ? fd : STDIN_FILENO, &out, &err);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return bind_raise(L, &err);
	lua_createtable(L, json_array_size(out), 0);
	json_array_foreach(out, i, v) {
		json_t *t, *rp;
		size_t k;
		lua_createtable(L, 0, 3);
		lua_pushstring(L, json_string_value(json_object_get(v, "id")));
		lua_setfield(L, -2, "id");
		lua_newtable(L);
		json_array_foreach(json_object_get(v, "tags"), k, t) {
			lua_pushstring(L, json_string_value(t));
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "tags");
		lua_newtable(L);
		json_array_foreach(json_object_get(v, "replaced"), k, rp) {
			lua_createtable(L, 0, 2);
			lua_pushstring(L, json_string_value(json_object_get(rp, "tag")));
			lua_setfield(L, -2, "tag");
			lua_pushstring(L, json_string_value(json_object_get(rp, "id")));
			lua_setfield(L, -2, "id");
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "replaced");
		lua_rawseti(L, -2, i + 1);
	}
	json_decref(out);
	return 1;
}

/* image.save(names, path or nil for stdout): names is a string or an array of strings */
static int l_save(lua_State *L)
{
	const char *path = luaL_optstring(L, 2, NULL);
	const char **names;
	size_t n = 0;
	berr_t err = { 0 };
	int r;

	int single = !lua_istable(L, 1);

	if (!single) {
		single = lua_getfield(L, 1, "Id") != LUA_TNIL;   /* an image table, not a list */
		lua_pop(L, 1);
	}
	if (!single) {
		lua_Integer len = luaL_len(L, 1);
		names = lua_newuserdatauv(L, (len + 1) * sizeof(char *), 0);
		for (lua_Integer i = 1; i <= len; i++) {
			lua_rawgeti(L, 1, i);
			if (lua_istable(L, -1)) {
				lua_getfield(L, -1, "Id");
				lua_replace(L, -2);
			}
			names[n++] = luaL_checkstring(L, -1);
			lua_pop(L, 1);   /* anchored by the table (or its element) */
		}
	} else {
		names = lua_newuserdatauv(L, 2 * sizeof(char *), 0);
		names[n++] = name_arg(L, 1);
	}
	if (n == 0)
		return luaL_error(L, "save: no images given");
	if (path && strcmp(path, "-")) {
		r = image_save_file(bind_ctx(L), names, n, path, &err);
	} else {
		fflush(stdout);
		r = image_save(bind_ctx(L), names, n, STDOUT_FILENO, &err);
	}
	if (r < 0)
		return bind_raise(L, &err);
	return 0;
}

/* image.import(src, {changes=, message=, ref=}) -> "sha256:..."; src: a file, "-" or nil for
 * stdin, or an http(s) URL (anything else that is not a file is fetched as http://src). */
static int l_import(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *src = luaL_optstring(L, 1, "-");
	const char *message = bind_opt_string(L, 2, "message", NULL);
	const char *ref = bind_opt_string(L, 2, "ref", NULL);
	char id[DIGEST_LEN + 1];
	json_t *changes = NULL;
	char *url = NULL;
	berr_t err = { 0 };
	int fd = -1, r = 0;

	/* no cleanup-scoped locals here: raising a Lua error longjmps past them */
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "changes");
		if (!lua_isnil(L, -1)) {
			luaL_checktype(L, -1, LUA_TTABLE);
			changes = bind_to_json(L, -1);
			if (!json_is_array(changes)) {   /* an empty table encodes as an object */
				json_decref(changes);
				changes = json_array();
			}
		}
		lua_pop(L, 1);
	}
	if (strcmp(src, "-")) {
		if (!strncmp(src, "http://", 7) || !strncmp(src, "https://", 8))
			url = xstrdup(src);
		else if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0 && errno == ENOENT && !strstr(src, "://"))
			url = xasprintf("http://%s", src);   /* Docker's rule: not a file, so a URL */
		else if (fd < 0)
			r = berr_sys(&err, errno, "open %s", src);
	}
	if (r == 0)
		r = image_import(ctx, fd >= 0 ? fd : STDIN_FILENO, url, url ? url : "-", changes, message, ref, id, &err);
	json_decref(changes);
	free(url);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return bind_raise(L, &err);
	lua_pushstring(L, id);
	return 1;
}

/* image.parse_reference(s [, default_tag=true]) -> {domain=, path=, tag=, digest=, repository=,
 * canonical=, familiar=} or nil, message (Docker's normalisation and error texts) */
static int l_parse_reference(lua_State *L)
{
	struct image_ref r;
	char buf[1024];
	berr_t err = { 0 };

	if (ref_parse(luaL_checkstring(L, 1), lua_isnone(L, 2) || lua_toboolean(L, 2), &r, &err) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, err.msg);
		return 2;
	}
	lua_createtable(L, 0, 7);
	lua_pushstring(L, r.domain);
	lua_setfield(L, -2, "domain");
	lua_pushstring(L, r.path);
	lua_setfield(L, -2, "path");
	lua_pushstring(L, r.tag);
	lua_setfield(L, -2, "tag");
	lua_pushstring(L, r.digest);
	lua_setfield(L, -2, "digest");
	ref_repo(&r, buf, sizeof(buf));
	{
		char fam[1024];
		ref_familiar_repo(buf, fam, sizeof(fam));
		lua_pushstring(L, fam);
		lua_setfield(L, -2, "name");
	}
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "repository");
	ref_canonical(&r, buf, sizeof(buf));
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "canonical");
	ref_familiar(&r, buf, sizeof(buf));
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "familiar");
	return 1;
}

/* image.counts() -> {images = n, others = {driver = n, ...}} */
static int l_counts(lua_State *L)
{
	int64_t cur;
	json_t *others;
	berr_t err = { 0 };

	if (image_counts(bind_ctx(L), &cur, &others, &err) < 0)
		return bind_raise(L, &err);
	lua_createtable(L, 0, 2);
	lua_pushinteger(L, cur);
	lua_setfield(L, -2, "images");
	bind_push_json(L, others);
	lua_setfield(L, -2, "others");
	json_decref(others);
	return 1;
}

/* image.gc() -> bytes reclaimed (0 when another command is building images) */
static int l_gc(lua_State *L)
{
	int64_t n = 0;
	berr_t err = { 0 };

	if (image_gc(bind_ctx(L), &n, &err) < 0)
		return bind_raise(L, &err);
	lua_pushinteger(L, n);
	return 1;
}

static const luaL_Reg FUNCS[] = {
	{ "list", l_list },
	{ "find", l_find },
	{ "get", l_find },
	{ "inspect", l_inspect },
	{ "history", l_history },
	{ "resolve", l_resolve },
	{ "tag", l_tag },
	{ "remove", l_remove },
	{ "prune", l_prune },
	{ "load", l_load },
	{ "save", l_save },
	{ "import", l_import },
	{ "counts", l_counts },
	{ "parse_reference", l_parse_reference },
	{ "gc", l_gc },
	{ NULL, NULL },
};

/* Methods of image tables: self is the table, whose Id names the image. */
static const luaL_Reg METHODS[] = {
	{ "remove", l_remove },
	{ "tag", l_tag },
	{ "history", l_history },
	{ "inspect", l_inspect },
	{ "save", l_save },
	{ NULL, NULL },
};

int luaopen_berth_image(lua_State *L)
{
	luaL_newlib(L, METHODS);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &METHODS_KEY);
	luaL_newlib(L, FUNCS);
	return 1;
}
