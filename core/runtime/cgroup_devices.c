/* The device cgroup: which device nodes a container may create and open. Docker's list (the
 * standard nodes, ptys, tun; mknod of anything, since the node is useless without access) and
 * the container's own allow rules (--device, --device-cgroup-rule; limits.dev_rules): v1
 * takes it as lines in devices.deny/devices.allow, v2 has no such files and takes a BPF program
 * of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup, as runc and crun do. Without it a
 * container on v2 (CAP_MKNOD is a default capability) could make and open any host device. */
#include "runtime/cgroup.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ANY -1

static const struct rt_dev_rule RULES[] = {
	{ 'c', ANY, ANY, "m" }, { 'b', ANY, ANY, "m" },
	{ 'c', 1, 3, "rwm" },   /* null */
	{ 'c', 1, 5, "rwm" },   /* zero */
	{ 'c', 1, 7, "rwm" },   /* full */
	{ 'c', 1, 8, "rwm" },   /* random */
	{ 'c', 1, 9, "rwm" },   /* urandom */
	{ 'c', 5, 0, "rwm" },   /* tty */
	{ 'c', 5, 1, "rwm" },   /* console */
	{ 'c', 5, 2, "rwm" },   /* ptmx */
	{ 'c', 136, ANY, "rwm" }, /* pts */
	{ 'c', 10, 200, "rwm" }, /* net/tun */
};
#define NRULES (sizeof(RULES) / sizeof(RULES[0]))

/* Rule i of Docker's list followed by the container's own. */
static const struct rt_dev_rule *rule_at(const struct rt_limits *lim, size_t i)
{
	return i < NRULES ? &RULES[i] : &lim->dev_rules[i - NRULES];
}

/* One rule written to devices.allow, open on fd (each write is a rule of its own). */
static int v1_rule(int fd, const char *dir, const struct rt_dev_rule *r, berr_t *err)
{
	char line[80], maj[24], min[24];

	snprintf(maj, sizeof(maj), r->major == ANY ? "*" : "%lld", (long long)r->major);
	snprintf(min, sizeof(min), r->minor == ANY ? "*" : "%lld", (long long)r->minor);
	snprintf(line, sizeof(line), "%c %s:%s %s", r->type, maj, min, r->access);
	if (write(fd, line, strlen(line)) < 0)
		return berr_sys(err, errno, "write %s to %s/devices.allow", line, dir);
	return 0;
}

static int v1_devices(const char *dir, const struct rt_limits *lim, berr_t *err)
{
	_cleanup_free_ char *allow = xasprintf("%s/devices.allow", dir);
	_cleanup_close_ int fd = -1;
	int r;

	if (cgroup_write(dir, "devices.deny", "a", NULL) < 0)
		return 0;   /* no device controller for us to write (a nested berth) */
	/* one open for all the rules: a dozen on every start, and each open of a cgroup file costs */
	if ((fd = open(allow, O_WRONLY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open %s", allow);
	for (size_t i = 0; i < NRULES; i++)
		v1_rule(fd, dir, &RULES[i], NULL);
	/* the container's own rules were asked for: one the kernel refuses is an error */
	for (size_t i = 0; i < lim->ndev_rules; i++)
		if ((r = v1_rule(fd, dir, &lim->dev_rules[i], err)) < 0)
			return r;
	return 0;
}

/* ---- v2: the rules as a BPF program ---- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV_REG(dst, src) INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ALU_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *a)
{
	int bits = 0;
	for (; *a; a++)
		bits |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
	return bits;
}

/* r2 = type, r3 = access, r4 = major, r5 = minor; then per rule: every test that fails jumps
 * to the next rule, the last ones return 1 (allow); after the last rule, return 0 (deny). */
static size_t build_program(struct bpf_insn *p, const struct rt_limits *lim)
{
	size_t n = 0;

	p[n++] = LDX_W(2, 1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[n++] = MOV_REG(3, 2);
	p[n++] = ALU_IMM(BPF_AND, 2, 0xffff);
	p[n++] = ALU_IMM(BPF_RSH, 3, 16);
	p[n++] = LDX_W(4, 1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[n++] = LDX_W(5, 1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < NRULES + lim->ndev_rules; i++) {
		const struct rt_dev_rule *r = rule_at(lim, i);
		struct bpf_insn block[8];
		size_t b = 0, jumps[4], nj = 0;
		if (r->type != 'a') {
			jumps[nj++] = b;
			block[b++] = JNE_IMM(2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
		}
		if (r->major != ANY) {
			jumps[nj++] = b;
			block[b++] = JNE_IMM(4, (int32_t)r->major, 0);
		}
		if (r->minor != ANY) {
			jumps[nj++] = b;
			block[b++] = JNE_IMM(5, (int32_t)r->minor, 0);
		}
		/* the access asked for must be within the rule's */
		block[b++] = MOV_REG(6, 3);
		block[b++] = ALU_IMM(BPF_AND, 6, ~access_bits(r->access) & 7);
		jumps[nj++] = b;
		block[b++] = JNE_IMM(6, 0, 0);
		block[b++] = MOV_IMM(0, 1);
		block[b++] = EXIT();
		for (size_t j = 0; j < nj; j++)
			block[jumps[j]].off = (int16_t)(b - jumps[j] - 1);
		memcpy(p + n, block, b * sizeof(block[0]));
		n += b;
	}
	p[n++] = MOV_IMM(0, 0);
	p[n++] = EXIT();
	return n;
}

static int load_program(struct bpf_insn *prog, size_t n, char *log, size_t loglen)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	if (log) {   /* only to explain a refusal: a verbose log too long for the buffer fails a load */
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)loglen;
		attr.log_level = 1;
	}
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

int cgroup_v2_devices(const char *dir, const struct rt_limits *lim, berr_t *err)
{
	_cleanup_free_ struct bpf_insn *prog = xcalloc(8 + (NRULES + lim->ndev_rules) * 8, sizeof(*prog));
	size_t n = build_program(prog, lim);
	union bpf_attr attr;
	_cleanup_close_ int pfd = -1, cfd = -1;

	if ((pfd = load_program(prog, n, NULL, 0)) < 0) {
		char log[8192] = "";
		int e = errno;
		load_program(prog, n, log, sizeof(log));
		return berr_sys(err, e, "load the device filter (BPF)%s%.300s", *log ? ": " : "", log);
	}
	if ((cfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open %s", dir);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cfd;
	attr.attach_bpf_fd = (uint32_t)pfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* beside any program systemd put on a delegated scope: every one of them must allow */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		return berr_sys(err, errno, "attach the device filter to %s", dir);
	return 0;   /* the cgroup holds the program now; it goes with the cgroup */
}

int cgroup_devices(const struct cgroup_driver *d, const char *id, const struct rt_limits *lim, berr_t *err)
{
	_cleanup_free_ char *dir = NULL;

	if (cgroup_is_v2()) {
		dir = cgroup_dir_of(d, id, NULL);
		return cgroup_v2_devices(dir, lim, err);
	}
	dir = cgroup_dir_of(d, id, "devices");
	if (access(dir, F_OK) == 0)
		return v1_devices(dir, lim, err);
	return 0;
}
