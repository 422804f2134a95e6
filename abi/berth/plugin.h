/* berth driver ABI: the descriptor every plugin exports.
 *
 * A plugin is a shared object exporting one symbol, BERTH_PLUGIN_ENTRY_NAME, of type
 * berth_plugin_entry_fn. The core calls it with its host table and gets back a descriptor.
 * Versioning follows SQLite's VFS: a major number that breaks, a minor number that only appends
 * members at the end of a vtable, and the vtable's sizeof as the plugin was compiled, so the core
 * never calls a member a plugin built against an older minor does not have.
 */
#ifndef BERTH_ABI_PLUGIN_H
#define BERTH_ABI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define BERTH_ABI_MAJOR 1
#define BERTH_ABI_MINOR 1     /* 1: logging validate */

#define BERTH_PLUGIN_ENTRY_NAME "berth_plugin_entry"

enum berth_plugin_kind {
	BERTH_PLUGIN_STORAGE = 1,
	BERTH_PLUGIN_NETWORK = 2,
	BERTH_PLUGIN_LOGGING = 3,
};

struct berth_host;

struct berth_plugin_desc {
	uint32_t abi_major;        /* BERTH_ABI_MAJOR the plugin was built against */
	uint32_t abi_minor;        /* BERTH_ABI_MINOR the plugin was built against */
	uint32_t kind;             /* enum berth_plugin_kind */
	const char *name;          /* driver name as daemon.json spells it, e.g. "overlay2" */
	size_t vtable_size;        /* sizeof(the kind's vtable) as the plugin was compiled */
	const void *vtable;        /* struct berth_storage_ops / berth_network_ops / berth_logging_ops */
};

/* The one exported function; returns NULL if the plugin cannot run at all on this host. */
typedef const struct berth_plugin_desc *(*berth_plugin_entry_fn)(const struct berth_host *host);

/* True when a plugin built with `vtable_size` bytes of vtable has the member `member` of `type`. */
#define BERTH_HAS_MEMBER(type, vtable_size, member) \
	((vtable_size) >= offsetof(type, member) + sizeof(((type *)0)->member))

#endif
