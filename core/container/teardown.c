/* The container's side of its network driver (which driver, its endpoint, the bind that names
 * the netns) and the teardown after an init's exit, which the monitor runs itself: it needs no
 * runtime beyond the cgroup files, only the drivers it loads then (container/spawn.h). */
#include "container/spawn.h"
#include "container/container.h"
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

const char *container_network_mode(const struct container *c)
{
	return json_string_value(json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"));
}

const char *container_network_driver(struct berth_ctx *ctx, const struct container *c)
{
	const char *mode = container_network_mode(c);

	if (!mode || !*mode || !strcmp(mode, "default"))
		return ctx->cfg.network_driver && *ctx->cfg.network_driver ? ctx->cfg.network_driver : "none";
	if (!strncmp(mode, "container:", 10))
		return "container";
	return mode;
}

int container_network(struct berth_ctx *ctx, const struct container *c, const struct berth_network_ops **ops,
		       const char **drv, berr_t *err)
{
	struct plugin *p;
	int r;

	*drv = container_network_driver(ctx, c);
	if ((r = plugin_load(ctx, BERTH_PLUGIN_NETWORK, *drv, &p, err)) < 0)
		return r;
	*ops = p->desc->vtable;
	if (!p->initialised) {
		if ((r = (*ops)->init(plugin_host(ctx)->state_dir(*drv), err)) < 0)
			return berr_wrap(err, "network driver %s", *drv);
		p->initialised = 1;
	}
	return 0;
}

void container_endpoint(const struct container *c, const char *drv, const char *netns, struct berth_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->network_id = drv;
	ep->endpoint_id = c->id;
	ep->container_id = c->id;
	ep->options_json = "{}";
	ep->netns_path = netns;
}

int container_netns_bind(struct berth_ctx *ctx, const char *id, pid_t pid, berr_t *err)
{
	_cleanup_free_ char *src = xasprintf("/proc/%d/ns/net", (int)pid);
	_cleanup_free_ char *dir = xasprintf("%s/netns", ctx->cfg.exec_root);
	_cleanup_free_ char *path = container_netns_path(ctx, id);
	int fd, r;

	if ((r = mkdir_p(dir, 0700, err)) < 0)
		return r;
	fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return berr_sys(err, errno, "bind netns to %s", path);
	return 0;
}

void container_netns_unbind(struct berth_ctx *ctx, const char *id)
{
	_cleanup_free_ char *path = container_netns_path(ctx, id);

	if (umount2(path, MNT_DETACH) == 0 || errno == EINVAL)
		unlink(path);
}

/* --network container:NAME: berth resolved NAME to an id when it wrote monitor.json */
char *container_join_netns(struct berth_ctx *ctx, const struct container *c)
{
	const char *mode = container_network_mode(c);
	const char *other = json_string_value(json_object_get(c->doc, "NetworkContainerId"));
	pid_t opid = container_read_init_pid(ctx, other ? other : mode + 10);

	return opid ? xasprintf("/proc/%d/ns/net", (int)opid) : NULL;
}

char *container_shm_path(struct berth_ctx *ctx, const char *id)
{
	_cleanup_free_ char *cdir = container_dir(ctx, id);
	return xasprintf("%s/mounts/shm", cdir);
}

int container_teardown(struct berth_ctx *ctx, const char *id, int *oom, berr_t *err)
{
	struct container *c;
	int r;

	if ((r = container_read_monitor_config(ctx, id, &c, err)) < 0) {
		berr_t e = { 0 };
		*oom = cgroup_oom_killed(id);
		container_netns_unbind(ctx, id);
		cgroup_remove(id, &e);
		return r;
	}
	r = container_teardown_of(ctx, c, oom, err);
	container_free(c);
	return r;
}

int container_teardown_of(struct berth_ctx *ctx, struct container *c, int *oom, berr_t *err)
{
	const struct berth_network_ops *nops;
	const char *drv, *id = c->id;
	_cleanup_free_ char *netns = container_netns_path(ctx, id), *join = NULL, *cg = NULL;
	struct berth_endpoint ep;
	berr_t e = { 0 };
	int r = 0;

	cg = container_cgroup(ctx, c);   /* under its cgroup parent, if it has one */
	/* an init that shared a pid namespace (--pid) took nothing with it: the rest of the
	 * container is its cgroup */
	cgroup_kill_all(cg);
	*oom = cgroup_oom_killed(cg);
	if (container_network(ctx, c, &nops, &drv, &e) == 0) {
		const char *mode = container_network_mode(c);
		int host = mode && !strcmp(mode, "host");
		if (mode && !strncmp(mode, "container:", 10))
			join = container_join_netns(ctx, c);
		container_endpoint(c, drv, host ? NULL : join ? join : netns, &ep);
		if (nops->leave(&ep, &e) < 0)
			r = berr_set(err, e.code, "network driver %s: leave: %s", drv, e.msg);
	}
	container_netns_unbind(ctx, id);
	berr_clear(&e);
	if (cgroup_remove(cg, &e) < 0 && !r)
		r = berr_set(err, e.code, "%s", e.msg);
	berr_clear(&e);
	{
		_cleanup_free_ char *shm = container_shm_path(ctx, id);
		umount2(shm, MNT_DETACH);   /* --ipc shareable's; those that joined keep theirs */
	}
	if (container_unmount(ctx, c, &e) < 0 && !r)
		r = berr_set(err, e.code, "%s", e.msg);
	return r;
}
