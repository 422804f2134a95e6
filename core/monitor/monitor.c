/* berth-monitor: the per-container supervisor (conmon's role). Started (double-forked) by
 * `berth start/run`, it is the parent of the container's init: it owns the init's stdio (pipes
 * or a pty), feeds the logging driver, serves attach on exec-root/containers/<id>/attach.sock,
 * records the exit and applies the restart policy. It never opens the store (it links neither
 * sqlite nor Lua, curl or libarchive, to stay small): it reads data-root/containers/<id>/
 * monitor.json, written by berth at start, and records the live state in live.json beside it,
 * which the next berth reading the container folds into the store (container_fold_live).
 *
 *   berth-monitor [--config-file F] --data-root D --exec-root E --id ID --status-fd N [--attach]
 *
 * On the status fd it writes "ready\n" (the attach socket is listening), then "ok <pid>\n" or
 * "err <exit code> <message>\n", then closes it. */
#include "ctx.h"
#include "container/container.h"
#include "container/attach.h"
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define LINE_MAX_BYTES (16 * 1024)     /* Docker splits longer lines into partial messages */

struct line_buf {
	char data[LINE_MAX_BYTES];
	size_t len;
};

struct monitor {
	struct berth_ctx ctx;
	const char *id;
	int status_fd;
	int attach_wait;
	int listen_fd;
	int clients[MAX_CLIENTS];
	int sig_fd;
	/* the running container */
	pid_t pid;
	int out_fd, err_fd;          /* read ends (out_fd = pty master with tty) */
	int in_fd;                   /* write end of stdin, or the pty master, or -1 */
	int tty;
	struct line_buf lines[3];
	/* drivers */
	const struct berth_logging_ops *log_ops;
	struct berth_logger *logger;
	const struct berth_network_ops *net_ops;
	struct berth_endpoint ep;
	char *netns_path;
	int net_joined;
	int mounted;
	int oom_fd, oom;             /* cgroup_oom_watch of the running init, and whether it saw a kill */
	json_t *live;                /* the record kept in live.json, rewritten whole on each change */
};

/* ---- the live record ---- */

static void live_set(struct monitor *m, const char *col, json_t *v)
{
	json_object_set_new(m->live, col, v);
}

static void live_flush(struct monitor *m)
{
	berr_t e = { 0 };
	if (container_live_write(&m->ctx, m->id, m->live, &e) < 0)
		fprintf(stderr, "berth-monitor: %s\n", e.msg);
}

static void live_running(struct monitor *m, int restart_count)
{
	live_set(m, "state", json_string("running"));
	live_set(m, "pid", json_integer(m->pid));
	live_set(m, "pid_start", json_integer((json_int_t)proc_start_time(m->pid)));
	live_set(m, "started_at", json_integer(now_ns()));
	live_set(m, "finished_at", json_integer(0));
	live_set(m, "exit_code", json_integer(0));
	live_set(m, "oom", json_integer(0));
	live_set(m, "error", json_string(""));
	live_set(m, "restart_count", json_integer(restart_count));
	live_flush(m);
}

static void live_exited(struct monitor *m, const char *state, int code, int oom, const char *error)
{
	live_set(m, "state", json_string(state));
	live_set(m, "pid", json_integer(0));
	live_set(m, "pid_start", json_integer(0));
	live_set(m, "exit_code", json_integer(code));
	live_set(m, "oom", json_integer(oom));
	live_set(m, "finished_at", json_integer(now_ns()));
	live_set(m, "error", json_string(error ? error : ""));
	live_flush(m);
}

/* A start that failed leaves the container as it was, as Docker does: "created" until it first
 * ran (else "exited"), FinishedAt untouched, the error and Docker's code (127 not found, 126
 * cannot invoke, else 128; the CLI still exits 125 for those). */
static void live_start_failed(struct monitor *m, const struct container *c, int code, const char *error)
{
	live_set(m, "state", json_string(c->started_at ? "exited" : "created"));
	live_set(m, "pid", json_integer(0));
	live_set(m, "pid_start", json_integer(0));
	live_set(m, "exit_code", json_integer(code == 126 || code == 127 ? code : 128));
	live_set(m, "error", json_string(error ? error : ""));
	live_flush(m);
}

/* exec-root/containers/<id>/init.pid: "pid start-time" of the running init, for containers
 * that join this one's netns (their monitors cannot ask the store). */
