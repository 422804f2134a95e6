/* cgroups for containers, named berth/<id>: v1 (one dir per controller, hybrid hosts) or v2
 * (one unified dir). The variant is picked here once; callers never ask which it is. */
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"

static const char *const V1_CTRLS[] = { "memory", "cpu", "cpuacct", "cpuset", "pids", "freezer",
					"blkio", "devices", "systemd" };
#define NV1 (sizeof(V1_CTRLS) / sizeof(V1_CTRLS[0]))

int cgroup_is_v2(void)
{
	return access(CG_ROOT "/cgroup.controllers", F_OK) == 0;
}

static int write_str(const char *dir, const char *file, const char *val, berr_t *err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return berr_sys(err, errno, "open %s", p);
	if (write(fd, val, strlen(val)) < 0)
		return berr_sys(err, errno, "write %s to %s", val, p);
	return 0;
}

static int write_i64(const char *dir, const char *file, int64_t v, berr_t *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return write_str(dir, file, buf, err);
}

static char *v1_dir(const char *ctrl, const char *id)
{
	if (!strcmp(ctrl, "systemd"))
		return xasprintf(CG_ROOT "/systemd/berth/%s", id);
	return id ? xasprintf(CG_ROOT "/%s/berth/%s", ctrl, id) : xasprintf(CG_ROOT "/%s/berth", ctrl);
}

static int v1_present(const char *ctrl)
{
	_cleanup_free_ char *p = xasprintf(CG_ROOT "/%s/cgroup.procs", ctrl);
	return access(p, F_OK) == 0;
}

/* cpuset dirs start empty in v1: copy cpus/mems down from the parent before use */
static void cpuset_inherit(const char *dir)
{
	const char *files[] = { "cpuset.cpus", "cpuset.mems" };
	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *cur = NULL, *par = NULL;
		_cleanup_free_ char *pp = xasprintf("%s/../%s", dir, files[i]);
		_cleanup_free_ char *cp = xasprintf("%s/%s", dir, files[i]);
		if (read_file(cp, &cur, NULL, NULL) == 0 && cur[0] != '\n' && cur[0])
			continue;
		if (read_file(pp, &par, NULL, NULL) == 0)
			write_str(dir, files[i], par, NULL);
	}
}

static int v1_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	char pidbuf[32];
	int r;

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	for (size_t i = 0; i < NV1; i++) {
		const char *c = V1_CTRLS[i];
		_cleanup_free_ char *dir = v1_dir(c, id);
		_cleanup_free_ char *parent = v1_dir(c, NULL);
		if (!v1_present(c))
			continue;
		if (!strcmp(c, "systemd")) {
			free(parent);
			parent = xstrdup(CG_ROOT "/systemd/berth");
		}
		if ((r = mkdir_p(dir, 0755, err)) < 0)
			return r;
		if (!strcmp(c, "cpuset")) {
			cpuset_inherit(parent);
			cpuset_inherit(dir);
			if (lim->cpuset_cpus && (r = write_str(dir, "cpuset.cpus", lim->cpuset_cpus, err)) < 0)
				return r;
			if (lim->cpuset_mems && (r = write_str(dir, "cpuset.mems", lim->cpuset_mems, err)) < 0)
				return r;
		} else if (!strcmp(c, "memory") && lim->memory > 0) {
			if ((r = write_i64(dir, "memory.limit_in_bytes", lim->memory, err)) < 0)
				return r;
			if (lim->memory_swap != 0) {
				int64_t sw = lim->memory_swap < 0 ? -1 : lim->memory_swap;
				_cleanup_free_ char *f = xasprintf("%s/memory.memsw.limit_in_bytes", dir);
				if (access(f, F_OK) == 0 && (r = write_i64(dir, "memory.memsw.limit_in_bytes", sw, err)) < 0)
					return r;
			} else {
				_cleanup_free_ char *f = xasprintf("%s/memory.memsw.limit_in_bytes", dir);
				if (access(f, F_OK) == 0)
					write_i64(dir, "memory.memsw.limit_in_bytes", lim->memory * 2, NULL);
			}
		} else if (!strcmp(c, "cpu")) {
			if (lim->cpu_shares > 0 && (r = write_i64(dir, "cpu.shares", lim->cpu_shares, err)) < 0)
				return r;
			if (lim->nano_cpus > 0) {
				if ((r = write_i64(dir, "cpu.cfs_period_us", 100000, err)) < 0 ||
				    (r = write_i64(dir, "cpu.cfs_quota_us", lim->nano_cpus / 10000, err)) < 0)
					return r;
			}
		} else if (!strcmp(c, "pids") && lim->pids_limit > 0) {
			if ((r = write_i64(dir, "pids.max", lim->pids_limit, err)) < 0)
				return r;
		} else if (!strcmp(c, "devices") && !lim->devices_all) {
			/* Docker's device list: nothing but the standard nodes, pts and mknod */
			static const char *const ALLOW[] = { "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm",
				"c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
				"c 136:* rwm", "c 10:200 rwm" };
			if (write_str(dir, "devices.deny", "a", NULL) == 0)
				for (size_t k = 0; k < sizeof(ALLOW) / sizeof(ALLOW[0]); k++)
					write_str(dir, "devices.allow", ALLOW[k], NULL);
		}
		if ((r = write_str(dir, "cgroup.procs", pidbuf, err)) < 0)
			return r;
	}
	return 0;
}

