/* The cgroupfs driver: berth makes and removes berth/<id> in the cgroup file system itself, as
 * Docker's native.cgroupdriver=cgroupfs does with docker/<id>. */
#include "runtime/cgroup.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* the controllers a container's limits need, enabled for the children of the root and berth/ */
static const char *const V2_CTRLS[] = { "+cpu", "+cpuset", "+io", "+memory", "+pids" };

static char *cgroupfs_path(const char *id)
{
	return xasprintf("berth/%s", id);
}

static int v2_enable(const char *dir)
{
	/* one controller a write: the kernel refuses the whole line if one is missing */
	for (size_t i = 0; i < sizeof(V2_CTRLS) / sizeof(V2_CTRLS[0]); i++)
		cgroup_write(dir, "cgroup.subtree_control", V2_CTRLS[i], NULL);
	return 0;
}

static int cgroupfs_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	int r;

	(void)lim;
	(void)pid;
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_cgroupfs, id, NULL);
		_cleanup_free_ char *parent = xstrdup(CG_ROOT "/berth");
		if ((r = mkdir_p(parent, 0755, err)) < 0)
			return r;
		v2_enable(CG_ROOT);
		v2_enable(parent);
		return mkdir_p(dir, 0755, err);
	}
	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		const char *c = cgroup_v1_ctrls[i];
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_cgroupfs, id, c);
		_cleanup_free_ char *parent = xasprintf(CG_ROOT "/%s/berth", c);
		if (!cgroup_v1_mounted(c))
			continue;
		if ((r = mkdir_p(dir, 0755, err)) < 0)
			return r;
		if (!strcmp(c, "cpuset")) {
			cgroup_v1_cpuset_inherit(parent);
			cgroup_v1_cpuset_inherit(dir);
		}
	}
	return 0;
}

static int cgroupfs_remove(const char *id, berr_t *err)
{
	int r, res = 0;

	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_cgroupfs, id, NULL);
		if ((r = cgroup_rmdir(dir)) < 0)
			return berr_sys(err, -r, "remove cgroup %s", dir);
		return 0;
	}
	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_cgroupfs, id, cgroup_v1_ctrls[i]);
		if ((r = cgroup_rmdir(dir)) < 0)
			res = berr_sys(err, -r, "remove cgroup %s", dir);
	}
	return res;
}

const struct cgroup_driver cgroup_cgroupfs = {
	.name = "cgroupfs",
	.path = cgroupfs_path,
	.create = cgroupfs_create,
	.update = NULL,
	.remove = cgroupfs_remove,
};
