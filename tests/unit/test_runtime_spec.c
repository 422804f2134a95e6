/* The runtime spec built from a container document: Docker's default capabilities and the
 * effect of --cap-add/--cap-drop/--privileged, binds, ulimits, limits, network modes; the PATH
 * lookup that decides between exit codes 126 and 127; process start times against pid reuse. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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
	assert_string_equal(s.mounts[2].data, "size=1m");
	assert_int_equal(s.mounts[2].flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
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
	assert_int_equal(s.limits.memory_swappiness, -1);   /* unset: the kernel's */
	assert_false(s.limits.oom_kill_disable);
	assert_int_equal(s.oom_score_adj, 0);
	rt_spec_free(&s);
}

static void memory_and_cfs_settings_reach_the_limits(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"CpuPeriod\":50000,\"CpuQuota\":25000,\"MemoryReservation\":33554432,"
				 "\"MemorySwappiness\":0,\"OomKillDisable\":true,\"OomScoreAdj\":-500}", &s, &err), 0);
	assert_int_equal(s.limits.cpu_period, 50000);
	assert_int_equal(s.limits.cpu_quota, 25000);
	assert_int_equal(s.limits.memory_reservation, 33554432);
	assert_int_equal(s.limits.memory_swappiness, 0);    /* 0 is a value, not "unset" */
	assert_true(s.limits.oom_kill_disable);
	assert_int_equal(s.oom_score_adj, -500);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{\"MemorySwappiness\":null}", &s, &err), 0);
	assert_int_equal(s.limits.memory_swappiness, -1);
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

/* -u user[:group] against an image's passwd and group files, as Docker resolves it: the primary
 * group first, then the groups listing the user, or only the named group. */
