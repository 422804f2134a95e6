/* Seccomp from a Docker-format profile (defaultAction, archMap, syscalls[] with args and
 * includes/excludes by capability), compiled with libseccomp for the container's caps. */
#include "runtime/runtime.h"
#include "common/util.h"

#include <seccomp.h>
#include <string.h>
#include <sys/utsname.h>

static int parse_action(const char *a, json_t *errno_ret, uint32_t def_errno, uint32_t *out)
{
	uint32_t e = errno_ret && json_is_integer(errno_ret) ? (uint32_t)json_integer_value(errno_ret) : def_errno;

	if (!a)
		return -EINVAL;
	if (!strcmp(a, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(a, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(e);
	else if (!strcmp(a, "SCMP_ACT_KILL") || !strcmp(a, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL;
	else if (!strcmp(a, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(a, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(a, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(a, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(e);
	else
		return -EINVAL;
	return 0;
}

static int parse_op(const char *o, enum scmp_compare *out)
{
	static const struct { const char *n; enum scmp_compare c; } OPS[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; o && i < sizeof(OPS) / sizeof(OPS[0]); i++)
		if (!strcmp(o, OPS[i].n)) {
			*out = OPS[i].c;
			return 0;
		}
	return -EINVAL;
}

/* 1 when every capability named in arr is in caps (includes) / any is (excludes). */
static int caps_match(json_t *arr, uint64_t caps, int all)
{
	size_t i;
	json_t *e;
	int any = 0;

	json_array_foreach(arr, i, e) {
		int c = rt_cap_from_name(json_string_value(e) ? json_string_value(e) : "");
		int has = c >= 0 && c < 64 && (caps & (1ULL << c));
		if (all && !has)
			return 0;
		any |= has;
	}
	return all ? 1 : any;
}

static int arch_match(json_t *arr)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		const char *a = json_string_value(e);
		if (a && (!strcmp(a, "amd64") || !strcmp(a, "x86_64") || !strcmp(a, "x86") || !strcmp(a, "x32")))
			return 1;
	}
	return 0;
}

static int kernel_at_least(const char *v)
{
	struct utsname u;
	int a = 0, b = 0, x = 0, y = 0;
	if (!v || uname(&u) < 0)
		return 1;
	sscanf(u.release, "%d.%d", &a, &b);
	sscanf(v, "%d.%d", &x, &y);
	return a > x || (a == x && b >= y);
}

int rt_seccomp_load(json_t *profile, uint64_t caps, berr_t *err)
{
	json_t *rules = json_object_get(profile, "syscalls"), *rule, *name;
	uint32_t def_errno = 1, defact;
	scmp_filter_ctx ctx;
	size_t i, j;
	int r;

	if (json_is_integer(json_object_get(profile, "defaultErrnoRet")))
		def_errno = (uint32_t)json_integer_value(json_object_get(profile, "defaultErrnoRet"));
	if (parse_action(json_string_value(json_object_get(profile, "defaultAction")),
			 json_object_get(profile, "defaultErrnoRet"), def_errno, &defact) < 0)
		return berr_set(err, EINVAL, "seccomp: bad defaultAction");
	ctx = seccomp_init(defact);
	if (!ctx)
		return berr_set(err, ENOMEM, "seccomp_init");
	/* the x86 and x32 ABIs are filtered too, so a 32-bit syscall cannot slip past */
	seccomp_arch_add(ctx, SCMP_ARCH_X86);
	seccomp_arch_add(ctx, SCMP_ARCH_X32);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);

	json_array_foreach(rules, i, rule) {
		json_t *inc = json_object_get(rule, "includes"), *exc = json_object_get(rule, "excludes");
		json_t *args = json_object_get(rule, "args"), *arg;
		struct scmp_arg_cmp cmp[6];
		unsigned ncmp = 0;
		uint32_t act;

		if (inc) {
			if (json_object_get(inc, "caps") && !caps_match(json_object_get(inc, "caps"), caps, 1))
				continue;
			if (json_object_get(inc, "arches") && !arch_match(json_object_get(inc, "arches")))
				continue;
			if (!kernel_at_least(json_string_value(json_object_get(inc, "minKernel"))))
				continue;
		}
		if (exc) {
			if (json_object_get(exc, "caps") && caps_match(json_object_get(exc, "caps"), caps, 0))
				continue;
			if (json_object_get(exc, "arches") && arch_match(json_object_get(exc, "arches")))
				continue;
		}
		if (parse_action(json_string_value(json_object_get(rule, "action")),
				 json_object_get(rule, "errnoRet"), def_errno, &act) < 0) {
			seccomp_release(ctx);
			return berr_set(err, EINVAL, "seccomp: rule %zu: bad action", i);
		}
		if (act == defact)
			continue;
		json_array_foreach(args, j, arg) {
			enum scmp_compare op;
			if (ncmp >= 6 || parse_op(json_string_value(json_object_get(arg, "op")), &op) < 0) {
				seccomp_release(ctx);
				return berr_set(err, EINVAL, "seccomp: rule %zu: bad argument", i);
			}
			cmp[ncmp].arg = (unsigned)json_integer_value(json_object_get(arg, "index"));
			cmp[ncmp].op = op;
			cmp[ncmp].datum_a = (scmp_datum_t)json_integer_value(json_object_get(arg, "value"));
			cmp[ncmp].datum_b = (scmp_datum_t)json_integer_value(json_object_get(arg, "valueTwo"));
			ncmp++;
		}
		json_array_foreach(json_object_get(rule, "names"), j, name) {
			int nr = seccomp_syscall_resolve_name(json_string_value(name) ? json_string_value(name) : "");
			if (nr == __NR_SCMP_ERROR)
				continue;  /* unknown to this libseccomp: nothing to allow */
			/* several args on one rule mean "all of them" (libseccomp ANDs them); Docker
			 * lists alternatives as separate rules */
			r = seccomp_rule_add_array(ctx, act, nr, ncmp, cmp);
			if (r < 0 && r != -EEXIST && ncmp == 0) {
				seccomp_release(ctx);
				return berr_sys(err, -r, "seccomp: add %s", json_string_value(name));
			}
		}
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return berr_sys(err, -r, "seccomp: load filter");
	return 0;
}
