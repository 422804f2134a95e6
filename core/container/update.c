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

static int write_cgroup(const char *id, const char *file, const char *value, berr_t *err)
{
	_cleanup_free_ char *path = cgroup_file_path(id, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return berr_sys(err, errno, "open %s", path);
	n = write(fd, value, strlen(value));
	close(fd);
	if (n < 0)
		return berr_sys(err, errno, "write %s to %s", value, path);
	return 0;
}

static int write_cgroup_i64(const char *id, const char *file, int64_t v, berr_t *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return write_cgroup(id, file, buf, err);
}

static int64_t hc_int(json_t *hc, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(hc, key));
}

/* Write the limits named in `changes` (values taken from the merged hc) into a running cgroup. */
static int apply_cgroup(const char *id, json_t *changes, json_t *hc, berr_t *err)
{
	int v2 = cgroup_is_v2(), r = 0;
	int64_t mem = hc_int(hc, "Memory"), swap = hc_int(hc, "MemorySwap");

	if (json_object_get(changes, "Memory") || json_object_get(changes, "MemorySwap")) {
		if (v2) {
			if (mem > 0 && (r = write_cgroup_i64(id, "memory.max", mem, err)) < 0)
				return r;
			if (swap == -1)
				write_cgroup(id, "memory.swap.max", "max", NULL);
			else if (swap > mem && mem > 0)
				write_cgroup_i64(id, "memory.swap.max", swap - mem, NULL);
		} else {
			_cleanup_free_ char *memsw = cgroup_file_path(id, "memory.memsw.limit_in_bytes");
			int has_swap = access(memsw, F_OK) == 0;
			int64_t sw = swap == 0 && mem > 0 ? 2 * mem : swap;
			/* memory <= memory+swap at every step: raise memsw first, else lower memory first */
			if (has_swap && sw != 0 && write_cgroup_i64(id, "memory.memsw.limit_in_bytes", sw, NULL) < 0) {
				if (mem > 0 && (r = write_cgroup_i64(id, "memory.limit_in_bytes", mem, err)) < 0)
					return r;
				if ((r = write_cgroup_i64(id, "memory.memsw.limit_in_bytes", sw, err)) < 0)
					return r;
			} else if (mem > 0 && (r = write_cgroup_i64(id, "memory.limit_in_bytes", mem, err)) < 0) {
				return r;
			}
		}
	}
	if (json_object_get(changes, "NanoCpus")) {
		int64_t nano = hc_int(hc, "NanoCpus");
		if (v2) {
			char buf[64];
			if (nano > 0)
				snprintf(buf, sizeof(buf), "%lld 100000", (long long)(nano / 10000));
			else
				snprintf(buf, sizeof(buf), "max 100000");
			if ((r = write_cgroup(id, "cpu.max", buf, err)) < 0)
				return r;
		} else if ((r = write_cgroup_i64(id, "cpu.cfs_period_us", 100000, err)) < 0 ||
			   (r = write_cgroup_i64(id, "cpu.cfs_quota_us", nano > 0 ? nano / 10000 : -1, err)) < 0) {
			return r;
		}
	}
	if (json_object_get(changes, "CpuShares")) {
		int64_t shares = hc_int(hc, "CpuShares");
		if (shares <= 0)
			shares = 1024;
		if (v2)
			r = write_cgroup_i64(id, "cpu.weight", 1 + ((shares - 2) * 9999) / 262142, err);
		else
			r = write_cgroup_i64(id, "cpu.shares", shares, err);
		if (r < 0)
			return r;
	}
	if (json_object_get(changes, "CpusetCpus")) {
		const char *cpus = json_string_value(json_object_get(hc, "CpusetCpus"));
		if (cpus && *cpus && (r = write_cgroup(id, "cpuset.cpus", cpus, err)) < 0)
			return r;
	}
	if (json_object_get(changes, "PidsLimit")) {
		int64_t pids = hc_int(hc, "PidsLimit");
		if ((r = pids > 0 ? write_cgroup_i64(id, "pids.max", pids, err) : write_cgroup(id, "pids.max", "max", err)) < 0)
			return r;
	}
	return 0;
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
	    (r = apply_cgroup(c->id, changes, hc, err)) < 0) {
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
	close(lk);
	container_free(c);
	return r;
}
