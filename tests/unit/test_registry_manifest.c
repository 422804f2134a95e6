/* Manifest and index parsing, platform choice, the manifest berth pushes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "registry/manifest.h"
#include "common/digest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char DOCKER_V2[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
	"\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"size\":7023,\"digest\":\"" D1 "\"},"
	"\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER "\",\"size\":32654,\"digest\":\"" D2 "\"},"
	"{\"mediaType\":\"" MT_DOCKER_LAYER "\",\"size\":16724,\"digest\":\"" D3 "\"}]}";

static const char OCI_NO_MT[] =
	"{\"schemaVersion\":2,"
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":10,\"digest\":\"" D1 "\"},"
	"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"size\":5,\"digest\":\"" D2 "\"}]}";

static const char INDEX[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"" D1 "\",\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"" D2 "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"" D3 "\",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}";

static void parses_docker_v2(void **state)
{
	struct reg_manifest m;
	berr_t err;

	(void)state;
	assert_false(reg_is_index(DOCKER_V2, strlen(DOCKER_V2), NULL));
	assert_int_equal(reg_manifest_parse(DOCKER_V2, strlen(DOCKER_V2), NULL, &m, &err), 0);
	assert_string_equal(m.media_type, MT_DOCKER_MANIFEST);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.config.size, 7023);
	assert_int_equal(m.nlayers, 2);
	assert_string_equal(m.layers[1].digest, D3);
	assert_int_equal(m.layers[0].size, 32654);
	reg_manifest_free(&m);
}

static void parses_oci_by_content_type(void **state)
{
	struct reg_manifest m;
	berr_t err;

	(void)state;
	assert_int_equal(reg_manifest_parse(OCI_NO_MT, strlen(OCI_NO_MT), MT_OCI_MANIFEST "; charset=utf-8", &m, &err), 0);
	assert_string_equal(m.media_type, MT_OCI_MANIFEST);
	assert_int_equal(m.nlayers, 1);
	reg_manifest_free(&m);
}

static void refuses_bad_manifests(void **state)
{
	struct reg_manifest m;
	berr_t err;
	const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}";
	const char *bad_digest = "{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"md5:abc\"},\"layers\":[]}";
	const char *bad_layer = "{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"" D1 "\"},"
		"\"layers\":[{\"mediaType\":\"text/plain\",\"size\":1,\"digest\":\"" D2 "\"}]}";

	(void)state;
	assert_int_equal(reg_manifest_parse(s1, strlen(s1), NULL, &m, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "schema 1"));
	assert_int_equal(reg_manifest_parse(bad_digest, strlen(bad_digest), NULL, &m, &err), -EPROTO);
	assert_int_equal(reg_manifest_parse(bad_layer, strlen(bad_layer), NULL, &m, &err), -ENOTSUP);
	assert_int_equal(reg_manifest_parse("{", 1, NULL, &m, &err), -EPROTO);
}

static void picks_platform(void **state)
{
	char d[72];
	berr_t err;

	(void)state;
	assert_true(reg_is_index(INDEX, strlen(INDEX), NULL));
	assert_int_equal(reg_index_pick(INDEX, strlen(INDEX), NULL, d, &err), 0);
	assert_string_equal(d, D2);
	assert_int_equal(reg_index_pick(INDEX, strlen(INDEX), "linux/arm64", d, &err), 0);
	assert_string_equal(d, D3);
	assert_int_equal(reg_index_pick(INDEX, strlen(INDEX), "linux/arm/v7", d, &err), 0);
	assert_string_equal(d, D1);
	assert_int_equal(reg_index_pick(INDEX, strlen(INDEX), "linux/arm/v6", d, &err), -ENOENT);
	assert_string_equal(err.msg, "no matching manifest for linux/arm/v6 in the manifest list entries");
}

static void builds_schema2(void **state)
{
	struct reg_descriptor cfg = { "", D1, 100 }, layers[1] = { { "", D2, 200 } };
	char *s = reg_manifest_build(&cfg, layers, 1);
	struct reg_manifest m;
	berr_t err;

	(void)state;
	assert_non_null(strstr(s, "\n   \"schemaVersion\": 2"));
	assert_int_equal(reg_manifest_parse(s, strlen(s), NULL, &m, &err), 0);
	assert_string_equal(m.media_type, MT_DOCKER_MANIFEST);
	assert_string_equal(m.layers[0].media_type, MT_DOCKER_LAYER);
	assert_int_equal(m.layers[0].size, 200);
	reg_manifest_free(&m);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_docker_v2),
		cmocka_unit_test(parses_oci_by_content_type),
		cmocka_unit_test(refuses_bad_manifests),
		cmocka_unit_test(picks_platform),
		cmocka_unit_test(builds_schema2),
	};
	return cmocka_run_group_tests_name("registry_manifest", tests, NULL, NULL);
}
