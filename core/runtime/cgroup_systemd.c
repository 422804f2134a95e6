/* The systemd driver (native.cgroupdriver=systemd): where systemd owns the cgroup tree, a
 * container's cgroup is a transient scope unit, berth-<id>.scope in system.slice, as Docker and
 * runc make docker-<id>.scope. systemd creates it around the container's init (PIDs=), with
 * Delegate=yes (the tree below is berth's) and the limits as unit properties, so that systemd,
 * which rewrites a unit's cgroup files from its own settings (daemon-reload, set-property), keeps
 * berth's values; cgroup.c then writes the same values into the files, as runc does.
 *
 * sd-bus comes from libsystemd, loaded with dlopen on first use: the monitor links it only in
 * spirit, so cgroupfs hosts (and every command that never touches a scope) pay nothing for it. */
#include "runtime/cgroup.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#define SLICE "system.slice"
#define BUS_TIMEOUT_US (60ULL * 1000000)   /* a slow machine's systemd still answers in time */
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static struct {
	int (*bus_new)(sd_bus **);
	int (*bus_set_address)(sd_bus *, const char *);
	int (*bus_start)(sd_bus *);
	int (*bus_open_system)(sd_bus **);
	sd_bus *(*bus_flush_close_unref)(sd_bus *);
	int (*message_new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *,
				       const char *, const char *);
	int (*message_append)(sd_bus_message *, const char *, ...);
	int (*message_append_array)(sd_bus_message *, char, const void *, size_t);
	int (*message_open_container)(sd_bus_message *, char, const char *);
	int (*message_close_container)(sd_bus_message *);
	int (*message_read)(sd_bus_message *, const char *, ...);
	sd_bus_message *(*message_unref)(sd_bus_message *);
	int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
	int (*match_signal)(sd_bus *, sd_bus_slot **, const char *, const char *, const char *,
			    const char *, sd_bus_message_handler_t, void *);
	sd_bus_slot *(*slot_unref)(sd_bus_slot *);
	int (*process)(sd_bus *, sd_bus_message **);
	int (*wait)(sd_bus *, uint64_t);
	void (*error_free)(sd_bus_error *);
	int (*error_has_name)(const sd_bus_error *, const char *);
} sd;
static int sd_loaded;          /* 0 not tried, 1 loaded, -1 failed */
static char sd_load_error[256];

static int load_libsystemd(berr_t *err)
{
	void *h;

	if (sd_loaded == 0) {
		sd_loaded = -1;
		if (!(h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL))) {
			snprintf(sd_load_error, sizeof(sd_load_error), "%s", dlerror());
			goto out;
		}
#define SYM(field, name) \
		if (!(*(void **)&sd.field = dlsym(h, name))) { \
			snprintf(sd_load_error, sizeof(sd_load_error), "libsystemd.so.0 has no %s", name); \
			goto out; \
		}
		SYM(bus_new, "sd_bus_new");
		SYM(bus_set_address, "sd_bus_set_address");
		SYM(bus_start, "sd_bus_start");
		SYM(bus_open_system, "sd_bus_open_system");
		SYM(bus_flush_close_unref, "sd_bus_flush_close_unref");
		SYM(message_new_method_call, "sd_bus_message_new_method_call");
		SYM(message_append, "sd_bus_message_append");
		SYM(message_append_array, "sd_bus_message_append_array");
		SYM(message_open_container, "sd_bus_message_open_container");
		SYM(message_close_container, "sd_bus_message_close_container");
		SYM(message_read, "sd_bus_message_read");
		SYM(message_unref, "sd_bus_message_unref");
		SYM(call, "sd_bus_call");
		SYM(match_signal, "sd_bus_match_signal");
		SYM(slot_unref, "sd_bus_slot_unref");
		SYM(process, "sd_bus_process");
		SYM(wait, "sd_bus_wait");
		SYM(error_free, "sd_bus_error_free");
		SYM(error_has_name, "sd_bus_error_has_name");
#undef SYM
		sd_loaded = 1;
	}
out:
	if (sd_loaded < 0)
		return berr_set(err, ENOSYS, "cgroup driver systemd: cannot load libsystemd: %s", sd_load_error);
	return 0;
}

