/* The push's parallel gzip: a multi-member stream that reads back whole, the same bytes for
 * the same input, a valid stream for an empty input, and pull's reader (libarchive) reads it all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <libdeflate.h>
#include <pthread.h>

#include "registry/layer_gzip.h"

struct feed {
	int fd;
	const unsigned char *data;
	size_t len;
};

static void *feed_run(void *arg)
{
	struct feed *f = arg;

	for (size_t off = 0; off < f->len;) {
		ssize_t n = write(f->fd, f->data + off, f->len - off < 100000 ? f->len - off : 100000);
		if (n <= 0)
			break;
		off += n;
	}
	close(f->fd);
	return NULL;
}

/* Compress data through a stream; the output (malloc'd) and its length out. */
static unsigned char *compress_all(struct gz_pool *pool, const unsigned char *data, size_t len, size_t *out_len)
{
	struct gz_stream *s;
	struct feed f = { .data = data, .len = len };
	pthread_t th;
	int pfd[2];
	size_t cap = len + 1024 + len / 10, got = 0;
	unsigned char *out = malloc(cap);
	ssize_t n;
	berr_t err;

	assert_int_equal(pipe(pfd), 0);
	f.fd = pfd[1];
	assert_int_equal(pthread_create(&th, NULL, feed_run, &f), 0);
	assert_int_equal(gz_stream_start(pool, pfd[0], &s, &err), 0);
	/* odd read sizes: members must come out whole and in order whatever the consumer asks */
	while ((n = gz_stream_read(s, out + got, got % 3 ? 777 : 65536 < cap - got ? 65536 : cap - got, &err)) > 0)
		got += n;
	assert_int_equal(n, 0);
	assert_int_equal(gz_stream_consumed(s), (int64_t)len);
	gz_stream_free(s);
	pthread_join(th, NULL);
	*out_len = got;
	return out;
}

/* Decompress as pull does (libarchive's gzip filter reads every member); the length out. The
 * members are counted with libdeflate, which stops at each member's end. */
static size_t gunzip_all(const unsigned char *in, size_t len, unsigned char *out, size_t cap, int *members)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t got = 0, done = 0;
	la_ssize_t n;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	assert_int_equal(archive_read_open_memory(a, in, len), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	while ((n = archive_read_data(a, out + got, cap - got)) > 0)
		got += n;
	assert_int_equal(n, 0);
	archive_read_free(a);
	*members = 0;
	while (done < len) {
		size_t in_used, out_used;
		static unsigned char scratch[LAYER_GZIP_CHUNK];
		assert_int_equal(libdeflate_gzip_decompress_ex(d, in + done, len - done, scratch, sizeof(scratch),
							       &in_used, &out_used), LIBDEFLATE_SUCCESS);
		done += in_used;
		(*members)++;
	}
	libdeflate_free_decompressor(d);
	return got;
}

static void round_trips_and_is_deterministic(void **state)
{
	size_t len = 3 * LAYER_GZIP_CHUNK + 12345, a_len, b_len, back_len;
	unsigned char *data = malloc(len), *a, *b, *back = malloc(len + 1);
	struct gz_pool *pool;
	berr_t err;
	int members;

	(void)state;
	for (size_t i = 0; i < len; i++)
		data[i] = (i % 1000 < 500) ? (unsigned char)(i * 7) : (unsigned char)rand();
	assert_int_equal(gz_pool_new(3, &pool, &err), 0);
	a = compress_all(pool, data, len, &a_len);
	b = compress_all(pool, data, len, &b_len);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	back_len = gunzip_all(a, a_len, back, len + 1, &members);
	assert_int_equal(members, 4);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, data, len);
	/* no mtime (bytes 4-7) and no name flag in the first header */
	assert_int_equal(a[3], 0);
	assert_int_equal(a[4] | a[5] | a[6] | a[7], 0);
	gz_pool_free(pool);
	free(data);
	free(a);
	free(b);
	free(back);
}

static void empty_input_is_one_member(void **state)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	struct gz_pool *pool;
	unsigned char *a, back[4];
	size_t a_len, in_used, out_used;
	berr_t err;

	(void)state;
	assert_int_equal(gz_pool_new(1, &pool, &err), 0);
	a = compress_all(pool, (const unsigned char *)"", 0, &a_len);
	assert_int_equal(libdeflate_gzip_decompress_ex(d, a, a_len, back, sizeof(back), &in_used, &out_used),
			 LIBDEFLATE_SUCCESS);
	assert_int_equal(in_used, a_len);
	assert_int_equal(out_used, 0);
	libdeflate_free_decompressor(d);
	gz_pool_free(pool);
	free(a);
}

static void abandoned_stream_drains_its_input(void **state)
{
	size_t len = 4 * LAYER_GZIP_CHUNK;
	unsigned char *data = calloc(1, len), buf[100];
	struct feed f = { .data = data, .len = len };
	struct gz_pool *pool;
	struct gz_stream *s;
	pthread_t th;
	int pfd[2];
	berr_t err;

	(void)state;
	assert_int_equal(gz_pool_new(2, &pool, &err), 0);
	assert_int_equal(pipe(pfd), 0);
	f.fd = pfd[1];
	assert_int_equal(pthread_create(&th, NULL, feed_run, &f), 0);
	assert_int_equal(gz_stream_start(pool, pfd[0], &s, &err), 0);
	assert_true(gz_stream_read(s, buf, sizeof(buf), &err) > 0);
	gz_stream_free(s);              /* must not hang: the writer is let finish */
	pthread_join(th, NULL);
	gz_pool_free(pool);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips_and_is_deterministic),
		cmocka_unit_test(empty_input_is_one_member),
		cmocka_unit_test(abandoned_stream_drains_its_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
