/* Devices a container is given beyond Docker's standard set: --device (a host node, or every
 * node below a host directory, made in the container with the host's numbers, mode and owner,
 * and allowed in its device cgroup) and --device-cgroup-rule (an allow rule alone). Gathered
 * from the host as Docker's daemon does (getDevicesFromPath) when the container starts, so a
 * missing node fails the start, not the create, as Docker's. The block devices that blkio
 * weights and throttles name are found here too (and checked at create, as Docker does). */
#include "runtime/runtime.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void add_device(struct rt_devices *d, const char *path, const struct stat *st, const char *perms)
{
	struct rt_device *dev;
	struct rt_dev_rule *rule;

	d->devices = xreallocarray(d->devices, d->ndevices + 1, sizeof(*d->devices));
	d->rules = xreallocarray(d->rules, d->nrules + 1, sizeof(*d->rules));
	dev = &d->devices[d->ndevices++];
	dev->path = path_clean(path);   /* as runc joins it to the rootfs: "/dev/x/" is /dev/x */
	dev->mode = st->st_mode & (S_IFMT | 07777);
	dev->rdev = st->st_rdev;
	dev->uid = st->st_uid;
	dev->gid = st->st_gid;
	rule = &d->rules[d->nrules++];
	rule->type = S_ISBLK(st->st_mode) ? 'b' : 'c';
	rule->major = major(st->st_rdev);
	rule->minor = minor(st->st_rdev);
	snprintf(rule->access, sizeof(rule->access), "%s", perms);
}

static int is_device(const struct stat *st)
{
	return S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode);
}

/* Every node below host (Go's filepath.Walk: lexical order, links not followed), each at the
 * same place below ctr. */
static void add_tree(struct rt_devices *d, const char *host, const char *ctr, const char *perms)
{
	struct dirent **names = NULL;
	int n = scandir(host, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct stat st;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			_cleanup_free_ char *h = xasprintf("%s/%s", host, name);
			_cleanup_free_ char *c = xasprintf("%s/%s", ctr, name);
			if (lstat(h, &st) < 0)
				;   /* gone meanwhile: Docker's walk ignores it too */
			else if (is_device(&st))
				add_device(d, c, &st, perms);
			else if (S_ISDIR(st.st_mode))
				add_tree(d, h, c, perms);
		}
		free(names[i]);
	}
	free(names);
}

/* One --device mapping {PathOnHost, PathInContainer, CgroupPermissions}. */
static int gather_one(struct rt_devices *d, json_t *m, berr_t *err)
{
	const char *host = json_string_value(json_object_get(m, "PathOnHost"));
	const char *ctr = json_string_value(json_object_get(m, "PathInContainer"));
	const char *perms = json_string_value(json_object_get(m, "CgroupPermissions"));
	_cleanup_free_ char *resolved = NULL;
	size_t before = d->ndevices;
	const char *why = "not a device node";
	char buf[128];
	struct stat st;

	if (!host || !*host)
		return berr_set(err, EINVAL, "invalid device mapping: no PathOnHost");
	if (!ctr || !*ctr)
		ctr = host;
	if (!perms || !*perms)
		perms = "rwm";
	/* a link on the host names the node it points to (Docker resolves it first) */
	if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode))
		resolved = realpath(host, NULL);
	if (!resolved)
		resolved = xstrdup(host);
	if (lstat(resolved, &st) < 0) {
		why = go_errno(errno, buf);
	} else if (is_device(&st)) {
		add_device(d, ctr, &st, perms);
		return 0;
	} else if (S_ISDIR(st.st_mode)) {
		add_tree(d, resolved, ctr, perms);
	}
	if (d->ndevices > before)
		return 0;
	return berr_set(err, ENODEV, "error gathering device information while adding custom device \"%s\": %s",
			host, why);
}

/* A major or minor of a rule at *p: "*" (-1) or digits, which the kernel takes as 32 bits (v1's
 * devices.allow refuses more, v2's program compares 32-bit numbers). 0, -EINVAL (no number), or
 * -ERANGE; *p moves past it. */
