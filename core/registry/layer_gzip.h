/* Parallel, deterministic gzip of layer tars for push: the tar is cut into fixed-size chunks,
 * each compressed (libdeflate) as an independent gzip member on a shared pool of threads, and the
 * members are read back in order. A multi-member stream is plain RFC 1952 that Go's gzip reader
 * (Docker, containerd, distribution), libarchive and gzip(1) read whole; with a fixed chunk size,
 * level and no name or mtime in the headers, the same tar always gives the same blob.
 * Internal to core/registry. */
#ifndef BERTH_REGISTRY_LAYER_GZIP_H
#define BERTH_REGISTRY_LAYER_GZIP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/err.h"

/* Changing either changes every pushed layer's digest (re-pushes then upload again). */
#define LAYER_GZIP_CHUNK (1 << 20)
/* libdeflate level 4: within 1% of zlib -6's size on text and binaries, about 5x faster */
#define LAYER_GZIP_LEVEL 4

struct gz_pool;
struct gz_stream;

/* A pool of nthreads compressors (0 = one per online CPU) shared by all streams of a push. */
int gz_pool_new(int nthreads, struct gz_pool **out, berr_t *err);
void gz_pool_free(struct gz_pool *pool);

/* Start compressing what in_fd yields until EOF (the stream owns in_fd and closes it). At most a
 * few chunks per stream are in memory: reading stops while the consumer lags. */
int gz_stream_start(struct gz_pool *pool, int in_fd, struct gz_stream **out, berr_t *err);
/* Next compressed bytes, in order: > 0 bytes, 0 at the end, -1 on a read error (see err). */
ssize_t gz_stream_read(struct gz_stream *s, void *buf, size_t len, berr_t *err);
/* Uncompressed bytes read from in_fd so far (any thread). */
int64_t gz_stream_consumed(struct gz_stream *s);
/* Stop (reading the input to its end so its writer never blocks) and free. */
void gz_stream_free(struct gz_stream *s);

#endif
