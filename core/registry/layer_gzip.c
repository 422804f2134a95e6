/* Parallel multi-member gzip (see layer_gzip.h). One reader thread per stream fills chunk slots
 * from the input; the pool's workers compress queued chunks; the consumer takes them in order and
 * frees each slot for the reader. One mutex per pool guards every queue and slot state: with
 * 1 MiB chunks it is taken a few hundred times a second. */
#include "registry/layer_gzip.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum slot_state { S_FREE, S_QUEUED, S_BUSY, S_DONE };

struct gz_chunk {
	struct gz_stream *s;
	struct gz_chunk *next;          /* in the pool's queue */
	enum slot_state state;
	unsigned char *in, *out;
	size_t in_len, out_len, out_pos;
};

struct gz_stream {
	struct gz_pool *pool;
	int fd;
	pthread_t reader;
	int nslots;
	struct gz_chunk *slots;
	uint64_t produced, consumed;    /* chunks queued by the reader / taken by the consumer */
	int eof, failed, cancel;
	berr_t err;
	int64_t raw;                    /* uncompressed bytes read (atomic) */
};

struct gz_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;            /* a chunk was queued, or stop */
	pthread_cond_t changed;         /* a slot changed state (readers and consumers wait on it) */
	struct gz_chunk *head, *tail;
	size_t out_bound;
	int stop, nthreads;
	pthread_t *threads;
};

static void *worker_run(void *arg)
{
	struct gz_pool *pool = arg;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(LAYER_GZIP_LEVEL);

	pthread_mutex_lock(&pool->mu);
	for (;;) {
		struct gz_chunk *ch;
		while (!pool->stop && !pool->head)
			pthread_cond_wait(&pool->work, &pool->mu);
		if (!pool->head)
			break;
		ch = pool->head;
		pool->head = ch->next;
		if (!pool->head)
			pool->tail = NULL;
		ch->state = S_BUSY;
		pthread_mutex_unlock(&pool->mu);
		if (!ch->out)
			ch->out = xmalloc(pool->out_bound);
		/* libdeflate writes no name and a zero mtime: the member depends on the bytes alone */
		ch->out_len = c ? libdeflate_gzip_compress(c, ch->in, ch->in_len, ch->out, pool->out_bound) : 0;
		ch->out_pos = 0;
		pthread_mutex_lock(&pool->mu);
		if (ch->out_len == 0 && !ch->s->failed) {
			ch->s->failed = 1;
			berr_set(&ch->s->err, ENOMEM, "gzip: compressor failed");
		}
		ch->state = S_DONE;
		pthread_cond_broadcast(&pool->changed);
	}
	pthread_mutex_unlock(&pool->mu);
	libdeflate_free_compressor(c);
	return NULL;
}

int gz_pool_new(int nthreads, struct gz_pool **out, berr_t *err)
{
	struct gz_pool *pool = xcalloc(1, sizeof(*pool));
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(LAYER_GZIP_LEVEL);

	if (!c) {
		free(pool);
		return berr_set(err, ENOMEM, "gzip: cannot allocate a compressor");
	}
	pool->out_bound = libdeflate_gzip_compress_bound(c, LAYER_GZIP_CHUNK);
	libdeflate_free_compressor(c);
	if (nthreads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n < 1 ? 1 : n > 64 ? 64 : (int)n;
	}
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->changed, NULL);
	pool->threads = xcalloc(nthreads, sizeof(pthread_t));
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&pool->threads[i], NULL, worker_run, pool))
			break;
		pool->nthreads++;
	}
	if (!pool->nthreads) {
		gz_pool_free(pool);
		return berr_set(err, EAGAIN, "gzip: cannot start a compressor thread");
	}
	*out = pool;
	return 0;
}

void gz_pool_free(struct gz_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->stop = 1;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->mu);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_destroy(&pool->mu);
	pthread_cond_destroy(&pool->work);
	pthread_cond_destroy(&pool->changed);
	free(pool->threads);
	free(pool);
}