static void users_and_groups(void **state)
{
	(void)state;
	char dir[] = "/tmp/berth-rt-XXXXXX";
	char *pw, *gr, *home = NULL;
	gid_t *g = NULL;
	size_t ng = 0;
	uid_t uid;
	gid_t gid;
	berr_t err = { 0 };

	assert_non_null(mkdtemp(dir));
	pw = xasprintf("%s/passwd", dir);
	gr = xasprintf("%s/group", dir);
	assert_int_equal(write_file_atomic(pw, "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n", 69, 0644, NULL), 0);
	assert_int_equal(write_file_atomic(gr, "root:x:0:\nalice:x:1000:\ndevs:x:2000:alice\nops:x:2001:root,alice\n", 64, 0644, NULL), 0);

	assert_int_equal(rt_resolve_user_files(pw, gr, "alice", &uid, &gid, &g, &ng, &home, &err), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 1000);
	assert_string_equal(home, "/home/alice");
	assert_int_equal(ng, 3);
	assert_int_equal(g[0], 1000);
	assert_int_equal(g[1], 2000);
	assert_int_equal(g[2], 2001);
	free(g); free(home);

	/* a named group: the user's own entry is freed before the group is looked at */
	assert_int_equal(rt_resolve_user_files(pw, gr, "alice:devs", &uid, &gid, &g, &ng, &home, &err), 0);
	assert_int_equal(gid, 2000);
	assert_int_equal(ng, 1);
	assert_int_equal(g[0], 2000);
	free(g); free(home);
	assert_int_equal(rt_resolve_user_files(pw, gr, "0:2001", &uid, &gid, &g, &ng, &home, &err), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 2001);
	assert_int_equal(ng, 1);
	free(g); free(home);

	/* numeric ids that no file names */
	assert_int_equal(rt_resolve_user_files(pw, gr, "4242", &uid, &gid, &g, &ng, &home, &err), 0);
	assert_int_equal(uid, 4242);
	assert_int_equal(gid, 0);
	assert_int_equal(ng, 1);
	assert_int_equal(g[0], 0);
	assert_string_equal(home, "/");
	free(g); free(home);
	assert_int_equal(rt_resolve_user_files(pw, gr, "4242:4243", &uid, &gid, &g, &ng, &home, &err), 0);
	assert_int_equal(gid, 4243);
	free(g); free(home);

	/* no user: root, with root's groups */
	assert_int_equal(rt_resolve_user_files(pw, gr, NULL, &uid, &gid, &g, &ng, &home, &err), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(ng, 2);
	assert_int_equal(g[1], 2001);
	free(g); free(home);

	assert_true(rt_resolve_user_files(pw, gr, "alice:nosuch", &uid, &gid, &g, &ng, &home, &err) < 0);
	assert_string_equal(err.msg, "unable to find group nosuch: no matching entries in group file");
	free(g); free(home);
	assert_true(rt_resolve_user_files(pw, gr, "bob", &uid, &gid, &g, &ng, &home, &err) < 0);
	assert_string_equal(err.msg, "unable to find user bob: no matching entries in passwd file");
	free(g); free(home);

	/* --group-add: names from the group file, numbers as they are, after -u's groups */
	{
		char *add[] = { "ops", "42", "2000", NULL }, *bad[] = { "nosuch", NULL }, *big[] = { "4294967296", NULL };
		assert_int_equal(rt_resolve_user_files(pw, gr, "0:0", &uid, &gid, &g, &ng, &home, &err), 0);
		assert_int_equal(rt_resolve_group_add(gr, add, &g, &ng, &err), 0);
		assert_int_equal(ng, 4);
		assert_int_equal(g[0], 0);
		assert_int_equal(g[1], 2001);
		assert_int_equal(g[2], 42);
		assert_int_equal(g[3], 2000);
		assert_true(rt_resolve_group_add(gr, bad, &g, &ng, &err) < 0);
		assert_string_equal(err.msg, "Unable to find group nosuch: no matching entries in group file");
		assert_true(rt_resolve_group_add(gr, big, &g, &ng, &err) < 0);
		assert_string_equal(err.msg, "uids and gids must be in range 0-2147483647");
		free(g); free(home);
	}

	unlink(pw);
	unlink(gr);
	rmdir(dir);
	free(pw);
	free(gr);
}

/* GroupAdd, Sysctls and the namespace modes reach the spec as create stored them. */
static void namespace_modes(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"GroupAdd\":[\"42\"],\"Sysctls\":{\"kernel.shmmax\":\"5\"},\"UTSMode\":\"host\","
				 "\"PidMode\":\"host\",\"IpcMode\":\"shareable\"}", &s, &err), 0);
	assert_string_equal(s.group_add[0], "42");
	assert_null(s.group_add[1]);
	assert_string_equal(s.sysctls[0], "kernel.shmmax=5");
	assert_null(s.sysctls[1]);
	assert_true(s.uts_host && s.pid_host);
	assert_int_equal(s.ipc, RT_IPC_SHAREABLE);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{\"IpcMode\":\"container:abc\",\"PidMode\":\"container:abc\"}", &s, &err), 0);
	assert_int_equal(s.ipc, RT_IPC_JOIN);
	assert_false(s.pid_host || s.uts_host);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{\"IpcMode\":\"none\"}", &s, &err), 0);
	assert_int_equal(s.ipc, RT_IPC_NONE);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{\"IpcMode\":\"host\"}", &s, &err), 0);
	assert_int_equal(s.ipc, RT_IPC_HOST);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{}", &s, &err), 0);
	assert_int_equal(s.ipc, RT_IPC_PRIVATE);
	assert_null(s.group_add[0]);
	rt_spec_free(&s);
}

/* Destinations are cleaned as Docker's (filepath.Clean): one path, one destination. */
static void destinations_are_clean(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"Binds\":[\"/h:/etc/\",\"/a:/x//y/./z/../w\"]}", &s, &err), 0);
	assert_int_equal(s.nmounts, 2);
	assert_string_equal(s.mounts[0].dest, "/etc");
	assert_string_equal(s.mounts[1].dest, "/x/y/w");
	rt_spec_free(&s);
	/* nothing may be mounted over the root itself */
	assert_true(spec_of("{\"Binds\":[\"/b:/x/../..\"]}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid specification: destination can't be '/'");
	rt_spec_free(&s);
}

/* --tmpfs options as Docker's: flag words are mount flags over nosuid,nodev,noexec, tmpfs keys
 * are data, anything else is refused with Docker's message. */
