/* Volumes of the built-in local driver: a row in the store and <data-root>/volumes/<name>/_data.
 * A volume is in use while a container's Mounts name it. */
#ifndef BERTH_VOLUME_H
#define BERTH_VOLUME_H

#include <jansson.h>
#include "ctx.h"

/* Create (or return the existing) volume; name NULL/"" makes an anonymous one (64 hex).
 * labels/options are JSON objects or NULL. The name is written to name_out (>= 256 bytes). */
int volume_create(struct berth_ctx *ctx, const char *name, json_t *labels, json_t *options,
		  int anonymous, char *name_out, berr_t *err);
/* Docker's `volume inspect` object; ENOENT "get NAME: no such volume". */
int volume_inspect(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err);
/* All volumes as inspect objects (array), by name. */
int volume_list(struct berth_ctx *ctx, json_t **out, berr_t *err);
/* Names of containers using the volume (array). */
json_t *volume_users(struct berth_ctx *ctx, const char *name);
/* Remove; EBUSY with Docker's message when in use (force removes the row and data anyway
 * only when no container uses it — Docker's -f just ignores "no such volume"). */
int volume_remove(struct berth_ctx *ctx, const char *name, int force, berr_t *err);

/* Remove the anonymous volumes among a container's Mounts (--rm, rm -v); best effort. */
void volume_remove_anonymous(struct berth_ctx *ctx, json_t *mounts);

#endif
