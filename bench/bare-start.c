/* The bare minimum a container start needs, for bench/bare-start.sh to set berth beside it:
 * new mount, pid, uts, ipc and net namespaces, a root file system, pivot_root into it, /proc,
 * exec. No cgroups, seccomp, capabilities, /dev, masked paths, store or supervisor.
 *   bare-start dir ROOTFS                     ROOTFS bound on itself is the root
 *   bare-start overlay LOWERS SCRATCH [OPTS]  an overlay of LOWERS ("a:b:c", topmost first) with a
 *                                             fresh upper and work dir under SCRATCH (removed after),
 *                                             OPTS appended to the mount options (e.g. "volatile")
 * then runs /bin/true of that root as pid 1 and exits with its status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "bare-start: %s: %s\n", what, strerror(errno));
	exit(125);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

/* In the new namespaces, as pid 1: the root is made (overlay or bind), entered and exec'd. */
static void child(const char *root, const char *ovl_data)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (ovl_data ? mount("overlay", root, "overlay", 0, ovl_data) : mount(root, root, NULL, MS_BIND | MS_REC, NULL))
		die("mount the root");
	if (chdir(root) < 0)
		die("chdir");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("detach the old root");
	if (chdir("/") < 0)
		die("chdir /");
	if (mkdir("/proc", 0555) < 0 && errno != EEXIST)   /* busybox images have none, as berth finds */
		die("mkdir /proc");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	execl("/bin/true", "true", (char *)NULL);
	die("exec /bin/true");
}

int main(int argc, char **argv)
{
	char dir[4096] = "", root[4096], *data = NULL;
	int status;
	pid_t pid;

	if (argc == 3 && !strcmp(argv[1], "dir")) {
		snprintf(root, sizeof(root), "%s", argv[2]);
	} else if ((argc == 4 || argc == 5) && !strcmp(argv[1], "overlay")) {
		static const char *sub[] = { "upper", "work", "merged" };
		snprintf(dir, sizeof(dir), "%s/run.XXXXXX", argv[3]);
		if (!mkdtemp(dir))
			die("mkdtemp");
		for (int i = 0; i < 3; i++) {
			char p[4200];
			snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
			if (mkdir(p, 0755) < 0)
				die("mkdir");
		}
		snprintf(root, sizeof(root), "%s/merged", dir);
		if (asprintf(&data, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work%s%s", argv[2], dir, dir,
			     argc == 5 && *argv[4] ? "," : "", argc == 5 ? argv[4] : "") < 0)
			die("asprintf");
	} else {
		fprintf(stderr, "usage: bare-start dir ROOTFS | bare-start overlay LOWERS SCRATCH [OPTS]\n");
		return 2;
	}
	/* the child alone gets the new namespaces (as berth's init): pivot_root would move every
	 * process of a shared mount namespace, and the overlay goes with the child's */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD,
			     NULL, NULL, NULL, 0UL);
	if (pid < 0)
		die("clone");
	if (pid == 0)
		child(root, data);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	/* the overlay went with the child's mount namespace; its dirs go now */
	if (*dir && nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		die("remove the scratch dirs");
	free(data);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
