/* Layer tars: apply (formats, compressions, whiteouts, refusals, corrupt input), tar-split
 * byte-exactness (GNU tar's gnu/oldgnu/posix/ustar/v7 formats, trailing bytes, a tar that
 * rewrites its own paths), and diff (vfs-style against a lower tree, overlay upperdirs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive/archive.h"
#include "archive/tar.h"
#include "common/digest.h"
#include "common/util.h"

static char *tmp;               /* per-run scratch directory */

/* --- helpers --- */

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

static char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *tpath(const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = xasprintf("%s/%s", tmp, rel);
	free(rel);
	return p;
}

static void sha_file(const char *path, char out[DIGEST_LEN + 1])
{
	char *data;
	size_t len;
	berr_t err = { 0 };

	assert_int_equal(read_file(path, &data, &len, &err), 0);
	sha256_digest(data, len, out);
	free(data);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	berr_t err = { 0 };
	assert_int_equal(write_file_atomic(path, p, n, 0644, &err), 0);
}

/* Apply tar file `tar` into dest; returns the result, fills err. */
static int64_t apply(const char *tar, const char *dest, enum berth_whiteout_mode mode,
		     struct berth_tarsplit *ts, char *diff_id, berr_t *err)
{
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	int64_t n;

	assert_true(fd >= 0);
	n = archive_apply_tar(fd, dest, mode, ts, diff_id, err);
	close(fd);
	return n;
}

/* Apply, save + reload the tar-split, assemble, and require the identical bytes. */
static void assert_exact(const char *tar, const char *dest, enum berth_whiteout_mode mode)
{
	struct berth_tarsplit *ts = tarsplit_new(), *back = NULL;
	char id[DIGEST_LEN + 1], want[DIGEST_LEN + 1], got[DIGEST_LEN + 1];
	char *tsfile = xasprintf("%s.tsplit", dest), *out = xasprintf("%s.again.tar", dest);
	berr_t err = { 0 };
	struct stat st;
	int64_t n;
	int fd;

	n = apply(tar, dest, mode, ts, id, &err);
	if (n < 0)
		fail_msg("apply %s: %s", tar, err.msg);
	assert_int_equal(stat(tar, &st), 0);
	sha_file(tar, want);
	assert_int_equal(n, st.st_size);
	assert_string_equal(id, want);
	assert_int_equal(tarsplit_save(ts, tsfile, &err), 0);
	tarsplit_free(ts);
	if (tarsplit_load(&back, tsfile, &err) < 0)
		fail_msg("load: %s", err.msg);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	n = tarsplit_assemble(back, dest, fd, &err);
	close(fd);
	if (n < 0)
		fail_msg("assemble: %s", err.msg);
	assert_int_equal(n, st.st_size);
	sha_file(out, got);
	assert_string_equal(got, want);
	tarsplit_free(back);
	free(tsfile);
	free(out);
}

/* A minimal, independent ustar writer for crafted tars. */
static void tb_add(struct tbuf *b, const char *name, char type, const char *data, size_t len,
		   const char *link, unsigned mode)
{
	uint8_t h[512] = { 0 };
	unsigned sum = 0;
	static const uint8_t zero[512];

	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", type == '0' ? len : 0);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	h[156] = (uint8_t)type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	tbuf_append(b, h, 512);
	if (type == '0' && len) {
		tbuf_append(b, data, len);
		tbuf_append(b, zero, (512 - len % 512) % 512);
	}
}

static void tb_end(struct tbuf *b, const char *path)
{
	static const uint8_t zero[1024];
	tbuf_append(b, zero, sizeof(zero));
	write_bytes(path, b->p, b->len);
	tbuf_free(b);
}

static char *slurp(const char *path)
{
	char *d;
	berr_t err = { 0 };
	assert_int_equal(read_file(path, &d, NULL, &err), 0);
	return d;
}

/* Compare two trees: names, types, modes, owners, sizes, contents, link targets, xattrs and
 * (for non-directories) mtimes. Fails the test naming the first difference. */
