/* The arithmetic of core/runtime/cgroup*.c that no VM is needed for: Docker's --cpu-shares as a
 * v2 cpu.weight, --memory-swap (memory+swap) as v2's swap alone, cpu lists as systemd's masks;
 * and the v2 device program, on any cgroup2 mount (a hybrid v1 host's unified one too). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup.h"

static void shares_to_weight(void **state)
{
	(void)state;
	/* runc's and crun's mapping: 2..262144 onto 1..10000 */
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(512), 20);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_shares_to_weight(1 << 30), 10000);   /* clamped, not overflowed */
	assert_int_equal(cgroup_shares_to_weight(0), 100);          /* unset: the kernel's default */
}

static void swap_v2(void **state)
{
	(void)state;
	struct rt_limits l = { .memory = 64 << 20 };

	assert_int_equal(cgroup_v2_swap(&l), 64 << 20);   /* no --memory-swap: as much swap as memory */
	l.memory_swap = 96 << 20;
	assert_int_equal(cgroup_v2_swap(&l), 32 << 20);
	l.memory_swap = 64 << 20;
	assert_int_equal(cgroup_v2_swap(&l), 0);          /* equal to -m: no swap at all */
	l.memory_swap = -1;
	assert_int_equal(cgroup_v2_swap(&l), -1);         /* unlimited */
	l.memory = 0;
	l.memory_swap = 0;
	assert_int_equal(cgroup_v2_swap(&l), -2);         /* no memory limit: leave swap alone */
}

static void cpu_cfs(void **state)
{
	(void)state;
	struct rt_limits l = { 0 };
	int64_t period, quota;

	cgroup_cpu_cfs(&l, &period, &quota);
	assert_true(period == 100000 && quota == -1);           /* nothing set: unlimited */
	l.nano_cpus = 1500000000;
	cgroup_cpu_cfs(&l, &period, &quota);
	assert_true(period == 100000 && quota == 150000);       /* --cpus: a quota per 100 ms */
	l.cpu_quota = -1;
	cgroup_cpu_cfs(&l, &period, &quota);
	assert_true(period == 100000 && quota == -1);           /* an explicit quota wins, as Docker's */
	l = (struct rt_limits){ .cpu_period = 50000 };
	cgroup_cpu_cfs(&l, &period, &quota);
	assert_true(period == 50000 && quota == -1);            /* a period alone limits nothing */
	l.cpu_quota = 25000;
	cgroup_cpu_cfs(&l, &period, &quota);
	assert_true(period == 50000 && quota == 25000);
	l.cpu_quota = -5;
	cgroup_cpu_cfs(&l, &period, &quota);
	assert_int_equal(quota, -1);                             /* any negative is unlimited, as the kernel's */
}

static void systemd_quota(void **state)
{
	(void)state;
	/* CPUQuotaPerSecUSec: us of CPU a second, in systemd's 10 ms steps, rounded up */
	assert_int_equal(cgroup_systemd_quota(100000, 50000), 500000);
	assert_int_equal(cgroup_systemd_quota(50000, 25000), 500000);
	assert_int_equal(cgroup_systemd_quota(1000000, 1000), 10000);
	assert_int_equal(cgroup_systemd_quota(300000, 100000), 340000);   /* 333333 rounded up */
	assert_true(cgroup_systemd_quota(100000, -1) == UINT64_MAX);
	assert_true(cgroup_systemd_quota(100000, 0) == UINT64_MAX);
}

static void cpu_masks(void **state)
{
	(void)state;
	uint8_t *m;
	size_t n;

	assert_int_equal(cgroup_cpu_list_mask("1", &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0], 0x02);
	free(m);
	assert_int_equal(cgroup_cpu_list_mask("0-2,9", &m, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0], 0x07);
	assert_int_equal(m[1], 0x02);
	free(m);
	assert_int_not_equal(cgroup_cpu_list_mask("3-1", &m, &n), 0);
	assert_int_not_equal(cgroup_cpu_list_mask("a", &m, &n), 0);
	assert_int_not_equal(cgroup_cpu_list_mask("1,,", &m, &n), 0);
	assert_int_not_equal(cgroup_cpu_list_mask("1;2", &m, &n), 0);
}

/* -errno of open(path, flags), 0 when it opened */
static int open_result(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The BPF device program in a cgroup2 dir: Docker's standard nodes, a --device rule with only
 * r, and a node no rule names. */
static void v2_device_program(void **state)
{
	const char *mnt = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
	char dir[256], procs[300];
	struct rt_dev_rule extra = { 'c', 10, 237, "r" };   /* loop-control, read only */
	struct rt_limits lim = { .dev_rules = &extra, .ndev_rules = 1 };
	berr_t err = { 0 };
	struct stat st;
	pid_t pid;
	int status;

	(void)state;
	if (getuid() != 0 || access(mnt, W_OK) < 0 || stat("/dev/loop-control", &st) < 0 || stat("/dev/kmsg", &st) < 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/berth-unit-%d", mnt, (int)getpid());
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(cgroup_v2_devices(dir, &lim, &err), 0);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if ((pid = fork()) == 0) {
		FILE *f = fopen(procs, "w");
		int bad = 0;
		if (!f || fprintf(f, "0\n") < 0 || fclose(f) != 0)
			_exit(100);
		bad |= (open_result("/dev/null", O_RDWR) != 0) << 0;           /* standard: rwm */
		bad |= (open_result("/dev/loop-control", O_RDONLY) == -EPERM) << 1;   /* r allowed */
		bad |= (open_result("/dev/loop-control", O_WRONLY) != -EPERM) << 2;   /* w not */
		bad |= (open_result("/dev/kmsg", O_RDONLY) != -EPERM) << 3;   /* no rule */
		_exit(bad);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shares_to_weight),
		cmocka_unit_test(swap_v2),
		cmocka_unit_test(cpu_cfs),
		cmocka_unit_test(systemd_quota),
		cmocka_unit_test(cpu_masks),
		cmocka_unit_test(v2_device_program),
	};
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
