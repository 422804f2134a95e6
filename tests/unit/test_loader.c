/* The plugin loader refuses plugins of another ABI major, with too small a vtable, or lacking a
 * required member — each with one line naming the plugin, its ABI and the core's — and tells
 * which drivers the lean berth-monitor may run. */
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
#include "ctx.h"
#include "common/util.h"

static char fixture_dir[PATH_MAX + 32];
static char build_dir[PATH_MAX + 32];

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

/* Which drivers the lean berth-monitor runs for this berth (container/start.c picks the monitor
 * by it): built in, and the file berth itself would load is berth's own bundled one. */
static void builtin_usable_only_for_bundled_files(void **state)
{
	(void)state;
	struct berth_ctx ctx = { 0 };
	char *tmp = xstrdup("/tmp/berth-test-loader.XXXXXX"), *copy, *cmd;

	assert_non_null(mkdtemp(tmp));
	unsetenv("BERTH_PLUGIN_PATH");
	ctx.exe_dir = build_dir;
	ctx.cfg.root = json_object();
	assert_true(plugin_builtin_usable(&ctx, BERTH_PLUGIN_LOGGING, "json-file"));
	assert_true(plugin_builtin_usable(&ctx, BERTH_PLUGIN_STORAGE, "overlay2"));
	assert_true(plugin_builtin_usable(&ctx, BERTH_PLUGIN_NETWORK, "none"));
	/* not built in, wherever its file is */
	assert_false(plugin_builtin_usable(&ctx, BERTH_PLUGIN_LOGGING, "oldlog"));
	assert_false(plugin_builtin_usable(&ctx, BERTH_PLUGIN_NETWORK, "bridge"));
	/* plugin-dirs naming berth's own directory: the same files */
	copy = xasprintf("%s/plugins", build_dir);
	json_object_set_new(ctx.cfg.root, "plugin-dirs", json_pack("[s]", copy));
	assert_true(plugin_builtin_usable(&ctx, BERTH_PLUGIN_LOGGING, "json-file"));
	free(copy);
	/* a copy of json-file in plugin-dirs comes first: another file, berth-monitor-full's */
	copy = xasprintf("%s/logging", tmp);
	cmd = xasprintf("mkdir -p %s && cp %s/plugins/logging/json-file.so %s/", copy, build_dir, copy);
	assert_int_equal(system(cmd), 0);
	json_object_set_new(ctx.cfg.root, "plugin-dirs", json_pack("[s]", tmp));
	assert_false(plugin_builtin_usable(&ctx, BERTH_PLUGIN_LOGGING, "json-file"));
	assert_true(plugin_builtin_usable(&ctx, BERTH_PLUGIN_LOGGING, "local"));
	free(cmd);
	cmd = xasprintf("rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
	json_decref(ctx.cfg.root);
	free(cmd);
	free(copy);
	free(tmp);
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
	snprintf(build_dir, sizeof(build_dir), "%s/../..", exe);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_other_major),
		cmocka_unit_test(refuses_missing_member),
		cmocka_unit_test(refuses_short_vtable),
		cmocka_unit_test(refuses_wrong_kind),
		cmocka_unit_test(reports_missing_file),
		cmocka_unit_test(accepts_older_minor),
		cmocka_unit_test(has_member_macro),
		cmocka_unit_test(builtin_usable_only_for_bundled_files),
	};
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
