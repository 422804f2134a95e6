/* Images: configs stored as blobs (image ID = sha256 of the config bytes), image rows, tags and
 * repo digests per storage driver; resolution, listing, inspect, history, removal and prune with
 * the rules of Docker 20.10's daemon (daemon/images/). */
#include "image/image.h"
#include "store/store.h"
#include "image/internal.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZERO_TIME "0001-01-01T00:00:00Z"

/* ---- config helpers ----------------------------------------------------------------------- */

int64_t image_created_ns(json_t *config)
{
	const char *s = json_string_value(json_object_get(config, "created"));
	int64_t ns;

	if (!s || parse_rfc3339(s, &ns) < 0)
		return 0;
	return ns;
}

void image_created_string(json_t *config, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(config, "created"));
	int64_t ns;

	if (s && parse_rfc3339(s, &ns) == 0)
		format_rfc3339nano(ns, buf, len);
	else
		snprintf(buf, len, "%s", ZERO_TIME);
}

/* A JSON object with the same members, keys sorted (Go marshals maps that way). */
static json_t *sorted_object(json_t *o, int strings_only)
{
	const char **keys;
	size_t n = 0, i;
	const char *k;
	json_t *v, *out = json_object();

	keys = xcalloc(json_object_size(o) + 1, sizeof(*keys));
	json_object_foreach(o, k, v)
		if (!strings_only || json_is_string(v))
			keys[n++] = k;
	for (i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	free(keys);
	return out;
}

enum field_kind { F_STR, F_BOOL, F_INT, F_LIST, F_MAP, F_SMAP, F_OBJ };

static const struct {
	const char *name;
	enum field_kind kind;
	int omitempty;
} CONFIG_FIELDS[] = {
	{ "Hostname", F_STR, 0 }, { "Domainname", F_STR, 0 }, { "User", F_STR, 0 },
	{ "AttachStdin", F_BOOL, 0 }, { "AttachStdout", F_BOOL, 0 }, { "AttachStderr", F_BOOL, 0 },
	{ "ExposedPorts", F_MAP, 1 }, { "Tty", F_BOOL, 0 }, { "OpenStdin", F_BOOL, 0 },
	{ "StdinOnce", F_BOOL, 0 }, { "Env", F_LIST, 0 }, { "Cmd", F_LIST, 0 },
	{ "Healthcheck", F_OBJ, 1 }, { "ArgsEscaped", F_BOOL, 1 }, { "Image", F_STR, 0 },
	{ "Volumes", F_MAP, 0 }, { "WorkingDir", F_STR, 0 }, { "Entrypoint", F_LIST, 0 },
	{ "NetworkDisabled", F_BOOL, 1 }, { "MacAddress", F_STR, 1 }, { "OnBuild", F_LIST, 0 },
	{ "Labels", F_SMAP, 0 }, { "StopSignal", F_STR, 1 }, { "StopTimeout", F_INT, 1 },
	{ "Shell", F_LIST, 1 },
};

json_t *image_container_config(json_t *cfg)
{
	json_t *out = json_object();

	for (size_t i = 0; i < sizeof(CONFIG_FIELDS) / sizeof(CONFIG_FIELDS[0]); i++) {
		json_t *v = cfg ? json_object_get(cfg, CONFIG_FIELDS[i].name) : NULL, *nv = NULL;
		switch (CONFIG_FIELDS[i].kind) {
		case F_STR:
			nv = json_is_string(v) && (!CONFIG_FIELDS[i].omitempty || json_string_length(v)) ?
			     json_incref(v) : CONFIG_FIELDS[i].omitempty ? NULL : json_string("");
			break;
		case F_BOOL:
			nv = json_is_true(v) ? json_true() : CONFIG_FIELDS[i].omitempty ? NULL : json_false();
			break;
		case F_INT:
			nv = json_is_integer(v) ? json_incref(v) : NULL;
			break;
		case F_LIST:
			if (json_is_string(v)) {   /* strslice accepts a lone string */
				nv = json_array();
				json_array_append(nv, v);
			} else if (json_is_array(v) && (!CONFIG_FIELDS[i].omitempty || json_array_size(v))) {
				nv = json_incref(v);
			} else if (!CONFIG_FIELDS[i].omitempty) {
				nv = json_null();
			}
			break;
		case F_MAP:
		case F_SMAP:
			if (json_is_object(v) && (!CONFIG_FIELDS[i].omitempty || json_object_size(v)))
				nv = sorted_object(v, CONFIG_FIELDS[i].kind == F_SMAP);
			else if (!CONFIG_FIELDS[i].omitempty)
				nv = json_null();
			break;
		case F_OBJ:
			nv = json_is_object(v) ? json_incref(v) : NULL;
			break;
		}
		if (nv)
			json_object_set_new(out, CONFIG_FIELDS[i].name, nv);
	}
	return out;
}

/* ---- references ------------------------------------------------------------------------------ */

/* Familiar form of a canonical reference stored in the db. */
static void familiar_of(const char *canonical, char *buf, size_t len)
{
	struct image_ref r;

	if (ref_parse(canonical, 0, &r, NULL) == 0)
		ref_familiar(&r, buf, len);
	else
		snprintf(buf, len, "%s", canonical);
}

/* Repository part (no tag/digest) of a canonical reference. */
static void repo_of(const char *canonical, char *buf, size_t len)
{
	struct image_ref r;

	if (ref_parse(canonical, 0, &r, NULL) == 0)
		ref_repo(&r, buf, len);
	else
		snprintf(buf, len, "%s", canonical);
}

/* Canonical strings of one image's tags (table "tags") or digests ("repo_digests"), sorted. */
static json_t *image_refs(struct image_env *env, const char *table, const char *id)
{
	_cleanup_free_ char *sql = xasprintf("SELECT ref FROM %s WHERE driver=? AND image_id=? ORDER BY ref", table);
	json_t *a = json_array();
	sqlite3_stmt *s;

	if (store_prepare(env->st, &s, sql, NULL) < 0)
		return a;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(a, json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	return a;
}

/* Familiar forms of canonical references; takes ownership of canonicals. */
static json_t *familiar_array(json_t *canonicals)
{
	json_t *a = json_array(), *v;
	size_t i;
	char buf[1024];

	json_array_foreach(canonicals, i, v) {
		familiar_of(json_string_value(v), buf, sizeof(buf));
		json_array_append_new(a, json_string(buf));
	}
	json_decref(canonicals);
	return a;
}

/* Whether sql, binding driver as ?1 and arg as ?2, yields a row. */
static int row_exists(struct image_env *env, const char *sql, const char *arg)
{
	sqlite3_stmt *s;
	int found = 0;

	if (store_prepare(env->st, &s, sql, NULL) < 0)
		return 0;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, arg, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

static int image_exists(struct image_env *env, const char *id)
{
	return row_exists(env, "SELECT 1 FROM images WHERE driver=? AND id=?", id);
}

/* Run one statement binding driver as ?1 and up to two text args; returns sqlite3_changes. */
static int exec_text(struct image_env *env, const char *sql, const char *a, const char *b, berr_t *err)
{
	sqlite3_stmt *s;
	int r;

	if ((r = store_prepare(env->st, &s, sql, err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	if (a)
		sqlite3_bind_text(s, 2, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 3, b, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = berr_set(err, EIO, "store: %s", sqlite3_errmsg(env->st->db));
	else
		r = sqlite3_changes(env->st->db);
	sqlite3_finalize(s);
	return r;
}

/* ---- add, tag, resolve ------------------------------------------------------------------------ */

int image_set_parent(struct berth_ctx *ctx, const char *id, const char *parent, berr_t *err)
{
	struct image_env env;
	int r;

	if (!strcmp(id, parent))
		return 0;
	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	r = exec_text(&env, "UPDATE images SET parent=?3 WHERE driver=?1 AND id=?2", id, parent, err);
	return r < 0 ? r : 0;
}

int image_add_config(struct berth_ctx *ctx, const char *config, size_t len,
		     char id[DIGEST_LEN + 1], berr_t *err)
{
	struct image_env env;
	json_error_t je;
	_cleanup_free_ char *unused = NULL;
	json_t *j, *rootfs, *diff_ids, *d, *hist, *h;
	char chain[DIGEST_LEN + 1] = "", digest[DIGEST_LEN + 1];
	const char *os;
	int64_t size = 0, content;
	size_t i, nonempty = 0;
	sqlite3_stmt *s;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	j = json_loadb(config, len, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return berr_set(err, EINVAL, "invalid image config: %s", j ? "not an object" : je.text);
	}
	rootfs = json_object_get(j, "rootfs");
	diff_ids = json_object_get(rootfs, "diff_ids");
	os = json_string_value(json_object_get(j, "os"));
	if (!json_is_object(rootfs) || !json_is_string(json_object_get(rootfs, "type")) ||
	    strcmp(json_string_value(json_object_get(rootfs, "type")), "layers")) {
		r = berr_set(err, EINVAL, "invalid image config: rootfs.type must be \"layers\"");
		goto out;
	}
	if (diff_ids && !json_is_array(diff_ids)) {
		r = berr_set(err, EINVAL, "invalid image config: rootfs.diff_ids must be an array");
		goto out;
	}
	if (os && *os && strcmp(os, "linux")) {
		r = berr_set(err, EINVAL, "image operating system \"%s\" cannot be used on this platform", os);
		goto out;
	}
	hist = json_object_get(j, "history");
	json_array_foreach(hist, i, h)
		if (!json_is_true(json_object_get(h, "empty_layer")))
			nonempty++;
	if (nonempty > json_array_size(diff_ids)) {
		r = berr_set(err, EINVAL, "invalid image config: too many non-empty layers in History section");
		goto out;
	}
	json_array_foreach(diff_ids, i, d) {
		if (!digest_valid(json_string_value(d))) {
			r = berr_set(err, EINVAL, "invalid image config: bad diff_id %zu", i);
			goto out;
		}
		image_chain_id(i ? chain : NULL, json_string_value(d), chain);
		if ((r = image_layer_info(ctx, chain, NULL, NULL, &content, err)) < 0) {
			r = berr_set(err, ENOENT, "layer %s (diff_id %s) is not in the store", chain,
				     json_string_value(d));
			goto out;
		}
		size += content;
	}
	if ((r = blob_put(env.st, config, len, digest, err)) < 0)
		goto out;
	if ((r = store_prepare(env.st, &s, "INSERT OR IGNORE INTO images(driver, id, top_layer, size, "
			       "parent, created, image_created) VALUES(?,?,?,?,NULL,?,?)", err)) < 0)
		goto out;
	sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, digest, -1, SQLITE_STATIC);
	if (chain[0])
		sqlite3_bind_text(s, 3, chain, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, size);
	sqlite3_bind_int64(s, 5, now_ns());
	sqlite3_bind_int64(s, 6, image_created_ns(j));
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : berr_set(err, EIO, "store: add image: %s", sqlite3_errmsg(env.st->db));
	sqlite3_finalize(s);
	if (r == 0)
		memcpy(id, digest, DIGEST_LEN + 1);
out:
	json_decref(j);
	return r;
}

static int tag_image(struct berth_ctx *ctx, const char *id, const char *ref, int set_time,
		     char prev_id[DIGEST_LEN + 1], berr_t *err)
{
	struct image_env env;
	struct image_ref r;
	char canonical[1024], fam[1024];
	sqlite3_stmt *s;
	int rc;

	if (prev_id)
		prev_id[0] = 0;
	if ((rc = image_env_open(ctx, &env, err)) < 0)
		return rc;
	if ((rc = ref_parse(ref, 1, &r, err)) < 0)
		return rc;
	if (r.digest[0])
		return berr_set(err, EINVAL, "refusing to create a tag with a digest reference");
	ref_repo(&r, canonical, sizeof(canonical));
	ref_familiar_repo(canonical, fam, sizeof(fam));
	if (!strcmp(fam, "sha256"))
		return berr_set(err, EINVAL, "refusing to create an ambiguous tag using digest algorithm as name");
	ref_canonical(&r, canonical, sizeof(canonical));
	if ((rc = store_begin(env.st, err)) < 0)
		return rc;
	if (!image_exists(&env, id)) {
		store_rollback(env.st);
		return berr_set(err, ENOENT, "No such image: %s", id);
	}
	if (prev_id && store_prepare(env.st, &s, "SELECT image_id FROM tags WHERE driver=? AND ref=?", NULL) == 0) {
		sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, canonical, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(prev_id, DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	if ((rc = store_prepare(env.st, &s, "INSERT OR REPLACE INTO tags(driver, ref, image_id, created) "
				"VALUES(?,?,?,?)", err)) < 0) {
		store_rollback(env.st);
		return rc;
	}
	sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, canonical, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ns());
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : berr_set(err, EIO, "store: tag: %s", sqlite3_errmsg(env.st->db));
	sqlite3_finalize(s);
	if (rc == 0 && set_time) {
		_cleanup_free_ char *now = xasprintf("%lld", (long long)now_ns());
		rc = exec_text(&env, "UPDATE images SET last_tag_time=CAST(?3 AS INTEGER) WHERE driver=?1 AND id=?2",
			       id, now, err);
	}
	if (rc < 0) {
		store_rollback(env.st);
		return rc;
	}
	return store_commit(env.st, err);
}

int image_tag(struct berth_ctx *ctx, const char *id, const char *ref, berr_t *err)
{
	return tag_image(ctx, id, ref, 1, NULL, err);
}

int image_tag_ex(struct berth_ctx *ctx, const char *id, const char *ref,
		 char prev_id[DIGEST_LEN + 1], berr_t *err)
{
	/* load (and pull) set tags without touching LastTagTime, as Docker's reference store does */
	return tag_image(ctx, id, ref, 0, prev_id, err);
}

int image_add_repo_digest(struct berth_ctx *ctx, const char *id, const char *repo_at_digest, berr_t *err)
{
	struct image_env env;
	struct image_ref r;
	char canonical[1024];
	int rc;

	if ((rc = image_env_open(ctx, &env, err)) < 0)
		return rc;
	if ((rc = ref_parse(repo_at_digest, 0, &r, err)) < 0)
		return rc;
	if (!r.digest[0])
		return berr_set(err, EINVAL, "%s: not a digest reference", repo_at_digest);
	r.tag[0] = 0;
	ref_canonical(&r, canonical, sizeof(canonical));
	rc = exec_text(&env, "INSERT OR REPLACE INTO repo_digests(driver, ref, image_id) VALUES(?1,?2,?3)",
		       canonical, id, err);
	return rc < 0 ? rc : 0;
}

/* Image IDs starting with hex (after an optional "sha256:"): 0 found, -ENOENT, -EEXIST ambiguous. */
static int search_id_prefix(struct image_env *env, const char *prefix, char id[DIGEST_LEN + 1])
{
	_cleanup_free_ char *like = NULL;
	sqlite3_stmt *s;
	int n = 0;

	if (!strncmp(prefix, "sha256:", 7))
		prefix += 7;
	if (!ref_is_id_prefix(prefix))
		return -ENOENT;
	like = xasprintf("sha256:%s", prefix);
	if (store_prepare(env->st, &s, "SELECT id FROM images WHERE driver=? AND substr(id, 1, ?) = ? LIMIT 2", NULL) < 0)
		return -ENOENT;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)strlen(like));
	sqlite3_bind_text(s, 3, like, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == 0)
			snprintf(id, DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return n == 0 ? -ENOENT : n > 1 ? -EEXIST : 0;
}

static int lookup_ref(struct image_env *env, const char *table, const char *canonical, char id[DIGEST_LEN + 1])
{
	_cleanup_free_ char *sql = xasprintf("SELECT image_id FROM %s WHERE driver=? AND ref=?", table);
	sqlite3_stmt *s;
	int r = -ENOENT;

	if (store_prepare(env->st, &s, sql, NULL) < 0)
		return -EIO;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, canonical, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(id, DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(s, 0));
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

/* GetImage of Docker 20.10: full ID, digest-looking string, then the reference store, then an
 * ID prefix search. */
static int resolve(struct image_env *env, const char *name, char id[DIGEST_LEN + 1], berr_t *err)
{
	struct image_ref r;
	char canonical[1024];
	int rc;

	if (ref_is_full_hex_id(name) || digest_valid(name)) {
		snprintf(canonical, sizeof(canonical), "%s%s", digest_valid(name) ? "" : "sha256:", name);
		if (image_exists(env, canonical)) {
			memcpy(id, canonical, DIGEST_LEN + 1);
			return 0;
		}
		return berr_set(err, ENOENT, "No such image: %s", name);
	}
	if ((rc = ref_parse(name, 0, &r, err)) < 0)
		return rc;
	if (r.digest[0]) {
		r.tag[0] = 0;   /* name:tag@digest looks up the digest only */
		ref_canonical(&r, canonical, sizeof(canonical));
		if (lookup_ref(env, "repo_digests", canonical, id) == 0)
			return 0;
	} else {
		if (!r.tag[0])
			strcpy(r.tag, "latest");
		ref_canonical(&r, canonical, sizeof(canonical));
		if (lookup_ref(env, "tags", canonical, id) == 0)
			return 0;
	}
	rc = search_id_prefix(env, name, id);
	if (rc == 0)
		return 0;
	if (rc == -EEXIST)
		return berr_set(err, ENOENT, "No such image: %s (the ID prefix is ambiguous)", name);
	return berr_set(err, ENOENT, "No such image: %s", name);
}

int image_resolve(struct berth_ctx *ctx, const char *name, char id[DIGEST_LEN + 1], berr_t *err)
{
	struct image_env env;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	return resolve(&env, name, id, err);
}

int image_config(struct berth_ctx *ctx, const char *id, json_t **out, berr_t *err)
{
	struct store *st;
	_cleanup_free_ char *data = NULL;
	json_error_t je;
	size_t len;
	int r;

	if ((r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = blob_get(st, id, &data, &len, err)) < 0)
		return berr_wrap(err, "image %s config", id);
	*out = json_loadb(data, len, 0, &je);
	if (!*out)
		return berr_set(err, EINVAL, "image %s config: %s", id, je.text);
	return 0;
}

/* Row facts of an image. */
struct image_row {
	char id[DIGEST_LEN + 1];
	char top[DIGEST_LEN + 1];
	char parent[DIGEST_LEN + 1];
	int64_t size, created, image_created, last_tag;
};

static int image_row(struct image_env *env, const char *id, struct image_row *row, berr_t *err)
{
	sqlite3_stmt *s;
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = store_prepare(env->st, &s, "SELECT id, top_layer, parent, size, created, image_created, "
			       "last_tag_time FROM images WHERE driver=? AND id=?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(row->id, sizeof(row->id), "%s", (const char *)sqlite3_column_text(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			snprintf(row->top, sizeof(row->top), "%s", (const char *)sqlite3_column_text(s, 1));
		if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			snprintf(row->parent, sizeof(row->parent), "%s", (const char *)sqlite3_column_text(s, 2));
		row->size = sqlite3_column_int64(s, 3);
		row->created = sqlite3_column_int64(s, 4);
		row->image_created = sqlite3_column_int64(s, 5);
		row->last_tag = sqlite3_column_int64(s, 6);
		r = 0;
	} else {
		r = berr_set(err, ENOENT, "No such image: %s", id);
	}
	sqlite3_finalize(s);
	return r;
}

int image_top_layer(struct berth_ctx *ctx, const char *id, char cache_id[65], char init_id[IMAGE_INIT_ID_LEN],
		    berr_t *err)
{
	struct image_env env;
	sqlite3_stmt *s;
	int r;

	cache_id[0] = 0;
	if (init_id)
		init_id[0] = 0;
	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	/* one query, on the start of every container */
	if ((r = store_prepare(env.st, &s, "SELECT i.top_layer, l.cache_id, l.init_layer FROM images i LEFT JOIN layers l "
			       "ON l.driver = i.driver AND l.chain_id = i.top_layer WHERE i.driver=? AND i.id=?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		r = berr_set(err, ENOENT, "No such image: %s", id);
	else if (sqlite3_column_type(s, 0) == SQLITE_NULL)
		r = 0;
	else if (sqlite3_column_type(s, 1) == SQLITE_NULL)
		r = berr_set(err, ENOENT, "layer %s does not exist", (const char *)sqlite3_column_text(s, 0));
	else {
		snprintf(cache_id, 65, "%s", (const char *)sqlite3_column_text(s, 1));
		if (init_id && sqlite3_column_type(s, 2) != SQLITE_NULL)
			snprintf(init_id, IMAGE_INIT_ID_LEN, "%s", (const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_finalize(s);
	return r;
}

/* ---- list ---------------------------------------------------------------------------------------- */

/* filters.Args.MatchKVList("label", labels) */
static int match_labels(json_t *values, json_t *labels)
{
	json_t *v;
	size_t i;

	if (!json_array_size(values))
		return 1;
	if (!json_is_object(labels) || !json_object_size(labels))
		return 0;
	json_array_foreach(values, i, v) {
		const char *s = json_string_value(v), *eq = strchr(s, '=');
		_cleanup_free_ char *key = eq ? strndup(s, eq - s) : xstrdup(s);
		json_t *have = json_object_get(labels, key);
		if (!json_is_string(have))
			return 0;
		if (eq && strcmp(eq + 1, json_string_value(have)))
			return 0;
	}
	return 1;
}

/* reference.FamiliarMatch: path.Match against "name:tag" (or "name@digest"), then the name. */
static int familiar_match(const char *pattern, const char *canonical)
{
	char fam[1024], name[1024];
	struct image_ref r;

	familiar_of(canonical, fam, sizeof(fam));
	if (fnmatch(pattern, fam, FNM_PATHNAME) == 0)
		return 1;
	if (ref_parse(canonical, 0, &r, NULL) < 0)
		return 0;
	ref_repo(&r, name, sizeof(name));
	ref_familiar_repo(name, fam, sizeof(fam));
	return fnmatch(pattern, fam, FNM_PATHNAME) == 0;
}

static const char *const LIST_FILTERS[] = { "dangling", "label", "before", "since", "reference", NULL };
static const char *const PRUNE_FILTERS[] = { "dangling", "label", "label!", "until", NULL };

static int check_filters(json_t *filters, const char *const *allowed, berr_t *err)
{
	const char *k;
	json_t *v;

	json_object_foreach(filters, k, v) {
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, k);
		if (!ok)
			return berr_set(err, EINVAL, "Invalid filter '%s'", k);
		if (!json_is_array(v))
			return berr_set(err, EINVAL, "filter '%s' must be a list of strings", k);
	}
	return 0;
}

/* "Invalid filter 'dangling=[maybe]'" in Go's fmt of a []string. */
static int invalid_filter_values(json_t *vals, const char *name, berr_t *err)
{
	char buf[512] = "";
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(vals, i, v)
		n += snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s", i ? " " : "",
			      json_string_value(v));
	return berr_set(err, EINVAL, "Invalid filter '%s=[%s]'", name, buf);
}

static int has_value(json_t *vals, const char *want)
{
	json_t *v;
	size_t i;

	json_array_foreach(vals, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), want))
			return 1;
	return 0;
}

/* filters.ExactMatch-style check: every value is one of the accepted ones. */
static int only_values(json_t *vals, const char *a, const char *b)
{
	json_t *v;
	size_t i;

	json_array_foreach(vals, i, v)
		if (strcmp(json_string_value(v), a) && (!b || strcmp(json_string_value(v), b)))
			return 0;
	return 1;
}

static int has_children(struct image_env *env, const char *id)
{
	return row_exists(env, "SELECT 1 FROM images WHERE driver=? AND parent=? LIMIT 1", id);
}

/* The config "created" of the image a before=/since= value names. */
static int filter_time(struct image_env *env, json_t *vals, int64_t *out, berr_t *err)
{
	json_t *v;
	size_t i;
	int r;

	json_array_foreach(vals, i, v) {
		char id[DIGEST_LEN + 1];
		struct image_row row;
		if ((r = resolve(env, json_string_value(v), id, err)) < 0 ||
		    (r = image_row(env, id, &row, err)) < 0)
			return r;
		*out = row.image_created;
	}
	return 0;
}

int image_list(struct berth_ctx *ctx, int all, json_t *filters, json_t **out, berr_t *err)
{
	struct image_env env;
	json_t *dangling = json_object_get(filters, "dangling"), *refpat = json_object_get(filters, "reference");
	json_t *labels = json_object_get(filters, "label"), *list;
	int64_t before = 0, since = 0;
	int dangling_only = 0, r;
	sqlite3_stmt *s;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if (filters && (r = check_filters(filters, LIST_FILTERS, err)) < 0)
		return r;
	if (json_array_size(dangling)) {
		if (has_value(dangling, "true") && json_array_size(dangling) == 1)
			dangling_only = 1;
		else if (!(has_value(dangling, "false") && json_array_size(dangling) == 1))
			return invalid_filter_values(dangling, "dangling", err);
	}
	if ((r = filter_time(&env, json_object_get(filters, "before"), &before, err)) < 0 ||
	    (r = filter_time(&env, json_object_get(filters, "since"), &since, err)) < 0)
		return r;
	if ((r = store_prepare(env.st, &s, "SELECT id, size, parent, image_created FROM images WHERE driver=? "
			       "ORDER BY image_created DESC, id", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
	list = json_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		int64_t created = sqlite3_column_int64(s, 3);
		json_t *config = NULL, *tags, *digests, *rt, *rd, *item, *cfgl = NULL, *v;
		size_t i;

		if (json_object_get(filters, "before") && created >= before)
			continue;
		if (json_object_get(filters, "since") && created <= since)
			continue;
		image_config(ctx, id, &config, &(berr_t){ 0 });
		cfgl = json_object_get(json_object_get(config, "config"), "Labels");
		if (json_array_size(labels) && (!json_object_get(config, "config") || !match_labels(labels, cfgl))) {
			json_decref(config);
			continue;
		}
		tags = image_refs(&env, "tags", id);
		digests = image_refs(&env, "repo_digests", id);
		rt = json_array();
		rd = json_array();
		json_array_foreach(tags, i, v) {
			int ok = !json_array_size(refpat);
			for (size_t k = 0; !ok && k < json_array_size(refpat); k++)
				ok = familiar_match(json_string_value(json_array_get(refpat, k)), json_string_value(v));
			if (ok)
				json_array_append(rt, v);
		}
		json_array_foreach(digests, i, v) {
			int ok = !json_array_size(refpat);
			for (size_t k = 0; !ok && k < json_array_size(refpat); k++)
				ok = familiar_match(json_string_value(json_array_get(refpat, k)), json_string_value(v));
			if (ok)
				json_array_append(rd, v);
		}
		json_decref(tags);
		json_decref(digests);
		if (!json_array_size(rt) && !json_array_size(rd)) {
			if ((all || !has_children(&env, id)) && !(json_array_size(dangling) && !dangling_only) &&
			    !json_array_size(refpat)) {
				json_array_append_new(rt, json_string("<none>:<none>"));
				json_array_append_new(rd, json_string("<none>@<none>"));
			} else {
				json_decref(rt);
				json_decref(rd);
				json_decref(config);
				continue;
			}
		} else if (dangling_only && json_array_size(rt)) {
			json_decref(rt);
			json_decref(rd);
			json_decref(config);
			continue;
		} else {
			rt = familiar_array(rt);
			rd = familiar_array(rd);
		}
		item = json_object();
		json_object_set_new(item, "Containers", json_integer(-1));
		json_object_set_new(item, "Created", json_integer(created / 1000000000));
		json_object_set_new(item, "Id", json_string(id));
		json_object_set_new(item, "Labels", json_is_object(cfgl) ? sorted_object(cfgl, 1) : json_null());
		json_object_set_new(item, "ParentId", json_string(sqlite3_column_type(s, 2) == SQLITE_NULL ? "" :
							     (const char *)sqlite3_column_text(s, 2)));
		json_object_set_new(item, "RepoDigests", rd);
		json_object_set_new(item, "RepoTags", rt);
		json_object_set_new(item, "SharedSize", json_integer(-1));
		json_object_set_new(item, "Size", json_integer(sqlite3_column_int64(s, 1)));
		json_object_set_new(item, "VirtualSize", json_integer(sqlite3_column_int64(s, 1)));
		json_array_append_new(list, item);
		json_decref(config);
	}
	sqlite3_finalize(s);
	*out = list;
	return 0;
}

/* ---- inspect and history --------------------------------------------------------------------- */

static json_t *graph_driver_data(struct berth_ctx *ctx, struct image_env *env, const char *top)
{
	char cache_id[65], buf[8192] = "";
	berr_t ignore = { 0 };
	json_t *data;
	const char *p;

	if (!top[0] || !env->ops->metadata || image_layer_info(ctx, top, cache_id, NULL, NULL, &ignore) < 0 ||
	    env->ops->metadata(cache_id, buf, sizeof(buf), &ignore) < 0)
		return json_null();
	data = json_object();
	for (p = buf; *p;) {
		const char *nl = strchr(p, '\n'), *tab = strchr(p, '\t');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (tab && tab < p + len) {
			_cleanup_free_ char *k = strndup(p, tab - p);
			json_object_set_new(data, k, json_stringn(tab + 1, p + len - tab - 1));
		}
		p += len + (nl ? 1 : 0);
	}
	{
		json_t *sorted = sorted_object(data, 0);
		json_decref(data);
		return sorted;
	}
}

static json_t *str_or_empty(json_t *config, const char *key)
{
	json_t *v = json_object_get(config, key);
	return json_string(json_is_string(v) ? json_string_value(v) : "");
}

int image_inspect(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err)
{
	struct image_env env;
	struct image_row row;
	char id[DIGEST_LEN + 1], created[64];
	json_t *config = NULL, *o, *rootfs, *layers, *meta, *gd, *cc;
	const char *variant, *osv;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0 || (r = resolve(&env, name, id, err)) < 0 ||
	    (r = image_row(&env, id, &row, err)) < 0 || (r = image_config(ctx, id, &config, err)) < 0)
		return r;
	o = json_object();
	json_object_set_new(o, "Id", json_string(id));
	json_object_set_new(o, "RepoTags", familiar_array(image_refs(&env, "tags", id)));
	json_object_set_new(o, "RepoDigests", familiar_array(image_refs(&env, "repo_digests", id)));
	json_object_set_new(o, "Parent", json_string(row.parent));
	/* daemon/images/image_inspect: the last history entry's comment when the config has none */
	if (json_string_length(json_object_get(config, "comment")) || !json_array_size(json_object_get(config, "history")))
		json_object_set_new(o, "Comment", str_or_empty(config, "comment"));
	else
		json_object_set_new(o, "Comment", str_or_empty(json_array_get(json_object_get(config, "history"),
						json_array_size(json_object_get(config, "history")) - 1), "comment"));
	image_created_string(config, created, sizeof(created));
	json_object_set_new(o, "Created", json_string(created));
	json_object_set_new(o, "Container", str_or_empty(config, "container"));
	json_object_set_new(o, "ContainerConfig", image_container_config(json_object_get(config, "container_config")));
	json_object_set_new(o, "DockerVersion", str_or_empty(config, "docker_version"));
	json_object_set_new(o, "Author", str_or_empty(config, "author"));
	cc = json_object_get(config, "config");
	json_object_set_new(o, "Config", json_is_object(cc) ? image_container_config(cc) : json_null());
	json_object_set_new(o, "Architecture", str_or_empty(config, "architecture"));
	variant = json_string_value(json_object_get(config, "variant"));
	if (variant && *variant)
		json_object_set_new(o, "Variant", json_string(variant));
	json_object_set_new(o, "Os", str_or_empty(config, "os"));
	osv = json_string_value(json_object_get(config, "os.version"));
	if (osv && *osv)
		json_object_set_new(o, "OsVersion", json_string(osv));
	json_object_set_new(o, "Size", json_integer(row.size));
	json_object_set_new(o, "VirtualSize", json_integer(row.size));
	gd = json_object();
	json_object_set_new(gd, "Data", graph_driver_data(ctx, &env, row.top));
	json_object_set_new(gd, "Name", json_string(env.driver));
	json_object_set_new(o, "GraphDriver", gd);
	rootfs = json_object();
	json_object_set_new(rootfs, "Type", json_string("layers"));
	layers = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	if (json_array_size(layers))
		json_object_set(rootfs, "Layers", layers);
	json_object_set_new(o, "RootFS", rootfs);
	meta = json_object();
	if (row.last_tag) {
		format_rfc3339nano(row.last_tag, created, sizeof(created));
		json_object_set_new(meta, "LastTagTime", json_string(created));
	} else {
		json_object_set_new(meta, "LastTagTime", json_string(ZERO_TIME));
	}
	json_object_set_new(o, "Metadata", meta);
	json_decref(config);
	*out = o;
	return 0;
}

int image_history(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err)
{
	struct image_env env;
	char id[DIGEST_LEN + 1], chain[DIGEST_LEN + 1] = "";
	json_t *config = NULL, *hist, *diff_ids, *h, *list, *tags;
	size_t i, layer = 0;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0 || (r = resolve(&env, name, id, err)) < 0 ||
	    (r = image_config(ctx, id, &config, err)) < 0)
		return r;
	hist = json_object_get(config, "history");
	diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	list = json_array();
	json_array_foreach(hist, i, h) {
		int64_t size = 0, created = 0;
		const char *c = json_string_value(json_object_get(h, "created"));
		json_t *item;

		if (!json_is_true(json_object_get(h, "empty_layer"))) {
			if (layer >= json_array_size(diff_ids)) {
				json_decref(list);
				json_decref(config);
				return berr_set(err, EINVAL, "too many non-empty layers in History section");
			}
			image_chain_id(layer ? chain : NULL, json_string_value(json_array_get(diff_ids, layer)), chain);
			if ((r = image_layer_info(ctx, chain, NULL, NULL, &size, err)) < 0) {
				json_decref(list);
				json_decref(config);
				return r;
			}
			layer++;
		}
		if (c && parse_rfc3339(c, &created) == 0)
			created /= 1000000000;
		else
			created = -62135596800LL;   /* Go's zero time */
		item = json_object();
		json_object_set_new(item, "Id", json_string("<missing>"));
		json_object_set_new(item, "Created", json_integer(created));
		json_object_set_new(item, "CreatedBy", str_or_empty(h, "created_by"));
		json_object_set_new(item, "Tags", json_null());
		json_object_set_new(item, "Size", json_integer(size));
		json_object_set_new(item, "Comment", str_or_empty(h, "comment"));
		json_array_insert_new(list, 0, item);
	}
	json_decref(config);
	/* the newest entry is the image itself (then its local parents, for built images) */
	{
		char cur[DIGEST_LEN + 1];
		snprintf(cur, sizeof(cur), "%s", id);
		for (i = 0; i < json_array_size(list) && cur[0]; i++) {
			json_t *item = json_array_get(list, i);
			struct image_row row;
			json_object_set_new(item, "Id", json_string(cur));
			tags = familiar_array(image_refs(&env, "tags", cur));
			json_object_set_new(item, "Tags", json_array_size(tags) ? tags : json_null());
			if (!json_array_size(tags))
				json_decref(tags);
			if (image_row(&env, cur, &row, &(berr_t){ 0 }) < 0 || !row.parent[0])
				break;
			snprintf(cur, sizeof(cur), "%s", row.parent);
		}
	}
	*out = list;
	return 0;
}

/* ---- removal --------------------------------------------------------------------------------- */

/* Containers using the image. The containers table is written by core/container; here only its
 * image_id and state columns are read. running=1 looks for running ones, 0 for stopped ones.
 * Returns 1 and the container id in cid when one is found. */
static int container_using(struct image_env *env, const char *id, int running, char cid[65])
{
	sqlite3_stmt *s;
	int found = 0;

	if (sqlite3_prepare_v2(env->st->db, "SELECT id FROM containers WHERE image_id=? AND "
			       "(state IN ('running','paused','restarting')) = ? ORDER BY created LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return 0;   /* no containers table yet */
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, running);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(cid, 65, "%s", (const char *)sqlite3_column_text(s, 0));
		found = 1;
	}
	sqlite3_finalize(s);
	return found;
}

enum {
	CONFLICT_CHILD = 1, CONFLICT_RUNNING = 2, CONFLICT_REFERENCE = 4, CONFLICT_STOPPED = 8,
	CONFLICT_HARD = CONFLICT_CHILD | CONFLICT_RUNNING,
	CONFLICT_SOFT = CONFLICT_REFERENCE | CONFLICT_STOPPED,
};

/* checkImageDeleteConflict: fills err (EBUSY) and returns 1 on a conflict; *used set when a
 * container is the reason. */
static int delete_conflict(struct image_env *env, const char *id, int mask, int *used, berr_t *err)
{
	char cid[65];
	json_t *refs;
	int n;

	*used = 0;
	if ((mask & CONFLICT_CHILD) && has_children(env, id)) {
		berr_set(err, EBUSY, "conflict: unable to delete %.12s (cannot be forced) - image has dependent child images", id + 7);
		return 1;
	}
	if ((mask & CONFLICT_RUNNING) && container_using(env, id, 1, cid)) {
		*used = 1;
		berr_set(err, EBUSY, "conflict: unable to delete %.12s (cannot be forced) - image is being used by running container %.12s", id + 7, cid);
		return 1;
	}
	if (mask & CONFLICT_REFERENCE) {
		refs = image_refs(env, "tags", id);
		n = json_array_size(refs);
		json_decref(refs);
		refs = image_refs(env, "repo_digests", id);
		n += json_array_size(refs);
		json_decref(refs);
		if (n) {
			berr_set(err, EBUSY, "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple repositories", id + 7);
			return 1;
		}
	}
	if ((mask & CONFLICT_STOPPED) && container_using(env, id, 0, cid)) {
		*used = 1;
		berr_set(err, EBUSY, "conflict: unable to delete %.12s (must be forced) - image is being used by stopped container %.12s", id + 7, cid);
		return 1;
	}
	return 0;
}

/* Delete one reference (canonical) and record "Untagged". */
static int untag(struct image_env *env, const char *canonical, json_t *records, berr_t *err)
{
	char fam[1024];
	int r;

	r = exec_text(env, strchr(canonical, '@') ? "DELETE FROM repo_digests WHERE driver=?1 AND ref=?2"
						  : "DELETE FROM tags WHERE driver=?1 AND ref=?2", canonical, NULL, err);
	if (r < 0)
		return r;
	if (r == 0)
		return berr_set(err, ENOENT, "No such image: %s", canonical);
	familiar_of(canonical, fam, sizeof(fam));
	json_array_append_new(records, json_pack("{s:s}", "Untagged", fam));
	return 0;
}

/* All references of id: tags then digests (canonical). */
static json_t *all_refs(struct image_env *env, const char *id)
{
	json_t *a = image_refs(env, "tags", id), *d = image_refs(env, "repo_digests", id);
	json_array_extend(a, d);
	json_decref(d);
	return a;
}

/* isSingleReference: one tag (plus digests of the same repository), or digests of one repo. */
static int single_reference(json_t *refs)
{
	const char *single = NULL;
	char repos[8][1024], srepo[1024];
	int nrepos = 0, match = 0;
	json_t *v;
	size_t i;

	if (json_array_size(refs) <= 1)
		return json_array_size(refs) == 1;
	json_array_foreach(refs, i, v) {
		const char *s = json_string_value(v);
		char repo[1024];
		int seen = 0;

		if (!strchr(s, '@')) {
			if (single)
				return 0;
			single = s;
			continue;
		}
		repo_of(s, repo, sizeof(repo));
		for (int k = 0; k < nrepos; k++)
			seen |= !strcmp(repos[k], repo);
		if (!seen) {
			if (nrepos == 8)
				return 0;
			snprintf(repos[nrepos++], sizeof(repos[0]), "%s", repo);
		}
	}
	if (!single)
		single = json_string_value(json_array_get(refs, 0));
	repo_of(single, srepo, sizeof(srepo));
	for (int k = 0; k < nrepos; k++)
		match |= !strcmp(repos[k], srepo);
	return nrepos == 1 && match;
}

static int is_id_prefix(const char *id, const char *name)
{
	return !strncmp(id, name, strlen(name)) || !strncmp(id + 7, name, strlen(name));
}

static int is_dangling(struct image_env *env, const char *id)
{
	json_t *refs = all_refs(env, id);
	int d = json_array_size(refs) == 0 && !has_children(env, id);
	json_decref(refs);
	return d;
}

/* imageDeleteHelper */
static int delete_helper(struct berth_ctx *ctx, struct image_env *env, const char *id, json_t *records,
			 int force, int prune, int quiet, int64_t *reclaimed, berr_t *err)
{
	struct image_row row;
	json_t *refs, *v;
	berr_t cerr = { 0 };
	size_t i;
	int used, r;
	int lock;

	if (delete_conflict(env, id, CONFLICT_HARD | (force ? 0 : CONFLICT_SOFT), &used, &cerr)) {
		if (quiet && (!is_dangling(env, id) || used))
			return 0;
		*err = cerr;
		return -cerr.code;
	}
	if ((r = image_row(env, id, &row, err)) < 0)
		return r;
	refs = all_refs(env, id);
	json_array_foreach(refs, i, v)
		if ((r = untag(env, json_string_value(v), records, err)) < 0) {
			json_decref(refs);
			return r;
		}
	json_decref(refs);
	if ((r = store_begin(env->st, err)) < 0)
		return r;
	/* re-check inside the transaction: a tag may have arrived meanwhile */
	refs = all_refs(env, id);
	if (json_array_size(refs) || has_children(env, id)) {
		json_decref(refs);
		store_rollback(env->st);
		return berr_set(err, EBUSY, "conflict: unable to delete %.12s - image was tagged meanwhile", id + 7);
	}
	json_decref(refs);
	if ((r = exec_text(env, "DELETE FROM images WHERE driver=?1 AND id=?2", id, NULL, err)) < 0) {
		store_rollback(env->st);
		return r;
	}
	if ((r = store_commit(env->st, err)) < 0)
		return r;
	json_array_append_new(records, json_pack("{s:s}", "Deleted", id));
	/* the config blob stays if another driver's store has the same image */
	{
		sqlite3_stmt *s;
		int others = 1;
		if (store_prepare(env->st, &s, "SELECT count(*) FROM images WHERE id=?", NULL) == 0) {
			sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
			if (sqlite3_step(s) == SQLITE_ROW)
				others = sqlite3_column_int(s, 0);
			sqlite3_finalize(s);
		}
		if (!others)
			blob_remove(env->st, id, &(berr_t){ 0 });
	}
	/* layers go now unless someone is building images (they are then left for the gc), or a
	 * container still sits on them (a forced removal: the gc takes them after the container) */
	{
		char cid[65];
		if (container_using(env, id, 1, cid) || container_using(env, id, 0, cid))
			goto parents;
	}
	lock = layerdb_lock(ctx, 1, 0, err);
	if (lock >= 0) {
		if (row.top[0])
			r = layer_release_chain(ctx, env, row.top, records, reclaimed, err);
		close(lock);
		if (r < 0)
			return r;
	} else if (lock != -EWOULDBLOCK) {
		return lock;
	}
parents:
	if (!prune || !row.parent[0])
		return 0;
	return delete_helper(ctx, env, row.parent, records, 0, 1, 1, reclaimed, err);
}

static int remove_image(struct berth_ctx *ctx, struct image_env *env, const char *name, int force,
			int no_prune, json_t *records, int64_t *reclaimed, berr_t *err)
{
	char id[DIGEST_LEN + 1], cid[65];
	json_t *refs;
	int r, removed_ref = 0;

	if ((r = resolve(env, name, id, err)) < 0)
		return r;
	refs = all_refs(env, id);
	if (!is_id_prefix(id, name)) {
		struct image_ref pr;
		char canonical[1024], prepo[1024];
		json_t *v;
		size_t i;
		int tag_left = 0;

		if (!force && single_reference(refs) && container_using(env, id, 1, cid) +
		    container_using(env, id, 0, cid)) {
			json_decref(refs);
			return berr_set(err, EBUSY, "conflict: unable to remove repository reference \"%s\" "
					"(must force) - container %.12s is using its referenced image %.12s",
					name, cid, id + 7);
		}
		json_decref(refs);
		if ((r = ref_parse(name, 0, &pr, err)) < 0)
			return r;
		if (pr.digest[0])
			pr.tag[0] = 0;
		else if (!pr.tag[0])
			strcpy(pr.tag, "latest");
		ref_canonical(&pr, canonical, sizeof(canonical));
		if ((r = untag(env, canonical, records, err)) < 0)
			return r;
		refs = all_refs(env, id);
		if (!pr.digest[0]) {
			/* a removed tag takes the same repository's digest references along if no tag
			 * of that repository is left */
			ref_repo(&pr, prepo, sizeof(prepo));
			json_array_foreach(refs, i, v) {
				char repo[1024];
				repo_of(json_string_value(v), repo, sizeof(repo));
				if (!strchr(json_string_value(v), '@') && !strcmp(repo, prepo))
					tag_left = 1;
			}
			if (!tag_left) {
				json_array_foreach(refs, i, v) {
					char repo[1024];
					repo_of(json_string_value(v), repo, sizeof(repo));
					if (strchr(json_string_value(v), '@') && !strcmp(repo, prepo) &&
					    (r = untag(env, json_string_value(v), records, err)) < 0) {
						json_decref(refs);
						return r;
					}
				}
				json_decref(refs);
				refs = all_refs(env, id);
			}
		}
		if (json_array_size(refs)) {
			json_decref(refs);
			return 0;
		}
		removed_ref = 1;
	} else if (single_reference(refs)) {
		json_t *v;
		size_t i;
		int used;
		berr_t cerr = { 0 };
		int mask = CONFLICT_HARD | (force ? 0 : (CONFLICT_SOFT & ~CONFLICT_REFERENCE));

		if (delete_conflict(env, id, mask, &used, &cerr)) {
			json_decref(refs);
			*err = cerr;
			return -cerr.code;
		}
		json_array_foreach(refs, i, v)
			if ((r = untag(env, json_string_value(v), records, err)) < 0) {
				json_decref(refs);
				return r;
			}
	}
	json_decref(refs);
	return delete_helper(ctx, env, id, records, force, !no_prune, removed_ref, reclaimed, err);
}

int image_remove(struct berth_ctx *ctx, const char *name, int force, int no_prune, json_t **out,
		 berr_t *err)
{
	struct image_env env;
	json_t *records;
	int64_t reclaimed = 0;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	records = json_array();
	r = remove_image(ctx, &env, name, force, no_prune, records, &reclaimed, err);
	if (r < 0) {
		json_decref(records);
		return r;
	}
	*out = records;
	return 0;
}

/* ---- prune ---------------------------------------------------------------------------------- */

/* until=: unix seconds (with fraction) or RFC3339. */
static int parse_until(const char *s, int64_t *ns)
{
	char *end;
	double d = strtod(s, &end);

	if (end != s && !*end) {
		*ns = (int64_t)(d * 1e9);
		return 0;
	}
	return parse_rfc3339(s, ns);
}

int image_prune(struct berth_ctx *ctx, int all, json_t *filters, json_t **out, berr_t *err)
{
	struct image_env env;
	json_t *dangling = json_object_get(filters, "dangling"), *until = json_object_get(filters, "until");
	json_t *labels = json_object_get(filters, "label"), *nlabels = json_object_get(filters, "label!");
	json_t *ids, *deleted, *v;
	int64_t until_ns = 0, reclaimed = 0;
	int dangling_only = !all, r;
	sqlite3_stmt *s;
	size_t i;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if (filters && (r = check_filters(filters, PRUNE_FILTERS, err)) < 0)
		return r;
	if (json_array_size(dangling)) {
		if (only_values(dangling, "false", "0"))
			dangling_only = 0;
		else if (!only_values(dangling, "true", "1"))
			return invalid_filter_values(dangling, "dangling", err);
	}
	json_array_foreach(until, i, v)
		if (parse_until(json_string_value(v), &until_ns) < 0)
			return berr_set(err, EINVAL, "invalid filter 'until=%s'", json_string_value(v));
	/* candidates: heads (no children) when only dangling ones go, else every image */
	if ((r = store_prepare(env.st, &s, "SELECT id, image_created FROM images i WHERE driver=?1 AND "
			       "(?2 = 0 OR NOT EXISTS (SELECT 1 FROM images c WHERE c.driver=?1 AND c.parent=i.id)) "
			       "ORDER BY image_created, id", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, dangling_only);
	ids = json_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		json_t *config = NULL, *cl, *refs;
		if (json_array_size(until) && sqlite3_column_int64(s, 1) > until_ns)
			continue;
		refs = all_refs(&env, id);
		if (!json_array_size(refs) && has_children(&env, id)) {
			json_decref(refs);
			continue;
		}
		json_decref(refs);
		if (image_config(ctx, id, &config, &(berr_t){ 0 }) == 0 && json_object_get(config, "config")) {
			cl = json_object_get(json_object_get(config, "config"), "Labels");
			int ok = match_labels(labels, cl);
			if (json_array_size(nlabels) && match_labels(nlabels, cl))
				ok = 0;
			json_decref(config);
			if (!ok)
				continue;
		} else {
			json_decref(config);
		}
		json_array_append_new(ids, json_string(id));
	}
	sqlite3_finalize(s);

	deleted = json_array();
	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);
		json_t *refs = all_refs(&env, id), *tags = image_refs(&env, "tags", id), *rv;
		size_t k;
		berr_t ignore = { 0 };

		if (json_array_size(refs)) {
			if (!dangling_only || !json_array_size(tags)) {
				json_array_foreach(refs, k, rv) {
					json_t *recs = json_array();
					if (remove_image(ctx, &env, json_string_value(rv), 0, 0, recs, &reclaimed, &ignore) == 0)
						json_array_extend(deleted, recs);
					json_decref(recs);
				}
			}
		} else {
			json_t *recs = json_array();
			if (remove_image(ctx, &env, id, 0, 0, recs, &reclaimed, &ignore) == 0)
				json_array_extend(deleted, recs);
			json_decref(recs);
		}
		json_decref(refs);
		json_decref(tags);
	}
	json_decref(ids);
	/* what crashed or failed commands left behind goes too */
	if ((r = image_gc(ctx, &reclaimed, err)) < 0) {
		json_decref(deleted);
		return r;
	}
	*out = json_pack("{s:o, s:I}", "ImagesDeleted", deleted, "SpaceReclaimed", (json_int_t)reclaimed);
	return 0;
}

int image_counts(struct berth_ctx *ctx, int64_t *current, json_t **others, berr_t *err)
{
	struct image_env env;
	sqlite3_stmt *s;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if ((r = store_prepare(env.st, &s, "SELECT driver, count(*) FROM images GROUP BY driver ORDER BY driver", err)) < 0)
		return r;
	*current = 0;
	*others = json_object();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(s, 0);
		if (!strcmp(d, env.driver))
			*current = sqlite3_column_int64(s, 1);
		else
			json_object_set_new(*others, d, json_integer(sqlite3_column_int64(s, 1)));
	}
	sqlite3_finalize(s);
	return 0;
}
