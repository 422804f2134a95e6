/* The image store on the real vfs driver: layer apply (diff_id, ChainID, expected-digest
 * refusal leaving nothing behind), byte-identical layer tars, configs, tags, name resolution,
 * Docker's removal rules, and the gc of what a crashed apply left. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "store/store.h"
#include "image/image.h"
#include "image/reference.h"
#include "common/util.h"

struct fixture {
	char *dir;
	struct berth_ctx ctx;
};

/* ---- a tiny ustar writer for test layers ------------------------------------------------------ */

struct tarbuf {
	unsigned char *p;
	size_t len;
};

static void tar_add(struct tarbuf *t, const char *name, char type, const char *data)
{
	size_t dlen = data ? strlen(data) : 0, pad = (512 - dlen % 512) % 512;
	unsigned char h[512] = { 0 };
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)dlen);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	memset(h + 148, ' ', 8);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->p = realloc(t->p, t->len + 512 + dlen + pad + 1024);
	memcpy(t->p + t->len, h, 512);
	t->len += 512;
	if (dlen) {
		memcpy(t->p + t->len, data, dlen);
		memset(t->p + t->len + dlen, 0, pad);
		t->len += dlen + pad;
	}
}

static void tar_finish(struct tarbuf *t)
{
	t->p = realloc(t->p, t->len + 1024);
	memset(t->p + t->len, 0, 1024);
	t->len += 1024;
}

