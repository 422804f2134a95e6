/* rt_seccomp_prepare: the compiled program is cached by the profile's bytes (and caps), so a
 * start reads instead of parsing and compiling, and an edited profile never reuses an old one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "common/util.h"

static char dir[64];

static const char *PROFILE_A = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"write\"],"
			       "\"action\":\"SCMP_ACT_ALLOW\"}]}";
static const char *PROFILE_B = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
			       "\"action\":\"SCMP_ACT_ALLOW\"}]}";

static int count_files(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	if (!dd)
		return 0;
	while ((de = readdir(dd)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dd);
	return n;
}

/* Prepare the profile in file `profile` for caps; returns the program (malloc'd) and its size. */
static void *prepare(const char *profile, uint64_t caps, size_t *len, berr_t *err, int *rc)
{
	struct rt_spec s;
	char *cache = xasprintf("%s/cache", dir);
	void *prog = NULL;

	memset(&s, 0, sizeof(s));
	s.seccomp_file = xstrdup(profile);
	s.caps = caps;
	*rc = rt_seccomp_prepare(&s, cache, err);
	if (*rc == 0) {
		prog = s.seccomp_bpf;
		*len = s.seccomp_bpf_len;
		s.seccomp_bpf = NULL;
	}
	rt_spec_free(&s);
	free(cache);
	return prog;
}

static void write_text(const char *path, const char *text)
{
	berr_t e = { 0 };
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, &e), 0);
}

static void cached_by_the_profiles_bytes(void **state)
{
	(void)state;
	char *p = xasprintf("%s/profile.json", dir), *cache = xasprintf("%s/cache", dir);
	void *a1, *a2, *b, *a_caps;
	size_t l1, l2, lb, lc;
	berr_t err = { 0 };
	int rc;

	write_text(p, PROFILE_A);
	a1 = prepare(p, 0, &l1, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count_files(cache), 1);          /* compiled and kept */
	a2 = prepare(p, 0, &l2, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count_files(cache), 1);          /* the same entry served it */
	assert_int_equal(l1, l2);
	assert_memory_equal(a1, a2, l1);
	/* the same file edited: a new program, never the old one */
	write_text(p, PROFILE_B);
	b = prepare(p, 0, &lb, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count_files(cache), 2);
	assert_true(lb != l1 || memcmp(a1, b, lb));
	/* other capabilities: another entry */
	write_text(p, PROFILE_A);
	a_caps = prepare(p, 1ULL << 21, &lc, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count_files(cache), 3);
	free(a1); free(a2); free(b); free(a_caps);
	free(p);
	free(cache);
}

/* The one file in d (malloc'd path). */
static char *only_file(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	char *path = NULL;

	assert_non_null(dd);
	while ((de = readdir(dd)))
		if (de->d_name[0] != '.')
			path = xasprintf("%s/%s", d, de->d_name);
	closedir(dd);
	assert_non_null(path);
	return path;
}

/* Rewrite the cache file at path: its program zeroed, and (flip) one byte of the profile in its
 * key changed. */
static void tamper(const char *path, const char *profile, int flip)
{
	berr_t e = { 0 };
	char *data = NULL, *at;
	size_t n = 0;

	assert_int_equal(read_file(path, &data, &n, &e), 0);
	at = memmem(data, n, profile, strlen(profile));
	assert_non_null(at);
	if (flip)
		at[5] ^= 0x20;
	memset(at + strlen(profile) + 1, 0, n - (size_t)(at - data) - strlen(profile) - 1);
	assert_int_equal(write_file_atomic(path, data, n, 0600, &e), 0);
	free(data);
}

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* A start reads the program of a file whose whole key matches, and never one whose key differs
 * (here in one byte of the profile, past the part that names the file). */
static void only_a_whole_key_serves(void **state)
{
	(void)state;
	char *p = xasprintf("%s/profile.json", dir), *cache = xasprintf("%s/cache", dir), *f;
	void *a, *b;
	size_t la, lb;
	berr_t err = { 0 };
	int rc;

	write_text(p, PROFILE_A);
	a = prepare(p, 0, &la, &err, &rc);
	assert_int_equal(rc, 0);
	f = only_file(cache);
	tamper(f, PROFILE_A, 0);
	b = prepare(p, 0, &lb, &err, &rc);   /* the key matches: its (zeroed) program is read */
	assert_int_equal(rc, 0);
	assert_int_equal(lb, la);
	assert_true(all_zero(b, lb));
	free(b);
	tamper(f, PROFILE_A, 1);
	b = prepare(p, 0, &lb, &err, &rc);   /* the key differs: compiled again, and kept */
	assert_int_equal(rc, 0);
	assert_int_equal(lb, la);
	assert_memory_equal(a, b, la);
	assert_int_equal(count_files(cache), 1);
	free(b);
	b = prepare(p, 0, &lb, &err, &rc);
	assert_memory_equal(a, b, la);
	free(a); free(b); free(f);
	free(p);
	free(cache);
}

static void a_bad_profile_is_an_error_with_its_place(void **state)
{
	(void)state;
	char *p = xasprintf("%s/bad.json", dir), *missing = xasprintf("%s/none.json", dir);
	berr_t err = { 0 };
	size_t l;
	int rc;

	write_text(p, "{\"defaultAction\":\n  oops}");
	assert_null(prepare(p, 0, &l, &err, &rc));
	assert_true(rc < 0);
	assert_non_null(strstr(err.msg, "seccomp profile"));
	assert_non_null(strstr(err.msg, "line 2"));
	berr_clear(&err);
	assert_null(prepare(missing, 0, &l, &err, &rc));
	assert_true(rc < 0);
	assert_non_null(strstr(err.msg, "none.json"));
	free(p);
	free(missing);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/berth-test-seccomp-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	berr_t e = { 0 };
	remove_tree(dir, &e);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cached_by_the_profiles_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(only_a_whole_key_serves, setup, teardown),
		cmocka_unit_test_setup_teardown(a_bad_profile_is_an_error_with_its_place, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
