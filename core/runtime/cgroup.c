/* cgroups of containers: v1 (one dir per controller, hybrid hosts) or v2 (one unified dir), made
 * by one of the drivers of cgroup.h (cgroupfs or systemd). This file picks the driver, writes the
 * limits, and finds a container's cgroup again by probing where each driver puts it, so freeze,
 * exec, top, stats and update work whichever driver made it (and after daemon.json changed). */
#include "runtime/cgroup.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const cgroup_v1_ctrls[] = { "memory", "cpu", "cpuacct", "cpuset", "pids", "freezer",
					"blkio", "devices", "systemd" };
const size_t cgroup_v1_nctrls = sizeof(cgroup_v1_ctrls) / sizeof(cgroup_v1_ctrls[0]);

static const struct cgroup_driver *const DRIVERS[] = { &cgroup_systemd, &cgroup_cgroupfs };
#define NDRIVERS (sizeof(DRIVERS) / sizeof(DRIVERS[0]))

int cgroup_is_v2(void)
{
	/* the host's layout does not change under a running berth: asked ~100 times a start */
	static int v2 = -1;
	if (v2 < 0)
		v2 = access(CG_ROOT "/cgroup.controllers", F_OK) == 0;
	return v2;
}

const char *cgroup_default_driver(void)
{
	struct stat st;
	/* Docker's rule (and sd_booted's test): systemd only where it is PID 1 on a unified host */
	if (cgroup_is_v2() && lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode))
		return cgroup_systemd.name;
	return cgroup_cgroupfs.name;
}

static const struct cgroup_driver *driver_named(const char *name)
{
	if (!name)
		name = cgroup_default_driver();
	for (size_t i = 0; i < NDRIVERS; i++)
		if (!strcmp(DRIVERS[i]->name, name))
			return DRIVERS[i];
	return NULL;
}

char *cgroup_ref(json_t *hc, const char *id, const char *daemon_parent)
{
	const char *p = json_string_value(json_object_get(hc, "CgroupParent"));
	_cleanup_free_ char *clean = NULL;

	if (!p || !*p)
		p = daemon_parent;
	if (!p || !*p)
		return xstrdup(id);
	/* cleaned from the root, as runc's CleanPath does: ".." never climbs out of a hierarchy
	 * (a parent of "../memory/x" would put every controller in the memory one) */
	clean = path_clean(p);
	return clean[1] ? xasprintf("%s/%s", clean + 1, id) : xstrdup(id);
}

int cgroup_v1_mounted(const char *ctrl)
{
	_cleanup_free_ char *p = xasprintf(CG_ROOT "/%s/cgroup.procs", ctrl);
	return access(p, F_OK) == 0;
}

char *cgroup_dir_of(const struct cgroup_driver *d, const char *id, const char *ctrl)
{
	_cleanup_free_ char *rel = d->path(id);
	if (cgroup_is_v2())
		return xasprintf(CG_ROOT "/%s", rel);
	return xasprintf(CG_ROOT "/%s/%s", ctrl, rel);
}

/* The drivers in the order a cgroup is looked for: the host's default first, where containers
 * are unless daemon.json names the other (on a v1 host each probe of the wrong one is an access()
 * per hierarchy, twice in each teardown). */
static const struct cgroup_driver *probe(size_t i)
{
	static const struct cgroup_driver *first;

	if (!first)
		first = driver_named(NULL);
	if (i == 0)
		return first;
	return DRIVERS[0] == first ? DRIVERS[i] : DRIVERS[i - 1];
}

static int driver_has(const struct cgroup_driver *d, const char *id)
{
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(d, id, NULL);
		return access(dir, F_OK) == 0;
	}
	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		_cleanup_free_ char *dir = cgroup_dir_of(d, id, cgroup_v1_ctrls[i]);
		if (access(dir, F_OK) == 0)
			return 1;
	}
	return 0;
}

/* The last cgroup found or made by this process and its driver: a start or a teardown asks for
 * it at every file it touches, and on a v1 host each probe of a driver that does not hold it is
 * one access() per hierarchy. Forgotten when the cgroup is removed (another process may make it
 * again, with another driver). */
static char *known_id;
static const struct cgroup_driver *known_driver;

static void remember(const char *id, const struct cgroup_driver *d)
{
	free(known_id);
	known_id = d ? xstrdup(id) : NULL;
	known_driver = d;
}

