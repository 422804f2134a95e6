/* Container rows in the store, folding the monitors' live records into them, and the liveness rule. */
#include "container/container.h"
#include "store/store.h"
#include "runtime/runtime.h"
#include "image/image.h"
#include "container/volume.h"
#include "runtime/mounts.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define COLS "id, name, image_id, created, doc, state, pid, pid_start, monitor_pid, monitor_start, " \
	     "exit_code, oom, error, started_at, finished_at, restart_count, driver, rw_layer, rootfs, cgroup, " \
	     "rw_parent"

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

static struct container *from_row(sqlite3_stmt *s)
{
	struct container *c = xcalloc(1, sizeof(*c));
	const char *t;

	snprintf(c->id, sizeof(c->id), "%s", (const char *)sqlite3_column_text(s, 0));
	c->name = col_str(s, 1);
	c->image_id = col_str(s, 2);
	c->created = sqlite3_column_int64(s, 3);
	c->doc = json_loads((const char *)sqlite3_column_text(s, 4), 0, NULL);
	if (!c->doc)
		c->doc = json_object();
	t = (const char *)sqlite3_column_text(s, 5);
	snprintf(c->state, sizeof(c->state), "%s", t ? t : "created");
	c->pid = sqlite3_column_int(s, 6);
	c->pid_start = (uint64_t)sqlite3_column_int64(s, 7);
	c->monitor_pid = sqlite3_column_int(s, 8);
	c->monitor_start = (uint64_t)sqlite3_column_int64(s, 9);
	c->exit_code = sqlite3_column_int(s, 10);
	c->oom = sqlite3_column_int(s, 11);
	c->error = col_str(s, 12);
	c->started_at = sqlite3_column_int64(s, 13);
	c->finished_at = sqlite3_column_int64(s, 14);
	c->restart_count = sqlite3_column_int(s, 15);
	c->driver = col_str(s, 16);
	c->rw_layer = col_str(s, 17);
	c->rootfs = col_str(s, 18);
	c->cgroup = col_str(s, 19);
	c->rw_parent = col_str(s, 20);
	return c;
}

static int lock_container(struct berth_ctx *ctx, const char *id, int how, berr_t *err)
{
	_cleanup_free_ char *dir = container_dir(ctx, id);
	_cleanup_free_ char *p = xasprintf("%s/.lock", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 && errno == ENOENT)
		return berr_set(err, ENOENT, "No such container: %s", id);
	if (fd < 0)
		return berr_sys(err, errno, "lock container %.12s", id);
	if (flock(fd, how) < 0) {
		int e = errno;
		close(fd);
		return e == EWOULDBLOCK ? -EWOULDBLOCK : berr_sys(err, e, "lock container %.12s", id);
	}
	snprintf(ctx->locked_id, sizeof(ctx->locked_id), "%s", id);
	return fd;
}

int container_lock(struct berth_ctx *ctx, const char *id, berr_t *err)
{
	return lock_container(ctx, id, LOCK_EX, err);
}

int container_trylock(struct berth_ctx *ctx, const char *id, berr_t *err)
{
	return lock_container(ctx, id, LOCK_EX | LOCK_NB, err);
}

void container_unlock(struct berth_ctx *ctx, int fd)
{
	ctx->locked_id[0] = 0;
	close(fd);
}

/* Docker-style generated names: adjective_surname. */
static void random_name(char *buf, size_t len)
{
	static const char *const ADJ[] = { "admiring", "brave", "calm", "clever", "eager", "elated",
		"focused", "gallant", "happy", "jolly", "keen", "loving", "modest", "nifty", "quirky",
		"relaxed", "serene", "sharp", "stoic", "tender", "vibrant", "wizardly", "zealous" };
	static const char *const NAMES[] = { "babbage", "curie", "darwin", "euler", "fermi", "gauss",
		"hopper", "hypatia", "kepler", "lovelace", "mendel", "newton", "noether", "pasteur",
		"ritchie", "shannon", "thompson", "turing", "wozniak", "yalow" };
	char hex[65];
	random_hex_id(hex);
	unsigned a = (unsigned)strtoul((char[]){ hex[0], hex[1], hex[2], hex[3], 0 }, NULL, 16);
	unsigned b = (unsigned)strtoul((char[]){ hex[4], hex[5], hex[6], hex[7], 0 }, NULL, 16);
	snprintf(buf, len, "%s_%s", ADJ[a % (sizeof(ADJ) / sizeof(ADJ[0]))],
		 NAMES[b % (sizeof(NAMES) / sizeof(NAMES[0]))]);
}

