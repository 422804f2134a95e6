/* docker commit: a container's changes (its rw layer, without the runtime's mount points) become
 * a new layer on top of its image, with the container's Config (and any Dockerfile changes) as
 * the image's config, as moby's daemon/commit.go and image.NewChildImage make it. */
#include "image/image.h"
#include "store/store.h"
#include "image/internal.h"
#include "image/reference.h"
#include "archive/archive.h"
#include "archive/tar.h"
#include "container/changes.h"
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct keep_arg {
	const struct fs_change *kept;
	size_t n;
};

static int keep_entry(void *arg, const char *path)
{
	struct keep_arg *k = arg;
	return !container_change_hidden(path, k->kept, k->n);
}

/* The ChainID of an image's layers (its rootfs.diff_ids), "" for none. */
static void top_chain(json_t *img, char chain[DIGEST_LEN + 1])
{
	json_t *d;
	size_t i;

	chain[0] = 0;
	json_array_foreach(json_object_get(json_object_get(img, "rootfs"), "diff_ids"), i, d)
		if (json_is_string(d))
			image_chain_id(chain, json_string_value(d), chain);
}

/* Freeze (or thaw) the container as `pause` does, recording the state so that a commit that
 * dies half-way leaves a container `unpause` can thaw. */
static int set_frozen(struct berth_ctx *ctx, struct container *c, int freeze, berr_t *err)
{
	_cleanup_free_ char *cg = container_cgroup(ctx, c);
	int r;

	if ((r = cgroup_freeze(cg, freeze, err)) < 0)
		return berr_wrap(err, "%s container %s", freeze ? "pause" : "unpause", c->id);
	return container_set_state(ctx, c->id, freeze ? "paused" : "running", err);
}

