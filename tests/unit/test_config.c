/* daemon.json: defaults, Docker's keys, `graph` as the old data-root, errors with line/column,
 * wrong types naming the key, unknown keys as warnings only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "common/util.h"

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/berth-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	close(fd);
	return path;
}

static int load(const char *text, struct berth_config *cfg, berr_t *err)
{
	char *path = write_tmp(text);
	int r = config_load(cfg, path, 1, err);
	unlink(path);
	free(path);
	return r;
}

static void defaults_without_file(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_equal(config_load(&cfg, "/nonexistent/daemon.json", 0, &err), 0);
	assert_string_equal(cfg.data_root, "/var/lib/berth");
	assert_string_equal(cfg.exec_root, "/run/berth");
	assert_string_equal(cfg.log_driver, "json-file");
	assert_null(cfg.storage_driver);
	config_free(&cfg);
}

static void given_file_must_exist(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_not_equal(config_load(&cfg, "/nonexistent/daemon.json", 1, &err), 0);
	assert_non_null(strstr(err.msg, "/nonexistent/daemon.json"));
	config_free(&cfg);
}

static void docker_keys(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_equal(load("{\"data-root\": \"/srv/b\", \"storage-driver\": \"vfs\", "
			      "\"storage-opts\": [\"vfs.copy=fast\", \"size=1G\"], \"log-driver\": \"local\","
			      "\"log-opts\": {\"max-size\": \"10m\"}, \"mtu\": 1400, \"icc\": false,"
			      "\"dns\": [\"1.1.1.1\"], \"insecure-registries\": [\"r:5000\"],"
			      "\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 2048}},"
			      "\"network-driver\": \"host\", \"plugin-dirs\": [\"/opt/p\"]}", &cfg, &err), 0);
	assert_string_equal(cfg.data_root, "/srv/b");
	assert_string_equal(cfg.storage_driver, "vfs");
	assert_string_equal(cfg.log_driver, "local");
	assert_string_equal(cfg.network_driver, "host");
	assert_string_equal(config_driver_option(&cfg, "vfs", "copy"), "fast");
	assert_string_equal(config_driver_option(&cfg, "vfs", "size"), "1G");
	assert_string_equal(config_driver_option(&cfg, "local", "max-size"), "10m");
	assert_null(config_driver_option(&cfg, "vfs", "nope"));
	config_free(&cfg);
}

static void graph_is_old_data_root(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_equal(load("{\"graph\": \"/old\"}", &cfg, &err), 0);
	assert_string_equal(cfg.data_root, "/old");
	config_free(&cfg);
	assert_int_not_equal(load("{\"graph\": \"/old\", \"data-root\": \"/new\"}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "\"graph\" and \"data-root\" both set"));
	config_free(&cfg);
}

static void malformed_json_has_line_and_column(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_not_equal(load("{\n  \"debug\": true,\n  \"mtu\": 1500,,\n}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "line 3, column"));
	config_free(&cfg);
}

static void wrong_type_names_key(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_not_equal(load("{\"mtu\": \"1500\"}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "\"mtu\" must be an integer"));
	config_free(&cfg);
	assert_int_not_equal(load("{\"dns\": [\"1.1.1.1\", 8]}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "\"dns\" must be an array of strings"));
	config_free(&cfg);
	assert_int_not_equal(load("{\"live-restore\": 1}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "\"live-restore\" must be a boolean"));
	config_free(&cfg);
	assert_int_not_equal(load("[1]", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "must be a JSON object"));
	config_free(&cfg);
	assert_int_not_equal(load("{\"data-root\": \"relative\"}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "absolute"));
	config_free(&cfg);
}

static void unknown_key_is_only_a_warning(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_equal(load("{\"no-such-key\": 1, \"debug\": true}", &cfg, &err), 0);
	assert_int_equal(cfg.debug, 1);
	config_free(&cfg);
}

static void exec_opts_cgroup_driver(void **state)
{
	(void)state;
	struct berth_config cfg;
	berr_t err = { 0 };

	assert_int_equal(load("{}", &cfg, &err), 0);
	assert_null(cfg.cgroup_driver);   /* the default is decided at run time, as dockerd does */
	config_free(&cfg);
	assert_int_equal(load("{\"exec-opts\": [\"native.cgroupdriver=systemd\"]}", &cfg, &err), 0);
	assert_string_equal(cfg.cgroup_driver, "systemd");
	config_free(&cfg);
	/* dockerd trims the spaces and takes the key in any case; the first one counts */
	assert_int_equal(load("{\"exec-opts\": [\"Native.CgroupDriver = cgroupfs\", \"native.cgroupdriver=systemd\"]}",
			      &cfg, &err), 0);
	assert_string_equal(cfg.cgroup_driver, "cgroupfs");
	config_free(&cfg);
	/* an option berth has no use for is a warning, like an unknown key */
	assert_int_equal(load("{\"exec-opts\": [\"native.umask=normal\", \"junk\"]}", &cfg, &err), 0);
	assert_null(cfg.cgroup_driver);
	config_free(&cfg);
	assert_int_not_equal(load("{\"exec-opts\": [\"native.cgroupdriver=systemdd\"]}", &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "native.cgroupdriver option systemdd not supported"));
	config_free(&cfg);
	assert_int_equal(load("{\"exec-opts\": [\"native.cgroupdriver=\", \"native.cgroupdriver=systemd\"]}", &cfg, &err), 0);
	assert_null(cfg.cgroup_driver);   /* empty is the default, and it came first */
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_without_file),
		cmocka_unit_test(given_file_must_exist),
		cmocka_unit_test(docker_keys),
		cmocka_unit_test(graph_is_old_data_root),
		cmocka_unit_test(malformed_json_has_line_and_column),
		cmocka_unit_test(wrong_type_names_key),
		cmocka_unit_test(unknown_key_is_only_a_warning),
		cmocka_unit_test(exec_opts_cgroup_driver),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
