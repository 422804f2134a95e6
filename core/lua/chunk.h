/* Precompiled Lua chunks. Compiling berth's scripts and modules from source was half of the
 * instructions of a `berth run` (the parser, ~11 million for the six files a run loads); the
 * build compiles each file once (build/luac/<path>c) and berth loads that instead, but only when
 * it was made from exactly the source beside it (same length and hash): an edited or
 * replaced source is always what runs. The chunk keeps its debug information, and its source
 * name is set to the real path when loaded, so messages, tracebacks and debug.getinfo read as
 * if the source had been loaded. */
#ifndef BERTH_LUA_CHUNK_H
#define BERTH_LUA_CHUNK_H

#include <lua.h>
#include "common/err.h"

/* Compile the Lua source src into dst (the build's step). */
int chunk_compile(const char *src, const char *dst, berr_t *err);
/* luaL_loadfilex(L, path, NULL), from the chunk `compiled` when it was made from path's current
 * content (compiled may be NULL). Same results and messages as luaL_loadfilex. */
int chunk_loadfile(lua_State *L, const char *path, const char *compiled);

#endif
