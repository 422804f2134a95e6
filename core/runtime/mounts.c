/* The container's file system, built inside its new mount namespace before pivot_root. Every
 * path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT) and mounted through
 * /proc/self/fd, so a symlink in an image can never point a mount at the host. */
#include "runtime/mounts.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
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

/* Open (creating when missing) `path` inside the root as a dir or an empty file; O_PATH fd.
 * Most mount points exist (the image's init layer has them): one openat2 of the whole path; a
 * missing one is made in its parent, opened (or made) the same way. */
int mnt_ensure(int rootfd, const char *path, int is_dir, berr_t *err)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *slash, *name;
	int fd, dirfd;

	for (size_t n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
		p[n - 1] = 0;
	fd = openat2_in_root(rootfd, p, O_PATH | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : berr_sys(err, errno, "create mount point %s", path);
	slash = strrchr(p, '/');
	name = slash ? slash + 1 : p;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return berr_sys(err, ENOENT, "create mount point %s", path);
	if (slash)
		*slash = 0;
	if ((dirfd = mnt_ensure(rootfd, slash && slash != p ? p : "/", 1, err)) < 0)
		return dirfd;
	if (is_dir) {
		if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
			goto fail;
	} else {
		int f = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST)
			goto fail;
		if (f >= 0)
			close(f);
	}
	close(dirfd);
	if (slash)
		*slash = '/';
	if ((fd = openat2_in_root(rootfd, p, O_PATH | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "create mount point %s", path);
	return fd;
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

/* runc's order: the read-only paths, then the masked ones. A masked file is covered by the
 * container's own /dev/null (the host's would show the host's devtmpfs, its size and inode
 * count, in the container's mountinfo); a masked directory by an empty read-only tmpfs. */
static int mask_paths(int rootfd, berr_t *err)
{
	char fp[64], null[64];
	struct stat st;
	_cleanup_close_ int nullfd = openat2_in_root(rootfd, "/dev/null", O_PATH | O_CLOEXEC);

	/* anything but the null device there (a user mount over /dev): the host's node */
	if (nullfd >= 0 && fstat(nullfd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		fd_path(nullfd, null);
	else
		snprintf(null, sizeof(null), "/dev/null");
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
	for (size_t i = 0; i < sizeof(MASKED) / sizeof(MASKED[0]); i++) {
		_cleanup_close_ int fd = openat2_in_root(rootfd, MASKED[i], O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;  /* absent on this kernel: nothing to hide */
		fd_path(fd, fp);
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", fp, "tmpfs", MS_RDONLY, NULL) < 0)
				return berr_sys(err, errno, "mask %s", MASKED[i]);
		} else if (mount(null, fp, NULL, MS_BIND, NULL) < 0) {
			return berr_sys(err, errno, "mask %s", MASKED[i]);
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
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
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
		} else if (fchmodat(dev, DEVS[i].name, 0666, 0) < 0) {
			return berr_sys(err, errno, "chmod /dev/%s", DEVS[i].name);   /* mknod obeyed the umask */
		}
	}
	for (size_t i = 0; i < sizeof(LINKS) / sizeof(LINKS[0]); i++)
		if (symlinkat(LINKS[i].target, dev, LINKS[i].name) < 0 && errno != EEXIST)
			return berr_sys(err, errno, "symlink /dev/%s", LINKS[i].name);
	return 0;
}

/* --privileged: the host's device nodes, as Docker adds them (runc's GetDevices: the tree under
 * /dev but pts, shm, mqueue, fd and the lxc/udev dirs; no console, symlinks, fifos or sockets),
 * with the host's mode and owner. dir is the container's directory that host mirrors. */
static int host_devices(int rootfd, int dir, const char *host, berr_t *err)
{
	static const char *const SKIP_DIRS[] = { "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev" };
	_cleanup_closedir_ DIR *d = opendir(host);
	struct dirent *de;
	int r;

	if (!d)
		return berr_sys(err, errno, "open %s", host);
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		_cleanup_free_ char *path = NULL;
		struct stat st;
		int skip = !strcmp(name, ".") || !strcmp(name, "..");

		if (skip || fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = xasprintf("%s/%s", host, name);
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = -1;
			for (size_t i = 0; i < sizeof(SKIP_DIRS) / sizeof(SKIP_DIRS[0]); i++)
				skip |= !strcmp(name, SKIP_DIRS[i]);
			if (skip)
				continue;
			if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
				return berr_sys(err, errno, "mkdir %s", path);
			/* our own tmpfs, but never follow a link we made (fd, ptmx, ...) */
			sub = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0 && (r = host_devices(rootfd, sub, path, err)) < 0)
				return r;
		} else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && strcmp(name, "console")) {
			if (mknodat(dir, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) == 0) {
				/* mknod obeyed the umask */
				if (fchmodat(dir, name, st.st_mode & 07777, 0) < 0 ||
				    fchownat(dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
					return berr_sys(err, errno, "set mode and owner of %s", path);
			} else if (errno != EEXIST &&
				   (r = mnt_at(rootfd, path, path, NULL, MS_BIND, NULL, 0, err)) < 0) {
				return r;   /* no mknod here: the host's node, bound */
			}
		}
	}
	return 0;
}

/* --device nodes as runc makes them, after the mounts (a node may sit in a volume): the host's
 * numbers, mode and owner; a node already there (a standard one, /dev/null) is kept. */
static int user_devices(const struct rt_spec *s, int rootfd, berr_t *err)
{
	for (size_t i = 0; i < s->devices.ndevices; i++) {
		const struct rt_device *d = &s->devices.devices[i];
		const char *slash = strrchr(d->path, '/');
		_cleanup_free_ char *parent = slash ? xasprintf("%.*s", (int)(slash - d->path), d->path) : xstrdup("/");
		const char *name = slash ? slash + 1 : d->path;
		_cleanup_close_ int dir = mnt_ensure(rootfd, *parent ? parent : "/", 1, err);

		if (dir < 0)
			return dir;
		if (!*name)
			continue;   /* "/": there already, as a node at /dev is (runc's mknod finds EEXIST) */
		mode_t old = umask(0);   /* the mode as given, with no chmod after: the node may sit in a
					   * shared volume, and a name swapped for a symlink would be followed */
		int r = mknodat(dir, name, d->mode, d->rdev);
		umask(old);
		if (r < 0) {
			if (errno == EEXIST)
				continue;
			return berr_sys(err, errno, "mknod %s", d->path);
		}
		if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return berr_sys(err, errno, "set the owner of %s", d->path);
	}
	return 0;
}

/* Our cgroup in the hierarchy whose mount options are opts (v1: every controller of a line of
 * /proc/self/cgroup is among them), or the unified one (opts NULL); malloc'd, NULL if none. */
static char *own_cgroup(const char *opts)
{
	/* read once: the init was placed before it mounts, and stays where it is (a v1 host asks
	 * for every hierarchy) */
	static char *text;
	_cleanup_free_ char *copy = NULL;
	char *line, *next;

	if (!text && read_file("/proc/self/cgroup", &text, NULL, NULL) < 0)
		text = NULL;
	if (!text)
		return NULL;
	copy = xstrdup(text);
	for (line = copy; line && *line; line = next) {
		char *ctrls = strchr(line, ':'), *path, *tok, *save = NULL;
		int all = 1;
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = 0;
		ctrls++;
		if (!opts) {
			if (!*ctrls)
				return xstrdup(path);
			continue;
		}
		if (!*ctrls)
			continue;
		for (tok = strtok_r(ctrls, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			size_t n = strlen(tok);
			const char *o = opts;
			int found = 0;
			for (; !found && (o = strstr(o, tok)); o += n)
				found = (o == opts || o[-1] == ',') && (o[n] == ',' || !o[n]);
			all &= found;
		}
		if (all)
			return xstrdup(path);
	}
	return NULL;
}

/* --cgroupns host: the container sees its own cgroup at the hierarchy's place (mp), bound from
 * the host's, as runc does without a cgroup namespace (a fresh mount would show the host's tree). */
static int bind_own_cgroup(int rootfd, const char *mp, const char *opts, unsigned long fl, berr_t *err)
{
	_cleanup_free_ char *own = own_cgroup(opts), *src = NULL;

	if (!own)
		return berr_set(err, ENOENT, "find the container's cgroup for %s", mp);
	src = xasprintf("%s%s", mp, own);
	return mnt_at(rootfd, src, mp, NULL, MS_BIND | fl, NULL, 1, err);
}

/* v1: the hierarchies the host mounted under /sys/fs/cgroup, each with its own set of controllers
 * (systemd hosts bind cpu with cpuacct: a hierarchy mounts only with exactly its set, and a lone
 * "cpu" asks for a new one, which a cgroup namespace may not make), and the host's links to them
 * (cpu -> cpu,cpuacct). fl: the mount flags (read-only but for --privileged). */
static int mount_cgroups_v1(int rootfd, unsigned long fl, int host_ns, berr_t *err)
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
	/* the tmpfs just mounted there: its mount points are made in it directly (mnt_at then finds
	 * each with one lookup) */
	if ((dirfd = openat2_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open /sys/fs/cgroup in the container");
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
		if (mkdirat(dirfd, mp + 15, 0755) < 0 && errno != EEXIST)
			return berr_sys(err, errno, "create mount point %s", mp);
		if (host_ns)
			r = bind_own_cgroup(rootfd, mp, data, fl, err);
		else
			r = mnt_at(rootfd, "cgroup", mp, "cgroup", fl, data, 1, err);
		if (r < 0)
			return r;
	}
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

/* /sys/fs/cgroup read-only (writable: --privileged), rooted at the container's cgroup (we are in
 * its cgroup namespace, or bind it with --cgroupns host): the unified hierarchy on v2, a tmpfs of
 * per-hierarchy mounts on v1. */
static int mount_cgroups(int rootfd, int writable, int host_ns, berr_t *err)
{
	const unsigned long fl = MS_NOSUID | MS_NOEXEC | MS_NODEV, ro = writable ? 0 : MS_RDONLY;
	/* the host's hierarchies are bound writable, then all of /sys/fs/cgroup is made read-only
	 * by one mount_setattr (Linux 5.12) instead of a remount of each bind (~40 us each here) */
	const int one_pass = ro && host_ns;
	char fp[64];
	int r;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		if (host_ns)
			return bind_own_cgroup(rootfd, "/sys/fs/cgroup", NULL, fl | ro, err);
		return mnt_at(rootfd, "cgroup2", "/sys/fs/cgroup", "cgroup2", fl | ro, NULL, 1, err);
	}
	if ((r = mnt_at(rootfd, "tmpfs", "/sys/fs/cgroup", "tmpfs", fl, "mode=755", 1, err)) < 0 ||
	    (r = mount_cgroups_v1(rootfd, fl | (one_pass ? 0 : ro), host_ns, err)) < 0)
		return r;
	if (writable)
		return 0;
	{
		_cleanup_close_ int fd = openat2_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_CLOEXEC);
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
							 MOUNT_ATTR_NOEXEC };
		fd_path(fd, fp);
		if (mount(NULL, fp, NULL, MS_REMOUNT | MS_RDONLY | fl, "mode=755") < 0)
			return berr_sys(err, errno, "remount /sys/fs/cgroup read-only");
		if (one_pass && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			return berr_sys(err, errno, "make /sys/fs/cgroup read-only");
	}
	return 0;
}

/* /dev/shm as Docker has it for the IPC mode: a tmpfs of its own (private), the host's
 * (host), none at all (none), or a host mount made for a shareable container, bound in by it
 * and by every container that joins its IPC namespace. */
static int mount_shm(const struct rt_spec *s, int rootfd, berr_t *err)
{
	_cleanup_free_ char *shm = xasprintf("mode=1777,size=%lld", (long long)s->shm_size);
	const unsigned long fl = MS_NOSUID | MS_NOEXEC | MS_NODEV;

	if (s->ipc == RT_IPC_NONE)
		return 0;
	if (s->ipc == RT_IPC_HOST)
		return mnt_at(rootfd, "/dev/shm", "/dev/shm", NULL, MS_BIND | MS_REC, NULL, 1, err);
	if (s->ipc_shm_path)
		return mnt_at(rootfd, s->ipc_shm_path, "/dev/shm", NULL, MS_BIND | MS_REC, NULL, 1, err);
	return mnt_at(rootfd, "shm", "/dev/shm", "tmpfs", fl, shm, 1, err);
}

/* The sysctls of IPC namespaces (runc's list; fs.mqueue.* as well). */
static int ipc_sysctl(const char *key)
{
	static const char *const IPC[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; i < sizeof(IPC) / sizeof(IPC[0]); i++)
		if (!strcmp(key, IPC[i]))
			return 1;
	return !strncmp(key, "fs.mqueue.", 10);
}

/* --sysctl: written through the container's /proc while /proc/sys is still writable, by the
 * init, so in its own network and IPC namespaces; runc's refusals for the host's ones. */
static int write_sysctls(const struct rt_spec *s, int rootfd, berr_t *err)
{
	for (char **kv = s->sysctls; kv && *kv; kv++) {
		_cleanup_free_ char *key = xasprintf("%.*s", (int)strcspn(*kv, "="), *kv), *path = NULL;
		const char *val = *kv + strlen(key) + (strchr(*kv, '=') ? 1 : 0);
		_cleanup_close_ int fd = -1;
		if (!strncmp(key, "net.", 4) && s->net == RT_NET_HOST)
			return berr_set(err, EPERM, "sysctl \"%s\" not allowed in host network namespace", key);
		if (ipc_sysctl(key) && s->ipc == RT_IPC_HOST)
			return berr_set(err, EPERM, "sysctl \"%s\" is not allowed in the hosts ipc namespace", key);
		path = xasprintf("/proc/sys/%s", key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = openat2_in_root(rootfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return berr_sys(err, errno, "open %s", path);
		if (write(fd, val, strlen(val)) < 0)
			return berr_sys(err, errno, "write %s", path);
	}
	return 0;
}

int mnt_make_init_layer(const char *root, berr_t *err)
{
	/* the mount points of mnt_setup_rootfs and mnt_finish_rootfs that every container has */
	static const struct { const char *path; int is_dir; } POINTS[] = {
		{ "/proc", 1 }, { "/dev", 1 }, { "/sys", 1 },
		{ "/etc/resolv.conf", 0 }, { "/etc/hostname", 0 }, { "/etc/hosts", 0 },
	};
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), etc = -1;
	mode_t old = umask(022);   /* shared by every container of the image: not the first one's umask */
	int r = 0;

	if (rootfd < 0)
		r = berr_sys(err, errno, "open %s", root);
	for (size_t i = 0; r == 0 && i < sizeof(POINTS) / sizeof(POINTS[0]); i++) {
		int fd = mnt_ensure(rootfd, POINTS[i].path, POINTS[i].is_dir, err);
		if (fd < 0)
			r = fd;
		else
			close(fd);
	}
	/* Docker's /etc/mtab, where the image has none */
	if (r == 0 && ((etc = openat2_in_root(rootfd, "/etc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		       (symlinkat("/proc/mounts", etc, "mtab") < 0 && errno != EEXIST)))
		r = berr_sys(err, errno, "symlink /etc/mtab");
	umask(old);
	return r;
}

int mnt_setup_rootfs(const struct rt_spec *s, int *rootfd_out, berr_t *err)
{
	const unsigned long ro = s->privileged ? 0 : MS_RDONLY;
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
	if ((r = mnt_at(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 1, err)) < 0)
		return r;
	if ((r = mnt_at(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			"newinstance,ptmxmode=0666,mode=0620,gid=5", 1, err)) < 0)
		return r;
	if ((r = make_devices(rootfd, err)) < 0)
		return r;
	if (s->privileged) {
		_cleanup_close_ int dev = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dev < 0)
			return berr_sys(err, errno, "open /dev");
		if ((r = host_devices(rootfd, dev, "/dev", err)) < 0)
			return r;
	}
	/* read-only unless --privileged (Docker's: rw /sys, rw cgroups, every device) */
	if (mnt_at(rootfd, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | ro, NULL, 1, err) < 0) {
		/* sysfs refuses a mount outside a netns we own (host network): bind the host's */
		if ((r = mnt_at(rootfd, "/sys", "/sys", NULL, MS_BIND | MS_REC | ro | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, 1, err)) < 0)
			return r;
		berr_clear(err);
	}
	if ((r = mnt_at(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, 1, err)) < 0)
		return r;
	return mount_shm(s, rootfd, err);
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

/* A file system (tmpfs) with its flags. Read-only as Docker's: a read-only remount of this
 * mount, the file system itself stays writable (mountinfo "ro ... - tmpfs tmpfs rw"). */
static int mnt_fs(int rootfd, const struct rt_mount *m, berr_t *err)
{
	const unsigned long per_mount = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
					MS_RELATIME | MS_STRICTATIME;
	char fp[64];
	int r;

	if ((r = mnt_at(rootfd, m->source, m->dest, m->type, m->flags & ~MS_RDONLY, m->data, 1, err)) < 0)
		return r;
	if (m->flags & MS_RDONLY || m->propagation) {
		/* a fresh fd: the one mnt_at used names the covered directory */
		_cleanup_close_ int fd = openat2_in_root(rootfd, m->dest, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return berr_sys(err, errno, "open %s", m->dest);
		fd_path(fd, fp);
		if ((m->flags & MS_RDONLY) &&
		    mount(NULL, fp, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | (m->flags & per_mount), NULL) < 0)
			return berr_sys(err, errno, "remount %s read-only", m->dest);
		if (m->propagation && mount(NULL, fp, NULL, m->propagation, NULL) < 0)
			return berr_sys(err, errno, "set propagation of %s", m->dest);
	}
	return 0;
}

/* Components of a (clean) path: "/" 0, "/etc" 1, "/etc/hosts" 2. */
static size_t path_depth(const char *p)
{
	size_t n = 0;
	for (; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

/* The user's mounts and the per-container /etc files in Docker's order: shallower destinations
 * first (a volume at /etc goes under /etc/hosts, not over it), the given order among equals.
 * A file is left out when the user mounts that very path. *out is malloc'd, with its own
 * entries for the files in files[3]. */
static size_t plan_mounts(const struct rt_spec *s, struct rt_mount files[3], const struct rt_mount ***out)
{
	/* in Docker's order (container.NetworkMounts) */
	const char *paths[3][2] = { { s->resolv_path, "/etc/resolv.conf" }, { s->hostname_path, "/etc/hostname" },
				    { s->hosts_path, "/etc/hosts" } };
	const struct rt_mount **v = xcalloc(s->nmounts + 3, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < s->nmounts; i++)
		v[n++] = &s->mounts[i];
	for (size_t f = 0; f < 3; f++) {
		int taken = 0;
		for (size_t i = 0; i < s->nmounts; i++)
			taken |= !strcmp(s->mounts[i].dest, paths[f][1]);
		if (taken || !paths[f][0] || access(paths[f][0], F_OK) < 0)
			continue;
		/* writable unless the rootfs is read-only, as Docker's */
		files[f] = (struct rt_mount){ .source = (char *)paths[f][0], .dest = (char *)paths[f][1],
					      .type = "bind", .readonly = s->readonly_rootfs };
		v[n++] = &files[f];
	}
	/* insertion sort: stable, and there are a handful */
	for (size_t i = 1; i < n; i++) {
		const struct rt_mount *m = v[i];
		size_t j = i, d = path_depth(m->dest);
		for (; j > 0 && path_depth(v[j - 1]->dest) > d; j--)
			v[j] = v[j - 1];
		v[j] = m;
	}
	*out = v;
	return n;
}

int mnt_finish_rootfs(const struct rt_spec *s, int rootfd, berr_t *err)
{
	struct rt_mount files[3];
	_cleanup_free_ const struct rt_mount **plan = NULL;
	size_t n;
	int r;

	if ((r = mount_cgroups(rootfd, s->privileged, s->cgroupns_host, err)) < 0)
		return r;
	/* user mounts last, as Docker's: they may cover any of the above */
	n = plan_mounts(s, files, &plan);
	for (size_t i = 0; i < n; i++) {
		const struct rt_mount *m = plan[i];
		if (!strcmp(m->type, "bind")) {
			struct stat st;
			if (stat(m->source, &st) < 0)
				return berr_sys(err, errno, "bind source path %s", m->source);
			r = mnt_at(rootfd, m->source, m->dest, NULL, MS_BIND | MS_REC | (m->readonly ? MS_RDONLY : 0),
				   NULL, S_ISDIR(st.st_mode), err);
			if (r == 0 && rt_root_propagation(s))
				r = mnt_propagation(rootfd, m, err);
		} else {
			r = mnt_fs(rootfd, m, err);
		}
		if (r < 0)
			return r;
	}
	if ((r = user_devices(s, rootfd, err)) < 0)
		return r;
	if ((r = write_sysctls(s, rootfd, err)) < 0)
		return r;
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