/* An fd reading the tar's bytes (a temp file). */
static int tar_fd(struct fixture *f, const struct tarbuf *t)
{
	char *path = xasprintf("%s/layer-XXXXXX", f->dir);
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	free(path);
	assert_int_equal(write_all(fd, t->p, t->len), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static struct tarbuf layer_one(void)
{
	struct tarbuf t = { 0 };
	tar_add(&t, "etc/", '5', NULL);
	tar_add(&t, "etc/hostname", '0', "berth\n");
	tar_add(&t, "hello.txt", '0', "hello, world\n");
	tar_finish(&t);
	return t;
}

static struct tarbuf layer_two(void)
{
	struct tarbuf t = { 0 };
	tar_add(&t, "etc/", '5', NULL);
	tar_add(&t, "etc/motd", '0', "second layer\n");
	tar_add(&t, ".wh.hello.txt", '0', "");
	tar_finish(&t);
	return t;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char exe[PATH_MAX], *conf, *plugdir, *vfs;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	berr_t err = { 0 };
	FILE *fp;

	assert_true(n > 0);
	exe[n] = 0;
	*strrchr(exe, '/') = 0;                       /* build/tests/unit */
	plugdir = xasprintf("%s/../../plugins", exe); /* build/plugins */
	vfs = xasprintf("%s/storage/vfs.so", plugdir);
	if (access(vfs, F_OK) < 0) {   /* the vfs driver is not built: the tests skip */
		free(plugdir);
		free(vfs);
		free(f);
		*state = NULL;
		return 0;
	}
	f->dir = xstrdup("/tmp/berth-test-image-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	conf = xasprintf("%s/daemon.json", f->dir);
	fp = fopen(conf, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"data-root\": \"%s/root\", \"exec-root\": \"%s/exec\", \"storage-driver\": \"vfs\", "
		"\"plugin-dirs\": [\"%s\"]}\n", f->dir, f->dir, plugdir);
	fclose(fp);
	assert_int_equal(ctx_init(&f->ctx, conf, NULL, NULL, &err), 0);
	free(conf);
	free(plugdir);
	free(vfs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	ctx_free(&f->ctx);
	remove_tree(f->dir, NULL);
	free(f->dir);
	free(f);
	return 0;
}

static char *driver_dir(struct fixture *f)
{
	return xasprintf("%s/root/storage/vfs/dir", f->dir);
}

/* Apply layers one and two; returns their diff_ids and chains. */
static void apply_two(struct fixture *f, char d1[DIGEST_LEN + 1], char c1[DIGEST_LEN + 1],
		      char d2[DIGEST_LEN + 1], char c2[DIGEST_LEN + 1])
{
	struct tarbuf t1 = layer_one(), t2 = layer_two();
	char want[DIGEST_LEN + 1];
	berr_t err = { 0 };
	int fd;

	fd = tar_fd(f, &t1);
	if (image_layer_apply(&f->ctx, NULL, fd, NULL, c1, d1, &err) < 0)
		fail_msg("apply layer one: %s", err.msg);
	close(fd);
	sha256_digest(t1.p, t1.len, want);
	assert_string_equal(d1, want);
	assert_string_equal(c1, d1);   /* a base layer's ChainID is its diff_id */

	fd = tar_fd(f, &t2);
	if (image_layer_apply(&f->ctx, c1, fd, NULL, c2, d2, &err) < 0)
		fail_msg("apply layer two: %s", err.msg);
	close(fd);
	sha256_digest(t2.p, t2.len, want);
	assert_string_equal(d2, want);
	{
		char *s = xasprintf("%s %s", c1, d2);
		sha256_digest(s, strlen(s), want);
		free(s);
	}
	assert_string_equal(c2, want);
	free(t1.p);
	free(t2.p);
}

static char *make_config(const char *d1, const char *d2, const char *extra)
{
	return xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05.5Z\","
			 "\"config\":{\"Env\":[\"PATH=/bin\"]%s},\"rootfs\":{\"type\":\"layers\","
			 "\"diff_ids\":[\"%s\",\"%s\"]},\"history\":[{\"created_by\":\"one\"},"
			 "{\"created_by\":\"two\"},{\"created_by\":\"meta\",\"empty_layer\":true}]}",
			 extra ? extra : "", d1, d2);
}

static void layers_apply_and_reassemble(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	char d1[DIGEST_LEN + 1], c1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1], c2[DIGEST_LEN + 1];
	char got[DIGEST_LEN + 1], c3[DIGEST_LEN + 1], d3[DIGEST_LEN + 1];
	struct tarbuf t2 = layer_two();
	int64_t size, content;
	berr_t err = { 0 };
	char *out = xasprintf("%s/out.tar", f->dir), *data = NULL, *dd = driver_dir(f);
	size_t len;
	int fd;

	apply_two(f, d1, c1, d2, c2);
	assert_true(image_layer_exists(&f->ctx, c1));
	assert_true(image_layer_exists(&f->ctx, c2));
	assert_int_equal(count_entries(dd), 2);
	assert_int_equal(image_layer_info(&f->ctx, c2, NULL, &size, &content, &err), 0);
	assert_int_equal(size, (int64_t)t2.len);
	assert_int_equal(content, 13);   /* "second layer\n"; the whiteout has no content */

	/* the tar comes back byte for byte */
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(image_layer_tar(&f->ctx, c2, fd, &err), (int64_t)t2.len);
	close(fd);
	assert_int_equal(read_file(out, &data, &len, &err), 0);
	sha256_digest(data, len, got);
	assert_string_equal(got, d2);
	free(data);

	/* applying the same chain again reuses it and leaves no second copy */
	fd = tar_fd(f, &t2);
	assert_int_equal(image_layer_apply(&f->ctx, c1, fd, d2, c3, d3, &err), 0);
	close(fd);
	assert_string_equal(c3, c2);
	assert_int_equal(count_entries(dd), 2);
	free(t2.p);
	free(out);
	free(dd);
}

static void wrong_diff_id_leaves_nothing(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	struct tarbuf t = layer_one();
	char c[DIGEST_LEN + 1], d[DIGEST_LEN + 1], *dd = driver_dir(f), *pending;
	const char *bogus = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	berr_t err = { 0 };
	int fd = tar_fd(f, &t);

	assert_int_equal(image_layer_apply(&f->ctx, NULL, fd, bogus, c, d, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "diff_id mismatch"));
	close(fd);
	assert_int_equal(count_entries(dd), 0);
	pending = xasprintf("%s/root/layerdb/pending", f->dir);
	assert_int_equal(count_entries(pending), 0);
	sha256_digest(t.p, t.len, d);
	assert_false(image_layer_exists(&f->ctx, d));
	free(pending);
	free(dd);
	free(t.p);
}

/* A source handing out the tar 7 bytes at a time, failing after `fail_at` bytes if set. */
struct trickle {
	struct tarbuf t;
	size_t off, fail_at;
};

static ssize_t trickle_read(void *arg, void *buf, size_t len, berr_t *err)
{
	struct trickle *tr = arg;
	size_t n = tr->t.len - tr->off < 7 ? tr->t.len - tr->off : 7;

	if (tr->fail_at && tr->off >= tr->fail_at)
		return berr_set(err, ECANCELED, "source gave up");
	n = n < len ? n : len;
	memcpy(buf, tr->t.p + tr->off, n);
	tr->off += n;
	return (ssize_t)n;
}

static void apply_from_a_source(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	struct trickle tr = { .t = layer_one() };
	struct layer_source src = { trickle_read, &tr };
	char c[DIGEST_LEN + 1], d[DIGEST_LEN + 1], want[DIGEST_LEN + 1], *dd = driver_dir(f);
	berr_t err = { 0 };

	/* a failing source: its error is the one reported, and nothing is left */
	tr.fail_at = 600;
	assert_int_equal(image_layer_apply_source(&f->ctx, NULL, &src, NULL, c, d, &err), -ECANCELED);
	assert_non_null(strstr(err.msg, "source gave up"));
	assert_int_equal(count_entries(dd), 0);
	/* read in small pieces to the end: the same layer as from a file */
	tr.fail_at = tr.off = 0;
	if (image_layer_apply_source(&f->ctx, NULL, &src, NULL, c, d, &err) < 0)
		fail_msg("apply from a source: %s", err.msg);
	sha256_digest(tr.t.p, tr.t.len, want);
	assert_string_equal(d, want);
	assert_true(image_layer_exists(&f->ctx, c));
	free(tr.t.p);
	free(dd);
}

static void configs_tags_and_resolution(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	char d1[DIGEST_LEN + 1], c1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1], c2[DIGEST_LEN + 1];
	char id[DIGEST_LEN + 1], want[DIGEST_LEN + 1], got[DIGEST_LEN + 1], prefix[32];
	char *config;
	json_t *j;
	berr_t err = { 0 };

	apply_two(f, d1, c1, d2, c2);
	config = make_config(d1, d2, NULL);
	if (image_add_config(&f->ctx, config, strlen(config), id, &err) < 0)
		fail_msg("add config: %s", err.msg);
	sha256_digest(config, strlen(config), want);
	assert_string_equal(id, want);
	/* idempotent */
	assert_int_equal(image_add_config(&f->ctx, config, strlen(config), id, &err), 0);

	assert_int_equal(image_tag(&f->ctx, id, "busybox", &err), 0);
	assert_int_equal(image_tag(&f->ctx, id, "example.com/team/app:v1", &err), 0);
	assert_int_equal(image_tag(&f->ctx, id, "Bad", &err), -EINVAL);
	assert_string_equal(err.msg, "invalid reference format: repository name must be lowercase");
	assert_int_equal(image_tag(&f->ctx, id, "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &err), -EINVAL);

	const char *names[] = { "busybox", "busybox:latest", "docker.io/library/busybox", "example.com/team/app:v1",
				id, id + 7 };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (image_resolve(&f->ctx, names[i], got, &err) < 0)
			fail_msg("resolve %s: %s", names[i], err.msg);
		assert_string_equal(got, id);
	}
	snprintf(prefix, sizeof(prefix), "%.12s", id + 7);
	assert_int_equal(image_resolve(&f->ctx, prefix, got, &err), 0);
	snprintf(prefix, sizeof(prefix), "sha256:%.5s", id + 7);
	assert_int_equal(image_resolve(&f->ctx, prefix, got, &err), 0);
	assert_int_equal(image_resolve(&f->ctx, "nothing:here", got, &err), -ENOENT);
	assert_string_equal(err.msg, "No such image: nothing:here");
	assert_int_equal(image_resolve(&f->ctx, "Upper", got, &err), -EINVAL);

	/* inspect and history have Docker's shapes */
	assert_int_equal(image_inspect(&f->ctx, "busybox", &j, &err), 0);
	assert_string_equal(json_string_value(json_object_get(j, "Id")), id);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "RepoTags"), 0)), "busybox:latest");
	assert_string_equal(json_string_value(json_object_get(j, "Created")), "2024-01-02T03:04:05.5Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "GraphDriver"), "Name")), "vfs");
	assert_int_equal(json_integer_value(json_object_get(j, "Size")), 6 + 13 + 13);
	assert_true(json_is_null(json_object_get(json_object_get(j, "Config"), "Cmd")));
	json_decref(j);
	assert_int_equal(image_history(&f->ctx, id, &j, &err), 0);
	assert_int_equal(json_array_size(j), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "CreatedBy")), "meta");
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "Id")), id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "Id")), "<missing>");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 1), "Size")), 13);
	json_decref(j);
	free(config);
}