static void write_init_pid(struct monitor *m, pid_t pid)
{
	_cleanup_free_ char *dir = container_run_dir(&m->ctx, m->id);
	_cleanup_free_ char *p = xasprintf("%s/init.pid", dir);
	FILE *f;

	if (!pid) {
		unlink(p);
		return;
	}
	if ((f = fopen(p, "we"))) {
		fprintf(f, "%d %llu\n", (int)pid, (unsigned long long)proc_start_time(pid));
		fclose(f);
	}
}

static pid_t read_init_pid(struct monitor *m, const char *id)
{
	_cleanup_free_ char *dir = container_run_dir(&m->ctx, id);
	_cleanup_free_ char *p = xasprintf("%s/init.pid", dir);
	FILE *f = fopen(p, "re");
	int pid = 0;
	unsigned long long start = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d %llu", &pid, &start) != 2)
		pid = 0;
	fclose(f);
	return pid > 0 && proc_start_time(pid) == start ? pid : 0;
}

static void status(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(struct monitor *m, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	if (m->status_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)!write(m->status_fd, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : strlen(buf));
}

static void status_close(struct monitor *m)
{
	if (m->status_fd >= 0)
		close(m->status_fd);
	m->status_fd = -1;
}

/* ---- logging ---- */

static void log_emit(struct monitor *m, int stream, const char *data, size_t len, int partial)
{
	struct berth_log_message msg = { .time_ns = now_ns(), .stream = stream, .partial = partial,
					 .line = data, .len = len };
	berr_t e = { 0 };
	if (m->logger)
		m->log_ops->write(m->logger, &msg, &e);
}

static void log_feed(struct monitor *m, int stream, const char *data, size_t len)
{
	struct line_buf *lb = &m->lines[stream];

	for (size_t i = 0; i < len; i++) {
		lb->data[lb->len++] = data[i];
		if (data[i] == '\n' || lb->len == sizeof(lb->data)) {
			log_emit(m, stream, lb->data, lb->len, data[i] != '\n');
			lb->len = 0;
		}
	}
}

static void log_flush(struct monitor *m)
{
	for (int s = 1; s <= 2; s++)
		if (m->lines[s].len) {
			log_emit(m, s, m->lines[s].data, m->lines[s].len, 0);
			m->lines[s].len = 0;
		}
}

static int open_logger(struct monitor *m, struct container *c, berr_t *err)
{
	json_t *lc = json_object_get(json_object_get(c->doc, "HostConfig"), "LogConfig");
	const char *type = json_string_value(json_object_get(lc, "Type"));
	_cleanup_free_ char *opts = NULL, *dir = container_dir(&m->ctx, c->id);
	struct plugin *p;
	int r;

	if (!type || !*type)
		type = m->ctx.cfg.log_driver && *m->ctx.cfg.log_driver ? m->ctx.cfg.log_driver : "json-file";
	if (!strcmp(type, "none"))
		return 0;
	if ((r = plugin_load(&m->ctx, BERTH_PLUGIN_LOGGING, type, &p, err)) < 0)
		return r;
	m->log_ops = p->desc->vtable;
	{
		/* Docker: the daemon's log-opts apply to containers of the daemon's log-driver that set none */
		json_t *o = json_object_get(lc, "Config");
		const char *dflt = m->ctx.cfg.log_driver && *m->ctx.cfg.log_driver ? m->ctx.cfg.log_driver : "json-file";
		if (json_object_size(o) == 0 && !strcmp(type, dflt))
			o = json_object_get(m->ctx.cfg.root, "log-opts");
		opts = o ? json_dumps(o, JSON_COMPACT) : NULL;
	}
	m->logger = m->log_ops->open(dir, c->id, opts ? opts : "{}", err);
	if (!m->logger)
		return berr_wrap(err, "logging driver %s", type);
	return 0;
}

/* ---- clients ---- */

static void broadcast(struct monitor *m, int type, const char *data, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] >= 0 && attach_send(m->clients[i], type, data, len) < 0) {
			close(m->clients[i]);
			m->clients[i] = -1;
		}
}

static void accept_client(struct monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			return;
		}
	close(fd);
}

