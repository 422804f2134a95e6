/* berth-monitor: the per-container supervisor (conmon's role), the one process that lives as long
 * as the container. It is the parent of the container's init: it owns the init's stdio (pipes or
 * a pty), feeds the logging driver, serves attach on exec-root/containers/<id>/attach.sock,
 * records the exit and applies the restart policy. To be small it does none of the setup
 * (container/spawn.h): at a start, the child of berth (a vfork) that execs this program sets the run up and
 * queues it on the handoff socket first; at a restart, a child of it, berth-runtime setup, hands
 * it the init. After each exit the monitor undoes the setup itself (the cgroup files and the storage
 * and network drivers, loaded only then). It links libc and jansson, and its drivers: built in
 * (the lean build, berth-monitor: static with musl) or dlopen'ed (berth-monitor-full, for any
 * other driver; core/SConscript, container/start.c). No runtime, seccomp or libcap, Lua,
 * sqlite, curl or libarchive. It never opens the store: it reads
 * data-root/containers/<id>/monitor.json, written by berth at start, and records its live state
 * in live.json beside it, which the next berth reading the container folds into the store.
 *
 *   berth-monitor [--config-file F] --data-root D --exec-root E --id ID --status-fd N
 *                 --handoff-fd N [--listen-fd N] [--client-fd N]
 *
 * --handoff-fd: where the first run is (or will be) queued; --listen-fd: the attach socket, bound
 * by berth before the init could run (container/outputs.c), absent when the setup failed;
 * --client-fd: an attach client already connected (berth run/start -a), served before the init
 * may print anything. On the status fd
 * it writes "ok <pid>\n" once the command runs and the attach socket listens, or
 * "err <exit code> <message>\n", then closes it. */
#include "ctx.h"
#include "container/container.h"
#include "container/attach.h"
#include "container/spawn.h"
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
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define LINE_MAX_BYTES (16 * 1024)     /* Docker splits longer lines into partial messages */

struct monitor {
	struct berth_ctx ctx;
	const char *id;
	int status_fd;
	int listen_fd;
	int clients[MAX_CLIENTS];
	int muted[MAX_CLIENTS];      /* the client's stdin ended: it gets the exit, no more output */
	int has_stdin[MAX_CLIENTS];  /* the client attached stdin, which has not ended yet */
	int sig_fd;
	int remove;                  /* --rm */
	/* the running init */
	pid_t pid;
	int out_fd, err_fd;          /* read ends (out_fd = pty master with tty) */
	int in_fd;                   /* write end of stdin, or the pty master, or -1 */
	int tty;
	int stdin_once;              /* Config.StdinOnce: a client's end of stdin closes the container's */
	char *lines[3];              /* partial lines of stdout and stderr (LINE_MAX_BYTES each, on use) */
	size_t line_len[3];
	/* the logging driver */
	const struct berth_logging_ops *log_ops;
	struct berth_logger *logger;
	int oom_fd, oom;             /* cgroup_oom_watch of the running init, and whether it saw a kill */
	char *cgroup;                /* the container's cgroup reference (container_cgroup) */
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
	live_set(m, "cgroup", json_string(m->cgroup));
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
}

/* A start that failed leaves the container as it was, as Docker does: "created" until it first
 * ran (else "exited"), FinishedAt untouched, the error and Docker's code (127 not found, 126
 * cannot invoke, else 128; the CLI still exits 125 for those). finish() writes the record. */
static void live_start_failed(struct monitor *m, const struct container *c, int code, const char *error)
{
	live_set(m, "state", json_string(c->started_at ? "exited" : "created"));
	live_set(m, "pid", json_integer(0));
	live_set(m, "pid_start", json_integer(0));
	live_set(m, "exit_code", json_integer(code == 126 || code == 127 ? code : 128));
	live_set(m, "error", json_string(error ? error : ""));
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
	size_t i = 0;

	if (!m->logger)
		return;
	while (i < len) {
		/* whole lines straight from the read buffer; only a line's unfinished tail is copied */
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) + 1 : len, take;
		if (!m->line_len[stream] && nl && end - i <= LINE_MAX_BYTES) {
			log_emit(m, stream, data + i, end - i, 0);
			i = end;
			continue;
		}
		if (!m->lines[stream])
			m->lines[stream] = xmalloc(LINE_MAX_BYTES);
		take = end - i;
		if (take > LINE_MAX_BYTES - m->line_len[stream])
			take = LINE_MAX_BYTES - m->line_len[stream];
		memcpy(m->lines[stream] + m->line_len[stream], data + i, take);
		m->line_len[stream] += take;
		i += take;
		if (m->lines[stream][m->line_len[stream] - 1] == '\n' || m->line_len[stream] == LINE_MAX_BYTES) {
			log_emit(m, stream, m->lines[stream], m->line_len[stream],
				 m->lines[stream][m->line_len[stream] - 1] != '\n');
			m->line_len[stream] = 0;
		}
	}
}

