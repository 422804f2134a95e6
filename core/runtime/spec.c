/* From a container's stored document (Docker's Config/HostConfig shapes) to a runtime spec. */
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <linux/capability.h>

static const char *const CAP_NAMES[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define NCAPS (int)(sizeof(CAP_NAMES) / sizeof(CAP_NAMES[0]))

uint64_t rt_default_caps(void)
{
	static const int def[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD,
				   CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
				   CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE };
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		m |= 1ULL << def[i];
	return m;
}

int rt_cap_from_name(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	if (!strcasecmp(name, "ALL"))
		return 64;
	for (int i = 0; i < NCAPS; i++)
		if (!strcasecmp(name, CAP_NAMES[i]))
			return i;
	return -1;
}

int rt_last_cap(void)
{
	_cleanup_free_ char *s = NULL;
	if (read_file("/proc/sys/kernel/cap_last_cap", &s, NULL, NULL) == 0)
		return atoi(s);
	return NCAPS - 1;
}

uint64_t rt_all_caps(void)
{
	int lc = rt_last_cap();
	return lc >= 63 ? ~0ULL : (1ULL << (lc + 1)) - 1;
}

static char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? xstrdup(s) : NULL;
}

static int64_t jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static char **jstrv(json_t *a, char **prefix)
{
	size_t n = json_array_size(a), np = 0, i;
	char **v;

	while (prefix && prefix[np])
		np++;
	v = xcalloc(n + np + 1, sizeof(char *));
	for (i = 0; i < np; i++)
		v[i] = prefix[i];
	for (i = 0; i < n; i++)
		v[np + i] = xstrdup(json_string_value(json_array_get(a, i)));
	return v;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static const struct { const char *name; int res; } RLIMITS[] = {
	{ "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU }, { "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE }, { "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
	{ "as", RLIMIT_AS },
};

static void add_mount(struct rt_spec *s, const char *src, const char *dst, const char *type,
		      const char *data, int ro)
{
	struct rt_mount *m;

	s->mounts = xreallocarray(s->mounts, s->nmounts + 1, sizeof(*s->mounts));
	m = &s->mounts[s->nmounts++];
	m->source = xstrdup(src);
	m->dest = path_clean(dst);
	m->type = xstrdup(type);
	m->data = data ? xstrdup(data) : NULL;
	m->readonly = ro;
	m->propagation = 0;
	/* Docker's defaults for a tmpfs (the flags of a bind come from readonly and propagation) */
	m->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0);
}

/* s[0..n) as Go's %q writes it: in quotes, a backslash before " and \\, \\xNN for control bytes. */
static char *go_quote(const char *s, size_t n)
{
	char *out = xmalloc(n * 4 + 3), *o = out;

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			o += sprintf(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	*o = 0;
	return out;
}

/* Docker's bind-propagation names as mount(2) flags; 0 for an unknown name. */
static unsigned long propagation_flags(const char *p)
{
	static const struct { const char *name; unsigned long flags; } P[] = {
		{ "private", MS_PRIVATE }, { "rprivate", MS_REC | MS_PRIVATE }, { "shared", MS_SHARED },
		{ "rshared", MS_REC | MS_SHARED }, { "slave", MS_SLAVE }, { "rslave", MS_REC | MS_SLAVE },
	};
	for (size_t i = 0; p && i < sizeof(P) / sizeof(P[0]); i++)
		if (!strcmp(p, P[i].name))
			return P[i].flags;
	return 0;
}

int rt_root_propagation(const struct rt_spec *s)
{
	for (size_t i = 0; i < s->nmounts; i++)
		if (!strcmp(s->mounts[i].type, "bind") && (s->mounts[i].propagation & (MS_SLAVE | MS_SHARED)))
			return 1;
	return 0;
}

/* The words of mount(8) options that are mount flags (moby/sys mount's table): set, or cleared. */
static const struct { const char *name; int clear; unsigned long flag; } MOUNT_FLAGS[] = {
	{ "ro", 0, MS_RDONLY }, { "rw", 1, MS_RDONLY }, { "suid", 1, MS_NOSUID }, { "nosuid", 0, MS_NOSUID },
	{ "dev", 1, MS_NODEV }, { "nodev", 0, MS_NODEV }, { "exec", 1, MS_NOEXEC }, { "noexec", 0, MS_NOEXEC },
	{ "sync", 0, MS_SYNCHRONOUS }, { "async", 1, MS_SYNCHRONOUS }, { "dirsync", 0, MS_DIRSYNC },
	{ "remount", 0, MS_REMOUNT }, { "mand", 0, MS_MANDLOCK }, { "nomand", 1, MS_MANDLOCK },
	{ "atime", 1, MS_NOATIME }, { "noatime", 0, MS_NOATIME }, { "diratime", 1, MS_NODIRATIME },
	{ "nodiratime", 0, MS_NODIRATIME }, { "relatime", 0, MS_RELATIME }, { "norelatime", 1, MS_RELATIME },
	{ "strictatime", 0, MS_STRICTATIME }, { "nostrictatime", 1, MS_STRICTATIME },
	{ "bind", 0, MS_BIND }, { "rbind", 0, MS_BIND | MS_REC },
};
/* The tmpfs data options Docker lets through (the kernel judges their values). */
static const char *const TMPFS_DATA[] = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol" };

/* --tmpfs DEST:OPTIONS as Docker applies them: flag words (above) set or clear mount flags on
 * top of nosuid,nodev,noexec, propagation words set the mount's propagation, "defaults" does
 * nothing, KEY=VALUE with a tmpfs key goes to the file system as data; anything else is refused
 * with Docker's message (Go's %q of the word split at its first "="). */
static int tmpfs_options(struct rt_mount *m, const char *opts, berr_t *err)
{
	_cleanup_free_ char *copy = xstrdup(opts), *data = xcalloc(strlen(opts) + 1, 1);
	char *p = copy, *o;

	if (!*opts)
		return 0;
	while ((o = strsep(&p, ","))) {
		const char *eq = strchr(o, '=');
		size_t i, klen = eq ? (size_t)(eq - o) : strlen(o);
		int known = !strcmp(o, "defaults");
		for (i = 0; !known && i < sizeof(MOUNT_FLAGS) / sizeof(MOUNT_FLAGS[0]); i++)
			if (!strcmp(o, MOUNT_FLAGS[i].name)) {
				if (MOUNT_FLAGS[i].clear)
					m->flags &= ~MOUNT_FLAGS[i].flag;
				else
					m->flags |= MOUNT_FLAGS[i].flag;
				known = 1;
			}
		if (!known && (propagation_flags(o) || !strcmp(o, "unbindable") || !strcmp(o, "runbindable"))) {
			m->propagation = propagation_flags(o) ? propagation_flags(o) :
					 MS_UNBINDABLE | (o[0] == 'r' ? MS_REC : 0);
			known = 1;
		}
		for (i = 0; !known && eq && i < sizeof(TMPFS_DATA) / sizeof(TMPFS_DATA[0]); i++)
			if (strlen(TMPFS_DATA[i]) == klen && !strncmp(o, TMPFS_DATA[i], klen)) {
				if (*data)
					strcat(data, ",");
				strcat(data, o);
				known = 1;
			}
		if (!known) {
			_cleanup_free_ char *k = go_quote(o, klen), *v = eq ? go_quote(eq + 1, strlen(eq + 1)) : NULL;
			return berr_set(err, EINVAL, "invalid tmpfs option [%s%s%s]", k, v ? " " : "", v ? v : "");
		}
	}
	m->readonly = (m->flags & MS_RDONLY) != 0;
	free(m->data);
	m->data = *data ? xstrdup(data) : NULL;
	return 0;
}

/* "host:ctr[:opts]" as -v gives it (the Lua side already made host paths absolute). */
static int parse_bind(struct rt_spec *s, const char *b, berr_t *err)
{
	_cleanup_free_ char *copy = xstrdup(b);
	char *ctr, *opts;
	int ro = 0;

	ctr = strchr(copy, ':');
	if (!ctr)
		return berr_set(err, EINVAL, "invalid bind mount %s", b);
	*ctr++ = 0;
	opts = strchr(ctr, ':');
	if (opts) {
		*opts++ = 0;
		ro = strstr(opts, "ro") != NULL && strstr(opts, "rw") == NULL;
	}
	if (copy[0] != '/' && (strchr(copy, '/') || copy[0] == '.'))
		return berr_set(err, EINVAL, "invalid bind mount %s: paths must be absolute", b);
	if (copy[0] != '/')
		return 0;   /* a named volume: it comes through Mounts */
	if (ctr[0] != '/')
		return berr_set(err, EINVAL, "invalid bind mount %s: paths must be absolute", b);
	add_mount(s, copy, ctr, "bind", NULL, ro);
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ","))
		if (propagation_flags(o))
			s->mounts[s->nmounts - 1].propagation = propagation_flags(o);
	return 0;
}