static void missing_layers_are_refused(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	const char *d = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	char *config = make_config(d, d, NULL), id[DIGEST_LEN + 1];
	berr_t err = { 0 };

	assert_int_equal(image_add_config(&f->ctx, config, strlen(config), id, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "is not in the store"));
	assert_int_equal(image_add_config(&f->ctx, "{\"rootfs\":{\"type\":\"x\"}}", 23, id, &err), -EINVAL);
	free(config);
}

static void removal_follows_docker(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	char d1[DIGEST_LEN + 1], c1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1], c2[DIGEST_LEN + 1];
	char id[DIGEST_LEN + 1], id2[DIGEST_LEN + 1], shortid[16];
	char *config = NULL, *config2 = NULL, *dd = driver_dir(f);
	json_t *recs;
	berr_t err = { 0 };

	apply_two(f, d1, c1, d2, c2);
	config = make_config(d1, d2, NULL);
	config2 = make_config(d1, d2, ",\"User\":\"nobody\"");
	assert_int_equal(image_add_config(&f->ctx, config, strlen(config), id, &err), 0);
	assert_int_equal(image_add_config(&f->ctx, config2, strlen(config2), id2, &err), 0);
	assert_int_equal(image_tag(&f->ctx, id, "a:1", &err), 0);
	assert_int_equal(image_tag(&f->ctx, id, "b:1", &err), 0);
	assert_int_equal(image_tag(&f->ctx, id2, "c:1", &err), 0);

	/* one of two tags: only untagged */
	assert_int_equal(image_remove(&f->ctx, "b:1", 0, 0, &recs, &err), 0);
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "Untagged")), "b:1");
	json_decref(recs);

	/* by ID with several tags: needs force */
	assert_int_equal(image_tag(&f->ctx, id, "b:1", &err), 0);
	snprintf(shortid, sizeof(shortid), "%.12s", id + 7);
	assert_int_equal(image_remove(&f->ctx, shortid, 0, 0, &recs, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "(must be forced) - image is referenced in multiple repositories"));

	/* forced: untags both, deletes the image; the layers stay (c:1 uses them) */
	assert_int_equal(image_remove(&f->ctx, shortid, 1, 0, &recs, &err), 0);
	assert_int_equal(json_array_size(recs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 2), "Deleted")), id);
	json_decref(recs);
	assert_int_equal(count_entries(dd), 2);

	/* the last image takes its layers along, top first */
	assert_int_equal(image_remove(&f->ctx, "c:1", 0, 0, &recs, &err), 0);
	assert_int_equal(json_array_size(recs), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "Untagged")), "c:1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 1), "Deleted")), id2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 2), "Deleted")), c2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 3), "Deleted")), c1);
	json_decref(recs);
	assert_int_equal(count_entries(dd), 0);
	assert_int_equal(image_remove(&f->ctx, "c:1", 0, 0, &recs, &err), -ENOENT);
	free(config);
	free(config2);
	free(dd);
}

