/* The plugins' key/value store as the host table offers it (core/plugin/host_store.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "plugin/host_services.h"
#include "plugin/loader.h"
#include "common/util.h"

static void kv_set_get_del(void **state)
{
	char *dir = xstrdup("/tmp/berth-test-host-store-XXXXXX"), *conf;
	struct berth_ctx ctx;
	berr_t err = { 0 };
	char *v;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	conf = xasprintf("%s/daemon.json", dir);
	fp = fopen(conf, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"data-root\": \"%s/root\", \"exec-root\": \"%s/exec\"}\n", dir, dir);
	fclose(fp);
	assert_int_equal(ctx_init(&ctx, conf, NULL, NULL, &err), 0);
	plugin_host(&ctx);

	assert_null(host_kv_get("drv", "k"));
	assert_int_equal(host_kv_set("drv", "k", "one", &err), 0);
	assert_int_equal(host_kv_set("drv", "k", "two", &err), 0);   /* replaces */
	assert_int_equal(host_kv_set("other", "k", "x", &err), 0);
	v = host_kv_get("drv", "k");
	assert_string_equal(v, "two");
	free(v);
	assert_int_equal(host_kv_del("drv", "k", &err), 0);
	assert_null(host_kv_get("drv", "k"));
	assert_int_equal(host_kv_del("drv", "k", &err), 0);          /* deleting nothing is fine */
	v = host_kv_get("other", "k");
	assert_string_equal(v, "x");
	free(v);

	ctx_free(&ctx);
	remove_tree(dir, NULL);
	free(conf);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kv_set_get_del),
	};
	return cmocka_run_group_tests_name("host_store", tests, NULL, NULL);
}
