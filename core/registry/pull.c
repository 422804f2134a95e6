/* Pull: resolve the manifest (index -> platform), fetch and verify the config, download the
 * missing layers concurrently through one curl multi handle into temp files, apply them in order
 * (each read from its temp file as it arrives, so extraction overlaps the download), then create
 * the image, its tag and repo digest. Nothing is tagged unless every blob was verified and every
 * step succeeded. Layer blobs are not kept (as Docker's are not): push recompresses, or skips a
 * blob the registry has through the diff_id -> digest mapping remembered here. */
#include "registry/registry.h"
#include "store/store.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/blobmap.h"
#include "image/image.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pull {
	struct berth_ctx *ctx;
	struct store *st;
	struct reg_client *c;
	const struct reg_pull_opts *o;
	struct image_ref ref;
	char scope[700];
};

static void emit(const struct reg_pull_opts *o, const char *id, const char *status, int64_t cur,
		 int64_t total)
{
	struct reg_progress ev = { id, status, cur, total };

	if (o && o->progress)
		o->progress(o->arg, &ev);
}

static void emitf(const struct reg_pull_opts *o, const char *fmt, const char *a, const char *b)
{
	char buf[1200];

	snprintf(buf, sizeof(buf), fmt, a, b);
	emit(o, NULL, buf, 0, 0);
}

/* The registries to try for ref: mirrors first for docker.io, then the registry itself. */
static int endpoints(struct berth_ctx *ctx, const struct image_ref *ref, const char **out, int max)
{
	json_t *mirrors = ctx->cfg.root ? json_object_get(ctx->cfg.root, "registry-mirrors") : NULL, *m;
	size_t i;
	int n = 0;

	if (!strcmp(ref->domain, DOCKER_HUB_DOMAIN))
		json_array_foreach(mirrors, i, m)
			if (json_is_string(m) && n < max - 1)
				out[n++] = json_string_value(m);
	out[n++] = NULL;                /* NULL = the reference's own registry */
	return n;
}

static int open_endpoint(struct berth_ctx *ctx, const struct image_ref *ref, const char *mirror,
			 struct reg_client **c, berr_t *err)
{
	if (!mirror)
		return reg_client_open(ctx, ref->domain, NULL, c, err);
	if (strstr(mirror, "://"))
		return reg_client_open_url(ctx, mirror, c, err);
	_cleanup_free_ char *url = xasprintf("https://%s", mirror);
	return reg_client_open_url(ctx, url, c, err);
}

/* GET a manifest by tag or digest; verifies its digest. */
static int get_manifest(struct pull *p, const char *what, char **body, size_t *len, char **ctype,
			char digest[DIGEST_LEN + 1], berr_t *err)
{
	struct reg_response resp;
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->ref.path, what);
	struct curl_slist *h = curl_slist_append(NULL, MANIFEST_ACCEPT);
	int r;

	r = reg_request(p->c, "GET", path, p->scope, h, NULL, &resp, err);
	curl_slist_free_all(h);
	if (r < 0)
		return r;
	if (resp.status != 200) {
		char text[1024], name[900];
		reg_error_text(&resp, text, sizeof(text));
		long st = resp.status;
		reg_response_free(&resp);
		if (st == 404) {
			char repo[800], fam[800];
			ref_repo(&p->ref, repo, sizeof(repo));
			ref_familiar_repo(repo, fam, sizeof(fam));
			snprintf(name, sizeof(name), "%s%s%s", fam, what[0] == 's' && !strncmp(what, "sha256:", 7) ? "@" : ":", what);
			return berr_set(err, ENOENT, "manifest for %s not found: %s", name, text);
		}
		if (st == 401 || st == 403) {
			char repo[800], fam[800];
			ref_repo(&p->ref, repo, sizeof(repo));
			ref_familiar_repo(repo, fam, sizeof(fam));
			return berr_set(err, EACCES, "pull access denied for %s, repository does not exist or may require 'docker login': %s",
					fam, text);
		}
		return berr_set(err, EPROTO, "%s", text);
	}
	sha256_digest(resp.body ? resp.body : "", resp.len, digest);
	if (resp.docker_digest && digest_valid(resp.docker_digest) && strcmp(resp.docker_digest, digest)) {
		/* the message before the free: it names the header's value */
		r = berr_set(err, EBADMSG, "manifest verification failed for %s: registry says %s, content is %s",
			     what, resp.docker_digest, digest);
		reg_response_free(&resp);
		return r;
	}
	if (!strncmp(what, "sha256:", 7) && strcmp(what, digest)) {
		reg_response_free(&resp);
		return berr_set(err, EBADMSG, "manifest verification failed for digest %s", what);
	}
	*body = resp.body ? resp.body : xstrdup("");
	*len = resp.len;
	*ctype = resp.content_type;
	resp.body = resp.content_type = NULL;
	reg_response_free(&resp);
	return 0;
}

