/* Image references: Docker's normalisation (ParseNormalizedNamed), the distribution/reference
 * grammar, familiar forms, and Docker's error texts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "image/reference.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct good {
	const char *in;
	const char *canonical;       /* with default tag */
	const char *familiar;
	const char *domain, *path, *tag, *digest;
};

static const struct good GOOD[] = {
	{ "busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", "" },
	{ "busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "docker.io", "library/busybox", "1.36", "" },
	{ "docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", "" },
	{ "index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", "" },
	{ "library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", "" },
	{ "docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", "" },
	{ "user/repo:v1", "docker.io/user/repo:v1", "user/repo:v1", "docker.io", "user/repo", "v1", "" },
	{ "docker.io/library/foo/bar", "docker.io/library/foo/bar:latest", "library/foo/bar:latest", "docker.io", "library/foo/bar", "latest", "" },
	{ "a/b/c/d", "docker.io/a/b/c/d:latest", "a/b/c/d:latest", "docker.io", "a/b/c/d", "latest", "" },
	{ "localhost/foo", "localhost/foo:latest", "localhost/foo:latest", "localhost", "foo", "latest", "" },
	{ "localhost:5000/foo/bar:tag", "localhost:5000/foo/bar:tag", "localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", "tag", "" },
	{ "foo.com:8080/bar", "foo.com:8080/bar:latest", "foo.com:8080/bar:latest", "foo.com:8080", "bar", "latest", "" },
	{ "FOO.com/bar", "FOO.com/bar:latest", "FOO.com/bar:latest", "FOO.com", "bar", "latest", "" },
	{ "127.0.0.1:5000/team/app@sha256:" HEX64, "127.0.0.1:5000/team/app@sha256:" HEX64,
	  "127.0.0.1:5000/team/app@sha256:" HEX64, "127.0.0.1:5000", "team/app", "", "sha256:" HEX64 },
	{ "busybox:1@sha256:" HEX64, "docker.io/library/busybox:1@sha256:" HEX64, "busybox:1@sha256:" HEX64,
	  "docker.io", "library/busybox", "1", "sha256:" HEX64 },
	{ "localhost:5000", "docker.io/library/localhost:5000", "localhost:5000", "docker.io", "library/localhost", "5000", "" },
	{ "sha256:abc", "docker.io/library/sha256:abc", "sha256:abc", "docker.io", "library/sha256", "abc", "" },
	{ "foo_bar", "docker.io/library/foo_bar:latest", "foo_bar:latest", "docker.io", "library/foo_bar", "latest", "" },
	{ "foo__bar", "docker.io/library/foo__bar:latest", "foo__bar:latest", "docker.io", "library/foo__bar", "latest", "" },
	{ "foo---bar.baz", "docker.io/library/foo---bar.baz:latest", "foo---bar.baz:latest", "docker.io", "library/foo---bar.baz", "latest", "" },
	{ "foo:Tag_1.0-x", "docker.io/library/foo:Tag_1.0-x", "foo:Tag_1.0-x", "docker.io", "library/foo", "Tag_1.0-x", "" },
	{ "xn--bcher-kva.example/a-b", "xn--bcher-kva.example/a-b:latest", "xn--bcher-kva.example/a-b:latest", "xn--bcher-kva.example", "a-b", "latest", "" },
};

static void normalises_like_docker(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(GOOD) / sizeof(GOOD[0]); i++) {
		struct image_ref r;
		berr_t err = { 0 };
		char buf[1024];

		if (ref_parse(GOOD[i].in, 1, &r, &err) != 0)
			fail_msg("%s: %s", GOOD[i].in, err.msg);
		assert_string_equal(r.domain, GOOD[i].domain);
		assert_string_equal(r.path, GOOD[i].path);
		assert_string_equal(r.tag, GOOD[i].tag);
		assert_string_equal(r.digest, GOOD[i].digest);
		ref_canonical(&r, buf, sizeof(buf));
		assert_string_equal(buf, GOOD[i].canonical);
		ref_familiar(&r, buf, sizeof(buf));
		assert_string_equal(buf, GOOD[i].familiar);
		/* the canonical form parses back to itself */
		ref_canonical(&r, buf, sizeof(buf));
		{
			struct image_ref again;
			char buf2[1024];
			assert_int_equal(ref_parse(buf, 1, &again, &err), 0);
			ref_canonical(&again, buf2, sizeof(buf2));
			assert_string_equal(buf, buf2);
		}
	}
}