static void assert_trees_equal(const char *a, const char *b, const char *rel)
{
	struct dirent **la, **lb;
	int na, nb;

	na = scandir(a, &la, NULL, alphasort);
	nb = scandir(b, &lb, NULL, alphasort);
	assert_true(na >= 0 && nb >= 0);
	for (int i = 0, j = 0; i < na || j < nb;) {
		char *pa, *pb, *r;
		struct stat sa, sb;
		int c = i == na ? 1 : j == nb ? -1 : strcmp(la[i]->d_name, lb[j]->d_name);
		if (c < 0)
			fail_msg("%s/%s only in %s", rel, la[i]->d_name, a);
		if (c > 0)
			fail_msg("%s/%s only in %s", rel, lb[j]->d_name, b);
		if (!strcmp(la[i]->d_name, ".") || !strcmp(la[i]->d_name, "..")) {
			i++, j++;
			continue;
		}
		pa = xasprintf("%s/%s", a, la[i]->d_name);
		pb = xasprintf("%s/%s", b, lb[j]->d_name);
		r = xasprintf("%s/%s", rel, la[i]->d_name);
		assert_int_equal(lstat(pa, &sa), 0);
		assert_int_equal(lstat(pb, &sb), 0);
		if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid ||
		    sa.st_rdev != sb.st_rdev)
			fail_msg("%s: mode/owner differ (%o %d:%d vs %o %d:%d)", r, sa.st_mode, sa.st_uid,
				 sa.st_gid, sb.st_mode, sb.st_uid, sb.st_gid);
		/* (whiteout devices get no time from their tar entry, as in Docker) */
		if (!S_ISDIR(sa.st_mode) && (sa.st_size != sb.st_size ||
		    (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec && !(S_ISCHR(sa.st_mode) && sa.st_rdev == 0))))
			fail_msg("%s: size/mtime differ", r);
		if (S_ISREG(sa.st_mode)) {
			char *da = slurp(pa), *db = slurp(pb);
			if (memcmp(da, db, sa.st_size))
				fail_msg("%s: content differs", r);
			free(da);
			free(db);
		} else if (S_ISLNK(sa.st_mode)) {
			char ta[4096] = "", tb[4096] = "";
			assert_true(readlink(pa, ta, sizeof(ta)) > 0);
			assert_true(readlink(pb, tb, sizeof(tb)) > 0);
			if (strcmp(ta, tb))
				fail_msg("%s: link target differs", r);
		} else if (S_ISDIR(sa.st_mode)) {
			assert_trees_equal(pa, pb, r);
		}
		{
			char xa[4096], xb[4096];
			ssize_t ka = llistxattr(pa, xa, sizeof(xa)), kb = llistxattr(pb, xb, sizeof(xb));
			if (ka != kb || (ka > 0 && memcmp(xa, xb, ka)))
				fail_msg("%s: xattr names differ", r);
		}
		free(pa);
		free(pb);
		free(r);
		i++, j++;
	}
	for (int i = 0; i < na; i++)
		free(la[i]);
	for (int i = 0; i < nb; i++)
		free(lb[i]);
	free(la);
	free(lb);
}

/* The source tree GNU tar archives: every kind of entry a layer holds. */
static void make_source(const char *src, int long_names)
{
	char *p;

	run("set -e; mkdir -p %s/d1/d2 %s/emptydir %s/ro; cd %s; echo hello > a.txt; : > empty;"
	    "head -c 512 /dev/urandom > b512; head -c 1024 /dev/urandom > b1024;"
	    "head -c 3000000 /dev/urandom > d1/big; chmod 4755 d1/big; chmod 2750 d1;"
	    "ln a.txt d1/hard; ln -s ../a.txt d1/sym; mkfifo fifo; mknod null c 1 3;"
	    "echo ro > ro/f; chmod 555 ro; chown 1234:5678 b512;"
	    "touch -d '2001-02-03 04:05:06.123456789' b1024; touch -h -d '2002-01-01' d1/sym",
	    src, src, src, src);
	if (long_names) {
		run("set -e; cd %s; d=d1/d2/$(printf 'n%%.0s' $(seq 1 120)); mkdir -p $d/$(printf 'm%%.0s' $(seq 1 150));"
		    "echo deep > $d/$(printf 'm%%.0s' $(seq 1 150))/$(printf 'f%%.0s' $(seq 1 200));"
		    "ln -s $(printf 't%%.0s' $(seq 1 180)) longlink;"
		    "ln $d/$(printf 'm%%.0s' $(seq 1 150))/$(printf 'f%%.0s' $(seq 1 200)) longhard",
		    src);
	}
	p = xasprintf("%s/a.txt", src);
	assert_int_equal(setxattr(p, "user.berth", "value\0with nul", 14, 0), 0);
	free(p);
}

/* --- tests --- */