static void log_flush(struct monitor *m)
{
	for (int s = 1; s <= 2; s++)
		if (m->line_len[s]) {
			log_emit(m, s, m->lines[s], m->line_len[s], 0);
			m->line_len[s] = 0;
		}
}

/* ---- clients ---- */

static void stdin_ended(struct monitor *m, int i);

static void broadcast(struct monitor *m, int type, const char *data, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] >= 0 && !(m->muted[i] && type != ATTACH_EXIT) &&
		    attach_send(m->clients[i], type, data, len) < 0) {
			if (m->has_stdin[i])
				stdin_ended(m, i);
			close(m->clients[i]);
			m->clients[i] = -1;
		}
}

static void add_client(struct monitor *m, int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			m->muted[i] = m->has_stdin[i] = 0;
			return;
		}
	close(fd);
}

static void close_clients(struct monitor *m)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] >= 0) {
			close(m->clients[i]);
			m->clients[i] = -1;
		}
}

static void accept_client(struct monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		add_client(m, fd);
}

/* Docker (container/stream CopyStreams): the end of a client's stdin (its EOF, or the client
 * going away: killed, detached) closes the container's only with StdinOnce (run -i, start -ai of
 * create -i) and no tty; else the container keeps its stdin for the next attach, and that
 * client's output ends while it waits for the exit. */
static void stdin_ended(struct monitor *m, int i)
{
	m->has_stdin[i] = 0;
	if (!m->stdin_once || m->tty) {
		m->muted[i] = 1;
	} else if (m->in_fd >= 0) {
		close(m->in_fd);
		m->in_fd = -1;
	}
}

