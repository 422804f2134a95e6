/* The container's init: cloned into new namespaces, it builds the cgroup-independent part of its
 * file system while its parent places it (cgroups, network), then finishes it, drops privileges
 * and execs the command.
 * Failures travel back as {exit code, message} on a close-on-exec pipe. */
#include "runtime/runtime.h"
#include "runtime/mounts.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static _Noreturn void child_fail(int fd, int code, const berr_t *err)
{
	struct rt_exec_report rep = { .exit_code = code };
	snprintf(rep.msg, sizeof(rep.msg), "%.1000s", err->msg);
	(void)!write(fd, &rep, sizeof(rep));
	_exit(code);
}

int rt_find_program(const char *argv0, char *const *env, char *out, size_t len)
{
	const char *path = DEFAULT_PATH + 5;
	struct stat st;
	int denied = 0;

	if (strchr(argv0, '/')) {
		snprintf(out, len, "%s", argv0);
		if (stat(argv0, &st) < 0)
			return -ENOENT;
		if (S_ISDIR(st.st_mode) || access(argv0, X_OK) < 0)
			return -EACCES;
		return 0;
	}
	for (char *const *e = env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	while (path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		snprintf(out, len, "%.*s/%s", (int)n, n ? path : ".", argv0);
		if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			denied = 1;
		}
		path = colon ? colon + 1 : NULL;
	}
	return denied ? -EACCES : -ENOENT;
}

/* env + Docker's defaults: PATH when the image has none, HOSTNAME, HOME (and TERM with a tty). */
static char **build_env(const struct rt_spec *s, const char *home)
{
	size_t n = 0;
	char **env;
	int has_path = 0, has_home = 0, has_host = 0, has_term = 0;

	while (s->env && s->env[n]) {
		has_path |= !strncmp(s->env[n], "PATH=", 5);
		has_home |= !strncmp(s->env[n], "HOME=", 5);
		has_host |= !strncmp(s->env[n], "HOSTNAME=", 9);
		has_term |= !strncmp(s->env[n], "TERM=", 5);
		n++;
	}
	env = xcalloc(n + 5, sizeof(char *));
	n = 0;
	if (!has_path)
		env[n++] = xstrdup(DEFAULT_PATH);
	if (!has_host)
		env[n++] = xasprintf("HOSTNAME=%s", s->hostname);
	for (size_t i = 0; s->env && s->env[i]; i++)
		env[n++] = s->env[i];
	if (s->tty && !has_term)
		env[n++] = xstrdup("TERM=xterm");
	if (!has_home)
		env[n++] = xasprintf("HOME=%s", home && *home ? home : "/");
	return env;
}

struct child_args {
	struct rt_spec *s;
	const int *stdio;
	int sync_r, exec_w, netns_fd, ipcns_fd, console_fd;
};

/* The terminal is allocated from the container's own devpts (so tty(1) and /proc/self/fd
 * resolve inside it); the master goes to the monitor over the console socket (runc's way). */
static int open_console(int sock, berr_t *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'c';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int master, slave;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return berr_sys(err, errno, "open /dev/ptmx");
	if (unlockpt(master) < 0)
		return berr_sys(err, errno, "unlockpt");
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0)
		return berr_sys(err, errno, "open %s", ptsname(master));
	{
		/* /dev/console is the terminal too (runc's way); /dev is our own tmpfs */
		int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		if (mount(ptsname(master), "/dev/console", NULL, MS_BIND, NULL) < 0)
			return berr_sys(err, errno, "bind /dev/console");
	}
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if (sendmsg(sock, &mh, 0) < 0)
		return berr_sys(err, errno, "send the console");
	close(master);
	close(sock);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return berr_sys(err, errno, "dup2 console");
	if (slave > 2)
		close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return berr_sys(err, errno, "set controlling terminal");
	return 0;
}

static int mkdir_p_quiet(const char *path)
{
	berr_t e = { 0 };
	return mkdir_p(path, 0755, &e);
}

_Noreturn void rt_exec_final(struct rt_spec *s, int exec_w);

/* What the final exec needs, worked out before the release. */
struct exec_plan {
	char prog[4096];
	char **env;
};

/* The steps of the final exec that can fail: user, privileges (bounding set, ids, caps,
 * no_new_privs, seccomp), environment, the program's path. Failures go to exec_w. */
static void exec_prepare(struct rt_spec *s, int exec_w, struct exec_plan *x)
{
	berr_t err = { 0 };
	_cleanup_free_ char *home = NULL;
	int r;

	{
		uid_t uid; gid_t gid, *groups = NULL; size_t ng = 0;
		if (rt_resolve_user(s->user, &uid, &gid, &groups, &ng, &home, &err) < 0)
			child_fail(exec_w, 125, &err);
		free(groups);
	}
	/* nothing but stdio crosses into the container, whatever the process that set it up held
	 * open (a berth fork carries its caller's files); before seccomp, which may forbid it */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (rt_apply_privileges(s, &err) < 0)
		child_fail(exec_w, 125, &err);
	x->env = build_env(s, home);
	r = rt_find_program(s->argv[0], x->env, x->prog, sizeof(x->prog));
	if (r == -ENOENT) {
		if (strchr(s->argv[0], '/'))
			berr_set(&err, ENOENT, "exec: \"%s\": stat %s: no such file or directory", s->argv[0], s->argv[0]);
		else
			berr_set(&err, ENOENT, "exec: \"%s\": executable file not found in $PATH", s->argv[0]);
		child_fail(exec_w, 127, &err);
	}
	if (r == -EACCES) {
		berr_set(&err, EACCES, "exec: \"%s\": permission denied", s->argv[0]);
		child_fail(exec_w, 126, &err);
	}
}

