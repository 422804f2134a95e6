/* Image references with Docker's normalisation: `busybox` -> docker.io/library/busybox:latest,
 * `host:port/repo:tag`, `name@sha256:...`. A first path component with '.' or ':' or equal to
 * `localhost` is a registry host. The grammar is distribution/reference's (Docker 20.10). */
#ifndef BERTH_REFERENCE_H
#define BERTH_REFERENCE_H

#include <stddef.h>
#include "common/err.h"

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_NAME_MAX 255             /* domain + "/" + path */

struct image_ref {
	char domain[256];            /* "docker.io", "127.0.0.1:5000" */
	char path[512];              /* "library/busybox", "team/app" */
	char tag[129];               /* "" when only a digest was given; "latest" added by default */
	char digest[72];             /* "" or "sha256:..." */
};

/* Parse and normalise; default_tag adds "latest" when neither tag nor digest is given.
 * Errors read like Docker's: `invalid reference format`, `invalid reference format: repository
 * name must be lowercase`. */
int ref_parse(const char *s, int default_tag, struct image_ref *out, berr_t *err);
/* "docker.io/library/busybox" (full repository name) into buf. */
void ref_repo(const struct image_ref *r, char *buf, size_t len);
/* "docker.io/library/busybox:latest" or ".../x@sha256:..." (canonical form stored in the db). */
void ref_canonical(const struct image_ref *r, char *buf, size_t len);
/* Docker's familiar form of a canonical repository: drops "docker.io/" and "library/". */
void ref_familiar_repo(const char *repo, char *buf, size_t len);
/* Docker's familiar form of a whole reference: "busybox:latest", "team/app@sha256:...". */
void ref_familiar(const struct image_ref *r, char *buf, size_t len);

/* 1 if s is 64 lowercase hex characters (a full image ID without "sha256:"). */
int ref_is_full_hex_id(const char *s);
/* 1 if s could be an ID prefix ("sha256:" optional, then 1..64 lowercase hex). */
int ref_is_id_prefix(const char *s);

#endif