static void gnu_tar_formats_are_byte_exact(void **state)
{
	(void)state;
	char *src = tpath("fmt-src"), *srcs = tpath("fmt-src-short");
	static const char *formats[] = { "gnu", "oldgnu", "posix", "ustar", "v7" };

	make_source(src, 1);
	make_source(srcs, 0);
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		int longok = !strcmp(formats[i], "gnu") || !strcmp(formats[i], "oldgnu") ||
			     !strcmp(formats[i], "posix");
		char *tar = tpath("fmt-%s.tar", formats[i]), *dest = tpath("fmt-%s-out", formats[i]);
		run("tar %s --format=%s -C %s -cf %s . 2>/dev/null || true",
		    !strcmp(formats[i], "posix") ? "--xattrs" : "", formats[i], longok ? src : srcs, tar);
		assert_exact(tar, dest, BERTH_WHITEOUT_DELETE);
		free(tar);
		free(dest);
	}

	/* What landed on disk is the source tree (posix carries xattrs and sub-second times). */
	{
		char *dest = tpath("fmt-posix-out"), *p, *q, buf[64];
		struct stat a, b;
		assert_trees_equal(src, dest, "");
		p = xasprintf("%s/a.txt", dest);
		q = xasprintf("%s/d1/hard", dest);
		assert_int_equal(stat(p, &a), 0);
		assert_int_equal(stat(q, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		assert_int_equal(getxattr(p, "user.berth", buf, sizeof(buf)), 14);
		assert_memory_equal(buf, "value\0with nul", 14);
		free(p);
		free(q);
		p = xasprintf("%s/b1024", dest);
		assert_int_equal(stat(p, &a), 0);
		assert_int_equal(a.st_mtim.tv_nsec, 123456789);
		free(p);
		p = xasprintf("%s/d1/big", dest);
		assert_int_equal(stat(p, &a), 0);
		assert_int_equal(a.st_mode & 07777, 04755);
		free(p);
		p = xasprintf("%s/null", dest);
		assert_int_equal(lstat(p, &a), 0);
		assert_true(S_ISCHR(a.st_mode));
		assert_int_equal(a.st_rdev, makedev(1, 3));
		free(p);
		free(dest);
	}
	free(src);
	free(srcs);
}

static void compressed_layers_hash_the_uncompressed_tar(void **state)
{
	(void)state;
	char *src = tpath("z-src");
	static const char *tools[] = { "gzip", "bzip2", "xz", "zstd" };

	make_source(src, 1);
	run("tar --xattrs --format=posix -C %s -cf %s/z.tar .", src, tmp);
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++) {
		char *dest = tpath("z-%s-out", tools[i]), *ztar = tpath("z.tar.%s", tools[i]);
		char *plain = tpath("z.tar"), *again = tpath("z-%s.again", tools[i]);
		struct berth_tarsplit *ts = tarsplit_new();
		char id[DIGEST_LEN + 1], want[DIGEST_LEN + 1], got[DIGEST_LEN + 1];
		berr_t err = { 0 };
		int fd;

		run("%s -c %s > %s", tools[i], plain, ztar);
		if (apply(ztar, dest, BERTH_WHITEOUT_DELETE, ts, id, &err) < 0)
			fail_msg("%s: %s", tools[i], err.msg);
		sha_file(plain, want);
		assert_string_equal(id, want);
		fd = open(again, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(tarsplit_assemble(ts, dest, fd, &err) > 0);
		close(fd);
		sha_file(again, got);
		assert_string_equal(got, want);
		assert_trees_equal(src, dest, "");
		tarsplit_free(ts);
		free(dest);
		free(ztar);
		free(plain);
		free(again);
	}
	free(src);
}

static void trailing_bytes_are_kept(void **state)
{
	(void)state;
	char *src = tpath("trail-src");

	make_source(src, 0);
	/* GNU tar's 10 KiB record padding, extra zero blocks, then junk after the archive. */
	run("tar --format=gnu -C %s -cf %s/trail.tar . && cp %s/trail.tar %s/trail2.tar &&"
	    "head -c 8192 /dev/zero >> %s/trail2.tar && printf 'garbage after the end' >> %s/trail2.tar",
	    src, tmp, tmp, tmp, tmp, tmp);
	{
		char *t1 = tpath("trail.tar"), *t2 = tpath("trail2.tar"), *d1 = tpath("trail-out"), *d2 = tpath("trail2-out");
		assert_exact(t1, d1, BERTH_WHITEOUT_DELETE);
		assert_exact(t2, d2, BERTH_WHITEOUT_DELETE);
		free(t1);
		free(t2);
		free(d1);
		free(d2);
	}
	/* A tar without end-of-archive blocks (cut at an entry boundary) is accepted, as Go does. */
	{
		struct tbuf b = { 0 };
		char *t = tpath("noend.tar"), *d = tpath("noend-out");
		tb_add(&b, "x", '0', "abc", 3, NULL, 0644);
		write_bytes(t, b.p, b.len);
		tbuf_free(&b);
		assert_exact(t, d, BERTH_WHITEOUT_DELETE);
		free(t);
		free(d);
	}
	free(src);
}

/* A tar that writes a path twice, replaces a directory holding an extracted file, deletes and
 * hard-links over its own files: tar-split keeps such content inline, so assembly stays exact. */
static void self_rewriting_tar_is_byte_exact(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct tbuf b = { 0 };
		char *t = tpath("rewrite-%d.tar", mode), *d = tpath("rewrite-%d-out", mode), *p, *c;

		tb_add(&b, "f", '0', "first content", 13, NULL, 0644);
		tb_add(&b, "f", '0', "second, longer content", 22, NULL, 0644);
		tb_add(&b, "dir/", '5', NULL, 0, NULL, 0755);
		tb_add(&b, "dir/inner", '0', "inner file", 10, NULL, 0644);
		tb_add(&b, "dir", '0', "dir is a file now", 17, NULL, 0644);
		tb_add(&b, "g", '0', "deleted later", 13, NULL, 0644);
		tb_add(&b, ".wh.g", '0', NULL, 0, NULL, 0644);
		tb_add(&b, "h", '0', "replaced by a link", 18, NULL, 0644);
		tb_add(&b, "h", '1', NULL, 0, "f", 0644);
		tb_add(&b, "keep/", '5', NULL, 0, NULL, 0755);
		tb_add(&b, "keep/k", '0', "kept", 4, NULL, 0644);
		tb_add(&b, "keep/.wh..wh..opq", '0', NULL, 0, NULL, 0644);
		tb_add(&b, "./", '5', NULL, 0, NULL, 0755);
		tb_end(&b, t);
		assert_exact(t, d, mode ? BERTH_WHITEOUT_OVERLAY : BERTH_WHITEOUT_DELETE);

		p = xasprintf("%s/f", d);
		c = slurp(p);
		assert_string_equal(c, "second, longer content");
		free(c);
		free(p);
		p = xasprintf("%s/h", d);
		c = slurp(p);
		assert_string_equal(c, "second, longer content");
		free(c);
		free(p);
		p = xasprintf("%s/keep/k", d);
		assert_true(path_exists(p));          /* created by this layer: not hidden by its opaque */
		free(p);
		p = xasprintf("%s/g", d);
		if (mode) {
			struct stat st;
			assert_int_equal(lstat(p, &st), 0);
			assert_true(S_ISCHR(st.st_mode) && st.st_rdev == 0);
		} else {
			assert_false(path_exists(p));
		}
		free(p);
		free(t);
		free(d);
	}
}

