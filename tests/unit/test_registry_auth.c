/* Registry auth pieces that need no network: WWW-Authenticate parsing and the auths files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/client.h"
#include "registry/registry.h"
#include "common/util.h"

static void parses_bearer(void **state)
{
	struct reg_challenge ch;

	(void)state;
	assert_int_equal(reg_parse_challenge("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"", &ch), 0);
	assert_string_equal(ch.scheme, "Bearer");
	assert_string_equal(ch.realm, "https://auth.docker.io/token");
	assert_string_equal(ch.service, "registry.docker.io");
	assert_string_equal(ch.scope, "repository:library/busybox:pull");
}

static void parses_basic_and_case(void **state)
{
	struct reg_challenge ch;

	(void)state;
	assert_int_equal(reg_parse_challenge("basic Realm=\"Registry Realm\"", &ch), 0);
	assert_string_equal(ch.scheme, "Basic");
	assert_string_equal(ch.realm, "Registry Realm");
	assert_string_equal(ch.service, "");
}

static void parses_unquoted_escapes_and_error(void **state)
{
	struct reg_challenge ch;

	(void)state;
	assert_int_equal(reg_parse_challenge("Bearer realm=https://h/t, service=h ,scope=\"repository:a:pull,push\", error=\"insufficient_scope\"", &ch), 0);
	assert_string_equal(ch.realm, "https://h/t");
	assert_string_equal(ch.service, "h");
	assert_string_equal(ch.scope, "repository:a:pull,push");
	assert_string_equal(ch.error, "insufficient_scope");
	assert_int_equal(reg_parse_challenge("Bearer realm=\"a\\\"b\"", &ch), 0);
	assert_string_equal(ch.realm, "a\"b");
	assert_int_equal(reg_parse_challenge("", &ch), -EINVAL);
}

static void auth_keys(void **state)
{
	char k[300];

	(void)state;
	registry_auth_key("", k, sizeof(k));
	assert_string_equal(k, "https://index.docker.io/v1/");
	registry_auth_key("docker.io", k, sizeof(k));
	assert_string_equal(k, "https://index.docker.io/v1/");
	registry_auth_key("https://127.0.0.1:5000/v2/", k, sizeof(k));
	assert_string_equal(k, "127.0.0.1:5000");
}

static void credentials_round_trip(void **state)
{
	char dir[] = "/tmp/berth-test-creds-XXXXXX";
	char *user = NULL, *pass = NULL, *path, *text = NULL;
	berr_t err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("BERTH_CONFIG_DIR", dir, 1);
	setenv("DOCKER_CONFIG", dir, 1);      /* no fallback to a real ~/.docker */
	assert_int_equal(reg_credentials("127.0.0.1:5000", &user, &pass), -ENOENT);
	assert_int_equal(reg_store_credentials("127.0.0.1:5000", "alice", "s3:cr=t", &err), 0);
	path = reg_user_config_path();
	assert_int_equal(read_file(path, &text, NULL, &err), 0);
	assert_non_null(strstr(text, "\"auths\""));
	assert_non_null(strstr(text, "YWxpY2U6czM6Y3I9dA=="));  /* base64("alice:s3:cr=t") */
	assert_int_equal(reg_credentials("https://127.0.0.1:5000", &user, &pass), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "s3:cr=t");
	free(user);
	free(pass);
	assert_int_equal(reg_erase_credentials("127.0.0.1:5000", &err), 1);
	assert_int_equal(reg_erase_credentials("127.0.0.1:5000", &err), 0);
	assert_int_equal(reg_credentials("127.0.0.1:5000", &user, &pass), -ENOENT);
	unlink(path);
	rmdir(dir);
	free(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_bearer),
		cmocka_unit_test(parses_basic_and_case),
		cmocka_unit_test(parses_unquoted_escapes_and_error),
		cmocka_unit_test(auth_keys),
		cmocka_unit_test(credentials_round_trip),
	};
	return cmocka_run_group_tests_name("registry_auth", tests, NULL, NULL);
}