/* Small blob (the config) into memory, verified. */
static int get_small_blob(struct pull *p, const struct reg_descriptor *d, char **out, size_t *len,
			  berr_t *err)
{
	struct reg_response resp;
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->ref.path, d->digest);
	char got[DIGEST_LEN + 1];
	int r;

	if ((r = reg_request(p->c, "GET", path, p->scope, NULL, NULL, &resp, err)) < 0)
		return r;
	if (resp.status != 200) {
		char text[1024];
		reg_error_text(&resp, text, sizeof(text));
		reg_response_free(&resp);
		return berr_set(err, EPROTO, "fetch %s: %s", d->digest, text);
	}
	sha256_digest(resp.body ? resp.body : "", resp.len, got);
	if (strcmp(got, d->digest) || (int64_t)resp.len != d->size) {
		reg_response_free(&resp);
		return berr_set(err, EBADMSG, "image config verification failed for digest %s", d->digest);
	}
	*out = resp.body;
	*len = resp.len;
	resp.body = NULL;
	reg_response_free(&resp);
	return 0;
}

/* ---- layers: download (curl multi, main thread) || apply (one worker thread, in order) ------ */

enum layer_state { L_EXISTS, L_WAITING, L_RUNNING, L_RETRY, L_DOWNLOADED, L_APPLYING, L_APPLIED };

struct applier;

struct layer {
	struct pull *p;
	struct applier *a;
	const struct reg_descriptor *d;
	char diff_id[DIGEST_LEN + 1];
	char chain[DIGEST_LEN + 1];
	char id[13];
	enum layer_state state;     /* the download's: L_EXISTS..L_DOWNLOADED, set under the applier's mutex */
	enum layer_state astate;    /* the applier's: L_APPLYING, L_APPLIED (under the mutex) */
	enum layer_state shown;     /* the last state reported to on_progress (main thread only) */
	int cached;                 /* the blob is in the blob store (an earlier version's cache) */
	char *file;                 /* the download's temp file, from its first attempt on */
	int64_t avail;              /* bytes of it the applier may read (under the mutex) */
	int verified;               /* 1: complete and digest checked, -1: failed (under the mutex) */
	int reader_waiting;         /* the applier waits for more of this layer (under the mutex) */
	int64_t skip;               /* bytes of a 200 answer to a Range request already held */
	CURL *h;
	struct curl_slist *hdrs;
	struct blob_writer w;
	int writing;
	int64_t got, last_emit;
	int response_seen;          /* the current response's first body bytes were judged */
	int attempts;               /* transfers started */
	long retry_after;           /* seconds, from a 429/503 answer's Retry-After (0 = none) */
	int64_t not_before;         /* L_RETRY: when to start again (ns) */
	int64_t retry_shown;        /* seconds last shown in "Retrying in N seconds" */
	berr_t err;
	int failed;
	int created;                /* this pull applied the layer (rolled back if the pull fails) */
};

/* The worker that applies downloaded layers in order while others still download. It has its
 * own store connection (sqlite handles are single-threaded here) and never calls on_progress:
 * the main thread reports its state changes. */
struct applier {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct berth_ctx ctx;       /* shallow copy of the pull's context with its own store */
	struct layer *ls;
	size_t n;
	int stop;                   /* main thread gives up: apply nothing more */
	int done;                   /* worker finished (all applied, stopped or failed) */
	int r;
	berr_t err;
};

