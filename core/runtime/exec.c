/* berth exec: a new process inside a running container, under a small supervisor of its own
 * (the role containerd's shim plays for Docker's exec).
 *
 *   berth (caller) --fork--> A --fork--> supervisor S --fork--> program P
 *
 * A exits at once, so S belongs to no berth process: it outlives the caller when the user
 * detaches, and nobody has to reap it. S stays in the host's namespaces (only its children
 * are born in the container's pid namespace) and outside the container's cgroup, so it is not
 * counted against the container's limits or listed by `top`. P joins the cgroup (through the
 * host's cgroupfs, before it leaves the mount namespace), then the namespaces, and finishes like
 * the init (same user rules, capabilities and seccomp).
 *
 * With a tty, P's terminal comes from the container's own devpts and S holds its master: it
 * relays it to the caller's terminal, watching what the user types for the detach keys. When
 * they are typed (or the caller goes away), S lets go of the caller's terminal and keeps
 * draining the master until P exits, so P never blocks on a full terminal. Without a tty P
 * inherits the caller's stdio.
 *
 * S reports one struct exec_report to the caller on a pipe: P's failure to start, P's exit
 * code, or that the user detached. */
#include "runtime/runtime.h"
#include "container/attach.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

struct exec_report {
	int exit_code;
	char msg[1024];
};

/* What the supervisor tells the caller (one write, smaller than PIPE_BUF). */
struct exec_outcome {
	int exit_code;
	int detached;                /* 1: the user detached, P runs on */
	int failed;                  /* 1: P did not start; msg says why */
	char msg[1024];
};

static const struct { const char *name; int type; } NSES[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
};
#define NNS (sizeof(NSES) / sizeof(NSES[0]))
#define NS_PID (NNS - 1)

static _Noreturn void fail(int fd, int code, const char *msg)
{
	struct exec_report rep = { .exit_code = code };
	snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
	(void)!write(fd, &rep, sizeof(rep));
	_exit(code);
}

static void report(int fd, const struct exec_outcome *o)
{
	(void)!write(fd, o, sizeof(*o));
}

/* Close every fd above 2 but those in keep: a supervisor that outlives the caller must not hold
 * the caller's store, locks or sockets open. */
static void close_other_fds(const int *keep, size_t n)
{
	int lo = 3;

	for (;;) {
		int next = -1;
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= lo && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0) {
			close_range((unsigned)lo, ~0U, 0);
			return;
		}
		if (next > lo)
			close_range((unsigned)lo, (unsigned)next - 1, 0);
		lo = next + 1;
	}
}

static void stdio_to_null(void)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0)
		return;
	for (int i = 0; i < 3; i++)
		dup2(nul, i);
	close(nul);
}

/* The pty master P sends over the console socket before it execs; -1 when P failed first. */
static int recv_master(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) > 0 && (cm = CMSG_FIRSTHDR(&mh)) && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	close(sock);
	return fd;
}

/* P: enter the container and become the program. */
static _Noreturn void program_main(struct rt_spec *s, const int *nsfd, const struct rt_exec_opts *o,
				   int cons, int exec_w)
{
	berr_t e = { 0 };

	/* "0" is the writer itself: no pid to translate between namespaces */
	if (cgroup_join(s->cgroup ? s->cgroup : s->id, 0, &e) < 0)
		fail(exec_w, 125, e.msg);
	for (size_t i = 0; i < NS_PID; i++) {
		/* the same namespace as ours (host network) is fine to enter again */
		if (setns(nsfd[i], NSES[i].type) < 0 && NSES[i].type != CLONE_NEWCGROUP) {
			berr_sys(&e, errno, "setns %s", NSES[i].name);
			fail(exec_w, 125, e.msg);
		}
		close(nsfd[i]);
	}
	if (s->tty) {
		/* the terminal comes from the container's own devpts (tty(1) resolves inside it) */
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), slave;
		if (master < 0 || unlockpt(master) < 0)
			fail(exec_w, 125, "open /dev/ptmx in the container");
		slave = open(ptsname(master), O_RDWR | O_CLOEXEC);
		if (slave < 0)
			fail(exec_w, 125, "open the exec terminal");
		{
			char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'c';
			struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
					     .msg_controllen = sizeof(cbuf) };
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &master, sizeof(int));
			if (sendmsg(cons, &mh, 0) < 0)
				fail(exec_w, 125, "send the exec terminal");
		}
		close(master);
		setsid();
		for (int i = 0; i < 3; i++)
			dup2(slave, i);
		close(slave);
		ioctl(0, TIOCSCTTY, 0);
	} else if (o->detach) {
		setsid();
		stdio_to_null();
	} else if (!o->stdin) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);   /* no -i: no stdin, as Docker's */
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
	}
	if (cons >= 0)
		close(cons);
	if (!o->detach)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (chdir(s->cwd ? s->cwd : "/") < 0) {
		berr_sys(&e, errno, "chdir to cwd (\"%s\") set in config.json failed", s->cwd);
		fail(exec_w, 125, e.msg);
	}
	rt_exec_final(s, exec_w);
}