static void tmpfs_options(void **state)
{
	(void)state;
	struct rt_spec s;
	berr_t err = { 0 };

	assert_int_equal(spec_of("{\"Tmpfs\":{\"/a\":\"\",\"/b\":\"rw,size=1m,mode=700,exec\",\"/c\":\"ro,suid,dev,noatime,sync,rshared\","
				 "\"/d\":\"defaults,uid=1,gid=2,nr_inodes=3,nr_blocks=4,mpol=default\"}}", &s, &err), 0);
	assert_int_equal(s.nmounts, 4);
	for (size_t i = 0; i < s.nmounts; i++) {
		const struct rt_mount *m = &s.mounts[i];
		if (!strcmp(m->dest, "/a")) {
			assert_int_equal(m->flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
			assert_null(m->data);
		} else if (!strcmp(m->dest, "/b")) {
			assert_int_equal(m->flags, MS_NOSUID | MS_NODEV);
			assert_string_equal(m->data, "size=1m,mode=700");
		} else if (!strcmp(m->dest, "/c")) {
			assert_int_equal(m->flags, MS_NOEXEC | MS_RDONLY | MS_NOATIME | MS_SYNCHRONOUS);
			assert_true(m->readonly);
			assert_int_equal(m->propagation, MS_REC | MS_SHARED);
			assert_null(m->data);
		} else {
			assert_string_equal(m->dest, "/d");
			assert_string_equal(m->data, "uid=1,gid=2,nr_inodes=3,nr_blocks=4,mpol=default");
		}
	}
	/* a tmpfs's propagation is its own: the root stays private */
	assert_int_equal(rt_root_propagation(&s), 0);
	rt_spec_free(&s);
	assert_int_equal(spec_of("{\"Tmpfs\":{\"/a\":\"runbindable\"}}", &s, &err), 0);
	assert_int_equal(s.mounts[0].propagation, MS_REC | MS_UNBINDABLE);
	rt_spec_free(&s);

	assert_true(spec_of("{\"Tmpfs\":{\"/a\":\"bogus\"}}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid tmpfs option [\"bogus\"]");
	rt_spec_free(&s);
	assert_true(spec_of("{\"Tmpfs\":{\"/a\":\"size=1m,bogus=2\"}}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid tmpfs option [\"bogus\" \"2\"]");
	rt_spec_free(&s);
	assert_true(spec_of("{\"Tmpfs\":{\"/a\":\"size=1m,\"}}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid tmpfs option [\"\"]");
	rt_spec_free(&s);
	assert_true(spec_of("{\"Tmpfs\":{\"/a\":\"size\"}}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid tmpfs option [\"size\"]");
	rt_spec_free(&s);
	assert_true(spec_of("{\"Tmpfs\":{\"/a\":\"noexec=1\"}}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid tmpfs option [\"noexec\" \"1\"]");
	rt_spec_free(&s);
	assert_true(spec_of("{\"Tmpfs\":{\"/a\":\"a\\\"b\\\\c\"}}", &s, &err) < 0);
	assert_string_equal(err.msg, "invalid tmpfs option [\"a\\\"b\\\\c\"]");
	rt_spec_free(&s);

	/* --mount type=tmpfs: the same defaults, read-only as a flag */
	assert_int_equal(spec_of("{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/m\",\"ReadOnly\":true,"
				 "\"TmpfsOptions\":{\"SizeBytes\":1048576,\"Mode\":448}}]}", &s, &err), 0);
	assert_int_equal(s.nmounts, 1);
	assert_int_equal(s.mounts[0].flags, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
	assert_string_equal(s.mounts[0].data, "mode=700,size=1048576");
	rt_spec_free(&s);
}

/* --device-cgroup-rule's format, and --device nodes with their allow rules in the spec */
static void device_rules_and_devices(void **state)
{
	struct rt_dev_rule r;
	struct rt_spec s;
	berr_t err = { 0 };
	json_t *d;

	(void)state;
	assert_int_equal(rt_dev_rule_parse("c 1:3 mr", &r, &err), 0);
	assert_int_equal(r.type, 'c');
	assert_int_equal(r.major, 1);
	assert_int_equal(r.minor, 3);
	assert_string_equal(r.access, "mr");
	assert_int_equal(rt_dev_rule_parse("a *:* rwm", &r, &err), 0);
	assert_int_equal(r.major, -1);
	assert_int_equal(r.minor, -1);
	assert_int_equal(rt_dev_rule_parse("b 4294967295:0 rrr", &r, &err), 0);
	assert_int_equal(r.major, 4294967295LL);
	/* what Docker's daemon refuses: its regex, single spaces, nothing after */
	static const char *const BAD[] = { "x 1:3 r", "c 1:3 rwmx", "c 1:3", "c 1x:3 r", "c1:3 rwm",
		"c 1:3rwm", "c  1:3 rwm", "c\t1:3 rwm", "c 1:3 rwm x", "c 1:3 rwm ", " c 1:3 rwm", "c 1:3 rwmr",
		"c +1:3 r", "c 1: r", "c *5:3 r", "", "c" };
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		berr_clear(&err);
		assert_int_equal(rt_dev_rule_parse(BAD[i], &r, &err), -EINVAL);
		assert_true(strstr(err.msg, "invalid device cgroup rule format: '") == err.msg);
	}
	/* numbers beyond the kernel's 32 bits, which v2 would truncate */
	berr_clear(&err);
	assert_int_equal(rt_dev_rule_parse("c 4294967296:3 rwm", &r, &err), -ERANGE);
	assert_string_equal(err.msg, "invalid major value in device cgroup rule format: 'c 4294967296:3 rwm'");
	berr_clear(&err);
	assert_int_equal(rt_dev_rule_parse("c 1:99999999999999999999 rwm", &r, &err), -ERANGE);
	assert_string_equal(err.msg, "invalid minor value in device cgroup rule format: 'c 1:99999999999999999999 rwm'");
	berr_clear(&err);

	d = doc_of("{\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/n\","
		   "\"CgroupPermissions\":\"r\"}],\"DeviceCgroupRules\":[\"b 7:* rw\"]}");
	assert_int_equal(rt_spec_from_json(&s, d, "/r", "/c", NULL, &err), 0);
	assert_int_equal(s.devices.ndevices, 0);   /* an exec's spec: no devices gathered */
	assert_int_equal(rt_spec_devices(&s, d, &err), 0);
	assert_int_equal(s.devices.ndevices, 1);
	assert_string_equal(s.devices.devices[0].path, "/dev/n");
	assert_true(S_ISCHR(s.devices.devices[0].mode));
	assert_int_equal(s.limits.ndev_rules, 2);
	assert_string_equal(s.limits.dev_rules[0].access, "r");
	assert_int_equal(s.limits.dev_rules[1].type, 'b');
	rt_spec_free(&s);
	json_decref(d);

	d = doc_of("{\"Devices\":[{\"PathOnHost\":\"/nonexistent\",\"PathInContainer\":\"/n\","
		   "\"CgroupPermissions\":\"rwm\"}]}");
	assert_int_equal(rt_spec_from_json(&s, d, "/r", "/c", NULL, &err), 0);
	assert_true(rt_spec_devices(&s, d, &err) < 0);
	assert_string_equal(err.msg, "error gathering device information while adding custom device "
				     "\"/nonexistent\": no such file or directory");
	rt_spec_free(&s);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_caps_are_dockers),
		cmocka_unit_test(cap_names),
		cmocka_unit_test(cap_add_drop),
		cmocka_unit_test(privileged_has_all_and_no_seccomp),
		cmocka_unit_test(settings_reach_the_spec),
		cmocka_unit_test(memory_and_cfs_settings_reach_the_limits),
		cmocka_unit_test(relative_bind_is_refused),
		cmocka_unit_test(program_lookup),
		cmocka_unit_test(start_time_identifies_a_process),
		cmocka_unit_test(seccomp_profile_parses),
		cmocka_unit_test(users_and_groups),
		cmocka_unit_test(namespace_modes),
		cmocka_unit_test(destinations_are_clean),
		cmocka_unit_test(tmpfs_options),
		cmocka_unit_test(device_rules_and_devices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
