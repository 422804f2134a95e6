/* berth.system: version, host facts, loaded drivers, and the few OS helpers scripts need. */
#include "lua/bind.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.1.0"
#endif

/* system.version() -> {Version=, ApiVersion=, Os=, Arch=, KernelVersion=, AbiVersion=} */
static int l_version(lua_State *L)
{
	struct utsname u;

	uname(&u);
	lua_newtable(L);
	lua_pushstring(L, BERTH_VERSION);
	lua_setfield(L, -2, "Version");
	lua_pushstring(L, "1.41");
	lua_setfield(L, -2, "ApiVersion");
	lua_pushfstring(L, "%d.%d", BERTH_ABI_MAJOR, BERTH_ABI_MINOR);
	lua_setfield(L, -2, "AbiVersion");
	lua_pushstring(L, "linux");
	lua_setfield(L, -2, "Os");
	lua_pushstring(L, !strcmp(u.machine, "x86_64") ? "amd64" :
			  !strcmp(u.machine, "aarch64") ? "arm64" : u.machine);
	lua_setfield(L, -2, "Arch");
	lua_pushstring(L, u.release);
	lua_setfield(L, -2, "KernelVersion");
	lua_pushstring(L, u.nodename);
	lua_setfield(L, -2, "Name");
	return 1;
}

/* Push "Key\tValue\n" lines as an array of {key, value} pairs. */
static void push_status_lines(lua_State *L, const char *buf)
{
	int n = 1;

	lua_newtable(L);
	while (*buf) {
		const char *nl = strchr(buf, '\n'), *tab = strchr(buf, '\t');
		size_t len = nl ? (size_t)(nl - buf) : strlen(buf);
		if (tab && tab < buf + len) {
			lua_createtable(L, 2, 0);
			lua_pushlstring(L, buf, tab - buf);
			lua_rawseti(L, -2, 1);
			lua_pushlstring(L, tab + 1, buf + len - tab - 1);
			lua_rawseti(L, -2, 2);
			lua_rawseti(L, -2, n++);
		}
		buf += len + (nl ? 1 : 0);
	}
}

/* system.storage_driver() -> {name=, abi=, path=, status={{k,v},...}}; loads the configured driver */
static int l_storage_driver(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const struct berth_storage_ops *ops;
	const char *name;
	berr_t err = { 0 };
	char buf[4096] = "";

	if (ctx_storage(ctx, &ops, &name, &err) < 0)
		return bind_raise(L, &err);
	lua_newtable(L);
	lua_pushstring(L, name);
	lua_setfield(L, -2, "name");
	if (ops->status)
		ops->status(buf, sizeof(buf));
	push_status_lines(L, buf);
	lua_setfield(L, -2, "status");
	return 1;
}

/* system.plugins() -> array of {kind=, name=, abi="1.0", path=} for every loaded plugin */
static int l_plugins(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	int n = 1;

	lua_newtable(L);
	for (struct plugin *p = ctx->plugins.head; p; p = p->next) {
		lua_newtable(L);
		lua_pushstring(L, plugin_kind_name(p->desc->kind));
		lua_setfield(L, -2, "kind");
		lua_pushstring(L, p->name);
		lua_setfield(L, -2, "name");
		lua_pushfstring(L, "%d.%d", (int)p->desc->abi_major, (int)p->desc->abi_minor);
		lua_setfield(L, -2, "abi");
		lua_pushstring(L, p->path);
		lua_setfield(L, -2, "path");
		lua_rawseti(L, -2, n++);
	}
	return 1;
}

/* system.available_plugins(kind) -> sorted array of driver names found in the search dirs */
static int l_available_plugins(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *kind = luaL_checkstring(L, 1);
	char **dirs = plugin_search_dirs(ctx);
	int n = 1;

	lua_newtable(L);      /* result array */
	lua_newtable(L);      /* seen set */
	for (char **d = dirs; *d; d++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", *d, kind);
		_cleanup_closedir_ DIR *dir = opendir(path);
		struct dirent *de;
		while (dir && (de = readdir(dir))) {
			size_t len = strlen(de->d_name);
			if (len < 4 || strcmp(de->d_name + len - 3, ".so"))
				continue;
			lua_pushlstring(L, de->d_name, len - 3);
			if (lua_rawget(L, -2) == LUA_TNIL) {
				lua_pop(L, 1);
				lua_pushlstring(L, de->d_name, len - 3);
				lua_pushboolean(L, 1);
				lua_rawset(L, -3);
				lua_pushlstring(L, de->d_name, len - 3);
				lua_rawseti(L, -3, n++);
			} else {
				lua_pop(L, 1);
			}
		}
	}
	lua_pop(L, 1);
	plugin_free_dirs(dirs);
	return 1;
}

