/* Setting up and tearing down one run of a container's init, outside the long-lived monitor
 * (see spawn.h). Each step of the setup is undone in reverse order when a later one fails, so a
 * failed start leaves nothing mounted, placed or joined. */
#include "container/spawn.h"
#include "container/container.h"
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

/* --ipc shareable: /dev/shm is a tmpfs on the host that the container and those that join its
 * IPC namespace bind (Docker's containers/<id>/mounts/shm); container_teardown unmounts it. */
static int shareable_shm(struct berth_ctx *ctx, struct container *c, struct rt_spec *s, berr_t *err)
{
	_cleanup_free_ char *path = container_shm_path(ctx, c->id);
	_cleanup_free_ char *data = xasprintf("mode=1777,size=%lld", (long long)s->shm_size);
	int r;

	if ((r = mkdir_p(path, 0700, err)) < 0)
		return r;
	umount2(path, MNT_DETACH);   /* a mount a crash left behind */
	if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
		return berr_sys(err, errno, "mount shm tmpfs %s", path);
	s->ipc_shm_path = xstrdup(path);
	return 0;
}

/* --pid and --ipc container:ID: the namespaces of that container's running init, with Docker's
 * refusals (not running; an IPC donor that is not shareable); a shareable container's shm. */
static int join_namespaces(struct berth_ctx *ctx, struct container *c, struct rt_spec *s, berr_t *err)
{
	json_t *hc = json_object_get(c->doc, "HostConfig");
	const char *pm = json_string_value(json_object_get(hc, "PidMode"));
	const char *im = json_string_value(json_object_get(hc, "IpcMode"));
	pid_t opid;

	if (pm && !strncmp(pm, "container:", 10)) {
		if (!(opid = container_read_init_pid(ctx, pm + 10)))
			return berr_set(err, EINVAL, "container %s is not running", pm + 10);
		s->pid_join_path = xasprintf("/proc/%d/ns/pid", (int)opid);
	}
	if (s->ipc == RT_IPC_SHAREABLE)
		return shareable_shm(ctx, c, s, err);
	if (s->ipc == RT_IPC_JOIN) {
		_cleanup_free_ char *shm = container_shm_path(ctx, im + 10);
		struct container *other = NULL;
		const char *omode;
		int shareable;
		if (!(opid = container_read_init_pid(ctx, im + 10)))
			return berr_set(err, EINVAL, "can't join IPC of container %s: container %s is not running", im + 10, im + 10);
		if (container_read_monitor_config(ctx, im + 10, &other, err) < 0)
			return berr_wrap(err, "can't join IPC of container %s", im + 10);
		omode = json_string_value(json_object_get(json_object_get(other->doc, "HostConfig"), "IpcMode"));
		shareable = omode && !strcmp(omode, "shareable");
		container_free(other);
		if (!shareable)
			return berr_set(err, EINVAL, "can't join IPC of container %s: non-shareable IPC "
					"(hint: use IpcMode:shareable for the donor container)", im + 10);
		s->ipc_join_path = xasprintf("/proc/%d/ns/ipc", (int)opid);
		s->ipc_shm_path = xstrdup(shm);
	}
	return 0;
}

int container_spawn_prepare(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep)
{
	_cleanup_free_ char *cdir = container_dir(ctx, c->id);
	_cleanup_free_ char *seccomp = xasprintf("%s/scripts/container/seccomp-default.json", ctx->root_dir);
	_cleanup_free_ char *cache = xasprintf("%s/cache/seccomp", ctx->cfg.data_root);
	berr_t err = { 0 };
	int r;

	memset(prep, 0, sizeof(*prep));
	if ((r = container_mount(ctx, c, prep->rootfs, sizeof(prep->rootfs), &err)) < 0)
		goto fail;
	prep->mounted = 1;
	if ((r = rt_spec_from_json(&prep->s, c->doc, prep->rootfs, cdir, seccomp, &err)) < 0)
		goto fail;
	prep->have_spec = 1;
	if ((r = rt_spec_devices(&prep->s, c->doc, &err)) < 0)
		goto fail;
	prep->s.cgroup = container_cgroup(ctx, c);
	if ((r = rt_seccomp_prepare(&prep->s, cache, &err)) < 0)
		goto fail;
	return 0;
fail:
	container_spawn_unprepare(ctx, c, prep);
	prep->code = 125;
	snprintf(prep->msg, sizeof(prep->msg), "%s", err.msg[0] ? err.msg : "container setup failed");
	return r < 0 ? r : -EIO;
}

void container_spawn_unprepare(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep)
{
	if (prep->have_spec)
		rt_spec_free(&prep->s);
	if (prep->mounted) {
		berr_t e = { 0 };
		container_unmount(ctx, c, &e);
	}
	prep->have_spec = prep->mounted = 0;
}

