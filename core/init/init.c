/* berth-init: the process `--init` runs as pid 1 of a container (Docker's docker-init, which is
 * tini). It starts the command as its child in a process group of its own (handing it the
 * terminal, if there is one, so keys typed reach it once), forwards every signal it gets to
 * it, reaps whatever orphans the container leaves behind, and exits with the command's status
 * (128+n when a signal n killed it).
 *
 *   berth-init [--] COMMAND [ARG...]
 *
 * berth bind-mounts it read-only at /sbin/docker-init, as Docker does. It runs inside any image,
 * so it is linked statically and uses nothing but libc's system call wrappers. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int status_code(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static _Noreturn void run_child(char **argv, const sigset_t *mask)
{
	int e;

	setpgid(0, 0);
	if (isatty(0))
		tcsetpgrp(0, getpgrp());   /* SIGTTOU is still blocked here */
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	e = errno;
	fprintf(stderr, "berth-init: exec %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

int main(int argc, char **argv)
{
	sigset_t all, old;
	pid_t child;
	int first = 1;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts("berth-init 0.1.0");
		return 0;
	}
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc) {
		fprintf(stderr, "usage: berth-init [--] COMMAND [ARG...]\n");
		return 2;
	}
	/* not pid 1 (a shared pid namespace): orphans must still come to us */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* every signal is taken synchronously below; none may kill us between fork and wait */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	signal(SIGTTIN, SIG_IGN);      /* tini's choice too: we never read or own the terminal */
	signal(SIGTTOU, SIG_IGN);
	child = fork();
	if (child < 0) {
		perror("berth-init: fork");
		return 126;
	}
	if (child == 0)
		run_child(argv + first, &old);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), st;
		pid_t w;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		/* reap everything that has exited: the command, and orphans reparented to us */
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == child)
				return status_code(st);
	}
}
