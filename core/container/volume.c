/* Local volumes: rows plus directories. */
#include "container/volume.h"
#include "store/store.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <string.h>
#include <sys/stat.h>

static int valid_volume_name(const char *n)
{
	if (strlen(n) < 2 || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= '0' && n[0] <= '9')))
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
		      *n == '_' || *n == '.' || *n == '-'))
			return 0;
	return 1;
}

static char *volume_dir(struct berth_ctx *ctx, const char *name)
{
	return xasprintf("%s/volumes/%s", ctx->cfg.data_root, name);
}

int volume_create(struct berth_ctx *ctx, const char *name, json_t *labels, json_t *options,
		  int anonymous, char *name_out, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	char id[65];
	int r;
	_cleanup_free_ char *dir = NULL, *data = NULL, *lt = NULL, *ot = NULL;

	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if (!name || !*name) {
		random_hex_id(id);
		name = id;
	} else if (!valid_volume_name(name)) {
		return berr_set(err, EINVAL, "create %s: \"%s\" includes invalid characters for a local volume name, "
				"only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
				"use absolute path", name, name);
	}
	snprintf(name_out, 256, "%s", name);
	dir = volume_dir(ctx, name);
	data = xasprintf("%s/_data", dir);
	if ((r = mkdir_p(data, 0755, err)) < 0)
		return r;
	chmod(dir, 0701);
	{
		/* anonymous volumes carry Docker's (23+) marker label, which rm -v and --rm look for */
		json_t *l = labels ? json_deep_copy(labels) : json_object();
		if (anonymous)
			json_object_set_new(l, "com.docker.volume.anonymous", json_string(""));
		lt = json_dumps(l, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(l);
	}
	ot = options ? json_dumps(options, JSON_COMPACT | JSON_PRESERVE_ORDER) : xstrdup("{}");
	/* an existing volume of that name is simply reused, as Docker does */
	if ((r = store_prepare(st, &s, "INSERT OR IGNORE INTO volumes (name, driver, created, labels, options, anonymous) "
			       "VALUES (?, 'local', ?, ?, ?, ?)", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now_ns());
	sqlite3_bind_text(s, 3, lt ? lt : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, ot ? ot : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, anonymous);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	return 0;
}

static json_t *row_json(struct berth_ctx *ctx, sqlite3_stmt *s)
{
	const char *name = (const char *)sqlite3_column_text(s, 0);
	json_t *o = json_object(), *labels, *opts;
	char created[64];
	_cleanup_free_ char *dir = volume_dir(ctx, name);

	format_rfc3339nano(sqlite3_column_int64(s, 2) / 1000000000 * 1000000000, created, sizeof(created));
	labels = json_loads((const char *)sqlite3_column_text(s, 3), 0, NULL);
	opts = json_loads((const char *)sqlite3_column_text(s, 4), 0, NULL);
	json_object_set_new(o, "CreatedAt", json_string(created));
	json_object_set_new(o, "Driver", json_string((const char *)sqlite3_column_text(s, 1)));
	json_object_set_new(o, "Labels", json_object_size(labels) ? labels : (json_decref(labels), json_null()));
	json_object_set_new(o, "Mountpoint", json_sprintf("%s/_data", dir));
	json_object_set_new(o, "Name", json_string(name));
	json_object_set_new(o, "Options", json_object_size(opts) ? opts : (json_decref(opts), json_null()));
	json_object_set_new(o, "Scope", json_string("local"));
	return o;
}

int volume_inspect(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	int r;

	*out = NULL;
	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, "SELECT name, driver, created, labels, options, anonymous FROM volumes WHERE name = ?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		*out = row_json(ctx, s);
	sqlite3_finalize(s);
	if (!*out)
		return berr_set(err, ENOENT, "get %s: no such volume", name);
	return 0;
}

int volume_list(struct berth_ctx *ctx, json_t **out, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	int r;

	*out = json_array();
	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, "SELECT name, driver, created, labels, options, anonymous FROM volumes ORDER BY name", err)) < 0)
		return r;
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(*out, row_json(ctx, s));
	sqlite3_finalize(s);
	return 0;
}

json_t *volume_users(struct berth_ctx *ctx, const char *name)
{
	struct store *st;
	sqlite3_stmt *s;
	json_t *users = json_array();

	if (ctx_store(ctx, &st, NULL) < 0 ||
	    store_prepare(st, &s, "SELECT c.name FROM containers c, json_each(c.doc, '$.Mounts') m "
			  "WHERE json_extract(m.value, '$.Type') = 'volume' AND json_extract(m.value, '$.Name') = ?", NULL) < 0)
		return users;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(users, json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	return users;
}

/* Docker's list of the containers using a volume, by id: "[id1, id2]" (NULL when none). */
static char *volume_user_ids(struct berth_ctx *ctx, const char *name)
{
	struct store *st;
	sqlite3_stmt *s;
	char *list = NULL;

	if (ctx_store(ctx, &st, NULL) < 0 ||
	    store_prepare(st, &s, "SELECT c.id FROM containers c, json_each(c.doc, '$.Mounts') m "
			  "WHERE json_extract(m.value, '$.Type') = 'volume' AND json_extract(m.value, '$.Name') = ? "
			  "ORDER BY c.created", NULL) < 0)
		return NULL;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char *next = xasprintf("%s%s%s", list ? list : "[", list ? ", " : "", (const char *)sqlite3_column_text(s, 0));
		free(list);
		list = next;
	}
	sqlite3_finalize(s);
	if (list) {
		char *done = xasprintf("%s]", list);
		free(list);
		list = done;
	}
	return list;
}

int volume_remove(struct berth_ctx *ctx, const char *name, int force, berr_t *err)
{
	struct store *st;
	sqlite3_stmt *s;
	json_t *v;
	int r;
	_cleanup_free_ char *dir = NULL;

	if ((r = volume_inspect(ctx, name, &v, err)) < 0)
		return force && r == -ENOENT ? 0 : r;
	json_decref(v);
	{
		_cleanup_free_ char *list = volume_user_ids(ctx, name);
		if (list)
			return berr_set(err, EBUSY, "remove %s: volume is in use - %s", name, list);
	}
	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = store_prepare(st, &s, "DELETE FROM volumes WHERE name = ?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return berr_set(err, EIO, "store: %s", sqlite3_errmsg(st->db));
	dir = volume_dir(ctx, name);
	return remove_tree(dir, err);
}

void volume_remove_anonymous(struct berth_ctx *ctx, json_t *mounts)
{
	size_t i;
	json_t *m;

	json_array_foreach(mounts, i, m) {
		const char *t = json_string_value(json_object_get(m, "Type"));
		const char *n = json_string_value(json_object_get(m, "Name"));
		json_t *v;
		berr_t e = { 0 };
		if (!t || strcmp(t, "volume") || !n || volume_inspect(ctx, n, &v, &e) < 0)
			continue;
		if (json_object_get(json_object_get(v, "Labels"), "com.docker.volume.anonymous"))
			volume_remove(ctx, n, 1, &e);
		json_decref(v);
	}
}
