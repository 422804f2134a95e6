/* Pull: resolve the manifest (index -> platform), fetch and verify the config, download the
 * missing layers concurrently through one curl multi handle into verified blobs, apply them in
 * order, then create the image, its tag and repo digest. Nothing is tagged unless every step
 * succeeded; downloaded layer blobs stay as cache, as Docker's do. */
#include "registry/registry.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/blobmap.h"
#include "image/image.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
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
		if (st == 401 || st == 403)
			return berr_set(err, EACCES, "pull access denied for %s, repository does not exist or may require 'docker login': %s",
					p->ref.path, text);
		return berr_set(err, EPROTO, "%s", text);
	}
	sha256_digest(resp.body ? resp.body : "", resp.len, digest);
	if (resp.docker_digest && digest_valid(resp.docker_digest) && strcmp(resp.docker_digest, digest)) {
		reg_response_free(&resp);
		return berr_set(err, EBADMSG, "manifest verification failed for %s: registry says %s, content is %s",
				what, resp.docker_digest, digest);
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

enum layer_state { L_EXISTS, L_WAITING, L_RUNNING, L_DOWNLOADED, L_APPLIED };

struct layer {
	struct pull *p;
	const struct reg_descriptor *d;
	char diff_id[DIGEST_LEN + 1];
	char chain[DIGEST_LEN + 1];
	char id[13];
	enum layer_state state;
	CURL *h;
	struct curl_slist *hdrs;
	struct blob_writer w;
	int writing;
	int64_t got, last_emit;
	berr_t err;
	int failed;
};

static size_t layer_write(char *buf, size_t size, size_t n, void *arg)
{
	struct layer *l = arg;
	size_t len = size * n;
	long code = 0;
	int64_t now;

	curl_easy_getinfo(l->h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return len;             /* an error body: judged when the transfer ends */
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
	now = now_ns();
	if (now - l->last_emit > 100000000LL || l->got == l->d->size) {
		l->last_emit = now;
		emit(l->p->o, l->id, "Downloading", l->got, l->d->size);
	}
	return len;
}

static int layer_start(struct layer *l, CURLM *multi, berr_t *err)
{
	_cleanup_free_ char *url = NULL;
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", l->p->ref.path, l->d->digest);
	int r;

	if ((r = blob_writer_open(l->p->st, &l->w, err)) < 0)
		return r;
	l->writing = 1;
	l->h = curl_easy_init();
	url = reg_url(l->p->c, path);
	l->hdrs = reg_setup_easy(l->p->c, l->h, l->p->scope);
	curl_easy_setopt(l->h, CURLOPT_URL, url);
	curl_easy_setopt(l->h, CURLOPT_WRITEFUNCTION, layer_write);
	curl_easy_setopt(l->h, CURLOPT_WRITEDATA, l);
	curl_easy_setopt(l->h, CURLOPT_PRIVATE, l);
	curl_multi_add_handle(multi, l->h);
	l->state = L_RUNNING;
	return 0;
}

static void layer_stop(struct layer *l, CURLM *multi)
{
	if (l->h) {
		curl_multi_remove_handle(multi, l->h);
		curl_easy_cleanup(l->h);
		l->h = NULL;
	}
	curl_slist_free_all(l->hdrs);
	l->hdrs = NULL;
	if (l->writing) {
		blob_writer_abort(&l->w);
		l->writing = 0;
	}
}

/* A transfer ended: check status, size and digest, commit the blob. */
static int layer_finish(struct layer *l, CURLM *multi, CURLcode cc, berr_t *err)
{
	long code = 0;
	char got[DIGEST_LEN + 1];
	int r;

	curl_easy_getinfo(l->h, CURLINFO_RESPONSE_CODE, &code);
	if (l->failed) {
		*err = l->err;
		layer_stop(l, multi);
		return -err->code;
	}
	if (cc != CURLE_OK) {
		r = berr_set(err, EIO, "download %s: %s", l->d->digest, curl_easy_strerror(cc));
		layer_stop(l, multi);
		return r;
	}
	if (code != 200) {
		r = berr_set(err, EPROTO, "download %s: HTTP status %ld", l->d->digest, code);
		layer_stop(l, multi);
		return r;
	}
	emit(l->p->o, l->id, "Verifying Checksum", 0, 0);
	l->writing = 0;
	r = blob_writer_commit(&l->w, l->d->digest, got, err);
	if (r == 0 && l->got != l->d->size)
		r = berr_set(err, EBADMSG, "size mismatch");
	if (r < 0) {
		layer_stop(l, multi);
		return berr_set(err, EBADMSG, "filesystem layer verification failed for digest %s", l->d->digest);
	}
	layer_stop(l, multi);
	l->state = L_DOWNLOADED;
	emit(l->p->o, l->id, "Download complete", 0, 0);
	return 0;
}

static int layer_apply(struct layer *l, const char *parent, berr_t *err)
{
	_cleanup_free_ char *path = blob_path(l->p->st, l->d->digest);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chain[DIGEST_LEN + 1], diff[DIGEST_LEN + 1];
	int r;

	if (fd < 0)
		return berr_sys(err, errno, "open layer blob %s", l->d->digest);
	emit(l->p->o, l->id, "Extracting", 0, 0);
	r = image_layer_apply(l->p->ctx, parent, fd, l->diff_id, chain, diff, err);
	if (r < 0)
		return berr_wrap(err, "failed to register layer");
	if (strcmp(chain, l->chain))
		return berr_set(err, EBADMSG, "layer %s: chain %s differs from the expected %s", l->id, chain, l->chain);
	l->state = L_APPLIED;
	emit(l->p->o, l->id, "Pull complete", 0, 0);
	return 0;
}

static int max_downloads(struct berth_ctx *ctx)
{
	json_t *v = ctx->cfg.root ? json_object_get(ctx->cfg.root, "max-concurrent-downloads") : NULL;
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 3;

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* Download what is missing (in parallel) and apply every layer in order. */
static int fetch_layers(struct pull *p, const struct reg_manifest *m, json_t *diff_ids, berr_t *err)
{
	size_t n = m->nlayers, next = 0, applied = 0;
	struct layer *ls = xcalloc(n ? n : 1, sizeof(*ls));
	CURLM *multi = curl_multi_init();
	int running = 0, r = 0, limit = max_downloads(p->ctx), prefix = 1;
	char parent[DIGEST_LEN + 1] = "";

	for (size_t i = 0; i < n; i++) {
		struct layer *l = &ls[i];
		l->p = p;
		l->d = &m->layers[i];
		l->w.fd = -1;
		snprintf(l->diff_id, sizeof(l->diff_id), "%s", json_string_value(json_array_get(diff_ids, i)));
		image_chain_id(i ? ls[i - 1].chain : NULL, l->diff_id, l->chain);
		snprintf(l->id, sizeof(l->id), "%.12s", l->d->digest + 7);
		/* a layer whose chain is here is skipped; so is everything below it */
		if (prefix && image_layer_exists(p->ctx, l->chain)) {
			l->state = L_EXISTS;
			emit(p->o, l->id, "Already exists", 0, 0);
		} else {
			prefix = 0;
			l->state = blob_exists(p->st, l->d->digest) ? L_DOWNLOADED : L_WAITING;
			emit(p->o, l->id, "Pulling fs layer", 0, 0);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (ls[i].state == L_DOWNLOADED)
			emit(p->o, ls[i].id, "Download complete", 0, 0);
	if (n && ls[n - 1].state != L_EXISTS)
		if ((r = reg_authorize(p->c, p->scope, err)) < 0)
			goto out;
	while (applied < n) {
		CURLMsg *msg;
		int left;

		while (running < limit && next < n) {
			if (ls[next].state == L_WAITING) {
				if ((r = layer_start(&ls[next], multi, err)) < 0)
					goto out;
				running++;
			}
			next++;
		}
		/* apply, in order, whatever is ready */
		while (applied < n && (ls[applied].state == L_EXISTS || ls[applied].state == L_DOWNLOADED)) {
			struct layer *l = &ls[applied];
			if (l->state == L_DOWNLOADED) {
				if ((r = layer_apply(l, parent[0] ? parent : NULL, err)) < 0)
					goto out;
				/* remember the compressed blob for this diff_id (push can reuse it) */
				if (strstr(l->d->media_type, "gzip"))
					blobmap_remember(p->ctx, l->diff_id, l->d->digest, l->d->size,
							 p->ref.domain, p->ref.path);
			}
			snprintf(parent, sizeof(parent), "%s", l->chain);
			applied++;
		}
		if (applied == n)
			break;
		if (running == 0 && next >= n) {
			r = berr_set(err, EIO, "internal error: layer %zu never became ready", applied);
			goto out;
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
		if (running)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
out:
	for (size_t i = 0; i < n; i++)
		layer_stop(&ls[i], multi);
	curl_multi_cleanup(multi);
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
	size_t len, clen;
	json_t *cfg, *diff_ids;
	berr_t ignore;
	int r;

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
	r = fetch_layers(p, &m, diff_ids, err);
	json_decref(cfg);
	if (r < 0)
		goto out;
	if ((r = image_add_config(p->ctx, config, clen, id, err)) < 0)
		goto out;
	if (p->ref.tag[0] && (r = image_tag(p->ctx, id, canonical, err)) < 0)
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