static void whiteouts_delete_and_overlay(void **state)
{
	(void)state;
	struct tbuf base = { 0 }, layer = { 0 };
	char *tb = tpath("wh-base.tar"), *tl = tpath("wh-layer.tar"), *vfs = tpath("wh-vfs"), *ovl = tpath("wh-ovl");
	berr_t err = { 0 };
	char buf[8], *p;
	struct stat st;

	tb_add(&base, "a/", '5', NULL, 0, NULL, 0755);
	tb_add(&base, "a/1", '0', "1", 1, NULL, 0644);
	tb_add(&base, "a/sub/", '5', NULL, 0, NULL, 0755);
	tb_add(&base, "a/sub/2", '0', "2", 1, NULL, 0644);
	tb_add(&base, "b/", '5', NULL, 0, NULL, 0755);
	tb_add(&base, "b/x", '0', "x", 1, NULL, 0644);
	tb_add(&base, "c/", '5', NULL, 0, NULL, 0755);
	tb_add(&base, "c/deep", '0', "deep", 4, NULL, 0644);
	tb_end(&base, tb);
	tb_add(&layer, "a/", '5', NULL, 0, NULL, 0700);
	tb_add(&layer, "a/.wh..wh..opq", '0', NULL, 0, NULL, 0644);
	tb_add(&layer, "a/3", '0', "3", 1, NULL, 0644);
	tb_add(&layer, ".wh.c", '0', NULL, 0, NULL, 0644);
	tb_add(&layer, "b/.wh.x", '0', NULL, 0, NULL, 0644);
	tb_add(&layer, "b/.wh..wh.plnk", '0', NULL, 0, NULL, 0644);    /* reserved: skipped */
	tb_add(&layer, ".wh.never-existed", '0', NULL, 0, NULL, 0644);
	tb_end(&layer, tl);

	/* vfs: the layer lands on a copy of its parent; whiteouts delete. */
	assert_true(apply(tb, vfs, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) > 0);
	assert_true(apply(tl, vfs, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) > 0);
	run("cd %s && test -f a/3 && test ! -e a/1 && test ! -e a/sub && test -d b && test ! -e b/x &&"
	    "test ! -e c && test ! -e b/.wh..wh.plnk && test ! -e .wh.c && test \"$(stat -c %%a a)\" = 700", vfs);

	/* overlay2: the layer lands in an empty diff dir; whiteouts become devices and xattrs. */
	assert_true(apply(tl, ovl, BERTH_WHITEOUT_OVERLAY, NULL, NULL, &err) > 0);
	p = xasprintf("%s/a", ovl);
	assert_int_equal(getxattr(p, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'y');
	free(p);
	p = xasprintf("%s/c", ovl);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	free(p);
	p = xasprintf("%s/b/x", ovl);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	free(p);
	run("cd %s && test -f a/3 && test ! -e b/.wh..wh.plnk && test ! -e .wh.c", ovl);
	free(tb);
	free(tl);
	free(vfs);
	free(ovl);
}

static void refuses_paths_outside_the_layer(void **state)
{
	(void)state;
	struct {
		const char *what;
		const char *name;
		char type;
		const char *link;
		const char *expect;
	} cases[] = {
		{ "dotdot", "../evil", '0', NULL, "\"../evil\": path escapes the layer" },
		{ "inner-dotdot", "a/../../evil", '0', NULL, "path escapes the layer" },
		{ "hardlink-out", "h", '1', "../../etc/passwd", "hard link target \"../../etc/passwd\" is outside" },
		{ "hardlink-missing", "h", '1', "nope", "\"nope\" does not exist" },
	};
	berr_t err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct tbuf b = { 0 };
		char *t = tpath("esc-%s.tar", cases[i].what), *d = tpath("esc-%s", cases[i].what);
		memset(&err, 0, sizeof(err));
		tb_add(&b, cases[i].name, cases[i].type, "x", 1, cases[i].link, 0644);
		tb_end(&b, t);
		assert_true(apply(t, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) < 0);
		if (!strstr(err.msg, cases[i].expect))
			fail_msg("%s: unexpected message: %s", cases[i].what, err.msg);
		assert_null(strchr(err.msg, '\n'));
		assert_false(path_exists(d));         /* a dest dir the apply made is removed again */
		free(t);
		free(d);
	}

	/* A symlink is never followed to place an entry, even one pointing inside. */
	{
		struct tbuf b = { 0 };
		char *t = tpath("esc-symlink.tar"), *d = tpath("esc-symlink"), *outside = tpath("outside");
		run("mkdir -p %s", outside);
		tb_add(&b, "s", '2', NULL, 0, outside, 0777);
		tb_add(&b, "s/planted", '0', "x", 1, NULL, 0644);
		tb_end(&b, t);
		memset(&err, 0, sizeof(err));
		assert_true(apply(t, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) < 0);
		if (!strstr(err.msg, "\"s/planted\"") || !strstr(err.msg, "\"s\" is a symbolic link"))
			fail_msg("unexpected message: %s", err.msg);
		run("test ! -e %s/planted", outside);
		free(t);
		free(d);
		free(outside);
	}

	/* Absolute names are made relative, as Docker does. */
	{
		struct tbuf b = { 0 };
		char *t = tpath("abs.tar"), *d = tpath("abs-out");
		tb_add(&b, "/abs/file", '0', "x", 1, NULL, 0644);
		tb_add(&b, "./dot/./file", '0', "y", 1, NULL, 0644);
		tb_end(&b, t);
		memset(&err, 0, sizeof(err));
		assert_true(apply(t, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) > 0);
		run("test -f %s/abs/file && test -f %s/dot/file", d, d);
		free(t);
		free(d);
	}
}