static _Noreturn void exec_now(struct rt_spec *s, struct exec_plan *x, int exec_w)
{
	berr_t err = { 0 };
	sigset_t none;
	int r;

	/* the program starts with the signal state of a fresh process, not the monitor's (which
	 * blocks SIGCHLD/SIGTERM/... for its signalfd and ignores SIGPIPE) */
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->init) {
		/* --init: berth-init runs the command (found above, so a missing one still fails the
		 * start with Docker's message) and stays pid 1 */
		size_t n = 0;
		char **argv;
		while (s->argv[n])
			n++;
		argv = xcalloc(n + 3, sizeof(char *));
		argv[0] = RT_INIT_PATH;
		argv[1] = "--";
		memcpy(argv + 2, s->argv, n * sizeof(char *));
		execve(RT_INIT_PATH, argv, x->env);
		r = errno;
		berr_sys(&err, r, "exec: \"%s\"", RT_INIT_PATH);
		child_fail(exec_w, r == ENOENT ? 127 : 126, &err);
	}
	execve(x->prog, s->argv, x->env);
	r = errno;
	berr_sys(&err, r, "exec: \"%s\"", s->argv[0]);
	child_fail(exec_w, r == ENOENT ? 127 : 126, &err);
}

_Noreturn void rt_exec_final(struct rt_spec *s, int exec_w)
{
	struct exec_plan x;

	exec_prepare(s, exec_w, &x);
	exec_now(s, &x, exec_w);
}

static void wait_for(int sync_r, char what)
{
	char c;

	if (read(sync_r, &c, 1) != 1 || c != what)
		_exit(125);  /* the parent (or the monitor) gave up before letting us go */
}

/* Two steps gate the init: 'p' once it is placed in its cgroups (the cgroup namespace and the
 * mounts under /sys/fs/cgroup need that), then 'g' once its run is handed to the monitor (which
 * may still be starting: the output waits in the pipes). Everything but the exec itself is done
 * before 'g', while the network is joined and the run handed over: nothing of the image runs
 * before the release. */
static _Noreturn void child_main(struct child_args *a)
{
	struct rt_spec *s = a->s;
	struct exec_plan x;
	berr_t err = { 0 };
	int rootfd = -1, r;

	/* die with the monitor rather than run unsupervised */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	for (int i = 0; i < 3; i++)
		if (a->stdio[i] >= 0 && dup2(a->stdio[i], i) < 0)
			child_fail(a->exec_w, 125, &(berr_t){ .msg = "dup2 stdio" });
	setsid();
	if (a->netns_fd >= 0 && setns(a->netns_fd, CLONE_NEWNET) < 0) {
		berr_sys(&err, errno, "join network namespace");
		child_fail(a->exec_w, 125, &err);
	}
	/* before /dev/mqueue is mounted: it shows the IPC namespace of its mounter */
	if (a->ipcns_fd >= 0 && setns(a->ipcns_fd, CLONE_NEWIPC) < 0) {
		berr_sys(&err, errno, "join IPC namespace");
		child_fail(a->exec_w, 125, &err);
	}
	/* the mounts that need no cgroup overlap the parent's cgroup placement (on v1 the attach
	 * waits for an RCU grace period, ~10 ms) */
	if ((r = mnt_setup_rootfs(s, &rootfd, &err)) < 0)
		child_fail(a->exec_w, 125, &err);
	wait_for(a->sync_r, 'p');
	/* the cgroup namespace is taken after the parent moved us, so berth/<id> is its root */
	if (!s->cgroupns_host && unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL) {
		berr_sys(&err, errno, "cgroup namespace");
		child_fail(a->exec_w, 125, &err);
	}
	if ((r = mnt_finish_rootfs(s, rootfd, &err)) < 0 || (r = mnt_pivot(s, rootfd, &err)) < 0)
		child_fail(a->exec_w, 125, &err);
	close(rootfd);
	if (s->tty && a->console_fd >= 0 && (r = open_console(a->console_fd, &err)) < 0)
		child_fail(a->exec_w, 125, &err);
	if (s->net != RT_NET_HOST && !s->uts_host && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		berr_sys(&err, errno, "sethostname");
		child_fail(a->exec_w, 125, &err);
	}
	if (s->domainname && s->net != RT_NET_HOST && !s->uts_host)
		(void)!setdomainname(s->domainname, strlen(s->domainname));

	if (s->cwd) {
		mkdir_p_quiet(s->cwd);
		if (chdir(s->cwd) < 0) {
			berr_sys(&err, errno, "chdir to cwd (\"%s\") set in config.json failed", s->cwd);
			child_fail(a->exec_w, 125, &err);
		}
	}
	exec_prepare(s, a->exec_w, &x);
	wait_for(a->sync_r, 'g');
	close(a->sync_r);
	exec_now(s, &x, a->exec_w);
}