static int rule_number(const char **p, int64_t *out)
{
	uint64_t v = 0;

	if (**p == '*') {
		(*p)++;
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	for (; isdigit((unsigned char)**p); (*p)++)
		if (v <= UINT32_MAX)   /* past it the value is refused anyway: no overflow to care about */
			v = v * 10 + (uint64_t)(**p - '0');
	*out = (int64_t)v;
	return v > UINT32_MAX ? -ERANGE : 0;
}

/* "c 1:3 mr": the grammar of Docker's daemon, ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$,
 * single spaces and nothing after; its messages (a number it cannot parse is "invalid major
 * value", and so is one beyond the kernel's 32 bits, which its runc leaves to the kernel). */
int rt_dev_rule_parse(const char *text, struct rt_dev_rule *r, berr_t *err)
{
	const char *p = text;
	size_t acc;
	int rm = 0, rn = 0;

	memset(r, 0, sizeof(*r));
	r->type = *p;
	if (!*p || !strchr("acb", *p++) || *p++ != ' ' || (rm = rule_number(&p, &r->major)) == -EINVAL ||
	    *p++ != ':' || (rn = rule_number(&p, &r->minor)) == -EINVAL || *p++ != ' ')
		return berr_set(err, EINVAL, "invalid device cgroup rule format: '%s'", text);
	acc = strspn(p, "rwm");
	if (acc < 1 || acc > 3 || p[acc])
		return berr_set(err, EINVAL, "invalid device cgroup rule format: '%s'", text);
	if (rm < 0 || rn < 0)
		return berr_set(err, ERANGE, "invalid %s value in device cgroup rule format: '%s'",
				rm < 0 ? "major" : "minor", text);
	memcpy(r->access, p, acc);
	return 0;
}

/* The Blkio lists of HostConfig: [{Path, Weight}] or [{Path, Rate}], a device's numbers from a
 * stat of Path (as Docker's daemon finds them). */
int rt_blkio_gather(json_t *hc, struct rt_devices *d, berr_t *err)
{
	static const struct { const char *key, *value; enum rt_blkio_kind kind; } LISTS[] = {
		{ "BlkioWeightDevice", "Weight", RT_BLKIO_WEIGHT },
		{ "BlkioDeviceReadBps", "Rate", RT_BLKIO_READ_BPS },
		{ "BlkioDeviceWriteBps", "Rate", RT_BLKIO_WRITE_BPS },
		{ "BlkioDeviceReadIOps", "Rate", RT_BLKIO_READ_IOPS },
		{ "BlkioDeviceWriteIOps", "Rate", RT_BLKIO_WRITE_IOPS },
	};
	char buf[128];

	for (size_t l = 0; l < sizeof(LISTS) / sizeof(LISTS[0]); l++) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(hc, LISTS[l].key), i, e) {
			const char *path = json_string_value(json_object_get(e, "Path"));
			struct rt_blkio_dev *b;
			struct stat st;
			if (!path || stat(path, &st) < 0)
				return berr_set(err, errno, "stat %s: %s", path ? path : "", go_errno(path ? errno : EINVAL, buf));
			d->blkio = xreallocarray(d->blkio, d->nblkio + 1, sizeof(*d->blkio));
			b = &d->blkio[d->nblkio++];
			b->kind = LISTS[l].kind;
			b->major = major(st.st_rdev);
			b->minor = minor(st.st_rdev);
			b->value = (uint64_t)json_integer_value(json_object_get(e, LISTS[l].value));
		}
	}
	return 0;
}

int rt_devices_gather(json_t *hc, struct rt_devices *d, berr_t *err)
{
	size_t i;
	json_t *e;
	int r;

	memset(d, 0, sizeof(*d));
	json_array_foreach(json_object_get(hc, "Devices"), i, e)
		if ((r = gather_one(d, e, err)) < 0)
			return r;
	json_array_foreach(json_object_get(hc, "DeviceCgroupRules"), i, e) {
		const char *text = json_string_value(e);
		d->rules = xreallocarray(d->rules, d->nrules + 1, sizeof(*d->rules));
		if ((r = rt_dev_rule_parse(text ? text : "", &d->rules[d->nrules], err)) < 0)
			return r;
		d->nrules++;
	}
	return rt_blkio_gather(hc, d, err);
}

void rt_devices_free(struct rt_devices *d)
{
	for (size_t i = 0; i < d->ndevices; i++)
		free(d->devices[i].path);
	free(d->devices);
	free(d->rules);
	free(d->blkio);
	memset(d, 0, sizeof(*d));
}