static int valid_name(const char *n)
{
	if (!*n || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= '0' && n[0] <= '9')))
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
		      *n == '_' || *n == '.' || *n == '-'))
			return 0;
	return 1;
}

/* A create killed half-way (its berth SIGKILLed) must not leave a directory and an rw layer that
 * no row names. The directory is made under a staging name carrying the creator's pid and start
 * time, with the claim (the same two numbers) in its lock file, then renamed into place; the
 * claim is cut from the lock file when the row is in (the lock file is there anyway: one inode
 * fewer than a claim file of its own). container_collect_orphans removes what a dead creator
 * left. */
#define CLAIM ".lock"
#define STAGING ".new-"

static int make_dir_claimed(struct berth_ctx *ctx, const char *id, const char *dir, berr_t *err)
{
	char me[64];
	_cleanup_free_ char *stage = NULL, *claim = NULL;
	int fd, r;

	snprintf(me, sizeof(me), "%d-%llu", (int)getpid(), (unsigned long long)proc_start_time(getpid()));
	stage = xasprintf("%s/containers/" STAGING "%s-%s", ctx->cfg.data_root, me, id);
	claim = xasprintf("%s/" CLAIM, stage);
	if ((r = mkdir_p(stage, 0710, err)) < 0)
		return r;
	fd = open(claim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, me, strlen(me)) < 0 || rename(stage, dir) < 0) {
		r = berr_sys(err, errno, "create %s", dir);
		if (fd >= 0)
			close(fd);
		remove_tree(stage, NULL);
		return r;
	}
	close(fd);
	return 0;
}

/* Whether "PID-START" names a process that still runs. */
static int claimant_alive(const char *s)
{
	char *end;
	long pid = strtol(s, &end, 10);
	unsigned long long start = *end == '-' ? strtoull(end + 1, NULL, 10) : 0;

	return pid > 0 && start && proc_start_time((pid_t)pid) == start;
}

