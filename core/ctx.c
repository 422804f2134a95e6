/* The context: config, locations, and lazily opened store and drivers. */
#include "ctx.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The tree holding scripts/ and lua/: next to the binary in the build tree (build/..), else the
 * install prefix's share dir. BERTH_ROOT overrides both (for tests of an installed tree). The
 * precompiled chunks are in build/luac in the build tree, else in the tree's luac/. */
static char *find_root(const char *exe_dir, char **luac_dir)
{
	const char *env = getenv("BERTH_ROOT");
	_cleanup_free_ char *probe = NULL;
	char *root;

	if (env && *env) {
		root = xstrdup(env);
	} else {
		probe = xasprintf("%s/../lua/berth/main.lua", exe_dir);
		if (access(probe, R_OK) == 0) {
			char buf[PATH_MAX];
			_cleanup_free_ char *up = xasprintf("%s/..", exe_dir);
			*luac_dir = xasprintf("%s/luac", exe_dir);
			return xstrdup(realpath(up, buf) ? buf : up);
		}
		root = xstrdup(BERTH_PREFIX "/share/berth");
	}
	*luac_dir = xasprintf("%s/luac", root);
	return root;
}

int ctx_init(struct berth_ctx *ctx, const char *config_file, const char *data_root,
	     const char *exec_root, berr_t *err)
{
	char buf[PATH_MAX];
	ssize_t n;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		*strrchr(buf, '/') = 0;
		ctx->exe_dir = xstrdup(buf);
	} else {
		ctx->exe_dir = xstrdup(".");
	}
	ctx->root_dir = find_root(ctx->exe_dir, &ctx->luac_dir);
	if (!config_file)
		config_file = getenv("BERTH_CONFIG");
	r = config_load(&ctx->cfg, config_file, config_file != NULL, err);
	if (r < 0)
		return r;
	if (data_root) {
		if (data_root[0] != '/')
			return berr_set(err, EINVAL, "--data-root must be an absolute path");
		free(ctx->cfg.data_root);
		ctx->cfg.data_root = xstrdup(data_root);
	}
	if (exec_root) {
		if (exec_root[0] != '/')
			return berr_set(err, EINVAL, "--exec-root must be an absolute path");
		free(ctx->cfg.exec_root);
		ctx->cfg.exec_root = xstrdup(exec_root);
	}
	return 0;
}

void ctx_child(struct berth_ctx *ctx, pid_t pid)
{
	ctx->children = xreallocarray(ctx->children, ctx->nchildren + 1, sizeof(pid_t));
	ctx->children[ctx->nchildren++] = pid;
}

void ctx_reap_children(struct berth_ctx *ctx)
{
	size_t k = 0;

	for (size_t i = 0; i < ctx->nchildren; i++)
		if (waitpid(ctx->children[i], NULL, WNOHANG) == 0)
			ctx->children[k++] = ctx->children[i];   /* still running */
	ctx->nchildren = k;
}

void ctx_free(struct berth_ctx *ctx)
{
	ctx_reap_children(ctx);   /* the rest become init's when we exit */
	free(ctx->children);
	plugin_set_free(&ctx->plugins);
	if (ctx->store && ctx->store_close)
		ctx->store_close(ctx->store);   /* only set where the store is linked (not the monitor) */
	config_free(&ctx->cfg);
	free(ctx->root_dir);
	free(ctx->exe_dir);
	free(ctx->luac_dir);
	memset(ctx, 0, sizeof(*ctx));
}

/* Docker's choice when nothing is configured: a driver that already has data wins, else
 * overlay2 when the kernel has overlayfs, else vfs. */
static const char *auto_storage_driver(struct berth_ctx *ctx)
{
	static const char *order[] = { "overlay2", "vfs", "devicemapper" };
	_cleanup_free_ char *fs = NULL;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		_cleanup_free_ char *d = xasprintf("%s/storage/%s", ctx->cfg.data_root, order[i]);
		if (access(d, F_OK) == 0)
			return order[i];
	}
	if (read_file("/proc/filesystems", &fs, NULL, NULL) == 0 && strstr(fs, "\toverlay\n"))
		return "overlay2";
	return "vfs";
}

int ctx_storage(struct berth_ctx *ctx, const struct berth_storage_ops **ops, const char **name,
		berr_t *err)
{
	const char *drv = ctx->cfg.storage_driver;
	struct plugin *p;
	int r;

	if (!drv || !*drv) {
		drv = auto_storage_driver(ctx);
		ctx->cfg.storage_driver = xstrdup(drv);
	}
	plugin_host(ctx);
	if ((r = plugin_load(ctx, BERTH_PLUGIN_STORAGE, drv, &p, err)) < 0)
		return r;
	if (!p->initialised) {
		_cleanup_free_ char *home = xasprintf("%s/storage/%s", ctx->cfg.data_root, drv);
		const struct berth_storage_ops *o = p->desc->vtable;
		if ((r = mkdir_p(home, 0700, err)) < 0)
			return r;
		if ((r = o->init(home, err)) < 0)
			return berr_wrap(err, "storage driver %s", drv);
		p->initialised = 1;
	}
	*ops = p->desc->vtable;
	if (name)
		*name = p->name;
	return 0;
}
