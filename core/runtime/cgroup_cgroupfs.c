/* The cgroupfs driver: berth makes and removes berth/<id> (PARENT/<id> with --cgroup-parent or
 * daemon.json's cgroup-parent) in the cgroup file system itself, as Docker's
 * native.cgroupdriver=cgroupfs does with docker/<id>. The parents stay, as Docker's do. */
#include "runtime/cgroup.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* the controllers a container's limits need, enabled for the children of the root and berth/ */
static const char *const V2_CTRLS[] = { "+cpu", "+cpuset", "+io", "+memory", "+pids" };

static char *cgroupfs_path(const char *ref)
{
	/* a reference with a parent is the path itself (cgroup_ref) */
	return strchr(ref, '/') ? xstrdup(ref) : xasprintf("berth/%s", ref);
}

static void v2_enable(const char *dir)
{
	/* one controller a write: the kernel refuses the whole line if one is missing */
	for (size_t i = 0; i < sizeof(V2_CTRLS) / sizeof(V2_CTRLS[0]); i++)
		cgroup_write(dir, "cgroup.subtree_control", V2_CTRLS[i], NULL);
}

/* Call fn on each ancestor of the container's cgroup below root, outermost first: the levels
 * that must pass controllers down (v2) or cpus and mems (v1 cpuset). */
static void each_ancestor(const char *root, const char *id, void (*fn)(const char *dir))
{
	_cleanup_free_ char *rel = cgroupfs_path(id);

	for (char *slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		_cleanup_free_ char *dir = xasprintf("%s/%.*s", root, (int)(slash - rel), rel);
		fn(dir);
	}
}

static int cgroupfs_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	int r;

	(void)lim;
	(void)pid;
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_cgroupfs, id, NULL);
		if ((r = mkdir_p(dir, 0755, err)) < 0)
			return r;
		v2_enable(CG_ROOT);
		each_ancestor(CG_ROOT, id, v2_enable);
		return 0;
	}
	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		const char *c = cgroup_v1_ctrls[i];
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_cgroupfs, id, c);
		_cleanup_free_ char *root = xasprintf(CG_ROOT "/%s", c);
		if (!cgroup_v1_mounted(c))
			continue;
		if ((r = mkdir_p(dir, 0755, err)) < 0)
			return r;
		if (!strcmp(c, "cpuset")) {
			each_ancestor(root, id, cgroup_v1_cpuset_inherit);
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
