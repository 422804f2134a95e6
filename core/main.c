/* berth: process entry. Reads the global flags, sets up the context, and hands the command line
 * to lua/berth/main.lua, which dispatches to scripts/. Everything a user sees is decided there. */
#include "ctx.h"
#include "lua/bind.h"
#include "common/util.h"
#include "common/arena.h"
#include "store/store.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct global_opts {
	const char *config_file;
	const char *data_root;
	const char *exec_root;
	int debug;
};

/* Value of a global flag given as "--name value" or "--name=value"; advances *i. */
static int flag_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "berth: flag needs an argument: %s\n", name);
		exit(125);
	}
	*out = argv[++*i];
	return 1;
}

/* Consume the daemon-level global flags; the rest (-v, -h, the command) goes to Lua. */
static int parse_globals(int argc, char **argv, struct global_opts *g)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *lvl;
		if (a[0] != '-' || !strcmp(a, "-") || !strcmp(a, "--"))
			break;
		if (flag_value(argc, argv, &i, "--config-file", &g->config_file) ||
		    flag_value(argc, argv, &i, "--data-root", &g->data_root) ||
		    flag_value(argc, argv, &i, "--exec-root", &g->exec_root))
			continue;
		if (flag_value(argc, argv, &i, "--log-level", &lvl) ||
		    flag_value(argc, argv, &i, "-l", &lvl)) {
			g->debug |= !strcmp(lvl, "debug");
			continue;
		}
		if (!strcmp(a, "-D") || !strcmp(a, "--debug")) {
			g->debug = 1;
			continue;
		}
		break;  /* -v, --version, -h, --help or an unknown flag: Lua reports it */
	}
	return i;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg && getenv("BERTH_TRACEBACK"))
		luaL_traceback(L, L, msg, 1);
	else if (!msg && !lua_istable(L, 1))
		lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	else
		lua_pushvalue(L, 1);
	return 1;
}

/* What luaL_newstate's panic does, for the state main makes with its own allocator. */
static int panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);

	fprintf(stderr, "berth: PANIC: unprotected error in call to Lua API (%s)\n", msg ? msg : "?");
	return 0;   /* Lua aborts */
}

int main(int argc, char **argv)
{
	static struct arena arena;
	struct global_opts g = { 0 };
	struct berth_ctx ctx;
	berr_t err = { 0 };
	lua_State *L;
	int first, status = 125;
	char *mainlua;

	first = parse_globals(argc, argv, &g);
	/* the Lua heap and sqlite's pages in one huge page (common/arena.h) */
	arena_init(&arena);
	store_page_cache(&arena, 32);
	if (ctx_init(&ctx, g.config_file, g.data_root, g.exec_root, &err) < 0) {
		fprintf(stderr, "berth: %s\n", err.msg);
		ctx_free(&ctx);
		return 125;
	}
	ctx.cfg.debug |= g.debug;

	L = lua_newstate(arena_lua_alloc, &arena);
	if (!L) {
		fprintf(stderr, "berth: cannot create the Lua state\n");
		ctx_free(&ctx);
		return 125;
	}
	lua_atpanic(L, panic);
	luaL_openlibs(L);
	bind_open_all(L, &ctx);

	/* package.path: berth's own modules first, then the system's */
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;", ctx.root_dir, ctx.root_dir);
	lua_getfield(L, -2, "path");
	lua_concat(L, 2);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);

	lua_pushcfunction(L, traceback);
	mainlua = xasprintf("%s/lua/berth/main.lua", ctx.root_dir);
	if (bind_loadfile(L, mainlua) != LUA_OK) {
		fprintf(stderr, "berth: %s\n", lua_tostring(L, -1));
		goto out;
	}
	/* the Lua stack starts with room for 20 values; a `run` with many flags has more */
	luaL_checkstack(L, 2 + argc - first, "too many arguments");
	lua_pushstring(L, ctx.root_dir);
	for (int i = first; i < argc; i++)
		lua_pushstring(L, argv[i]);
	if (lua_pcall(L, 1 + argc - first, 1, 1) != LUA_OK) {
		fprintf(stderr, "berth: %s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
		goto out;
	}
	status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
out:
	free(mainlua);
	/* The process ends here: the kernel takes the Lua heap back at once, while lua_close would
	 * write to every page of it, and after a fork (run and start fork the monitor) each first
	 * write to a page is a copy-on-write fault (~190 of them on the exit path of a run --rm).
	 * exit() still flushes every stdio stream, io.open's files included. The store's
	 * connection likewise: sqlite3_close frees its every object and unmaps the WAL index
	 * (0.5-0.9 ms of a run --rm here), and with NO_CKPT_ON_CLOSE it writes nothing; the kernel
	 * drops its locks with the process. The sanitizer build closes both, so its leak checker
	 * reports only real leaks. */
#ifdef __SANITIZE_ADDRESS__
	lua_close(L);
#else
	ctx.store_close = NULL;
#endif
	ctx_free(&ctx);
	fflush(stdout);
	return status;
}