/* The driver whose cgroup of id exists (cgroupfs when none does: its paths name the files). */
static const struct cgroup_driver *driver_of(const char *id)
{
	if (known_id && !strcmp(known_id, id))
		return known_driver;
	for (size_t i = 0; i < NDRIVERS; i++) {
		const struct cgroup_driver *d = probe(i);
		if (driver_has(d, id)) {
			remember(id, d);
			return d;
		}
	}
	return &cgroup_cgroupfs;
}

static char *dir_of(const char *id, const char *ctrl)
{
	return cgroup_dir_of(driver_of(id), id, ctrl);
}

int cgroup_write(const char *dir, const char *file, const char *val, berr_t *err)
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
	return cgroup_write(dir, file, buf, err);
}

static int has_file(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

void cgroup_v1_cpuset_inherit(const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *cur = NULL, *par = NULL;
		_cleanup_free_ char *pp = xasprintf("%s/../%s", dir, files[i]);
		_cleanup_free_ char *cp = xasprintf("%s/%s", dir, files[i]);
		if (read_file(cp, &cur, NULL, NULL) == 0 && cur[0] != '\n' && cur[0])
			continue;
		if (read_file(pp, &par, NULL, NULL) == 0)
			cgroup_write(dir, files[i], par, NULL);
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int cgroup_rmdir(const char *dir)
{
	for (int i = 0; i < 400; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		sleep_ms(5);   /* the last task may still be exiting */
	}
	return -EBUSY;
}

uint64_t cgroup_shares_to_weight(int64_t shares)
{
	if (shares <= 0)
		return 100;   /* the kernel's default weight */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((uint64_t)(shares - 2) * 9999) / 262142;
}

int64_t cgroup_v2_swap(const struct rt_limits *lim)
{
	if (lim->memory_swap == -1)
		return -1;
	if (lim->memory <= 0)
		return -2;
	if (lim->memory_swap == 0)   /* Docker's default: as much swap as memory */
		return lim->memory;
	if (lim->memory_swap < lim->memory)
		return -2;
	return lim->memory_swap - lim->memory;
}

void cgroup_cpu_cfs(const struct rt_limits *lim, int64_t *period, int64_t *quota)
{
	*period = lim->cpu_period > 0 ? lim->cpu_period : 100000;   /* also the kernel's default */
	if (lim->cpu_quota != 0)
		*quota = lim->cpu_quota;
	else if (lim->nano_cpus > 0)
		*quota = lim->nano_cpus * *period / 1000000000;
	else
		*quota = -1;
	if (*quota < 0)
		*quota = -1;
}

/* Docker's --blkio-weight (10-1000) as a cgroup v2 io.weight (1-10000), runc's mapping. */
static uint64_t blkio_to_io_weight(uint64_t w)
{
	return w ? 1 + (w - 10) * 9999 / 990 : 0;
}

/* ---- limits, v2: one dir ---- */

/* io.bfq.weight takes Docker's weights as they are (BFQ's own scale), io.weight its own; the
 * throttles are io.max lines, one a device and kind. */
static int v2_blkio(const char *dir, const struct rt_limits *lim, berr_t *err)
{
	static const char *const MAX_KEY[] = { [RT_BLKIO_READ_BPS] = "rbps", [RT_BLKIO_WRITE_BPS] = "wbps",
					       [RT_BLKIO_READ_IOPS] = "riops", [RT_BLKIO_WRITE_IOPS] = "wiops" };
	int bfq = has_file(dir, "io.bfq.weight"), r;
	const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
	char line[96];

	if (lim->blkio_weight > 0 &&
	    (r = write_i64(dir, wfile, (int64_t)(bfq ? lim->blkio_weight : blkio_to_io_weight(lim->blkio_weight)), err)) < 0)
		return r;
	for (size_t i = 0; i < lim->nblkio; i++) {
		const struct rt_blkio_dev *b = &lim->blkio[i];
		if (b->kind == RT_BLKIO_WEIGHT)
			snprintf(line, sizeof(line), "%u:%u %llu", b->major, b->minor,
				 (unsigned long long)(bfq ? b->value : blkio_to_io_weight(b->value)));
		else
			snprintf(line, sizeof(line), "%u:%u %s=%llu", b->major, b->minor, MAX_KEY[b->kind],
				 (unsigned long long)b->value);
		if ((r = cgroup_write(dir, b->kind == RT_BLKIO_WEIGHT ? wfile : "io.max", line, err)) < 0)
			return r;
	}
	return 0;
}

static int v2_limits(const char *dir, const struct rt_limits *lim, unsigned which, berr_t *err)
{
	char buf[64];
	int r;

	if ((which & RT_LIM_MEMORY) && lim->memory > 0 &&
	    (r = write_i64(dir, "memory.max", lim->memory, err)) < 0)
		return r;
	if ((which & RT_LIM_MEMORY) && has_file(dir, "memory.swap.max")) {
		int64_t sw = cgroup_v2_swap(lim);   /* the file is missing without swap accounting */
		if (sw == -1 && (r = cgroup_write(dir, "memory.swap.max", "max", err)) < 0)
			return r;
		if (sw >= 0 && (r = write_i64(dir, "memory.swap.max", sw, err)) < 0)
			return r;
	}
	if ((which & RT_LIM_MEMORY_RESERVATION) &&
	    (r = write_i64(dir, "memory.low", lim->memory_reservation > 0 ? lim->memory_reservation : 0, err)) < 0)
		return r;
	if (which & RT_LIM_CPUS) {
		int64_t period, quota;
		cgroup_cpu_cfs(lim, &period, &quota);
		if (quota > 0)
			snprintf(buf, sizeof(buf), "%lld %lld", (long long)quota, (long long)period);
		else
			snprintf(buf, sizeof(buf), "max %lld", (long long)period);
		if ((r = cgroup_write(dir, "cpu.max", buf, err)) < 0)
			return r;
	}
	if ((which & RT_LIM_CPU_SHARES) &&
	    (r = write_i64(dir, "cpu.weight", (int64_t)cgroup_shares_to_weight(lim->cpu_shares), err)) < 0)
		return r;
	if (which & RT_LIM_PIDS) {
		r = lim->pids_limit > 0 ? write_i64(dir, "pids.max", lim->pids_limit, err)
					: cgroup_write(dir, "pids.max", "max", err);
		if (r < 0)
			return r;
	}
	if ((which & RT_LIM_CPUSET) && lim->cpuset_cpus && *lim->cpuset_cpus &&
	    (r = cgroup_write(dir, "cpuset.cpus", lim->cpuset_cpus, err)) < 0)
		return r;
	if ((which & RT_LIM_CPUSET) && lim->cpuset_mems && *lim->cpuset_mems &&
	    (r = cgroup_write(dir, "cpuset.mems", lim->cpuset_mems, err)) < 0)
		return r;
	if ((which & RT_LIM_BLKIO) && (r = v2_blkio(dir, lim, err)) < 0)
		return r;
	return 0;
}

/* ---- limits, v1: a dir per controller ---- */

/* blkio.weight where the kernel has it (CFQ), else BFQ's blkio.bfq.weight; throttles in the
 * blkio.throttle files, a "MAJ:MIN VALUE" line each. */
static int v1_blkio(const char *dir, const struct rt_limits *lim, berr_t *err)
{
	static const char *const THROTTLE[] = {
		[RT_BLKIO_READ_BPS] = "blkio.throttle.read_bps_device", [RT_BLKIO_WRITE_BPS] = "blkio.throttle.write_bps_device",
		[RT_BLKIO_READ_IOPS] = "blkio.throttle.read_iops_device", [RT_BLKIO_WRITE_IOPS] = "blkio.throttle.write_iops_device",
	};
	int cfq = has_file(dir, "blkio.weight"), r;
	char line[96];

	if (lim->blkio_weight > 0 &&
	    (r = write_i64(dir, cfq ? "blkio.weight" : "blkio.bfq.weight", lim->blkio_weight, err)) < 0)
		return r;
	for (size_t i = 0; i < lim->nblkio; i++) {
		const struct rt_blkio_dev *b = &lim->blkio[i];
		const char *file = b->kind != RT_BLKIO_WEIGHT ? THROTTLE[b->kind] :
				   cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
		snprintf(line, sizeof(line), "%u:%u %llu", b->major, b->minor, (unsigned long long)b->value);
		if ((r = cgroup_write(dir, file, line, err)) < 0)
			return r;
	}
	return 0;
}

static int v1_memory(const char *dir, const struct rt_limits *lim, berr_t *err)
{
	int has_swap = has_file(dir, "memory.memsw.limit_in_bytes");
	int64_t mem = lim->memory;
	int64_t sw = lim->memory_swap == 0 && mem > 0 ? 2 * mem : lim->memory_swap;
	int r;

	/* memory <= memory+swap at every step: raise memsw first, else lower memory first */
	if (has_swap && sw != 0 && write_i64(dir, "memory.memsw.limit_in_bytes", sw, NULL) == 0)
		return mem > 0 ? write_i64(dir, "memory.limit_in_bytes", mem, err) : 0;
	if (mem > 0 && (r = write_i64(dir, "memory.limit_in_bytes", mem, err)) < 0)
		return r;
	if (has_swap && sw != 0 && (r = write_i64(dir, "memory.memsw.limit_in_bytes", sw, err)) < 0)
		return r;
	return 0;
}

/* The soft limit, swappiness and OOM killer switch: cgroup v1 only has the last two. */
static int v1_memory_extra(const char *dir, const struct rt_limits *lim, unsigned which, berr_t *err)
{
	int r;

	if ((which & RT_LIM_MEMORY_RESERVATION) &&
	    (r = write_i64(dir, "memory.soft_limit_in_bytes",
			   lim->memory_reservation > 0 ? lim->memory_reservation : -1, err)) < 0)
		return r;
	if ((which & RT_LIM_SWAPPINESS) && lim->memory_swappiness >= 0 &&
	    (r = write_i64(dir, "memory.swappiness", lim->memory_swappiness, err)) < 0)
		return r;
	if ((which & RT_LIM_OOM_KILL_DISABLE) && lim->oom_kill_disable &&
	    (r = cgroup_write(dir, "memory.oom_control", "1", err)) < 0)
		return r;
	return 0;
}

/* cpu.cfs_period_us and cpu.cfs_quota_us. A period below the current one can be refused
 * (EINVAL: the old quota over the new period exceeds the parent's): then it goes after the quota,
 * as runc does. */
static int v1_cpu_cfs(const char *dir, const struct rt_limits *lim, berr_t *err)
{
	int64_t period, quota;
	int r, period_done;

	cgroup_cpu_cfs(lim, &period, &quota);
	period_done = write_i64(dir, "cpu.cfs_period_us", period, NULL) == 0;
	if ((r = write_i64(dir, "cpu.cfs_quota_us", quota, err)) < 0)
		return r;
	if (!period_done && (r = write_i64(dir, "cpu.cfs_period_us", period, err)) < 0)
		return r;
	return 0;
}

static int v1_limits(const struct cgroup_driver *d, const char *id, const struct rt_limits *lim,
		     unsigned which, berr_t *err)
{
	_cleanup_free_ char *mem = cgroup_dir_of(d, id, "memory");
	_cleanup_free_ char *cpu = cgroup_dir_of(d, id, "cpu");
	_cleanup_free_ char *pids = cgroup_dir_of(d, id, "pids");
	_cleanup_free_ char *cpuset = cgroup_dir_of(d, id, "cpuset");
	_cleanup_free_ char *blkio = cgroup_dir_of(d, id, "blkio");
	int r;

	if ((which & RT_LIM_MEMORY) && (r = v1_memory(mem, lim, err)) < 0)
		return r;
	if ((r = v1_memory_extra(mem, lim, which, err)) < 0)
		return r;
	if ((which & RT_LIM_CPUS) && (r = v1_cpu_cfs(cpu, lim, err)) < 0)
		return r;
	if ((which & RT_LIM_CPU_SHARES) &&
	    (r = write_i64(cpu, "cpu.shares", lim->cpu_shares > 0 ? lim->cpu_shares : 1024, err)) < 0)
		return r;
	if (which & RT_LIM_PIDS) {
		r = lim->pids_limit > 0 ? write_i64(pids, "pids.max", lim->pids_limit, err)
					: cgroup_write(pids, "pids.max", "max", err);
		if (r < 0)
			return r;
	}
	if ((which & RT_LIM_CPUSET) && lim->cpuset_cpus && *lim->cpuset_cpus &&
	    (r = cgroup_write(cpuset, "cpuset.cpus", lim->cpuset_cpus, err)) < 0)
		return r;
	if ((which & RT_LIM_CPUSET) && lim->cpuset_mems && *lim->cpuset_mems &&
	    (r = cgroup_write(cpuset, "cpuset.mems", lim->cpuset_mems, err)) < 0)
		return r;
	if ((which & RT_LIM_BLKIO) && (r = v1_blkio(blkio, lim, err)) < 0)
		return r;
	return 0;
}

static int set_limits(const struct cgroup_driver *d, const char *id, const struct rt_limits *lim,
		      unsigned which, berr_t *err)
{
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(d, id, NULL);
		return v2_limits(dir, lim, which, err);
	}
	return v1_limits(d, id, lim, which, err);
}

static int join(const struct cgroup_driver *d, const char *id, pid_t pid, berr_t *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(d, id, NULL);
		return cgroup_write(dir, "cgroup.procs", buf, err);
	}
	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		_cleanup_free_ char *dir = cgroup_dir_of(d, id, cgroup_v1_ctrls[i]);
		_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
		_cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;   /* a hierarchy the host does not have (or not this cgroup in it) */
		if (fd < 0)
			return berr_sys(err, errno, "open %s", procs);
		if (write(fd, buf, strlen(buf)) < 0)
			return berr_sys(err, errno, "write %s to %s", buf, procs);
	}
	return 0;
}

