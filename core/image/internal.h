/* Pieces shared by the files of core/image/ (not part of the image API). */
#ifndef BERTH_IMAGE_INTERNAL_H
#define BERTH_IMAGE_INTERNAL_H

#include <stdint.h>
#include <jansson.h>
#include <berth/storage.h>
#include "ctx.h"
#include "common/digest.h"

/* The store and the current storage driver, opened together. */
struct image_env {
	struct store *st;
	const struct berth_storage_ops *ops;
	const char *driver;
};
int image_env_open(struct berth_ctx *ctx, struct image_env *env, berr_t *err);

/* <data-root>/layerdb (created) and the paths inside it (malloc'd). */
char *layerdb_dir(struct berth_ctx *ctx, berr_t *err);
char *layerdb_tarsplit_path(struct berth_ctx *ctx, const char *chain_id);

/* The gc lock: shared while building, exclusive for the gc. Returns an fd or -errno. */
int layerdb_lock(struct berth_ctx *ctx, int exclusive, int wait, berr_t *err);

/* Delete layer `chain` and then its parents while nothing uses them (no image has it on top, no
 * child layer). Appends {"Deleted": chain} for each to records (may be NULL) and adds their
 * content size to *reclaimed (may be NULL). Needs the exclusive gc lock held. */
int layer_release_chain(struct berth_ctx *ctx, struct image_env *env, const char *chain,
			json_t *records, int64_t *reclaimed, berr_t *err);

/* Docker's container.Config shape (field order, defaults, omitempty) from any config object
 * (NULL gives all defaults). New reference. */
json_t *image_container_config(json_t *cfg);
/* RFC3339Nano of the config's "created" (Docker re-formats it), or Go's zero time. */
void image_created_string(json_t *config, char *buf, size_t len);
/* Config "created" in ns, 0 if absent or unparsable. */
int64_t image_created_ns(json_t *config);

/* GOARCH of this machine, the architecture of images berth makes. */
const char *image_go_arch(void);

/* Lowercase hex of a digest (after "sha256:"). */
static inline const char *digest_hex(const char *d)
{
	return d + 7;
}

/* Open path under the directory root_fd without leaving it (symlinks resolved inside root). */
int open_in_root(int root_fd, const char *path, int flags);

#endif