static size_t layer_header(char *buf, size_t size, size_t n, void *arg)
{
	struct layer *l = arg;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(buf, "retry-after:", 12))
		l->retry_after = strtol(buf + 12, NULL, 10);   /* an HTTP date gives 0: default delay */
	return len;
}

static size_t layer_write(char *buf, size_t size, size_t n, void *arg)
{
	struct layer *l = arg;
	size_t len = size * n;
	long code = 0;
	int64_t now;

	curl_easy_getinfo(l->h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 && code != 206)
		return len;             /* an error body: judged when the transfer ends */
	if (!l->response_seen) {
		l->response_seen = 1;
		/* asked to resume but sent the whole blob: pass over what the file holds (the
		 * applier may have read it already; the digest still covers every byte) */
		if (code == 200 && l->got > 0)
			l->skip = l->got;
	}
	if (l->skip > 0) {
		size_t k = (int64_t)len < l->skip ? len : (size_t)l->skip;
		l->skip -= k;
		buf += k;
		if (!(len -= k))
			return size * n;
	}
	if (l->got + (int64_t)len > l->d->size) {
		berr_set(&l->err, EBADMSG, "filesystem layer verification failed for digest %s: more data than its size %lld",
			 l->d->digest, (long long)l->d->size);
		l->failed = 1;
		return 0;
	}
	if (blob_writer_write(&l->w, buf, len, &l->err) < 0) {
		l->failed = 1;
		return 0;
	}
	l->got += len;
	pthread_mutex_lock(&l->a->mu);
	l->avail = l->got;
	if (l->reader_waiting)
		pthread_cond_signal(&l->a->cv);
	pthread_mutex_unlock(&l->a->mu);
	now = now_ns();
	if (now - l->last_emit > 100000000LL || l->got == l->d->size) {
		l->last_emit = now;
		emit(l->p->o, l->id, "Downloading", l->got, l->d->size);
	}
	return size * n;
}

/* The download's state, under the applier's mutex (the applier waits on it). */
static void set_state(struct layer *l, enum layer_state s, int verified)
{
	pthread_mutex_lock(&l->a->mu);
	l->state = s;
	if (verified)
		l->verified = verified;
	pthread_cond_signal(&l->a->cv);
	pthread_mutex_unlock(&l->a->mu);
}

/* Start (or resume, with Range, after a failed attempt) the layer's download. */
static int layer_start(struct layer *l, CURLM *multi, berr_t *err)
{
	_cleanup_free_ char *url = NULL;
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", l->p->ref.path, l->d->digest);
	int r;

	if (!l->writing) {
		if ((r = blob_writer_open(l->p->st, &l->w, err)) < 0)
			return r;
		l->writing = 1;
		l->got = 0;
		pthread_mutex_lock(&l->a->mu);
		if (!l->file)
			l->file = xstrdup(l->w.tmp);
		pthread_mutex_unlock(&l->a->mu);
	}
	l->h = curl_easy_init();
	url = reg_url(l->p->c, path);
	l->hdrs = reg_setup_easy(l->p->c, l->h, l->p->scope);
	if (l->got > 0) {
		char range[64];
		snprintf(range, sizeof(range), "%lld-", (long long)l->got);
		curl_easy_setopt(l->h, CURLOPT_RANGE, range);
	}
	curl_easy_setopt(l->h, CURLOPT_URL, url);
	curl_easy_setopt(l->h, CURLOPT_WRITEFUNCTION, layer_write);
	curl_easy_setopt(l->h, CURLOPT_WRITEDATA, l);
	curl_easy_setopt(l->h, CURLOPT_HEADERFUNCTION, layer_header);
	curl_easy_setopt(l->h, CURLOPT_HEADERDATA, l);
	curl_easy_setopt(l->h, CURLOPT_PRIVATE, l);
	l->response_seen = 0;
	l->retry_after = 0;
	l->skip = 0;
	l->attempts++;
	curl_multi_add_handle(multi, l->h);
	set_state(l, L_RUNNING, 0);
	return 0;
}