static void no_default_tag(void **state)
{
	struct image_ref r;
	berr_t err = { 0 };

	(void)state;
	assert_int_equal(ref_parse("busybox", 0, &r, &err), 0);
	assert_string_equal(r.tag, "");
	assert_int_equal(ref_parse("busybox@sha256:" HEX64, 1, &r, &err), 0);
	assert_string_equal(r.tag, "");   /* a digest needs no tag */
}

struct bad {
	const char *in;
	const char *msg;
};

static const struct bad BAD[] = {
	{ "Foo", "invalid reference format: repository name must be lowercase" },
	{ "foo/Bar", "invalid reference format: repository name must be lowercase" },
	{ "docker.io/Foo:tag", "invalid reference format: repository name must be lowercase" },
	{ "bar:", "invalid reference format" },
	{ "", "invalid reference format" },
	{ "a:b:c", "invalid reference format" },
	{ ":tag", "invalid reference format" },
	{ "foo___bar", "invalid reference format" },
	{ "-foo", "invalid reference format" },
	{ "foo-", "invalid reference format" },
	{ "foo_", "invalid reference format" },
	{ "foo//bar", "invalid reference format" },
	{ "foo/", "invalid reference format" },
	{ "foo:-tag", "invalid reference format" },
	{ "foo bar", "invalid reference format" },
	{ "foo@sha256:abc", "invalid reference format" },
	{ "foo@sha256:0123456789abcdef0123456789abcdef", "invalid checksum digest length" },
	{ "foo@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm" },
	{ "foo@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "invalid checksum digest format" },
	{ "foo@@sha256:" HEX64, "invalid reference format" },
	{ HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings" },
	{ "-host.com/foo", "invalid reference format" },
	{ "host.com:port/foo", "invalid reference format" },
};

static void rejects_like_docker(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		struct image_ref r;
		berr_t err = { 0 };

		if (ref_parse(BAD[i].in, 1, &r, &err) == 0)
			fail_msg("\"%s\" was accepted", BAD[i].in);
		assert_int_equal(err.code, EINVAL);
		assert_string_equal(err.msg, BAD[i].msg);
	}
}

static void tag_length(void **state)
{
	char in[300], tag[200];
	struct image_ref r;
	berr_t err = { 0 };

	(void)state;
	memset(tag, 'a', 128);
	tag[128] = 0;
	snprintf(in, sizeof(in), "foo:%s", tag);
	assert_int_equal(ref_parse(in, 1, &r, &err), 0);
	assert_string_equal(r.tag, tag);
	strcat(in, "a");
	assert_int_not_equal(ref_parse(in, 1, &r, &err), 0);
	assert_string_equal(err.msg, "invalid reference format");
}

static void name_length(void **state)
{
	char in[400];
	struct image_ref r;
	berr_t err = { 0 };

	(void)state;
	/* docker.io/library/ + 237 = 255: fine; one more is too long */
	memset(in, 'a', 237);
	in[237] = 0;
	assert_int_equal(ref_parse(in, 1, &r, &err), 0);
	strcat(in, "a");
	assert_int_not_equal(ref_parse(in, 1, &r, &err), 0);
	assert_string_equal(err.msg, "repository name must not be more than 255 characters");
}

static void familiar_repo(void **state)
{
	char buf[256];

	(void)state;
	ref_familiar_repo("docker.io/library/busybox", buf, sizeof(buf));
	assert_string_equal(buf, "busybox");
	ref_familiar_repo("docker.io/team/app", buf, sizeof(buf));
	assert_string_equal(buf, "team/app");
	ref_familiar_repo("docker.io/library/a/b", buf, sizeof(buf));
	assert_string_equal(buf, "library/a/b");
	ref_familiar_repo("quay.io/library/x", buf, sizeof(buf));
	assert_string_equal(buf, "quay.io/library/x");
}

static void id_helpers(void **state)
{
	(void)state;
	assert_true(ref_is_full_hex_id(HEX64));
	assert_false(ref_is_full_hex_id("sha256:" HEX64));
	assert_false(ref_is_full_hex_id("0123"));
	assert_true(ref_is_id_prefix("0123"));
	assert_true(ref_is_id_prefix("sha256:0123"));
	assert_true(ref_is_id_prefix(HEX64));
	assert_false(ref_is_id_prefix("busybox"));
	assert_false(ref_is_id_prefix(""));
	assert_false(ref_is_id_prefix(HEX64 "0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalises_like_docker),
		cmocka_unit_test(no_default_tag),
		cmocka_unit_test(rejects_like_docker),
		cmocka_unit_test(tag_length),
		cmocka_unit_test(name_length),
		cmocka_unit_test(familiar_repo),
		cmocka_unit_test(id_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
