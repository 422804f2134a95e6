/* The layer store: layers keyed by ChainID per storage driver, each with a random driver id
 * ("cache id", as Docker's layerdb has) and the tar-split that re-emits its exact tar.
 *
 * Crash safety: a layer row is inserted only after the driver holds the complete content and the
 * tar-split is on disk. Before a driver layer is created (or a row deleted), a marker
 * layerdb/pending/<cache id> names it; the gc removes driver layers whose marker has no row.
 * The gc runs only under the exclusive layerdb lock, which every process building layers holds
 * shared, so it never sees a half-built layer of a live process. */
#include "image/image.h"
#include "store/store.h"
#include "image/internal.h"
#include "archive/archive.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <archive.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int image_env_open(struct berth_ctx *ctx, struct image_env *env, berr_t *err)
{
	int r;

	memset(env, 0, sizeof(*env));
	if ((r = ctx_store(ctx, &env->st, err)) < 0)
		return r;
	return ctx_storage(ctx, &env->ops, &env->driver, err);
}

char *layerdb_dir(struct berth_ctx *ctx, berr_t *err)
{
	char *d = xasprintf("%s/layerdb/pending", ctx->cfg.data_root);

	if (mkdir_p(d, 0700, err) < 0) {
		free(d);
		return NULL;
	}
	d[strlen(d) - strlen("/pending")] = 0;
	return d;
}

char *layerdb_tarsplit_path(struct berth_ctx *ctx, const char *chain_id)
{
	return xasprintf("%s/layerdb/%s.tarsplit", ctx->cfg.data_root, digest_hex(chain_id));
}

int layerdb_lock(struct berth_ctx *ctx, int exclusive, int wait, berr_t *err)
{
	_cleanup_free_ char *dir = layerdb_dir(ctx, err);
	_cleanup_free_ char *path = NULL;
	int fd;

	if (!dir)
		return -err->code;
	path = xasprintf("%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_sys(err, errno, "open %s", path);
	while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return -EWOULDBLOCK;
		return berr_sys(err, e, "lock %s", path);
	}
	return fd;
}

int image_store_hold(struct berth_ctx *ctx, berr_t *err)
{
	return layerdb_lock(ctx, 0, 1, err);
}

void image_chain_id(const char *parent_chain, const char *diff_id, char out[DIGEST_LEN + 1])
{
	_cleanup_free_ char *s = NULL;

	if (!parent_chain || !*parent_chain) {
		memcpy(out, diff_id, DIGEST_LEN + 1);
		return;
	}
	s = xasprintf("%s %s", parent_chain, diff_id);
	sha256_digest(s, strlen(s), out);
}

