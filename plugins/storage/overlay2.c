/* overlay2: layers as overlayfs directories, in Docker's on-disk layout so the same tools and
 * habits apply:
 *   HOME/<id>/diff     the layer's own files (an overlay upperdir; whiteouts are char 0/0
 *                      devices, opaque directories carry trusted.overlay.opaque=y)
 *   HOME/<id>/link     the layer's short name: HOME/l/<link> -> ../<id>/diff (not for a
 *                      container's rw layer, which is never a lower)
 *   HOME/<id>/lower    "l/A:l/B:..." the short names of the layers below, nearest first
 *   HOME/<id>/work     overlay workdir;  HOME/<id>/merged  where get() mounts the layer
 *   HOME/<id>/mounts   how many get()s are outstanding (shared by all berth processes: flock)
 * Short names keep mount(2)'s option string (one page) usable for deep images; when absolute
 * paths do not fit, the mount is done from a child that chdir()s to HOME. A base layer (no
 * lower) is not mounted: get() returns its diff directory, as Docker does.
 * Mounts use index=off (as Docker), redirect_dir=off and metacopy=off where the kernel has them,
 * so an upperdir always holds whole files and whole directories and diff() can read it as is.
 * Ephemeral mounts (a container removed at exit) add "volatile" where the kernel has it (5.10):
 * no syncs, and no sync of the data-root file system at unmount. */
#include <berth/plugin.h>
#include <berth/storage.h>
#include "fsutil.h"

#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define OVERLAYFS_MAGIC 0x794C7630
#define MAX_DEPTH 125                  /* lowers per mount; Docker allows 128 layers */
#define LINK_LEN 26

static const struct berth_host *host;
static char *home;
static const char *mount_extra = "";   /* options the kernel accepted in init's test mount */
static int volatile_ok;                /* and whether it accepted "volatile" */

static char *lpath(const char *id, const char *what)
{
	return what ? fsu_printf("%s/%s/%s", home, id, what) : fsu_printf("%s/%s", home, id);
}

static int check_id(const char *id, struct berth_error *err)
{
	if (!fsu_valid_id(id) || !strcmp(id, "l"))
		return host->error(err, EINVAL, "overlay2: invalid layer id \"%s\"", id ? id : "");
	return 0;
}

static int ovl_exists(const char *id)
{
	struct stat st;
	char *d;
	int r;

	if (!fsu_valid_id(id) || !strcmp(id, "l"))
		return 0;
	d = lpath(id, "diff");
	r = lstat(d, &st) == 0 && S_ISDIR(st.st_mode);
	free(d);
	return r;
}

/* --- init: can this kernel and this file system do overlay? --- */

static int kernel_lists_overlay(void)
{
	char *fs = fsu_read_text("/proc/filesystems");
	int r = fs && strstr(fs, "\toverlay\n") != NULL;

	/* fsu_read_text trims the final newline */
	if (fs && !r) {
		size_t n = strlen(fs);
		r = n >= 8 && !strcmp(fs + n - 8, "\toverlay");
	}
	free(fs);
	return r;
}

