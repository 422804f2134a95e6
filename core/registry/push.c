/* Push: for each layer (base first) find a blob the registry already has (HEAD, or a mount from
 * another repository of the same registry), else upload a gzip blob (reused from the store, or
 * compressed now from the layer's exact tar, in parallel, streamed as it is made), several layers
 * at once; then the config and a Docker schema 2 manifest by tag. The diff_id -> blob digest
 * mapping is remembered per registry repository. */
#include "registry/registry.h"
#include "store/store.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/blobmap.h"
#include "registry/layer_gzip.h"
#include "image/image.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_SIZE (64LL << 20)

struct push {
	struct berth_ctx *ctx;
	struct store *st;
	struct reg_client *c;
	const struct reg_push_opts *o;
	struct image_ref ref;
	char scope[700];
	struct gz_pool *pool;           /* compressors shared by the layer uploads, made on demand */
	pthread_mutex_t mu;             /* guards the upload jobs' done flags and cancel */
	pthread_cond_t cv;
	int cancel;                     /* an upload failed: the others stop */
};

static void emit(const struct reg_push_opts *o, const char *id, const char *status, int64_t cur,
		 int64_t total)
{
	struct reg_progress ev = { id, status, cur, total };

	if (o && o->progress)
		o->progress(o->arg, &ev);
}

/* HEAD a blob in the target repository: 1 present, 0 absent. */
static int blob_present(struct push *p, const char *digest, berr_t *err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->ref.path, digest);
	struct reg_response resp;
	int r;

	if ((r = reg_request(p->c, "HEAD", path, p->scope, NULL, NULL, &resp, err)) < 0)
		return r;
	r = resp.status == 200;
	if (resp.status != 200 && resp.status != 404) {
		char text[512];
		reg_error_text(&resp, text, sizeof(text));
		/* refused access is the whole story, as Docker prints it */
		if (resp.status == 401 || resp.status == 403)
			r = berr_set(err, EACCES, "%s", text);
		else
			r = berr_set(err, EPROTO, "check blob %s: %s", digest, text);
	}
	reg_response_free(&resp);
	return r;
}

/* Cross-repository mount: 1 mounted, 0 not (the registry opened an upload we leave unused). */
static int blob_mount(struct push *p, const char *digest, const char *from, berr_t *err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", p->ref.path, digest, from);
	/* a token must grant pull on the source too (space-separated scopes, as the token spec's) */
	_cleanup_free_ char *scope = xasprintf("%s repository:%s:pull", p->scope, from);
	struct reg_response resp;
	int r;

	if ((r = reg_request(p->c, "POST", path, scope, NULL, NULL, &resp, err)) < 0)
		return r;
	r = resp.status == 201;
	if (resp.status == 202 && resp.location) {
		struct reg_response del;
		berr_t ignore;
		if (reg_request(p->c, "DELETE", resp.location, p->scope, NULL, NULL, &del, &ignore) == 0)
			reg_response_free(&del);
	}
	reg_response_free(&resp);
	return r;
}

struct upload_job;

/* Bytes sent of one PATCH, added to what earlier PATCHes of the blob sent. */
struct upload_progress {
	int64_t *current;
	int64_t base;
};

static void on_sent(void *arg, int64_t sent)
{
	struct upload_progress *u = arg;

	__atomic_store_n(u->current, u->base + sent, __ATOMIC_RELAXED);
}

static int upload_error(struct reg_response *resp, const char *what, berr_t *err)
{
	char text[1024];

	reg_error_text(resp, text, sizeof(text));
	reg_response_free(resp);
	return berr_set(err, EPROTO, "%s: %s", what, text);
}

static int upload_start(struct push *p, struct reg_client *c, char **loc, berr_t *err)
{
	_cleanup_free_ char *start = xasprintf("/v2/%s/blobs/uploads/", p->ref.path);
	struct reg_response resp;
	int r;

	if ((r = reg_request(c, "POST", start, p->scope, NULL, NULL, &resp, err)) < 0)
		return r;
	if (resp.status != 202 || !resp.location)
		return upload_error(&resp, "start upload", err);
	*loc = steal_ptr(resp.location);
	reg_response_free(&resp);
	return 0;
}

