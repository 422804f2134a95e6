/* Seccomp from a Docker-format profile (defaultAction, archMap, syscalls[] with args and
 * includes/excludes by capability), compiled with libseccomp for the container's caps. */
#include "runtime/runtime.h"
#include "common/util.h"

#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

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

static int seccomp_build(json_t *profile, uint64_t caps, scmp_filter_ctx *out, berr_t *err)
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
	/* the syscalls as a binary tree, not a list: the same decisions, in a few comparisons instead
	 * of hundreds, for every syscall the container makes and for the kernel, which runs the
	 * filter for each syscall number when it is loaded to build its cache of allowed ones
	 * (loading took 0.8-1.2 ms here, 0.45 ms as a tree) */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

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
	*out = ctx;
	return 0;
}

int rt_seccomp_load(json_t *profile, uint64_t caps, berr_t *err)
{
	scmp_filter_ctx ctx;
	int r;

	if ((r = seccomp_build(profile, caps, &ctx, err)) < 0)
		return r;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return berr_sys(err, -r, "seccomp: load filter");
	return 0;
}

/* Everything the compiled program depends on: the profile's bytes as read, caps, kernel and
 * libseccomp. The cache file holds this key (this head, then the profile), a NUL, then the
 * program; a file whose key differs (a hash collision, another libseccomp, an edited profile) is
 * never used. */
static char *seccomp_cache_head(uint64_t caps)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	return xasprintf("berth-seccomp 3\nlibseccomp %u.%u.%u\nkernel %s %s\ncaps %016llx\n",
			 v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, u.release, u.machine,
			 (unsigned long long)caps);
}

#define FNV_INIT 0xcbf29ce484222325ULL

static uint64_t fnv1a64(uint64_t h, const char *p, size_t n)
{
	while (n--)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

/* Whether len bytes can be a classic BPF program the kernel takes. */
static int program_len_ok(size_t len)
{
	return len && !(len % sizeof(struct sock_filter)) && len / sizeof(struct sock_filter) <= BPF_MAXINSNS;
}

static int take_program(struct rt_spec *s, const char *data, size_t len)
{
	if (!program_len_ok(len))
		return -EINVAL;
	s->seccomp_bpf = xmalloc(len);
	memcpy(s->seccomp_bpf, data, len);
	s->seccomp_bpf_len = len;
	return 0;
}

#define SC_BUF 4096

/* Whether the next n bytes of fds a and b are the same. */
static int same_bytes(int a, int b, size_t n)
{
	char x[SC_BUF], y[SC_BUF];

	while (n) {
		size_t k = n < SC_BUF ? n : SC_BUF;
		if (read_full(a, x, k) != (ssize_t)k || read_full(b, y, k) != (ssize_t)k || memcmp(x, y, k))
			return 0;
		n -= k;
	}
	return 1;
}

/* A start's hit, with neither file nor the key in memory whole: the profile is streamed twice
 * through a small buffer (its bytes name the cache file, then are compared with the file's key)
 * and only the program is read into the heap. Reading both whole and making the key of them
 * was ~80 kB of fresh heap a start, ~20 first touches of a page (10-25 us each here). 0 when
 * the file at path served; the profile's offset is left anywhere. */
static int cached_program(struct rt_spec *s, const char *head, int pfd, size_t tlen, const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t hlen = strlen(head), plen;
	struct stat st;
	char h[512], nul = 1;

	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size <= hlen + tlen + 1 || hlen > sizeof(h) ||
	    read_full(fd, h, hlen) != (ssize_t)hlen || memcmp(h, head, hlen) || lseek(pfd, 0, SEEK_SET) < 0 ||
	    !same_bytes(fd, pfd, tlen) || read_full(fd, &nul, 1) != 1 || nul)
		return -1;
	plen = (size_t)st.st_size - hlen - tlen - 1;
	if (!program_len_ok(plen))
		return -1;
	s->seccomp_bpf = xmalloc(plen);
	if (read_full(fd, s->seccomp_bpf, plen) != (ssize_t)plen) {
		free(s->seccomp_bpf);
		s->seccomp_bpf = NULL;
		return -1;
	}
	s->seccomp_bpf_len = plen;
	return 0;
}

int rt_seccomp_prepare(struct rt_spec *s, const char *cache_dir, berr_t *err)
{
	_cleanup_free_ char *head = NULL, *path = NULL, *tmp = NULL, *prog = NULL, *text = NULL;
	scmp_filter_ctx ctx;
	size_t hlen, plen, tlen = 0;
	json_error_t jerr;
	uint64_t hash;
	int fd, r;

	if (!s->seccomp_file)
		return 0;
	if (!(head = seccomp_cache_head(s->caps)))
		return berr_set(err, ENOMEM, "seccomp: profile key");
	hlen = strlen(head);
	hash = fnv1a64(FNV_INIT, head, hlen);
	{
		_cleanup_close_ int pfd = open(s->seccomp_file, O_RDONLY | O_CLOEXEC);
		char buf[SC_BUF];
		ssize_t n;
		if (pfd < 0)
			return berr_sys(err, errno, "seccomp profile %s: open %s", s->seccomp_file, s->seccomp_file);
		while ((n = read_full(pfd, buf, sizeof(buf))) > 0) {
			hash = fnv1a64(hash, buf, (size_t)n);
			tlen += (size_t)n;
		}
		if (n < 0)
			return berr_sys(err, (int)-n, "seccomp profile %s: read %s", s->seccomp_file, s->seccomp_file);
		path = xasprintf("%s/%016llx.bpf", cache_dir, (unsigned long long)hash);
		if (cached_program(s, head, pfd, tlen, path) == 0)
			return 0;
	}

	/* a miss: parse, compile, export the program through a memfd, keep it for next time */
	if (read_file(s->seccomp_file, &text, &tlen, err) < 0)
		return berr_wrap(err, "seccomp profile %s", s->seccomp_file);
	if (!(s->seccomp = json_loadb(text, tlen, 0, &jerr)))
		return berr_set(err, EINVAL, "seccomp profile %s: %s (line %d, column %d)", s->seccomp_file,
				jerr.text, jerr.line, jerr.column);
	if ((r = seccomp_build(s->seccomp, s->caps, &ctx, err)) < 0)
		return r;
	fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		seccomp_release(ctx);
		return berr_sys(err, errno, "seccomp: memfd");
	}
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	{
		struct stat st;
		if (r < 0 || fstat(fd, &st) < 0 || (plen = (size_t)st.st_size) == 0 ||
		    pread(fd, prog = xmalloc(plen), plen, 0) != (ssize_t)plen || take_program(s, prog, plen) < 0) {
			close(fd);
			return berr_sys(err, r < 0 ? -r : EIO, "seccomp: export filter");
		}
	}
	close(fd);
	/* best effort: a cache that cannot be written only costs the next start the compile */
	{
		berr_t e = { 0 };
		if (mkdir_p(cache_dir, 0700, &e) < 0) {
			berr_clear(&e);
			return 0;
		}
	}
	tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	r = write_all(fd, head, hlen) < 0 || write_all(fd, text, tlen) < 0 || write_all(fd, "", 1) < 0 ||
	    write_all(fd, prog, plen) < 0;
	if (close(fd) < 0 || r || rename(tmp, path) < 0)
		unlink(tmp);
	return 0;
}
