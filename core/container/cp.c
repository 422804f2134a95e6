/* docker cp: files between a container's file system and the local one, with Docker's rules.
 * The container's half follows moby's daemon/archive.go (paths resolved inside the container's
 * root, volumes and binds seen at their mount points, read-only checks), the local half the CLI's
 * cp.go and pkg/archive/copy.go (CopyInfo, PrepareArchiveCopy): both halves run here, and the
 * data moves between them as a tar, so the tar code that guards layer apply guards this too.
 *
 * The work runs in a child with a private mount namespace: the container's layer (mounted by the
 * storage driver when it is stopped) and the volumes bound onto it exist only there, and vanish
 * with the child whatever happens to it. Every path inside the container is opened with
 * openat2(RESOLVE_IN_ROOT): symlinks and ".." resolve against the container's root, never above. */
#include "container/container.h"
#include "archive/archive.h"
#include "runtime/runtime.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child reports back (a shared page: the child may die anywhere). */
struct cp_result {
	berr_t err;
	int daemon;
};

struct cp_mount {
	char *dest;                  /* cleaned absolute path in the container */
	char *source;
	int rw;
	int etc_file;                /* /etc/hosts, hostname, resolv.conf: not a volume */
};

struct cp_run {
	struct berth_ctx *ctx;
	struct container *c;
	struct container_copy *req;
	char root[4096];             /* the container's root in this mount namespace */
	int rootfd;
	struct cp_mount *mounts;
	size_t nmounts;
	struct cp_result *res;
};

/* An error Docker's daemon reports ("Error response from daemon: ..."). */
static int daemon_err(struct cp_run *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int daemon_err(struct cp_run *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->res->err.msg, sizeof(r->res->err.msg), fmt, ap);
	va_end(ap);
	r->res->err.code = code;
	r->res->daemon = 1;
	return -code;
}

