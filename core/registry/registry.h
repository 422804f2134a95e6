/* The registry client's public face: pull, push, login/logout, catalog, tags and search against
 * a Docker registry HTTP API v2 (or OCI distribution) server. Progress is reported through a
 * callback with Docker's per-layer wording so the CLI can render it like docker's jsonmessage. */
#ifndef BERTH_REGISTRY_H
#define BERTH_REGISTRY_H

#include <stdint.h>
#include <jansson.h>
#include "ctx.h"
#include "common/digest.h"

/* One progress event. id is the 12-char short digest of a layer, or NULL for a whole-operation
 * message ("latest: Pulling from library/busybox", "Digest: ...", "Status: ..."). total <= 0
 * means no progress bar. */
struct reg_progress {
	const char *id;
	const char *status;
	int64_t current, total;
};
typedef void (*reg_progress_fn)(void *arg, const struct reg_progress *ev);

struct reg_pull_opts {
	const char *platform;        /* "os/arch[/variant]", NULL = linux/amd64 */
	int all_tags;                /* pull every tag of the repository */
	reg_progress_fn progress;
	void *arg;
};

/* Pull ref (any user spelling). On success id holds the image ID of the (last) image pulled and
 * `canonical` (if non-NULL, >= 800 bytes) the canonical reference Docker prints at the end. */
int registry_pull(struct berth_ctx *ctx, const char *ref, const struct reg_pull_opts *o,
		  char id[DIGEST_LEN + 1], char *canonical, berr_t *err);

struct reg_push_opts {
	int all_tags;
	reg_progress_fn progress;
	void *arg;
};
/* Push ref's layers, config and manifest. digest receives the manifest digest (last tag). */
int registry_push(struct berth_ctx *ctx, const char *ref, const struct reg_push_opts *o,
		  char digest[DIGEST_LEN + 1], berr_t *err);

/* Validate user/pass against server's /v2/ and store them in the user's auths file. */
int registry_login(struct berth_ctx *ctx, const char *server, const char *user, const char *pass,
		   berr_t *err);
/* Remove server's credentials; returns 1 if there were some, 0 if not. */
int registry_logout(struct berth_ctx *ctx, const char *server, berr_t *err);
/* The key a server's credentials live under ("https://index.docker.io/v1/" for Docker Hub). */
void registry_auth_key(const char *server, char *buf, size_t len);

/* Repository names of server's _catalog (all pages) as a JSON array. */
int registry_catalog(struct berth_ctx *ctx, const char *server, json_t **out, berr_t *err);
/* Tags of a repository (ref without tag) as a JSON array. */
int registry_tags(struct berth_ctx *ctx, const char *ref, json_t **out, berr_t *err);
/* Search: Docker Hub's v1 search for docker.io, else a filter of the registry's _catalog.
 * Result: array of {name, description, star_count, is_official, is_automated}. */
int registry_search(struct berth_ctx *ctx, const char *term, int limit, json_t **out, berr_t *err);

#endif