static int upload_finish(struct push *p, struct reg_client *c, const char *loc, const char *digest,
			 berr_t *err)
{
	_cleanup_free_ char *fin = xasprintf("%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
	struct reg_response resp;
	int r;

	if ((r = reg_request(c, "PUT", fin, p->scope, NULL, NULL, &resp, err)) < 0)
		return r;
	if (resp.status != 201)
		return upload_error(&resp, "finish upload", err);
	reg_response_free(&resp);
	return 0;
}

/* POST, PATCH chunks (always following the newest Location), PUT ?digest=. data or fd.
 * current (if any) follows the bytes sent. */
static int upload_blob(struct push *p, struct reg_client *c, const char *digest, const void *data,
		       int fd, int64_t size, int64_t *current, berr_t *err)
{
	_cleanup_free_ char *loc = NULL;
	struct reg_response resp;
	struct upload_progress u = { current, 0 };
	int64_t off = 0;
	int r;

	if ((r = upload_start(p, c, &loc, err)) < 0)
		return r;
	while (off < size) {
		int64_t n = size - off < CHUNK_SIZE ? size - off : CHUNK_SIZE;
		char range[80];
		struct curl_slist *h;
		struct reg_body b = { .fd = fd, .off = off, .len = n,
				      .content_type = "application/octet-stream",
				      .progress = current ? on_sent : NULL, .arg = &u };
		if (fd < 0) {
			b.data = (const char *)data + off;
			b.fd = -1;
		}
		snprintf(range, sizeof(range), "Content-Range: %lld-%lld", (long long)off, (long long)(off + n - 1));
		h = curl_slist_append(NULL, range);
		u.base = off;
		r = reg_request(c, "PATCH", loc, p->scope, h, &b, &resp, err);
		curl_slist_free_all(h);
		if (r < 0)
			return r;
		if (resp.status != 202 || !resp.location)
			return upload_error(&resp, "upload chunk", err);
		free(loc);
		loc = steal_ptr(resp.location);
		reg_response_free(&resp);
		off += n;
	}
	return upload_finish(p, c, loc, digest, err);
}

/* One layer to upload, run on a thread of its own; the main thread reports its progress. */
struct upload_job {
	struct push *p;
	char id[13];
	char diff_id[DIGEST_LEN + 1];
	char chain[DIGEST_LEN + 1];
	char digest[DIGEST_LEN + 1];    /* in: a blob of the store to send ("" = compress); out: sent */
	int64_t size;                   /* compressed size (in with digest, else out) */
	int64_t total;                  /* progress total: the tar's size (or the blob's) */
	int64_t current;                /* progress so far (atomic) */
	struct reg_descriptor *out;
	struct reg_client *c;           /* the job's own copy of the client */
	struct berth_ctx ctx;           /* the job's own store connection, same drivers */
	pthread_t th;
	int started, done;              /* done is guarded by p->mu */
	int shown_start, shown_done;
	int64_t shown_current;
	int r;
	berr_t err;
};

struct tar_job {
	struct berth_ctx *ctx;
	const char *chain;
	int fd;
	int64_t r;
	berr_t err;
};

static void *tar_thread(void *arg)
{
	struct tar_job *j = arg;

	j->r = image_layer_tar(j->ctx, j->chain, j->fd, &j->err);
	close(j->fd);
	return NULL;
}

/* The chunked PATCH's body: gzip members in order, kept in the store blob as they go out. */
struct stream_body {
	struct upload_job *j;
	struct gz_stream *gz;
	struct blob_writer *w;
	int r;
	berr_t err;
};

static ssize_t stream_read(void *arg, void *buf, size_t len)
{
	struct stream_body *sb = arg;
	ssize_t n;

	if (__atomic_load_n(&sb->j->p->cancel, __ATOMIC_RELAXED)) {
		sb->r = berr_set(&sb->err, ECANCELED, "push cancelled");
		return -1;
	}
	n = gz_stream_read(sb->gz, buf, len, &sb->err);
	if (n < 0) {
		sb->r = -EIO;
		return -1;
	}
	if (n > 0 && (sb->r = blob_writer_write(sb->w, buf, n, &sb->err)) < 0)
		return -1;
	__atomic_store_n(&sb->j->current, gz_stream_consumed(sb->gz), __ATOMIC_RELAXED);
	return n;
}

/* Read the layer's tar, gzip it on the pool and stream it to the registry in one chunked PATCH
 * (as Docker does), keeping the blob in the store; reading, compressing, hashing and sending
 * overlap. */
static int upload_compressed(struct upload_job *j, berr_t *err)
{
	struct push *p = j->p;
	struct tar_job tj = { .ctx = &j->ctx, .chain = j->chain };
	struct blob_writer w;
	struct stream_body sb = { .j = j, .w = &w };
	_cleanup_free_ char *loc = NULL;
	struct reg_response resp;
	pthread_t th;
	int pfd[2], r;

	if ((r = upload_start(p, j->c, &loc, err)) < 0)
		return r;
	if ((r = blob_writer_open(p->st, &w, err)) < 0)
		return r;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		blob_writer_abort(&w);
		return berr_sys(err, errno, "pipe");
	}
	tj.fd = pfd[1];
	if (pthread_create(&th, NULL, tar_thread, &tj)) {
		close(pfd[0]);
		close(pfd[1]);
		blob_writer_abort(&w);
		return berr_set(err, EAGAIN, "start layer reader");
	}
	if ((r = gz_stream_start(p->pool, pfd[0], &sb.gz, err)) == 0) {
		struct reg_body b = { .fd = -1, .content_type = "application/octet-stream",
				      .read = stream_read, .read_arg = &sb };
		r = reg_request(j->c, "PATCH", loc, p->scope, NULL, &b, &resp, err);
		if (sb.r < 0) {
			if (r == 0)
				reg_response_free(&resp);
			*err = sb.err;
			r = sb.r;
		} else if (r == 0 && (resp.status != 202 || !resp.location)) {
			r = upload_error(&resp, "upload layer", err);
		} else if (r == 0) {
			free(loc);
			loc = steal_ptr(resp.location);
			reg_response_free(&resp);
		}
		gz_stream_free(sb.gz);      /* drains the pipe: the tar thread always ends */
	} else {
		close(pfd[0]);
	}
	pthread_join(th, NULL);
	if (r == 0 && tj.r < 0) {
		*err = tj.err;
		r = berr_wrap(err, "read layer %s", j->chain);
	}
	if (r < 0) {
		blob_writer_abort(&w);
		return r;
	}
	j->size = w.size;
	if ((r = blob_writer_commit(&w, NULL, j->digest, err)) < 0)
		return r;
	return upload_finish(p, j->c, loc, j->digest, err);
}

