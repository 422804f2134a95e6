/* diff_id -> compressed blob per registry repository (table registry_blobs). Internal. */
#ifndef BERTH_REGISTRY_BLOBMAP_H
#define BERTH_REGISTRY_BLOBMAP_H

#include <stdint.h>
#include "ctx.h"

struct blobmap_entry {
	char digest[72];
	int64_t size;
	char registry[256];
	char repository[512];
};

/* Best effort: a failure only costs a later re-upload. */
void blobmap_remember(struct berth_ctx *ctx, const char *diff_id, const char *digest, int64_t size,
		      const char *registry, const char *repository);
/* Up to max entries for diff_id, those of `registry` first; returns the count. */
int blobmap_lookup(struct berth_ctx *ctx, const char *diff_id, const char *registry,
		   struct blobmap_entry *out, int max);

#endif