static char *v2_dir(const char *id)
{
	return id ? xasprintf(CG_ROOT "/berth/%s", id) : xstrdup(CG_ROOT "/berth");
}

static int v2_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	_cleanup_free_ char *parent = v2_dir(NULL), *dir = v2_dir(id);
	char buf[64];
	int r;

	if ((r = mkdir_p(parent, 0755, err)) < 0)
		return r;
	/* delegate the controllers we set down to berth/ and below (not all may be available) */
	write_str(CG_ROOT, "cgroup.subtree_control", "+memory +cpu +pids +cpuset +io", NULL);
	write_str(parent, "cgroup.subtree_control", "+memory +cpu +pids +cpuset +io", NULL);
	if ((r = mkdir_p(dir, 0755, err)) < 0)
		return r;
	if (lim->memory > 0) {
		if ((r = write_i64(dir, "memory.max", lim->memory, err)) < 0)
			return r;
		if (lim->memory_swap < 0)
			write_str(dir, "memory.swap.max", "max", NULL);
		else
			write_i64(dir, "memory.swap.max",
				  lim->memory_swap > lim->memory ? lim->memory_swap - lim->memory : lim->memory, NULL);
	}
	if (lim->nano_cpus > 0) {
		snprintf(buf, sizeof(buf), "%lld 100000", (long long)(lim->nano_cpus / 10000));
		if ((r = write_str(dir, "cpu.max", buf, err)) < 0)
			return r;
	}
	if (lim->cpu_shares > 0) /* the shares -> weight mapping runc and crun use */
		write_i64(dir, "cpu.weight", 1 + ((lim->cpu_shares - 2) * 9999) / 262142, NULL);
	if (lim->pids_limit > 0 && (r = write_i64(dir, "pids.max", lim->pids_limit, err)) < 0)
		return r;
	if (lim->cpuset_cpus && (r = write_str(dir, "cpuset.cpus", lim->cpuset_cpus, err)) < 0)
		return r;
	if (lim->cpuset_mems && (r = write_str(dir, "cpuset.mems", lim->cpuset_mems, err)) < 0)
		return r;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_str(dir, "cgroup.procs", buf, err);
}

int cgroup_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	int r = cgroup_is_v2() ? v2_create(id, lim, pid, err) : v1_create(id, lim, pid, err);
	return r < 0 ? berr_wrap(err, "cgroup") : r;
}