/* ---- the API of runtime.h ---- */

int cgroup_create(const char *driver, const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	const struct cgroup_driver *d = driver_named(driver);
	unsigned which = 0;
	int r;

	if (!d)
		return berr_set(err, EINVAL, "cgroup: unknown cgroup driver %s", driver);
	/* at creation only what is set: the rest keeps the kernel's defaults */
	if (lim->memory > 0 || lim->memory_swap == -1)
		which |= RT_LIM_MEMORY;
	if (lim->nano_cpus > 0 || lim->cpu_period != 0 || lim->cpu_quota != 0)
		which |= RT_LIM_CPUS;
	if (lim->memory_reservation > 0)
		which |= RT_LIM_MEMORY_RESERVATION;
	if (lim->memory_swappiness >= 0)
		which |= RT_LIM_SWAPPINESS;
	if (lim->oom_kill_disable)
		which |= RT_LIM_OOM_KILL_DISABLE;
	if (lim->cpu_shares > 0)
		which |= RT_LIM_CPU_SHARES;
	if (lim->pids_limit > 0)
		which |= RT_LIM_PIDS;
	if ((lim->cpuset_cpus && *lim->cpuset_cpus) || (lim->cpuset_mems && *lim->cpuset_mems))
		which |= RT_LIM_CPUSET;
	if (lim->blkio_weight > 0 || lim->nblkio > 0)
		which |= RT_LIM_BLKIO;
	if ((r = d->create(id, lim, pid, err)) < 0)
		return berr_wrap(err, "cgroup");
	remember(id, d);
	if ((r = set_limits(d, id, lim, which, err)) < 0 ||
	    (!lim->devices_all && (r = cgroup_devices(d, id, lim, err)) < 0))
		return berr_wrap(err, "cgroup");
	/* after the limits, so the process never runs outside them (systemd put it in already) */
	if ((r = join(d, id, pid, err)) < 0)
		return berr_wrap(err, "cgroup");
	return 0;
}