static void client_input(struct monitor *m, int i)
{
	static char buf[ATTACH_MAX_FRAME];
	int type;
	long n = attach_recv(m->clients[i], &type, buf, sizeof(buf) - 1);

	if (n < 0) {
		close(m->clients[i]);
		m->clients[i] = -1;
		return;
	}
	if (type == ATTACH_STDIN && m->in_fd >= 0)
		(void)write_all(m->in_fd, buf, (size_t)n);
	else if (type == ATTACH_STDIN_EOF && m->in_fd >= 0 && !m->tty) {
		close(m->in_fd);
		m->in_fd = -1;
	} else if (type == ATTACH_RESIZE && m->tty) {
		struct winsize ws = { 0 };
		buf[n] = 0;
		if (sscanf(buf, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2)
			ioctl(m->out_fd, TIOCSWINSZ, &ws);
	}
}

static int open_listener(struct monitor *m, berr_t *err)
{
	_cleanup_free_ char *dir = container_run_dir(&m->ctx, m->id);
	_cleanup_free_ char *path = xasprintf("%s/attach.sock", dir);
	struct sockaddr_un sa;
	int r, dfd;

	if ((r = mkdir_p(dir, 0700, err)) < 0)
		return r;
	unlink(path);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berr_sys(err, errno, "open %s", dir);
	attach_sockaddr(&sa, dfd);
	m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0 || bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(m->listen_fd, 8) < 0) {
		r = berr_sys(err, errno, "attach socket %s", path);
		close(dfd);
		return r;
	}
	close(dfd);
	return 0;
}

/* ---- network ---- */

static const char *network_driver(struct monitor *m, const char *mode)
{
	if (!mode || !*mode || !strcmp(mode, "default"))
		return m->ctx.cfg.network_driver && *m->ctx.cfg.network_driver ? m->ctx.cfg.network_driver : "none";
	if (!strncmp(mode, "container:", 10))
		return "container";
	return mode;
}

