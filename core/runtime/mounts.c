/* The container's file system, built inside its new mount namespace before pivot_root. Every
 * path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT) and mounted through
 * /proc/self/fd, so a symlink in an image can never point a mount at the host. */
#include "runtime/mounts.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	while (*path == '/')
		path++;
	if (!*path)
		return fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Open (creating when missing) `path` inside the root as a dir or an empty file; O_PATH fd. */
int mnt_ensure(int rootfd, const char *path, int is_dir, berr_t *err)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *s = p, *name;
	int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3), fd;

	while (*s == '/')
		s++;
	while (*s) {
		char *slash = strchr(s, '/');
		int last;
		if (slash)
			*slash = 0;
		name = s;
		last = !slash || !slash[1];
		if (strcmp(name, "") && strcmp(name, ".")) {
			_cleanup_free_ char *prefix = strndup(p, (size_t)(name - p) + strlen(name));
			fd = openat2_in_root(rootfd, prefix, O_PATH | O_CLOEXEC);
			if (fd < 0 && errno == ENOENT) {
				if (!last || is_dir) {
					if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
						goto fail;
				} else {
					int f = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
					if (f < 0 && errno != EEXIST)
						goto fail;
					if (f >= 0)
						close(f);
				}
				fd = openat2_in_root(rootfd, prefix, O_PATH | O_CLOEXEC);
			}
			if (fd < 0)
				goto fail;
			close(dirfd);
			dirfd = fd;
		}
		if (!slash)
			break;
		*slash = '/';
		s = slash + 1;
	}
	return dirfd;
fail:
	{
		int e = errno;
		close(dirfd);
		return berr_sys(err, e, "create mount point %s", path);
	}
}