/* End the transfer; keep_file keeps the partial blob for a resumed attempt. */
static void layer_stop(struct layer *l, CURLM *multi, int keep_file)
{
	if (l->h) {
		curl_multi_remove_handle(multi, l->h);
		curl_easy_cleanup(l->h);
		l->h = NULL;
	}
	curl_slist_free_all(l->hdrs);
	l->hdrs = NULL;
	if (l->writing && !keep_file) {
		blob_writer_abort(&l->w);
		l->writing = 0;
	}
}

static int max_attempts(struct berth_ctx *ctx)
{
	json_t *v = ctx->cfg.root ? json_object_get(ctx->cfg.root, "max-download-attempts") : NULL;
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 5;

	return n < 1 ? 1 : n > 100 ? 100 : (int)n;
}

/* Failures worth another attempt: the network, and the server asking us to come back later. */
static int retryable(CURLcode cc, long code)
{
	if (cc != CURLE_OK)
		return cc == CURLE_PARTIAL_FILE || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
		       cc == CURLE_GOT_NOTHING || cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
		       cc == CURLE_HTTP2 || cc == CURLE_HTTP2_STREAM || cc == CURLE_SSL_CONNECT_ERROR;
	return code == 408 || code == 429 || code >= 500;
}

/* A transfer ended: retry it, or check status, size and digest and commit the blob. */
static int layer_finish(struct layer *l, CURLM *multi, CURLcode cc, berr_t *err)
{
	long code = 0;
	char *tmp = NULL;
	int r;

	curl_easy_getinfo(l->h, CURLINFO_RESPONSE_CODE, &code);
	if (l->failed) {
		*err = l->err;
		layer_stop(l, multi, 0);
		return -err->code;
	}
	if ((cc != CURLE_OK || (code != 200 && code != 206)) && retryable(cc, code) &&
	    l->attempts < max_attempts(l->p->ctx)) {
		/* Docker waits 5 s times the attempt number; a server's Retry-After (429/503) wins,
		 * bounded to a minute. The partial file stays: the next attempt asks for the rest. */
		int64_t delay = (int64_t)5 * l->attempts;
		if ((code == 429 || code == 503) && l->retry_after > 0)
			delay = l->retry_after > 60 ? 60 : l->retry_after;
		layer_stop(l, multi, 1);
		set_state(l, L_RETRY, 0);
		l->not_before = now_ns() + delay * 1000000000LL;
		l->retry_shown = 0;
		return 0;
	}
	if (cc != CURLE_OK) {
		r = berr_set(err, EIO, "download %s: %s", l->d->digest, curl_easy_strerror(cc));
		layer_stop(l, multi, 0);
		return r;
	}
	if (code != 200 && code != 206) {
		r = code == 429 ? berr_set(err, EAGAIN, "toomanyrequests: download %s: HTTP status 429 after %d attempts",
					   l->d->digest, l->attempts)
				: berr_set(err, EPROTO, "download %s: HTTP status %ld", l->d->digest, code);
		layer_stop(l, multi, 0);
		return r;
	}
	emit(l->p->o, l->id, "Verifying Checksum", 0, 0);
	l->writing = 0;
	r = blob_writer_finish_tmp(&l->w, l->d->digest, &tmp, err);
	free(tmp);                  /* the same path as l->file */
	if (r == 0 && l->got != l->d->size)
		r = berr_set(err, EBADMSG, "size mismatch");
	if (r < 0) {
		layer_stop(l, multi, 0);
		set_state(l, l->state, -1);
		return berr_set(err, EBADMSG, "filesystem layer verification failed for digest %s", l->d->digest);
	}
	layer_stop(l, multi, 0);
	set_state(l, L_DOWNLOADED, 1);
	emit(l->p->o, l->id, "Download complete", 0, 0);
	return 0;
}

/* Reads a layer's temp file as the download fills it: waits for bytes, ends once the download is
 * complete and verified, fails if it failed or the pull stops. */
struct follow {
	struct applier *a;
	struct layer *l;
	int fd;
	int64_t off;
};

