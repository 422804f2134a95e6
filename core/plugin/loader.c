/* Driver loader with ABI checks: dlopen of <dir>/<kind>/<name>.so, or, where that file is berth's
 * own, the same driver compiled into the program (berth has them; berth-monitor-full has none);
 * in the lean berth-monitor (BERTH_LEAN_MONITOR: static, musl, no dlopen) only those. */
#include "plugin/loader.h"
#include "ctx.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *plugin_kind_name(enum berth_plugin_kind kind)
{
	switch (kind) {
	case BERTH_PLUGIN_STORAGE: return "storage";
	case BERTH_PLUGIN_NETWORK: return "network";
	case BERTH_PLUGIN_LOGGING: return "logging";
	}
	return "unknown";
}

/* Size of the minor-0 vtable of a kind and whether its required members are present. */
static size_t required_size(enum berth_plugin_kind kind)
{
	switch (kind) {
	case BERTH_PLUGIN_STORAGE: return offsetof(struct berth_storage_ops, metadata) + sizeof(void *);
	case BERTH_PLUGIN_NETWORK: return sizeof(struct berth_network_ops);
	case BERTH_PLUGIN_LOGGING: return offsetof(struct berth_logging_ops, close) + sizeof(void *);
	}
	return 0;
}

static const char *missing_member(enum berth_plugin_kind kind, const void *vt)
{
#define REQ(type, m) do { if (!((const type *)vt)->m) return #m; } while (0)
	switch (kind) {
	case BERTH_PLUGIN_STORAGE:
		REQ(struct berth_storage_ops, init);
		REQ(struct berth_storage_ops, create);
		REQ(struct berth_storage_ops, create_rw);
		REQ(struct berth_storage_ops, remove);
		REQ(struct berth_storage_ops, exists);
		REQ(struct berth_storage_ops, get);
		REQ(struct berth_storage_ops, put);
		REQ(struct berth_storage_ops, apply_diff);
		break;
	case BERTH_PLUGIN_NETWORK:
		REQ(struct berth_network_ops, init);
		REQ(struct berth_network_ops, join);
		REQ(struct berth_network_ops, leave);
		break;
	case BERTH_PLUGIN_LOGGING:
		REQ(struct berth_logging_ops, capabilities);
		REQ(struct berth_logging_ops, open);
		REQ(struct berth_logging_ops, write);
		REQ(struct berth_logging_ops, close);
		break;
	}
#undef REQ
	return NULL;
}

char **plugin_search_dirs(struct berth_ctx *ctx)
{
	char **dirs = xcalloc(64, sizeof(char *));
	int n = 0;
	const char *env = getenv("BERTH_PLUGIN_PATH");
	json_t *pd = ctx ? json_object_get(ctx->cfg.root, "plugin-dirs") : NULL, *e;
	size_t i;

	if (env && *env) {
		_cleanup_free_ char *copy = xstrdup(env);
		char *save = NULL;
		for (char *t = strtok_r(copy, ":", &save); t && n < 40; t = strtok_r(NULL, ":", &save))
			dirs[n++] = xstrdup(t);
	}
	json_array_foreach(pd, i, e)
		if (n < 60)
			dirs[n++] = xstrdup(json_string_value(e));
	if (ctx && ctx->exe_dir)
		dirs[n++] = xasprintf("%s/plugins", ctx->exe_dir);
	dirs[n++] = xstrdup(BERTH_PREFIX "/lib/berth/plugins");
	return dirs;
}

void plugin_free_dirs(char **dirs)
{
	for (char **d = dirs; d && *d; d++)
		free(*d);
	free(dirs);
}

