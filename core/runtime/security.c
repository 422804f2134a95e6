/* Who the container runs as and what it may do: user/groups from the image's own files,
 * rlimits, capabilities (bounding, permitted, effective; inheritable and ambient stay empty) and
 * no_new_privs. */
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Split one line of an /etc/passwd-format file into at most n fields (strsep keeps empty ones). */
static int split_fields(char *line, char **fields, int n)
{
	int i = 0;
	char *p = line;

	line[strcspn(line, "\n")] = 0;
	memset(fields, 0, (size_t)n * sizeof(char *));
	while (i < n && (fields[i] = strsep(&p, ":")))
		i++;
	return i;
}

/* The first entry of an /etc/passwd-format file whose name (field 0) is key, or whose id
 * (field 2) is key when key is a number, as runc matches; fields point into *line (a getline
 * buffer of *cap bytes). */
static int find_entry(const char *file, const char *key, char **fields, int nfields, char **line,
		      size_t *cap)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");

	if (!f)
		return -ENOENT;
	/* getline: a long member list is one line, never a second "entry" made of its tail */
	while (getline(line, cap, f) >= 0) {
		int n = split_fields(*line, fields, nfields);
		if (n > 2 && (!strcmp(fields[0], key) || (is_number(key) && !strcmp(fields[2], key))))
			return 0;
	}
	return -ENOENT;
}

static void add_group(gid_t **groups, size_t *n, gid_t g)
{
	*groups = xreallocarray(*groups, *n + 1, sizeof(gid_t));
	(*groups)[(*n)++] = g;
}