int image_layer_info(struct berth_ctx *ctx, const char *chain_id, char cache_id[65],
		     int64_t *tar_size, int64_t *content_size, berr_t *err)
{
	struct image_env env;
	sqlite3_stmt *s;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if ((r = store_prepare(env.st, &s, "SELECT cache_id, size, content_size FROM layers "
			       "WHERE driver=? AND chain_id=?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env.driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain_id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		if (cache_id)
			snprintf(cache_id, 65, "%s", (const char *)sqlite3_column_text(s, 0));
		if (tar_size)
			*tar_size = sqlite3_column_int64(s, 1);
		if (content_size)
			*content_size = sqlite3_column_int64(s, 2);
		r = 0;
	} else {
		r = berr_set(err, ENOENT, "layer %s does not exist", chain_id);
	}
	sqlite3_finalize(s);
	return r;
}

int image_layer_exists(struct berth_ctx *ctx, const char *chain_id)
{
	berr_t err = { 0 };

	return image_layer_info(ctx, chain_id, NULL, NULL, NULL, &err) == 0;
}

/* ---- pending markers ------------------------------------------------------------------------ */

static char *marker_path(struct berth_ctx *ctx, const char *cache_id)
{
	return xasprintf("%s/layerdb/pending/%s", ctx->cfg.data_root, cache_id);
}

static int marker_write(struct berth_ctx *ctx, const char *driver, const char *cache_id, berr_t *err)
{
	_cleanup_free_ char *dir = layerdb_dir(ctx, err);
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -1;

	if (!dir)
		return -err->code;
	p = marker_path(ctx, cache_id);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_sys(err, errno, "create %s", p);
	/* the marker must be durable before the driver dir it names can exist */
	if (write_all(fd, driver, strlen(driver)) < 0 || fsync(fd) < 0)
		return berr_sys(err, errno, "write %s", p);
	return 0;
}

static void marker_remove(struct berth_ctx *ctx, const char *cache_id)
{
	_cleanup_free_ char *p = marker_path(ctx, cache_id);
	unlink(p);
}

/* ---- the layer's bytes ------------------------------------------------------------------------
 * The driver's apply_diff (the host's apply_tar) decompresses, hashes (the diff_id, over the whole
 * uncompressed stream, trailing bytes included) and unpacks in one pass. A source that is not a
 * file descriptor is pumped into a pipe by a thread. Docker's layer size (the sum of the regular
 * files' sizes and the symlinks' target lengths in the tar headers) is read afterwards from the
 * tar-split recording, which holds every header. */

struct walker {
	int64_t content;
	/* tar header walker */
	unsigned char hdr[512];
	size_t hdr_fill;
	uint64_t skip;              /* bytes of entry data (incl. padding) still to pass */
	int in_pax;                 /* collecting a pax extended header */
	char *pax;
	size_t pax_len, pax_want;
	int64_t pax_size;           /* size= from the last pax header, -1 if none */
	int64_t pax_linklen;        /* length of linkpath= from the last pax header, -1 if none */
	int64_t gnu_linklen;        /* length of the last GNU long link name, -1 if none */
	int ended;                  /* saw the end-of-archive zero block */
};

static uint64_t tar_number(const unsigned char *f, size_t n)
{
	uint64_t v = 0;

	if (f[0] & 0x80) {          /* base-256 (GNU) */
		v = f[0] & 0x3f;
		for (size_t i = 1; i < n; i++)
			v = (v << 8) | f[i];
		return v;
	}
	for (size_t i = 0; i < n && f[i]; i++) {
		if (f[i] == ' ')
			continue;
		if (f[i] < '0' || f[i] > '7')
			break;
		v = v * 8 + (f[i] - '0');
	}
	return v;
}

/* Parse "len key=value\n" records for size= and the length of linkpath=. */
static void pax_scan(struct walker *f, const char *p, size_t n)
{
	size_t i = 0;

	f->pax_size = f->pax_linklen = -1;
	while (i < n) {
		char *end;
		unsigned long len = strtoul(p + i, &end, 10);
		const char *sp = memchr(p + i, ' ', n - i);
		if (!len || !sp || i + len > n)
			break;
		if ((size_t)(p + i + len - (sp + 1)) > 5 && !strncmp(sp + 1, "size=", 5))
			f->pax_size = strtoll(sp + 6, NULL, 10);
		if ((size_t)(p + i + len - (sp + 1)) > 9 && !strncmp(sp + 1, "linkpath=", 9))
			f->pax_linklen = (int64_t)(p + i + len - 1 - (sp + 10));
		i += len;
	}
}

static void walk_header(struct walker *f)
{
	const unsigned char *h = f->hdr;
	uint64_t size;
	char type = h[156];
	int zero = 1;

	for (int i = 0; i < 512 && zero; i++)
		zero = !h[i];
	if (zero) {
		f->ended = 1;   /* Docker's count stops here too; the rest is padding */
		return;
	}
	size = tar_number(h + 124, 12);
	if (type == 'x') {
		f->in_pax = 1;
		f->pax_want = size;
		f->pax_len = 0;
		free(f->pax);
		f->pax = size < (1 << 20) ? xmalloc(size + 1) : NULL;
	} else if (type == 'K') {
		f->gnu_linklen = size ? (int64_t)size - 1 : 0;   /* NUL-terminated */
	} else if (type != 'g' && type != 'L') {
		/* Docker's layer size is the disk usage of the layer's files: regular files'
		 * sizes and symlinks' target lengths (hard links share an inode: counted once) */
		if (type == '0' || type == '\0' || type == '7')
			f->content += f->pax_size >= 0 ? (uint64_t)f->pax_size : size;
		else if (type == '2')
			f->content += f->pax_linklen >= 0 ? f->pax_linklen :
				      f->gnu_linklen >= 0 ? f->gnu_linklen : (int64_t)strnlen((const char *)h + 157, 100);
		if (f->pax_size >= 0 && (type == '0' || type == '\0' || type == '7'))
			size = f->pax_size;
		f->pax_size = f->pax_linklen = f->gnu_linklen = -1;
	}
	f->skip = (size + 511) / 512 * 512;
}

static void walk(struct walker *f, const unsigned char *p, uint64_t n)
{
	while (n && !f->ended) {
		if (f->skip) {
			size_t k = n < f->skip ? n : f->skip;
			if (f->in_pax && f->pax && p) {
				size_t want = f->pax_want > f->pax_len ? f->pax_want - f->pax_len : 0;
				size_t c = k < want ? k : want;
				memcpy(f->pax + f->pax_len, p, c);
				f->pax_len += c;
			}
			f->skip -= k;
			if (p)
				p += k;
			n -= k;
			if (!f->skip && f->in_pax) {
				f->in_pax = 0;
				if (f->pax)
					pax_scan(f, f->pax, f->pax_len);
			}
			continue;
		}
		if (!p)
			break;              /* content where a header belongs: not a recording of a tar */
		size_t k = 512 - f->hdr_fill < n ? 512 - f->hdr_fill : n;
		memcpy(f->hdr + f->hdr_fill, p, k);
		f->hdr_fill += k;
		p += k;
		n -= k;
		if (f->hdr_fill == 512) {
			f->hdr_fill = 0;
			walk_header(f);
			if (f->skip == 0 && f->in_pax) {
				f->in_pax = 0;
				pax_scan(f, "", 0);
			}
		}
	}
}

static void walk_piece(void *arg, const void *p, uint64_t n)
{
	walk(arg, p, n);
}

/* Docker's size of the layer's content, from the headers in its tar-split. */
static int64_t content_size(const struct berth_tarsplit *ts)
{
	struct walker w = { .pax_size = -1, .pax_linklen = -1, .gnu_linklen = -1 };

	tarsplit_walk(ts, walk_piece, &w);
	free(w.pax);
	return w.content;
}

#define PUMP_BUF (1 << 20)

struct pump {
	const struct layer_source *src;
	int out_fd;
	berr_t err;
	int failed;
};

static void *pump_run(void *arg)
{
	struct pump *pm = arg;
	char *buf = xmalloc(PUMP_BUF);
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		ssize_t n = pm->src->read(pm->src->arg, buf, PUMP_BUF, &pm->err);
		if (n <= 0) {
			pm->failed = n < 0;
			break;
		}
		if (write_all(pm->out_fd, buf, n) < 0)
			break;              /* the driver stopped reading: it says why */
	}
	free(buf);
	close(pm->out_fd);
	pm->out_fd = -1;
	return NULL;
}

/* ---- apply ------------------------------------------------------------------------------------ */

/* The driver id of a chain for this driver into cache_id; 0, or -ENOENT. */
static int lookup_cache_id(struct image_env *env, const char *chain, char cache_id[65])
{
	sqlite3_stmt *s;
	int r = -ENOENT;

	if (store_prepare(env->st, &s, "SELECT cache_id FROM layers WHERE driver=? AND chain_id=?", NULL) < 0)
		return -EIO;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(cache_id, 65, "%s", (const char *)sqlite3_column_text(s, 0));
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

/* Insert the layer row; 1 if inserted, 0 if another process had inserted the chain first. */
static int insert_layer(struct image_env *env, const char *chain, const char *diff_id,
			const char *parent, const char *cache_id, int64_t size, int64_t content,
			berr_t *err)
{
	sqlite3_stmt *s;
	int r;

	if ((r = store_prepare(env->st, &s, "INSERT OR IGNORE INTO layers(driver, chain_id, diff_id, "
			       "parent, cache_id, size, content_size, created) VALUES(?,?,?,?,?,?,?,?)", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, diff_id, -1, SQLITE_STATIC);
	if (parent)
		sqlite3_bind_text(s, 4, parent, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_text(s, 5, cache_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, size);
	sqlite3_bind_int64(s, 7, content);
	sqlite3_bind_int64(s, 8, now_ns());
	if (sqlite3_step(s) != SQLITE_DONE)
		r = berr_set(err, EIO, "store: insert layer: %s", sqlite3_errmsg(env->st->db));
	else
		r = sqlite3_changes(env->st->db) > 0;
	sqlite3_finalize(s);
	return r;
}

/* Apply the layer read from tar_fd; pm, when set, is the thread feeding tar_fd (a pipe). */
static int layer_apply_fd(struct berth_ctx *ctx, const char *parent_chain, int tar_fd,
			  struct pump *pm, const char *expect_diff_id, char chain_id[DIGEST_LEN + 1],
			  char diff_id[DIGEST_LEN + 1], berr_t *err)
{
	struct image_env env;
	char cache_id[65], parent_cache[65] = "", existing[65];
	char chain[DIGEST_LEN + 1], diff[DIGEST_LEN + 1] = "";
	_cleanup_close_ int hold = -1;
	_cleanup_free_ char *ts_path = NULL;
	struct berth_tarsplit *ts = NULL;
	pthread_t thread;
	int pipefd[2] = { -1, -1 }, r, created = 0, pumping = 0;
	int64_t applied;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if (parent_chain && !*parent_chain)
		parent_chain = NULL;
	if (parent_chain && lookup_cache_id(&env, parent_chain, parent_cache) < 0)
		return berr_set(err, ENOENT, "parent layer %s does not exist", parent_chain);
	if ((hold = layerdb_lock(ctx, 0, 1, err)) < 0)
		return hold;
	random_hex_id(cache_id);
	if ((r = marker_write(ctx, env.driver, cache_id, err)) < 0)
		return r;
	if ((r = env.ops->create(cache_id, parent_chain ? parent_cache : NULL, err)) < 0) {
		berr_wrap(err, "create layer");
		goto fail;
	}
	created = 1;

	if (pm) {
		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			r = berr_sys(err, errno, "pipe");
			goto fail;
		}
		pm->out_fd = pipefd[1];
		if ((r = pthread_create(&thread, NULL, pump_run, pm)) != 0) {
			close(pipefd[0]);
			close(pipefd[1]);
			r = berr_sys(err, r, "start layer reader");
			goto fail;
		}
		pumping = 1;
		tar_fd = pipefd[0];
	}
	ts = tarsplit_new();
	applied = env.ops->apply_diff(cache_id, parent_chain ? parent_cache : NULL, tar_fd, ts,
				      diff, err);
	if (pumping) {
		close(pipefd[0]);   /* a pump still blocked gets EPIPE */
		pthread_join(thread, NULL);
		if (pm->failed) {   /* the source's failure explains the driver's */
			*err = pm->err;
			r = -pm->err.code;
			goto fail;
		}
	}
	if (applied < 0) {
		r = (int)applied;
		goto fail;
	}
	if (!digest_valid(diff)) {
		r = berr_set(err, ENOTSUP, "storage driver %s gave no digest of the layer it unpacked", env.driver);
		goto fail;
	}
	if (expect_diff_id && *expect_diff_id && strcmp(expect_diff_id, diff)) {
		r = berr_set(err, EBADMSG, "layer diff_id mismatch: expected %s, got %s", expect_diff_id, diff);
		goto fail;
	}
	image_chain_id(parent_chain, diff, chain);

	/* someone else may have registered the same chain meanwhile: reuse theirs */
	if (lookup_cache_id(&env, chain, existing) == 0) {
		env.ops->remove(cache_id, &(berr_t){ 0 });
		marker_remove(ctx, cache_id);
		goto done;
	}
	ts_path = layerdb_tarsplit_path(ctx, chain);
	if ((r = tarsplit_save(ts, ts_path, err)) < 0) {
		berr_wrap(err, "save tar-split");
		goto fail;
	}
	r = insert_layer(&env, chain, diff, parent_chain, cache_id, applied, content_size(ts), err);
	if (r < 0)
		goto fail;
	if (r == 0)
		env.ops->remove(cache_id, &(berr_t){ 0 });   /* lost the race; theirs is complete */
	marker_remove(ctx, cache_id);
done:
	tarsplit_free(ts);
	memcpy(chain_id, chain, DIGEST_LEN + 1);
	memcpy(diff_id, diff, DIGEST_LEN + 1);
	return 0;
fail:
	if (ts)
		tarsplit_free(ts);
	if (created)
		env.ops->remove(cache_id, &(berr_t){ 0 });
	marker_remove(ctx, cache_id);
	return r < 0 ? r : -EIO;
}

int image_layer_apply(struct berth_ctx *ctx, const char *parent_chain, int tar_fd,
		      const char *expect_diff_id, char chain_id[DIGEST_LEN + 1],
		      char diff_id[DIGEST_LEN + 1], berr_t *err)
{
	return layer_apply_fd(ctx, parent_chain, tar_fd, NULL, expect_diff_id, chain_id, diff_id, err);
}

int image_layer_apply_source(struct berth_ctx *ctx, const char *parent_chain,
			     const struct layer_source *src, const char *expect_diff_id,
			     char chain_id[DIGEST_LEN + 1], char diff_id[DIGEST_LEN + 1], berr_t *err)
{
	struct pump pm = { .src = src, .out_fd = -1 };

	return layer_apply_fd(ctx, parent_chain, -1, &pm, expect_diff_id, chain_id, diff_id, err);
}

int64_t image_layer_tar(struct berth_ctx *ctx, const char *chain_id, int out_fd, berr_t *err)
{
	struct image_env env;
	char cache_id[65], path[4096];
	_cleanup_free_ char *ts_path = NULL;
	struct berth_tarsplit *ts = NULL;
	berr_t ignore = { 0 };
	int64_t n;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if (lookup_cache_id(&env, chain_id, cache_id) < 0)
		return berr_set(err, ENOENT, "layer %s does not exist", chain_id);
	ts_path = layerdb_tarsplit_path(ctx, chain_id);
	if ((r = tarsplit_load(&ts, ts_path, err)) < 0)
		return berr_wrap(err, "layer %s", chain_id);
	if ((r = env.ops->get(cache_id, NULL, path, sizeof(path), err)) < 0) {
		tarsplit_free(ts);
		return berr_wrap(err, "mount layer %s", chain_id);
	}
	n = tarsplit_assemble(ts, path, out_fd, err);
	env.ops->put(cache_id, &ignore);
	tarsplit_free(ts);
	if (n < 0)
		return berr_wrap(err, "layer %s", chain_id);
	return n;
}

/* ---- init layers ------------------------------------------------------------------------------
 * "<cache id>-init" sits on the layer cache id and holds what every container on it needs in its
 * root before it runs (the runtime's mount points): made once, so that containers' rw layers sit
 * on it and start empty, as Docker's <container>-init layers make them, but per image. Its id
 * goes into the layer's row (init_layer) once it is complete, and a marker names it while it is
 * made, so a crash's half is the gc's (gc_markers); it goes when its layer goes. */

/* 1 and the id when the row of cache_id records an init layer, 0 if not, <0 on error. */
static int init_layer_recorded(struct image_env *env, const char *cache_id, char init_id[IMAGE_INIT_ID_LEN],
			       berr_t *err)
{
	sqlite3_stmt *s;
	int r;

	if ((r = store_prepare(env->st, &s, "SELECT init_layer FROM layers WHERE driver=? AND cache_id=?", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, cache_id, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		snprintf(init_id, IMAGE_INIT_ID_LEN, "%s", (const char *)sqlite3_column_text(s, 0));
		r = 1;
	} else {
		r = r == SQLITE_ROW ? 0 : berr_set(err, ENOENT, "layer %s does not exist", cache_id);
	}
	sqlite3_finalize(s);
	return r;
}

/* Create, fill and record init layer id on cache_id (the caller holds the locks). */
static int make_init_layer(struct image_env *env, const char *cache_id, const char *id,
			   int (*populate)(const char *root, berr_t *err), berr_t *err)
{
	sqlite3_stmt *s;
	char root[4096];
	int r;

	if ((r = env->ops->create(id, cache_id, err)) < 0)
		return berr_wrap(err, "create init layer");
	if ((r = env->ops->get(id, NULL, root, sizeof(root), err)) < 0)
		return berr_wrap(err, "mount init layer");
	r = populate(root, err);
	{
		berr_t e = { 0 };
		int p = env->ops->put(id, &e);
		if (r == 0 && p < 0) {
			*err = e;
			r = p;
		}
	}
	if (r < 0)
		return berr_wrap(err, "init layer");
	if ((r = store_prepare(env->st, &s, "UPDATE layers SET init_layer=?3 WHERE driver=?1 AND cache_id=?2", err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, cache_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = berr_set(err, EIO, "store: %s", sqlite3_errmsg(env->st->db));
	else if (sqlite3_changes(env->st->db) != 1)
		r = berr_set(err, ENOENT, "layer %s does not exist", cache_id);   /* removed meanwhile */
	sqlite3_finalize(s);
	return r;
}

int image_init_layer(struct berth_ctx *ctx, const char *cache_id, int (*populate)(const char *root, berr_t *err),
		     char init_id[IMAGE_INIT_ID_LEN], berr_t *err)
{
	struct image_env env;
	_cleanup_close_ int hold = -1, lock = -1;
	_cleanup_free_ char *dir = NULL, *path = NULL;
	char id[IMAGE_INIT_ID_LEN];
	int r;

	init_id[0] = 0;
	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	/* a layer being built: the gc waits; and one maker at a time */
	if ((hold = layerdb_lock(ctx, 0, 1, err)) < 0)
		return hold;
	if (!(dir = layerdb_dir(ctx, err)))
		return -err->code;
	path = xasprintf("%s/init.lock", dir);
	if ((lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return berr_sys(err, errno, "open %s", path);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return berr_sys(err, errno, "lock %s", path);
	if ((r = init_layer_recorded(&env, cache_id, init_id, err)) != 0)
		return r < 0 ? r : 0;   /* made by another berth meanwhile */
	snprintf(id, sizeof(id), "%s-init", cache_id);
	if (env.ops->exists(id) && (r = env.ops->remove(id, err)) < 0)   /* a crash's, not recorded */
		return r;
	if ((r = marker_write(ctx, env.driver, id, err)) < 0)
		return r;
	if ((r = make_init_layer(&env, cache_id, id, populate, err)) < 0) {
		env.ops->remove(id, &(berr_t){ 0 });
		marker_remove(ctx, id);
		return r;
	}
	marker_remove(ctx, id);
	snprintf(init_id, IMAGE_INIT_ID_LEN, "%s", id);
	return 0;
}

/* ---- removal and gc ------------------------------------------------------------------------- */

/* 1 if nothing uses the layer: no image has it on top and no layer sits on it. */
static int layer_unused(struct image_env *env, const char *chain)
{
	sqlite3_stmt *s;
	int used = 1;

	if (store_prepare(env->st, &s, "SELECT (SELECT count(*) FROM images WHERE driver=?1 AND top_layer=?2)"
			  " + (SELECT count(*) FROM layers WHERE driver=?1 AND parent=?2)", NULL) < 0)
		return 0;
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		used = sqlite3_column_int64(s, 0) > 0;
	sqlite3_finalize(s);
	return !used;
}

/* Remove one unused layer: marker, row (in a transaction that re-checks it is unused), driver
 * data, tar-split. 1 if removed, 0 if it turned out to be in use. */
static int layer_delete_one(struct berth_ctx *ctx, struct image_env *env, const char *chain,
			    char parent[DIGEST_LEN + 1], int64_t *content, berr_t *err)
{
	char cache_id[65] = "", init[IMAGE_INIT_ID_LEN] = "";
	sqlite3_stmt *s;
	int r, others = 0;

	parent[0] = 0;
	if ((r = store_begin(env->st, err)) < 0)
		return r;
	if (!layer_unused(env, chain)) {
		store_rollback(env->st);
		return 0;
	}
	if ((r = store_prepare(env->st, &s, "SELECT cache_id, parent, content_size, init_layer FROM layers "
			       "WHERE driver=? AND chain_id=?", err)) < 0) {
		store_rollback(env->st);
		return r;
	}
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(cache_id, sizeof(cache_id), "%s", (const char *)sqlite3_column_text(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			snprintf(parent, DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(s, 1));
		*content = sqlite3_column_int64(s, 2);
		if (sqlite3_column_type(s, 3) != SQLITE_NULL)
			snprintf(init, sizeof(init), "%s", (const char *)sqlite3_column_text(s, 3));
	}
	sqlite3_finalize(s);
	if (!cache_id[0]) {
		store_rollback(env->st);
		return 0;
	}
	if ((r = marker_write(ctx, env->driver, cache_id, err)) < 0) {
		store_rollback(env->st);
		return r;
	}
	if ((r = store_prepare(env->st, &s, "DELETE FROM layers WHERE driver=? AND chain_id=?", err)) < 0) {
		store_rollback(env->st);
		return r;
	}
	sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : berr_set(err, EIO, "store: %s", sqlite3_errmsg(env->st->db));
	sqlite3_finalize(s);
	if (r == 0 && store_prepare(env->st, &s, "SELECT count(*) FROM layers WHERE chain_id=?", err) == 0) {
		sqlite3_bind_text(s, 1, chain, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			others = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (r < 0 || (r = store_commit(env->st, err)) < 0) {
		store_rollback(env->st);
		marker_remove(ctx, cache_id);
		return r;
	}
	/* the row is gone: from here on a crash leaves the marker for the gc; the init layer goes
	 * first (nothing uses it once its layer is unused) */
	if (init[0] && (r = env->ops->remove(init, err)) < 0)
		return berr_wrap(err, "remove layer %s", chain);
	if ((r = env->ops->remove(cache_id, err)) < 0)
		return berr_wrap(err, "remove layer %s", chain);
	if (!others) {
		_cleanup_free_ char *ts = layerdb_tarsplit_path(ctx, chain);
		unlink(ts);
	}
	marker_remove(ctx, cache_id);
	return 1;
}

int layer_release_chain(struct berth_ctx *ctx, struct image_env *env, const char *chain,
			json_t *records, int64_t *reclaimed, berr_t *err)
{
	char cur[DIGEST_LEN + 1], parent[DIGEST_LEN + 1];
	int64_t content = 0;
	int r;

	snprintf(cur, sizeof(cur), "%s", chain);
	while (cur[0]) {
		if ((r = layer_delete_one(ctx, env, cur, parent, &content, err)) < 0)
			return r;
		if (r == 0)
			break;
		if (records)
			json_array_append_new(records, json_pack("{s:s}", "Deleted", cur));
		if (reclaimed)
			*reclaimed += content;
		memcpy(cur, parent, sizeof(cur));
	}
	return 0;
}

/* Driver layers named by markers: remove those that have no row (crashed applies/removals). */
static void gc_markers(struct berth_ctx *ctx, struct image_env *env)
{
	_cleanup_free_ char *dir = xasprintf("%s/layerdb/pending", ctx->cfg.data_root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *drv = NULL;
		sqlite3_stmt *s;
		int has_row = 0;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (read_file(p, &drv, NULL, NULL) < 0)
			continue;
		if (strcmp(drv, env->driver))
			continue;   /* another driver's leftovers wait until that driver is in use */
		if (store_prepare(env->st, &s, "SELECT 1 FROM layers WHERE cache_id=?1 OR init_layer=?1", NULL) == 0) {
			sqlite3_bind_text(s, 1, de->d_name, -1, SQLITE_STATIC);
			has_row = sqlite3_step(s) == SQLITE_ROW;
			sqlite3_finalize(s);
		}
		if (!has_row) {
			/* a layer's init layer goes with it (a crash between the two removals) */
			_cleanup_free_ char *init = xasprintf("%s-init", de->d_name);
			if ((env->ops->exists(init) && env->ops->remove(init, &(berr_t){ 0 }) < 0) ||
			    (env->ops->exists(de->d_name) && env->ops->remove(de->d_name, &(berr_t){ 0 }) < 0))
				continue;
		}
		unlink(p);
	}
}

/* Layer rows nothing uses, an hour old or more (a killed load's layers). Younger ones may belong
 * to a command that builds an image without holding the store (it cannot be told from here). */
static int gc_orphan_layers(struct berth_ctx *ctx, struct image_env *env, int64_t *reclaimed, berr_t *err)
{
	int64_t cutoff = now_ns() - (int64_t)3600 * 1000000000;
	sqlite3_stmt *c;

	/* a container of a force-removed image sits on layers no image names any more: while one
	 * exists, which orphans are really unused cannot be told, so none are collected */
	if (sqlite3_prepare_v2(env->st->db, "SELECT 1 FROM containers c WHERE c.image_id IS NOT NULL AND "
			       "NOT EXISTS (SELECT 1 FROM images i WHERE i.id = c.image_id) LIMIT 1", -1, &c, NULL) == SQLITE_OK) {
		int busy = sqlite3_step(c) == SQLITE_ROW;
		sqlite3_finalize(c);
		if (busy)
			return 0;
	}

	for (;;) {
		sqlite3_stmt *s;
		char chain[DIGEST_LEN + 1] = "";
		int r;

		if ((r = store_prepare(env->st, &s, "SELECT chain_id FROM layers l WHERE driver=?1 AND created < ?2 AND "
				       "NOT EXISTS (SELECT 1 FROM images i WHERE i.driver=?1 AND i.top_layer=l.chain_id) AND "
				       "NOT EXISTS (SELECT 1 FROM layers c WHERE c.driver=?1 AND c.parent=l.chain_id) LIMIT 1", err)) < 0)
			return r;
		sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, cutoff);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(chain, sizeof(chain), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		if (!chain[0])
			return 0;
		if ((r = layer_release_chain(ctx, env, chain, NULL, reclaimed, err)) < 0)
			return r;
	}
}

/* tar-split files of chains no driver has. */
static void gc_tarsplits(struct berth_ctx *ctx, struct image_env *env)
{
	_cleanup_free_ char *dir = xasprintf("%s/layerdb", ctx->cfg.data_root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char chain[DIGEST_LEN + 1];
		sqlite3_stmt *s;
		int has = 1;

		if (n != 64 + 9 || strcmp(de->d_name + 64, ".tarsplit"))
			continue;
		snprintf(chain, sizeof(chain), "sha256:%.64s", de->d_name);
		if (store_prepare(env->st, &s, "SELECT 1 FROM layers WHERE chain_id=?", NULL) == 0) {
			sqlite3_bind_text(s, 1, chain, -1, SQLITE_STATIC);
			has = sqlite3_step(s) == SQLITE_ROW;
			sqlite3_finalize(s);
		}
		if (!has) {
			_cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
}

/* Temp entries of dead commands: ours by prefix; anything else once it is a day old. */
static void gc_tmp(struct image_env *env)
{
	_cleanup_closedir_ DIR *d = opendir(env->st->tmp_dir);
	struct dirent *de;
	time_t now = time(NULL);

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat sb;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", env->st->tmp_dir, de->d_name);
		if (lstat(p, &sb) < 0)
			continue;
		if (!strncmp(de->d_name, "load-", 5) || !strncmp(de->d_name, "import-", 7) ||
		    now - sb.st_mtime > 24 * 3600)
			remove_tree(p, NULL);
	}
}

int image_layers_rollback(struct berth_ctx *ctx, const char *const *chains, size_t n)
{
	struct image_env env;
	berr_t err = { 0 };
	int lock;

	if (!n || image_env_open(ctx, &env, &err) < 0)
		return 0;
	lock = layerdb_lock(ctx, 1, 0, &err);
	if (lock < 0)
		return 0;   /* someone may be building on them: the gc takes them later */
	/* newest first: each release walks down to the parents that became unused */
	for (size_t i = n; i-- > 0;)
		layer_release_chain(ctx, &env, chains[i], NULL, NULL, &err);
	close(lock);
	return 0;
}

int image_gc(struct berth_ctx *ctx, int64_t *reclaimed, berr_t *err)
{
	struct image_env env;
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	lock = layerdb_lock(ctx, 1, 0, err);
	if (lock == -EWOULDBLOCK)
		return 0;   /* someone is building layers: their leftovers are not leftovers yet */
	if (lock < 0)
		return lock;
	gc_markers(ctx, &env);
	if ((r = gc_orphan_layers(ctx, &env, reclaimed, err)) < 0)
		return r;
	gc_tarsplits(ctx, &env);
	gc_tmp(&env);
	return 0;
}