static void bus_closep(sd_bus **b) { if (*b) sd.bus_flush_close_unref(*b); }
static void msg_unrefp(sd_bus_message **m) { if (*m) sd.message_unref(*m); }
static void slot_unrefp(sd_bus_slot **s) { if (*s) sd.slot_unref(*s); }
static void error_freep(sd_bus_error *e) { if (sd_loaded > 0) sd.error_free(e); }
#define _cleanup_bus_ __attribute__((cleanup(bus_closep)))
#define _cleanup_msg_ __attribute__((cleanup(msg_unrefp)))
#define _cleanup_slot_ __attribute__((cleanup(slot_unrefp)))
#define _cleanup_bus_error_ __attribute__((cleanup(error_freep)))

/* systemd's own socket when we are root (what systemctl uses: no dbus-daemon needed, and job
 * signals come without subscribing), else the system bus. */
static int bus_open(sd_bus **out, berr_t *err)
{
	sd_bus *b = NULL;
	int r;

	if ((r = load_libsystemd(err)) < 0)
		return r;
	if (geteuid() == 0 && access("/run/systemd/private", F_OK) == 0) {
		if ((r = sd.bus_new(&b)) < 0)
			return berr_sys(err, -r, "sd-bus");
		if (sd.bus_set_address(b, "unix:path=/run/systemd/private") >= 0 && sd.bus_start(b) >= 0) {
			*out = b;
			return 0;
		}
		sd.bus_flush_close_unref(b);
		b = NULL;
	}
	if ((r = sd.bus_open_system(&b)) < 0)
		return berr_sys(err, -r, "connect to systemd (is it PID 1? the systemd cgroup driver needs it)");
	*out = b;
	return 0;
}

static char *unit_name(const char *id)
{
	return xasprintf("berth-%s.scope", id);
}

static char *systemd_path(const char *id)
{
	return xasprintf(SLICE "/berth-%s.scope", id);
}

static int bus_fail(berr_t *err, int r, const sd_bus_error *e, const char *what)
{
	if (e && e->message)
		return berr_set(err, -r, "%s: %s", what, e->message);
	return berr_sys(err, -r, "%s", what);
}

/* ---- jobs: a method that queues a job returns its path; JobRemoved says how it ended ---- */

struct job_wait {
	char *path;
	char result[32];
	int done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct job_wait *w = userdata;
	const char *path, *unit, *result;
	uint32_t id;

