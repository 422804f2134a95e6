/* The plugin loader refuses plugins of another ABI major, with too small a vtable, or lacking a
 * required member — each with one line naming the plugin, its ABI and the core's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/loader.h"
#include "common/util.h"

static char fixture_dir[PATH_MAX + 32];

static char *fixture(const char *name)
{
	return xasprintf("%s/%s.so", fixture_dir, name);
}

static void refuses_other_major(void **state)
{
	(void)state;
	berr_t err = { 0 };
	struct plugin *p = NULL;
	char *path = fixture("bad_major");
	int r = plugin_open_file(path, BERTH_PLUGIN_STORAGE, "bad_major", &p, &err);

	assert_int_not_equal(r, 0);
	assert_null(p);
	assert_non_null(strstr(err.msg, "plugin bad_major"));
	assert_non_null(strstr(err.msg, "built for berth ABI 2.0"));
	{
		char core_abi[64];
		snprintf(core_abi, sizeof(core_abi), "this berth has ABI %d.%d", BERTH_ABI_MAJOR, BERTH_ABI_MINOR);
		assert_non_null(strstr(err.msg, core_abi));
	}
	assert_null(strchr(err.msg, '\n'));
	free(path);
}

static void refuses_missing_member(void **state)
{
	(void)state;
	berr_t err = { 0 };
	struct plugin *p = NULL;
	char *path = fixture("missing_member");
	int r = plugin_open_file(path, BERTH_PLUGIN_STORAGE, "missing_member", &p, &err);

	assert_int_not_equal(r, 0);
	assert_non_null(strstr(err.msg, "lacks the required member apply_diff"));
	{
		char abi[64];
		snprintf(abi, sizeof(abi), "ABI %d.%d", BERTH_ABI_MAJOR, BERTH_ABI_MINOR);
		assert_non_null(strstr(err.msg, abi));
	}
	free(path);
}

static void refuses_short_vtable(void **state)
{
	(void)state;
	berr_t err = { 0 };
	struct plugin *p = NULL;
	char *path = fixture("short_vtable");
	int r = plugin_open_file(path, BERTH_PLUGIN_STORAGE, "short_vtable", &p, &err);

	assert_int_not_equal(r, 0);
	assert_non_null(strstr(err.msg, "vtable is 24 bytes"));
	free(path);
}

static void refuses_wrong_kind(void **state)
{
	(void)state;
	berr_t err = { 0 };
	struct plugin *p = NULL;
	char *path = fixture("missing_member");
	int r = plugin_open_file(path, BERTH_PLUGIN_LOGGING, "missing_member", &p, &err);

	assert_int_not_equal(r, 0);
	assert_non_null(strstr(err.msg, "is not a logging driver"));
	free(path);
}

static void reports_missing_file(void **state)
{
	(void)state;
	berr_t err = { 0 };
	struct plugin *p = NULL;
	int r = plugin_open_file("/nonexistent/x.so", BERTH_PLUGIN_STORAGE, "x", &p, &err);

	assert_int_not_equal(r, 0);
	assert_non_null(strstr(err.msg, "/nonexistent/x.so"));
}

/* A logging driver built before the validate member (minor 0) still loads; callers see that it
 * has no validate and fall back. */
static void accepts_older_minor(void **state)
{
	(void)state;
	berr_t err = { 0 };
	struct plugin *p = NULL;
	char *path = fixture("oldlog");
	int r = plugin_open_file(path, BERTH_PLUGIN_LOGGING, "oldlog", &p, &err);

	assert_int_equal(r, 0);
	assert_non_null(p);
	assert_int_equal(p->desc->abi_minor, 0);
	assert_true(BERTH_HAS_MEMBER(struct berth_logging_ops, p->desc->vtable_size, close));
	assert_false(BERTH_HAS_MEMBER(struct berth_logging_ops, p->desc->vtable_size, validate));
	plugin_close(p);
	free(path);
}

static void has_member_macro(void **state)
{
	(void)state;
	/* a plugin compiled with only the first three members has init..create but not remove */
	size_t three = 3 * sizeof(void *);
	assert_true(BERTH_HAS_MEMBER(struct berth_storage_ops, three, create));
	assert_false(BERTH_HAS_MEMBER(struct berth_storage_ops, three, create_rw));
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	(void)argc;
	(void)argv;
	exe[n > 0 ? n : 0] = 0;
	*strrchr(exe, '/') = 0;   /* build/tests/unit */
	snprintf(fixture_dir, sizeof(fixture_dir), "%s/../plugins", exe);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_other_major),
		cmocka_unit_test(refuses_missing_member),
		cmocka_unit_test(refuses_short_vtable),
		cmocka_unit_test(refuses_wrong_kind),
		cmocka_unit_test(reports_missing_file),
		cmocka_unit_test(accepts_older_minor),
		cmocka_unit_test(has_member_macro),
	};
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