static int parse_security_opts(struct rt_spec *s, json_t *opts, const char *seccomp_default,
			       berr_t *err)
{
	const char *seccomp = seccomp_default;
	size_t i;
	json_t *e;

	json_array_foreach(opts, i, e) {
		const char *o = json_string_value(e);
		if (!o)
			continue;
		if (!strcmp(o, "no-new-privileges") || !strcmp(o, "no-new-privileges=true") ||
		    !strcmp(o, "no-new-privileges:true"))
			s->no_new_privs = 1;
		else if (!strncmp(o, "seccomp=", 8) || !strncmp(o, "seccomp:", 8))
			seccomp = o + 8;
		else if (!strncmp(o, "apparmor", 8) || !strncmp(o, "label", 5))
			continue;  /* no LSM support: accepted and ignored like Docker without one */
		else if (strncmp(o, "no-new-privileges", 17))
			return berr_set(err, EINVAL, "invalid --security-opt: %s", o);
	}
	if (s->privileged && seccomp == seccomp_default)
		return 0;  /* --privileged runs unconfined unless a profile is named */
	if (!seccomp || !strcmp(seccomp, "unconfined"))
		return 0;
	s->seccomp_file = xstrdup(seccomp);   /* read (and parsed if need be) by rt_seccomp_prepare */
	return 0;
}