static ssize_t follow_read(void *arg, void *buf, size_t len, berr_t *err)
{
	struct follow *fw = arg;
	struct layer *l = fw->l;
	int64_t avail;
	int verified, stop;
	ssize_t n;

	pthread_mutex_lock(&fw->a->mu);
	while (!fw->a->stop && !l->verified && l->avail <= fw->off) {
		l->reader_waiting = 1;
		pthread_cond_wait(&fw->a->cv, &fw->a->mu);
	}
	l->reader_waiting = 0;
	avail = l->avail;
	verified = l->verified;
	stop = fw->a->stop;
	pthread_mutex_unlock(&fw->a->mu);
	if (stop || verified < 0)
		return berr_set(err, ECANCELED, "download of %s failed", l->d->digest);
	if (avail <= fw->off)
		return 0;
	if ((int64_t)len > avail - fw->off)
		len = avail - fw->off;
	do
		n = pread(fw->fd, buf, len, fw->off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berr_sys(err, errno, "read layer %s", l->d->digest);
	if (n == 0)
		return berr_set(err, EIO, "read layer %s: the file is shorter than downloaded", l->d->digest);
	fw->off += n;
	return n;
}

/* Wait until the layer's download is verified (1) or failed (-1, or the pull stops). */
static int wait_verified(struct applier *a, struct layer *l)
{
	int v;

	pthread_mutex_lock(&a->mu);
	while (!a->stop && !l->verified)
		pthread_cond_wait(&a->cv, &a->mu);
	v = a->stop ? -1 : l->verified;
	pthread_mutex_unlock(&a->mu);
	return v;
}

static int layer_apply(struct applier *a, struct layer *l, const char *parent, berr_t *err)
{
	_cleanup_free_ char *path = l->cached ? blob_path(l->p->st, l->d->digest) : xstrdup(l->file);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chain[DIGEST_LEN + 1], diff[DIGEST_LEN + 1];
	struct follow fw = { a, l, fd, 0 };
	struct layer_source src = { follow_read, &fw };
	int r;

	if (fd < 0)
		return berr_sys(err, errno, "open layer blob %s", l->d->digest);
	if (l->cached)
		r = image_layer_apply(&a->ctx, parent, fd, l->diff_id, chain, diff, err);
	else
		r = image_layer_apply_source(&a->ctx, parent, &src, l->diff_id, chain, diff, err);
	if (r == 0)
		l->created = 1;         /* rolled back if its blob turns out wrong */
	/* nothing counts before the compressed blob is verified; a blob that is not verified is
	 * also the better error than what unpacking it said (the main thread reports it) */
	if (!l->cached && wait_verified(a, l) < 0)
		return berr_set(err, ECANCELED, "download of %s failed", l->d->digest);
	if (r < 0)
		return berr_wrap(err, "failed to register layer");
	if (strcmp(chain, l->chain))
		return berr_set(err, EBADMSG, "layer %s: chain %s differs from the expected %s", l->id, chain, l->chain);
	/* remember the compressed blob for this diff_id (push can reuse it) */
	if (strstr(l->d->media_type, "gzip"))
		blobmap_remember(&a->ctx, l->diff_id, l->d->digest, l->d->size, l->p->ref.domain, l->p->ref.path);
	return 0;
}

static void *applier_run(void *arg)
{
	struct applier *a = arg;
	const char *parent = NULL;

	for (size_t i = 0; i < a->n; i++) {
		struct layer *l = &a->ls[i];
		int apply;
		pthread_mutex_lock(&a->mu);
		/* a layer being downloaded is applied as it arrives */
		while (!a->stop && l->state != L_EXISTS && !l->cached && !l->file)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			break;
		}
		apply = l->state != L_EXISTS;
		if (apply)
			l->astate = L_APPLYING;
		pthread_mutex_unlock(&a->mu);
		if (apply) {
			berr_t err = { 0 };
			int r = layer_apply(a, l, parent, &err);
			pthread_mutex_lock(&a->mu);
			if (r < 0) {
				a->r = r;
				a->err = err;
				pthread_mutex_unlock(&a->mu);
				break;
			}
			l->astate = L_APPLIED;
			pthread_mutex_unlock(&a->mu);
		}
		parent = l->chain;
	}
	pthread_mutex_lock(&a->mu);
	a->done = 1;
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static int max_downloads(struct berth_ctx *ctx)
{
	json_t *v = ctx->cfg.root ? json_object_get(ctx->cfg.root, "max-concurrent-downloads") : NULL;
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 3;

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* Report what the applier did since the last look, in layer order (main thread). */
static void report_applied(struct applier *a)
{
	for (size_t i = 0; i < a->n; i++) {
		struct layer *l = &a->ls[i];
		enum layer_state s, d;
		pthread_mutex_lock(&a->mu);
		s = l->astate;
		d = l->state;
		pthread_mutex_unlock(&a->mu);
		/* shown in Docker's order: Extracting after Download complete */
		if (d != L_DOWNLOADED || s == l->shown || (s != L_APPLYING && s != L_APPLIED))
			continue;
		if (l->shown != L_APPLYING)
			emit(l->p->o, l->id, "Extracting", 0, 0);
		if (s == L_APPLIED) {
			emit(l->p->o, l->id, "Pull complete", 0, 0);
			/* the compressed copy is not kept; dropped here, off the applier's path */
			if (l->file)
				unlink(l->file);
		}
		l->shown = s;
	}
}

/* Download what is missing (in parallel, with retries) while a worker applies every layer in
 * order as soon as it and its parents are ready. */
static int fetch_layers(struct pull *p, const struct reg_manifest *m, json_t *diff_ids, json_t *created,
			berr_t *err)
{
	size_t n = m->nlayers, next = 0;
	struct layer *ls = xcalloc(n ? n : 1, sizeof(*ls));
	CURLM *multi = curl_multi_init();
	int running = 0, r = 0, limit = max_downloads(p->ctx), prefix = 1, started = 0;
	struct applier a = { .ls = ls, .n = n };
	pthread_t worker;

	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	for (size_t i = 0; i < n; i++) {
		struct layer *l = &ls[i];
		l->p = p;
		l->a = &a;
		l->d = &m->layers[i];
		l->w.fd = -1;
		snprintf(l->diff_id, sizeof(l->diff_id), "%s", json_string_value(json_array_get(diff_ids, i)));
		image_chain_id(i ? ls[i - 1].chain : NULL, l->diff_id, l->chain);
		snprintf(l->id, sizeof(l->id), "%.12s", l->d->digest + 7);
		/* a layer whose chain is here is skipped; so is everything below it */
		if (prefix && image_layer_exists(p->ctx, l->chain)) {
			l->state = l->shown = L_EXISTS;
			emit(p->o, l->id, "Already exists", 0, 0);
		} else {
			prefix = 0;
			l->cached = blob_exists(p->st, l->d->digest);
			l->state = l->cached ? L_DOWNLOADED : L_WAITING;
			l->verified = l->cached;
			emit(p->o, l->id, "Pulling fs layer", 0, 0);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (ls[i].state == L_DOWNLOADED) {
			ls[i].shown = L_DOWNLOADED;
			emit(p->o, ls[i].id, "Download complete", 0, 0);
		}
	if (n && ls[n - 1].state != L_EXISTS)
		if ((r = reg_authorize(p->c, p->scope, err)) < 0)
			goto out;
	/* the worker's own context: same configuration and drivers (image_layer_exists above has
	 * loaded the storage driver into p->ctx, so the copy shares it), its own store connection */
	a.ctx = *p->ctx;
	a.ctx.store = NULL;
	a.ctx.store_close = NULL;
	if ((r = pthread_create(&worker, NULL, applier_run, &a)) != 0) {
		r = berr_sys(err, r, "start the layer applier");
		goto out;
	}
	started = 1;
	for (;;) {
		CURLMsg *msg;
		int left, done;
		int64_t now = now_ns();

		report_applied(&a);
		pthread_mutex_lock(&a.mu);
		done = a.done;
		pthread_mutex_unlock(&a.mu);
		if (done)
			break;
		/* start new downloads and due retries, up to the limit */
		for (size_t i = 0; i < n && running < limit; i++) {
			struct layer *l = &ls[i];
			if (l->state == L_RETRY && now >= l->not_before) {
				if ((r = layer_start(l, multi, err)) < 0)
					goto out;
				running++;
			}
		}
		while (running < limit && next < n) {
			if (ls[next].state == L_WAITING) {
				if ((r = layer_start(&ls[next], multi, err)) < 0)
					goto out;
				running++;
			}
			next++;
		}
		for (size_t i = 0; i < n; i++) {
			struct layer *l = &ls[i];
			if (l->state != L_RETRY)
				continue;
			int64_t secs = (l->not_before - now + 999999999) / 1000000000;
			if (secs > 0 && secs != l->retry_shown) {
				char text[64];
				l->retry_shown = secs;
				snprintf(text, sizeof(text), "Retrying in %lld second%s", (long long)secs, secs == 1 ? "" : "s");
				emit(p->o, l->id, text, 0, 0);
			}
		}
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left))) {
			struct layer *l;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&l);
			if ((r = layer_finish(l, multi, msg->data.result, err)) < 0)
				goto out;
		}
		curl_multi_poll(multi, NULL, 0, running ? 100 : 20, NULL);
	}
	report_applied(&a);
	if (a.r < 0) {
		*err = a.err;
		r = a.r;
	}
out:
	if (started) {
		pthread_mutex_lock(&a.mu);
		a.stop = 1;
		pthread_cond_broadcast(&a.cv);
		pthread_mutex_unlock(&a.mu);
		pthread_join(worker, NULL);
		if (a.ctx.store && a.ctx.store_close)
			a.ctx.store_close(a.ctx.store);
	}
	for (size_t i = 0; i < n; i++) {
		layer_stop(&ls[i], multi, 0);
		if (ls[i].file) {
			unlink(ls[i].file);
			free(ls[i].file);
		}
		if (ls[i].created)
			json_array_append_new(created, json_string(ls[i].chain));
	}
	curl_multi_cleanup(multi);
	pthread_mutex_destroy(&a.mu);
	pthread_cond_destroy(&a.cv);
	free(ls);
	return r;
}

