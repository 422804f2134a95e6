/* Starting a container's monitor: the one path every start takes (berth start/run, and a berth
 * that finds the monitor of a restart-policy container dead). */
#include "container/container.h"
#include "container/spawn.h"
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

/* The monitor's one status line (it closes the pipe after writing it). */
static int read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;
		char *nl;
		if (poll(&pf, 1, timeout_ms) <= 0)
			return -1;
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		if ((nl = memchr(buf, '\n', n))) {
			*nl = 0;
			return (int)(nl - buf);
		}
	}
	buf[n] = 0;
	return n ? (int)n : -1;
}

/* The outputs the monitor needs, tried before the init may run its command (container/outputs.c):
 * the attach socket bound (the monitor's from then on); the logging driver tried where that
 * is enough (*early: the init may be let go before the monitor opens the log), else left to the
 * monitor, which lets the init go itself once the log is open. A failure becomes prep's, which
 * the setup fork hands over as any failed setup (the monitor records it), and nothing is cloned.
 * Returns the socket, or -1. */
static int open_outputs(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep, int *early)
{
	berr_t err = { 0 };
	int fd;

	*early = 0;
	if (prep->code)
		return -1;
	if ((fd = container_attach_listen(ctx, c->id, &err)) >= 0 && (*early = container_logger_early(ctx, c, &err)) >= 0)
		return fd;
	*early = 0;
	if (fd >= 0)
		close(fd);
	container_spawn_unprepare(ctx, c, prep);
	prep->code = 125;
	snprintf(prep->msg, sizeof(prep->msg), "%s", err.msg);
	return -1;
}

/* The path of program name: beside berth, else the installed one; NULL if neither is there. */
static char *program_path(struct berth_ctx *ctx, const char *name)
{
	char *p = xasprintf("%s/%s", ctx->exe_dir, name);

	if (access(p, X_OK) == 0)
		return p;
	free(p);
	p = xasprintf(BERTH_PREFIX "/bin/%s", name);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* Which monitor runs c. berth-monitor is static with musl (~0.4 MB VmRSS; any dynamically
 * linked glibc program is over 1 MiB) and has berth's bundled drivers built in, nothing else: it
 * cannot dlopen (core/SConscript). berth-monitor-full (glibc, dynamic) loads any driver; it runs
 * the containers whose log, network or storage driver is not one of those built in, or is
 * overridden by a file of the same name in plugin-dirs or BERTH_PLUGIN_PATH, and those of the
 * systemd cgroup driver, whose scope the monitor's teardown stops through libsystemd (dlopen'ed).
 * A lean monitor that was not built (tools/deps.sh not run) is replaced by the full one.
 * Returns the chosen program's path. */
static char *monitor_path(struct berth_ctx *ctx, const struct container *c)
{
	const char *log = container_log_driver(ctx, c), *storage = NULL;
	const char *cgroups = ctx->cfg.cgroup_driver ? ctx->cfg.cgroup_driver : cgroup_default_driver();
	const struct berth_storage_ops *ops;
	berr_t e = { 0 };
	char *path = NULL;

	if (!strcmp(cgroups, "systemd") ||
	    (strcmp(log, "none") && !plugin_builtin_usable(ctx, BERTH_PLUGIN_LOGGING, log)) ||
	    !plugin_builtin_usable(ctx, BERTH_PLUGIN_NETWORK, container_network_driver(ctx, c)) ||
	    (!c->rootfs && (ctx_storage(ctx, &ops, &storage, &e) < 0 ||
			    !plugin_builtin_usable(ctx, BERTH_PLUGIN_STORAGE, storage))) ||
	    !(path = program_path(ctx, "berth-monitor")))
		path = program_path(ctx, "berth-monitor-full");
	/* none there: the exec fails, and berth says the monitor failed to start */
	return path ? path : xstrdup(BERTH_PREFIX "/bin/berth-monitor-full");
}

/* What the setup child needs (spawn_monitor's), in the parent's memory. */
struct setup_args {
	struct berth_ctx *ctx;
	struct container *c;
	struct spawn_prep *prep;
	const char *bin;
	int status_w, client_fd, listen_fd, early;
};

/* The setup child: clones and places the init, hands the run to the monitor it becomes, lets the
 * init go, execs berth-monitor. It runs in berth's memory while berth waits (vfork): what it
 * changes there is berth's too (the spec freed, a plugin loaded: as if berth had done it), so it
 * leaves the store to berth and never returns; it ends in an exec or _exit. */