/* 1 if the store has a row for id, 0 if it has none, -1 if it cannot tell. */
static int row_exists(struct store *st, const char *id)
{
	sqlite3_stmt *s;
	int r;

	if (store_prepare(st, &s, "SELECT 1 FROM containers WHERE id = ?", NULL) < 0)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void container_collect_orphans(struct berth_ctx *ctx)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", ctx->cfg.data_root);
	DIR *d = opendir(dir);
	struct dirent *de;
	struct store *st;
	sqlite3_stmt *s;
	char **ids = NULL;
	size_t n = 0;

	if (!d)
		return;
	if (ctx_store(ctx, &st, NULL) < 0 || store_prepare(st, &s, "SELECT id FROM containers", NULL) < 0) {
		closedir(d);
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_id);
	while ((de = readdir(d))) {
		const char *name = de->d_name, *key = name;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, name), *claim = NULL, *run = NULL;
		char who[64] = "";
		int fd, lk;
		if (!strncmp(name, STAGING, strlen(STAGING))) {
			/* a staging directory: its name says who makes it */
			if (!claimant_alive(name + strlen(STAGING)))
				remove_tree(path, NULL);
			continue;
		}
		if (strlen(name) != 64 || name[0] == '.' || (n && bsearch(&key, ids, n, sizeof(*ids), cmp_id)))
			continue;
		claim = xasprintf("%s/" CLAIM, path);
		if ((fd = open(claim, O_RDONLY | O_CLOEXEC)) >= 0) {
			ssize_t k = read(fd, who, sizeof(who) - 1);
			close(fd);
			who[k > 0 ? k : 0] = 0;
			if (claimant_alive(who))
				continue;   /* being created */
		}
		/* no row: a create or an rm was killed half-way; the lock keeps a running rm out */
		if ((lk = container_trylock(ctx, name, NULL)) < 0)
			continue;
		/* ids is older than the claim we found gone: a create that put its row in, then
		 * dropped its claim (its container may be running by now) looks orphaned in it. The
		 * store, asked after the claim went, decides; when it cannot say, nothing goes. */
		if (row_exists(st, name) != 0) {
			container_unlock(ctx, lk);
			continue;
		}
		{
			const struct berth_storage_ops *ops;
			berr_t e = { 0 };
			if (ctx_storage(ctx, &ops, NULL, &e) == 0 && ops->exists(name))
				ops->remove(name, &e);
		}
		run = container_run_dir(ctx, name);
		remove_tree(run, NULL);
		remove_tree(path, NULL);
		container_unlock(ctx, lk);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* The devices that blkio settings name must exist when the container is made, as Docker's
 * daemon checks them then (--device nodes and rules only at start, as its). */
static int check_blkio_devices(json_t *doc, berr_t *err)
{
	struct rt_devices devs = { 0 };
	int r = rt_blkio_gather(json_object_get(doc, "HostConfig"), &devs, err);

	rt_devices_free(&devs);
	return r;
}

/* The image's init layer (see image_init_layer), made now if it has none. Its containers work
 * without one (their mount points are made in their own layer at start): a failure leaves
 * init empty. */
static void make_init_layer(struct berth_ctx *ctx, const char *top, char init[IMAGE_INIT_ID_LEN])
{
	berr_t e = { 0 };

	if (image_init_layer(ctx, top, mnt_make_init_layer, init, &e) < 0 && ctx->cfg.debug)
		fprintf(stderr, "berth: debug: no init layer on %s: %s\n", top, e.msg);
}

int container_create(struct berth_ctx *ctx, json_t *doc, const char *rootfs, char id[65], berr_t *err)
{
	struct store *st;
	const struct berth_storage_ops *ops = NULL;
	const char *drv = NULL;
	const char *image_id = json_string_value(json_object_get(doc, "Image"));
	const char *req = json_string_value(json_object_get(doc, "Name"));
	_cleanup_free_ char *dir = NULL, *rundir = NULL, *text = NULL;
	char name[256], created[64], parent[65] = "", init[IMAGE_INIT_ID_LEN] = "";
	const char *below = NULL;
	sqlite3_stmt *s;
	int64_t now = now_ns();
	int r, rw_made = 0, name_tries = 0, generated = 0;

	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = check_blkio_devices(doc, err)) < 0)
		return r;
	if (req && *req == '/')
		req++;
	if (req && *req) {
		if (!valid_name(req))
			return berr_set(err, EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", req);
		snprintf(name, sizeof(name), "%s", req);
	} else {
		random_name(name, sizeof(name));
		generated = 1;
	}
	random_hex_id(id);
	format_rfc3339nano(now, created, sizeof(created));
	json_object_set_new(doc, "Id", json_string(id));
	json_object_set_new(doc, "Created", json_string(created));
	json_object_set_new(doc, "Name", json_sprintf("/%s", name));
	{
		/* Docker's default hostname is the short id */
		json_t *cfg = json_object_get(doc, "Config");
		const char *hn = json_string_value(json_object_get(cfg, "Hostname"));
		if (json_is_object(cfg) && (!hn || !*hn))
			json_object_set_new(cfg, "Hostname", json_stringn(id, 12));
	}

	dir = container_dir(ctx, id);
	rundir = container_run_dir(ctx, id);
	if ((r = make_dir_claimed(ctx, id, dir, err)) < 0)
		return r;
	if (!rootfs) {
		if (!image_id)
			return berr_set(err, EINVAL, "no image and no rootfs given");
		if ((r = image_top_layer(ctx, image_id, parent, init, err)) < 0)
			goto fail_dir;
		if ((r = ctx_storage(ctx, &ops, &drv, err)) < 0)
			goto fail_dir;
		if (parent[0] && !init[0])
			make_init_layer(ctx, parent, init);
		below = init[0] ? init : parent[0] ? parent : NULL;
		if ((r = ops->create_rw(id, below, err)) < 0) {
			berr_wrap(err, "create the container's rw layer");
			goto fail_dir;
		}
		rw_made = 1;
		json_object_set_new(doc, "Driver", json_string(drv));
	}
insert:
	free(text);
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if ((r = store_prepare(st, &s, "INSERT INTO containers (id, name, image_id, created, doc, driver, rw_layer, rootfs, "
			       "rw_parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err)) < 0)
		goto fail_rw;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	if (image_id)
		sqlite3_bind_text(s, 3, image_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_text(s, 5, text, -1, SQLITE_TRANSIENT);
	if (drv)
		sqlite3_bind_text(s, 6, drv, -1, SQLITE_TRANSIENT);
	if (rw_made)
		sqlite3_bind_text(s, 7, id, -1, SQLITE_TRANSIENT);
	if (rootfs)
		sqlite3_bind_text(s, 8, rootfs, -1, SQLITE_TRANSIENT);
	if (below)
		sqlite3_bind_text(s, 9, below, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r == SQLITE_CONSTRAINT && generated && ++name_tries < 10) {
		/* a generated name that is taken: another one, with a digit after the first retry
		 * (Docker's namesgenerator), instead of failing a create that named nothing */
		random_name(name, sizeof(name));
		if (name_tries > 1)
			snprintf(name + strlen(name), sizeof(name) - strlen(name), "%d", name_tries % 10);
		json_object_set_new(doc, "Name", json_sprintf("/%s", name));
		goto insert;
	}
	if (r == SQLITE_CONSTRAINT) {
		/* the UNIQUE name decides races between concurrent creates: exactly one wins */
		sqlite3_stmt *q;
		char other[65] = "";
		if (store_prepare(st, &q, "SELECT id FROM containers WHERE name = ?", NULL) == 0) {
			sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(q) == SQLITE_ROW)
				snprintf(other, sizeof(other), "%s", sqlite3_column_text(q, 0));
			sqlite3_finalize(q);
		}
		r = berr_set(err, EEXIST, "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
			     "You have to remove (or rename) that container to be able to reuse that name.", name, other);
		goto fail_rw;
	}
	if (r != SQLITE_DONE) {
		r = berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
		goto fail_rw;
	}
	{
		_cleanup_free_ char *claim = xasprintf("%s/" CLAIM, dir);
		if (truncate(claim, 0) < 0)
			unlink(claim);   /* no claim either way; lock_container makes it again */
	}
	return 0;
fail_rw:
	if (rw_made) {
		berr_t e2 = { 0 };
		ops->remove(id, &e2);
	}
fail_dir:
	{
		berr_t e2 = { 0 };
		remove_tree(dir, &e2);
	}
	return r;
}

/* The columns a live record may carry (see container_live_write), and whether they are text. */
static const struct { const char *col; int text; } LIVE_COLS[] = {
	{ "state", 1 }, { "pid", 0 }, { "pid_start", 0 }, { "monitor_pid", 0 }, { "monitor_start", 0 },
	{ "exit_code", 0 }, { "oom", 0 }, { "error", 1 }, { "started_at", 0 }, { "finished_at", 0 },
	{ "restart_count", 0 }, { "cgroup", 1 },
};

static void live_apply_to(struct container *c, const char *col, json_t *v)
{
	int64_t n = json_integer_value(v);

	if (!strcmp(col, "state")) snprintf(c->state, sizeof(c->state), "%s", json_string_value(v) ?: "exited");
	else if (!strcmp(col, "pid")) c->pid = (pid_t)n;
	else if (!strcmp(col, "pid_start")) c->pid_start = (uint64_t)n;
	else if (!strcmp(col, "monitor_pid")) c->monitor_pid = (pid_t)n;
	else if (!strcmp(col, "monitor_start")) c->monitor_start = (uint64_t)n;
	else if (!strcmp(col, "exit_code")) c->exit_code = (int)n;
	else if (!strcmp(col, "oom")) c->oom = (int)n;
	else if (!strcmp(col, "error")) { free(c->error); c->error = xstrdup(json_string_value(v) ?: ""); }
	else if (!strcmp(col, "started_at")) c->started_at = n;
	else if (!strcmp(col, "finished_at")) c->finished_at = n;
	else if (!strcmp(col, "restart_count")) c->restart_count = (int)n;
	else if (!strcmp(col, "cgroup")) { free(c->cgroup); c->cgroup = xstrdup(json_string_value(v) ?: ""); }
}

int container_fold_live(struct berth_ctx *ctx, struct container *c)
{
	struct store *st;
	sqlite3_stmt *s;
	char sql[1024] = "UPDATE containers SET ";
	int lk, n = 0;
	json_t *rec = container_live_take(ctx, c->id, &lk);
	berr_t e = { 0 };

	if (!rec)
		return 0;
	for (size_t i = 0; i < sizeof(LIVE_COLS) / sizeof(LIVE_COLS[0]); i++) {
		json_t *v = json_object_get(rec, LIVE_COLS[i].col);
		if (v)
			live_apply_to(c, LIVE_COLS[i].col, v);
	}
	/* --rm: after the exit, or after a first start that failed ("created") */
	if (json_is_true(json_object_get(rec, "remove")) && (!strcmp(c->state, "exited") || !strcmp(c->state, "created"))) {
		/* --rm: the monitor wrote its last record and is on its way out; let it finish. The
		 * row goes with the rest, so the exit is not written into it first */
		proc_wait_gone(c->monitor_pid, c->monitor_start, 2000);
		ctx_reap_children(ctx);
		if (container_remove(ctx, c, &e) == 0) {
			container_live_done(ctx, c->id, lk);
			json_decref(rec);
			volume_remove_anonymous(ctx, json_object_get(c->doc, "Mounts"));
			return 1;
		}
		berr_clear(&e);   /* it stays, exited, as when --rm cannot remove it */
	}
	for (size_t i = 0; i < sizeof(LIVE_COLS) / sizeof(LIVE_COLS[0]); i++)
		if (json_object_get(rec, LIVE_COLS[i].col)) {
			size_t l = strlen(sql);
			snprintf(sql + l, sizeof(sql) - l, "%s%s = ?%d", n ? ", " : "", LIVE_COLS[i].col, n + 2);
			n++;
		}
	if (n && ctx_store(ctx, &st, &e) == 0) {
		size_t l = strlen(sql);
		snprintf(sql + l, sizeof(sql) - l, " WHERE id = ?1");
		if (store_prepare(st, &s, sql, &e) == 0) {
			int k = 2;
			sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
			for (size_t i = 0; i < sizeof(LIVE_COLS) / sizeof(LIVE_COLS[0]); i++) {
				json_t *v = json_object_get(rec, LIVE_COLS[i].col);
				if (!v)
					continue;
				if (LIVE_COLS[i].text)
					sqlite3_bind_text(s, k++, json_string_value(v) ?: "", -1, SQLITE_TRANSIENT);
				else
					sqlite3_bind_int64(s, k++, json_integer_value(v));
			}
			if (sqlite3_step(s) != SQLITE_DONE) {
				/* leave the record for the next reader rather than lose it */
				sqlite3_finalize(s);
				close(lk);
				json_decref(rec);
				return 0;
			}
			sqlite3_finalize(s);
		}
	}
	container_live_done(ctx, c->id, lk);
	json_decref(rec);
	return 0;
}

void container_fold_all(struct berth_ctx *ctx)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", ctx->cfg.data_root);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *live = NULL;
		struct container *c;
		berr_t e = { 0 };
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		live = xasprintf("%s/%s/live.json", dir, de->d_name);
		if (access(live, F_OK) < 0)
			continue;
		if (container_get(ctx, de->d_name, &c, &e) == 0)   /* folds it */
			container_free(c);
	}
	closedir(d);
}

/* Fold the monitor's record, then apply the liveness rule; 1 if c is gone (--rm). */
static int settle(struct berth_ctx *ctx, struct container *c)
{
	if (container_fold_live(ctx, c))
		return 1;
	if ((!strcmp(c->state, "running") || !strcmp(c->state, "paused") || !strcmp(c->state, "restarting")) &&
	    !container_monitor_alive(c) && container_fold_live(ctx, c))
		return 1;   /* it exited (and wrote its record) between the first fold and the check */
	return container_check_alive(ctx, c);
}

int container_get(struct berth_ctx *ctx, const char *ref, struct container **out, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	size_t n = strlen(ref);
	int r, found = 0;
	_cleanup_free_ char *prefix = xasprintf("%s%%", ref);

	*out = NULL;
	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if (*ref == '/')
		ref++;
	/* exact id or name first, then a unique id prefix (Docker's order) */
	if ((r = store_prepare(st, &s, "SELECT " COLS " FROM containers WHERE id = ?1 OR name = ?1", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = from_row(s);
		found = 1;
	}
	sqlite3_finalize(s);
	if (!found && n > 0 && strspn(ref, "0123456789abcdef") == n) {
		if ((r = store_prepare(st, &s, "SELECT " COLS " FROM containers WHERE id LIKE ?1 LIMIT 2", err)) < 0)
			return r;
		sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW) {
			if (found++) {
				container_free(*out);
				*out = NULL;
				sqlite3_finalize(s);
				return berr_set(err, EINVAL, "Multiple IDs found with provided prefix: %s", ref);
			}
			*out = from_row(s);
		}
		sqlite3_finalize(s);
	}
	if (*out && settle(ctx, *out)) {
		container_free(*out);
		*out = NULL;
	}
	if (!*out)
		return berr_set(err, ENOENT, "No such container: %s", ref);
	return 0;
}

int container_rw_parent(struct berth_ctx *ctx, const struct container *c, char out[IMAGE_INIT_ID_LEN], berr_t *err)
{
	out[0] = 0;
	if (c->rw_parent && *c->rw_parent) {
		snprintf(out, IMAGE_INIT_ID_LEN, "%s", c->rw_parent);
		return 0;
	}
	return c->image_id && *c->image_id ? image_top_layer(ctx, c->image_id, out, NULL, err) : 0;
}

int container_reload(struct berth_ctx *ctx, struct container *c, berr_t *err)
{
	struct container *n;
	char id[65];
	int r;

	snprintf(id, sizeof(id), "%s", c->id);
	if ((r = container_get(ctx, id, &n, err)) < 0)
		return r;
	free(c->name); free(c->image_id); json_decref(c->doc); free(c->error);
	free(c->driver); free(c->rw_layer); free(c->rootfs); free(c->cgroup); free(c->rw_parent);
	*c = *n;
	free(n);
	return 0;
}

int container_list(struct berth_ctx *ctx, struct container ***out, size_t *n, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, "SELECT " COLS " FROM containers ORDER BY created DESC", err)) < 0)
		return r;
	while (sqlite3_step(s) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = from_row(s);
	}
	sqlite3_finalize(s);
	for (size_t i = 0; i < *n;) {
		if (settle(ctx, (*out)[i])) {
			container_free((*out)[i]);
			memmove(&(*out)[i], &(*out)[i + 1], (*n - i - 1) * sizeof(**out));
			(*n)--;
		} else {
			i++;
		}
	}
	return 0;
}

