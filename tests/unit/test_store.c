/* The store: schema migrations, blob atomicity and digest verification, concurrent writers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "store/store.h"
#include "store/schema.h"
#include "common/util.h"

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/berth-test-store-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void migrates_to_latest(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct store *st;
	berr_t err = { 0 };
	int want = 0;

	while (STORE_MIGRATIONS[want])
		want++;
	assert_int_equal(store_open(&st, d, &err), 0);
	assert_int_equal(store_schema_version(st), want);
	store_close(st);
	/* reopening is a no-op */
	assert_int_equal(store_open(&st, d, &err), 0);
	assert_int_equal(store_schema_version(st), want);
	/* a database from the future is refused */
	assert_int_equal(store_exec(st, "PRAGMA user_version = 999", &err), 0);
	store_close(st);
	assert_int_not_equal(store_open(&st, d, &err), 0);
	assert_non_null(strstr(err.msg, "newer than this berth"));
	remove_tree(d, NULL);
	free(d);
}

static void blobs_round_trip_and_verify(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct store *st;
	berr_t err = { 0 };
	char digest[DIGEST_LEN + 1], *data;
	size_t len;
	struct blob_writer w;

	assert_int_equal(store_open(&st, d, &err), 0);
	assert_int_equal(blob_put(st, "hello", 5, digest, &err), 0);
	assert_string_equal(digest, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_true(blob_exists(st, digest));
	assert_int_equal(blob_get(st, digest, &data, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);

	/* a streamed blob whose content does not match the expected digest is not stored */
	assert_int_equal(blob_writer_open(st, &w, &err), 0);
	assert_int_equal(blob_writer_write(&w, "hellx", 5, &err), 0);
	assert_int_not_equal(blob_writer_commit(&w, digest + 0, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "digest mismatch"));
	assert_int_equal(count_files(st->tmp_dir), 0);

	/* finish_tmp verifies and leaves the bytes at their temp path, outside the blob store */
	{
		char *tmp = NULL;
		assert_int_equal(blob_writer_open(st, &w, &err), 0);
		assert_int_equal(blob_writer_write(&w, "hello", 5, &err), 0);
		assert_int_equal(blob_writer_finish_tmp(&w, digest, &tmp, &err), 0);
		assert_non_null(tmp);
		assert_int_equal(count_files(st->tmp_dir), 1);
		assert_int_equal(count_files(st->blob_dir), 1);
		assert_int_equal(unlink(tmp), 0);
		free(tmp);
		tmp = NULL;
		assert_int_equal(blob_writer_open(st, &w, &err), 0);
		assert_int_equal(blob_writer_write(&w, "hellx", 5, &err), 0);
		assert_int_not_equal(blob_writer_finish_tmp(&w, digest, &tmp, &err), 0);
		assert_null(tmp);
		assert_int_equal(count_files(st->tmp_dir), 0);
	}

	/* an aborted writer leaves nothing */
	assert_int_equal(blob_writer_open(st, &w, &err), 0);
	assert_int_equal(blob_writer_write(&w, "abc", 3, &err), 0);
	blob_writer_abort(&w);
	assert_int_equal(count_files(st->tmp_dir), 0);
	assert_int_equal(count_files(st->blob_dir), 1);

	assert_int_equal(blob_remove(st, digest, &err), 0);
	assert_false(blob_exists(st, digest));
	assert_false(blob_exists(st, "sha256:../../etc/passwd"));
	assert_int_not_equal(blob_get(st, "sha256:zz", &data, &len, &err), 0);
	store_close(st);
	remove_tree(d, NULL);
	free(d);
}

/* Two processes inserting in transactions at once: every row lands, none is lost. */
static void concurrent_writers(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct store *st;
	berr_t err = { 0 };
	pid_t kids[2];
	sqlite3_stmt *s;

	assert_int_equal(store_open(&st, d, &err), 0);
	store_close(st);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct store *cs;
			if (store_open(&cs, d, &err) < 0)
				_exit(2);
			for (int i = 0; i < 200; i++) {
				char sql[256];
				snprintf(sql, sizeof(sql), "INSERT INTO plugin_kv(driver,key,value) VALUES('t','%d-%d','v')", k, i);
				if (store_begin(cs, &err) < 0 || store_exec(cs, sql, &err) < 0 || store_commit(cs, &err) < 0)
					_exit(1);
			}
			store_close(cs);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int status;
		waitpid(kids[k], &status, 0);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(store_open(&st, d, &err), 0);
	assert_int_equal(store_prepare(st, &s, "SELECT count(*) FROM plugin_kv", &err), 0);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 400);
	sqlite3_finalize(s);
	store_close(st);
	remove_tree(d, NULL);
	free(d);
}

static void atomic_file_write(void **state)
{
	(void)state;
	char *d = tmpdir();
	char *p = xasprintf("%s/f", d), *data;
	berr_t err = { 0 };

	assert_int_equal(write_file_atomic(p, "one", 3, 0600, &err), 0);
	assert_int_equal(write_file_atomic(p, "two", 3, 0600, &err), 0);
	assert_int_equal(read_file(p, &data, NULL, &err), 0);
	assert_string_equal(data, "two");
	assert_int_equal(count_files(d), 1);
	free(data);
	free(p);
	remove_tree(d, NULL);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrates_to_latest),
		cmocka_unit_test(blobs_round_trip_and_verify),
		cmocka_unit_test(concurrent_writers),
		cmocka_unit_test(atomic_file_write),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
