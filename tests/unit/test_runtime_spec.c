/* The runtime spec built from a container document: Docker's default capabilities and the
 * effect of --cap-add/--cap-drop/--privileged, binds, ulimits, limits, network modes; the PATH
 * lookup that decides between exit codes 126 and 127; process start times against pid reuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "common/util.h"

static json_t *doc_of(const char *hostconfig)
{
	json_error_t e;
	char *text = xasprintf("{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
			       "\"Path\":\"sh\",\"Args\":[\"-c\",\"true\"],"
			       "\"Config\":{\"Env\":[\"A=1\"],\"User\":\"nobody\",\"WorkingDir\":\"/w\"},"
			       "\"HostConfig\":%s}", hostconfig);
	json_t *d = json_loads(text, 0, &e);
	free(text);
	assert_non_null(d);
	return d;
}

static int spec_of(const char *hostconfig, struct rt_spec *s, berr_t *err)
{
	json_t *d = doc_of(hostconfig);
	int r = rt_spec_from_json(s, d, "/tmp/rootfs", "/tmp/cdir", NULL, err);
	json_decref(d);
	return r;
}

static void default_caps_are_dockers(void **state)
{
	(void)state;
	assert_int_equal(rt_default_caps(), 0xa80425fbULL);
}

static void cap_names(void **state)
{
	(void)state;
	assert_int_equal(rt_cap_from_name("CAP_NET_ADMIN"), 12);
	assert_int_equal(rt_cap_from_name("net_admin"), 12);
	assert_int_equal(rt_cap_from_name("ALL"), 64);
	assert_int_equal(rt_cap_from_name("NOPE"), -1);
}

static void cap_add_drop(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"NET_ADMIN\"]}", &s, &err), 0);
	assert_int_equal(s.caps, 1ULL << 12);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{\"CapDrop\":[\"CHOWN\",\"cap_kill\"]}", &s, &err), 0);
	assert_int_equal(s.caps, 0xa80425fbULL & ~1ULL & ~(1ULL << 5));
	rt_spec_free(&s);
	assert_true(spec_of("{\"CapAdd\":[\"BOGUS\"]}", &s, &err) < 0);
	assert_non_null(strstr(err.msg, "unknown capability: \"BOGUS\""));
	rt_spec_free(&s);
}

static void privileged_has_all_and_no_seccomp(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"Privileged\":true}", &s, &err), 0);
	assert_true((s.caps & 0x1fffffffffULL) == 0x1fffffffffULL);
	assert_null(s.seccomp);
	assert_null(s.seccomp_file);
	rt_spec_free(&s);
}

static void settings_reach_the_spec(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"Binds\":[\"/h:/c:ro\",\"/a:/b\"],\"Memory\":67108864,\"NanoCpus\":500000000,"
				 "\"PidsLimit\":50,\"NetworkMode\":\"host\",\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":20}],"
				 "\"Tmpfs\":{\"/t\":\"size=1m\"},\"ReadonlyRootfs\":true}", &s, &err), 0);
	assert_string_equal(s.argv[0], "sh");
	assert_string_equal(s.argv[1], "-c");
	assert_null(s.argv[3]);
	assert_string_equal(s.user, "nobody");
	assert_string_equal(s.cwd, "/w");
	assert_string_equal(s.hostname, "0123456789ab");
	assert_int_equal(s.nmounts, 3);
	assert_string_equal(s.mounts[0].dest, "/c");
	assert_true(s.mounts[0].readonly);
	assert_false(s.mounts[1].readonly);
	assert_string_equal(s.mounts[2].type, "tmpfs");
	assert_string_equal(s.mounts[2].data, "mode=1777,size=1m");
	assert_int_equal(s.limits.memory, 67108864);
	assert_int_equal(s.limits.nano_cpus, 500000000);
	assert_int_equal(s.limits.pids_limit, 50);
	assert_int_equal(s.net, RT_NET_HOST);
	assert_int_equal(s.nrlimits, 1);
	assert_int_equal(s.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s.rlimits[0].hard, 20);
	assert_true(s.readonly_rootfs);
	assert_int_equal(s.shm_size, 64 << 20);
	assert_string_equal(s.hosts_path, "/tmp/cdir/hosts");
	rt_spec_free(&s);
}

static void relative_bind_is_refused(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_true(spec_of("{\"Binds\":[\"./rel:/c\"]}", &s, &err) < 0);
	assert_non_null(strstr(err.msg, "must be absolute"));
	rt_spec_free(&s);
}

static void program_lookup(void **state)
{
	(void)state;
	char dir[] = "/tmp/berth-rt-XXXXXX", out[4096];
	char *env[] = { NULL, NULL };
	char *exe, *noexec;

	assert_non_null(mkdtemp(dir));
	exe = xasprintf("%s/prog", dir);
	noexec = xasprintf("%s/data", dir);
	assert_int_equal(write_file_atomic(exe, "#!/bin/sh\n", 10, 0755, NULL), 0);
	assert_int_equal(write_file_atomic(noexec, "x", 1, 0644, NULL), 0);
	env[0] = xasprintf("PATH=/nonexistent:%s", dir);
	assert_int_equal(rt_find_program("prog", env, out, sizeof(out)), 0);
	assert_string_equal(out, exe);
	assert_int_equal(rt_find_program("data", env, out, sizeof(out)), -EACCES);   /* -> 126 */
	assert_int_equal(rt_find_program("nosuch", env, out, sizeof(out)), -ENOENT); /* -> 127 */
	assert_int_equal(rt_find_program(noexec, env, out, sizeof(out)), -EACCES);
	assert_int_equal(rt_find_program("/nonexistent/x", env, out, sizeof(out)), -ENOENT);
	assert_int_equal(rt_find_program(dir, env, out, sizeof(out)), -EACCES);   /* a directory */
	unlink(exe);
	unlink(noexec);
	rmdir(dir);
	free(exe);
	free(noexec);
	free(env[0]);
}

static void start_time_identifies_a_process(void **state)
{
	(void)state;
	assert_true(proc_start_time(getpid()) > 0);
	assert_int_equal(proc_start_time(0x3ffffff0), 0);   /* no such pid */
}

static void seccomp_profile_parses(void **state)
{
	(void)state;
	/* the shipped default profile must at least be valid JSON of Docker's shape */
	const char *src = getenv("BERTH_SRC");
	char *p = xasprintf("%s/scripts/container/seccomp-default.json", src ? src : ".");
	json_t *j = json_load_file(p, 0, NULL);
	free(p);
	if (!j)
		skip();
	assert_string_equal(json_string_value(json_object_get(j, "defaultAction")), "SCMP_ACT_ERRNO");
	assert_true(json_array_size(json_object_get(j, "syscalls")) > 10);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_caps_are_dockers),
		cmocka_unit_test(cap_names),
		cmocka_unit_test(cap_add_drop),
		cmocka_unit_test(privileged_has_all_and_no_seccomp),
		cmocka_unit_test(settings_reach_the_spec),
		cmocka_unit_test(relative_bind_is_refused),
		cmocka_unit_test(program_lookup),
		cmocka_unit_test(start_time_identifies_a_process),
		cmocka_unit_test(seccomp_profile_parses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