static int network_join(struct monitor *m, struct container *c, struct rt_spec *s, berr_t *err)
{
	const char *mode = json_string_value(json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"));
	const char *drv = network_driver(m, mode);
	struct plugin *p;
	int r;

	if ((r = plugin_load(&m->ctx, BERTH_PLUGIN_NETWORK, drv, &p, err)) < 0)
		return r;
	m->net_ops = p->desc->vtable;
	if (!p->initialised) {
		const char *sd = plugin_host(&m->ctx)->state_dir(drv);
		if ((r = m->net_ops->init(sd, err)) < 0)
			return berr_wrap(err, "network driver %s", drv);
		p->initialised = 1;
	}
	memset(&m->ep, 0, sizeof(m->ep));
	m->ep.network_id = drv;
	m->ep.endpoint_id = m->id;
	m->ep.container_id = m->id;
	m->ep.options_json = "{}";
	if (s->net == RT_NET_NEW) {
		/* name the netns by a bind mount so drivers (and nsenter users) can reach it */
		_cleanup_free_ char *src = xasprintf("/proc/%d/ns/net", (int)m->pid);
		_cleanup_free_ char *dir = xasprintf("%s/netns", m->ctx.cfg.exec_root);
		int fd;
		m->netns_path = container_netns_path(&m->ctx, m->id);
		if ((r = mkdir_p(dir, 0700, err)) < 0)
			return r;
		fd = open(m->netns_path, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		if (mount(src, m->netns_path, NULL, MS_BIND, NULL) < 0)
			return berr_sys(err, errno, "bind netns to %s", m->netns_path);
		m->ep.netns_path = m->netns_path;
	} else if (s->net == RT_NET_JOIN) {
		m->ep.netns_path = s->net_join_path;
	}
	if ((r = m->net_ops->join(&m->ep, err)) < 0)
		return berr_wrap(err, "network driver %s: join", drv);
	m->net_joined = 1;
	return 0;
}

static void network_leave(struct monitor *m)
{
	berr_t e = { 0 };
	if (m->net_joined && m->net_ops->leave)
		m->net_ops->leave(&m->ep, &e);
	m->net_joined = 0;
	if (m->netns_path) {
		umount2(m->netns_path, MNT_DETACH);
		unlink(m->netns_path);
		free(m->netns_path);
		m->netns_path = NULL;
	}
}

/* ---- one run of the container ---- */

static void close_stdio(struct monitor *m)
{
	if (m->out_fd >= 0) close(m->out_fd);
	if (m->err_fd >= 0) close(m->err_fd);
	if (m->in_fd >= 0 && m->in_fd != m->out_fd) close(m->in_fd);
	m->out_fd = m->err_fd = m->in_fd = -1;
}

/* Start the init; returns 0 or <0 with *code (Docker's exit code for the failure). */
static int start_once(struct monitor *m, struct container *c, int *code, berr_t *err)
{
	char rootfs[4096];
	_cleanup_free_ char *cdir = container_dir(&m->ctx, c->id);
	_cleanup_free_ char *seccomp = xasprintf("%s/scripts/container/seccomp-default.json", m->ctx.root_dir);
	struct rt_spec s;
	struct rt_proc p;
	int child_stdio[3] = { -1, -1, -1 }, console[2] = { -1, -1 };
	int open_stdin = json_is_true(json_object_get(json_object_get(c->doc, "Config"), "OpenStdin"));
	int r;

	*code = 125;
	if ((r = container_mount(&m->ctx, c, rootfs, sizeof(rootfs), err)) < 0)
		return r;
	m->mounted = 1;
	if ((r = rt_spec_from_json(&s, c->doc, rootfs, cdir, seccomp, err)) < 0)
		return r;
	{
		_cleanup_free_ char *cache = xasprintf("%s/cache/seccomp", m->ctx.cfg.data_root);
		if ((r = rt_seccomp_prepare(&s, cache, err)) < 0) {
			rt_spec_free(&s);
			return r;
		}
	}
	if (s.net == RT_NET_JOIN) {
		/* berth resolved the name to an id when it wrote monitor.json */
		const char *mode = json_string_value(json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"));
		const char *other = json_string_value(json_object_get(c->doc, "NetworkContainerId"));
		pid_t opid = read_init_pid(m, other ? other : mode + 10);
		if (!opid) {
			r = berr_set(err, EINVAL, "cannot join network of a non running container: %s", mode + 10);
			rt_spec_free(&s);
			return r;
		}
		s.net_join_path = xasprintf("/proc/%d/ns/net", (int)opid);
	}
	m->tty = s.tty;
	p.console_fd = -1;
	if (s.tty) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
			rt_spec_free(&s);
			return berr_sys(err, errno, "console socket");
		}
		p.console_fd = console[1];
		child_stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	} else {
		int o[2], e[2], i[2] = { -1, -1 };
		if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0 || (open_stdin && pipe2(i, O_CLOEXEC) < 0)) {
			rt_spec_free(&s);
			return berr_sys(err, errno, "pipe");
		}
		m->out_fd = o[0];
		m->err_fd = e[0];
		child_stdio[1] = o[1];
		child_stdio[2] = e[1];
		if (open_stdin) {
			m->in_fd = i[1];
			child_stdio[0] = i[0];
		} else {
			child_stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		}
	}
	r = runtime_spawn(&s, child_stdio, &p, err);
	if (console[1] >= 0)
		close(console[1]);
	for (int i = 0; i < 3; i++)
		if (child_stdio[i] >= 0 && (i == 0 || child_stdio[i] != child_stdio[i - 1]))
			close(child_stdio[i]);
	if (r < 0) {
		rt_spec_free(&s);
		return r;
	}
	m->pid = p.pid;
	if ((r = cgroup_create(m->ctx.cfg.cgroup_driver, c->id, &s.limits, p.pid, err)) < 0 ||
	    (r = network_join(m, c, &s, err)) < 0) {
		rt_spec_free(&s);
		runtime_abort(&p, code, err);
		m->pid = 0;
		return r;
	}
	m->oom = 0;
	m->oom_fd = cgroup_oom_watch(c->id);
	rt_spec_free(&s);
	status(m, "ready\n");
	if (m->attach_wait) {
		/* output must not start before the client that asked for it is listening */
		struct pollfd pf = { .fd = m->listen_fd, .events = POLLIN };
		if (poll(&pf, 1, 10000) > 0)
			accept_client(m);
		m->attach_wait = 0;
	}
	if ((r = runtime_release(&p, code, err)) < 0) {
		if (console[0] >= 0)
			close(console[0]);
		waitpid(p.pid, NULL, 0);
		m->pid = 0;
		return r;
	}
	if (console[0] >= 0) {
		m->out_fd = m->in_fd = rt_recv_console(console[0]);
		close(console[0]);
	}
	return 0;
}

static void after_exit(struct monitor *m, struct container *c)
{
	berr_t e = { 0 };

	close_stdio(m);
	network_leave(m);
	if (m->oom_fd >= 0)
		close(m->oom_fd);
	m->oom_fd = -1;
	cgroup_remove(c->id, &e);
	if (m->mounted) {
		container_unmount(&m->ctx, c, &e);
		m->mounted = 0;
	}
}