int container_spawn(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prepared, int init_to_parent,
		    struct spawn_run *run)
{
	const char *id = c->id;
	_cleanup_free_ char *netns = container_netns_path(ctx, id);
	struct spawn_prep own, *prep = prepared ? prepared : &own;
	struct rt_spec s;
	struct rt_proc p = { .console_fd = -1, .clone_parent = init_to_parent };
	struct berth_endpoint ep;
	const struct berth_network_ops *nops = NULL;
	const char *drv = NULL;
	int child_stdio[3] = { -1, -1, -1 }, console[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int in[2] = { -1, -1 };
	int oom_fd = -1, spawned = 0, placed = 0, bound = 0, r;
	berr_t err = { 0 };

	spawn_run_init(run);
	if (!prepared)
		container_spawn_prepare(ctx, c, &own);
	if (prep->code) {
		run->code = prep->code;
		snprintf(run->msg, sizeof(run->msg), "%s", prep->msg);
		return -EIO;
	}
	s = prep->s;
	if (s.net == RT_NET_JOIN && !(s.net_join_path = container_join_netns(ctx, c))) {
		r = berr_set(&err, EINVAL, "cannot join network of a non running container: %s", container_network_mode(c) + 10);
		goto fail;
	}
	if ((r = join_namespaces(ctx, c, &s, &err)) < 0)
		goto fail;
	if (s.tty) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
			r = berr_sys(&err, errno, "console socket");
			goto fail;
		}
		p.console_fd = console[1];
		child_stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	} else {
		int open_stdin = json_is_true(json_object_get(json_object_get(c->doc, "Config"), "OpenStdin"));
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || (open_stdin && pipe2(in, O_CLOEXEC) < 0)) {
			r = berr_sys(&err, errno, "pipe");
			goto fail;
		}
		child_stdio[0] = open_stdin ? in[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);
		child_stdio[1] = out[1];
		child_stdio[2] = errp[1];
	}
	r = runtime_spawn(&s, child_stdio, &p, &err);
	/* the init has its ends; ours are the other ones */
	for (int i = 0; i < 3; i++)
		if (child_stdio[i] >= 0)
			close(child_stdio[i]);
	in[0] = out[1] = errp[1] = -1;
	if (console[1] >= 0)
		close(console[1]);
	console[1] = -1;
	if (r < 0)
		goto fail;
	spawned = 1;
	if ((r = cgroup_create(ctx->cfg.cgroup_driver, s.cgroup, &s.limits, p.pid, &err)) < 0)
		goto fail;
	placed = 1;
	/* watched before the init runs (a first start lets it go before the monitor is there):
	 * under systemd the scope's cgroup, its OOM count with it, is gone once the init died */
	oom_fd = cgroup_oom_watch(s.cgroup);
	/* the init finishes its mounts while we join the network */
	if ((r = runtime_placed(p.sync_fd, &err)) < 0)
		goto fail;
	if ((r = container_network(ctx, c, &nops, &drv, &err)) < 0)
		goto fail;
	if (s.net == RT_NET_NEW) {
		if ((r = container_netns_bind(ctx, c->id, p.pid, &err)) < 0)
			goto fail;
		bound = 1;
	}
	container_endpoint(c, drv, s.net == RT_NET_NEW ? netns : s.net == RT_NET_JOIN ? s.net_join_path : NULL, &ep);
	if ((r = nops->join(&ep, &err)) < 0) {
		berr_wrap(&err, "network driver %s: join", drv);
		goto fail;
	}
	run->code = 0;
	run->pid = p.pid;
	run->tty = s.tty;
	run->sync_fd = p.sync_fd;
	run->exec_fd = p.exec_fd;
	run->out_fd = out[0];
	run->err_fd = errp[0];
	run->in_fd = in[1];
	run->console_fd = console[0];
	run->oom_fd = oom_fd;
	prep->s = s;
	prep->mounted = 0;   /* the monitor's teardown unmounts it */
	container_spawn_unprepare(ctx, c, prep);
	return 0;
fail:
	if (spawned)
		runtime_abort(&p, &run->code, &err);   /* a failure of the init's own setup is the cause */
	if (bound)
		container_netns_unbind(ctx, id);
	if (oom_fd >= 0)
		close(oom_fd);
	if (placed) {
		berr_t e = { 0 };
		cgroup_remove(s.cgroup, &e);
	}
	if (s.ipc == RT_IPC_SHAREABLE && s.ipc_shm_path)
		umount2(s.ipc_shm_path, MNT_DETACH);
	prep->s = s;   /* what the steps above added to it (the netns to join) is freed with it */
	container_spawn_unprepare(ctx, c, prep);
	for (int i = 0; i < 2; i++) {
		if (console[i] >= 0) close(console[i]);
		if (out[i] >= 0) close(out[i]);
		if (errp[i] >= 0) close(errp[i]);
		if (in[i] >= 0) close(in[i]);
	}
	snprintf(run->msg, sizeof(run->msg), "%s", err.msg[0] ? err.msg : "container setup failed");
	return r < 0 ? r : -EIO;
}