int cgroup_update(const char *id, const struct rt_limits *lim, unsigned which, berr_t *err)
{
	const struct cgroup_driver *d = driver_of(id);
	int r;

	if (d->update && (r = d->update(id, lim, which, err)) < 0)
		return r;
	return set_limits(d, id, lim, which, err);
}

int cgroup_join(const char *id, pid_t pid, berr_t *err)
{
	return join(driver_of(id), id, pid, err);
}

int cgroup_freeze(const char *id, int freeze, berr_t *err)
{
	const char *want = freeze ? "FROZEN" : "THAWED";
	int r;

	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = dir_of(id, NULL);
		_cleanup_free_ char *events = xasprintf("%s/cgroup.events", dir);
		if ((r = cgroup_write(dir, "cgroup.freeze", freeze ? "1" : "0", err)) < 0)
			return r;
		want = freeze ? "frozen 1" : "frozen 0";
		/* freezing is asynchronous: the tasks stop on their way back to user space */
		for (int i = 0; i < 2000; i++) {
			_cleanup_free_ char *st = NULL;
			if (read_file(events, &st, NULL, NULL) < 0 || strstr(st, want))
				break;
			sleep_ms(1);
		}
		return 0;
	}
	{
		_cleanup_free_ char *dir = dir_of(id, "freezer");
		_cleanup_free_ char *p = xasprintf("%s/freezer.state", dir);
		if ((r = cgroup_write(dir, "freezer.state", want, err)) < 0)
			return r;
		/* FREEZING is transient: wait until the kernel says FROZEN */
		for (int i = 0; freeze && i < 2000; i++) {
			_cleanup_free_ char *st = NULL;
			if (read_file(p, &st, NULL, NULL) < 0 || !strncmp(st, "FROZEN", 6))
				break;
			sleep_ms(1);
		}
	}
	return 0;
}

