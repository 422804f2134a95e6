/* `berth update`: change the resource limits and restart policy of a container. The new values
 * are merged into the stored HostConfig (so inspect shows them and the next start applies them),
 * into the monitor's copy (monitor.json, which it re-reads before restarting the container), and,
 * while the container runs, written into its cgroup. */
#include "container/container.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/runtime.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int64_t hc_int(json_t *hc, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(hc, key));
}

/* Write the limits named in `changes` (values taken from the merged hc) into a running cgroup. */
static int apply_cgroup(struct berth_ctx *ctx, const struct container *c, json_t *changes, json_t *hc,
			berr_t *err)
{
	_cleanup_free_ char *cg = container_cgroup(ctx, c);
	struct rt_limits lim = {
		.memory = hc_int(hc, "Memory"),
		.memory_swap = hc_int(hc, "MemorySwap"),
		.nano_cpus = hc_int(hc, "NanoCpus"),
		.cpu_period = hc_int(hc, "CpuPeriod"),
		.cpu_quota = hc_int(hc, "CpuQuota"),
		.memory_reservation = hc_int(hc, "MemoryReservation"),
		.cpu_shares = hc_int(hc, "CpuShares"),
		.pids_limit = hc_int(hc, "PidsLimit"),
		.cpuset_cpus = (char *)json_string_value(json_object_get(hc, "CpusetCpus")),
		.cpuset_mems = (char *)json_string_value(json_object_get(hc, "CpusetMems")),
		.blkio_weight = (uint16_t)hc_int(hc, "BlkioWeight"),
	};
	unsigned which = 0;

	if (json_object_get(changes, "Memory") || json_object_get(changes, "MemorySwap"))
		which |= RT_LIM_MEMORY;
	if (json_object_get(changes, "NanoCpus") || json_object_get(changes, "CpuPeriod") ||
	    json_object_get(changes, "CpuQuota"))
		which |= RT_LIM_CPUS;
	if (json_object_get(changes, "MemoryReservation"))
		which |= RT_LIM_MEMORY_RESERVATION;
	if (json_object_get(changes, "CpuShares"))
		which |= RT_LIM_CPU_SHARES;
	if (json_object_get(changes, "PidsLimit"))
		which |= RT_LIM_PIDS;
	if (json_object_get(changes, "CpusetCpus") || json_object_get(changes, "CpusetMems"))
		which |= RT_LIM_CPUSET;
	if (json_object_get(changes, "BlkioWeight"))
		which |= RT_LIM_BLKIO;   /* update changes the weight only, as Docker's */
	return which ? cgroup_update(cg, &lim, which, err) : 0;
}

static int store_doc(struct berth_ctx *ctx, struct container *c, berr_t *err)
{
	_cleanup_free_ char *text = json_dumps(c->doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct store *st;
	sqlite3_stmt *s;
	int r;

	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, "UPDATE containers SET doc = ?2 WHERE id = ?1", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, text, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	return 0;
}

int container_update(struct berth_ctx *ctx, const char *ref, json_t *changes, berr_t *err)
{
	struct container *c = NULL, *mon = NULL;
	json_t *hc;
	int lk, r;

	if ((r = container_get(ctx, ref, &c, err)) < 0)
		return r;
	if ((lk = container_lock(ctx, c->id, err)) < 0) {
		container_free(c);
		return lk;
	}
	if ((r = container_reload(ctx, c, err)) < 0)
		goto out;
	hc = json_object_get(c->doc, "HostConfig");
	if (!hc)
		json_object_set_new(c->doc, "HostConfig", hc = json_object());
	json_object_update(hc, changes);
	if ((!strcmp(c->state, "running") || !strcmp(c->state, "paused")) && container_init_alive(c) &&
	    (r = apply_cgroup(ctx, c, changes, hc, err)) < 0) {
		berr_wrap(err, "Cannot update container %s", c->id);
		goto out;
	}
	if ((r = store_doc(ctx, c, err)) < 0)
		goto out;
	/* the monitor takes its document from monitor.json when it restarts the container */
	if (container_read_monitor_config(ctx, c->id, &mon, NULL) == 0) {
		json_object_set(mon->doc, "HostConfig", hc);
		r = container_write_monitor_config(ctx, mon, NULL, err);
		container_free(mon);
	}
out:
	container_unlock(ctx, lk);
	container_free(c);
	return r;
}