int rt_resolve_user_files(const char *passwd, const char *group_file, const char *spec, uid_t *uid,
			  gid_t *gid, gid_t **groups, size_t *ngroups, char **home, berr_t *err)
{
	_cleanup_free_ char *copy = xstrdup(spec && *spec ? spec : "0");
	_cleanup_free_ char *line = NULL, *name = NULL;
	char *user = copy, *group = strchr(copy, ':'), *f[7];
	size_t cap = 0;

	if (group)
		*group++ = 0;
	*groups = NULL;
	*ngroups = 0;
	*home = NULL;
	if (find_entry(passwd, user, f, 7, &line, &cap) == 0) {
		*uid = (uid_t)strtoul(f[2], NULL, 10);
		*gid = f[3] ? (gid_t)strtoul(f[3], NULL, 10) : 0;
		*home = xstrdup(f[5] && *f[5] ? f[5] : "/");
		name = xstrdup(f[0]);   /* the supplementary groups list members by name */
	} else if (is_number(user)) {
		*uid = (uid_t)strtoul(user, NULL, 10);
		*gid = 0;
		*home = xstrdup("/");
	} else {
		return berr_set(err, ENOENT, "unable to find user %s: no matching entries in passwd file", user);
	}
	if (group) {
		if (find_entry(group_file, group, f, 4, &line, &cap) == 0)
			*gid = (gid_t)strtoul(f[2], NULL, 10);
		else if (is_number(group))
			*gid = (gid_t)strtoul(group, NULL, 10);
		else
			return berr_set(err, ENOENT, "unable to find group %s: no matching entries in group file", group);
	}
	/* Docker (since the fix of CVE-2022-36109) lists the primary group first, then, only when
	 * no group was named, every group whose member list names the user; duplicates kept */
	add_group(groups, ngroups, *gid);
	if (!group && name) {
		_cleanup_fclose_ FILE *gf = fopen(group_file, "re");
		while (gf && getline(&line, &cap, gf) >= 0) {
			char *fld[4], *save = NULL;
			if (split_fields(line, fld, 4) < 4 || !fld[2] || !fld[3])
				continue;
			for (char *m = strtok_r(fld[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
				if (!strcmp(m, name))
					add_group(groups, ngroups, (gid_t)strtoul(fld[2], NULL, 10));
		}
	}
	return 0;
}

int rt_resolve_group_add(const char *group_file, char *const *names, gid_t **groups, size_t *ngroups,
			berr_t *err)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	char *f[4];

	for (char *const *g = names; g && *g; g++) {
		if (find_entry(group_file, *g, f, 4, &line, &cap) == 0) {
			add_group(groups, ngroups, (gid_t)strtoul(f[2], NULL, 10));
		} else if (is_number(*g)) {
			/* libcontainer's range for a gid no entry names */
			if (strlen(*g) > 10 || strtoull(*g, NULL, 10) > 2147483647ULL)
				return berr_set(err, ERANGE, "uids and gids must be in range 0-2147483647");
			add_group(groups, ngroups, (gid_t)strtoul(*g, NULL, 10));
		} else {
			return berr_set(err, ENOENT, "Unable to find group %s: no matching entries in group file", *g);
		}
	}
	return 0;
}

int rt_resolve_user(const char *spec, uid_t *uid, gid_t *gid, gid_t **groups, size_t *ngroups,
		    char **home, berr_t *err)
{
	return rt_resolve_user_files("/etc/passwd", "/etc/group", spec, uid, gid, groups, ngroups, home, err);
}

/* --oom-score-adj, for the init and each exec as runc sets it (always: an exec would keep its
 * caller's value); before the caps go, lowering it needs CAP_SYS_RESOURCE. The default 0 may
 * stay unwritten where the caller holds a value it cannot lower. */
static int set_oom_score_adj(int adj, berr_t *err)
{
	char buf[16];
	_cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int n = snprintf(buf, sizeof(buf), "%d", adj);

	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		if (adj == 0)
			return 0;
		return berr_sys(err, errno, "write %d to /proc/self/oom_score_adj", adj);
	}
	return 0;
}

int rt_apply_privileges(const struct rt_spec *s, berr_t *err)
{
	uid_t uid; gid_t gid;
	_cleanup_free_ gid_t *groups = NULL;
	_cleanup_free_ char *home = NULL;
	size_t ng = 0;
	int lc = rt_last_cap(), r;
	cap_t caps;
	cap_value_t list[64];
	int n = 0;

	if ((r = rt_resolve_user(s->user, &uid, &gid, &groups, &ng, &home, err)) < 0 ||
	    (r = rt_resolve_group_add("/etc/group", s->group_add, &groups, &ng, err)) < 0)
		return r;
	/* the container's --ulimit values, for exec too (else it kept the caller's: nproc and
	 * nofile unbounded by the container's limits); before the caps go (raising one needs
	 * CAP_SYS_RESOURCE) */
	for (size_t i = 0; i < s->nrlimits; i++) {
		struct rlimit rl = { .rlim_cur = s->rlimits[i].soft, .rlim_max = s->rlimits[i].hard };
		if (setrlimit(s->rlimits[i].resource, &rl) < 0)
			return berr_sys(err, errno, "setrlimit %d", s->rlimits[i].resource);
	}
	if ((r = set_oom_score_adj(s->oom_score_adj, err)) < 0)
		return r;
	for (int c = 0; c <= lc; c++) {
		/* we can only hand on what we hold (a nested engine may lack some) */
		if ((s->caps & (1ULL << c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			list[n++] = c;
		else if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return berr_sys(err, errno, "drop capability %d from the bounding set", c);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return berr_sys(err, errno, "keep capabilities");
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berr_sys(err, errno, "no_new_privs");
	/* seccomp while we still hold CAP_SYS_ADMIN: loading without no_new_privs needs it */
	if (s->seccomp_bpf) {
		struct sock_fprog prog = { .len = (unsigned short)(s->seccomp_bpf_len / sizeof(struct sock_filter)),
					   .filter = s->seccomp_bpf };
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return berr_sys(err, errno, "seccomp: load filter");
	} else if (s->seccomp_file && !s->seccomp) {
		return berr_set(err, EINVAL, "seccomp: profile %s was not prepared", s->seccomp_file);
	} else if (s->seccomp && (r = rt_seccomp_load(s->seccomp, s->caps, err)) < 0) {
		return r;
	}
	if (setgroups(ng, groups) < 0)
		return berr_sys(err, errno, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return berr_sys(err, errno, "setgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return berr_sys(err, errno, "setuid %u", uid);
	/* effective and permitted only: an inheritable (or ambient) capability would let a
	 * non-root user gain it from a file with inheritable file capabilities
	 * (CVE-2022-24769); Docker and runc leave both empty */
	caps = cap_init();
	if (n) {
		cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET);
		cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET);
	}
	if (cap_set_proc(caps) < 0) {
		r = errno;
		cap_free(caps);
		return berr_sys(err, r, "set capabilities");
	}
	cap_free(caps);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return berr_sys(err, errno, "clear the ambient capabilities");
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}