/* The checks every descriptor passes, from a file (path) or built in; 0 or <0 with err. */
static int plugin_check(const struct berth_plugin_desc *d, enum berth_plugin_kind kind, const char *name,
			const char *path, berr_t *err)
{
	const char *miss;

	if (!d)
		return berr_set(err, ENOTSUP, "plugin %s (%s) cannot run on this host", name, path);
	if (d->abi_major != BERTH_ABI_MAJOR)
		return berr_set(err, ELIBBAD, "plugin %s (%s) was built for berth ABI %u.%u, but this berth "
				"has ABI %d.%d; rebuild the plugin against this berth's headers",
				name, path, d->abi_major, d->abi_minor, BERTH_ABI_MAJOR, BERTH_ABI_MINOR);
	if (d->kind != (uint32_t)kind || !d->name || strcmp(d->name, name) || !d->vtable)
		return berr_set(err, ELIBBAD, "plugin %s (%s) is not a %s driver named \"%s\" "
				"(it says kind %u, name \"%s\")", name, path, plugin_kind_name(kind), name,
				d->kind, d->name ? d->name : "");
	if (d->vtable_size < required_size(kind))
		return berr_set(err, ELIBBAD, "plugin %s (%s, ABI %u.%u): %s vtable is %zu bytes, this berth "
				"(ABI %d.%d) needs at least %zu", name, path, d->abi_major, d->abi_minor,
				plugin_kind_name(kind), d->vtable_size, BERTH_ABI_MAJOR, BERTH_ABI_MINOR,
				required_size(kind));
	if ((miss = missing_member(kind, d->vtable)))
		return berr_set(err, ELIBBAD, "plugin %s (%s, ABI %u.%u) lacks the required member %s "
				"(berth ABI %d.%d)", name, path, d->abi_major, d->abi_minor, miss,
				BERTH_ABI_MAJOR, BERTH_ABI_MINOR);
	return 0;
}

static struct plugin *plugin_new(const char *name, const char *path, void *handle,
				 const struct berth_plugin_desc *d)
{
	struct plugin *p = xcalloc(1, sizeof(*p));

	p->name = xstrdup(name);
	p->path = xstrdup(path);
	p->handle = handle;
	p->desc = d;
	return p;
}

#ifdef BERTH_LEAN_MONITOR
int plugin_open_file(const char *path, enum berth_plugin_kind kind, const char *name,
		     struct plugin **out, berr_t *err)
{
	(void)out;
	return berr_set(err, ENOTSUP, "%s driver %s (%s): this berth-monitor loads no plugin files; "
			"berth-monitor-full does", plugin_kind_name(kind), name, path);
}
#else
int plugin_open_file(const char *path, enum berth_plugin_kind kind, const char *name,
		     struct plugin **out, berr_t *err)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct berth_plugin_desc *d;
	berth_plugin_entry_fn entry;
	int r;

	if (!h)
		return berr_set(err, ELIBBAD, "plugin %s: %s", path, dlerror());
	entry = (berth_plugin_entry_fn)dlsym(h, BERTH_PLUGIN_ENTRY_NAME);
	if (!entry) {
		dlclose(h);
		return berr_set(err, ELIBBAD, "plugin %s (%s): no %s symbol; not a berth plugin", name,
				path, BERTH_PLUGIN_ENTRY_NAME);
	}
	d = entry(plugin_host(NULL));
	if ((r = plugin_check(d, kind, name, path, err)) < 0) {
		dlclose(h);
		return r;
	}
	*out = plugin_new(name, path, h, d);
	return 0;
}
#endif

static const struct plugin_builtin *builtin_of(enum berth_plugin_kind kind, const char *name)
{
	for (const struct plugin_builtin *b = plugin_builtins; b->name; b++)
		if (b->kind == kind && !strcmp(b->name, name))
			return b;
	return NULL;
}

static int name_ok(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      (*s >= 'A' && *s <= 'Z') || *s == '.'))
			return 0;
	return name[0] != '.';
}

