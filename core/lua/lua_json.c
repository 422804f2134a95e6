/* berth.json: one JSON behaviour for C and Lua (jansson). Decoded objects remember their key
 * order, so encode(decode(s)) keeps it; empty arrays and objects stay what they were.
 *
 * An empty Lua table cannot say whether it is a list or a map, nor whether Go would print it as
 * [] / {} or null, so the JSON kind lives in the table's metatable (dkjson's convention, which
 * berth.template reads too):
 *   __jsontype = "array" | "object"    the kind, also when empty
 *   __jsonnull = true                  empty encodes as null (Go's nil slice or nil map)
 *   __keys = { "K1", "K2", ... }        objects: the order of these keys (the rest follow, sorted)
 *   __omitempty = { K = true, ... }     objects: K is left out when empty (Go's `json:",omitempty"`)
 * An unmarked table is an array when its keys are exactly 1..n and non-empty, else an object. */
#include "lua/bind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char ARRAY_MT = 'a', NULL_ARRAY_MT = 'n', OBJECT_MT = 'o';
#define NULL_SENTINEL ((void *)0)   /* berth.json.null is the NULL light userdata */

/* The shared metatables of arrays ([] when empty) and nil-able arrays (null when empty). */
static void push_kind_mt(lua_State *L, const char *key)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TNIL) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushstring(L, key == &OBJECT_MT ? "object" : "array");
		lua_setfield(L, -2, "__jsontype");
		if (key == &NULL_ARRAY_MT) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, "__jsonnull");
		}
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, key);
	}
}

/* A boolean member of the metatable of the table at idx. */
static int mt_flag(lua_State *L, int idx, const char *field)
{
	int on = 0;

	if (lua_getmetatable(L, idx)) {
		lua_getfield(L, -1, field);
		on = lua_toboolean(L, -1);
		lua_pop(L, 2);
	}
	return on;
}

static int table_empty(lua_State *L, int idx)
{
	lua_pushnil(L);
	if (lua_next(L, idx)) {
		lua_pop(L, 2);
		return 0;
	}
	return 1;
}

/* Go's omitempty: false, 0, "", null, and empty lists and maps are left out. */
static int value_empty(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TNIL: return 1;
	case LUA_TBOOLEAN: return !lua_toboolean(L, idx);
	case LUA_TNUMBER: return lua_tonumber(L, idx) == 0;
	case LUA_TSTRING: return lua_rawlen(L, idx) == 0;
	case LUA_TLIGHTUSERDATA: return lua_touserdata(L, idx) == NULL_SENTINEL;
	case LUA_TTABLE: return table_empty(L, lua_absindex(L, idx));
	}
	return 0;
}