static void *upload_thread(void *arg)
{
	struct upload_job *j = arg;
	struct push *p = j->p;

	if (j->digest[0]) {
		_cleanup_free_ char *path = blob_path(p->st, j->digest);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			j->r = berr_sys(&j->err, errno, "open %s", path);
		else
			j->r = upload_blob(p, j->c, j->digest, NULL, fd, j->size, &j->current, &j->err);
	} else {
		j->r = upload_compressed(j, &j->err);
	}
	if (j->ctx.store && j->ctx.store_close)
		j->ctx.store_close(j->ctx.store);
	j->ctx.store = NULL;
	pthread_mutex_lock(&p->mu);
	j->done = 1;
	if (j->r < 0)
		p->cancel = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int max_uploads(struct berth_ctx *ctx)
{
	json_t *v = ctx->cfg.root ? json_object_get(ctx->cfg.root, "max-concurrent-uploads") : NULL;
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 5;

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static int start_job(struct upload_job *j, berr_t *err)
{
	struct push *p = j->p;
	int r;

	if (!j->digest[0] && !p->pool && (r = gz_pool_new(0, &p->pool, err)) < 0)
		return r;
	j->c = reg_client_dup(p->c);
	/* same configuration and drivers (loaded by image_layer_info), its own store connection */
	j->ctx = *p->ctx;
	j->ctx.store = NULL;
	j->ctx.store_close = NULL;
	if ((r = pthread_create(&j->th, NULL, upload_thread, j)) != 0) {
		reg_client_free(j->c);
		j->c = NULL;
		return berr_sys(err, r, "start a layer upload");
	}
	j->started = 1;
	return 0;
}

/* Report what the jobs did since the last look, in layer order (main thread). */
static void report_jobs(struct push *p, struct upload_job *js, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct upload_job *j = &js[i];
		int done;
		int64_t cur;
		if (!j->started || j->shown_done)
			continue;
		pthread_mutex_lock(&p->mu);
		done = j->done;
		pthread_mutex_unlock(&p->mu);
		cur = __atomic_load_n(&j->current, __ATOMIC_RELAXED);
		if (!j->shown_start || cur != j->shown_current || (done && j->r == 0)) {
			if (done && j->r == 0)
				cur = j->total;
			if (!j->shown_start || cur != j->shown_current)
				emit(p->o, j->id, "Pushing", cur, j->total);
			j->shown_start = 1;
			j->shown_current = cur;
		}
		if (done && j->r == 0) {
			emit(p->o, j->id, "Pushed", 0, 0);
			snprintf(j->out->digest, sizeof(j->out->digest), "%s", j->digest);
			j->out->size = j->size;
			blobmap_remember(p->ctx, j->diff_id, j->digest, j->size, p->ref.domain, p->ref.path);
			j->shown_done = 1;
		}
	}
}

/* Upload the layers no registry check could skip, max-concurrent-uploads at a time. The first
 * failure stops the others and is the one reported. */
static int upload_layers(struct push *p, struct upload_job *js, size_t n, berr_t *err)
{
	int limit = max_uploads(p->ctx), running = 0, r = 0;
	size_t next = 0, finished = 0;

	while (finished < n) {
		struct timespec until;
		while (!p->cancel && running < limit && next < n) {
			if ((r = start_job(&js[next], err)) < 0) {
				pthread_mutex_lock(&p->mu);
				p->cancel = 1;
				pthread_mutex_unlock(&p->mu);
				break;
			}
			running++;
			next++;
		}
		for (size_t i = next; i < n && !p->cancel; i++)
			if (!js[i].shown_start) {
				emit(p->o, js[i].id, "Waiting", 0, 0);
				js[i].shown_start = 1;
			}
		report_jobs(p, js, n);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&p->mu);
		finished = 0;
		running = 0;
		for (size_t i = 0; i < n; i++) {
			finished += js[i].done || (!js[i].started && (p->cancel || r < 0));
			running += js[i].started && !js[i].done;
		}
		if (finished < n && running)
			pthread_cond_timedwait(&p->cv, &p->mu, &until);
		pthread_mutex_unlock(&p->mu);
		if (!running && p->cancel)
			break;
	}
	for (size_t i = 0; i < n; i++)
		if (js[i].started) {
			pthread_join(js[i].th, NULL);
			reg_client_free(js[i].c);
			js[i].c = NULL;
		}
	report_jobs(p, js, n);
	for (size_t i = 0; i < n && r == 0; i++)
		if (js[i].started && js[i].r < 0 && js[i].r != -ECANCELED) {
			*err = js[i].err;
			r = js[i].r;
		}
	for (size_t i = 0; i < n && r == 0; i++)
		if (js[i].started && js[i].r < 0) {
			*err = js[i].err;
			r = js[i].r;
		}
	return r;
}

