/* The systemd cgroup driver as the lean berth-monitor sees it (core/SConscript builds this file in
 * place of cgroup_systemd.c): static with musl, it cannot load libsystemd, and berth never gives
 * it a container of that driver (container/start.c runs berth-monitor-full then). It still names
 * the driver's paths, which cgroup.c probes to find who made a cgroup; anything more fails. */
#include "runtime/cgroup.h"
#include "common/util.h"

static char *systemd_path(const char *id)
{
	return xasprintf("system.slice/berth-%s.scope", id);   /* as cgroup_systemd.c names it */
}

static int absent(berr_t *err)
{
	return berr_set(err, ENOTSUP, "the systemd cgroup driver needs berth-monitor-full");
}

static int systemd_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	(void)id; (void)lim; (void)pid;
	return absent(err);
}

static int systemd_update(const char *id, const struct rt_limits *lim, unsigned which, berr_t *err)
{
	(void)id; (void)lim; (void)which;
	return absent(err);
}

static int systemd_remove(const char *id, berr_t *err)
{
	(void)id;
	return absent(err);
}

const struct cgroup_driver cgroup_systemd = {
	.name = "systemd",
	.path = systemd_path,
	.create = systemd_create,
	.update = systemd_update,
	.remove = systemd_remove,
};
