/* The storage drivers, loaded as berth loads them (build/plugins/storage/<name>.so through
 * plugin_open_file) and driven through their vtable in a scratch data root: layers from GNU tar
 * fixtures with whiteouts, a container layer on top, get/put counting, changes, diff and
 * re-import, sizes, status, metadata and removal. overlay2 needs root and overlayfs; it is
 * skipped, with the reason, where its init refuses the host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "plugin/loader.h"
#include "archive/archive.h"
#include "common/digest.h"
#include "common/util.h"

static char *tmp;
static char plugin_dir[PATH_MAX];

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
	free(cmd);
}

static char *slurp_fd(int fd)
{
	struct stat st;
	char *s;

	assert_int_equal(fstat(fd, &st), 0);
	s = xmalloc((size_t)st.st_size + 1);
	assert_int_equal(pread(fd, s, (size_t)st.st_size, 0), st.st_size);
	s[st.st_size] = 0;
	return s;
}

struct driver {
	const char *name;
	struct plugin *plugin;
	const struct berth_storage_ops *ops;
	char *home;
};

/* Load and init a driver; returns 0, or the init error (err filled). */
static int load(struct driver *d, const char *name, berr_t *err)
{
	char *path = xasprintf("%s/%s.so", plugin_dir, name);
	int r;

	d->name = name;
	r = plugin_open_file(path, BERTH_PLUGIN_STORAGE, name, &d->plugin, err);
	free(path);
	if (r < 0)
		fail_msg("load %s: %s", name, err->msg);
	d->ops = d->plugin->desc->vtable;
	d->home = xasprintf("%s/%s-home", tmp, name);
	assert_int_equal(mkdir_p(d->home, 0700, err), 0);
	return d->ops->init(d->home, err);
}

static void unload(struct driver *d)
{
	d->ops->cleanup();
	plugin_close(d->plugin);
	free(d->home);
}

static int64_t apply_file(struct driver *d, const char *id, const char *parent, const char *tar,
			  struct berth_tarsplit *ts, char *diff_id)
{
	berr_t err = { 0 };
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	int64_t n;

	assert_true(fd >= 0);
	n = d->ops->apply_diff(id, parent, fd, ts, diff_id, &err);
	close(fd);
	if (n < 0)
		fail_msg("%s: apply_diff %s: %s", d->name, id, err.msg);
	return n;
}

static char *get(struct driver *d, const char *id)
{
	char path[PATH_MAX];
	berr_t err = { 0 };

	if (d->ops->get(id, NULL, path, sizeof(path), &err) < 0)
		fail_msg("%s: get %s: %s", d->name, id, err.msg);
	return xstrdup(path);
}

static void put(struct driver *d, const char *id)
{
	berr_t err = { 0 };
	if (d->ops->put(id, &err) < 0)
		fail_msg("%s: put %s: %s", d->name, id, err.msg);
}

static void create(struct driver *d, const char *id, const char *parent, int rw)
{
	berr_t err = { 0 };
	int r = rw ? d->ops->create_rw(id, parent, &err) : d->ops->create(id, parent, &err);
	if (r < 0)
		fail_msg("%s: create %s: %s", d->name, id, err.msg);
}

/* Fixtures: a base layer and a layer with whiteouts (file, directory, opaque directory). */
static void make_fixtures(void)
{
	static int made;
	char *conf;

	if (made++)
		return;
	run("set -e; cd %s; mkdir -p base/etc base/bin base/lib base/gone base/keep base/dev base/sub/deep;"
	    "echo original > base/etc/conf; echo tool > base/bin/tool; chmod 4755 base/bin/tool;"
	    "ln base/bin/tool base/bin/tool2; echo lib > base/lib/libx.so.1; ln -s libx.so.1 base/lib/libx.so;"
	    "echo g > base/gone/file; echo g2 > base/gone2; echo a > base/keep/a; echo b > base/keep/b;"
	    "mknod base/dev/null c 1 3; mkfifo base/fifo; echo owned > base/owned; chown 1234:5678 base/owned;"
	    "echo deep > base/sub/deep/f; touch -d '2005-06-07 08:09:10' base/etc/conf",
	    tmp);
	conf = xasprintf("%s/base/etc/conf", tmp);
	assert_int_equal(setxattr(conf, "user.k", "v", 1, 0), 0);
	free(conf);
	run("set -e; cd %s; tar --xattrs --format=posix --sort=name -C base -cf base.tar .;"
	    "mkdir -p l2/etc l2/keep l2/new; echo changed > l2/etc/conf; : > l2/.wh.gone; : > l2/.wh.gone2;"
	    ": > l2/keep/.wh..wh..opq; echo c > l2/keep/c; echo n > l2/new/file;"
	    "tar --format=gnu --sort=name -C l2 -cf l2.tar .",
	    tmp);
}