/* Pull one tag or digest of p->ref. */
static int pull_one(struct pull *p, char id[DIGEST_LEN + 1], berr_t *err)
{
	_cleanup_free_ char *body = NULL;
	_cleanup_free_ char *ctype = NULL;
	_cleanup_free_ char *config = NULL;
	char top_digest[DIGEST_LEN + 1], digest[DIGEST_LEN + 1], old_id[DIGEST_LEN + 1] = "";
	char canonical[900], repo[800], fam[800], name[1024], ref_at[900];
	const char *what = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
	struct reg_manifest m;
	size_t len, clen = 0;
	json_t *cfg, *diff_ids;
	berr_t ignore;
	json_t *created = NULL;         /* chains this pull applied */
	int r, hold = -1;

	ref_canonical(&p->ref, canonical, sizeof(canonical));
	ref_repo(&p->ref, repo, sizeof(repo));
	ref_familiar_repo(repo, fam, sizeof(fam));
	snprintf(name, sizeof(name), "%s%s%s", fam, p->ref.digest[0] ? "@" : ":", what);
	if (image_resolve(p->ctx, canonical, old_id, &ignore) < 0)
		old_id[0] = '\0';

	if ((r = get_manifest(p, what, &body, &len, &ctype, top_digest, err)) < 0)
		return r;
	emitf(p->o, "%s: Pulling from %s", what, p->ref.path);
	memcpy(digest, top_digest, sizeof(digest));
	if (reg_is_index(body, len, ctype)) {
		char pick[72];
		if ((r = reg_index_pick(body, len, p->o ? p->o->platform : NULL, pick, err)) < 0)
			return r;
		free(body);
		free(ctype);
		body = ctype = NULL;
		if ((r = get_manifest(p, pick, &body, &len, &ctype, digest, err)) < 0)
			return r;
	}
	if ((r = reg_manifest_parse(body, len, ctype, &m, err)) < 0)
		return r;
	if ((r = get_small_blob(p, &m.config, &config, &clen, err)) < 0)
		goto out;
	cfg = json_loadb(config, clen, 0, NULL);
	diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(diff_ids) || json_array_size(diff_ids) != m.nlayers) {
		json_decref(cfg);
		r = berr_set(err, EPROTO, "image config %s: %zu diff_ids for %zu layers", m.config.digest,
			     json_array_size(diff_ids), m.nlayers);
		goto out;
	}
	for (size_t i = 0; i < m.nlayers; i++)
		if (!digest_valid(json_string_value(json_array_get(diff_ids, i)))) {
			json_decref(cfg);
			r = berr_set(err, EPROTO, "image config %s: invalid diff_id", m.config.digest);
			goto out;
		}
	/* the gc must not take the layers applied here before the image row names them */
	created = json_array();
	if ((hold = image_store_hold(p->ctx, err)) < 0) {
		json_decref(cfg);
		r = hold;
		goto out;
	}
	r = fetch_layers(p, &m, diff_ids, created, err);
	json_decref(cfg);
	if (r < 0)
		goto out;
	if ((r = image_add_config(p->ctx, config, clen, id, err)) < 0)
		goto out;
	/* a pull sets the tag without a LastTagTime, as Docker's reference store does */
	if (p->ref.tag[0] && (r = image_tag_ex(p->ctx, id, canonical, NULL, err)) < 0)
		goto out;
	snprintf(ref_at, sizeof(ref_at), "%s@%s", repo, top_digest);
	if ((r = image_add_repo_digest(p->ctx, id, ref_at, err)) < 0)
		goto out;
	emitf(p->o, "Digest: %s%s", top_digest, "");
	if (!strcmp(old_id, id))
		emitf(p->o, "Status: Image is up to date for %s%s", name, "");
	else
		emitf(p->o, "Status: Downloaded newer image for %s%s", name, "");