/* The namespace flags of the init's clone: new ones but those the spec shares. */
static unsigned long clone_flags(const struct rt_spec *s)
{
	unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;

	if (s->net == RT_NET_NEW)
		flags |= CLONE_NEWNET;
	if (s->net == RT_NET_HOST || s->uts_host)
		flags &= ~(unsigned long)CLONE_NEWUTS;   /* host network shares the host's name, as Docker */
	if (s->pid_host || s->pid_join_path)
		flags &= ~(unsigned long)CLONE_NEWPID;   /* joined by setns before the clone */
	if (s->ipc == RT_IPC_HOST || s->ipc == RT_IPC_JOIN)
		flags &= ~(unsigned long)CLONE_NEWIPC;   /* a joined one is entered by the child */
	return flags;
}

/* --pid container:X: our children are born in X's pid namespace (setns on a pid namespace
 * changes only where children go). *own gets ours back after the clone. */
static int enter_pid_ns(const struct rt_spec *s, int *own, berr_t *err)
{
	_cleanup_close_ int fd = -1;

	*own = -1;
	if (!s->pid_join_path)
		return 0;
	if ((fd = open(s->pid_join_path, O_RDONLY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open %s", s->pid_join_path);
	if ((*own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open /proc/self/ns/pid");
	if (setns(fd, CLONE_NEWPID) < 0) {
		int e = errno;
		close(*own);
		*own = -1;
		return berr_sys(err, e, "join pid namespace");
	}
	return 0;
}

static void leave_pid_ns(int own)
{
	if (own >= 0) {
		(void)!setns(own, CLONE_NEWPID);
		close(own);
	}
}

int runtime_spawn(struct rt_spec *s, const int stdio[3], struct rt_proc *p, berr_t *err)
{
	int sync[2], exec[2], own_pid = -1;
	struct child_args a = { .s = s, .stdio = stdio, .netns_fd = -1, .ipcns_fd = -1, .console_fd = p->console_fd };
	unsigned long flags = clone_flags(s);
	pid_t pid;

	if (p->clone_parent)
		flags |= CLONE_PARENT;   /* runc's nsexec way: the init is our parent's (the monitor's) child */
	if (s->net == RT_NET_JOIN) {
		a.netns_fd = open(s->net_join_path, O_RDONLY | O_CLOEXEC);
		if (a.netns_fd < 0)
			return berr_sys(err, errno, "open %s", s->net_join_path);
	}
	if (s->ipc == RT_IPC_JOIN && (a.ipcns_fd = open(s->ipc_join_path, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = errno;
		if (a.netns_fd >= 0)
			close(a.netns_fd);
		return berr_sys(err, e, "open %s", s->ipc_join_path);
	}
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(exec, O_CLOEXEC) < 0)
		return berr_sys(err, errno, "pipe");
	a.sync_r = sync[0];
	a.exec_w = exec[1];
	fflush(NULL);
	pid = enter_pid_ns(s, &own_pid, err);
	if (pid == 0) {
		/* raw clone: like fork(), but the child starts life inside the new namespaces */
		pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
		if (pid == 0) {
			close(sync[1]);
			close(exec[0]);
			child_main(&a);
		}
		if (pid < 0)
			berr_sys(err, errno, "clone");
		leave_pid_ns(own_pid);
	}
	if (pid < 0) {
		close(sync[0]); close(sync[1]); close(exec[0]); close(exec[1]);
		if (a.netns_fd >= 0)
			close(a.netns_fd);
		if (a.ipcns_fd >= 0)
			close(a.ipcns_fd);
		return -err->code;
	}
	close(sync[0]);
	close(exec[1]);
	if (a.netns_fd >= 0)
		close(a.netns_fd);
	if (a.ipcns_fd >= 0)
		close(a.ipcns_fd);
	p->pid = pid;
	p->sync_fd = sync[1];
	p->exec_fd = exec[0];
	return 0;
}

void runtime_abort(struct rt_proc *p, int *exit_code, berr_t *err)
{
	struct rt_exec_report rep;

	kill(p->pid, SIGKILL);
	if (!p->clone_parent)
		waitpid(p->pid, NULL, 0);   /* else our parent reaps it */
	close(p->sync_fd);
	p->sync_fd = -1;
	/* its report, if it wrote one, is in the pipe; EOF once it is dead (it held the only writer) */
	if (read(p->exec_fd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
		berr_clear(err);
		berr_set(err, EIO, "%s", rep.msg);
		*exit_code = rep.exit_code;
	}
	close(p->exec_fd);
	p->exec_fd = -1;
}