static void __attribute__((noreturn, noinline)) setup_child(const struct setup_args *a)
{
	struct berth_ctx *ctx = a->ctx;
	const char *id = a->c->id;
	char fdbuf[4][16];
	const char *argv[20];
	int n = 0, nul, hs[2], sync_fd;
	struct spawn_run run;
	sigset_t mask;

	setsid();
	nul = open("/dev/null", O_RDWR);
	dup2(nul, 0); dup2(nul, 1);
	if (nul > 2) close(nul);
	{
		/* the monitor outlives us: it must not hold our stderr open; its own
		 * diagnostics (and the setup's) go to a file beside the container's */
		char lp[4096];
		int lf;
		snprintf(lp, sizeof(lp), "%s/containers/%s/monitor.log", ctx->cfg.data_root, id);
		lf = open(lp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (lf >= 0) {
			dup2(lf, 2);
			close(lf);
		}
	}
	/* blocked from here on, so that an early exit of the init waits for the monitor's
	 * signalfd (blocked and pending signals survive the exec) */
	container_monitor_sigmask(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	/* an init that died in its setup has closed its end of the sync pipe: the let-go's
	 * write then fails with EPIPE, and its own report is what the monitor reads (our signal
	 * handlers are our own: vfork shares the memory, not them) */
	signal(SIGPIPE, SIG_IGN);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hs) < 0) {
		container_spawn_unprepare(ctx, a->c, a->prep);
		_exit(125);
	}
	container_spawn(ctx, a->c, a->prep, 0, &run);
	/* the init is let go by us, not by the monitor we become: its command's exec then
	 * overlaps the monitor's (~4 ms here), and what it writes waits in its pipes or its
	 * pty; its exit waits, blocked, for the monitor's signalfd, and the monitor still
	 * reads its exec result. So the run goes over without the sync fd. Not where the
	 * monitor's open of the log may fail (a syslog to reach): it lets the init go then */
	sync_fd = a->early ? run.sync_fd : -1;
	if (a->early)
		run.sync_fd = -1;
	/* queued on the socket (the fds in flight with it) for the monitor we become */
	if (spawn_send(hs[1], &run) < 0) {
		/* as the monitor does with a run it cannot supervise: nothing may stay */
		if (!run.code) {
			berr_t e = { 0 };
			int oom;
			kill(run.pid, SIGKILL);
			waitpid(run.pid, NULL, 0);
			container_teardown(ctx, id, &oom, &e);
		}
		_exit(125);   /* berth reads EOF on the status pipe: the monitor failed to start */
	}
	close(hs[1]);
	if (sync_fd >= 0) {
		berr_t e = { 0 };
		/* a failure here is the init's own (it died in its setup): its report, in the
		 * exec pipe, is what the monitor reads */
		runtime_let_go(sync_fd, &e);
	}
	/* nothing of ours but the fds below reaches the monitor */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	fcntl(a->status_w, F_SETFD, 0);
	fcntl(hs[0], F_SETFD, 0);
	snprintf(fdbuf[0], sizeof(fdbuf[0]), "%d", a->status_w);
	snprintf(fdbuf[1], sizeof(fdbuf[1]), "%d", hs[0]);
	argv[n++] = a->bin;
	if (ctx->cfg.path) { argv[n++] = "--config-file"; argv[n++] = ctx->cfg.path; }
	argv[n++] = "--data-root"; argv[n++] = ctx->cfg.data_root;
	argv[n++] = "--exec-root"; argv[n++] = ctx->cfg.exec_root;
	argv[n++] = "--id"; argv[n++] = id;
	argv[n++] = "--status-fd"; argv[n++] = fdbuf[0];
	argv[n++] = "--handoff-fd"; argv[n++] = fdbuf[1];
	if (a->client_fd >= 0) {
		fcntl(a->client_fd, F_SETFD, 0);
		snprintf(fdbuf[2], sizeof(fdbuf[2]), "%d", a->client_fd);
		argv[n++] = "--client-fd"; argv[n++] = fdbuf[2];
	}
	if (a->listen_fd >= 0) {
		fcntl(a->listen_fd, F_SETFD, 0);
		snprintf(fdbuf[3], sizeof(fdbuf[3]), "%d", a->listen_fd);
		argv[n++] = "--listen-fd"; argv[n++] = fdbuf[3];
	}
	argv[n] = NULL;
	execv(a->bin, (char *const *)argv);
	_exit(127);
}