/* 1 if key k of the object at idx is marked omitempty and the value on top of the stack is empty. */
static int omitted(lua_State *L, int idx, const char *k)
{
	int skip = 0;

	if (!lua_getmetatable(L, idx))
		return 0;
	if (lua_getfield(L, -1, "__omitempty") == LUA_TTABLE) {
		lua_getfield(L, -1, k);
		skip = lua_toboolean(L, -1) && value_empty(L, -4);
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	return skip;
}

void bind_push_json(lua_State *L, json_t *v)
{
	size_t i;
	const char *k;
	json_t *e;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		int n = 1;
		lua_createtable(L, 0, json_object_size(v));
		/* per-object metatable: {__jsontype="object", __keys={...}} */
		lua_createtable(L, 0, 2);
		lua_pushstring(L, "object");
		lua_setfield(L, -2, "__jsontype");
		lua_createtable(L, json_object_size(v), 0);
		json_object_foreach(v, k, e) {
			lua_pushstring(L, k);
			lua_rawseti(L, -2, n++);
		}
		lua_setfield(L, -2, "__keys");
		lua_setmetatable(L, -2);
		json_object_foreach(v, k, e) {
			bind_push_json(L, e);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY:
		lua_createtable(L, json_array_size(v), 0);
		push_kind_mt(L, &ARRAY_MT);
		lua_setmetatable(L, -2);
		json_array_foreach(v, i, e) {
			bind_push_json(L, e);
			lua_rawseti(L, -2, i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	case JSON_NULL:
	default:
		lua_pushlightuserdata(L, NULL_SENTINEL);
		break;
	}
}

/* What a Lua table is: "array", "object", or decided by its keys (1..n -> array). */
static int table_is_array(lua_State *L, int idx)
{
	lua_Integer n = 0, max = 0;

	if (lua_getmetatable(L, idx)) {
		int t = lua_getfield(L, -1, "__jsontype");
		if (t == LUA_TSTRING) {
			int arr = !strcmp(lua_tostring(L, -1), "array");
			lua_pop(L, 2);
			return arr;
		}
		lua_pop(L, 2);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TNUMBER || !lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			return 0;
		}
		if (lua_tointeger(L, -1) > max)
			max = lua_tointeger(L, -1);
		n++;
	}
	return n > 0 && n == max;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *to_json(lua_State *L, int idx, int depth)
{
	idx = lua_absindex(L, idx);
	if (depth > 200)
		luaL_error(L, "json: value nested too deeply (a cycle?)");
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == NULL_SENTINEL)
			return json_null();
		break;
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer(lua_tointeger(L, idx));
		if (!isfinite(lua_tonumber(L, idx)))
			luaL_error(L, "json: cannot encode %s", lua_tostring(L, idx));
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		json_t *j = json_stringn(s, len);
		if (!j)
			luaL_error(L, "json: string is not valid UTF-8");
		return j;
	}
	case LUA_TTABLE:
		if (mt_flag(L, idx, "__jsonnull") && table_empty(L, idx))
			return json_null();
		if (table_is_array(L, idx)) {
			json_t *a = json_array();
			lua_Integer n = luaL_len(L, idx);
			for (lua_Integer i = 1; i <= n; i++) {
				lua_rawgeti(L, idx, i);
				json_array_append_new(a, to_json(L, -1, depth + 1));
				lua_pop(L, 1);
			}
			return a;
		} else {
			json_t *o = json_object();
			size_t nkeys = 0, cap = 16;
			const char **keys;
			int done;

			/* declared order first (decoded objects, json.object's key list), then the rest sorted */
			lua_newtable(L);
			done = lua_gettop(L);
			if (lua_getmetatable(L, idx)) {
				if (lua_getfield(L, -1, "__keys") == LUA_TTABLE) {
					lua_Integer n = luaL_len(L, -1);
					for (lua_Integer i = 1; i <= n; i++) {
						const char *k;
						if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
							lua_pop(L, 1);
							continue;
						}
						lua_pushvalue(L, -1);
						lua_pushboolean(L, 1);
						lua_rawset(L, done);
						k = lua_tostring(L, -1);
						lua_getfield(L, idx, k);
						if (!lua_isnil(L, -1) && !omitted(L, idx, k))
							json_object_set_new(o, k, to_json(L, -1, depth + 1));
						lua_pop(L, 2);
					}
				}
				lua_pop(L, 2);
			}
			keys = malloc(cap * sizeof(char *));
			lua_pushnil(L);
			while (lua_next(L, idx)) {
				lua_pop(L, 1);
				if (lua_type(L, -1) != LUA_TSTRING) {
					free(keys);
					json_decref(o);
					luaL_error(L, "json: object keys must be strings (or the table a sequence 1..n)");
				}
				lua_pushvalue(L, -1);
				if (lua_rawget(L, done) != LUA_TNIL) {
					lua_pop(L, 1);
					continue;
				}
				lua_pop(L, 1);
				if (nkeys == cap)
					keys = realloc(keys, (cap *= 2) * sizeof(char *));
				keys[nkeys++] = lua_tostring(L, -1);  /* anchored: it is a key of the table */
			}
			qsort(keys, nkeys, sizeof(char *), cmp_str);
			for (size_t i = 0; i < nkeys; i++) {
				lua_getfield(L, idx, keys[i]);
				if (!omitted(L, idx, keys[i]))
					json_object_set_new(o, keys[i], to_json(L, -1, depth + 1));
				lua_pop(L, 1);
			}
			free(keys);
			lua_pop(L, 1);
			return o;
		}
	default:
		break;
	}
	luaL_error(L, "json: cannot encode a %s", luaL_typename(L, idx));
	return NULL;
}

