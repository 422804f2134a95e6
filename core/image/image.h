/* The image store: layers (by ChainID, held by the storage driver, with their tar-split so the
 * exact tar can be re-emitted), configs (blobs, image ID = config digest), and tags.
 * Objects become visible in one transaction after their files are complete.
 * Everything is per storage driver (the configured one), as Docker keeps image/<driver>/. */
#ifndef BERTH_IMAGE_H
#define BERTH_IMAGE_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "ctx.h"
#include "common/digest.h"

/* ---- layers (core/image/layer.c) ---------------------------------------------------------- */

/* Unpack a layer tar (any compression libarchive reads) read from tar_fd on top of the layer
 * chain `parent_chain` (NULL for a base layer). If expect_diff_id is given and differs from the
 * tar's sha256, fail with EBADMSG and leave nothing behind. If the resulting chain already
 * exists, the new copy is discarded and the existing one reused. Outputs ChainID and diff_id. */
int image_layer_apply(struct berth_ctx *ctx, const char *parent_chain, int tar_fd,
		      const char *expect_diff_id, char chain_id[DIGEST_LEN + 1],
		      char diff_id[DIGEST_LEN + 1], berr_t *err);
/* Where image_layer_apply_source reads the (possibly compressed) layer from: read fills buf
 * with up to len bytes and returns their count, 0 at the end, or a negative errno with err set.
 * It may block (a layer still downloading is read as it arrives). */
struct layer_source {
	ssize_t (*read)(void *arg, void *buf, size_t len, berr_t *err);
	void *arg;
};
/* image_layer_apply reading through src instead of a file descriptor. */
int image_layer_apply_source(struct berth_ctx *ctx, const char *parent_chain,
			     const struct layer_source *src, const char *expect_diff_id,
			     char chain_id[DIGEST_LEN + 1], char diff_id[DIGEST_LEN + 1], berr_t *err);
/* 1 if the chain is in the store for the current storage driver. */
int image_layer_exists(struct berth_ctx *ctx, const char *chain_id);
/* Write the layer's original uncompressed tar (byte-identical, sha256 = diff_id) to out_fd. */
int64_t image_layer_tar(struct berth_ctx *ctx, const char *chain_id, int out_fd, berr_t *err);
/* ChainID of a list of diff_ids (image-spec config.md). */
void image_chain_id(const char *parent_chain, const char *diff_id, char out[DIGEST_LEN + 1]);
/* Facts about one layer of the current driver; ENOENT if absent. Any out pointer may be NULL. */
int image_layer_info(struct berth_ctx *ctx, const char *chain_id, char cache_id[65],
		     int64_t *tar_size, int64_t *content_size, berr_t *err);

/* Hold the image store while building an image from layers (load, import, pull, build, commit):
 * the garbage collector never takes layers for orphans while any holder lives. Returns an fd
 * (close it to release) or a negative errno. Holders may nest. */
int image_store_hold(struct berth_ctx *ctx, berr_t *err);
/* Remove what crashed or failed commands left: driver layers without a row, layer rows no image
 * uses, tar-split files without a layer, stale temp files. Skipped (returns 0) while any
 * holder is active, so it never races a command that is creating layers. *removed (may be NULL)
 * gets the number of bytes of layer content reclaimed. */
int image_gc(struct berth_ctx *ctx, int64_t *reclaimed, berr_t *err);
/* Undo the layers a failed command created (chains in the order applied), if no image uses them
 * and no other command is building images right now (else the gc takes them later). */
int image_layers_rollback(struct berth_ctx *ctx, const char *const *chains, size_t n);

/* ---- images (core/image/store.c) --------------------------------------------------------- */

/* Store an image config whose rootfs.diff_ids layers are all present: validates it, stores the
 * blob, creates the image row. Idempotent. Outputs the image ID ("sha256:..."). */
int image_add_config(struct berth_ctx *ctx, const char *config, size_t len,
		     char id[DIGEST_LEN + 1], berr_t *err);
/* Point ref (any user spelling; normalised) at image id, moving it from another image. */
int image_tag(struct berth_ctx *ctx, const char *id, const char *ref, berr_t *err);
/* Like image_tag; prev_id (may be NULL) gets the image the tag pointed at before, or "". */
int image_tag_ex(struct berth_ctx *ctx, const char *id, const char *ref,
		 char prev_id[DIGEST_LEN + 1], berr_t *err);
/* Record the local image id was made from (commit, build): inspect's Parent, history's ids. */
int image_set_parent(struct berth_ctx *ctx, const char *id, const char *parent, berr_t *err);
/* Record a registry manifest digest for an image ("repo@sha256:..."). */
int image_add_repo_digest(struct berth_ctx *ctx, const char *id, const char *repo_at_digest, berr_t *err);
/* Resolve a name (ref, full or short id, sha256:-prefixed id, repo@digest) to an image ID;
 * ENOENT with "No such image: <name>" when absent. */