	(void)e;
	if (sd.message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->path && !strcmp(path, w->path)) {
		snprintf(w->result, sizeof(w->result), "%s", result);
		w->done = 1;
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Send a call that queues a job and wait for the job to finish; 0 when it did ("done"). */
static int run_job(sd_bus *bus, sd_bus_message *call, const char *what, berr_t *err)
{
	_cleanup_slot_ sd_bus_slot *slot = NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	struct job_wait w = { 0 };
	const char *path;
	uint64_t deadline;
	int r;

	/* the match is in place before the job can end; its signal waits in the queue until we know the path */
	if ((r = sd.match_signal(bus, &slot, NULL, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w)) < 0)
		return berr_sys(err, -r, "%s: watch systemd's jobs", what);
	if ((r = sd.call(bus, call, BUS_TIMEOUT_US, &e, &reply)) < 0) {
		if (sd.error_has_name(&e, "org.freedesktop.systemd1.UnitExists"))
			r = -EEXIST;
		else if (sd.error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
			r = -ENOENT;
		return bus_fail(err, r, &e, what);
	}
	if ((r = sd.message_read(reply, "o", &path)) < 0)
		return berr_sys(err, -r, "%s: reply", what);
	w.path = xstrdup(path);
	deadline = now_us() + BUS_TIMEOUT_US;
	while (!w.done) {
		uint64_t now = now_us();
		if (now >= deadline)
			break;
		if ((r = sd.process(bus, NULL)) < 0)
			break;
		if (r == 0 && (r = sd.wait(bus, deadline - now)) < 0)
			break;
	}
	free(w.path);
	if (!w.done)
		return r < 0 ? berr_sys(err, -r, "%s: wait for systemd", what)
			     : berr_set(err, ETIMEDOUT, "%s: systemd did not finish the job in time", what);
	if (strcmp(w.result, "done"))
		return berr_set(err, EIO, "%s: systemd's job ended with \"%s\"", what, w.result);
	return 0;
}

/* ---- unit properties from the limits ---- */

int cgroup_cpu_list_mask(const char *list, uint8_t **mask, size_t *len)
{
	const char *p = list;
	uint8_t *m = NULL;
	size_t n = 0;

	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				goto bad;
		}
		if (b >= 8192)
			goto bad;
		if (b / 8 + 1 > n) {
			m = xreallocarray(m, b / 8 + 1, 1);
			memset(m + n, 0, b / 8 + 1 - n);
			n = b / 8 + 1;
		}
		for (unsigned long c = a; c <= b; c++)
			m[c / 8] |= (uint8_t)(1u << (c % 8));
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	*mask = m;
	*len = n;
	return 0;
bad:
	free(m);
	return -EINVAL;
}

static int append_mask(sd_bus_message *m, const char *name, const char *list, berr_t *err)
{
	_cleanup_free_ uint8_t *mask = NULL;
	size_t len = 0;
	int r;

	if (cgroup_cpu_list_mask(list, &mask, &len) < 0)
		return berr_set(err, EINVAL, "invalid cpu list \"%s\" for %s", list, name);
	if ((r = sd.message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd.message_append(m, "s", name)) < 0 ||
	    (r = sd.message_open_container(m, 'v', "ay")) < 0 ||
	    (r = sd.message_append_array(m, 'y', mask, len)) < 0 ||
	    (r = sd.message_close_container(m)) < 0 || (r = sd.message_close_container(m)) < 0)
		return berr_sys(err, -r, "sd-bus message");
	return 0;
}

uint64_t cgroup_systemd_quota(int64_t period, int64_t quota)
{
	uint64_t per_sec;

	if (quota <= 0 || period <= 0)
		return UINT64_MAX;
	per_sec = (uint64_t)quota * 1000000 / (uint64_t)period;
	/* systemd keeps a quota in 10 ms steps a second: round up, as runc */
	return (per_sec + 9999) / 10000 * 10000;
}

static int append_u64(sd_bus_message *m, const char *name, uint64_t v)
{
	return sd.message_append(m, "(sv)", name, "t", v);
}

/* The limits named by `which` as resource-control properties (systemd.resource-control(5)). */
static int append_limits(sd_bus_message *m, const struct rt_limits *lim, unsigned which, berr_t *err)
{
	int r = 0;

	if ((which & RT_LIM_MEMORY) && lim->memory > 0)
		r = append_u64(m, "MemoryMax", (uint64_t)lim->memory);
	if (r >= 0 && (which & RT_LIM_MEMORY) && cgroup_is_v2()) {
		int64_t sw = cgroup_v2_swap(lim);
		if (sw != -2)
			r = append_u64(m, "MemorySwapMax", sw == -1 ? UINT64_MAX : (uint64_t)sw);
	}
	if (r >= 0 && (which & RT_LIM_MEMORY_RESERVATION) && cgroup_is_v2())   /* v1 has no MemoryLow */
		r = append_u64(m, "MemoryLow", lim->memory_reservation > 0 ? (uint64_t)lim->memory_reservation : 0);
	if (r >= 0 && (which & RT_LIM_CPUS)) {
		int64_t period, quota;
		cgroup_cpu_cfs(lim, &period, &quota);
		r = append_u64(m, "CPUQuotaPerSecUSec", cgroup_systemd_quota(period, quota));
		if (r >= 0)
			r = append_u64(m, "CPUQuotaPeriodUSec", (uint64_t)period);
	}
	if (r >= 0 && (which & RT_LIM_CPU_SHARES))
		r = append_u64(m, "CPUWeight", lim->cpu_shares > 0 ? cgroup_shares_to_weight(lim->cpu_shares) : UINT64_MAX);
	if (r >= 0 && (which & RT_LIM_PIDS))
		r = append_u64(m, "TasksMax", lim->pids_limit > 0 ? (uint64_t)lim->pids_limit : UINT64_MAX);
	if (r < 0)
		return berr_sys(err, -r, "sd-bus message");
	if ((which & RT_LIM_CPUSET) && lim->cpuset_cpus && *lim->cpuset_cpus &&
	    (r = append_mask(m, "AllowedCPUs", lim->cpuset_cpus, err)) < 0)
		return r;
	if ((which & RT_LIM_CPUSET) && lim->cpuset_mems && *lim->cpuset_mems &&
	    (r = append_mask(m, "AllowedMemoryNodes", lim->cpuset_mems, err)) < 0)
		return r;
	return 0;
}

/* v1 only: systemd rewrites a unit's devices files from its own settings (with none, it allows
 * everything again on daemon-reload), so it is given Docker's list; v2 needs none of it, berth's
 * BPF program sits beside systemd's (cgroup_devices.c). */
static int append_v1_devices(sd_bus_message *m)
{
	static const char *const ALLOW[][2] = {
		{ "char-*", "m" }, { "block-*", "m" }, { "/dev/char/1:3", "rwm" }, { "/dev/char/1:5", "rwm" },
		{ "/dev/char/1:7", "rwm" }, { "/dev/char/1:8", "rwm" }, { "/dev/char/1:9", "rwm" },
		{ "/dev/char/5:0", "rwm" }, { "/dev/char/5:1", "rwm" }, { "/dev/char/5:2", "rwm" },
		{ "char-pts", "rwm" }, { "/dev/char/10:200", "rwm" },
	};
	int r;

	if ((r = sd.message_append(m, "(sv)", "DevicePolicy", "s", "strict")) < 0 ||
	    (r = sd.message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd.message_append(m, "s", "DeviceAllow")) < 0 ||
	    (r = sd.message_open_container(m, 'v', "a(ss)")) < 0 ||
	    (r = sd.message_open_container(m, 'a', "(ss)")) < 0)
		return r;
	for (size_t i = 0; i < sizeof(ALLOW) / sizeof(ALLOW[0]); i++)
		if ((r = sd.message_append(m, "(ss)", ALLOW[i][0], ALLOW[i][1])) < 0)
			return r;
	if ((r = sd.message_close_container(m)) < 0 || (r = sd.message_close_container(m)) < 0)
		return r;
	return sd.message_close_container(m);
}

static int new_call(sd_bus *bus, sd_bus_message **m, const char *method, berr_t *err)
{
	int r = sd.message_new_method_call(bus, m, SD_DEST, SD_PATH, SD_MANAGER, method);
	return r < 0 ? berr_sys(err, -r, "sd-bus %s", method) : 0;
}

static int start_scope(sd_bus *bus, const char *unit, const char *id, const struct rt_limits *lim,
		       pid_t pid, berr_t *err)
{
	_cleanup_msg_ sd_bus_message *m = NULL;
	_cleanup_free_ char *desc = xasprintf("berth container %s", id);
	int r;

	if ((r = new_call(bus, &m, "StartTransientUnit", err)) < 0)
		return r;
	if ((r = sd.message_append(m, "ss", unit, "fail")) < 0 ||
	    (r = sd.message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = sd.message_append(m, "(sv)", "Description", "s", desc)) < 0 ||
	    (r = sd.message_append(m, "(sv)", "Slice", "s", SLICE)) < 0 ||
	    (r = sd.message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid)) < 0 ||
	    /* the tree below the scope is berth's: systemd leaves its files alone */
	    (r = sd.message_append(m, "(sv)", "Delegate", "b", 1)) < 0 ||
	    /* no ordering against shutdown.target & co: the container's life is its monitor's */
	    (r = sd.message_append(m, "(sv)", "DefaultDependencies", "b", 0)) < 0 ||
	    /* a scope left failed (OOM) would block the name; let systemd forget it either way */
	    (r = sd.message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed")) < 0 ||
	    (r = sd.message_append(m, "(sv)", "MemoryAccounting", "b", 1)) < 0 ||
	    (r = sd.message_append(m, "(sv)", "CPUAccounting", "b", 1)) < 0 ||
	    (r = sd.message_append(m, "(sv)", "TasksAccounting", "b", 1)) < 0 ||
	    (r = sd.message_append(m, "(sv)", "IOAccounting", "b", 1)) < 0)
		return berr_sys(err, -r, "sd-bus message");
	/* all of them: an unset limit is "infinity", not systemd's DefaultTasksMax= & co */
	if ((r = append_limits(m, lim, RT_LIM_ALL, err)) < 0)
		return r;
	if (!cgroup_is_v2() && !lim->devices_all && (r = append_v1_devices(m)) < 0)
		return berr_sys(err, -r, "sd-bus message");
	if ((r = sd.message_close_container(m)) < 0 || (r = sd.message_append(m, "a(sa(sv))", 0)) < 0)
		return berr_sys(err, -r, "sd-bus message");
	return run_job(bus, m, "start unit", err);
}

static int stop_unit(sd_bus *bus, const char *unit, berr_t *err)
{
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if ((r = new_call(bus, &m, "StopUnit", err)) < 0)
		return r;
	if ((r = sd.message_append(m, "ss", unit, "replace")) < 0)
		return berr_sys(err, -r, "sd-bus message");
	r = run_job(bus, m, "stop unit", err);
	if (r == -ENOENT)   /* gone already: systemd stops a scope by itself once it is empty */
		r = 0;
	/* a unit that failed stays loaded (and keeps its name taken) until this */
	m = sd.message_unref(m);
	if (new_call(bus, &m, "ResetFailedUnit", NULL) == 0 && sd.message_append(m, "s", unit) >= 0)
		sd.call(bus, m, BUS_TIMEOUT_US, &e, &reply);
	return r;
}

/* v1: systemd makes the scope only in the hierarchies it manages (not cpuset or freezer); berth
 * makes the rest at the same path, as runc does, and removes them after systemd's. */
static int v1_complete(const char *id, berr_t *err)
{
	int r;

	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		const char *c = cgroup_v1_ctrls[i];
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_systemd, id, c);
		if (!cgroup_v1_mounted(c) || access(dir, F_OK) == 0)
			continue;
		if ((r = mkdir_p(dir, 0755, err)) < 0)
			return r;
		if (!strcmp(c, "cpuset")) {
			_cleanup_free_ char *slice = xasprintf(CG_ROOT "/cpuset/" SLICE);
			cgroup_v1_cpuset_inherit(slice);
			cgroup_v1_cpuset_inherit(dir);
		}
	}
	return 0;
}