/* GroupAdd, Sysctls and the UTS, pid and IPC modes as create stored them (already checked);
 * the caller fills the paths of a container whose namespace is joined. */
static void parse_namespaces(struct rt_spec *s, json_t *hc)
{
	static const char *const IPC[] = { "private", "shareable", "host", "none" };
	const char *k, *m;
	json_t *v;
	size_t n = 0;

	s->group_add = jstrv(json_object_get(hc, "GroupAdd"), NULL);
	s->sysctls = xcalloc(json_object_size(json_object_get(hc, "Sysctls")) + 1, sizeof(char *));
	json_object_foreach(json_object_get(hc, "Sysctls"), k, v)
		s->sysctls[n++] = xasprintf("%s=%s", k, json_string_value(v) ? json_string_value(v) : "");
	m = json_string_value(json_object_get(hc, "UTSMode"));
	s->uts_host = m && !strcmp(m, "host");
	m = json_string_value(json_object_get(hc, "PidMode"));
	s->pid_host = m && !strcmp(m, "host");
	m = json_string_value(json_object_get(hc, "IpcMode"));
	s->ipc = m && !strncmp(m, "container:", 10) ? RT_IPC_JOIN : RT_IPC_PRIVATE;
	for (size_t i = 0; m && i < sizeof(IPC) / sizeof(IPC[0]); i++)
		if (!strcmp(m, IPC[i]))
			s->ipc = (enum rt_ipc_mode)i;
}