json_t *bind_to_json(lua_State *L, int idx)
{
	return to_json(L, idx, 0);
}

/* json.encode(value [, {indent=N, compact=bool}]) -> string */
static int l_encode(lua_State *L)
{
	json_t *j;
	char *s;
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
	lua_Integer indent = bind_opt_int(L, 2, "indent", 0);

	flags |= indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT;
	j = bind_to_json(L, 1);
	s = json_dumps(j, flags);
	json_decref(j);
	if (!s)
		return luaL_error(L, "json: encoding failed");
	lua_pushstring(L, s);
	free(s);
	return 1;
}

/* json.decode(string [, name]) -> value; errors name line and column */
static int l_decode(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "JSON");
	json_error_t e;
	json_t *j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

	if (!j)
		return luaL_error(L, "%s: line %d, column %d: %s", name, e.line, e.column, e.text);
	bind_push_json(L, j);
	json_decref(j);
	return 1;
}

/* {empty = "null"} at idx: the table encodes as null when empty (Go's nil slice/map). */
static int opt_empty_null(lua_State *L, int idx)
{
	const char *e = bind_opt_string(L, idx, "empty", NULL);

	if (e && strcmp(e, "null") && strcmp(e, "[]") && strcmp(e, "{}"))
		luaL_argerror(L, idx, "empty must be \"null\", \"[]\" or \"{}\"");
	return e && !strcmp(e, "null");
}

/* json.array(t [, {empty = "null"}]): mark a (possibly empty) table as a JSON array. */
static int l_array(lua_State *L)
{
	int null_empty = opt_empty_null(L, 2);

	if (lua_isnoneornil(L, 1)) {
		lua_newtable(L);
		lua_replace(L, 1);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	push_kind_mt(L, null_empty ? &NULL_ARRAY_MT : &ARRAY_MT);
	lua_setmetatable(L, 1);
	return 1;
}

/* json.object(t [, keys [, {empty = "null", omitempty = {k, ...}}]]): keys gives the output
 * order; omitempty names the keys left out when their value is empty. */
static int l_object(lua_State *L)
{
	int null_empty = opt_empty_null(L, 3);

	if (lua_isnoneornil(L, 1)) {
		lua_newtable(L);
		lua_replace(L, 1);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 3);
	lua_createtable(L, 0, 4);
	lua_pushstring(L, "object");
	lua_setfield(L, -2, "__jsontype");
	if (lua_istable(L, 2)) {
		lua_pushvalue(L, 2);
		lua_setfield(L, -2, "__keys");
	}
	if (null_empty) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "__jsonnull");
	}
	if (lua_istable(L, 3) && lua_getfield(L, 3, "omitempty") == LUA_TTABLE) {
		lua_Integer n = luaL_len(L, -1);
		lua_createtable(L, 0, (int)n);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -2, i);
			lua_pushboolean(L, 1);
			lua_rawset(L, -3);
		}
		lua_setfield(L, -3, "__omitempty");
		lua_pop(L, 1);
	} else if (lua_istable(L, 3)) {
		lua_pop(L, 1);
	}
	lua_setmetatable(L, 1);
	lua_settop(L, 1);
	return 1;
}

/* json.is_null(v) */
static int l_is_null(lua_State *L)
{
	lua_pushboolean(L, lua_type(L, 1) == LUA_TLIGHTUSERDATA && lua_touserdata(L, 1) == NULL_SENTINEL);
	return 1;
}

static const luaL_Reg FUNCS[] = {
	{ "encode", l_encode },
	{ "decode", l_decode },
	{ "array", l_array },
	{ "object", l_object },
	{ "is_null", l_is_null },
	{ NULL, NULL },
};

int luaopen_berth_json(lua_State *L)
{
	luaL_newlib(L, FUNCS);
	lua_pushlightuserdata(L, NULL_SENTINEL);
	lua_setfield(L, -2, "null");
	return 1;
}