/* The diff of c's rw layer, filtered, as a new layer on parent_chain. */
static int commit_layer(struct berth_ctx *ctx, struct container *c, const char *parent_chain,
			const struct fs_change *kept, size_t nkept, char chain[DIGEST_LEN + 1],
			char diff_id[DIGEST_LEN + 1], berr_t *err)
{
	const struct berth_storage_ops *ops;
	struct store *st;
	char parent[IMAGE_INIT_ID_LEN];
	struct keep_arg ka = { kept, nkept };
	struct tar_filter *f;
	struct layer_source src;
	_cleanup_close_ int fd = -1;
	int64_t n;
	int r;

	if ((r = ctx_storage(ctx, &ops, NULL, err)) < 0 || (r = ctx_store(ctx, &st, err)) < 0)
		return r;
	if ((r = container_rw_parent(ctx, c, parent, err)) < 0)
		return r;
	/* an unnamed file: nothing is left behind, whatever happens */
	if ((fd = open(st->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		return berr_sys(err, errno, "temporary file in %s", st->tmp_dir);
	if ((n = ops->diff(c->rw_layer, parent[0] ? parent : NULL, fd, NULL, NULL, err)) < 0)
		return berr_wrap(err, "diff of container %s", c->id);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berr_sys(err, errno, "seek");
	f = tar_filter_new(fd, keep_entry, &ka);
	src = (struct layer_source){ .read = tar_filter_read, .arg = f };
	r = image_layer_apply_source(ctx, parent_chain[0] ? parent_chain : NULL, &src, NULL, chain, diff_id, err);
	tar_filter_free(f);
	return r;
}

/* image.NewHistory: created, author, created_by, comment, empty_layer (omitempty each). */
static json_t *history_entry(const char *created, const char *author, const char *created_by,
			     const char *comment, int empty)
{
	json_t *h = json_object();

	json_object_set_new(h, "created", json_string(created));
	if (author && *author)
		json_object_set_new(h, "author", json_string(author));
	if (created_by && *created_by)
		json_object_set_new(h, "created_by", json_string(created_by));
	if (comment && *comment)
		json_object_set_new(h, "comment", json_string(comment));
	if (empty)
		json_object_set_new(h, "empty_layer", json_true());
	return h;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Docker marshals an image config through a map: top-level keys sorted, nested ones not. */
static json_t *sorted_top(json_t *o)
{
	const char *keys[64], *k;
	size_t n = 0;
	json_t *v, *out = json_object();

	json_object_foreach(o, k, v)
		if (n < 64)
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	return out;
}

/* Cmd joined by spaces: what the history's created_by says (image.NewChildImage). */
static char *joined_cmd(json_t *config)
{
	struct tbuf b = { 0 };
	json_t *a;
	size_t i;
	char *s;

	json_array_foreach(json_object_get(config, "Cmd"), i, a) {
		if (i)
			tbuf_append(&b, " ", 1);
		if (json_is_string(a))
			tbuf_append(&b, json_string_value(a), json_string_length(a));
	}
	tbuf_append(&b, "", 1);
	s = xstrdup((char *)b.p);
	tbuf_free(&b);
	return s;
}

/* The image config: the parent's, with the new layer (the message goes into the history only,
 * as Docker's), the container's Config (changes applied)
 * and a history entry. */
static json_t *child_config(json_t *img, const struct container *c, json_t *config,
			    const struct image_commit_opts *o, const char *diff_id, const char *created)
{
	json_t *cc = json_object_get(c->doc, "Config"), *t = json_object(), *rootfs, *hist, *out;
	_cleanup_free_ char *created_by = joined_cmd(cc);
	static const char *const KEEP[] = { "architecture", "os", "variant", "os.version", "os.features" };

	for (size_t i = 0; i < sizeof(KEEP) / sizeof(*KEEP); i++)
		if (json_object_get(img, KEEP[i]))
			json_object_set(t, KEEP[i], json_object_get(img, KEEP[i]));
	if (!json_object_get(t, "architecture"))
		json_object_set_new(t, "architecture", json_string(image_go_arch()));
	if (!json_object_get(t, "os"))
		json_object_set_new(t, "os", json_string("linux"));
	if (o->author && *o->author)
		json_object_set_new(t, "author", json_string(o->author));
	json_object_set_new(t, "config", image_container_config(config));
	json_object_set_new(t, "container", json_string(c->id));
	json_object_set_new(t, "container_config", image_container_config(cc));
	json_object_set_new(t, "created", json_string(created));
	hist = json_array();
	if (json_is_array(json_object_get(img, "history")))
		json_array_extend(hist, json_object_get(img, "history"));
	json_array_append_new(hist, history_entry(created, o->author, created_by, o->message, !diff_id));
	json_object_set_new(t, "history", hist);
	rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids");
	json_array_extend(json_object_get(rootfs, "diff_ids"),
			  json_object_get(json_object_get(img, "rootfs"), "diff_ids"));
	if (diff_id)
		json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(diff_id));
	json_object_set_new(t, "rootfs", rootfs);
	out = sorted_top(t);
	json_decref(t);
	return out;
}

int image_commit(struct berth_ctx *ctx, struct container *c, const struct image_commit_opts *o,
		 char id[DIGEST_LEN + 1], berr_t *err)
{
	char canonical[1024] = "", parent_chain[DIGEST_LEN + 1], chain[DIGEST_LEN + 1] = "";
	char diff_id[DIGEST_LEN + 1], created[64];
	_cleanup_close_ int hold = -1;
	_cleanup_free_ char *bytes = NULL;
	json_t *img = NULL, *config = NULL, *out;
	struct fs_change *kept = NULL;
	size_t nkept = 0;
	int r, frozen = 0, layered = 0;
	berr_t ignore = { 0 };

	if (o->ref && *o->ref) {
		struct image_ref parsed;
		if ((r = ref_parse(o->ref, 1, &parsed, err)) < 0)
			return r;
		if (parsed.digest[0])
			return berr_set(err, EINVAL, "refusing to create a tag with a digest reference");
		ref_canonical(&parsed, canonical, sizeof(canonical));
	}
	if (!c->image_id || !*c->image_id || !c->rw_layer || !*c->rw_layer)
		return berr_set(err, EINVAL, "container %s has no image to commit onto (--rootfs)", c->id);
	/* the changes first: a bad one makes nothing */
	config = json_deep_copy(json_object_get(c->doc, "Config"));
	if (!json_is_object(config)) {
		json_decref(config);
		config = json_object();
	}
	if (o->changes && (r = image_apply_changes(config, o->changes, err)) < 0)
		goto out;
	if (!json_is_object(json_object_get(config, "Labels")))   /* daemon/commit.go merge() */
		json_object_set_new(config, "Labels", json_object());
	if ((r = image_config(ctx, c->image_id, &img, err)) < 0)
		goto out;
	top_chain(img, parent_chain);
	if ((hold = image_store_hold(ctx, err)) < 0) {
		r = hold;
		goto out;
	}
	if (o->pause && !strcmp(c->state, "running")) {
		if ((r = set_frozen(ctx, c, 1, err)) < 0)
			goto out;
		frozen = 1;
	}
	if ((r = container_changes(ctx, c, &kept, &nkept, err)) < 0)
		goto out;
	/* no change at all is an empty layer: a history entry only, as Docker's */
	if (nkept) {
		if ((r = commit_layer(ctx, c, parent_chain, kept, nkept, chain, diff_id, err)) < 0)
			goto out;
		layered = 1;
	}
	if (frozen) {
		frozen = 0;
		if ((r = set_frozen(ctx, c, 0, err)) < 0)
			goto out;
	}
	format_rfc3339nano(now_ns(), created, sizeof(created));
	out = child_config(img, c, config, o, nkept ? diff_id : NULL, created);
	bytes = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(out);
	if ((r = image_add_config(ctx, bytes, strlen(bytes), id, err)) < 0 ||
	    (r = image_set_parent(ctx, id, c->image_id, err)) < 0)
		goto out;
	if (canonical[0] && (r = image_tag(ctx, id, canonical, err)) < 0)
		goto out;
out:
	if (frozen)
		set_frozen(ctx, c, 0, &ignore);
	if (r < 0 && layered) {
		const char *chains[] = { chain };
		close(hold);
		hold = -1;
		image_layers_rollback(ctx, chains, 1);
	}
	fs_changes_free(kept, nkept);
	json_decref(config);
	json_decref(img);
	return r;
}