static void client_input(struct monitor *m, int i)
{
	static char buf[ATTACH_MAX_FRAME];
	int type;
	long n = attach_recv(m->clients[i], &type, buf, sizeof(buf) - 1);

	if (n < 0) {
		if (m->has_stdin[i])
			stdin_ended(m, i);
		close(m->clients[i]);
		m->clients[i] = -1;
		return;
	}
	if (type == ATTACH_STDIN_OPEN)
		m->has_stdin[i] = 1;
	else if (type == ATTACH_STDIN && m->in_fd >= 0)
		(void)write_all(m->in_fd, buf, (size_t)n);
	else if (type == ATTACH_STDIN_EOF)
		stdin_ended(m, i);
	else if (type == ATTACH_RESIZE && m->tty) {
		struct winsize ws = { 0 };
		buf[n] = 0;
		if (sscanf(buf, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2)
			ioctl(m->out_fd, TIOCSWINSZ, &ws);
	}
}

/* ---- berth-runtime: the setup of a restart ---- */

/* Run berth-runtime ACTION for this container with fd passed as --fd; returns its pid. */
static pid_t run_helper(struct monitor *m, const char *action, int fd)
{
	_cleanup_free_ char *bin = xasprintf("%s/berth-runtime", m->ctx.exe_dir);
	char fdbuf[16];
	const char *argv[16];
	int n = 0;
	pid_t pid;

	if (access(bin, X_OK) < 0) {
		free(bin);
		bin = xstrdup(BERTH_PREFIX "/bin/berth-runtime");
	}
	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	argv[n++] = bin;
	argv[n++] = action;
	if (m->ctx.cfg.path) { argv[n++] = "--config-file"; argv[n++] = m->ctx.cfg.path; }
	argv[n++] = "--data-root"; argv[n++] = m->ctx.cfg.data_root;
	argv[n++] = "--exec-root"; argv[n++] = m->ctx.cfg.exec_root;
	argv[n++] = "--id"; argv[n++] = m->id;
	argv[n++] = "--fd"; argv[n++] = fdbuf;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fcntl(fd, F_SETFD, 0);
		execv(bin, (char *const *)argv);
		fprintf(stderr, "berth-monitor: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	return pid;
}

static void reap(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int teardown(struct monitor *m, struct container *c);

/* A run handed over that we cannot supervise: its init killed, the setup undone (c: as
 * teardown's). */
static void abandon_run(struct monitor *m, struct container *c, struct spawn_run *run)
{
	kill(run->pid, SIGKILL);
	spawn_run_close(run);
	reap(run->pid);
	teardown(m, c);
}

/* berth-runtime setup: a new init for a restart, handed over like the first. */
static void spawn_again(struct monitor *m, struct spawn_run *run)
{
	int sv[2];
	pid_t pid;

	spawn_run_init(run);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(run->msg, sizeof(run->msg), "socketpair: %s", strerror(errno));
		return;
	}
	pid = run_helper(m, "setup", sv[1]);
	close(sv[1]);
	if (pid < 0 || spawn_recv(sv[0], run) < 0) {
		spawn_run_init(run);
		snprintf(run->msg, sizeof(run->msg), "berth-runtime setup failed (see monitor.log)");
	}
	close(sv[0]);
	reap(pid);
}

/* The end of the monitor: the log closed, the socket gone, then the final record and the exit
 * frame. Once the record is out, berth may remove the container's directories (--rm), so
 * nothing of ours writes there any more. */
static void finish(struct monitor *m, const char *exit_payload)
{
	_cleanup_free_ char *rundir = container_run_dir(&m->ctx, m->id);
	_cleanup_free_ char *sock = xasprintf("%s/attach.sock", rundir);

	if (m->logger)
		m->log_ops->close(m->logger);
	m->logger = NULL;
	unlink(sock);
	live_flush(m);
	broadcast(m, ATTACH_EXIT, exit_payload, strlen(exit_payload));
	close_clients(m);
}

/* Undo the run (network, netns bind, cgroup, rootfs mount) of c (NULL: read it again from
 * monitor.json); returns whether the memory cgroup recorded an OOM kill. The drivers it needs are
 * loaded now, after the container ran. */
static int teardown(struct monitor *m, struct container *c)
{
	berr_t e = { 0 };
	int oom = 0;

	if ((c ? container_teardown_of(&m->ctx, c, &oom, &e) : container_teardown(&m->ctx, m->id, &oom, &e)) < 0)
		fprintf(stderr, "berth-monitor: teardown: %s\n", e.msg);
	return oom;
}

/* ---- one run of the container ---- */

static void close_stdio(struct monitor *m)
{
	if (m->out_fd >= 0) close(m->out_fd);
	if (m->err_fd >= 0) close(m->err_fd);
	if (m->in_fd >= 0 && m->in_fd != m->out_fd) close(m->in_fd);
	m->out_fd = m->err_fd = m->in_fd = -1;
}

/* Let the handed-over init exec its command; 0 once it runs, else <0 with *code and err. */
static int start_run(struct monitor *m, struct spawn_run *run, int *code, berr_t *err)
{
	int r;

	*code = run->code;
	if (run->code) {
		berr_set(err, EIO, "%s", run->msg);
		spawn_run_close(run);
		return -EIO;
	}
	m->pid = run->pid;
	m->tty = run->tty;
	m->out_fd = run->out_fd;
	m->err_fd = run->err_fd;
	m->in_fd = run->in_fd;
	{
		/* the init may have failed already (it finishes its setup before this): its own
		 * report is the cause then, not the closed pipe */
		berr_t go = { 0 };
		/* a first start arrives let go already unless its log had to be opened first
		 * (container/start.c); a restart does not */
		int lr = run->sync_fd >= 0 ? runtime_let_go(run->sync_fd, &go) : 0;
		run->sync_fd = -1;
		r = runtime_exec_result(run->exec_fd, code, err);
		run->exec_fd = -1;
		if (r == 0 && lr < 0) {
			*code = 125;
			r = berr_set(err, go.code, "%s", go.msg);
		}
	}
	if (r == 0 && run->console_fd >= 0) {
		m->out_fd = m->in_fd = fd_recv(run->console_fd);
		if (m->out_fd < 0) {
			r = berr_set(err, EIO, "receive the container's terminal");
			*code = 125;
		}
	}
	if (run->console_fd >= 0)
		close(run->console_fd);
	run->console_fd = -1;
	return r;
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
			m->oom |= cgroup_oom_check(m->oom_fd, m->cgroup);
		if (pf[idx_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(m->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					pid_t w;
					int st;
					/* the init, or the berth-runtime that handed it over */
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

/* The stop mark of berth restart says "keep": a --rm container is not removed by this exit. */
static int stop_keeps(const char *stopmark)
{
	char buf[8] = "";
	int fd = open(stopmark, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return !strncmp(buf, "keep", 4);
}

static int parse_args(int argc, char **argv, const char **cfg, const char **dr, const char **er,
		      int *handoff_fd, int *client_fd, struct monitor *m)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) return -1;
		if (!strcmp(a, "--config-file")) *cfg = v;
		else if (!strcmp(a, "--data-root")) *dr = v;
		else if (!strcmp(a, "--exec-root")) *er = v;
		else if (!strcmp(a, "--id")) m->id = v;
		else if (!strcmp(a, "--status-fd")) m->status_fd = atoi(v);
		else if (!strcmp(a, "--handoff-fd")) *handoff_fd = atoi(v);
		else if (!strcmp(a, "--client-fd")) *client_fd = atoi(v);
		else if (!strcmp(a, "--listen-fd")) m->listen_fd = atoi(v);
		else return -1;
		i++;
	}
	return m->id && *handoff_fd >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct monitor mon;
	struct monitor *m = &mon;
	const char *cfg = NULL, *dr = NULL, *er = NULL;
	struct container *c = NULL;
	struct spawn_run run;
	berr_t err = { 0 };
	sigset_t mask;
	int code = 0, restarts = 0, handoff_fd = -1, client_fd = -1, r;
	int64_t backoff_ms = 100;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("berth-monitor 0.1.0\n");
		return 0;
	}
	m->status_fd = -1;
	m->listen_fd = m->out_fd = m->err_fd = m->in_fd = m->oom_fd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		m->clients[i] = -1;
	if (parse_args(argc, argv, &cfg, &dr, &er, &handoff_fd, &client_fd, m) < 0) {
		fprintf(stderr, "berth-monitor: started by berth, not by hand\n");
		return 2;
	}
	fcntl(handoff_fd, F_SETFD, FD_CLOEXEC);
	if (m->status_fd >= 0)
		fcntl(m->status_fd, F_SETFD, FD_CLOEXEC);
	if (m->listen_fd >= 0)
		fcntl(m->listen_fd, F_SETFD, FD_CLOEXEC);
	if (client_fd >= 0) {
		fcntl(client_fd, F_SETFD, FD_CLOEXEC);
		add_client(m, client_fd);
	}
	signal(SIGPIPE, SIG_IGN);
	/* berth's fork blocked these before it cloned the init: an early exit is not lost */
	container_monitor_sigmask(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	m->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	m->live = json_object();
	if (ctx_init(&m->ctx, cfg, dr, er, &err) < 0 ||
	    container_read_monitor_config(&m->ctx, m->id, &c, &err) < 0) {
		/* the run handed over holds an init that must not run unsupervised: take it and kill it */
		if (spawn_recv(handoff_fd, &run) == 0 && !run.code)
			abandon_run(m, NULL, &run);
		status(m, "err 125 %s\n", err.msg);
		return 125;
	}
	m->cgroup = container_cgroup(&m->ctx, c);
	restarts = c->restart_count;
	m->remove = json_is_true(json_object_get(json_object_get(c->doc, "HostConfig"), "AutoRemove"));
	m->stdin_once = json_is_true(json_object_get(json_object_get(c->doc, "Config"), "StdinOnce"));
	live_set(m, "monitor_pid", json_integer(getpid()));
	live_set(m, "monitor_start", json_integer((json_int_t)proc_start_time(getpid())));
	/* --rm: the foreground CLI may be gone (or detached); the first berth that folds the exited
	 * record removes the container (container_fold_live), the foreground run right away */
	if (m->remove)
		live_set(m, "remove", json_true());
	if (spawn_recv(handoff_fd, &run) < 0) {
		spawn_run_init(&run);
		snprintf(run.msg, sizeof(run.msg), "the container's setup died (see monitor.log)");
	}
	close(handoff_fd);
	/* before the init may run (berth let it go only where it tried the log itself first,
	 * container/outputs.c): a failure fails the start, the init killed */
	if (!run.code && container_logger_open(&m->ctx, c, &m->log_ops, &m->logger, &err) < 0) {
		abandon_run(m, c, &run);
		spawn_run_init(&run);
		snprintf(run.msg, sizeof(run.msg), "%s", err.msg);
	}
	for (;;) {
		int wstatus, oom, stopped;
		int64_t started = now_ns();
		_cleanup_free_ char *rundir = container_run_dir(&m->ctx, c->id);
		_cleanup_free_ char *stopmark = xasprintf("%s/stopping", rundir);

		berr_clear(&err);
		/* the setup watched the cgroup before the init ran (container/spawn.c) */
		m->oom = 0;
		m->oom_fd = run.oom_fd;
		run.oom_fd = -1;
		if ((r = start_run(m, &run, &code, &err)) < 0) {
			if (m->oom_fd >= 0)
				close(m->oom_fd);
			m->oom_fd = -1;
			close_stdio(m);
			if (m->pid > 0) {
				reap(m->pid);
				m->pid = 0;
				teardown(m, c);   /* a setup that failed undid itself; an init that failed did not */
			}
			if (restarts == c->restart_count)
				live_start_failed(m, c, code, err.msg);
			else
				live_exited(m, "exited", code, 0, err.msg);
			finish(m, "");
			status(m, "err %d %s\n", code, err.msg);
			break;
		}
		unlink(stopmark);
		live_running(m, restarts);
		container_write_init_pid(&m->ctx, m->id, m->pid);
		status(m, "ok %d\n", (int)m->pid);

		wstatus = supervise(m);
		code = exit_code_of(wstatus);
		stopped = access(stopmark, F_OK) == 0;
		container_write_init_pid(&m->ctx, m->id, 0);
		m->pid = 0;
		close_stdio(m);
		if (m->oom_fd >= 0)
			close(m->oom_fd);
		m->oom_fd = -1;
		oom = teardown(m, c) || m->oom;
		{
			char cs[16];
			struct container *n;
			berr_t e = { 0 };
			int again;
			/* berth update may have changed the restart policy while the container ran
			 * (not of a --rm one: update refuses, as Docker's) */
			if (!m->remove && container_read_monitor_config(&m->ctx, m->id, &n, &e) == 0) {
				n->restart_count = c->restart_count;
				container_free(c);
				c = n;
			}
			snprintf(cs, sizeof(cs), "%d", code);
			again = container_should_restart(c, code, restarts - c->restart_count, stopped);
			live_exited(m, again ? "restarting" : "exited", code, oom, "");
			if (!again && stopped && stop_keeps(stopmark))
				json_object_del(m->live, "remove");   /* berth restart of a --rm container */
			if (!again) {
				finish(m, cs);
				break;
			}
			live_flush(m);
			broadcast(m, ATTACH_EXIT, cs, strlen(cs));
		}
		/* back-off: doubles from 100ms, reset when the container ran for 10s */
		if (now_ns() - started > 10LL * 1000000000)
			backoff_ms = 100;
		close_clients(m);
		{
			struct timespec ts = { backoff_ms / 1000, (backoff_ms % 1000) * 1000000 };
			nanosleep(&ts, NULL);
		}
		if (access(stopmark, F_OK) == 0) {
			live_set(m, "state", json_string("exited"));
			finish(m, "");
			break;
		}
		backoff_ms = backoff_ms * 2 > 60000 ? 60000 : backoff_ms * 2;
		restarts++;
		spawn_again(m, &run);
	}
	for (int s = 0; s < 3; s++)
		free(m->lines[s]);
	json_decref(m->live);
	free(m->cgroup);
	container_free(c);
	ctx_free(&m->ctx);
	return 0;
}