static void gc_removes_leftovers(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	char d1[DIGEST_LEN + 1], c1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1], c2[DIGEST_LEN + 1];
	char *dd = driver_dir(f), *marker, *orphan;
	const char *fake = "abababababababababababababababababababababababababababababababab";
	int64_t reclaimed = 0;
	berr_t err = { 0 };
	FILE *fp;

	/* layers no image uses (a killed load) and a driver dir a killed apply left with its marker */
	apply_two(f, d1, c1, d2, c2);
	orphan = xasprintf("%s/%s", dd, fake);
	assert_int_equal(mkdir(orphan, 0700), 0);
	marker = xasprintf("%s/root/layerdb/pending/%s", f->dir, fake);
	fp = fopen(marker, "w");
	fputs("vfs", fp);
	fclose(fp);
	assert_int_equal(count_entries(dd), 3);

	/* young orphans may belong to a command building an image: only old ones are collected */
	assert_int_equal(image_gc(&f->ctx, &reclaimed, &err), 0);
	assert_true(image_layer_exists(&f->ctx, c2));
	{
		struct store *st;
		assert_int_equal(ctx_store(&f->ctx, &st, &err), 0);
		assert_int_equal(store_exec(st, "UPDATE layers SET created = 0", &err), 0);
	}
	reclaimed = 0;
	assert_true(path_exists(marker) == 0);   /* the stale marker went in the first pass */
	fp = fopen(marker, "w");
	fputs("vfs", fp);
	fclose(fp);
	assert_int_equal(mkdir(orphan, 0700), 0);

	/* a holder blocks the gc */
	{
		int hold = image_store_hold(&f->ctx, &err);
		assert_true(hold >= 0);
		assert_int_equal(image_gc(&f->ctx, &reclaimed, &err), 0);
		assert_int_equal(count_entries(dd), 3);
		close(hold);
	}
	assert_int_equal(image_gc(&f->ctx, &reclaimed, &err), 0);
	assert_int_equal(count_entries(dd), 0);
	assert_false(path_exists(marker));
	assert_false(image_layer_exists(&f->ctx, c1));
	assert_int_equal(reclaimed, 6 + 13 + 13);
	free(orphan);
	free(marker);
	free(dd);
}

static void rollback_removes_unused_layers(void **state)
{
	if (!*state)
		skip();
	struct fixture *f = *state;
	char d1[DIGEST_LEN + 1], c1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1], c2[DIGEST_LEN + 1];
	char *dd = driver_dir(f);

	apply_two(f, d1, c1, d2, c2);
	{
		const char *chains[] = { c1, c2 };
		assert_int_equal(image_layers_rollback(&f->ctx, chains, 2), 0);
	}
	assert_false(image_layer_exists(&f->ctx, c1));
	assert_false(image_layer_exists(&f->ctx, c2));
	assert_int_equal(count_entries(dd), 0);
	free(dd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(layers_apply_and_reassemble, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_diff_id_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(apply_from_a_source, setup, teardown),
		cmocka_unit_test_setup_teardown(configs_tags_and_resolution, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_layers_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(removal_follows_docker, setup, teardown),
		cmocka_unit_test_setup_teardown(gc_removes_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_removes_unused_layers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