/* Start the container's monitor; returns the pipe it reports on ("ok <pid>" or "err <code>
 * <message>"). A child of this berth sets the run up: with c, the driver, the config and prep (the
 * rootfs we mounted, the spec) in memory it clones the init as its own child and places it, hands
 * the run to itself over a socket (container/spawn.h), lets the init exec its command, then execs
 * berth-monitor, which finds the run waiting there. One child of this big process, not two (a
 * fork to exec the monitor beside a fork for the setup): the monitor's start then overlaps the
 * init's own mounts instead of the setup's. And a vfork: berth has nothing to do but wait for the
 * monitor's word, so the child borrows its memory instead of a copy (a fork's page tables and
 * then ~90 copy-on-write faults in the child and ~80 in berth, each ~10-25 us on this VM, on the
 * way to every start). The monitor is our child (in a session of its own) until we exit; a second
 * fork to make it init's at once would copy this big process once more on the way to every
 * start, so we reap it ourselves (ctx_reap_children). client_fd, if not -1, is the monitor's end
 * of an attach connection made before anything runs; listen_fd the attach socket (open_outputs),
 * or -1; early: the init may be let go before the monitor opens the log. */
static int spawn_monitor(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep, int client_fd,
			 int listen_fd, int early, berr_t *err)
{
	_cleanup_free_ char *bin = monitor_path(ctx, c);
	struct store *store = ctx->store;
	void (*store_close)(struct store *) = ctx->store_close;
	int p[2], unavailable = ctx->store_unavailable;
	struct setup_args args = { .ctx = ctx, .c = c, .prep = prep, .client_fd = client_fd,
				   .listen_fd = listen_fd, .early = early };
	pid_t pid;

	ctx_reap_children(ctx);
	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_sys(err, errno, "pipe");
	fflush(NULL);
	/* the store's connection is ours: the child must not touch it (set in our memory, which
	 * it borrows, and put back when it has exec'd) */
	ctx->store = NULL;
	ctx->store_close = NULL;
	ctx->store_unavailable = 1;
	args.bin = bin;
	args.status_w = p[1];
	pid = vfork();
	if (pid == 0)
		setup_child(&args);
	ctx->store = store;
	ctx->store_close = store_close;
	ctx->store_unavailable = unavailable;
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return berr_sys(err, e, "fork");
	}
	close(p[1]);
	ctx_child(ctx, pid);
	return p[0];
}

int container_start(struct berth_ctx *ctx, struct container *c, int client_fd, int *code, berr_t *err)
{
	const char *mode = json_string_value(json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"));
	struct container *other = NULL;
	struct spawn_prep prep;
	char line[2048];
	int r, sfd, listen_fd, early;

	*code = 0;
	if (mode && !strncmp(mode, "container:", 10) && (r = container_get(ctx, mode + 10, &other, err)) < 0)
		return r;
	/* placed by today's settings; the run keeps that cgroup, the monitor records it */
	container_cgroup_resolve(ctx, c);
	r = container_write_monitor_config(ctx, c, other ? other->id : NULL, err);
	if (other)   /* the setup child takes c as monitor.json has it */
		json_object_set_new(c->doc, "NetworkContainerId", json_string(other->id));
	container_free(other);
	if (r < 0)
		return r;
	/* a failure here is handed over by the setup child as any other (the monitor records it) */
	container_spawn_prepare(ctx, c, &prep);
	listen_fd = open_outputs(ctx, c, &prep, &early);
	sfd = spawn_monitor(ctx, c, &prep, client_fd, listen_fd, early, err);
	if (listen_fd >= 0)
		close(listen_fd);   /* the monitor's now */
	if (sfd < 0) {
		container_spawn_unprepare(ctx, c, &prep);
		return sfd;
	}
	/* the setup child took the mount (it handed it to the monitor, or undid it) */
	prep.mounted = 0;
	container_spawn_unprepare(ctx, c, &prep);
	if (read_line(sfd, line, sizeof(line), 60000) < 0)
		snprintf(line, sizeof(line), "err 125 the container's monitor failed to start");
	close(sfd);
	if (!strncmp(line, "err ", 4)) {
		char *msg = strchr(line + 4, ' ');
		*code = atoi(line + 4);
		/* the monitor recorded the failure: fold it now, so a --rm container is gone when
		 * run returns, as Docker's */
		container_fold_live(ctx, c);
		return berr_set(err, EIO, "%s", msg ? msg + 1 : "start failed");
	}
	return atoi(line + 3);
}