int cgroup_remove(const char *id, berr_t *err)
{
	const struct cgroup_driver *known = known_id && !strcmp(known_id, id) ? known_driver : NULL;

	remember(id, NULL);
	if (known)   /* found there by this process (a driver's remove takes one already gone) */
		return known->remove(id, err);
	/* a systemd scope that is gone has been forgotten too (CollectMode=inactive-or-failed); a
	 * container's cgroup is one driver's (the one of its start) */
	for (size_t i = 0; i < NDRIVERS; i++)
		if (driver_has(probe(i), id))
			return probe(i)->remove(id, err);
	return 0;
}

int cgroup_oom_killed(const char *id)
{
	_cleanup_free_ char *s = NULL, *p = NULL, *dir = NULL;
	char *k;

	if (cgroup_is_v2()) {
		dir = dir_of(id, NULL);
		p = xasprintf("%s/memory.events", dir);
	} else {
		dir = dir_of(id, "memory");
		p = xasprintf("%s/memory.oom_control", dir);
	}
	if (read_file(p, &s, NULL, NULL) < 0)
		return 0;
	k = strstr(s, "oom_kill ");
	return k && (k == s || k[-1] == '\n') && atoll(k + 9) > 0;
}

int cgroup_oom_watch(const char *id)
{
	_cleanup_free_ char *dir = NULL, *p = NULL, *line = NULL;
	_cleanup_close_ int ctl = -1;
	int fd;

	if (!cgroup_is_v2()) {
		/* v1: the memory controller signals an eventfd on OOM (cgroup.event_control); only a
		 * systemd scope can vanish before the exit is handled, cgroupfs dirs are berth's */
		if (driver_of(id) != &cgroup_systemd)
			return -1;
		dir = dir_of(id, "memory");
		p = xasprintf("%s/memory.oom_control", dir);
		if ((ctl = open(p, O_RDONLY | O_CLOEXEC)) < 0 || (fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
			return -1;
		line = xasprintf("%d %d", fd, ctl);
		if (cgroup_write(dir, "cgroup.event_control", line, NULL) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	dir = dir_of(id, NULL);
	p = xasprintf("%s/memory.events", dir);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	if (inotify_add_watch(fd, p, IN_MODIFY) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int cgroup_oom_check(int fd, const char *id)
{
	char buf[1024];
	uint64_t n = 0;

	/* v1 signals the OOM before its kill (the counter may not have moved yet), as containerd
	 * takes it: an OOM event */
	if (!cgroup_is_v2())
		return (read(fd, &n, sizeof(n)) == sizeof(n) && n > 0) || cgroup_oom_killed(id);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return cgroup_oom_killed(id);
}

char *cgroup_file_path(const char *id, const char *file)
{
	_cleanup_free_ char *ctrl = xstrdup(file), *dir = NULL;
	char *dot = strchr(ctrl, '.');

	if (cgroup_is_v2()) {
		dir = dir_of(id, NULL);
		return xasprintf("%s/%s", dir, file);
	}
	if (dot)
		*dot = 0;
	if (!strcmp(ctrl, "cgroup"))
		strcpy(ctrl, "memory");
	dir = dir_of(id, ctrl);
	return xasprintf("%s/%s", dir, file);
}

int cgroup_pids(const char *id, pid_t **pids, size_t *n, berr_t *err)
{
	_cleanup_free_ char *dir = dir_of(id, cgroup_is_v2() || cgroup_v1_mounted("pids") ? "pids" : "memory");
	_cleanup_free_ char *p = xasprintf("%s/cgroup.procs", dir);
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	int v;

	*pids = NULL;
	*n = 0;
	if (!f)
		return berr_sys(err, errno, "open %s", p);
	while (fscanf(f, "%d", &v) == 1) {
		*pids = xreallocarray(*pids, *n + 1, sizeof(pid_t));
		(*pids)[(*n)++] = v;
	}
	return 0;
}

void cgroup_kill_all(const char *id)
{
	berr_t e = { 0 };

	/* a process may fork while we kill: read again until the cgroup is empty (5 s at most) */
	for (int round = 0; round < 500; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (cgroup_pids(id, &pids, &n, &e) < 0 || n == 0)
			return;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		usleep(10000);
	}
}
