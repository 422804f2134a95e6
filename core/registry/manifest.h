/* Manifests and indexes of both flavours (Docker schema 2 / manifest list, OCI manifest / index):
 * parse, pick a platform, build the manifest berth pushes. Internal to core/registry. */
#ifndef BERTH_REGISTRY_MANIFEST_H
#define BERTH_REGISTRY_MANIFEST_H

#include <stdint.h>
#include <stddef.h>
#include "common/err.h"

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
/* The Accept header for manifest requests: every type we handle. */
#define MANIFEST_ACCEPT "Accept: " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_OCI_INDEX

struct reg_descriptor {
	char media_type[128];
	char digest[72];
	int64_t size;
};

struct reg_manifest {
	char media_type[128];
	struct reg_descriptor config;
	struct reg_descriptor *layers;
	size_t nlayers;
};

/* 1 if the body (or Content-Type when the body has no mediaType) is an index/manifest list. */
int reg_is_index(const char *body, size_t len, const char *content_type);
/* Parse an image manifest; refuses schema 1, unknown layer types and foreign layers. */
int reg_manifest_parse(const char *body, size_t len, const char *content_type,
		       struct reg_manifest *m, berr_t *err);
void reg_manifest_free(struct reg_manifest *m);
/* From an index, the digest of the manifest for platform "os/arch[/variant]" (NULL = linux/amd64). */
int reg_index_pick(const char *body, size_t len, const char *platform, char digest[72], berr_t *err);
/* A Docker schema 2 manifest (Docker's 3-space indentation); malloc'd. */
char *reg_manifest_build(const struct reg_descriptor *config, const struct reg_descriptor *layers,
			 size_t nlayers);

#endif