static void *reader_run(void *arg)
{
	struct gz_stream *s = arg;
	struct gz_pool *pool = s->pool;
	char sink[1 << 16];
	int stop;
	ssize_t n;

	for (;;) {
		struct gz_chunk *ch = &s->slots[s->produced % s->nslots];
		pthread_mutex_lock(&pool->mu);
		while (!s->cancel && ch->state != S_FREE)
			pthread_cond_wait(&pool->changed, &pool->mu);
		stop = s->cancel;
		pthread_mutex_unlock(&pool->mu);
		if (stop)
			break;
		if (!ch->in)
			ch->in = xmalloc(LAYER_GZIP_CHUNK);
		n = read_full(s->fd, ch->in, LAYER_GZIP_CHUNK);
		pthread_mutex_lock(&pool->mu);
		if (n < 0) {
			if (!s->failed) {
				s->failed = 1;
				berr_sys(&s->err, (int)-n, "read layer");
			}
			s->eof = 1;
			pthread_cond_broadcast(&pool->changed);
			pthread_mutex_unlock(&pool->mu);
			break;
		}
		/* an empty input still makes one (empty) member: a gzip stream is never zero bytes */
		if (n > 0 || s->produced == 0) {
			ch->in_len = n;
			ch->state = S_QUEUED;
			ch->next = NULL;
			if (pool->tail)
				pool->tail->next = ch;
			else
				pool->head = ch;
			pool->tail = ch;
			s->produced++;
			__atomic_add_fetch(&s->raw, (int64_t)n, __ATOMIC_RELAXED);
			pthread_cond_signal(&pool->work);
		}
		if ((size_t)n < LAYER_GZIP_CHUNK) {
			s->eof = 1;
			pthread_cond_broadcast(&pool->changed);
			pthread_mutex_unlock(&pool->mu);
			break;
		}
		pthread_mutex_unlock(&pool->mu);
	}
	/* drain: the input's writer must see its data taken, never a broken pipe */
	while ((n = read(s->fd, sink, sizeof(sink))) > 0 || (n < 0 && errno == EINTR))
		;
	return NULL;
}

int gz_stream_start(struct gz_pool *pool, int in_fd, struct gz_stream **out, berr_t *err)
{
	struct gz_stream *s = xcalloc(1, sizeof(*s));

	s->pool = pool;
	s->fd = in_fd;
	/* enough chunks to keep every worker busy while one is being consumed */
	s->nslots = pool->nthreads + 2;
	s->slots = xcalloc(s->nslots, sizeof(*s->slots));
	for (int i = 0; i < s->nslots; i++)
		s->slots[i].s = s;
	/* a larger pipe means fewer wake-ups between the tar writer and our reader */
	fcntl(in_fd, F_SETPIPE_SZ, 1 << 20);
	if (pthread_create(&s->reader, NULL, reader_run, s)) {
		free(s->slots);
		free(s);
		close(in_fd);
		return berr_set(err, EAGAIN, "gzip: cannot start the layer reader");
	}
	*out = s;
	return 0;
}

ssize_t gz_stream_read(struct gz_stream *s, void *buf, size_t len, berr_t *err)
{
	struct gz_pool *pool = s->pool;
	struct gz_chunk *ch;
	size_t n;

	pthread_mutex_lock(&pool->mu);
	for (;;) {
		ch = &s->slots[s->consumed % s->nslots];
		if (s->failed) {
			*err = s->err;
			pthread_mutex_unlock(&pool->mu);
			return -1;
		}
		if (s->consumed < s->produced && ch->state == S_DONE)
			break;
		if (s->eof && s->consumed == s->produced) {
			pthread_mutex_unlock(&pool->mu);
			return 0;
		}
		pthread_cond_wait(&pool->changed, &pool->mu);
	}
	pthread_mutex_unlock(&pool->mu);
	/* a DONE slot is the consumer's alone until it is marked FREE */
	n = ch->out_len - ch->out_pos < len ? ch->out_len - ch->out_pos : len;
	memcpy(buf, ch->out + ch->out_pos, n);
	ch->out_pos += n;
	if (ch->out_pos == ch->out_len) {
		pthread_mutex_lock(&pool->mu);
		ch->state = S_FREE;
		s->consumed++;
		pthread_cond_broadcast(&pool->changed);
		pthread_mutex_unlock(&pool->mu);
	}
	return n;
}

int64_t gz_stream_consumed(struct gz_stream *s)
{
	return __atomic_load_n(&s->raw, __ATOMIC_RELAXED);
}

void gz_stream_free(struct gz_stream *s)
{
	struct gz_pool *pool;

	if (!s)
		return;
	pool = s->pool;
	pthread_mutex_lock(&pool->mu);
	s->cancel = 1;
	pthread_cond_broadcast(&pool->changed);
	pthread_mutex_unlock(&pool->mu);
	pthread_join(s->reader, NULL);
	/* workers may still hold our queued chunks */
	pthread_mutex_lock(&pool->mu);
	for (int i = 0; i < s->nslots; i++)
		while (s->slots[i].state == S_QUEUED || s->slots[i].state == S_BUSY)
			pthread_cond_wait(&pool->changed, &pool->mu);
	pthread_mutex_unlock(&pool->mu);
	close(s->fd);
	for (int i = 0; i < s->nslots; i++) {
		free(s->slots[i].in);
		free(s->slots[i].out);
	}
	free(s->slots);
	free(s);
}
