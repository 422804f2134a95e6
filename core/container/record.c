/* The parts of a container that berth-monitor shares with berth and that need no store: the
 * per-container directories, mounting the rootfs, liveness of pids, the monitor's config file
 * (written by berth at start) and its live-state file (folded into the store by berth, see
 * container_fold_live in container.c). */
#include "container/container.h"
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void container_free(struct container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->image_id);
	json_decref(c->doc);
	free(c->error);
	free(c->driver);
	free(c->rw_layer);
	free(c->rootfs);
	free(c->cgroup);
	free(c->rw_parent);
	free(c);
}

char *container_dir(struct berth_ctx *ctx, const char *id)
{
	return xasprintf("%s/containers/%s", ctx->cfg.data_root, id);
}

char *container_run_dir(struct berth_ctx *ctx, const char *id)
{
	return xasprintf("%s/containers/%s", ctx->cfg.exec_root, id);
}

char *container_netns_path(struct berth_ctx *ctx, const char *id)
{
	return xasprintf("%s/netns/%s", ctx->cfg.exec_root, id);
}

int container_monitor_alive(const struct container *c)
{
	return c->monitor_pid > 0 && proc_start_time(c->monitor_pid) == c->monitor_start;
}

int container_init_alive(const struct container *c)
{
	return c->pid > 0 && proc_start_time(c->pid) == c->pid_start;
}

int container_mount(struct berth_ctx *ctx, struct container *c, char *path, size_t len, berr_t *err)
{
	const struct berth_storage_ops *ops;
	const char *name, *opts = NULL;
	struct plugin *p;
	int r;

	if (c->rootfs) {
		snprintf(path, len, "%s", c->rootfs);
		return 0;
	}
	if ((r = ctx_storage(ctx, &ops, &name, err)) < 0)
		return r;
	/* a container removed when it exits mounts its layer ephemeral, where the driver can */
	if (json_is_true(json_object_get(json_object_get(c->doc, "HostConfig"), "AutoRemove")) &&
	    plugin_load(ctx, BERTH_PLUGIN_STORAGE, name, &p, err) == 0 &&
	    BERTH_HAS_MEMBER(struct berth_storage_ops, p->desc->vtable_size, ephemeral_mount_opts) &&
	    ops->ephemeral_mount_opts)
		opts = ops->ephemeral_mount_opts();
	if ((r = ops->get(c->rw_layer, opts, path, len, err)) < 0)
		return berr_wrap(err, "mount the container's rootfs");
	return 0;
}

int container_unmount(struct berth_ctx *ctx, struct container *c, berr_t *err)
{
	const struct berth_storage_ops *ops;
	int r;

	if (c->rootfs || !c->rw_layer)
		return 0;
	if ((r = ctx_storage(ctx, &ops, NULL, err)) < 0)
		return r;
	return ops->put(c->rw_layer, err);
}

/* Write doc to dir/name atomically: readers see the old or the new file. A file that does not
 * exist yet is made in place (O_EXCL), with one write: no temp file, an inode fewer (each costs
 * here, see below); its readers are locked out meanwhile (live.json: the live lock) or cannot
 * look for it yet (monitor.json before the first start's monitor). One that exists is replaced
 * through a temp file and a rename. Not fsynced: these files hold run-time state (monitor.json
 * is rewritten at every start, and live.json is folded into the store, whose commits are not
 * synced either (WAL, synchronous=NORMAL)); after a power loss the liveness rule settles a
 * container whose record was lost. */
static int write_json_atomic(const char *dir, const char *name, json_t *doc, berr_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	const char *made = path;

	if (fd < 0 && errno == EEXIST) {
		tmp = xasprintf("%s/.%s.tmp", dir, name);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		made = tmp;
	}
	if (fd < 0)
		return berr_sys(err, errno, "create %s", made);
	if (write_all(fd, text, strlen(text)) < 0) {
		int e = errno;
		close(fd);
		unlink(made);
		return berr_sys(err, e, "write %s", made);
	}
	close(fd);
	if (tmp && rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return berr_sys(err, e, "rename %s", path);
	}
	return 0;
}

int container_write_monitor_config(struct berth_ctx *ctx, const struct container *c, const char *join_id,
				   berr_t *err)
{
	_cleanup_free_ char *dir = container_dir(ctx, c->id);
	json_t *j = json_object();
	int r;

	json_object_set_new(j, "Id", json_string(c->id));
	json_object_set_new(j, "Name", json_string(c->name ? c->name : ""));
	json_object_set_new(j, "ImageId", c->image_id ? json_string(c->image_id) : json_null());
	json_object_set_new(j, "Driver", c->driver ? json_string(c->driver) : json_null());
	json_object_set_new(j, "RwLayer", c->rw_layer ? json_string(c->rw_layer) : json_null());
	json_object_set_new(j, "Rootfs", c->rootfs ? json_string(c->rootfs) : json_null());
	json_object_set_new(j, "Cgroup", c->cgroup ? json_string(c->cgroup) : json_null());
	json_object_set_new(j, "RestartCount", json_integer(c->restart_count));
	json_object_set_new(j, "StartedAt", json_integer(c->started_at));
	if (join_id) {
		json_t *doc = json_deep_copy(c->doc);
		json_object_set_new(doc, "NetworkContainerId", json_string(join_id));
		json_object_set_new(j, "Doc", doc);
	} else {
		json_object_set(j, "Doc", c->doc);
	}
	r = write_json_atomic(dir, "monitor.json", j, err);
	json_decref(j);
	return r;
}