/* Skip a layer the registry has (or can mount); else fill job for upload_layers. 1 = skipped. */
static int check_layer(struct push *p, const char *diff_id, const char *chain,
		       struct reg_descriptor *out, struct upload_job *job, berr_t *err)
{
	struct blobmap_entry known[16];
	_Static_assert(sizeof(known[0].digest) == DIGEST_LEN + 1, "digest buffers differ");
	char id[13];
	int n = blobmap_lookup(p->ctx, diff_id, p->ref.domain, known, 16), r;

	snprintf(id, sizeof(id), "%.12s", diff_id + 7);
	snprintf(out->media_type, sizeof(out->media_type), "%s", MT_DOCKER_LAYER);
	/* 1. a blob of this layer already in the target repository */
	for (int i = 0; i < n; i++) {
		if ((r = blob_present(p, known[i].digest, err)) < 0)
			return r;
		if (r) {
			memcpy(out->digest, known[i].digest, sizeof(out->digest));
			out->size = known[i].size;
			emit(p->o, id, "Layer already exists", 0, 0);
			blobmap_remember(p->ctx, diff_id, out->digest, out->size, p->ref.domain, p->ref.path);
			return 1;
		}
	}
	/* 2. mounted from another repository of this registry */
	for (int i = 0; i < n; i++) {
		char msg[600];
		if (strcmp(known[i].registry, p->ref.domain) || !strcmp(known[i].repository, p->ref.path))
			continue;
		if ((r = blob_mount(p, known[i].digest, known[i].repository, err)) < 0)
			return r;
		if (r) {
			memcpy(out->digest, known[i].digest, sizeof(out->digest));
			out->size = known[i].size;
			snprintf(msg, sizeof(msg), "Mounted from %s", known[i].repository);
			emit(p->o, id, msg, 0, 0);
			blobmap_remember(p->ctx, diff_id, out->digest, out->size, p->ref.domain, p->ref.path);
			return 1;
		}
	}
	/* 3. upload a blob we hold, or compress the layer now */
	memset(job, 0, sizeof(*job));
	job->p = p;
	job->out = out;
	memcpy(job->id, id, sizeof(id));
	snprintf(job->diff_id, sizeof(job->diff_id), "%s", diff_id);
	snprintf(job->chain, sizeof(job->chain), "%s", chain);
	for (int i = 0; i < n && !job->digest[0]; i++)
		if (blob_exists(p->st, known[i].digest)) {
			memcpy(job->digest, known[i].digest, sizeof(job->digest));
			job->size = job->total = known[i].size;
		}
	/* the tar's size is the progress total, as Docker's; this also loads the storage driver */
	if ((r = image_layer_info(p->ctx, chain, NULL, job->digest[0] ? NULL : &job->total, NULL, err)) < 0)
		return r;
	return 0;
}

