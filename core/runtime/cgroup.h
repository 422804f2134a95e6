/* The two ways of making a container's cgroup, behind core/runtime/cgroup.c (the cgroup_*
 * functions of runtime.h): cgroupfs makes berth/<id> itself (cgroup_cgroupfs.c), systemd asks
 * systemd for a transient berth-<id>.scope in system.slice (cgroup_systemd.c). Either way the
 * limits are then written into the files by cgroup.c, and everything after creation (freeze,
 * join, stats, oom) finds the cgroup by its path, so callers never know which driver made it. */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include "runtime/runtime.h"

#define CG_ROOT "/sys/fs/cgroup"

struct cgroup_driver {
	const char *name;
	/* The container's cgroup below the v2 root or below each v1 hierarchy, malloc'd. */
	char *(*path)(const char *id);
	/* Make the cgroup; a driver that can only make it around a process (systemd) puts pid in
	 * it, with the limits of `lim` recorded as its own settings. */
	int (*create)(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err);
	/* Record changed limits with the cgroup's owner before cgroup.c writes them (NULL: none). */
	int (*update)(const char *id, const struct rt_limits *lim, unsigned which, berr_t *err);
	/* Remove the cgroup once its processes are gone (nothing to do when it never existed). */
	int (*remove)(const char *id, berr_t *err);
};

extern const struct cgroup_driver cgroup_cgroupfs;
extern const struct cgroup_driver cgroup_systemd;

/* Shared helpers of the drivers (cgroup.c). */
/* v1 hierarchies berth places containers in, and whether one is mounted. */
extern const char *const cgroup_v1_ctrls[];
extern const size_t cgroup_v1_nctrls;
int cgroup_v1_mounted(const char *ctrl);
/* v1 cpuset dirs start empty (no task may join them): copy cpus and mems from the parent. */
void cgroup_v1_cpuset_inherit(const char *dir);
/* The absolute dir of driver d's cgroup for id: on v2 ctrl is ignored, on v1 it names the
 * hierarchy (malloc'd). */
char *cgroup_dir_of(const struct cgroup_driver *d, const char *id, const char *ctrl);
/* write a string to dir/file; -errno with err filled */
int cgroup_write(const char *dir, const char *file, const char *val, berr_t *err);
/* rmdir, retrying while the last task is still leaving; 0 when gone or never there */
int cgroup_rmdir(const char *dir);
/* Docker's device rules and lim's own for the container's cgroup (devices files on v1, a BPF
 * program on v2). */
int cgroup_devices(const struct cgroup_driver *d, const char *id, const struct rt_limits *lim, berr_t *err);
/* Docker's --cpu-shares as a cgroup v2 cpu.weight (the mapping runc and crun use). */
uint64_t cgroup_shares_to_weight(int64_t shares);
/* v2 (any cgroup2 dir, so a hybrid host's unified mount can test it): attach the device program
 * of Docker's rules and lim's to dir. */
int cgroup_v2_devices(const char *dir, const struct rt_limits *lim, berr_t *err);
/* "0-2,7" -> the byte mask systemd's AllowedCPUs= takes (bit n%8 of byte n/8 = cpu n), malloc'd. */
int cgroup_cpu_list_mask(const char *list, uint8_t **mask, size_t *len);
/* The CFS period and quota (us) of --cpus, --cpu-period and --cpu-quota as Docker's daemon
 * merges them: --cpus is a quota per 100 ms, an explicit period or quota wins; quota -1 is
 * unlimited. */
void cgroup_cpu_cfs(const struct rt_limits *lim, int64_t *period, int64_t *quota);
/* systemd's CPUQuotaPerSecUSec for a CFS period and quota: us a second, rounded up to the 10 ms
 * steps systemd keeps (runc's rule), UINT64_MAX for none. */
uint64_t cgroup_systemd_quota(int64_t period, int64_t quota);
/* memory.swap.max for Docker's --memory-swap (memory+swap): bytes, -1 for "max", -2 to leave. */
int64_t cgroup_v2_swap(const struct rt_limits *lim);

#endif
