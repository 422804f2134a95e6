/* The one context object passed down through the core: configuration, where berth's parts live,
 * the store and the drivers, each opened on first use so a command pays only for what it needs. */
#ifndef BERTH_CTX_H
#define BERTH_CTX_H

#include "config/config.h"
#include "plugin/loader.h"

struct store;   /* store/store.h: its users include it (the lean monitor has no sqlite) */

struct berth_ctx {
	struct berth_config cfg;
	char *root_dir;              /* the tree holding scripts/ and lua/ (build tree or share dir) */
	char *exe_dir;               /* directory of the running berth binary */
	char *luac_dir;              /* precompiled chunks of root_dir's Lua files (core/lua/chunk.h) */
	struct store *store;         /* NULL until ctx_store() */
	void (*store_close)(struct store *);   /* set by ctx_store(), called by ctx_free() */
	int store_unavailable;       /* a fork setting up a container: the store is its parent's */
	struct plugin_set plugins;   /* loaded drivers */
	pid_t *children;             /* monitors we started and have not reaped */
	size_t nchildren;
	char locked_id[65];          /* the container whose lock (container_lock) we hold, or "" */
};

/* Fill ctx from the global flags; config_file/data_root/exec_root may be NULL. */
int ctx_init(struct berth_ctx *ctx, const char *config_file, const char *data_root,
	     const char *exec_root, berr_t *err);
void ctx_free(struct berth_ctx *ctx);
/* Remember a child (a container's monitor) to reap; reap those that have exited (WNOHANG). */
void ctx_child(struct berth_ctx *ctx, pid_t pid);
void ctx_reap_children(struct berth_ctx *ctx);
/* The store, opened (and migrated) on first use. */
int ctx_store(struct berth_ctx *ctx, struct store **out, berr_t *err);
/* The configured storage driver, loaded and initialised on first use. */
int ctx_storage(struct berth_ctx *ctx, const struct berth_storage_ops **ops, const char **name,
		berr_t *err);

#endif