/* The file plugin_load would open for name of kind (malloc'd), or NULL. */
static char *plugin_find(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name)
{
	char **dirs = plugin_search_dirs(ctx), *found = NULL;

	for (char **d = dirs; *d && !found; d++) {
		char *path = xasprintf("%s/%s/%s.so", *d, plugin_kind_name(kind), name);
		if (access(path, F_OK) == 0)
			found = path;
		else
			free(path);
	}
	plugin_free_dirs(dirs);
	return found;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether found, the file plugin_find gave for name of kind, is berth's own: the build tree's
 * beside the binary, or the installed one. */
static int own_file(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name, const char *found)
{
	_cleanup_free_ char *own = NULL, *installed = NULL;

	if (ctx->exe_dir)
		own = xasprintf("%s/plugins/%s/%s.so", ctx->exe_dir, plugin_kind_name(kind), name);
	installed = xasprintf(BERTH_PREFIX "/lib/berth/plugins/%s/%s.so", plugin_kind_name(kind), name);
	return (own && same_file(found, own)) || same_file(found, installed);
}

/* The driver name of kind this process has loaded, or NULL. */
static struct plugin *loaded(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name)
{
	for (struct plugin *p = ctx->plugins.head; p; p = p->next)
		if (p->desc->kind == (uint32_t)kind && !strcmp(p->name, name))
			return p;
	return NULL;
}

int plugin_builtin_usable(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name)
{
	const struct plugin_builtin *b = builtin_of(kind, name);
	_cleanup_free_ char *found = NULL;
	struct plugin *p;

	if (!b)
		return 0;
	/* loaded already by a program that has it built in: plugin_load took the built-in one
	 * exactly when the file it found was berth's own (a start asks after loading all three) */
	if (b->entry && (p = loaded(ctx, kind, name)))
		return !p->handle;
	return (found = plugin_find(ctx, kind, name)) && own_file(ctx, kind, name, found);
}

/* The driver built into this program, under the name of the file it stands for. */
static int plugin_builtin_load(const struct plugin_builtin *b, const char *path, struct plugin **out, berr_t *err)
{
	const struct berth_plugin_desc *d = b->entry(plugin_host(NULL));
	int r;

	if ((r = plugin_check(d, b->kind, b->name, path, err)) < 0)
		return r;
	*out = plugin_new(b->name, path, NULL, d);
	return 0;
}

#ifdef BERTH_LEAN_MONITOR
/* Only what is built in: berth started this monitor because the container needs no other driver
 * (container/start.c), so another is a mismatch between them, said as such. */
static int plugin_load_any(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name,
			   struct plugin **out, berr_t *err)
{
	const struct plugin_builtin *b = builtin_of(kind, name);

	(void)ctx;
	if (!b || !b->entry)
		return berr_set(err, ENOENT, "no %s driver named \"%s\" in berth-monitor (berth runs "
				"berth-monitor-full for containers that need other drivers)",
				plugin_kind_name(kind), name);
	return plugin_builtin_load(b, "built in", out, err);
}
#else
static int plugin_load_any(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name,
			   struct plugin **out, berr_t *err)
{
	_cleanup_free_ char *path = plugin_find(ctx, kind, name);
	const struct plugin_builtin *b = builtin_of(kind, name);

	if (!path)
		return berr_set(err, ENOENT, "no %s driver named \"%s\" (looked in BERTH_PLUGIN_PATH, "
				"plugin-dirs, %s/plugins and " BERTH_PREFIX "/lib/berth/plugins)",
				plugin_kind_name(kind), name, ctx->exe_dir ? ctx->exe_dir : "?");
	/* berth has its own drivers built in (core/SConscript); another file is opened */
	if (b && b->entry && own_file(ctx, kind, name, path))
		return plugin_builtin_load(b, path, out, err);
	return plugin_open_file(path, kind, name, out, err);
}
#endif

int plugin_load(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name,
		struct plugin **out, berr_t *err)
{
	struct plugin *p;
	int r;

	if ((p = loaded(ctx, kind, name))) {
		*out = p;
		return 0;
	}
	if (!name_ok(name))
		return berr_set(err, EINVAL, "invalid %s driver name \"%s\"", plugin_kind_name(kind), name);
	if ((r = plugin_load_any(ctx, kind, name, &p, err)) < 0)
		return r;
	p->next = ctx->plugins.head;
	ctx->plugins.head = p;
	*out = p;
	return 0;
}

void plugin_close(struct plugin *p)
{
	if (!p)
		return;
	if (p->initialised && p->desc->kind == BERTH_PLUGIN_STORAGE) {
		const struct berth_storage_ops *ops = p->desc->vtable;
		if (ops->cleanup)
			ops->cleanup();
	}
	if (p->initialised && p->desc->kind == BERTH_PLUGIN_NETWORK) {
		const struct berth_network_ops *ops = p->desc->vtable;
		if (ops->cleanup)
			ops->cleanup();
	}
	/* Leave the code mapped: a plugin may have registered atexit handlers or threads. */
	free(p->name);
	free(p->path);
	free(p);
}

void plugin_set_free(struct plugin_set *set)
{
	struct plugin *p = set->head, *n;

	for (; p; p = n) {
		n = p->next;
		plugin_close(p);
	}
	set->head = NULL;
}
