/* Shared pieces of the Lua bindings. The rule for every binding: misuse and failures raise a Lua
 * error carrying the one-line message; "not found" from a lookup (find/get) returns nil. */
#ifndef BERTH_LUA_BIND_H
#define BERTH_LUA_BIND_H

#include <lua.h>
#include <lauxlib.h>
#include <jansson.h>
#include "ctx.h"

/* The context stored in the registry by bind_open_all. */
struct berth_ctx *bind_ctx(lua_State *L);
/* Raise err's message as a Lua error (never returns). */
int bind_raise(lua_State *L, const berr_t *err);
/* Push a json_t as Lua values: objects keep their key order (json.encode reproduces it), null is
 * berth.json.null. Arrays/objects carry a metatable telling which they are. */
void bind_push_json(lua_State *L, json_t *v);
/* Convert the Lua value at idx to a new json_t reference; raises on unsupported values. */
json_t *bind_to_json(lua_State *L, int idx);
/* Field helpers for option tables: absent/nil gives the default. */
const char *bind_opt_string(lua_State *L, int idx, const char *field, const char *def);
int bind_opt_bool(lua_State *L, int idx, const char *field, int def);
lua_Integer bind_opt_int(lua_State *L, int idx, const char *field, lua_Integer def);

/* Module openers; each returns its table. */
int luaopen_berth_json(lua_State *L);
int luaopen_berth_config(lua_State *L);
int luaopen_berth_system(lua_State *L);
int luaopen_berth_image(lua_State *L);
int luaopen_berth_registry(lua_State *L);

/* Register `berth` (and its modules) in package.preload and bind ctx to the state; loadfile,
 * dofile and require load berth's own Lua files from their precompiled chunks. */
void bind_open_all(lua_State *L, struct berth_ctx *ctx);
/* luaL_loadfile, from the precompiled chunk when path is one of berth's files (lua/chunk.h). */
int bind_loadfile(lua_State *L, const char *path);

#endif