static void corrupt_and_truncated_input(void **state)
{
	(void)state;
	struct tbuf b = { 0 };
	char *good = tpath("good.tar"), *bad = tpath("bad.tar"), *cut = tpath("cut.tar"), *d;
	char big[5000];
	berr_t err = { 0 };
	char *data;
	size_t len;

	memset(big, 'q', sizeof(big));
	tb_add(&b, "one", '0', "1", 1, NULL, 0644);
	tb_add(&b, "big", '0', big, sizeof(big), NULL, 0644);
	tb_end(&b, good);
	assert_int_equal(read_file(good, &data, &len, &err), 0);

	data[1024 + 10] ^= 0x20;                       /* the name of the second header */
	write_bytes(bad, data, len);
	d = tpath("bad-out");
	assert_true(apply(bad, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "invalid tar header checksum at byte 1024"));
	free(d);

	data[1024 + 10] ^= 0x20;
	write_bytes(cut, data, 1024 + 512 + 2000);     /* inside big's content */
	d = tpath("cut-out");
	assert_true(apply(cut, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "unexpected end of tar"));
	assert_false(path_exists(d));
	free(d);

	write_bytes(cut, data, 1024 + 100);            /* inside a header */
	d = tpath("cut2-out");
	assert_true(apply(cut, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "unexpected end of tar"));
	free(d);

	free(data);
	write_bytes(cut, "\x1f\x8b\x08\x00garbage that is not deflate", 30);
	d = tpath("gz-out");
	assert_true(apply(cut, d, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) < 0);
	free(d);

	/* An empty stream is an empty layer. */
	write_bytes(cut, "", 0);
	d = tpath("empty-out");
	{
		char id[DIGEST_LEN + 1], want[DIGEST_LEN + 1];
		assert_int_equal(apply(cut, d, BERTH_WHITEOUT_DELETE, NULL, id, &err), 0);
		sha256_digest("", 0, want);
		assert_string_equal(id, want);
	}
	free(d);
	free(good);
	free(bad);
	free(cut);
}