/* The members of each kind's vtable that a caller may ask about (a plugin may leave them NULL,
 * or predate them). */
#define MEMBER(type, m) { #m, offsetof(type, m) }
static const struct vt_member { const char *name; size_t off; } NETWORK_MEMBERS[] = {
	MEMBER(struct berth_network_ops, create_network), MEMBER(struct berth_network_ops, delete_network),
	MEMBER(struct berth_network_ops, port_publish), MEMBER(struct berth_network_ops, status),
	{ NULL, 0 },
}, LOGGING_MEMBERS[] = {
	MEMBER(struct berth_logging_ops, read), MEMBER(struct berth_logging_ops, validate),
	{ NULL, 0 },
}, STORAGE_MEMBERS[] = {
	MEMBER(struct berth_storage_ops, diff), MEMBER(struct berth_storage_ops, changes),
	MEMBER(struct berth_storage_ops, diff_size), MEMBER(struct berth_storage_ops, status),
	MEMBER(struct berth_storage_ops, metadata), { NULL, 0 },
};
#undef MEMBER

/* {name = true} for the optional members the plugin has. */
static void push_methods(lua_State *L, const struct plugin *p)
{
	const struct vt_member *m = p->desc->kind == BERTH_PLUGIN_NETWORK ? NETWORK_MEMBERS :
				    p->desc->kind == BERTH_PLUGIN_LOGGING ? LOGGING_MEMBERS : STORAGE_MEMBERS;

	lua_newtable(L);
	for (; m->name; m++) {
		const void *fn;
		if (p->desc->vtable_size < m->off + sizeof(void *))
			continue;
		memcpy(&fn, (const char *)p->desc->vtable + m->off, sizeof(fn));
		if (fn) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, m->name);
		}
	}
}

/* system.load_plugin(kind, name) -> {name, abi, path, methods = {port_publish = true, ...}};
 * raises with the loader's message */
static int l_load_plugin(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *kinds[] = { "storage", "network", "logging", NULL };
	int k = luaL_checkoption(L, 1, NULL, kinds) + 1;
	const char *name = luaL_checkstring(L, 2);
	struct plugin *p;
	berr_t err = { 0 };

	plugin_host(ctx);
	if (plugin_load(ctx, k, name, &p, &err) < 0)
		return bind_raise(L, &err);
	lua_newtable(L);
	lua_pushstring(L, p->name);
	lua_setfield(L, -2, "name");
	lua_pushfstring(L, "%d.%d", (int)p->desc->abi_major, (int)p->desc->abi_minor);
	lua_setfield(L, -2, "abi");
	lua_pushstring(L, p->path);
	lua_setfield(L, -2, "path");
	push_methods(L, p);
	lua_setfield(L, -2, "methods");
	return 1;
}

/* system.isatty(fd) */
static int l_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

/* system.now() -> unix time in seconds as a float (ns precision kept as far as a double can) */
static int l_now(lua_State *L)
{
	lua_pushnumber(L, now_ns() / 1e9);
	return 1;
}

/* system.hostname() */
static int l_hostname(lua_State *L)
{
	char buf[256] = "";
	gethostname(buf, sizeof(buf) - 1);
	lua_pushstring(L, buf);
	return 1;
}

/* system.ncpu(), system.memtotal() for info */
static int l_ncpu(lua_State *L)
{
	lua_pushinteger(L, sysconf(_SC_NPROCESSORS_ONLN));
	return 1;
}

/* system.sleep(seconds): stats samples, polling loops in user scripts */
static int l_sleep(lua_State *L)
{
	double sec = luaL_checknumber(L, 1);
	struct timespec ts = { (time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9) };

	while (sec > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int l_memtotal(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE));
	return 1;
}

static const luaL_Reg FUNCS[] = {
	{ "version", l_version },
	{ "storage_driver", l_storage_driver },
	{ "plugins", l_plugins },
	{ "available_plugins", l_available_plugins },
	{ "load_plugin", l_load_plugin },
	{ "isatty", l_isatty },
	{ "now", l_now },
	{ "hostname", l_hostname },
	{ "ncpu", l_ncpu },
	{ "memtotal", l_memtotal },
	{ "sleep", l_sleep },
	{ NULL, NULL },
};

int luaopen_berth_system(lua_State *L)
{
	luaL_newlib(L, FUNCS);
	return 1;
}
