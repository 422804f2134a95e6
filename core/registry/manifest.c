/* Manifest and index parsing, platform choice and the schema 2 manifest berth pushes. */
#include "registry/manifest.h"
#include "common/digest.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

static const char *body_media_type(json_t *j, const char *content_type, char *buf, size_t len)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));

	if (!mt && content_type) {
		snprintf(buf, len, "%.*s", (int)strcspn(content_type, "; "), content_type);
		mt = buf;
	}
	return mt ? mt : "";
}

int reg_is_index(const char *body, size_t len, const char *content_type)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	char buf[128];
	const char *mt;
	int r;

	if (!j)
		return 0;
	mt = body_media_type(j, content_type, buf, sizeof(buf));
	r = !strcmp(mt, MT_DOCKER_LIST) || !strcmp(mt, MT_OCI_INDEX) ||
	    (!mt[0] && json_is_array(json_object_get(j, "manifests")));
	json_decref(j);
	return r;
}

static int parse_descriptor(json_t *d, struct reg_descriptor *out, const char *what, berr_t *err)
{
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	const char *dg = json_string_value(json_object_get(d, "digest"));
	json_t *size = json_object_get(d, "size");

	memset(out, 0, sizeof(*out));
	if (!digest_valid(dg))
		return berr_set(err, EPROTO, "manifest %s: invalid or unsupported digest \"%s\"", what, dg ? dg : "");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return berr_set(err, EPROTO, "manifest %s: missing size", what);
	snprintf(out->media_type, sizeof(out->media_type), "%s", mt ? mt : "");
	snprintf(out->digest, sizeof(out->digest), "%s", dg);
	out->size = json_integer_value(size);
	return 0;
}

static int layer_type_ok(const char *mt)
{
	static const char *const ok[] = {
		MT_DOCKER_LAYER,
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		NULL,
	};
	for (int i = 0; ok[i]; i++)
		if (!strcmp(mt, ok[i]))
			return 1;
	return 0;
}

int reg_manifest_parse(const char *body, size_t len, const char *content_type,
		       struct reg_manifest *m, berr_t *err)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je), *layers, *l;
	char buf[128];
	const char *mt;
	size_t i;
	int r;

	memset(m, 0, sizeof(*m));
	if (!j)
		return berr_set(err, EPROTO, "invalid manifest: %s", je.text);
	mt = body_media_type(j, content_type, buf, sizeof(buf));
	if (!strcmp(mt, MT_DOCKER_SCHEMA1) || !strcmp(mt, MT_DOCKER_SCHEMA1_SIGNED) ||
	    json_integer_value(json_object_get(j, "schemaVersion")) == 1) {
		json_decref(j);
		return berr_set(err, ENOTSUP, "schema 1 manifests are not supported; push the image again with a newer client");
	}
	if (mt[0] && strcmp(mt, MT_DOCKER_MANIFEST) && strcmp(mt, MT_OCI_MANIFEST)) {
		r = berr_set(err, ENOTSUP, "unsupported manifest media type \"%s\"", mt);
		json_decref(j);
		return r;
	}
	snprintf(m->media_type, sizeof(m->media_type), "%s", mt[0] ? mt : MT_OCI_MANIFEST);
	if ((r = parse_descriptor(json_object_get(j, "config"), &m->config, "config", err)) < 0) {
		json_decref(j);
		return r;
	}
	layers = json_object_get(j, "layers");
	if (!json_is_array(layers)) {
		json_decref(j);
		return berr_set(err, EPROTO, "invalid manifest: no layers");
	}
	m->nlayers = json_array_size(layers);
	m->layers = xcalloc(m->nlayers ? m->nlayers : 1, sizeof(*m->layers));
	json_array_foreach(layers, i, l) {
		char what[32];
		snprintf(what, sizeof(what), "layer %zu", i + 1);
		if ((r = parse_descriptor(l, &m->layers[i], what, err)) < 0)
			break;
		if (!layer_type_ok(m->layers[i].media_type)) {
			r = berr_set(err, ENOTSUP, "unsupported layer media type \"%s\"", m->layers[i].media_type);
			break;
		}
	}
	json_decref(j);
	if (r < 0)
		reg_manifest_free(m);
	return r;
}

void reg_manifest_free(struct reg_manifest *m)
{
	free(m->layers);
	m->layers = NULL;
	m->nlayers = 0;
}

int reg_index_pick(const char *body, size_t len, const char *platform, char digest[72], berr_t *err)
{
	char os[32] = "linux", arch[32] = "amd64", variant[32] = "";
	json_t *j = json_loadb(body, len, 0, NULL), *list, *e;
	size_t i;
	int found = 0;

	if (platform && *platform)
		sscanf(platform, "%31[^/]/%31[^/]/%31s", os, arch, variant);
	list = json_object_get(j, "manifests");
	json_array_foreach(list, i, e) {
		json_t *p = json_object_get(e, "platform");
		const char *po = json_string_value(json_object_get(p, "os"));
		const char *pa = json_string_value(json_object_get(p, "architecture"));
		const char *pv = json_string_value(json_object_get(p, "variant"));
		const char *dg = json_string_value(json_object_get(e, "digest"));
		if (!po || !pa || strcmp(po, os) || strcmp(pa, arch) || !digest_valid(dg))
			continue;
		if (variant[0] && (!pv || strcmp(pv, variant)))
			continue;
		snprintf(digest, 72, "%s", dg);
		found = 1;
		/* an exact variant match wins; otherwise keep the first entry of this os/arch */
		break;
	}
	json_decref(j);
	if (!found)
		return berr_set(err, ENOENT, "no matching manifest for %s/%s%s%s in the manifest list entries",
				os, arch, variant[0] ? "/" : "", variant);
	return 0;
}

char *reg_manifest_build(const struct reg_descriptor *config, const struct reg_descriptor *layers,
			 size_t nlayers)
{
	json_t *m = json_object(), *ls = json_array();
	char *s;

	json_object_set_new(m, "schemaVersion", json_integer(2));
	json_object_set_new(m, "mediaType", json_string(MT_DOCKER_MANIFEST));
	json_object_set_new(m, "config", json_pack("{s:s,s:I,s:s}", "mediaType", MT_DOCKER_CONFIG,
						   "size", (json_int_t)config->size, "digest", config->digest));
	for (size_t i = 0; i < nlayers; i++)
		json_array_append_new(ls, json_pack("{s:s,s:I,s:s}", "mediaType", MT_DOCKER_LAYER,
						    "size", (json_int_t)layers[i].size, "digest", layers[i].digest));
	json_object_set_new(m, "layers", ls);
	s = json_dumps(m, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
	json_decref(m);
	return s;
}