int cgroup_join(const char *id, pid_t pid, berr_t *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = v2_dir(id);
		return write_str(dir, "cgroup.procs", buf, err);
	}
	for (size_t i = 0; i < NV1; i++) {
		_cleanup_free_ char *dir = v1_dir(V1_CTRLS[i], id);
		if (access(dir, F_OK) == 0)
			write_str(dir, "cgroup.procs", buf, NULL);
	}
	return 0;
}

int cgroup_freeze(const char *id, int freeze, berr_t *err)
{
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = v2_dir(id);
		return write_str(dir, "cgroup.freeze", freeze ? "1" : "0", err);
	}
	{
		_cleanup_free_ char *dir = v1_dir("freezer", id);
		int r = write_str(dir, "freezer.state", freeze ? "FROZEN" : "THAWED", err);
		if (r < 0)
			return r;
		/* FREEZING is transient: wait until the kernel says FROZEN */
		for (int i = 0; freeze && i < 1000; i++) {
			_cleanup_free_ char *st = NULL, *p = xasprintf("%s/freezer.state", dir);
			if (read_file(p, &st, NULL, NULL) == 0 && !strncmp(st, "FROZEN", 6))
				break;
			usleep(1000);
		}
	}
	return 0;
}

static int rmdir_retry(const char *dir)
{
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(5000);   /* the last task may still be exiting */
	}
	return -EBUSY;
}

int cgroup_remove(const char *id, berr_t *err)
{
	int r, res = 0;

	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = v2_dir(id);
		if ((r = rmdir_retry(dir)) < 0)
			return berr_sys(err, -r, "remove cgroup %s", dir);
		return 0;
	}
	for (size_t i = 0; i < NV1; i++) {
		_cleanup_free_ char *dir = v1_dir(V1_CTRLS[i], id);
		if ((r = rmdir_retry(dir)) < 0)
			res = berr_sys(err, -r, "remove cgroup %s", dir);
	}
	return res;
}

int cgroup_oom_killed(const char *id)
{
	_cleanup_free_ char *s = NULL, *p = NULL;
	char *k;

	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = v2_dir(id);
		p = xasprintf("%s/memory.events", dir);
	} else {
		_cleanup_free_ char *dir = v1_dir("memory", id);
		p = xasprintf("%s/memory.oom_control", dir);
	}
	if (read_file(p, &s, NULL, NULL) < 0)
		return 0;
	k = strstr(s, "oom_kill ");
	return k && atoll(k + 9) > 0;
}

char *cgroup_file_path(const char *id, const char *file)
{
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = v2_dir(id);
		return xasprintf("%s/%s", dir, file);
	}
	{
		_cleanup_free_ char *ctrl = xstrdup(file);
		char *dot = strchr(ctrl, '.');
		if (dot)
			*dot = 0;
		if (!strcmp(ctrl, "cgroup"))
			strcpy(ctrl, "memory");
		_cleanup_free_ char *dir = v1_dir(ctrl, id);
		return xasprintf("%s/%s", dir, file);
	}
}

int cgroup_pids(const char *id, pid_t **pids, size_t *n, berr_t *err)
{
	_cleanup_free_ char *p = cgroup_is_v2() ? cgroup_file_path(id, "cgroup.procs") : NULL;
	_cleanup_fclose_ FILE *f = NULL;
	int v;

	if (!p) {
		_cleanup_free_ char *dir = v1_dir("pids", id);
		if (access(dir, F_OK) < 0) {
			free(dir);
			dir = v1_dir("memory", id);
		}
		p = xasprintf("%s/cgroup.procs", dir);
	}
	f = fopen(p, "re");
	*pids = NULL;
	*n = 0;
	if (!f)
		return berr_sys(err, errno, "open %s", p);
	while (fscanf(f, "%d", &v) == 1) {
		*pids = realloc(*pids, (*n + 1) * sizeof(pid_t));
		(*pids)[(*n)++] = v;
	}
	return 0;
}