static int push_tag(struct push *p, char digest[DIGEST_LEN + 1], berr_t *err)
{
	char canonical[900], id[DIGEST_LEN + 1], chain[DIGEST_LEN + 1] = "", repo[800], at[900];
	_cleanup_free_ char *config = NULL;
	_cleanup_free_ char *manifest = NULL;
	_cleanup_free_ char *mpath = NULL;
	struct reg_descriptor cdesc = { 0 }, *layers = NULL;
	struct upload_job *jobs = NULL;
	size_t njobs = 0;
	struct reg_response resp;
	json_t *cfg = NULL, *diff_ids;
	size_t clen, n;
	int r;

	ref_canonical(&p->ref, canonical, sizeof(canonical));
	ref_repo(&p->ref, repo, sizeof(repo));
	if (image_resolve(p->ctx, canonical, id, err) < 0)
		return berr_set(err, ENOENT, "An image does not exist locally with the tag: %s", repo);
	if ((r = image_config(p->ctx, id, &cfg, err)) < 0)
		return r;
	if ((r = blob_get(p->st, id, &config, &clen, err)) < 0)
		goto out;
	diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	n = json_array_size(diff_ids);
	layers = xcalloc(n ? n : 1, sizeof(*layers));
	for (size_t i = n; i-- > 0;) {
		char sid[13];
		snprintf(sid, sizeof(sid), "%.12s", json_string_value(json_array_get(diff_ids, i)) + 7);
		emit(p->o, sid, "Preparing", 0, 0);
	}
	jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		const char *d = json_string_value(json_array_get(diff_ids, i));
		if (!digest_valid(d)) {
			r = berr_set(err, EPROTO, "image %s: invalid diff_id", id);
			goto out;
		}
		image_chain_id(i ? chain : NULL, d, chain);
		if ((r = check_layer(p, d, chain, &layers[i], &jobs[njobs], err)) < 0)
			goto out;
		if (r == 0)
			njobs++;
	}
	p->cancel = 0;
	if ((r = upload_layers(p, jobs, njobs, err)) < 0)
		goto out;
	snprintf(cdesc.digest, sizeof(cdesc.digest), "%s", id);
	cdesc.size = clen;
	if ((r = blob_present(p, id, err)) < 0)
		goto out;
	if (!r && (r = upload_blob(p, p->c, id, config, -1, clen, NULL, err)) < 0)
		goto out;
	manifest = reg_manifest_build(&cdesc, layers, n);
	mpath = xasprintf("/v2/%s/manifests/%s", p->ref.path, p->ref.tag);
	{
		struct reg_body b = { .data = manifest, .len = strlen(manifest), .fd = -1,
				      .content_type = MT_DOCKER_MANIFEST };
		if ((r = reg_request(p->c, "PUT", mpath, p->scope, NULL, &b, &resp, err)) < 0)
			goto out;
	}
	if (resp.status != 201) {
		r = upload_error(&resp, "put manifest", err);
		goto out;
	}
	reg_response_free(&resp);
	sha256_digest(manifest, strlen(manifest), digest);
	{
		char msg[300];
		snprintf(msg, sizeof(msg), "%s: digest: %s size: %zu", p->ref.tag, digest, strlen(manifest));
		emit(p->o, NULL, msg, 0, 0);
	}
	snprintf(at, sizeof(at), "%s@%s", repo, digest);
	image_add_repo_digest(p->ctx, id, at, err);
	r = 0;