char *rt_init_binary(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n > 0) {
		char *slash, *p;
		buf[n] = 0;
		if ((slash = strrchr(buf, '/'))) {
			*slash = 0;
			p = xasprintf("%s/berth-init", buf);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(BERTH_PREFIX "/bin/berth-init");
}

int rt_spec_from_json(struct rt_spec *s, json_t *doc, const char *rootfs, const char *cdir,
		      const char *seccomp_default, berr_t *err)
{
	json_t *cfg = json_object_get(doc, "Config"), *hc = json_object_get(doc, "HostConfig"), *e, *v;
	const char *k, *nm;
	char *ep_prefix[1] = { NULL };
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	s->id = jstr(doc, "Id");
	s->rootfs = xstrdup(rootfs);
	s->hostname = jstr(cfg, "Hostname");
	if (!s->hostname)
		s->hostname = strndup(s->id ? s->id : "berth", 12);
	s->domainname = jstr(cfg, "Domainname");
	s->user = jstr(cfg, "User");
	s->cwd = jstr(cfg, "WorkingDir");
	s->tty = json_is_true(json_object_get(cfg, "Tty"));

	/* argv = Path + Args as create resolved them (entrypoint + cmd) */
	if (!json_string_value(json_object_get(doc, "Path")))
		return berr_set(err, EINVAL, "no command specified");
	ep_prefix[0] = NULL;
	s->argv = jstrv(json_object_get(doc, "Args"), NULL);
	{
		size_t n = 0;
		char **nv;
		while (s->argv[n])
			n++;
		nv = xcalloc(n + 2, sizeof(char *));
		nv[0] = xstrdup(json_string_value(json_object_get(doc, "Path")));
		memcpy(nv + 1, s->argv, n * sizeof(char *));
		free(s->argv);
		s->argv = nv;
	}
	s->env = jstrv(json_object_get(cfg, "Env"), NULL);

	s->privileged = json_is_true(json_object_get(hc, "Privileged"));
	s->readonly_rootfs = json_is_true(json_object_get(hc, "ReadonlyRootfs"));
	s->init = json_is_true(json_object_get(hc, "Init"));
	/* create stored Docker's default for the host (host on v1, private on v2) or the choice */
	nm = json_string_value(json_object_get(hc, "CgroupnsMode"));
	s->cgroupns_host = nm && !strcmp(nm, "host");
	s->caps = rt_default_caps();
	if (s->privileged) {
		s->caps = rt_all_caps();
	} else {
		json_array_foreach(json_object_get(hc, "CapDrop"), i, e) {
			int c = rt_cap_from_name(json_string_value(e) ? json_string_value(e) : "");
			if (c < 0)
				return berr_set(err, EINVAL, "unknown capability: \"%s\"", json_string_value(e));
			if (c == 64)
				s->caps = 0;
			else
				s->caps &= ~(1ULL << c);
		}
		json_array_foreach(json_object_get(hc, "CapAdd"), i, e) {
			int c = rt_cap_from_name(json_string_value(e) ? json_string_value(e) : "");
			if (c < 0)
				return berr_set(err, EINVAL, "unknown capability: \"%s\"", json_string_value(e));
			s->caps |= c == 64 ? rt_all_caps() : 1ULL << c;
		}
	}
	if ((r = parse_security_opts(s, json_object_get(hc, "SecurityOpt"), seccomp_default, err)) < 0)
		return r;

	json_array_foreach(json_object_get(hc, "Binds"), i, e)
		if ((r = parse_bind(s, json_string_value(e) ? json_string_value(e) : "", err)) < 0)
			return r;
	json_object_foreach(json_object_get(hc, "Tmpfs"), k, v) {
		add_mount(s, "tmpfs", k, "tmpfs", NULL, 0);
		if ((r = tmpfs_options(&s->mounts[s->nmounts - 1], json_string_value(v) ? json_string_value(v) : "", err)) < 0)
			return r;
	}
	/* volumes and the binds not in Binds (--mount, --volumes-from) as create resolved them:
	 * [{Type, Source, Destination, RW}] */
	json_array_foreach(json_object_get(doc, "Mounts"), i, e) {
		const char *t = json_string_value(json_object_get(e, "Type"));
		const char *dst = json_string_value(json_object_get(e, "Destination"));
		_cleanup_free_ char *clean = dst ? path_clean(dst) : NULL;
		int seen = 0;
		for (size_t j = 0; clean && j < s->nmounts; j++)
			seen |= !strcmp(s->mounts[j].dest, clean);
		if (t && dst && !seen && (!strcmp(t, "volume") || !strcmp(t, "bind"))) {
			add_mount(s, json_string_value(json_object_get(e, "Source")), dst, "bind", NULL,
				  !json_is_true(json_object_get(e, "RW")));
			if (!strcmp(t, "bind"))
				s->mounts[s->nmounts - 1].propagation =
					propagation_flags(json_string_value(json_object_get(e, "Propagation")));
		}
	}
	/* --mount type=tmpfs: HostConfig.Mounts [{Type, Target, ReadOnly, TmpfsOptions}] */
	json_array_foreach(json_object_get(hc, "Mounts"), i, e) {
		const char *t = json_string_value(json_object_get(e, "Type"));
		json_t *to = json_object_get(e, "TmpfsOptions");
		char data[96] = "mode=1777";
		if (!t || strcmp(t, "tmpfs") || !json_string_value(json_object_get(e, "Target")))
			continue;
		if (json_integer_value(json_object_get(to, "Mode")))
			snprintf(data, sizeof(data), "mode=%llo", (unsigned long long)json_integer_value(json_object_get(to, "Mode")));
		if (json_integer_value(json_object_get(to, "SizeBytes")) > 0)
			snprintf(data + strlen(data), sizeof(data) - strlen(data), ",size=%lld",
				 (long long)json_integer_value(json_object_get(to, "SizeBytes")));
		add_mount(s, "tmpfs", json_string_value(json_object_get(e, "Target")), "tmpfs", data,
			  json_is_true(json_object_get(e, "ReadOnly")));
	}

	/* --init: the program that becomes pid 1, bound last as Docker does */
	if (s->init) {
		_cleanup_free_ char *bin = rt_init_binary();
		add_mount(s, bin, RT_INIT_PATH, "bind", NULL, 1);
	}

	for (size_t j = 0; j < s->nmounts; j++)
		if (!strcmp(s->mounts[j].dest, "/"))
			return berr_set(err, EINVAL, "invalid specification: destination can't be '/'");

	json_array_foreach(json_object_get(hc, "Ulimits"), i, e) {
		nm = json_string_value(json_object_get(e, "Name"));
		for (size_t j = 0; nm && j < sizeof(RLIMITS) / sizeof(RLIMITS[0]); j++) {
			if (strcmp(nm, RLIMITS[j].name))
				continue;
			s->rlimits = xreallocarray(s->rlimits, s->nrlimits + 1, sizeof(*s->rlimits));
			s->rlimits[s->nrlimits].resource = RLIMITS[j].res;
			s->rlimits[s->nrlimits].soft = jint(e, "Soft");
			s->rlimits[s->nrlimits].hard = jint(e, "Hard");
			s->nrlimits++;
		}
	}

	s->limits.memory = jint(hc, "Memory");
	s->limits.memory_swap = jint(hc, "MemorySwap");
	s->limits.nano_cpus = jint(hc, "NanoCpus");
	s->limits.cpu_period = jint(hc, "CpuPeriod");
	s->limits.cpu_quota = jint(hc, "CpuQuota");
	s->limits.cpu_shares = jint(hc, "CpuShares");
	s->limits.pids_limit = jint(hc, "PidsLimit");
	s->limits.memory_reservation = jint(hc, "MemoryReservation");
	/* null (Docker's nil) is the kernel's own */
	s->limits.memory_swappiness = json_is_integer(json_object_get(hc, "MemorySwappiness")) ?
				      jint(hc, "MemorySwappiness") : -1;
	s->limits.oom_kill_disable = json_is_true(json_object_get(hc, "OomKillDisable"));
	s->oom_score_adj = (int)jint(hc, "OomScoreAdj");
	s->limits.cpuset_cpus = jstr(hc, "CpusetCpus");
	s->limits.cpuset_mems = jstr(hc, "CpusetMems");
	s->limits.devices_all = s->privileged;
	s->limits.blkio_weight = (uint16_t)jint(hc, "BlkioWeight");
	s->shm_size = jint(hc, "ShmSize");
	if (s->shm_size <= 0)
		s->shm_size = 64 << 20;

	nm = json_string_value(json_object_get(hc, "NetworkMode"));
	s->net = RT_NET_NEW;
	if (nm && !strcmp(nm, "host"))
		s->net = RT_NET_HOST;
	else if (nm && !strncmp(nm, "container:", 10))
		s->net = RT_NET_JOIN;  /* the caller fills net_join_path */

	parse_namespaces(s, hc);

	s->hosts_path = xasprintf("%s/hosts", cdir);
	s->hostname_path = xasprintf("%s/hostname", cdir);
	s->resolv_path = xasprintf("%s/resolv.conf", cdir);
	(void)ep_prefix;
	(void)strv_free;
	return 0;
}

int rt_spec_devices(struct rt_spec *s, json_t *doc, berr_t *err)
{
	int r;

	if ((r = rt_devices_gather(json_object_get(doc, "HostConfig"), &s->devices, err)) < 0)
		return r;
	s->limits.dev_rules = s->devices.rules;
	s->limits.ndev_rules = s->devices.nrules;
	s->limits.blkio = s->devices.blkio;
	s->limits.nblkio = s->devices.nblkio;
	return 0;
}

void rt_spec_free(struct rt_spec *s)
{
	free(s->id);
	free(s->cgroup);
	free(s->rootfs);
	free(s->hostname);
	free(s->domainname);
	strv_free(s->argv);
	strv_free(s->env);
	free(s->cwd);
	free(s->user);
	json_decref(s->seccomp);
	free(s->seccomp_file);
	free(s->seccomp_bpf);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].dest);
		free(s->mounts[i].type);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	free(s->rlimits);
	free(s->net_join_path);
	free(s->ipc_join_path);
	free(s->ipc_shm_path);
	free(s->pid_join_path);
	strv_free(s->group_add);
	strv_free(s->sysctls);
	free(s->limits.cpuset_cpus);
	free(s->limits.cpuset_mems);
	rt_devices_free(&s->devices);
	free(s->hosts_path);
	free(s->hostname_path);
	free(s->resolv_path);
	memset(s, 0, sizeof(*s));
}