void container_list_free(struct container **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_free(v[i]);
	free(v);
}

static int exec_update(struct berth_ctx *ctx, const char *sql, const char *id, int64_t a, int64_t b,
		       int64_t c, int64_t d, const char *text, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	int r;

	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, sql, err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, a);
	sqlite3_bind_int64(s, 3, b);
	sqlite3_bind_int64(s, 4, c);
	sqlite3_bind_int64(s, 5, d);
	sqlite3_bind_text(s, 6, text ? text : "", -1, SQLITE_TRANSIENT);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	return 0;
}

int container_set_running(struct berth_ctx *ctx, const char *id, pid_t pid, pid_t mon, berr_t *err)
{
	char now[32];

	snprintf(now, sizeof(now), "%lld", (long long)now_ns());
	return exec_update(ctx, "UPDATE containers SET state = 'running', pid = ?2, pid_start = ?3, monitor_pid = ?4, "
			   "monitor_start = ?5, started_at = CAST(?6 AS INTEGER), exit_code = 0, oom = 0, error = '', "
			   "finished_at = 0 WHERE id = ?1",
			   id, pid, (int64_t)proc_start_time(pid), mon, (int64_t)proc_start_time(mon),
			   now, err) < 0 ? -EIO : 0;
}

int container_set_exited(struct berth_ctx *ctx, const char *id, int code, int oom, const char *error,
			 const char *state, berr_t *err)
{
	_cleanup_free_ char *sql = xasprintf("UPDATE containers SET state = '%s', pid = 0, pid_start = 0, exit_code = ?2, "
					     "oom = ?3, finished_at = ?4, error = ?6 WHERE id = ?1",
					     state && !strcmp(state, "restarting") ? "restarting" : "exited");
	return exec_update(ctx, sql, id, code, oom, now_ns(), 0, error, err);
}

