/* berth exec: a new process inside a running container. The caller forks; the child joins the
 * cgroup (through the host's cgroupfs, so before entering the mount namespace), then the
 * namespaces, forks once more to land inside the pid namespace, and finishes like the init
 * (same user rules, capabilities and seccomp). */
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

struct exec_report {
	int exit_code;
	char msg[1024];
};

static const struct { const char *name; int type; } NSES[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};
#define NNS (sizeof(NSES) / sizeof(NSES[0]))

static _Noreturn void fail(int fd, int code, const char *msg)
{
	struct exec_report rep = { .exit_code = code };
	snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
	(void)!write(fd, &rep, sizeof(rep));
	_exit(code);
}

/* exec -t: relay between our stdio and the pty master until the program exits; our terminal
 * is raw meanwhile so keys reach the program untouched. Returns the program's wait status. */
static int relay_tty(int master, pid_t child)
{
	struct termios saved, raw;
	struct winsize ws;
	char buf[16384];
	int st = 0, have_tio = isatty(0) && tcgetattr(0, &saved) == 0, in_open = 1, done = 0;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
	if (have_tio) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	while (!done) {
		struct pollfd pf[2] = { { .fd = master, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		int n = poll(pf, in_open ? 2 : 1, 100);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(master, buf, sizeof(buf));
			if (r <= 0)
				done = 1;
			else
				(void)!write(1, buf, (size_t)r);
		}
		if (n > 0 && in_open && (pf[1].revents & (POLLIN | POLLHUP))) {
			ssize_t r = read(0, buf, sizeof(buf));
			if (r <= 0)
				in_open = 0;
			else
				(void)!write(master, buf, (size_t)r);
		}
		if (waitpid(child, &st, WNOHANG) == child) {
			/* drain what the program wrote last */
			ssize_t r;
			struct pollfd p0 = { .fd = master, .events = POLLIN };
			while (poll(&p0, 1, 0) > 0 && (r = read(master, buf, sizeof(buf))) > 0)
				(void)!write(1, buf, (size_t)r);
			child = -1;
			break;
		}
	}
	if (child > 0)
		while (waitpid(child, &st, 0) < 0 && errno == EINTR)
			;
	if (have_tio)
		tcsetattr(0, TCSANOW, &saved);
	return st;
}

int runtime_exec(struct rt_spec *s, pid_t target, int detach, int *exit_code, berr_t *err)
{
	int fds[NNS], pfd[2];
	struct exec_report rep;
	pid_t pid;
	ssize_t n;
	int st;

	*exit_code = 125;
	for (size_t i = 0; i < NNS; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)target, NSES[i].name);
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int e = errno;
			for (size_t j = 0; j < i; j++)
				close(fds[j]);
			return berr_sys(err, e, "open %s", p);
		}
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return berr_sys(err, errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return berr_sys(err, errno, "fork");
	if (pid == 0) {
		berr_t e = { 0 };
		pid_t inner;
		int master = -1;
		close(pfd[0]);
		if (cgroup_join(s->id, getpid(), &e) < 0)
			fail(pfd[1], 125, e.msg);
		for (size_t i = 0; i < NNS; i++) {
			/* the same namespace as ours (host network) is fine to enter again */
			if (setns(fds[i], NSES[i].type) < 0 && !(NSES[i].type == CLONE_NEWCGROUP)) {
				berr_sys(&e, errno, "setns %s", NSES[i].name);
				fail(pfd[1], 125, e.msg);
			}
			close(fds[i]);
		}
		if (s->tty && !detach) {
			/* the terminal comes from the container's own devpts */
			master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (master < 0 || unlockpt(master) < 0)
				fail(pfd[1], 125, "open /dev/ptmx in the container");
		}
		inner = fork();
		if (inner < 0)
			fail(pfd[1], 125, "fork inside the container");
		if (inner == 0) {
			if (master >= 0) {
				int slave = open(ptsname(master), O_RDWR);
				if (slave < 0)
					fail(pfd[1], 125, "open the exec terminal");
				setsid();
				for (int i = 0; i < 3; i++)
					dup2(slave, i);
				if (slave > 2)
					close(slave);
				ioctl(0, TIOCSCTTY, 0);
			}
			if (!detach)
				prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (chdir(s->cwd ? s->cwd : "/") < 0) {
				berr_sys(&e, errno, "chdir to cwd (\"%s\") set in config.json failed", s->cwd);
				fail(pfd[1], 125, e.msg);
			}
			if (detach) {
				setsid();
				int nul = open("/dev/null", O_RDWR);
				if (nul >= 0) {
					dup2(nul, 0); dup2(nul, 1); dup2(nul, 2);
					if (nul > 2) close(nul);
				}
			}
			rt_exec_final(s, pfd[1]);
		}
		close(pfd[1]);
		if (detach)
			_exit(0);
		/* relay the program's status; our own signals go to it */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		if (master >= 0)
			st = relay_tty(master, inner);
		else
			while (waitpid(inner, &st, 0) < 0 && errno == EINTR)
				;
		if (WIFSIGNALED(st))
			_exit(128 + WTERMSIG(st));
		_exit(WEXITSTATUS(st));
	}
	for (size_t i = 0; i < NNS; i++)
		close(fds[i]);
	close(pfd[1]);
	do
		n = read(pfd[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(rep)) {
		*exit_code = rep.exit_code;
		return berr_set(err, rep.exit_code == 127 ? ENOENT : EACCES, "%s", rep.msg);
	}
	*exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}