static void fd_path(int fd, char buf[64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

int mnt_at(int rootfd, const char *src, const char *dst, const char *type, unsigned long flags,
	   const char *data, int is_dir, berr_t *err)
{
	char fp[64];
	_cleanup_close_ int fd = mnt_ensure(rootfd, dst, is_dir, err);

	if (fd < 0)
		return fd;
	fd_path(fd, fp);
	if (mount(src, fp, type, flags, data) < 0)
		return berr_sys(err, errno, "mount %s on %s", type ? type : src, dst);
	if ((flags & MS_BIND) && (flags & MS_RDONLY)) {
		/* a bind ignores MS_RDONLY: remount it, through a fresh fd (the old one names the
		 * covered directory) */
		_cleanup_close_ int fd2 = openat2_in_root(rootfd, dst, O_PATH | O_CLOEXEC);
		if (fd2 < 0)
			return berr_sys(err, errno, "open %s", dst);
		fd_path(fd2, fp);
		if (mount(NULL, fp, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | (flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)), NULL) < 0)
			return berr_sys(err, errno, "remount %s read-only", dst);
	}
	return 0;
}

static const char *const MASKED[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const READONLY[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static int mask_paths(int rootfd, berr_t *err)
{
	char fp[64];
	struct stat st;

	for (size_t i = 0; i < sizeof(MASKED) / sizeof(MASKED[0]); i++) {
		_cleanup_close_ int fd = openat2_in_root(rootfd, MASKED[i], O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;  /* absent on this kernel: nothing to hide */
		fd_path(fd, fp);
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", fp, "tmpfs", MS_RDONLY, "size=0") < 0)
				return berr_sys(err, errno, "mask %s", MASKED[i]);
		} else if (mount("/dev/null", fp, NULL, MS_BIND, NULL) < 0) {
			return berr_sys(err, errno, "mask %s", MASKED[i]);
		}
	}
	for (size_t i = 0; i < sizeof(READONLY) / sizeof(READONLY[0]); i++) {
		_cleanup_close_ int fd = openat2_in_root(rootfd, READONLY[i], O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		fd_path(fd, fp);
		if (mount(fp, fp, NULL, MS_BIND | MS_REC, NULL) < 0)
			return berr_sys(err, errno, "bind %s", READONLY[i]);
		{
			_cleanup_close_ int fd2 = openat2_in_root(rootfd, READONLY[i], O_PATH | O_CLOEXEC);
			fd_path(fd2, fp);
			if (mount(NULL, fp, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
			    mount(NULL, fp, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
				return berr_sys(err, errno, "make %s read-only", READONLY[i]);
		}
	}
	return 0;
}

static int make_devices(int rootfd, berr_t *err)
{
	static const struct { const char *name; int maj, min; } DEVS[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
		{ "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const struct { const char *name, *target; } LINKS[] = {
		{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" }, { "core", "/proc/kcore" },
	};
	_cleanup_close_ int dev = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dev < 0)
		return berr_sys(err, errno, "open /dev");
	for (size_t i = 0; i < sizeof(DEVS) / sizeof(DEVS[0]); i++) {
		if (mknodat(dev, DEVS[i].name, S_IFCHR | 0666, makedev(DEVS[i].maj, DEVS[i].min)) < 0) {
			/* no mknod here (e.g. nodev): bind the host's node instead */
			_cleanup_free_ char *host = xasprintf("/dev/%s", DEVS[i].name);
			_cleanup_free_ char *dst = xasprintf("/dev/%s", DEVS[i].name);
			int r = mnt_at(rootfd, host, dst, NULL, MS_BIND, NULL, 0, err);
			if (r < 0)
				return r;
		} else {
			fchmodat(dev, DEVS[i].name, 0666, 0);
		}
	}
	for (size_t i = 0; i < sizeof(LINKS) / sizeof(LINKS[0]); i++)
		if (symlinkat(LINKS[i].target, dev, LINKS[i].name) < 0 && errno != EEXIST)
			return berr_sys(err, errno, "symlink /dev/%s", LINKS[i].name);
	return 0;
}

/* v1: the hierarchies the host mounted under /sys/fs/cgroup, each with its own set of controllers
 * (systemd hosts bind cpu with cpuacct: a hierarchy mounts only with exactly its set, and a lone
 * "cpu" asks for a new one, which a cgroup namespace may not make), and the host's links to them
 * (cpu -> cpu,cpuacct). */
static int mount_cgroups_v1(int rootfd, unsigned long fl, berr_t *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int dirfd = -1;
	size_t cap = 0;
	struct dirent *e;
	int r;

	if (!f)
		return berr_sys(err, errno, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], fstype[32], src[256], sopts[1024], data[1024] = "";
		char *sep = strstr(line, " - "), *tok, *save = NULL;
		if (!sep || sscanf(sep + 3, "%31s %255s %1023s", fstype, src, sopts) != 3 || strcmp(fstype, "cgroup") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || strncmp(mp, "/sys/fs/cgroup/", 15) ||
		    strchr(mp + 15, '/'))
			continue;
		for (tok = strtok_r(sopts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, "rw") || !strcmp(tok, "ro"))
				continue;
			if (*data)
				strcat(data, ",");
			strncat(data, tok, sizeof(data) - strlen(data) - 2);
		}
		if ((r = mnt_at(rootfd, "cgroup", mp, "cgroup", fl | MS_RDONLY, data, 1, err)) < 0)
			return r;
	}
	if ((dirfd = openat2_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open /sys/fs/cgroup in the container");
	if ((d = opendir("/sys/fs/cgroup")))
		while ((e = readdir(d))) {
			char target[256];
			_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/%s", e->d_name);
			ssize_t n;
			if (e->d_type != DT_LNK || (n = readlink(p, target, sizeof(target) - 1)) <= 0)
				continue;
			target[n] = 0;
			if (!strchr(target, '/') && symlinkat(target, dirfd, e->d_name) < 0 && errno != EEXIST)
				return berr_sys(err, errno, "symlink /sys/fs/cgroup/%s", e->d_name);
		}
	return 0;
}

/* /sys/fs/cgroup read-only, rooted at the container's cgroup (we are in its cgroup namespace):
 * the unified hierarchy on v2, a tmpfs of per-hierarchy mounts on v1. */
static int mount_cgroups(int rootfd, berr_t *err)
{
	const unsigned long fl = MS_NOSUID | MS_NOEXEC | MS_NODEV;
	char fp[64];
	int r;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return mnt_at(rootfd, "cgroup2", "/sys/fs/cgroup", "cgroup2", fl | MS_RDONLY, NULL, 1, err);
	if ((r = mnt_at(rootfd, "tmpfs", "/sys/fs/cgroup", "tmpfs", fl, "mode=755", 1, err)) < 0 ||
	    (r = mount_cgroups_v1(rootfd, fl, err)) < 0)
		return r;
	{
		_cleanup_close_ int fd = openat2_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_CLOEXEC);
		fd_path(fd, fp);
		if (mount(NULL, fp, NULL, MS_REMOUNT | MS_RDONLY | fl, "mode=755") < 0)
			return berr_sys(err, errno, "remount /sys/fs/cgroup read-only");
	}
	return 0;
}

int mnt_setup_rootfs(const struct rt_spec *s, int *rootfd_out, berr_t *err)
{
	_cleanup_free_ char *shm = xasprintf("mode=1777,size=%lld", (long long)s->shm_size);
	int rootfd, r;

	/* nothing we mount may leak back to the host, nor host mounts appear later */
	if (mount(NULL, "/", NULL, MS_REC | (rt_root_propagation(s) ? MS_SLAVE : MS_PRIVATE), NULL) < 0)
		return berr_sys(err, errno, "make mounts private");
	/* pivot_root needs the new root to be a mount point */
	if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_sys(err, errno, "bind rootfs %s", s->rootfs);
	rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berr_sys(err, errno, "open rootfs %s", s->rootfs);
	*rootfd_out = rootfd;

	if ((r = mnt_at(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, 1, err)) < 0)
		return r;
	if (mnt_at(rootfd, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL, 1, err) < 0) {
		/* sysfs refuses a mount outside a netns we own (host network): bind the host's */
		if ((r = mnt_at(rootfd, "/sys", "/sys", NULL, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, 1, err)) < 0)
			return r;
	}
	if ((r = mnt_at(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 1, err)) < 0)
		return r;
	if ((r = mnt_at(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			"newinstance,ptmxmode=0666,mode=0620,gid=5", 1, err)) < 0)
		return r;
	if ((r = make_devices(rootfd, err)) < 0)
		return r;
	if ((r = mnt_at(rootfd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, shm, 1, err)) < 0)
		return r;
	if ((r = mnt_at(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, 1, err)) < 0)
		return r;

	/* the per-container network files, writable unless the rootfs is read-only (Docker) */
	{
		const char *files[][2] = { { s->hosts_path, "/etc/hosts" }, { s->hostname_path, "/etc/hostname" },
					   { s->resolv_path, "/etc/resolv.conf" } };
		for (size_t i = 0; i < 3; i++) {
			if (!files[i][0] || access(files[i][0], F_OK) < 0)
				continue;
			if ((r = mnt_at(rootfd, files[i][0], files[i][1], NULL,
					MS_BIND | (s->readonly_rootfs ? MS_RDONLY : 0), NULL, 0, err)) < 0)
				return r;
		}
	}
	return 0;
}

/* With a slave root (some bind asked for slave or shared propagation) each bind takes its own
 * mode; rprivate ones are cut off from the host again. */
static int mnt_propagation(int rootfd, const struct rt_mount *m, berr_t *err)
{
	char fp[64];
	_cleanup_close_ int fd = openat2_in_root(rootfd, m->dest, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return berr_sys(err, errno, "open %s", m->dest);
	fd_path(fd, fp);
	if (mount(NULL, fp, NULL, m->propagation ? m->propagation : MS_REC | MS_PRIVATE, NULL) < 0)
		return berr_sys(err, errno, "set propagation of %s", m->dest);
	return 0;
}

int mnt_finish_rootfs(const struct rt_spec *s, int rootfd, berr_t *err)
{
	int r;

	if ((r = mount_cgroups(rootfd, err)) < 0)
		return r;
	/* user mounts last, as Docker's: they may cover any of the above */
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct rt_mount *m = &s->mounts[i];
		if (!strcmp(m->type, "bind")) {
			struct stat st;
			if (stat(m->source, &st) < 0)
				return berr_sys(err, errno, "bind source path %s", m->source);
			r = mnt_at(rootfd, m->source, m->dest, NULL, MS_BIND | MS_REC | (m->readonly ? MS_RDONLY : 0),
				   NULL, S_ISDIR(st.st_mode), err);
			if (r == 0 && rt_root_propagation(s))
				r = mnt_propagation(rootfd, m, err);
		} else {
			r = mnt_at(rootfd, m->source, m->dest, m->type, MS_NOSUID | MS_NODEV | (m->readonly ? MS_RDONLY : 0),
				   m->data, 1, err);
		}
		if (r < 0)
			return r;
	}
	if (!s->privileged && (r = mask_paths(rootfd, err)) < 0)
		return r;
	return 0;
}

int mnt_pivot(const struct rt_spec *s, int rootfd, berr_t *err)
{
	if (fchdir(rootfd) < 0)
		return berr_sys(err, errno, "chdir rootfs");
	/* pivot onto "." and detach the old root stacked beneath it: no temp dir needed */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return berr_sys(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return berr_sys(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return berr_sys(err, errno, "chdir /");
	if (s->readonly_rootfs &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return berr_sys(err, errno, "remount / read-only");
	return 0;
}