/* berr_sys with Go's spelling of the errno, for the messages Docker's CLI prints from Go's os. */
static int go_sys(struct cp_run *r, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int go_sys(struct cp_run *r, int e, const char *fmt, ...)
{
	char what[1024], b[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return berr_set(&r->res->err, e, "%s: %s", what, go_errno(e, b));
}

static int lstat_err(struct cp_run *r, int e, const char *path)
{
	char b[128];
	return daemon_err(r, e, "lstat %s: %s", path, go_errno(e, b));
}

/* The daemon's 404, as the CLI words it for the path it asked about. */
static int not_found(struct cp_run *r, const char *path)
{
	return berr_set(&r->res->err, ENOENT, "Error: No such container:path: %s:%s", r->req->ref, path);
}

/* --- Go's path rules, as the CLI and daemon apply them --- */

static int ends_with_slash(const char *p)
{
	size_t n = strlen(p);
	return n && p[n - 1] == '/';
}

/* filepath.Base(p) == "." : the path names a directory's contents */
static int ends_with_dot(const char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	return (n == 1 && p[0] == '.') || (n >= 2 && p[n - 1] == '.' && p[n - 2] == '/');
}

/* PreserveTrailingDotOrSeparator(clean(p), p): cleaned absolute, keeping a final "/." or "/". */
static char *clean_keep_trailing(const char *p)
{
	_cleanup_free_ char *c = path_clean(p);
	const char *sep = strcmp(c, "/") ? "/" : "";

	if (ends_with_dot(p))
		return xasprintf("%s%s.", c, sep);
	if (ends_with_slash(p))
		return xasprintf("%s%s", c, sep);
	return xstrdup(c);
}

/* SplitPathDirEntry's base: the last component of the cleaned path, "." kept, "/" for the root. */
static char *split_base(const char *p)
{
	_cleanup_free_ char *c = path_clean(p);
	const char *s;

	if (ends_with_dot(p))
		return xstrdup(".");
	if (!strcmp(c, "/"))
		return xstrdup("/");
	s = strrchr(c, '/');
	return xstrdup(s + 1);
}

/* SplitPathDirEntry's dir: the cleaned path's parent, or the path itself when it ends in "/.". */
static char *split_dir(const char *p)
{
	_cleanup_free_ char *c = path_clean(p);

	if (ends_with_dot(p))
		return xstrdup(c);
	return xstrdup(dirname(c));
}

/* filepath.Base: trailing slashes dropped; "/" for the root. */
static char *go_base(const char *p)
{
	_cleanup_free_ char *c = xstrdup(p);
	size_t n = strlen(c);
	char *s;

	while (n > 1 && c[n - 1] == '/')
		c[--n] = 0;
	if (!strcmp(c, "/"))
		return xstrdup("/");
	s = strrchr(c, '/');
	return xstrdup(s ? s + 1 : c);
}

/* An absolute local path (filepath.Abs) keeping the trailing "/." or "/". */
static char *local_abs(const char *p)
{
	char cwd[PATH_MAX];
	_cleanup_free_ char *j = NULL;

	if (p[0] == '/')
		return clean_keep_trailing(p);
	if (!getcwd(cwd, sizeof(cwd)))
		return clean_keep_trailing(p);
	j = xasprintf("%s/%s", cwd, p);
	return clean_keep_trailing(j);
}

/* --- paths inside the container --- */

/* openat2 beneath the container's root: symlinks and ".." resolve inside it. */
static int open_in_root(struct cp_run *r, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	const char *rel = path;

	while (*rel == '/')
		rel++;
	return (int)syscall(SYS_openat2, r->rootfd, *rel ? rel : ".", &how, sizeof(how));
}

/* The absolute path in the container of an fd opened beneath its root (malloc'd). */
static char *path_in_root(struct cp_run *r, int fd)
{
	char proc[64], buf[PATH_MAX];
	size_t rl = strlen(r->root);
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, sizeof(buf) - 1);
	if (n < 0)
		return xstrdup("/");
	buf[n] = 0;
	if (!strncmp(buf, r->root, rl) && (buf[rl] == '/' || !buf[rl]))
		return xstrdup(buf[rl] ? buf + rl : "/");
	return xstrdup("/");
}

/* The directory part of path resolved in the root (Go's filepath.Split: up to the last '/'),
 * and the last component ("" when path ends in '/'). */
static int open_parent(struct cp_run *r, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xasprintf("%.*s", (int)(slash - path + 1), path) : xstrdup("/");

	*base = slash ? slash + 1 : path;
	return open_in_root(r, dir, O_PATH | O_DIRECTORY);
}

struct cstat {
	int exists;
	struct stat st;
	char *link_target;           /* a symlink's target resolved in the root, absolute (malloc'd) */
};

/* Docker's container StatPath: the last component not followed; a symlink's target resolved. */
static int stat_path(struct cp_run *r, const char *abs, struct cstat *cs)
{
	const char *base;
	_cleanup_close_ int dfd = open_parent(r, abs, &base);

	memset(cs, 0, sizeof(*cs));
	if (dfd < 0)
		return -errno;
	if (fstatat(dfd, *base ? base : ".", &cs->st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
		return -errno;
	cs->exists = 1;
	if (S_ISLNK(cs->st.st_mode)) {
		_cleanup_close_ int fd = open_in_root(r, abs, O_PATH);
		if (fd >= 0) {
			cs->link_target = path_in_root(r, fd);
		} else {
			/* dangling: the path it names, which a copy may create */
			char t[PATH_MAX];
			ssize_t n = readlinkat(dfd, base, t, sizeof(t) - 1);
			_cleanup_free_ char *dir = xasprintf("%.*s", (int)(base - abs), abs);
			t[n < 0 ? 0 : n] = 0;
			_cleanup_free_ char *j = t[0] == '/' ? xstrdup(t) : xasprintf("%s/%s", dir, t);
			cs->link_target = path_clean(j);
		}
	}
	return 0;
}

/* The mount (volume or bind) holding abs, the deepest one, or NULL. */
static const struct cp_mount *mount_of(struct cp_run *r, const char *abs)
{
	const struct cp_mount *best = NULL;

	for (size_t i = 0; i < r->nmounts; i++) {
		const char *d = r->mounts[i].dest;
		size_t n = strlen(d);
		if (r->mounts[i].etc_file)
			continue;
		if (!strncmp(abs, d, n) && (abs[n] == '/' || !abs[n]) && (!best || strlen(best->dest) < n))
			best = &r->mounts[i];
	}
	return best;
}

/* PrepareArchiveCopy: the directory to extract into and the name the copy's top entry takes
 * there: its own into an existing directory, else the destination's, in the destination's parent. */
static int prepare_copy(struct cp_run *r, int src_is_dir, const char *src_base, const char *dst, int exists,
			int is_dir, char **dir, char **name)
{
	if (exists && is_dir) {
		*dir = xstrdup(dst);
		*name = xstrdup(src_base);
		return 0;
	}
	if (exists && src_is_dir)
		return berr_set(&r->res->err, EISDIR, "cannot copy directory");
	if (!exists && !src_is_dir && (ends_with_slash(dst) || ends_with_dot(dst)))
		return berr_set(&r->res->err, ENOENT, "no such directory");
	*dir = split_dir(dst);
	*name = split_base(dst);
	return 0;
}

/* --- the tar pipeline --- */

/* Fork a writer of the tar of parent/base (entries named `name`) into a pipe: its read end. */
static int start_writer(struct cp_run *r, int parent, const char *base, const char *name, pid_t *pid)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (*pid == 0) {
		berr_t err = { 0 };
		close(p[0]);
		if (archive_tar_resource(parent, base, name, p[1], &err) < 0) {
			/* a reader that stopped early already reported why; only our own failure counts */
			if (err.code != EPIPE) {
				r->res->err = err;
				_exit(1);
			}
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

/* Wait for the writer; its error when the reader had none. */
static int finish_writer(struct cp_run *r, pid_t pid, int reader_rc)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (reader_rc < 0)
		return reader_rc;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return r->res->err.code ? -r->res->err.code : -EIO;
	return 0;
}

/* --- out of the container --- */

/* The local destination as the CLI's CopyInfoDestinationPath sees it (symlinks followed). */
static int local_dest_info(struct cp_run *r, const char *dst, char **path, int *exists, int *is_dir)
{
	char *p = xstrdup(dst);
	struct stat st;

	for (int n = 0; lstat(p, &st) == 0 && S_ISLNK(st.st_mode); n++) {
		char t[PATH_MAX];
		ssize_t l = readlink(p, t, sizeof(t) - 1);
		char *np;
		if (n > 10 || l < 0) {
			free(p);
			return berr_set(&r->res->err, ELOOP, "too many symlinks in %s", dst);
		}
		t[l] = 0;
		if (t[0] == '/') {
			np = path_clean(t);
		} else {
			_cleanup_free_ char *d = xstrdup(p), *j = xasprintf("%s/%s", dirname(d), t);
			np = path_clean(j);
		}
		free(p);
		p = np;
	}
	*path = p;
	if (lstat(p, &st) == 0) {
		*exists = 1;
		*is_dir = S_ISDIR(st.st_mode);
		return 0;
	}
	if (errno != ENOENT)
		return go_sys(r, errno, "lstat %s", p);
	*exists = *is_dir = 0;
	{
		_cleanup_free_ char *parent = split_dir(p);
		if (stat(parent, &st) < 0)
			return go_sys(r, errno, "stat %s", parent);
		if (!S_ISDIR(st.st_mode))
			return berr_set(&r->res->err, ENOTDIR, "not a directory");
	}
	return 0;
}

/* The CLI's ValidateOutputPath. */
static int validate_output(struct cp_run *r, const char *dst)
{
	_cleanup_free_ char *c = path_clean(dst), *d = xstrdup(c);
	char *dir = dirname(d);
	struct stat st;

	if (stat(dir, &st) < 0 && errno == ENOENT)
		return berr_set(&r->res->err, ENOENT, "invalid output path: directory \"%s\" does not exist", dir);
	if (stat(dst, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		return berr_set(&r->res->err, EINVAL,
				"invalid output path: \"%s\" must be a directory or a regular file: got a device", dst);
	return 0;
}

/* Extract the tar on in_fd into the local directory dir (the CLI's CopyTo: no chown). */
static int extract_local(struct cp_run *r, int in_fd, const char *dir)
{
	struct archive_extract_opts o = { .no_overwrite_dir_nondir = 1, .owner = ARCHIVE_OWNER_CALLER,
					  .dest_name = dir };
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return go_sys(r, errno, "open %s", dir);
	return archive_extract_tar(in_fd, dfd, &o, &r->res->err) < 0 ? -r->res->err.code : 0;
}

static int copy_out(struct cp_run *r)
{
	struct container_copy *q = r->req;
	_cleanup_free_ char *abs = clean_keep_trailing(q->container_path);
	_cleanup_free_ char *src = NULL, *name = NULL, *dst = NULL, *dpath = NULL, *top = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base, *asked;
	struct stat st;
	int exists = 0, is_dir = 0, rc;
	pid_t pid;

	if (q->local_path) {
		dst = local_abs(q->local_path);
		if ((rc = validate_output(r, dst)) < 0)
			return rc;
	}
	src = xstrdup(abs);
	asked = q->container_path;
	if (q->follow_link) {
		struct cstat cs;
		if (stat_path(r, abs, &cs) == 0 && S_ISLNK(cs.st.st_mode) && cs.link_target) {
			/* the CLI's GetRebaseName: the link target keeps the "/." or "/" asked for */
			free(src);
			src = ends_with_dot(abs) ? xasprintf("%s/.", cs.link_target)
			      : ends_with_slash(abs) ? xasprintf("%s/", cs.link_target) : xstrdup(cs.link_target);
			asked = src;
		}
		free(cs.link_target);
	}
	dfd = open_parent(r, src, &base);
	if (dfd < 0 && errno == ENOENT)
		return not_found(r, asked);
	if (dfd < 0)
		return lstat_err(r, errno, src);
	if (!*base)
		base = ".";
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? not_found(r, asked) : lstat_err(r, errno, src);
	/* the daemon names the entries after the path asked for (its last symlink not followed) */
	name = go_base(src);
	/* to a stream: the daemon's archive as it is, as the CLI passes it on */
	if (!q->local_path)
		return archive_tar_resource(dfd, base, name, q->fd, &r->res->err) < 0 ? -r->res->err.code : 0;
	/* PrepareArchiveCopy: where to extract, and under which name */
	if ((rc = local_dest_info(r, dst, &dpath, &exists, &is_dir)) < 0)
		return rc;
	{
		_cleanup_free_ char *sbase = split_base(q->container_path);
		free(name);
		name = NULL;
		if ((rc = prepare_copy(r, S_ISDIR(st.st_mode), sbase, dpath, exists, is_dir, &top, &name)) < 0)
			return rc;
	}
	{
		int in = start_writer(r, dfd, base, name, &pid);
		if (in < 0)
			return berr_sys(&r->res->err, -in, "start the archive");
		rc = extract_local(r, in, top);
		close(in);
		return finish_writer(r, pid, rc);
	}
}

/* --- into the container --- */

/* -a into a container with a user: the entries take that user's ids, "user[:group]" resolved in
 * the container's own /etc/passwd and /etc/group as its -u is (rt_resolve_user_files; Docker
 * looks in the host's), through files opened beneath its root. */
static int archive_ids(struct cp_run *r, struct archive_extract_opts *o)
{
	const char *user = json_string_value(json_object_get(json_object_get(r->c->doc, "Config"), "User"));
	_cleanup_close_ int pw = -1, gr = -1;
	_cleanup_free_ char *spec = NULL, *home = NULL, *pw_path = NULL, *gr_path = NULL;
	_cleanup_free_ gid_t *groups = NULL;
	size_t ngroups = 0, len;
	berr_t e = { 0 };
	uid_t uid;
	gid_t gid;

	if (!user || !*user)
		return 0;
	spec = xstrdup(user);
	len = strlen(spec);
	if (len && spec[len - 1] == ':')
		spec[len - 1] = 0;   /* "user:" names no group */
	pw = open_in_root(r, "/etc/passwd", O_RDONLY);
	gr = open_in_root(r, "/etc/group", O_RDONLY);
	pw_path = pw >= 0 ? xasprintf("/proc/self/fd/%d", pw) : xstrdup("");
	gr_path = gr >= 0 ? xasprintf("/proc/self/fd/%d", gr) : xstrdup("");
	if (rt_resolve_user_files(pw_path, gr_path, spec, &uid, &gid, &groups, &ngroups, &home, &e) < 0)
		return daemon_err(r, e.code, "%s", e.msg);
	o->owner = ARCHIVE_OWNER_FIXED;
	o->uid = uid;
	o->gid = gid;
	return 0;
}

/* The daemon's extract-to-dir: dir resolved in the root (its last symlink followed), checked
 * against read-only volumes and rootfs, the tar unpacked there. */
static int extract_in_container(struct cp_run *r, const char *dir, int in_fd)
{
	_cleanup_free_ char *abs = clean_keep_trailing(dir), *where = NULL;
	_cleanup_close_ int fd = open_in_root(r, abs, O_RDONLY | O_DIRECTORY);
	struct archive_extract_opts o = { .no_overwrite_dir_nondir = 1, .owner = ARCHIVE_OWNER_HEADER };
	const struct cp_mount *m;
	struct stat st;
	int rc;

	if (fd < 0 && errno == ENOTDIR)
		return daemon_err(r, ENOTDIR, "extraction point is not a directory");
	if (fd < 0 && errno == ENOENT)
		return not_found(r, dir);
	if (fd < 0)
		return lstat_err(r, errno, abs);
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return daemon_err(r, ENOTDIR, "extraction point is not a directory");
	where = path_in_root(r, fd);
	m = mount_of(r, where);
	if (m && !m->rw)
		return daemon_err(r, EROFS, "mounted volume is marked read-only");
	if (!m && json_is_true(json_object_get(json_object_get(r->c->doc, "HostConfig"), "ReadonlyRootfs")))
		return daemon_err(r, EROFS, "container rootfs is marked read-only");
	if (r->req->archive && (rc = archive_ids(r, &o)) < 0)
		return rc;
	o.dest_name = where;
	if (archive_extract_tar(in_fd, fd, &o, &r->res->err) < 0) {
		char msg[sizeof(r->res->err.msg)];
		snprintf(msg, sizeof(msg), "%s", r->res->err.msg);
		return daemon_err(r, r->res->err.code ? r->res->err.code : EIO,
				  "Error processing tar file(exit status 1): %s", msg);
	}
	return 0;
}

/* The CLI's CopyInfoSourcePath: the local source with the symlinks before its last component
 * resolved (all of them with -L); *rebase is the name the copy keeps. */
static int local_source(struct cp_run *r, const char *abs, char **resolved, char **rebase)
{
	char buf[PATH_MAX];

	*rebase = NULL;
	if (r->req->follow_link) {
		if (!realpath(abs, buf))
			return go_sys(r, errno, "lstat %s", abs);
		*resolved = ends_with_dot(abs) ? xasprintf("%s/.", buf) : xstrdup(buf);
	} else {
		const char *slash = strrchr(abs, '/');
		_cleanup_free_ char *dir = xasprintf("%.*s", (int)(slash - abs + 1), abs);
		if (!realpath(dir, buf))
			return go_sys(r, errno, "lstat %s", dir);
		*resolved = xasprintf("%s%s%s", buf, strcmp(buf, "/") ? "/" : "", slash + 1);
	}
	/* GetRebaseName: a last component that resolving changed keeps the name asked for */
	if (r->req->follow_link || ends_with_slash(abs)) {
		_cleanup_free_ char *want = go_base(abs), *got = go_base(*resolved);
		if (strcmp(want, got))
			*rebase = xstrdup(want);
	}
	return 0;
}

static int copy_in(struct cp_run *r)
{
	struct container_copy *q = r->req;
	_cleanup_free_ char *abs = clean_keep_trailing(q->container_path);
	_cleanup_free_ char *dpath = xstrdup(q->container_path), *top = NULL, *name = NULL;
	_cleanup_free_ char *src = NULL, *resolved = NULL, *rebase = NULL;
	struct cstat cs;
	struct stat st;
	int exists = 0, is_dir = 0, rc;

	/* the destination as the CLI's stat of it finds it, a symlink followed */
	if (stat_path(r, abs, &cs) == 0) {
		if (S_ISLNK(cs.st.st_mode) && cs.link_target) {
			free(dpath);
			dpath = xstrdup(cs.link_target);
			free(cs.link_target);
			if (stat_path(r, dpath, &cs) < 0)
				cs.exists = 0;
			free(cs.link_target);
		}
		if (cs.exists && (S_ISCHR(cs.st.st_mode) || S_ISBLK(cs.st.st_mode)))
			return berr_set(&r->res->err, EINVAL, "destination \"%s:%s\" must be a directory or a regular file: got a device",
					q->ref, q->container_path);
		exists = cs.exists;
		is_dir = exists && S_ISDIR(cs.st.st_mode);
	}
	if (!q->local_path) {
		if (!is_dir)
			return berr_set(&r->res->err, ENOTDIR, "destination \"%s:%s\" must be a directory", q->ref,
					q->container_path);
		return extract_in_container(r, dpath, q->fd);
	}
	src = local_abs(q->local_path);
	if ((rc = local_source(r, src, &resolved, &rebase)) < 0)
		return rc;
	if (lstat(resolved, &st) < 0)
		return go_sys(r, errno, "lstat %s", resolved);
	{
		_cleanup_free_ char *sbase = rebase ? xstrdup(rebase) : split_base(resolved);
		if ((rc = prepare_copy(r, S_ISDIR(st.st_mode), sbase, dpath, exists, is_dir, &top, &name)) < 0)
			return rc;
	}
	{
		const char *slash = strrchr(resolved, '/');
		_cleanup_free_ char *pdir = slash == resolved ? xstrdup("/") : xasprintf("%.*s", (int)(slash - resolved), resolved);
		_cleanup_close_ int pfd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		const char *base = slash[1] ? slash + 1 : ".";
		pid_t pid;
		int in;

		if (pfd < 0)
			return go_sys(r, errno, "open %s", pdir);
		if ((in = start_writer(r, pfd, base, name, &pid)) < 0)
			return berr_sys(&r->res->err, -in, "start the archive");
		rc = extract_in_container(r, top, in);
		close(in);
		return finish_writer(r, pid, rc);
	}
}

/* --- the child --- */

static int mount_depth_cmp(const void *a, const void *b)
{
	const struct cp_mount *x = a, *y = b;
	return strcmp(x->dest, y->dest);  /* a parent sorts before what is below it */
}

static void add_mount(struct cp_run *r, const char *src, const char *dst, int rw, int etc_file)
{
	r->mounts = xreallocarray(r->mounts, r->nmounts + 1, sizeof(*r->mounts));
	r->mounts[r->nmounts] = (struct cp_mount){ .dest = path_clean(dst), .source = xstrdup(src), .rw = rw,
						   .etc_file = etc_file };
	r->nmounts++;
}

/* The container's volumes and binds (inspect's Mounts) and, as Docker's NetworkMounts, the
 * /etc files a run binds from its directory; parents first. Read before the fork, so the
 * child never touches the store. */
static void collect_mounts(struct cp_run *r)
{
	static const char *const ETC[][2] = { { "ResolvConfPath", "/etc/resolv.conf" },
					      { "HostnamePath", "/etc/hostname" }, { "HostsPath", "/etc/hosts" } };
	json_t *doc = container_inspect_json(r->ctx, r->c), *m;
	size_t i;

	json_array_foreach(json_object_get(doc, "Mounts"), i, m) {
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		if (src && dst && *src)
			add_mount(r, src, dst, json_is_true(json_object_get(m, "RW")), 0);
	}
	for (i = 0; i < sizeof(ETC) / sizeof(*ETC); i++) {
		const char *src = json_string_value(json_object_get(doc, ETC[i][0]));
		int taken = 0;
		for (size_t j = 0; j < r->nmounts; j++)
			taken |= !strcmp(r->mounts[j].dest, ETC[i][1]);
		if (!taken && src && access(src, F_OK) == 0)
			add_mount(r, src, ETC[i][1], 1, 1);
	}
	json_decref(doc);
	if (r->nmounts > 1)
		qsort(r->mounts, r->nmounts, sizeof(*r->mounts), mount_depth_cmp);
}

static void free_mounts(struct cp_run *r)
{
	for (size_t i = 0; i < r->nmounts; i++) {
		free(r->mounts[i].dest);
		free(r->mounts[i].source);
	}
	free(r->mounts);
}

/* Create a missing mount point beneath the root as a start would (Docker's CreateIfNotExists):
 * its parents as directories, itself a directory or an empty file like the mount's source. */
static void make_mount_point(struct cp_run *r, char *dest, int is_dir)
{
	const char *base;
	int dfd;

	for (char *s = strchr(dest + 1, '/'); s; s = strchr(s + 1, '/')) {
		int t;
		*s = 0;
		if ((t = open_in_root(r, dest, O_PATH)) >= 0) {
			close(t);
		} else if ((t = open_parent(r, dest, &base)) >= 0) {
			mkdirat(t, base, 0755);
			close(t);
		}
		*s = '/';
	}
	if ((dfd = open_parent(r, dest, &base)) < 0)
		return;
	if (is_dir)
		mkdirat(dfd, base, 0755);
	else
		close(openat(dfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0755));
	close(dfd);
}

/* Bind mount src on the path beneath the root; read-only when rw is 0. */
static int bind_at(struct cp_run *r, const char *src, const char *dest, int rw)
{
	char proc[64];
	int fd = open_in_root(r, dest, O_PATH), e;

	if (fd < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	e = mount(src, proc, NULL, MS_BIND | MS_REC, NULL) < 0 ? errno : 0;
	close(fd);
	if (e || rw)
		return -e;
	/* the fd named the mount point's underside: the new mount's root, to make it read-only */
	if ((fd = open_in_root(r, dest, O_PATH)) < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	e = mount(NULL, proc, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0 ? errno : 0;
	close(fd);
	return -e;
}

/* Bind each volume and bind mount onto its place in the root, as Docker's mountVolumes does for a
 * copy: the paths inside then reach the mounts' own files, a symlink on the way resolved inside. */
static int bind_volumes(struct cp_run *r)
{
	for (size_t i = 0; i < r->nmounts; i++) {
		struct cp_mount *mp = &r->mounts[i];
		struct stat st;
		int fd, e;

		if (stat(mp->source, &st) < 0)
			return go_sys(r, errno, "stat %s", mp->source);
		if ((fd = open_in_root(r, mp->dest, O_PATH)) < 0 && errno == ENOENT)
			make_mount_point(r, mp->dest, S_ISDIR(st.st_mode));
		if (fd >= 0)
			close(fd);
		if ((e = bind_at(r, mp->source, mp->dest, mp->rw)) < 0)
			return berr_sys(&r->res->err, -e, "mount %s on %s", mp->source, mp->dest);
	}
	return 0;
}

static int child_main(struct cp_run *r)
{
	berr_t ignore = { 0 };
	int rc;

	if (unshare(CLONE_NEWNS) < 0)
		return berr_sys(&r->res->err, errno, "unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return berr_sys(&r->res->err, errno, "make the mounts private");
	if ((rc = container_mount(r->ctx, r->c, r->root, sizeof(r->root), &r->res->err)) < 0)
		return rc;
	r->rootfd = open(r->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd < 0)
		rc = go_sys(r, errno, "open %s", r->root);
	if (rc == 0)
		rc = bind_volumes(r);
	if (rc == 0) {
		close(r->rootfd);      /* again, now that the volumes are bound */
		r->rootfd = open(r->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		rc = r->req->to_container ? copy_in(r) : copy_out(r);
	}
	container_unmount(r->ctx, r->c, &ignore);
	return rc;
}

int container_copy(struct berth_ctx *ctx, struct container *c, struct container_copy *req, berr_t *err)
{
	struct cp_result *res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct cp_run r = { .ctx = ctx, .c = c, .req = req, .rootfd = -1 };
	const struct berth_storage_ops *ops;
	int lk, status = 0, rc = 0;
	pid_t pid;

	req->daemon_error = 0;
	if (res == MAP_FAILED)
		return berr_sys(err, errno, "mmap");
	memset(res, 0, sizeof(*res));
	r.res = res;
	/* what the child needs from the store and the plugins, before the fork */
	collect_mounts(&r);
	if (!c->rootfs && (rc = ctx_storage(ctx, &ops, NULL, err)) < 0) {
		free_mounts(&r);
		munmap(res, sizeof(*res));
		return rc;
	}
	/* no start or rm while the copy runs, as Docker holds the container's lock */
	if ((lk = container_lock(ctx, c->id, err)) < 0) {
		free_mounts(&r);
		munmap(res, sizeof(*res));
		return lk;
	}
	pid = fork();
	if (pid == 0) {
		rc = child_main(&r);
		_exit(rc < 0 ? 1 : 0);
	}
	if (pid < 0) {
		rc = berr_sys(err, errno, "fork");
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE && !req->local_path && !req->to_container) {
			/* stdout's reader went away: end as Docker's CLI does then, by SIGPIPE, silently */
			container_unlock(ctx, lk);
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			*err = res->err;
			if (!err->msg[0])
				berr_set(err, EIO, "copy: the worker died");
			rc = -(err->code ? err->code : EIO);
			req->daemon_error = res->daemon;
		}
	}
	container_unlock(ctx, lk);
	free_mounts(&r);
	munmap(res, sizeof(*res));
	return rc;
}