/* Pump stdio and clients until the init exits; returns its wait status. */
static int supervise(struct monitor *m)
{
	struct pollfd pf[5 + MAX_CLIENTS];
	char buf[32768];
	int wstatus = 0, exited = 0;

	for (;;) {
		int n = 0, idx_out = -1, idx_err = -1, idx_l, idx_sig, idx_oom = -1, cidx[MAX_CLIENTS];
		pf[n] = (struct pollfd){ .fd = m->sig_fd, .events = POLLIN };
		idx_sig = n++;
		pf[n] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		idx_l = n++;
		if (m->out_fd >= 0) {
			pf[n] = (struct pollfd){ .fd = m->out_fd, .events = POLLIN };
			idx_out = n++;
		}
		if (m->err_fd >= 0) {
			pf[n] = (struct pollfd){ .fd = m->err_fd, .events = POLLIN };
			idx_err = n++;
		}
		if (m->oom_fd >= 0) {
			pf[n] = (struct pollfd){ .fd = m->oom_fd, .events = POLLIN };
			idx_oom = n++;
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			cidx[i] = -1;
			if (m->clients[i] >= 0) {
				pf[n] = (struct pollfd){ .fd = m->clients[i], .events = POLLIN };
				cidx[i] = n++;
			}
		}
		if (exited && idx_out < 0 && idx_err < 0)
			break;
		/* after the exit, drain what is left and stop (a pty never gives EOF while open) */
		if (poll(pf, (nfds_t)n, exited ? 200 : -1) <= 0) {
			if (exited)
				break;
			continue;
		}
		/* before the exit: the cgroup may be gone by the time the exit is handled */
		if (idx_oom >= 0 && (pf[idx_oom].revents & POLLIN))
			m->oom |= cgroup_oom_check(m->oom_fd, m->id);
		if (pf[idx_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(m->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					pid_t w;
					int st;
					while ((w = waitpid(-1, &st, WNOHANG)) > 0)
						if (w == m->pid) {
							wstatus = st;
							exited = 1;
						}
				} else if (m->pid > 0 && !exited) {
					kill(m->pid, (int)si.ssi_signo);   /* forward TERM/INT/HUP */
				}
			}
		}
		if (pf[idx_l].revents & POLLIN)
			accept_client(m);
		for (int s = 1; s <= 2; s++) {
			int idx = s == 1 ? idx_out : idx_err;
			int *fd = s == 1 ? &m->out_fd : &m->err_fd;
			if (idx < 0 || !(pf[idx].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(*fd, buf, sizeof(buf));
			if (r > 0) {
				log_feed(m, s, buf, (size_t)r);
				broadcast(m, s, buf, (size_t)r);
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				if (m->in_fd == *fd)
					m->in_fd = -1;
				close(*fd);
				*fd = -1;
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (cidx[i] >= 0 && (pf[cidx[i]].revents & (POLLIN | POLLHUP | POLLERR)))
				client_input(m, i);
	}
	log_flush(m);
	return wstatus;
}

static int exit_code_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}

/* Docker's policies: no, on-failure[:N], always, unless-stopped. */
static int should_restart(struct container *c, int code, int restarts, int stopped_by_user)
{
	json_t *rp = json_object_get(json_object_get(c->doc, "HostConfig"), "RestartPolicy");
	const char *name = json_string_value(json_object_get(rp, "Name"));
	int max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount"));

	if (stopped_by_user || !name || !*name || !strcmp(name, "no"))
		return 0;
	if (!strcmp(name, "always") || !strcmp(name, "unless-stopped"))
		return 1;
	if (!strcmp(name, "on-failure"))
		return code != 0 && (max <= 0 || restarts < max);
	return 0;
}

static int parse_args(int argc, char **argv, const char **cfg, const char **dr, const char **er,
		      struct monitor *m)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--attach")) { m->attach_wait = 1; continue; }
		if (!v) return -1;
		if (!strcmp(a, "--config-file")) *cfg = v;
		else if (!strcmp(a, "--data-root")) *dr = v;
		else if (!strcmp(a, "--exec-root")) *er = v;
		else if (!strcmp(a, "--id")) m->id = v;
		else if (!strcmp(a, "--status-fd")) m->status_fd = atoi(v);
		else return -1;
		i++;
	}
	return m->id ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct monitor mon;
	struct monitor *m = &mon;
	const char *cfg = NULL, *dr = NULL, *er = NULL;
	struct container *c = NULL;
	berr_t err = { 0 };
	sigset_t mask;
	int code = 0, restarts = 0, r;
	int64_t backoff_ms = 100;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("berth-monitor 0.1.0\n");
		return 0;
	}
	m->status_fd = -1;
	m->listen_fd = m->out_fd = m->err_fd = m->in_fd = m->oom_fd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		m->clients[i] = -1;
	if (parse_args(argc, argv, &cfg, &dr, &er, m) < 0) {
		fprintf(stderr, "berth-monitor: started by berth, not by hand\n");
		return 2;
	}
	if (m->status_fd >= 0)
		fcntl(m->status_fd, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	m->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	m->live = json_object();
	if (ctx_init(&m->ctx, cfg, dr, er, &err) < 0 ||
	    container_read_monitor_config(&m->ctx, m->id, &c, &err) < 0 ||
	    open_listener(m, &err) < 0 || open_logger(m, c, &err) < 0) {
		status(m, "err 125 %s\n", err.msg);
		return 125;
	}
	restarts = c->restart_count;
	live_set(m, "monitor_pid", json_integer(getpid()));
	live_set(m, "monitor_start", json_integer((json_int_t)proc_start_time(getpid())));
	/* --rm: the foreground CLI may be gone (or detached); the first berth that folds the exited
	 * record removes the container (container_fold_live), the foreground run right away */
	if (json_is_true(json_object_get(json_object_get(c->doc, "HostConfig"), "AutoRemove")))
		live_set(m, "remove", json_true());
	live_flush(m);
	for (;;) {
		int wstatus, oom, stopped;
		int64_t started = now_ns();
		_cleanup_free_ char *rundir = container_run_dir(&m->ctx, c->id);
		_cleanup_free_ char *stopmark = xasprintf("%s/stopping", rundir);

		unlink(stopmark);
		berr_clear(&err);
		if ((r = start_once(m, c, &code, &err)) < 0) {
			after_exit(m, c);
			if (restarts == c->restart_count)
				live_start_failed(m, c, code, err.msg);
			else
				live_exited(m, "exited", code, 0, err.msg);
			status(m, "err %d %s\n", code, err.msg);
			status_close(m);
			broadcast(m, ATTACH_EXIT, "", 0);
			break;
		}
		live_running(m, restarts);
		write_init_pid(m, m->pid);
		status(m, "ok %d\n", (int)m->pid);
		status_close(m);

		wstatus = supervise(m);
		code = exit_code_of(wstatus);
		oom = m->oom || cgroup_oom_killed(c->id);
		stopped = access(stopmark, F_OK) == 0;
		write_init_pid(m, 0);
		after_exit(m, c);
		{
			char cs[16];
			snprintf(cs, sizeof(cs), "%d", code);
			{
				/* berth update may have changed the restart policy while the container ran */
				struct container *n;
				berr_t e = { 0 };
				if (container_read_monitor_config(&m->ctx, m->id, &n, &e) == 0) {
					json_t *rp = json_object_get(json_object_get(n->doc, "HostConfig"), "RestartPolicy");
					json_t *hc = json_object_get(c->doc, "HostConfig");
					if (rp && hc)
						json_object_set(hc, "RestartPolicy", rp);
					container_free(n);
				}
			}
			int again = should_restart(c, code, restarts - c->restart_count, stopped);
			live_exited(m, again ? "restarting" : "exited", code, oom, "");
			broadcast(m, ATTACH_EXIT, cs, strlen(cs));
			if (!again)
				break;
		}
		/* back-off: doubles from 100ms, reset when the container ran for 10s */
		if (now_ns() - started > 10LL * 1000000000)
			backoff_ms = 100;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (m->clients[i] >= 0) {
				close(m->clients[i]);
				m->clients[i] = -1;
			}
		{
			struct timespec ts = { backoff_ms / 1000, (backoff_ms % 1000) * 1000000 };
			nanosleep(&ts, NULL);
		}
		if (access(stopmark, F_OK) == 0) {
			live_set(m, "state", json_string("exited"));
			live_flush(m);
			break;
		}
		backoff_ms = backoff_ms * 2 > 60000 ? 60000 : backoff_ms * 2;
		restarts++;
		{
			/* berth update may have changed the policy or limits: take its latest document */
			struct container *n;
			if (container_read_monitor_config(&m->ctx, m->id, &n, &err) == 0) {
				n->restart_count = c->restart_count;
				container_free(c);
				c = n;
			}
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] >= 0)
			close(m->clients[i]);
	if (m->logger)
		m->log_ops->close(m->logger);
	{
		_cleanup_free_ char *rundir = container_run_dir(&m->ctx, c->id);
		_cleanup_free_ char *sock = xasprintf("%s/attach.sock", rundir);
		unlink(sock);
	}
	json_decref(m->live);
	container_free(c);
	ctx_free(&m->ctx);
	return 0;
}