static char *opt_str(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));
	return v ? xstrdup(v) : NULL;
}

int container_read_monitor_config(struct berth_ctx *ctx, const char *id, struct container **out, berr_t *err)
{
	_cleanup_free_ char *dir = container_dir(ctx, id);
	_cleanup_free_ char *path = xasprintf("%s/monitor.json", dir);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	struct container *c;

	*out = NULL;
	if (!j)
		return berr_set(err, EIO, "read %s: %s", path, je.text);
	c = xcalloc(1, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", json_string_value(json_object_get(j, "Id")) ?: id);
	c->name = opt_str(j, "Name");
	c->image_id = opt_str(j, "ImageId");
	c->driver = opt_str(j, "Driver");
	c->rw_layer = opt_str(j, "RwLayer");
	c->rootfs = opt_str(j, "Rootfs");
	c->cgroup = opt_str(j, "Cgroup");
	c->restart_count = (int)json_integer_value(json_object_get(j, "RestartCount"));
	c->started_at = json_integer_value(json_object_get(j, "StartedAt"));
	c->doc = json_incref(json_object_get(j, "Doc"));
	if (!c->doc)
		c->doc = json_object();
	snprintf(c->state, sizeof(c->state), "created");
	json_decref(j);
	*out = c;
	return 0;
}

/* The live-state file and its lock: the monitor writes the file whole under the lock; berth
 * reads, folds and unlinks it under the same lock, so no record is lost or applied twice. The
 * lock is the container's directory itself (the container's own lock is its .lock file): a lock
 * file of its own was one more inode made on every start. Where a monitor of an older berth made
 * that file (.live.lock), every party locks it instead. */
static int live_lock(const char *dir)
{
	_cleanup_free_ char *legacy = xasprintf("%s/.live.lock", dir);
	int fd = open(legacy, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int container_live_write(struct berth_ctx *ctx, const char *id, json_t *rec, berr_t *err)
{
	_cleanup_free_ char *dir = container_dir(ctx, id);
	int lk = live_lock(dir), r;

	if (lk < 0)
		return berr_sys(err, errno, "lock the live state of %.12s", id);
	r = write_json_atomic(dir, "live.json", rec, err);
	close(lk);
	return r;
}

json_t *container_live_take(struct berth_ctx *ctx, const char *id, int *lock_fd)
{
	_cleanup_free_ char *dir = container_dir(ctx, id);
	_cleanup_free_ char *path = xasprintf("%s/live.json", dir);
	json_t *rec;

	*lock_fd = -1;
	if (access(path, F_OK) < 0)
		return NULL;   /* the common case: nothing to fold, no lock taken */
	if ((*lock_fd = live_lock(dir)) < 0)
		return NULL;
	rec = json_load_file(path, 0, NULL);
	if (!rec) {
		close(*lock_fd);
		*lock_fd = -1;
	}
	return rec;
}

void container_live_done(struct berth_ctx *ctx, const char *id, int lock_fd)
{
	_cleanup_free_ char *dir = container_dir(ctx, id);
	_cleanup_free_ char *path = xasprintf("%s/live.json", dir);

	unlink(path);
	close(lock_fd);
}

/* exec-root/containers/<id>/init.pid: "pid start-time" of the running init, for containers that
 * join its netns (their setup cannot ask the store). */
void container_write_init_pid(struct berth_ctx *ctx, const char *id, pid_t pid)
{
	_cleanup_free_ char *dir = container_run_dir(ctx, id);
	_cleanup_free_ char *p = xasprintf("%s/init.pid", dir);
	char line[64];
	int fd, n;

	if (!pid) {
		unlink(p);
		return;
	}
	n = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, (unsigned long long)proc_start_time(pid));
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0) {
		(void)!write_all(fd, line, (size_t)n);
		close(fd);
	}
}

pid_t container_read_init_pid(struct berth_ctx *ctx, const char *id)
{
	_cleanup_free_ char *dir = container_run_dir(ctx, id);
	_cleanup_free_ char *p = xasprintf("%s/init.pid", dir);
	FILE *f = fopen(p, "re");
	int pid = 0;
	unsigned long long start = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d %llu", &pid, &start) != 2)
		pid = 0;
	fclose(f);
	return pid > 0 && proc_start_time(pid) == start ? pid : 0;
}

/* Docker's policies: no, on-failure[:N], always, unless-stopped. */
int container_should_restart(const struct container *c, int code, int restarts, int stopped_by_user)
{
	json_t *rp = json_object_get(json_object_get(c->doc, "HostConfig"), "RestartPolicy");
	const char *name = json_string_value(json_object_get(rp, "Name"));
	int max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount"));

	if (stopped_by_user || !name || !*name || !strcmp(name, "no"))
		return 0;
	if (!strcmp(name, "always") || !strcmp(name, "unless-stopped"))
		return 1;
	if (!strcmp(name, "on-failure"))
		return code != 0 && (max <= 0 || restarts < max);
	return 0;
}

void container_monitor_sigmask(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
}

char *container_cgroup(struct berth_ctx *ctx, const struct container *c)
{
	if (c->cgroup && *c->cgroup)
		return xstrdup(c->cgroup);
	return cgroup_ref(json_object_get(c->doc, "HostConfig"), c->id,
			  json_string_value(json_object_get(ctx->cfg.root, "cgroup-parent")));
}

void container_cgroup_resolve(struct berth_ctx *ctx, struct container *c)
{
	free(c->cgroup);
	c->cgroup = NULL;
	c->cgroup = container_cgroup(ctx, c);
}