static char *changes_of(struct driver *d, const char *id, const char *parent)
{
	int fd = memfd_create("changes", MFD_CLOEXEC);
	berr_t err = { 0 };
	char *s;

	if (d->ops->changes(id, parent, fd, &err) < 0)
		fail_msg("%s: changes %s: %s", d->name, id, err.msg);
	s = slurp_fd(fd);
	close(fd);
	return s;
}

static void check_l2_view(const char *root)
{
	struct stat a, b;
	char *p, *q;

	run("set -e; cd %s; grep -q changed etc/conf; test ! -e gone; test ! -e gone2; test -f keep/c;"
	    "test ! -e keep/a; test ! -e keep/b; test -f new/file; test \"$(readlink lib/libx.so)\" = libx.so.1;"
	    "test -p fifo; test \"$(stat -c %%u:%%g owned)\" = 1234:5678; test \"$(stat -c %%a bin/tool)\" = 4755;"
	    "test -f sub/deep/f; test ! -e .wh.gone; test ! -e keep/.wh..wh..opq", root);
	p = xasprintf("%s/bin/tool", root);
	q = xasprintf("%s/bin/tool2", root);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(stat(q, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	free(p);
	free(q);
	p = xasprintf("%s/dev/null", root);
	assert_int_equal(lstat(p, &a), 0);
	assert_true(S_ISCHR(a.st_mode) && a.st_rdev == makedev(1, 3));
	free(p);
}

/* The scenario every driver must pass. */
static void exercise(struct driver *d, int overlay)
{
	char *base_tar = xasprintf("%s/base.tar", tmp), *l2_tar = xasprintf("%s/l2.tar", tmp);
	char id[DIGEST_LEN + 1], want[DIGEST_LEN + 1], buf[8192], *view, *c1, *ch, *s;
	struct berth_tarsplit *ts = tarsplit_new();
	berr_t err = { 0 };
	int fd;

	make_fixtures();
	assert_int_equal(d->ops->exists("base"), 0);
	create(d, "base", NULL, 0);
	assert_int_equal(d->ops->exists("base"), 1);
	assert_true(apply_file(d, "base", NULL, base_tar, ts, id) > 0);
	{
		/* The layer as stored re-emits its tar byte for byte. */
		char *again = xasprintf("%s/%s-base.again", tmp, d->name), *dir = get(d, "base"), *data;
		size_t len;
		fd = open(again, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(tarsplit_assemble(ts, dir, fd, &err) > 0);
		close(fd);
		put(d, "base");
		assert_int_equal(read_file(again, &data, &len, &err), 0);
		sha256_digest(data, len, want);
		assert_string_equal(want, id);
		free(data);
		free(again);
		free(dir);
	}
	tarsplit_free(ts);

	create(d, "l2", "base", 0);
	assert_true(apply_file(d, "l2", "base", l2_tar, NULL, NULL) > 0);
	view = get(d, "l2");
	check_l2_view(view);
	put(d, "l2");
	free(view);

	/* A container layer: two gets, writes through the view, two puts. */
	create(d, "c1", "l2", 1);
	c1 = get(d, "c1");
	free(get(d, "c1"));
	run("set -e; cd %s; echo added > added; rm etc/conf; rm -r sub; mkdir opq; echo x > opq/x", c1);
	put(d, "c1");
	run("test -f %s/added", c1);                 /* still mounted after one of two puts */
	put(d, "c1");
	if (overlay)
		run("test ! -e %s/added", c1);       /* unmounted after the last */

	ch = changes_of(d, "c1", "l2");
	if (!strstr(ch, "A /added\n") || !strstr(ch, "D /etc/conf\n") || !strstr(ch, "C /etc\n") ||
	    !strstr(ch, "D /sub\n") || !strstr(ch, "A /opq/x\n") || strstr(ch, "/new"))
		fail_msg("%s: unexpected changes:\n%s", d->name, ch);
	free(ch);

	{
		char *dtar = xasprintf("%s/%s-c1.tar", tmp, d->name), *list, *lp, *data;
		size_t len;
		int64_t n;
		fd = open(dtar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		n = d->ops->diff("c1", "l2", fd, NULL, id, &err);
		close(fd);
		if (n < 0)
			fail_msg("%s: diff: %s", d->name, err.msg);
		assert_int_equal(read_file(dtar, &data, &len, &err), 0);
		assert_int_equal((int64_t)len, n);
		sha256_digest(data, len, want);
		assert_string_equal(want, id);
		free(data);
		run("tar -tf %s > %s.list", dtar, dtar);
		lp = xasprintf("%s.list", dtar);
		assert_int_equal(read_file(lp, &list, NULL, &err), 0);
		if (!strstr(list, "added\n") || !strstr(list, "etc/.wh.conf\n") || !strstr(list, ".wh.sub\n") ||
		    strstr(list, "new/"))
			fail_msg("%s: unexpected diff listing:\n%s", d->name, list);
		free(list);
		free(lp);

		/* The diff imported as a layer of its own gives the container's view. */
		create(d, "c1img", "l2", 0);
		assert_true(apply_file(d, "c1img", "l2", dtar, NULL, NULL) > 0);
		view = get(d, "c1img");
		run("set -e; cd %s; test -f added; test ! -e etc/conf; test ! -e sub; test -f opq/x; test -f new/file;"
		    "test -f keep/c; test ! -e keep/a", view);
		put(d, "c1img");
		free(view);
		free(dtar);
	}

	assert_true(d->ops->diff_size("c1", "l2", &err) >= 6);
	assert_true(d->ops->diff_size("base", NULL, &err) > 0);
	assert_int_equal(d->ops->status(buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "Backing Filesystem\t"));
	assert_int_equal(d->ops->metadata("c1", buf, sizeof(buf), &err), 0);
	if (overlay) {
		s = xasprintf("LowerDir\t%s/l2/diff:%s/base/diff\n", d->home, d->home);
		assert_non_null(strstr(buf, s));
		free(s);
		s = xasprintf("UpperDir\t%s/c1/diff\n", d->home);
		assert_non_null(strstr(buf, s));
		free(s);
		assert_non_null(strstr(buf, "MergedDir\t"));
		assert_non_null(strstr(buf, "WorkDir\t"));
	} else {
		s = xasprintf("Dir\t%s/dir/c1\n", d->home);
		assert_string_equal(buf, s);
		free(s);
	}

	static const char *ids[] = { "c1img", "c1", "l2", "base" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		if (d->ops->remove(ids[i], &err) < 0)
			fail_msg("%s: remove %s: %s", d->name, ids[i], err.msg);
		assert_int_equal(d->ops->exists(ids[i]), 0);
	}
	if (overlay)
		run("test -z \"$(ls -A %s/l)\" && test \"$(ls %s)\" = l", d->home, d->home);
	else
		run("test -z \"$(ls -A %s/dir)\"", d->home);
	free(c1);
	free(base_tar);
	free(l2_tar);
}

static void vfs_driver(void **state)
{
	(void)state;
	struct driver d;
	berr_t err = { 0 };

	if (load(&d, "vfs", &err) < 0)
		fail_msg("vfs init: %s", err.msg);
	exercise(&d, 0);

	/* A copied layer keeps hard links, owners, modes and xattrs of its parent. */
	{
		char *base = xasprintf("%s/base.tar", tmp), *p, v[8];
		create(&d, "b", NULL, 0);
		apply_file(&d, "b", NULL, base, NULL, NULL);
		create(&d, "copy", "b", 0);
		p = xasprintf("%s/dir/copy/etc/conf", d.home);
		if (getxattr(p, "user.k", v, sizeof(v)) != 1 || v[0] != 'v')
			fail_msg("vfs: xattr not copied");
		free(p);
		run("set -e; cd %s/dir; test $(stat -c %%i copy/bin/tool) = $(stat -c %%i copy/bin/tool2);"
		    "test $(stat -c %%Y b/etc/conf) = $(stat -c %%Y copy/etc/conf); test \"$(stat -c %%a copy/bin/tool)\" = 4755",
		    d.home);
		assert_int_equal(d.ops->remove("copy", &err), 0);
		assert_int_equal(d.ops->remove("b", &err), 0);
		free(base);
	}
	/* Ids that could leave the home are refused. */
	assert_true(d.ops->create("../evil", NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "invalid layer id"));
	unload(&d);
}

static void overlay2_driver(void **state)
{
	(void)state;
	struct driver d;
	berr_t err = { 0 };

	if (load(&d, "overlay2", &err) < 0) {
		printf("# overlay2 skipped: %s\n", err.msg);
		unload(&d);
		skip();
	}
	exercise(&d, 1);

	/* Counting is shared between processes: a child's get keeps the mount for our put. */
	create(&d, "b", NULL, 0);
	create(&d, "rw", "b", 1);
	{
		char *merged = xasprintf("%s/rw/merged", d.home), *dir = xasprintf("%s/rw", d.home);
		pid_t pid = fork();
		int status;
		struct stat a, b;
		if (pid == 0) {
			char path[PATH_MAX];
			berr_t e = { 0 };
			_exit(d.ops->get("rw", NULL, path, sizeof(path), &e) < 0 ? 1 : 0);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_int_equal(stat(merged, &a), 0);
		assert_int_equal(stat(dir, &b), 0);
		assert_int_not_equal(a.st_dev, b.st_dev);         /* mounted by the child */
		put(&d, "rw");
		assert_int_equal(stat(merged, &a), 0);
		assert_int_equal(a.st_dev, b.st_dev);             /* and unmounted by our put */
		free(merged);
		free(dir);
	}
	/* An ephemeral mount (--rm) is volatile where the kernel has it, and the layer can still be
	 * mounted again afterwards (the kernel leaves work/incompat/volatile, which blocks that). */
	assert_true(BERTH_HAS_MEMBER(struct berth_storage_ops, d.plugin->desc->vtable_size, ephemeral_mount_opts));
	if (d.ops->ephemeral_mount_opts()) {
		char path[PATH_MAX];
		assert_string_equal(d.ops->ephemeral_mount_opts(), "volatile");
		assert_int_equal(d.ops->get("rw", d.ops->ephemeral_mount_opts(), path, sizeof(path), &err), 0);
		run("grep -q ' %s .*volatile' /proc/self/mounts", path);
		put(&d, "rw");
		free(get(&d, "rw"));
		run("! grep -q ' %s/rw/merged .*volatile' /proc/self/mounts", d.home);
		put(&d, "rw");
	} else {
		printf("# overlay2: no volatile mounts on this kernel\n");
	}
	/* A mounted layer is unmounted by remove. */
	free(get(&d, "rw"));
	assert_int_equal(d.ops->remove("rw", &err), 0);
	assert_int_equal(d.ops->exists("rw"), 0);

	/* 80 layers: absolute lowerdir paths no longer fit in a page, the relative form must. */
	{
		char prev[32] = "b", id[32], *view, *bottom = xasprintf("%s/b/diff/bottom", d.home);
		run("echo bottom > %s", bottom);
		for (int i = 0; i < 80; i++) {
			snprintf(id, sizeof(id), "deep-%d", i);
			create(&d, id, prev, 0);
			strcpy(prev, id);
		}
		view = get(&d, prev);
		run("grep -q bottom %s/bottom", view);
		put(&d, prev);
		for (int i = 79; i >= 0; i--) {
			snprintf(id, sizeof(id), "deep-%d", i);
			assert_int_equal(d.ops->remove(id, &err), 0);
		}
		free(view);
		free(bottom);
	}
	assert_int_equal(d.ops->remove("b", &err), 0);
	unload(&d);
}

/* Unmount whatever a failed test left mounted below dir. */
static void unmount_below(const char *dir)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[4096];
	size_t dl = strlen(dir);

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *mp = strchr(line, ' ');
		if (!mp)
			continue;
		mp++;
		*strchr(mp, ' ') = 0;
		if (!strncmp(mp, dir, dl))
			umount2(mp, MNT_DETACH);
	}
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/berth-test-storage-XXXXXX", exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0 || !mkdtemp(tmpl))
		return -1;
	exe[n] = 0;
	/* build/tests/unit/test_storage_plugins -> build/plugins/storage */
	snprintf(plugin_dir, sizeof(plugin_dir), "%s/../../plugins/storage", dirname(exe));
	tmp = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	berr_t err = { 0 };

	unmount_below(tmp);
	if (!getenv("BERTH_KEEP_TMP"))
		remove_tree(tmp, &err);
	free(tmp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vfs_driver),
		cmocka_unit_test(overlay2_driver),
	};

	if (geteuid() != 0) {
		printf("# test_storage_plugins needs root (layers keep owners and device nodes)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
