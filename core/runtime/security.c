/* Who the container runs as and what it may do: user/groups from the image's own files,
 * capabilities (bounding, permitted, effective, inheritable) and no_new_privs. */
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
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

/* The fields of the line of an /etc/passwd-format file whose field `key_idx` equals key. */
static int find_entry(const char *file, const char *key, int key_idx, char *fields[7], char *line, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");

	if (!f)
		return -ENOENT;
	while (fgets(line, (int)len, f)) {
		char *p = line, *save = NULL;
		int n = 0;
		line[strcspn(line, "\n")] = 0;
		memset(fields, 0, 7 * sizeof(char *));
		/* strsep keeps empty fields */
		while ((save = strsep(&p, ":")) && n < 7)
			fields[n++] = save;
		if (n > key_idx && fields[key_idx] && !strcmp(fields[key_idx], key))
			return 0;
	}
	return -ENOENT;
}

int rt_resolve_user(const char *spec, uid_t *uid, gid_t *gid, gid_t **groups, size_t *ngroups,
		    char **home, berr_t *err)
{
	_cleanup_free_ char *copy = xstrdup(spec && *spec ? spec : "0");
	char *user = copy, *group = strchr(copy, ':');
	char line[4096], *f[7];
	_cleanup_fclose_ FILE *gf = NULL;
	int found;

	if (group)
		*group++ = 0;
	*groups = NULL;
	*ngroups = 0;
	*home = NULL;
	found = find_entry("/etc/passwd", user, is_number(user) ? 2 : 0, f, line, sizeof(line)) == 0;
	if (found) {
		*uid = (uid_t)strtoul(f[2], NULL, 10);
		*gid = f[3] ? (gid_t)strtoul(f[3], NULL, 10) : 0;
		*home = xstrdup(f[5] ? f[5] : "/");
		user = xstrdup(f[0]);   /* name for the supplementary group scan */
		free(steal_ptr(copy));
		copy = user;
	} else if (is_number(user)) {
		*uid = (uid_t)strtoul(user, NULL, 10);
		*gid = 0;
		*home = xstrdup("/");
	} else {
		return berr_set(err, ENOENT, "unable to find user %s: no matching entries in passwd file", user);
	}
	if (group) {
		if (find_entry("/etc/group", group, is_number(group) ? 2 : 0, f, line, sizeof(line)) == 0)
			*gid = (gid_t)strtoul(f[2], NULL, 10);
		else if (is_number(group))
			*gid = (gid_t)strtoul(group, NULL, 10);
		else
			return berr_set(err, ENOENT, "unable to find group %s: no matching entries in group file", group);
	}
	/* supplementary groups: every group listing the user by name */
	gf = found ? fopen("/etc/group", "re") : NULL;
	while (gf && fgets(line, sizeof(line), gf)) {
		char *p = line, *fld[4] = { 0 };
		int n = 0;
		line[strcspn(line, "\n")] = 0;
		while (n < 4 && (fld[n] = strsep(&p, ":")))
			n++;
		if (n < 4 || !fld[3])
			continue;
		for (char *m = strtok(fld[3], ","); m; m = strtok(NULL, ","))
			if (!strcmp(m, copy)) {
				*groups = realloc(*groups, (*ngroups + 1) * sizeof(gid_t));
				(*groups)[(*ngroups)++] = (gid_t)strtoul(fld[2], NULL, 10);
			}
	}
	return 0;
}

static int last_cap(void)
{
	int c = (int)CAP_LAST_CAP;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f && fscanf(f, "%d", &c) != 1)
		c = (int)CAP_LAST_CAP;
	return c;
}

int rt_apply_privileges(const struct rt_spec *s, berr_t *err)
{
	uid_t uid; gid_t gid;
	_cleanup_free_ gid_t *groups = NULL;
	_cleanup_free_ char *home = NULL;
	size_t ng = 0;
	int lc = last_cap(), r;
	cap_t caps;
	cap_value_t list[64];
	int n = 0;

	if ((r = rt_resolve_user(s->user, &uid, &gid, &groups, &ng, &home, err)) < 0)
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
	caps = cap_init();
	if (n) {
		cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET);
		cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET);
		cap_set_flag(caps, CAP_INHERITABLE, n, list, CAP_SET);
	}
	if (cap_set_proc(caps) < 0) {
		r = errno;
		cap_free(caps);
		return berr_sys(err, r, "set capabilities");
	}
	cap_free(caps);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}