out:
	reg_manifest_free(&m);
	if (hold >= 0)
		close(hold);
	if (r < 0 && json_array_size(created)) {
		/* layers this pull applied that no image uses go now (unless others are building) */
		size_t nc = json_array_size(created);
		const char **chains = xcalloc(nc, sizeof(char *));
		for (size_t i = 0; i < nc; i++)
			chains[i] = json_string_value(json_array_get(created, i));
		image_layers_rollback(p->ctx, chains, nc);
		free(chains);
	}
	json_decref(created);
	return r;
}

static int pull_all_tags(struct pull *p, char id[DIGEST_LEN + 1], berr_t *err)
{
	json_t *tags;
	size_t i;
	json_t *t;
	char repo[800];
	int r;

	ref_repo(&p->ref, repo, sizeof(repo));
	if ((r = registry_tags(p->ctx, repo, &tags, err)) < 0)
		return r;
	json_array_foreach(tags, i, t) {
		snprintf(p->ref.tag, sizeof(p->ref.tag), "%s", json_string_value(t));
		if ((r = pull_one(p, id, err)) < 0)
			break;
	}
	json_decref(tags);
	return r;
}

int registry_pull(struct berth_ctx *ctx, const char *ref, const struct reg_pull_opts *o,
		  char id[DIGEST_LEN + 1], char *canonical, berr_t *err)
{
	struct pull p = { .ctx = ctx, .o = o };
	const char *eps[16];
	int n, r = 0;

	if ((r = ref_parse(ref, !(o && o->all_tags), &p.ref, err)) < 0)
		return r;
	if (o && o->all_tags && (p.ref.tag[0] || p.ref.digest[0]))
		return berr_set(err, EINVAL, "tag can't be used with --all-tags/-a");
	if ((r = ctx_store(ctx, &p.st, err)) < 0)
		return r;
	snprintf(p.scope, sizeof(p.scope), "repository:%s:pull", p.ref.path);
	n = endpoints(ctx, &p.ref, eps, 16);
	for (int i = 0; i < n; i++) {
		if ((r = open_endpoint(ctx, &p.ref, eps[i], &p.c, err)) < 0)
			continue;
		r = o && o->all_tags ? pull_all_tags(&p, id, err) : pull_one(&p, id, err);
		reg_client_free(p.c);
		p.c = NULL;
		/* a mirror that fails hands over to the next endpoint; the registry's answer is final */
		if (r == 0 || !eps[i])
			break;
	}
	if (r == 0 && canonical)
		ref_canonical(&p.ref, canonical, 800);
	return r;
}