int container_set_state(struct berth_ctx *ctx, const char *id, const char *state, berr_t *err)
{
	return exec_update(ctx, "UPDATE containers SET state = ?6 WHERE id = ?1", id, 0, 0, 0, 0, state, err);
}

int container_set_monitor(struct berth_ctx *ctx, const char *id, pid_t mon, berr_t *err)
{
	return exec_update(ctx, "UPDATE containers SET monitor_pid = ?2, monitor_start = ?3, "
			   "restart_count = restart_count + ?4 WHERE id = ?1",
			   id, mon, (int64_t)proc_start_time(mon), 0, 0, NULL, err);
}

int container_rename(struct berth_ctx *ctx, const char *id, const char *name, berr_t *err)
{
	struct container *c;
	int r;

	if (*name == '/')
		name++;
	if (!valid_name(name))
		return berr_set(err, EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	if ((r = container_get(ctx, id, &c, err)) < 0)
		return r;
	json_object_set_new(c->doc, "Name", json_sprintf("/%s", name));
	{
		_cleanup_free_ char *text = json_dumps(c->doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		struct store *st = ctx->store;
		sqlite3_stmt *s;
		if ((r = store_prepare(st, &s, "UPDATE containers SET name = ?2, doc = ?3 WHERE id = ?1", err)) < 0) {
			container_free(c);
			return r;
		}
		sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
		r = sqlite3_step(s);
		sqlite3_finalize(s);
		container_free(c);
		if (r == SQLITE_CONSTRAINT)
			return berr_set(err, EEXIST, "Error when allocating new name: Conflict. The container name \"/%s\" is already in use", name);
		if (r != SQLITE_DONE)
			return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	}
	return 0;
}

void container_runtime_cleanup(struct berth_ctx *ctx, struct container *c)
{
	_cleanup_free_ char *ns = container_netns_path(ctx, c->id), *cg = container_cgroup(ctx, c);
	berr_t e = { 0 };

	if (umount2(ns, MNT_DETACH) == 0 || errno == EINVAL)
		unlink(ns);
	cgroup_remove(cg, &e);
}

/* The row of id as stored, without folding or checks; NULL if there is none. */
static struct container *row_by_id(struct berth_ctx *ctx, const char *id)
{
	struct container *c = NULL;
	struct store *st;
	sqlite3_stmt *s;

	if (ctx_store(ctx, &st, NULL) < 0 || store_prepare(st, &s, "SELECT " COLS " FROM containers WHERE id = ?", NULL) < 0)
		return NULL;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		c = from_row(s);
	sqlite3_finalize(s);
	return c;
}

static void mark_monitor_died(struct container *c)
{
	snprintf(c->state, sizeof(c->state), "exited");
	c->exit_code = 137;
	c->pid = 0;
	c->finished_at = now_ns();
	free(c->error);
	c->error = xstrdup("the container's monitor died");
}

/* Act on the exit of c whose monitor died, as Docker's daemon acts on an exit it learns of late
 * (its shim killed, or the machine rebooted): --rm removes it; a restart policy restarts it,
 * unless the user was stopping it. Called with c's lock held; 1 when c is gone. */
static int after_monitor_death(struct berth_ctx *ctx, struct container *c)
{
	json_t *hc = json_object_get(c->doc, "HostConfig");
	_cleanup_free_ char *rundir = container_run_dir(ctx, c->id);
	_cleanup_free_ char *stopmark = xasprintf("%s/stopping", rundir);
	berr_t e = { 0 };
	int code;

	if (json_is_true(json_object_get(hc, "AutoRemove"))) {
		if (container_remove(ctx, c, &e) < 0)
			return 0;   /* it stays, exited, as when --rm cannot remove it */
		volume_remove_anonymous(ctx, json_object_get(c->doc, "Mounts"));
		return 1;
	}
	if (!container_should_restart(c, c->exit_code, 0, access(stopmark, F_OK) == 0))
		return 0;
	c->restart_count++;
	if (exec_update(ctx, "UPDATE containers SET restart_count = ?2 WHERE id = ?1", c->id, c->restart_count,
			0, 0, 0, NULL, &e) < 0 || container_start(ctx, c, -1, &code, &e) < 0)
		fprintf(stderr, "berth: restart %.12s after its monitor died: %s\n", c->id, e.msg);
	return container_reload(ctx, c, &e) < 0;
}

int container_check_alive(struct berth_ctx *ctx, struct container *c)
{
	struct container *now;
	int lk = -1, gone = 0;

	if (strcmp(c->state, "running") && strcmp(c->state, "paused") && strcmp(c->state, "restarting"))
		return 0;
	if (container_monitor_alive(c))
		return 0;
	/* the monitor died without recording an exit: its init died with it (PDEATHSIG), or
	 * dies now (a frozen one once thawed) */
	if (!strcmp(c->state, "paused")) {
		_cleanup_free_ char *cg = container_cgroup(ctx, c);
		cgroup_freeze(cg, 0, NULL);
	}
	if (container_init_alive(c))
		kill(c->pid, SIGKILL);
	/* Only the holder of the lock releases the run and acts on the exit: a concurrent start,
	 * rm or another berth doing this very thing may be setting up the next run. A lock held by
	 * this process (start or rm reading c) lets the release happen and the caller act. */
	if (strcmp(ctx->locked_id, c->id) && (lk = container_trylock(ctx, c->id, NULL)) < 0) {
		mark_monitor_died(c);
		return 0;
	}
	now = row_by_id(ctx, c->id);
	if (!now || now->monitor_pid != c->monitor_pid || now->monitor_start != c->monitor_start ||
	    strcmp(now->state, c->state)) {
		/* another berth got here first: the row is news */
		if (lk >= 0)
			container_unlock(ctx, lk);
		if (now) {
			container_free(now);
			return container_reload(ctx, c, NULL) < 0;
		}
		return 1;
	}
	container_free(now);
	mark_monitor_died(c);
	container_set_exited(ctx, c->id, c->exit_code, 0, c->error, "exited", NULL);
	container_runtime_cleanup(ctx, c);
	container_unmount(ctx, c, NULL);   /* the monitor's rootfs mount: take it back */
	if (lk >= 0) {
		gone = after_monitor_death(ctx, c);
		container_unlock(ctx, lk);
	}
	return gone;
}

int container_remove(struct berth_ctx *ctx, struct container *c, berr_t *err)
{
	_cleanup_free_ char *dir = container_dir(ctx, c->id), *rundir = container_run_dir(ctx, c->id);
	struct store *st;
	sqlite3_stmt *s;
	int r;

	container_runtime_cleanup(ctx, c);
	if (c->rw_layer) {
		const struct berth_storage_ops *ops;
		if ((r = ctx_storage(ctx, &ops, NULL, err)) < 0)
			return r;
		if (ops->exists(c->rw_layer) && (r = ops->remove(c->rw_layer, err)) < 0)
			return berr_wrap(err, "remove the rw layer of %.12s", c->id);
	}
	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, "DELETE FROM containers WHERE id = ?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	remove_tree(rundir, err);
	berr_clear(err);
	if ((r = remove_tree(dir, err)) < 0)
		return r;
	return 0;
}

static json_t *time_or_zero(int64_t ns)
{
	char buf[64];
	if (!ns)
		return json_string("0001-01-01T00:00:00Z");
	format_rfc3339nano(ns, buf, sizeof(buf));
	return json_string(buf);
}

json_t *container_inspect_json(struct berth_ctx *ctx, struct container *c)
{
	json_t *d = json_deep_copy(c->doc), *out = json_object(), *st = json_object();
	const char *k;
	json_t *v;
	int running = !strcmp(c->state, "running") || !strcmp(c->state, "paused");
	_cleanup_free_ char *dir = container_dir(ctx, c->id);

	json_object_set_new(st, "Status", json_string(c->state));
	/* Docker's Running stays true through a restart policy's back-off (Restarting true too) */
	json_object_set_new(st, "Running", json_boolean(running || !strcmp(c->state, "restarting")));
	json_object_set_new(st, "Paused", json_boolean(!strcmp(c->state, "paused")));
	json_object_set_new(st, "Restarting", json_boolean(!strcmp(c->state, "restarting")));
	json_object_set_new(st, "OOMKilled", json_boolean(c->oom));
	json_object_set_new(st, "Dead", json_boolean(!strcmp(c->state, "dead")));
	json_object_set_new(st, "Pid", json_integer(running ? c->pid : 0));
	json_object_set_new(st, "ExitCode", json_integer(c->exit_code));
	json_object_set_new(st, "Error", json_string(c->error ? c->error : ""));
	json_object_set_new(st, "StartedAt", time_or_zero(c->started_at));
	json_object_set_new(st, "FinishedAt", time_or_zero(c->finished_at));

	/* Docker's key order: Id, Created, Path, Args, State, Image, ... */
	json_object_foreach(d, k, v) {
		if (!strcmp(k, "Image") && !json_object_get(out, "State"))
			json_object_set_new(out, "State", json_incref(st));
		json_object_set(out, k, v);
	}
	if (!json_object_get(out, "State"))
		json_object_set_new(out, "State", json_incref(st));
	json_decref(st);
	json_object_set_new(out, "ResolvConfPath", json_sprintf("%s/resolv.conf", dir));
	json_object_set_new(out, "HostnamePath", json_sprintf("%s/hostname", dir));
	json_object_set_new(out, "HostsPath", json_sprintf("%s/hosts", dir));
	json_object_set_new(out, "LogPath", json_sprintf("%s/%s-json.log", dir, c->id));
	json_object_set_new(out, "RestartCount", json_integer(c->restart_count));
	json_object_set_new(out, "Driver", json_string(c->driver ? c->driver : ""));
	json_object_set_new(out, "Platform", json_string("linux"));
	{
		/* GraphDriver: the storage driver's own description of the rw layer */
		json_t *gd = json_object(), *data = json_object();
		const struct berth_storage_ops *ops;
		char buf[8192];
		berr_t e = { 0 };
		json_object_set_new(gd, "Name", json_string(c->driver ? c->driver : ""));
		if (c->rw_layer && ctx_storage(ctx, &ops, NULL, &e) == 0 && ops->metadata &&
		    ops->metadata(c->rw_layer, buf, sizeof(buf), &e) == 0) {
			for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
				char *tab = strchr(line, '\t');
				if (tab) {
					*tab = 0;
					json_object_set_new(data, line, json_string(tab + 1));
				}
			}
		}
		json_object_set_new(gd, "Data", data);
		json_object_set_new(out, "GraphDriver", gd);
	}
	json_decref(d);
	return out;
}