static int check_home(struct berth_error *err)
{
	static const char *extras[] = { ",index=off,redirect_dir=off,metacopy=off", ",index=off", "" };
	char *dir = fsu_printf("%s/.check-%d", home, (int)getpid());
	char *sub[5] = { 0 }, *f = NULL;
	const char *names[5] = { "lower1", "lower2", "upper", "work", "merged" };
	struct berth_error ignored;
	struct dirent *de;
	int r = 0, fd, mount_errno = 0;
	DIR *d;

	fsu_rm_rf(host, dir, &ignored);
	if (mkdir(dir, 0700) < 0) {
		r = host->error(err, errno, "overlay2: mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	for (int i = 0; i < 5; i++) {
		sub[i] = fsu_printf("%s/%s", dir, names[i]);
		if (mkdir(sub[i], 0700) < 0) {
			r = host->error(err, errno, "overlay2: mkdir %s: %s", sub[i], strerror(errno));
			goto out;
		}
	}
	/* An upperdir needs d_type (xfs formatted without ftype=1 lacks it). */
	f = fsu_printf("%s/f", sub[2]);
	if ((fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	if ((d = opendir(sub[2]))) {
		while ((de = readdir(d)))
			if (!strcmp(de->d_name, "f") && de->d_type == DT_UNKNOWN)
				r = host->error(err, ENOTSUP, "overlay2: the file system of %s does not report file "
						"types (d_type), which overlay needs; for xfs, format with ftype=1, "
						"or use storage-driver vfs", home);
		closedir(d);
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < sizeof(extras) / sizeof(*extras); i++) {
		char *data = fsu_printf("lowerdir=%s:%s,upperdir=%s,workdir=%s%s", sub[1], sub[0], sub[2],
					sub[3], extras[i]);
		int ok = mount("overlay", sub[4], "overlay", 0, data) == 0;
		mount_errno = ok ? 0 : errno;
		free(data);
		if (ok) {
			mount_extra = extras[i];
			umount2(sub[4], MNT_DETACH);
			data = fsu_printf("lowerdir=%s:%s,upperdir=%s,workdir=%s%s,volatile", sub[1], sub[0],
					  sub[2], sub[3], extras[i]);
			fsu_rm_rf(host, sub[3], &ignored);   /* a fresh workdir for the second mount */
			mkdir(sub[3], 0700);
			volatile_ok = mount("overlay", sub[4], "overlay", 0, data) == 0;
			if (volatile_ok)
				umount2(sub[4], MNT_DETACH);
			free(data);
			break;
		}
		if (mount_errno != EINVAL)
			break;
	}
	if (mount_errno) {
		if (!kernel_lists_overlay())
			r = host->error(err, ENOTSUP, "overlay2: this kernel does not support overlayfs "
					"(no overlay in /proc/filesystems and mounting one failed: %s); use "
					"storage-driver vfs", strerror(mount_errno));
		else
			r = host->error(err, mount_errno, "overlay2: cannot mount a test overlay in %s: %s%s",
					home, strerror(mount_errno),
					mount_errno == EPERM ? " (overlay2 needs root with CAP_SYS_ADMIN)" : "");
	}
out:
	fsu_rm_rf(host, dir, &ignored);
	for (int i = 0; i < 5; i++)
		free(sub[i]);
	free(f);
	free(dir);
	return r;
}

/* The test mount costs a few milliseconds, paid by every berth command: its result is kept
 * in HOME/.overlay-checked for the current boot (kernel and modules cannot change before a
 * reboot). */
static int check_home_cached(struct berth_error *err)
{
	char *boot = fsu_read_text("/proc/sys/kernel/random/boot_id");
	char *file = fsu_printf("%s/.overlay-checked", home), *seen = fsu_read_text(file), *text;
	struct berth_error ignored;
	int r = 0;

	/* "<boot id>\n<options or ->\n<volatile or ->" */
	if (boot && seen && !strncmp(seen, boot, strlen(boot)) && seen[strlen(boot)] == '\n' &&
	    strchr(seen + strlen(boot) + 1, '\n')) {
		const char *opts = seen + strlen(boot) + 1, *vol = strchr(opts, '\n') + 1;
		size_t n = (size_t)(vol - 1 - opts);
		if (n == 39 && !strncmp(opts, "index=off,redirect_dir=off,metacopy=off", n))
			mount_extra = ",index=off,redirect_dir=off,metacopy=off";
		else if (n == 9 && !strncmp(opts, "index=off", n))
			mount_extra = ",index=off";
		else
			mount_extra = "";
		volatile_ok = !strcmp(vol, "volatile");
		goto out;
	}
	if ((r = check_home(err)) < 0 || !boot)
		goto out;
	text = fsu_printf("%s\n%s\n%s", boot, mount_extra[0] ? mount_extra + 1 : "-", volatile_ok ? "volatile" : "-");
	fsu_write_text(host, file, text, &ignored);     /* only a cache */
	free(text);
out:
	free(boot);
	free(file);
	free(seen);
	return r;
}

static int ovl_init(const char *h, struct berth_error *err)
{
	struct statfs sf;
	char *l;
	int r;

	free(home);
	home = strdup(h);
	if (!home)
		abort();
	if (statfs(home, &sf) < 0)
		return host->error(err, errno, "overlay2: %s: %s", home, strerror(errno));
	if ((unsigned long)sf.f_type == OVERLAYFS_MAGIC)
		return host->error(err, ENOTSUP, "overlay2: %s is itself on overlayfs, which cannot hold an "
				   "overlay upperdir; put data-root on another file system or use "
				   "storage-driver vfs", home);
	if ((r = check_home_cached(err)) < 0)
		return r;
	l = fsu_printf("%s/l", home);
	if (mkdir(l, 0700) < 0 && errno != EEXIST)
		r = host->error(err, errno, "overlay2: mkdir %s: %s", l, strerror(errno));
	free(l);
	return r;
}

static void ovl_cleanup(void)
{
	/* Mounts stay: containers outlive the berth process that started them. */
	free(home);
	home = NULL;
}

/* --- create / remove --- */

static void random_link(char out[LINK_LEN + 1])
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = 0;

	while (n < LINK_LEN) {
		unsigned char b[64];
		ssize_t got = getrandom(b, sizeof(b), 0);
		for (ssize_t i = 0; i < got && n < LINK_LEN; i++)
			if (b[i] < 252)                         /* 252 = 7 * 36: no bias */
				out[n++] = chars[b[i] % 36];
	}
	out[LINK_LEN] = 0;
}

static int count_lowers(const char *lower)
{
	int n = 1;
	for (const char *s = lower; *s; s++)
		n += *s == ':';
	return n;
}

/* A layer; with_link: one that may be a lower (an image's or an init layer), which gets its short
 * name. A container's rw layer never is (commit makes a new layer from its diff): without the
 * link and its symlink it costs two inodes fewer on every create. */
static int create_layer(const char *id, const char *parent, int with_link, struct berth_error *err)
{
	char *dir = NULL, *diff = NULL, *linkfile = NULL, *lowerfile = NULL, *work = NULL, *merged = NULL;
	char *plink = NULL, *plower = NULL, *lower = NULL, *sym = NULL, lid[LINK_LEN + 1], *target;
	struct berth_error ignored;
	int r = 0, made = 0;

	if ((r = check_id(id, err)) < 0 || (parent && (r = check_id(parent, err)) < 0))
		return r;
	if (parent) {
		char *pl = lpath(parent, "link"), *plf = lpath(parent, "lower");
		plink = fsu_read_text(pl);
		plower = fsu_read_text(plf);
		free(pl);
		free(plf);
		if (!plink || !ovl_exists(parent)) {
			r = host->error(err, ENOENT, "overlay2: parent layer %s does not exist", parent);
			goto out;
		}
		lower = plower && *plower ? fsu_printf("l/%s:%s", plink, plower) : fsu_printf("l/%s", plink);
		if (count_lowers(lower) > MAX_DEPTH) {
			r = host->error(err, EINVAL, "overlay2: layer %s would have more than %d layers below it",
					id, MAX_DEPTH);
			goto out;
		}
	}
	dir = lpath(id, NULL);
	if (mkdir(dir, 0700) < 0) {
		r = errno == EEXIST ? host->error(err, EEXIST, "overlay2: layer %s already exists", id)
				    : host->error(err, errno, "overlay2: mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	made = 1;
	diff = lpath(id, "diff");
	work = lpath(id, "work");
	merged = lpath(id, "merged");
	if (mkdir(diff, 0755) < 0 || chmod(diff, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0700) < 0) {
		r = host->error(err, errno, "overlay2: create layer %s: %s", id, strerror(errno));
		goto out;
	}
	if (!with_link)
		goto lower;
	target = fsu_printf("../%s/diff", id);
	for (int tries = 0;; tries++) {
		random_link(lid);
		free(sym);
		sym = fsu_printf("%s/l/%s", home, lid);
		if (symlink(target, sym) == 0)
			break;
		if (errno != EEXIST || tries > 8) {
			r = host->error(err, errno, "overlay2: symlink %s: %s", sym, strerror(errno));
			free(sym);
			sym = NULL;
			break;
		}
	}
	free(target);
	if (r < 0)
		goto out;
	linkfile = lpath(id, "link");
	if ((r = fsu_write_new(host, linkfile, lid, err)) < 0)
		goto out;
lower:
	if (lower) {
		lowerfile = lpath(id, "lower");
		r = fsu_write_new(host, lowerfile, lower, err);
	}
out:
	if (r < 0 && made) {
		if (sym)
			unlink(sym);
		fsu_rm_rf(host, dir, &ignored);
	}
	free(dir);
	free(diff);
	free(work);
	free(merged);
	free(linkfile);
	free(lowerfile);
	free(plink);
	free(plower);
	free(lower);
	free(sym);
	return r;
}

static int ovl_create(const char *id, const char *parent, struct berth_error *err)
{
	return create_layer(id, parent, 1, err);
}

static int ovl_create_rw(const char *id, const char *parent, struct berth_error *err)
{
	return create_layer(id, parent, 0, err);
}

static int is_mounted(const char *id)
{
	char *dir = lpath(id, NULL), *merged = lpath(id, "merged");
	struct stat a, b;
	int r = stat(dir, &a) == 0 && stat(merged, &b) == 0 && a.st_dev != b.st_dev;

	free(dir);
	free(merged);
	return r;
}

static int ovl_remove(const char *id, struct berth_error *err)
{
	char *dir, *linkfile, *lid, *merged;
	struct stat st;
	int r;

	if ((r = check_id(id, err)) < 0)
		return r;
	dir = lpath(id, NULL);
	if (lstat(dir, &st) < 0) {
		free(dir);
		return 0;
	}
	merged = lpath(id, "merged");
	if (is_mounted(id) && umount2(merged, MNT_DETACH) < 0) {
		r = host->error(err, errno, "overlay2: unmount %s: %s", merged, strerror(errno));
		free(merged);
		free(dir);
		return r;
	}
	free(merged);
	linkfile = lpath(id, "link");
	lid = fsu_read_text(linkfile);
	if (lid && *lid && !strchr(lid, '/')) {
		char *sym = fsu_printf("%s/l/%s", home, lid);
		unlink(sym);
		free(sym);
	}
	free(lid);
	free(linkfile);
	r = fsu_rm_rf(host, dir, err);
	free(dir);
	return r;
}

/* --- get / put --- */

static int lock_mounts(const char *id, struct berth_error *err)
{
	char *p = lpath(id, "mounts");
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		int r = host->error(err, errno, "overlay2: open %s: %s", p, strerror(errno));
		free(p);
		return r;
	}
	free(p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int r = host->error(err, errno, "overlay2: lock layer %s: %s", id, strerror(errno));
			close(fd);
			return r;
		}
	return fd;
}

static long read_count(int fd)
{
	char buf[32] = { 0 };
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static int write_count(int fd, long n, struct berth_error *err)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", n);

	/* overwrite, then cut to the new length: truncating to 0 first made ext4 free the block
	 * and allocate it again on every get and put (journal work on the start and exit path) */
	if (pwrite(fd, buf, (size_t)len, 0) != len || ftruncate(fd, len) < 0)
		return host->error(err, errno, "overlay2: record mount count: %s", strerror(errno));
	return 0;
}

static int do_mount(const char *id, const char *lower, const char *opts, struct berth_error *err)
{
	long page = sysconf(_SC_PAGESIZE);
	char *merged = lpath(id, "merged"), *abs = NULL, *data, *rel;
	char *incompat = fsu_printf("%s/%s/work/work/incompat", home, id);
	const char *extra_sep = opts && *opts ? "," : "";
	struct berth_error ignored;
	size_t n = 0;
	int r = 0;

	if (!opts)
		opts = "";
	/* a volatile mount leaves work/incompat/volatile behind, and the kernel refuses the dirs
	 * until it is gone; the layer was ephemeral, so whatever a crash left of it is acceptable */
	if (access(incompat, F_OK) == 0)
		fsu_rm_rf(host, incompat, &ignored);
	free(incompat);
	/* Absolute paths (readable in /proc/mounts) when they fit in a page, else relative. */
	abs = malloc(strlen(lower) * 2 + strlen(home) * (size_t)(count_lowers(lower) + 1) + 16);
	if (!abs)
		abort();
	for (const char *s = lower; *s;) {
		const char *e = strchr(s, ':');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		n += (size_t)sprintf(abs + n, "%s%s/%.*s", n ? ":" : "", home, (int)l, s);
		s += l + (e ? 1 : 0);
	}
	data = fsu_printf("lowerdir=%s,upperdir=%s/%s/diff,workdir=%s/%s/work%s%s%s", abs, home, id, home, id,
			  mount_extra, extra_sep, opts);
	if ((long)strlen(data) < page) {
		if (mount("overlay", merged, "overlay", 0, data) < 0)
			r = host->error(err, errno, "overlay2: mount layer %s: %s", id, strerror(errno));
		goto out;
	}
	rel = fsu_printf("lowerdir=%s,upperdir=%s/diff,workdir=%s/work%s%s%s", lower, id, id, mount_extra,
			 extra_sep, opts);
	if ((long)strlen(rel) >= page) {
		r = host->error(err, E2BIG, "overlay2: mount layer %s: too many layers for one mount", id);
	} else {
		/* chdir is per process: a child does it, so no other thread's cwd changes. */
		pid_t pid = fork();
		int status = 0;
		if (pid == 0) {
			if (chdir(home) < 0)
				_exit(errno ? errno : EIO);
			_exit(mount("overlay", merged, "overlay", 0, rel) < 0 ? (errno ? errno : EIO) : 0);
		}
		if (pid < 0)
			r = host->error(err, errno, "overlay2: fork: %s", strerror(errno));
		else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			r = host->error(err, WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EIO,
					"overlay2: mount layer %s: %s", id,
					strerror(WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EIO));
	}
	free(rel);
out:
	free(data);
	free(abs);
	free(merged);
	return r;
}

static int ovl_get(const char *id, const char *mount_opts, char *path, size_t len, struct berth_error *err)
{
	char *lowerfile, *lower, *out;
	long count;
	int fd, r = 0;

	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	lowerfile = lpath(id, "lower");
	lower = fsu_read_text(lowerfile);
	free(lowerfile);
	if (!lower || !*lower) {
		out = lpath(id, "diff");                     /* a base layer: nothing to merge */
		goto done;
	}
	if ((fd = lock_mounts(id, err)) < 0) {
		free(lower);
		return fd;
	}
	count = read_count(fd);
	if (!is_mounted(id)) {
		count = 0;                                   /* a stale count (reboot) starts over */
		r = do_mount(id, lower, mount_opts, err);
	}
	if (r == 0)
		r = write_count(fd, count + 1, err);
	close(fd);
	if (r < 0) {
		free(lower);
		return r;
	}
	out = lpath(id, "merged");
done:
	if ((size_t)snprintf(path, len, "%s", out) >= len)
		r = host->error(err, ENAMETOOLONG, "overlay2: path of layer %s is too long", id);
	free(out);
	free(lower);
	return r;
}

static int ovl_put(const char *id, struct berth_error *err)
{
	char *lowerfile, *lower, *merged;
	long count;
	int fd, r = 0;

	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	lowerfile = lpath(id, "lower");
	lower = fsu_read_text(lowerfile);
	free(lowerfile);
	if (!lower || !*lower) {
		free(lower);
		return 0;
	}
	free(lower);
	if ((fd = lock_mounts(id, err)) < 0)
		return fd;
	count = read_count(fd);
	if (count > 0)
		count--;
	merged = lpath(id, "merged");
	if (count == 0 && is_mounted(id) && umount2(merged, MNT_DETACH) < 0)
		r = host->error(err, errno, "overlay2: unmount %s: %s", merged, strerror(errno));
	if (r == 0)
		r = write_count(fd, count, err);
	free(merged);
	close(fd);
	return r;
}

/* --- diffs --- */

static int64_t ovl_apply_diff(const char *id, const char *parent, int tar_fd, struct berth_tarsplit *ts,
			      char *diff_id, struct berth_error *err)
{
	char *diff;
	int64_t r;

	(void)parent;
	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	diff = lpath(id, "diff");
	r = host->apply_tar(tar_fd, diff, BERTH_WHITEOUT_OVERLAY, ts, diff_id, err);
	free(diff);
	return r;
}

static int64_t ovl_diff(const char *id, const char *parent, int out_fd, struct berth_tarsplit *ts,
			char *diff_id, struct berth_error *err)
{
	char *diff;
	int64_t r;

	(void)parent;                /* the upperdir is the diff against the layers below */
	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	diff = lpath(id, "diff");
	r = host->diff_tar(diff, NULL, BERTH_WHITEOUT_OVERLAY, out_fd, ts, diff_id, err);
	free(diff);
	return r;
}

struct lowers {
	char **dirs;                 /* diff directories of the layers below, nearest first */
	size_t n;
};

static void lowers_load(const char *id, struct lowers *lw)
{
	char *lf = lpath(id, "lower"), *lower = fsu_read_text(lf);

	lw->dirs = NULL;
	lw->n = 0;
	free(lf);
	if (!lower)
		return;
	lw->dirs = calloc((size_t)count_lowers(lower), sizeof(char *));
	if (!lw->dirs)
		abort();
	for (char *s = lower, *save = NULL, *t; (t = strtok_r(s, ":", &save)); s = NULL)
		lw->dirs[lw->n++] = fsu_printf("%s/%s", home, t);
	free(lower);
}

static void lowers_free(struct lowers *lw)
{
	for (size_t i = 0; i < lw->n; i++)
		free(lw->dirs[i]);
	free(lw->dirs);
}

static int is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* Whether rel exists in the layers below (a nearer whiteout hides it). */
static int in_lowers(const struct lowers *lw, const char *rel)
{
	for (size_t i = 0; i < lw->n; i++) {
		char *p = fsu_printf("%s%s", lw->dirs[i], rel);
		struct stat st;
		int found = lstat(p, &st) == 0;
		free(p);
		if (found)
			return !is_whiteout(&st);
	}
	return 0;
}

/* Names below rel in the layers under an opaque directory that the upper does not have. */
static void hidden_by_opaque(const struct lowers *lw, const char *rel, char **upper, size_t nu, FILE *out)
{
	char **seen = NULL;
	size_t ns = 0;

	for (size_t i = 0; i < lw->n; i++) {
		char *p = fsu_printf("%s%s", lw->dirs[i], rel), **names;
		size_t n;
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		free(p);
		if (fd < 0)
			continue;
		if (fsu_list(fd, &names, &n) == 0) {
			for (size_t k = 0; k < n; k++) {
				int dup = 0;
				for (size_t u = 0; u < nu && !dup; u++)
					dup = !strcmp(upper[u], names[k]);
				for (size_t s = 0; s < ns && !dup; s++)
					dup = !strcmp(seen[s], names[k]);
				if (dup)
					continue;
				seen = realloc(seen, (ns + 1) * sizeof(char *));
				if (!seen)
					abort();
				seen[ns] = strdup(names[k]);
				if (!seen[ns++])
					abort();
			}
			fsu_free_names(names, n);
		}
		close(fd);
	}
	if (ns > 1)
		qsort(seen, ns, sizeof(char *), fsu_cmp_names);
	for (size_t s = 0; s < ns; s++) {
		char *p = fsu_printf("%s/%s", rel, seen[s]);
		if (in_lowers(lw, p))
			fprintf(out, "D %s\n", p);
		free(p);
	}
	fsu_free_names(seen, ns);
}

static int walk_changes(int fd, const char *rel, const struct lowers *lw, FILE *out)
{
	char **names;
	size_t n;
	int r;

	if ((r = fsu_list(fd, &names, &n)) < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		char *p = fsu_printf("%s/%s", rel, names[i]);
		struct stat st;

		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
		} else if (is_whiteout(&st)) {
			fprintf(out, "D %s\n", p);
		} else {
			fprintf(out, "%c %s\n", in_lowers(lw, p) ? 'C' : 'A', p);
			if (S_ISDIR(st.st_mode)) {
				int c = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				char val[4], proc[64 + 256];
				snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", fd, names[i]);
				if (lgetxattr(proc, "trusted.overlay.opaque", val, sizeof(val)) == 1 && val[0] == 'y' && c >= 0) {
					char **un;
					size_t nu;
					if (fsu_list(c, &un, &nu) == 0) {
						hidden_by_opaque(lw, p, un, nu, out);
						fsu_free_names(un, nu);
					}
				}
				if (c < 0)
					r = -errno;
				else {
					r = walk_changes(c, p, lw, out);
					close(c);
				}
			}
		}
		free(p);
	}
	fsu_free_names(names, n);
	return r;
}

static int ovl_changes(const char *id, const char *parent, int out_fd, struct berth_error *err)
{
	struct lowers lw;
	char *diff;
	FILE *out;
	int fd, r;

	(void)parent;
	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	diff = lpath(id, "diff");
	fd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(diff);
	if (fd < 0)
		return host->error(err, errno, "overlay2: changes of %s: %s", id, strerror(errno));
	out = fdopen(dup(out_fd), "w");
	if (!out) {
		close(fd);
		return host->error(err, errno, "overlay2: changes of %s: %s", id, strerror(errno));
	}
	lowers_load(id, &lw);
	r = walk_changes(fd, "", &lw, out);
	lowers_free(&lw);
	close(fd);
	if (fclose(out) != 0 && r == 0)
		r = -errno;
	if (r < 0)
		return host->error(err, -r, "overlay2: changes of %s: %s", id, strerror(-r));
	return 0;
}

static int64_t ovl_diff_size(const char *id, const char *parent, struct berth_error *err)
{
	char *diff;
	int64_t r;

	(void)parent;
	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	diff = lpath(id, "diff");
	r = fsu_du(host, diff, err);
	free(diff);
	return r;
}

static int ovl_status(char *buf, size_t len)
{
	snprintf(buf, len, "Backing Filesystem\t%s\nSupports d_type\ttrue\nNative Overlay Diff\ttrue\n"
		 "userxattr\tfalse\n", home ? fsu_fs_name(home) : "unknown");
	return 0;
}

static int ovl_metadata(const char *id, char *buf, size_t len, struct berth_error *err)
{
	struct lowers lw;
	size_t n = 0;

	if (!ovl_exists(id))
		return host->error(err, ENOENT, "overlay2: layer %s does not exist", id ? id : "");
	lowers_load(id, &lw);
	buf[0] = 0;
	if (lw.n) {
		/* The real diff directories, as Docker's inspect shows them (not the l/ links). */
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "LowerDir\t");
		for (size_t i = 0; i < lw.n; i++) {
			char target[4096];
			ssize_t t = readlink(lw.dirs[i], target, sizeof(target) - 1);
			if (t > 3 && !strncmp(target, "../", 3)) {
				target[t] = 0;
				n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s/%s", i ? ":" : "", home,
						      target + 3);
			} else {
				n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", i ? ":" : "", lw.dirs[i]);
			}
		}
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "\n");
	}
	n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
			      "MergedDir\t%s/%s/merged\nUpperDir\t%s/%s/diff\nWorkDir\t%s/%s/work\n",
			      home, id, home, id, home, id);
	lowers_free(&lw);
	if (n >= len)
		return host->error(err, ENOBUFS, "overlay2: metadata of %s does not fit in %zu bytes", id, len);
	return 0;
}

static const char *ovl_ephemeral_mount_opts(void)
{
	return volatile_ok ? "volatile" : NULL;
}

static const struct berth_storage_ops ops = {
	.init = ovl_init,
	.cleanup = ovl_cleanup,
	.create = ovl_create,
	.create_rw = ovl_create_rw,
	.remove = ovl_remove,
	.exists = ovl_exists,
	.get = ovl_get,
	.put = ovl_put,
	.apply_diff = ovl_apply_diff,
	.diff = ovl_diff,
	.changes = ovl_changes,
	.diff_size = ovl_diff_size,
	.status = ovl_status,
	.metadata = ovl_metadata,
	.ephemeral_mount_opts = ovl_ephemeral_mount_opts,
};

static const struct berth_plugin_desc desc = {
	.abi_major = BERTH_ABI_MAJOR,
	.abi_minor = BERTH_ABI_MINOR,
	.kind = BERTH_PLUGIN_STORAGE,
	.name = "overlay2",
	.vtable_size = sizeof(struct berth_storage_ops),
	.vtable = &ops,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	if (!h || h->abi_major != BERTH_ABI_MAJOR)
		return NULL;
	host = h;
	return &desc;
}