/* diff (vfs): upper compared with lower, applied onto a copy of lower, gives upper back. */
static void diff_against_lower_round_trips(void **state)
{
	(void)state;
	char *lower = tpath("dl-lower"), *upper = tpath("dl-upper"), *check = tpath("dl-check");
	char *tar = tpath("dl.tar"), *again = tpath("dl.again");
	char id[DIGEST_LEN + 1], want[DIGEST_LEN + 1], got[DIGEST_LEN + 1], *list;
	struct berth_tarsplit *ts = tarsplit_new();
	berr_t err = { 0 };
	int64_t n;
	int fd;

	make_source(lower, 1);
	run("cp -a %s %s && cd %s && echo changed > a.txt && touch -d '2010-01-01' a.txt &&"
	    "echo new > d1/new && chmod 600 b512 && rm -rf emptydir d1/hard && rm fifo &&"
	    "rm empty && mkdir empty && echo inside > empty/f && ln -s elsewhere newlink &&"
	    "echo pair > p1 && ln p1 p2 && chown 7:8 ro",
	    lower, upper, upper);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	n = archive_diff_tar(upper, lower, BERTH_WHITEOUT_DELETE, fd, ts, id, &err);
	close(fd);
	if (n < 0)
		fail_msg("diff: %s", err.msg);
	sha_file(tar, want);
	assert_string_equal(id, want);

	/* The listing: changed parents first, deletions as whiteouts, nothing unchanged. */
	run("tar -tf %s > %s/dl.list", tar, tmp);
	{
		char *lp = tpath("dl.list");
		list = slurp(lp);
		free(lp);
	}
	assert_non_null(strstr(list, "a.txt\n"));
	assert_non_null(strstr(list, "d1/\nd1/.wh.hard\nd1/new\n"));
	assert_non_null(strstr(list, ".wh.emptydir\n"));
	assert_non_null(strstr(list, "empty/\nempty/f\n"));
	assert_non_null(strstr(list, ".wh.fifo\n"));
	assert_non_null(strstr(list, "p1\np2\n"));
	assert_null(strstr(list, "b1024"));
	assert_null(strstr(list, "d1/big"));
	free(list);

	/* tar-split of a diff re-emits it from the upper tree. */
	fd = open(again, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_int_equal(tarsplit_assemble(ts, upper, fd, &err), n);
	close(fd);
	sha_file(again, got);
	assert_string_equal(got, want);
	tarsplit_free(ts);

	run("cp -a %s %s", lower, check);
	assert_true(apply(tar, check, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) > 0);
	assert_trees_equal(upper, check, "");
	free(lower);
	free(upper);
	free(check);
	free(tar);
	free(again);
}

/* diff (overlay): device 0/0 and opaque dirs become whiteouts, and apply turns them back. */
static void diff_of_overlay_upper(void **state)
{
	(void)state;
	char *upper = tpath("ov-upper"), *tar = tpath("ov.tar"), *back = tpath("ov-back"), *p, *list;
	berr_t err = { 0 };
	int fd;

	run("mkdir -p %s/op/sub && cd %s && mknod -m 000 gone c 0 0 && echo f > op/sub/f && echo top > top", upper, upper);
	p = xasprintf("%s/op", upper);
	assert_int_equal(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
	free(p);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(archive_diff_tar(upper, NULL, BERTH_WHITEOUT_OVERLAY, fd, NULL, NULL, &err) > 0);
	close(fd);
	run("tar -tvf %s > %s/ov.list", tar, tmp);
	p = tpath("ov.list");
	list = slurp(p);
	free(p);
	assert_non_null(strstr(list, " .wh.gone\n"));
	assert_non_null(strstr(list, " op/\n"));
	assert_non_null(strstr(list, " op/.wh..wh..opq\n"));
	assert_null(strstr(list, "overlay"));
	free(list);

	assert_true(apply(tar, back, BERTH_WHITEOUT_OVERLAY, NULL, NULL, &err) > 0);
	assert_trees_equal(upper, back, "");
	free(upper);
	free(tar);
	free(back);
}

/* A whole tree (base layer) written by diff and read back by apply and by GNU tar. */
static void diff_whole_tree_round_trips(void **state)
{
	(void)state;
	char *src = tpath("wt-src"), *tar = tpath("wt.tar"), *mine = tpath("wt-mine"), *gnu = tpath("wt-gnu");
	berr_t err = { 0 };
	int fd;

	make_source(src, 1);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(archive_diff_tar(src, NULL, BERTH_WHITEOUT_DELETE, fd, NULL, NULL, &err) > 0);
	close(fd);
	assert_true(apply(tar, mine, BERTH_WHITEOUT_DELETE, NULL, NULL, &err) > 0);
	run("mkdir -p %s && tar --xattrs --xattrs-include='*' -C %s -xpf %s", gnu, gnu, tar);
	assert_trees_equal(src, gnu, "");
	assert_trees_equal(src, mine, "");
	free(src);
	free(tar);
	free(mine);
	free(gnu);
}

/* tar_filter (commit's view of a driver diff): dropped entries go with their PAX and GNU long-name
 * headers, kept ones pass byte for byte and the result is a valid tar. */
static int keep_not_dropped(void *arg, const char *path)
{
	(void)arg;
	return strcmp(path, "/a.txt") && strcmp(path, "/d1/d2") && strncmp(path, "/d1/d2/", 7);
}

static void tar_filter_drops_entries_with_their_headers(void **state)
{
	(void)state;
	char *src = tpath("filter-src");
	static const char *formats[] = { "gnu", "posix" };

	make_source(src, 1);
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		char *in = tpath("filter-%s.tar", formats[i]), *out = tpath("filter-%s-out.tar", formats[i]);
		char *lists = tpath("filter-%s", formats[i]);
		struct tar_filter *f;
		berr_t err = { 0 };
		char buf[7000];           /* not a multiple of the block size: reads split entries */
		ssize_t n;
		int ifd, ofd;

		run("tar --format=%s -C %s -cf %s .", formats[i], src, in);
		ifd = open(in, O_RDONLY | O_CLOEXEC);
		ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(ifd >= 0 && ofd >= 0);
		f = tar_filter_new(ifd, keep_not_dropped, NULL);
		while ((n = tar_filter_read(f, buf, sizeof(buf), &err)) > 0)
			assert_int_equal(write(ofd, buf, (size_t)n), n);
		assert_int_equal(n, 0);
		tar_filter_free(f);
		close(ifd);
		close(ofd);
		run("set -e; tar -tf %s | grep -v -e '^\\./a\\.txt$' -e '^\\./d1/d2\\(/\\|$\\)' > %s.want;"
		    "tar -tf %s > %s.got; cmp %s.want %s.got; tar -xOf %s ./b1024 | cmp - %s/b1024;"
		    "tar -tvf %s ./longlink | grep -q -- '-> tttttttttt'",
		    in, lists, out, lists, lists, lists, out, src, out);
		free(in);
		free(out);
		free(lists);
	}
	free(src);
}

/* docker cp's pair: a resource tar renamed at its top (a file, a directory, "." for the
 * contents), and its extraction: `.wh.` names are files, a directory and a non-directory never
 * replace each other, owners as asked. */
static void cp_resource_and_extract(void **state)
{
	(void)state;
	char *src = tpath("cp-src"), *dst = tpath("cp-dst"), *tar = tpath("cp.tar");
	struct archive_extract_opts o = { .no_overwrite_dir_nondir = 1, .owner = ARCHIVE_OWNER_FIXED,
					  .uid = 7, .gid = 8, .dest_name = "/dst" };
	struct tbuf b = { 0 };
	berr_t err = { 0 };
	struct stat st;
	int sfd, dfd, fd;

	run("mkdir -p %s/d/e %s && echo f > %s/d/e/f && echo w > %s/d/.wh.x && ln -s /etc %s/d/l && echo x > %s/x",
	    src, dst, src, src, src, dst);
	sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(sfd >= 0 && dfd >= 0);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(archive_tar_resource(sfd, "d", "renamed", fd, &err) > 0);
	close(fd);
	run("test \"$(tar -tf %s | sort | xargs)\" = 'renamed/ renamed/.wh.x renamed/e/ renamed/e/f renamed/l'", tar);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(archive_extract_tar(fd, dfd, &o, &err) > 0);
	close(fd);
	run("test -f %s/renamed/.wh.x && test \"$(cat %s/renamed/e/f)\" = f && test -L %s/renamed/l", dst, dst, dst);
	{
		char *f = tpath("cp-dst/renamed/e/f");
		assert_int_equal(lstat(f, &st), 0);
		free(f);
	}
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);

	/* "." : the directory itself, its entries "./..." */
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(archive_tar_resource(sfd, ".", ".", fd, &err) > 0);
	close(fd);
	run("tar -tf %s | grep -qx './d/e/f'", tar);

	/* a directory onto the file x, and a file onto the directory renamed */
	tb_add(&b, "x/", '5', NULL, 0, NULL, 0755);
	tb_end(&b, tar);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(archive_extract_tar(fd, dfd, &o, &err) < 0);
	close(fd);
	assert_string_equal(err.msg, "cannot overwrite non-directory \"/dst/x\" with directory \"/dst\"");
	tb_add(&b, "renamed", '0', "y", 1, NULL, 0644);
	tb_end(&b, tar);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(archive_extract_tar(fd, dfd, &o, &err) < 0);
	close(fd);
	assert_string_equal(err.msg, "cannot overwrite directory \"/dst/renamed\" with non-directory \"/dst\"");
	tb_add(&b, "../up", '0', "y", 1, NULL, 0644);
	tb_end(&b, tar);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(archive_extract_tar(fd, dfd, &o, &err) < 0);
	close(fd);
	assert_string_equal(err.msg, "\"../up\" is outside of \"/dst\"");
	close(sfd);
	close(dfd);
	free(src);
	free(dst);
	free(tar);
}

static int setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/berth-test-archive-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	tmp = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	berr_t err = { 0 };
	if (!getenv("BERTH_KEEP_TMP"))
		remove_tree(tmp, &err);
	free(tmp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gnu_tar_formats_are_byte_exact),
		cmocka_unit_test(compressed_layers_hash_the_uncompressed_tar),
		cmocka_unit_test(trailing_bytes_are_kept),
		cmocka_unit_test(self_rewriting_tar_is_byte_exact),
		cmocka_unit_test(whiteouts_delete_and_overlay),
		cmocka_unit_test(refuses_paths_outside_the_layer),
		cmocka_unit_test(corrupt_and_truncated_input),
		cmocka_unit_test(diff_against_lower_round_trips),
		cmocka_unit_test(diff_of_overlay_upper),
		cmocka_unit_test(diff_whole_tree_round_trips),
		cmocka_unit_test(tar_filter_drops_entries_with_their_headers),
		cmocka_unit_test(cp_resource_and_extract),
	};

	if (geteuid() != 0) {
		printf("# test_archive needs root (chown, mknod, trusted.* xattrs)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