int image_resolve(struct berth_ctx *ctx, const char *name, char id[DIGEST_LEN + 1], berr_t *err);
/* The config JSON of an image (parsed). */
int image_config(struct berth_ctx *ctx, const char *id, json_t **out, berr_t *err);
/* The driver's id of the image's top layer; "" for an image without layers. init_id (may be
 * NULL) gets the id of that layer's init layer, "" while it has none. */
#define IMAGE_INIT_ID_LEN (64 + 6)
int image_top_layer(struct berth_ctx *ctx, const char *id, char cache_id[65], char init_id[IMAGE_INIT_ID_LEN],
		    berr_t *err);
/* The init layer of the layer cache_id (what containers' rw layers sit on, as Docker's
 * <id>-init): made on first use, on top of it, filled by populate(root) through its mounted
 * view, and removed with it. Its id goes to init_id. */
int image_init_layer(struct berth_ctx *ctx, const char *cache_id, int (*populate)(const char *root, berr_t *err),
		     char init_id[IMAGE_INIT_ID_LEN], berr_t *err);

/* List images as the Engine API's GET /images/json does: an array of {Containers, Created,
 * Id, Labels, ParentId, RepoDigests, RepoTags, SharedSize, Size, VirtualSize}, newest first.
 * filters: object of name -> array of strings (dangling, label, before, since, reference), or
 * NULL. all: include untagged intermediate images. */
int image_list(struct berth_ctx *ctx, int all, json_t *filters, json_t **out, berr_t *err);
/* Docker's `image inspect` object (field names and order as Docker 20.10's API). */
int image_inspect(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err);
/* GET /images/{name}/history: [{Id, Created, CreatedBy, Tags, Size, Comment}], newest first. */
int image_history(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err);
/* DELETE /images/{name}: untag-then-delete with Docker's conflict rules. *out gets an array of
 * {"Untagged": ref} / {"Deleted": id}. no_prune keeps untagged parents. */
int image_remove(struct berth_ctx *ctx, const char *name, int force, int no_prune, json_t **out,
		 berr_t *err);
/* POST /images/prune: dangling images (all = every image no container uses). filters: until,
 * label, label! (and dangling). *out = {"ImagesDeleted": [...], "SpaceReclaimed": n}. */
int image_prune(struct berth_ctx *ctx, int all, json_t *filters, json_t **out, berr_t *err);
/* Counts for `info`: images of the current driver, and {driver: count} for the others. */
int image_counts(struct berth_ctx *ctx, int64_t *current, json_t **others, berr_t *err);

/* ---- archives (core/image/load.c, save.c, import.c) ----------------------------------------- */

/* docker load: a docker-archive (manifest.json) or an OCI layout (index.json), the outer tar
 * possibly compressed. *out = [{"id": ..., "tags": [familiar refs], "replaced": [{"tag","id"}]}]. */
int image_load(struct berth_ctx *ctx, int in_fd, json_t **out, berr_t *err);
/* docker save of several names into out_fd: the Docker 1.2 layout (manifest.json, repositories)
 * and an OCI image layout in one deterministic tar. */
int image_save(struct berth_ctx *ctx, const char *const *names, size_t n, int out_fd, berr_t *err);
/* image_save into a file, atomically (a temp file beside it, renamed when complete). */
int image_save_file(struct berth_ctx *ctx, const char *const *names, size_t n, const char *path,
		    berr_t *err);
/* docker import: a rootfs tar from in_fd (or fetched from url when url is non-NULL) becomes a
 * one-layer image. changes: array of Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE,
 * HEALTHCHECK, LABEL, ONBUILD, USER, VOLUME, WORKDIR) or NULL; message and ref may be NULL.
 * src_name is what the default history comment names ("-" for stdin). */
int image_import(struct berth_ctx *ctx, int in_fd, const char *url, const char *src_name,
		 json_t *changes, const char *message, const char *ref, char id[DIGEST_LEN + 1],
		 berr_t *err);
/* docker commit of container c: its changes (container_changes' filtering) as a new layer on its
 * image (none when nothing changed: an empty_layer history entry), its Config with `changes`
 * (as image_import's) applied, a history entry naming its Cmd. pause freezes a running
 * container meanwhile. author, message, ref, changes may be NULL. Nothing is left in the store
 * when it fails. */
struct container;
struct image_commit_opts {
	const char *author, *message, *ref;
	json_t *changes;
	int pause;
};
int image_commit(struct berth_ctx *ctx, struct container *c, const struct image_commit_opts *o,
		 char id[DIGEST_LEN + 1], berr_t *err);
/* Apply Dockerfile-style change instructions to a container config object (Docker's shape). */
int image_apply_changes(json_t *config, json_t *changes, berr_t *err);

#endif