static int systemd_create(const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_free_ char *unit = unit_name(id);
	struct stat st;
	int r;

	if (strchr(id, '/'))   /* a reference with a parent (cgroup_ref) */
		return berr_set(err, ENOTSUP, "a cgroup parent is not supported with the systemd cgroup driver "
				"(its scopes go in " SLICE "); set exec-opts [\"native.cgroupdriver=cgroupfs\"] in daemon.json");
	if (lstat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
		return berr_set(err, ENOTSUP, "the systemd cgroup driver needs systemd as PID 1 (there is no "
				"/run/systemd/system); set exec-opts [\"native.cgroupdriver=cgroupfs\"] in daemon.json");
	if ((r = bus_open(&bus, err)) < 0)
		return r;
	r = start_scope(bus, unit, id, lim, pid, err);
	if (r == -EEXIST) {
		/* a scope of an earlier run of this container that systemd has not let go yet */
		berr_clear(err);
		stop_unit(bus, unit, NULL);
		r = start_scope(bus, unit, id, lim, pid, err);
	}
	if (r == 0 && !cgroup_is_v2())
		r = v1_complete(id, err);
	return r < 0 ? berr_wrap(err, "systemd scope %s", unit) : 0;
}

static int systemd_update(const char *id, const struct rt_limits *lim, unsigned which, berr_t *err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_free_ char *unit = unit_name(id);
	int r;

	if ((r = bus_open(&bus, err)) < 0 || (r = new_call(bus, &m, "SetUnitProperties", err)) < 0)
		return r;
	/* runtime: the settings live as long as the scope, in /run, like the scope itself */
	if ((r = sd.message_append(m, "sb", unit, 1)) < 0 || (r = sd.message_open_container(m, 'a', "(sv)")) < 0)
		return berr_sys(err, -r, "sd-bus message");
	if ((r = append_limits(m, lim, which, err)) < 0)
		return r;
	if ((r = sd.message_close_container(m)) < 0)
		return berr_sys(err, -r, "sd-bus message");
	if ((r = sd.call(bus, m, BUS_TIMEOUT_US, &e, &reply)) < 0)
		return bus_fail(err, r, &e, unit);
	return 0;
}

static int systemd_remove(const char *id, berr_t *err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_free_ char *unit = unit_name(id);
	int r;

	if ((r = bus_open(&bus, err)) < 0 || (r = stop_unit(bus, unit, err)) < 0)
		return berr_wrap(err, "remove systemd scope %s", unit);
	/* systemd removes the cgroup when the unit stops; on v1 the hierarchies it does not manage
	 * are berth's to clean */
	if (cgroup_is_v2()) {
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_systemd, id, NULL);
		if ((r = cgroup_rmdir(dir)) < 0)
			return berr_sys(err, -r, "remove cgroup %s", dir);
		return 0;
	}
	for (size_t i = 0; i < cgroup_v1_nctrls; i++) {
		_cleanup_free_ char *dir = cgroup_dir_of(&cgroup_systemd, id, cgroup_v1_ctrls[i]);
		if ((r = cgroup_rmdir(dir)) < 0)
			return berr_sys(err, -r, "remove cgroup %s", dir);
	}
	return 0;
}

const struct cgroup_driver cgroup_systemd = {
	.name = "systemd",
	.path = systemd_path,
	.create = systemd_create,
	.update = systemd_update,
	.remove = systemd_remove,
};