static int exit_status(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Read the master and throw the bytes away until P exits: nobody watches any more, but P must
 * not block on a full terminal. Returns P's wait status. */
static int drain(int master, int sfd, pid_t child)
{
	char buf[16384];
	int st = 0;

	for (;;) {
		struct pollfd pf[2] = { { .fd = sfd, .events = POLLIN }, { .fd = master, .events = POLLIN } };
		if (waitpid(child, &st, WNOHANG) == child)
			return st;
		if (poll(pf, master >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof(si));
		}
		/* EIO: every slave is closed; only P's exit is left to wait for */
		if (master >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) && read(master, buf, sizeof(buf)) <= 0)
			master = -1;
	}
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Relay the master and the caller's terminal until P exits (returns 0 and *st) or the user
 * types the detach keys or the caller goes away (returns 1; the terminal is restored). */
static int relay_tty(int master, int sfd, int rep_w, pid_t child, const struct rt_exec_opts *o, int *st)
{
	static char buf[16384], out[16384 + 64];
	struct detach_keys dk = { o->detach_keys, o->detach_keys_len, 0 };
	struct termios saved;
	struct winsize ws;
	int in_open = o->stdin, out_ok = 1, detached = 0;
	/* raw only when we read the terminal (as Docker's CLI without -i leaves it cooked) */
	int have_tio = in_open && isatty(0) && tcgetattr(0, &saved) == 0;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
	if (have_tio) {
		struct termios raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	for (;;) {
		/* POLLERR on our end of the report pipe: the caller is gone, as if it detached */
		struct pollfd pf[4] = { { .fd = sfd, .events = POLLIN }, { .fd = master, .events = POLLIN },
					{ .fd = rep_w, .events = 0 }, { .fd = 0, .events = POLLIN } };
		if (poll(pf, in_open ? 4 : 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGWINCH &&
			    ioctl(0, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
			if (waitpid(child, st, WNOHANG) == child) {
				/* what the program wrote last */
				ssize_t r;
				struct pollfd p0 = { .fd = master, .events = POLLIN };
				while (poll(&p0, 1, 0) > 0 && (r = read(master, buf, sizeof(buf))) > 0 && out_ok)
					(void)write_all(1, buf, (size_t)r);
				break;
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(master, buf, sizeof(buf));
			if (r > 0 && out_ok && write_all(1, buf, (size_t)r) < 0)
				out_ok = 0;   /* nobody reads our output any more: keep draining */
			if (r <= 0) {
				/* every slave closed: the program is exiting */
				*st = drain(-1, sfd, child);
				break;
			}
		}
		if (pf[2].revents & (POLLERR | POLLHUP)) {
			detached = 1;
			break;
		}
		if (in_open && (pf[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(0, buf, sizeof(buf));
			long n;
			if (r <= 0) {
				in_open = 0;
				continue;
			}
			n = detach_keys_filter(&dk, buf, (size_t)r, out);
			if (n < 0) {
				detached = 1;
				break;
			}
			(void)write_all(master, out, (size_t)n);
		}
	}
	if (have_tio)
		tcsetattr(0, TCSANOW, &saved);
	return detached;
}

/* S: start P, report its start, then relay or supervise it. Never returns. */
static _Noreturn void supervisor_main(struct rt_spec *s, int *nsfd, const struct rt_exec_opts *o, int rep_w)
{
	struct exec_outcome out = { 0 };
	struct exec_report rep;
	int xp[2], cons[2] = { -1, -1 }, master = -1, sfd, st = 0;
	sigset_t mask;
	pid_t child;
	ssize_t n;

	prctl(PR_SET_NAME, "berth-exec");
	signal(SIGINT, SIG_IGN);      /* keys reach the program; the program's status is ours */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);      /* a closed terminal is a detach, not the program's end */
	signal(SIGPIPE, SIG_IGN);
	{
		int keep[NNS + 1];
		for (size_t i = 0; i < NNS; i++)
			keep[i] = nsfd[i];
		keep[NNS] = rep_w;
		close_other_fds(keep, NNS + 1);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (setns(nsfd[NS_PID], CLONE_NEWPID) < 0) {
		out.failed = 1;
		out.exit_code = 125;
		snprintf(out.msg, sizeof(out.msg), "setns pid: %s", strerror(errno));
		report(rep_w, &out);
		_exit(125);
	}
	close(nsfd[NS_PID]);
	if (pipe2(xp, O_CLOEXEC) < 0 || (s->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cons) < 0)) {
		out.failed = 1;
		out.exit_code = 125;
		snprintf(out.msg, sizeof(out.msg), "pipe: %s", strerror(errno));
		report(rep_w, &out);
		_exit(125);
	}
	child = fork();
	if (child == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(xp[0]);
		close(rep_w);
		close(sfd);
		if (cons[0] >= 0)
			close(cons[0]);
		program_main(s, nsfd, o, cons[1], xp[1]);
	}
	for (size_t i = 0; i < NS_PID; i++)
		close(nsfd[i]);
	close(xp[1]);
	if (child < 0) {
		out.failed = 1;
		out.exit_code = 125;
		snprintf(out.msg, sizeof(out.msg), "fork inside the container: %s", strerror(errno));
		report(rep_w, &out);
		_exit(125);
	}
	if (cons[1] >= 0) {
		close(cons[1]);
		master = recv_master(cons[0]);
	}
	do
		n = read(xp[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(xp[0]);
	if (n == (ssize_t)sizeof(rep)) {
		/* P could not start: its reason, and nothing left to supervise */
		out.failed = 1;
		out.exit_code = rep.exit_code;
		memcpy(out.msg, rep.msg, sizeof(out.msg));
		report(rep_w, &out);
		waitpid(child, NULL, 0);
		_exit(rep.exit_code);
	}
	if (o->detach) {
		report(rep_w, &out);
		close(rep_w);
		if (master < 0)
			_exit(0);   /* P runs on its own (its parent becomes a reaper up the tree) */
		setsid();
		stdio_to_null();
		_exit(exit_status(drain(master, sfd, child)));
	}
	if (master >= 0 && relay_tty(master, sfd, rep_w, child, o, &st)) {
		out.detached = 1;
		report(rep_w, &out);
		close(rep_w);
		/* let go of the caller's terminal and session; keep P's terminal drained */
		stdio_to_null();
		setsid();
		_exit(exit_status(drain(master, sfd, child)));
	}
	if (master < 0)
		while (waitpid(child, &st, 0) < 0 && errno == EINTR)
			;
	out.exit_code = exit_status(st);
	report(rep_w, &out);
	_exit(out.exit_code);
}

int runtime_exec(struct rt_spec *s, pid_t target, const struct rt_exec_opts *o, int *exit_code, berr_t *err)
{
	int nsfd[NNS], rp[2], st;
	struct exec_outcome out;
	pid_t pid;
	ssize_t n;

	*exit_code = 125;
	s->init = 0;   /* an exec'd program is never wrapped in the container's --init */
	for (size_t i = 0; i < NNS; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)target, NSES[i].name);
		nsfd[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0) {
			int e = errno;
			for (size_t j = 0; j < i; j++)
				close(nsfd[j]);
			return berr_sys(err, e, "open %s", p);
		}
	}
	if (pipe2(rp, O_CLOEXEC) < 0) {
		int e = errno;
		for (size_t i = 0; i < NNS; i++)
			close(nsfd[i]);
		return berr_sys(err, e, "pipe");
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(rp[0]);
		if (fork() == 0)
			supervisor_main(s, nsfd, o, rp[1]);
		_exit(0);
	}
	for (size_t i = 0; i < NNS; i++)
		close(nsfd[i]);
	close(rp[1]);
	if (pid < 0) {
		close(rp[0]);
		return berr_sys(err, errno, "fork");
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	do
		n = read(rp[0], &out, sizeof(out));
	while (n < 0 && errno == EINTR);
	close(rp[0]);
	if (n != (ssize_t)sizeof(out))
		return berr_set(err, EIO, "the exec supervisor died");
	*exit_code = out.exit_code;
	if (out.failed)
		return berr_set(err, out.exit_code == 127 ? ENOENT : EACCES, "%s", out.msg);
	return out.detached ? 1 : 0;
}