out:
	free(jobs);
	free(layers);
	json_decref(cfg);
	return r;
}

/* Local tags of the repository (for -a). */
static json_t *local_tags(struct push *p)
{
	json_t *out = json_array();
	char repo[800];
	_cleanup_free_ char *pattern = NULL;
	sqlite3_stmt *s;
	berr_t err;

	ref_repo(&p->ref, repo, sizeof(repo));
	pattern = xasprintf("%s:", repo);
	if (store_prepare(p->st, &s, "SELECT ref FROM tags WHERE substr(ref, 1, ?) = ? ORDER BY ref", &err) < 0)
		return out;
	sqlite3_bind_int(s, 1, (int)strlen(pattern));
	sqlite3_bind_text(s, 2, pattern, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(s, 0);
		if (!strchr(ref + strlen(pattern), '/'))
			json_array_append_new(out, json_string(ref + strlen(pattern)));
	}
	sqlite3_finalize(s);
	return out;
}

int registry_push(struct berth_ctx *ctx, const char *ref, const struct reg_push_opts *o,
		  char digest[DIGEST_LEN + 1], berr_t *err)
{
	struct push p = { .ctx = ctx, .o = o };
	char repo[800], msg[900];
	json_t *tags = NULL, *t;
	size_t i;
	int r;

	if ((r = ref_parse(ref, !(o && o->all_tags), &p.ref, err)) < 0)
		return r;
	if (p.ref.digest[0] && !p.ref.tag[0])
		return berr_set(err, EINVAL, "cannot push a digest reference");
	if ((r = ctx_store(ctx, &p.st, err)) < 0)
		return r;
	snprintf(p.scope, sizeof(p.scope), "repository:%s:pull,push", p.ref.path);
	ref_repo(&p.ref, repo, sizeof(repo));
	if ((r = reg_client_open(ctx, p.ref.domain, NULL, &p.c, err)) < 0)
		return r;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (o && o->all_tags && !p.ref.tag[0]) {
		tags = local_tags(&p);
		if (json_array_size(tags) == 0) {
			json_decref(tags);
			reg_client_free(p.c);
			pthread_mutex_destroy(&p.mu);
			pthread_cond_destroy(&p.cv);
			return berr_set(err, ENOENT, "An image does not exist locally with the tag: %s", repo);
		}
	}
	snprintf(msg, sizeof(msg), "The push refers to repository [%s]", repo);
	emit(o, NULL, msg, 0, 0);
	if (tags) {
		json_array_foreach(tags, i, t) {
			snprintf(p.ref.tag, sizeof(p.ref.tag), "%s", json_string_value(t));
			if ((r = push_tag(&p, digest, err)) < 0)
				break;
		}
		json_decref(tags);
	} else {
		r = push_tag(&p, digest, err);
	}
	gz_pool_free(p.pool);
	reg_client_free(p.c);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	return r;
}
