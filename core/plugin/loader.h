/* Finding, loading and checking driver plugins; the core knows no driver by name. */
#ifndef BERTH_LOADER_H
#define BERTH_LOADER_H

#include <berth/plugin.h>
#include <berth/storage.h>
#include <berth/network.h>
#include <berth/logging.h>
#include "common/err.h"

struct berth_ctx;

struct plugin {
	char *name;
	char *path;
	void *handle;                /* dlopen handle */
	const struct berth_plugin_desc *desc;
	int initialised;
	struct plugin *next;
};

struct plugin_set {
	struct plugin *head;
};

/* A driver compiled into the program (core/SConscript generates the table): berth and the lean
 * berth-monitor have them; berth-monitor-full and the unit tests link the same table with entry
 * NULL, to know which drivers the lean monitor has. Ends with a NULL name. */
struct plugin_builtin {
	enum berth_plugin_kind kind;
	const char *name;
	berth_plugin_entry_fn entry;
};
extern const struct plugin_builtin plugin_builtins[];
/* Whether the lean berth-monitor runs the driver `name` of `kind` that this berth would load: it
 * has it built in, and the file plugin_load finds is berth's own bundled one (no plugin-dirs or
 * BERTH_PLUGIN_PATH file of that name comes first). */
int plugin_builtin_usable(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name);

/* The directories searched, in order, for <dir>/<kind>/<name>.so (NULL-terminated, malloc'd). */
char **plugin_search_dirs(struct berth_ctx *ctx);
void plugin_free_dirs(char **dirs);
/* Load (once) the plugin `name` of `kind`; checks ABI major, kind, name, size and members. */
int plugin_load(struct berth_ctx *ctx, enum berth_plugin_kind kind, const char *name,
		struct plugin **out, berr_t *err);
/* Load a plugin from an explicit file (used by plugin_load and tests). */
int plugin_open_file(const char *path, enum berth_plugin_kind kind, const char *name,
		     struct plugin **out, berr_t *err);
void plugin_close(struct plugin *p);
void plugin_set_free(struct plugin_set *set);
const char *plugin_kind_name(enum berth_plugin_kind kind);
/* The host table handed to plugins; bound to ctx for its callbacks. */
const struct berth_host *plugin_host(struct berth_ctx *ctx);

#endif
