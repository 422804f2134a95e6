/* The arithmetic of core/runtime/cgroup*.c that no VM is needed for: Docker's --cpu-shares as a
 * v2 cpu.weight, --memory-swap (memory+swap) as v2's swap alone, cpu lists as systemd's masks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shares_to_weight),
		cmocka_unit_test(swap_v2),
		cmocka_unit_test(cpu_masks),
	};
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
