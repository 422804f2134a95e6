/* Push: for each layer (base first) find a blob the registry already has (HEAD, or a mount from
 * another repository of the same registry), else upload a gzip blob (reused from the store, or
 * compressed now from the layer's exact tar); then the config and a Docker schema 2 manifest by
 * tag. The diff_id -> blob digest mapping is remembered per registry repository. */
#include "registry/registry.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/blobmap.h"
#include "image/image.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (64LL << 20)

struct push {
	struct berth_ctx *ctx;
	struct store *st;
	struct reg_client *c;
	const struct reg_push_opts *o;
	struct image_ref ref;
	char scope[700];
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

struct upload_progress {
	struct push *p;
	const char *id;
	int64_t base, total, last;
};

static void on_sent(void *arg, int64_t sent)
{
	struct upload_progress *u = arg;
	int64_t now = now_ns();

	if (now - u->last > 100000000LL || u->base + sent == u->total) {
		u->last = now;
		emit(u->p->o, u->id, "Pushing", u->base + sent, u->total);
	}
}

static int upload_error(struct reg_response *resp, const char *what, berr_t *err)
{
	char text[1024];

	reg_error_text(resp, text, sizeof(text));
	reg_response_free(resp);
	return berr_set(err, EPROTO, "%s: %s", what, text);
}

/* POST, PATCH chunks (always following the newest Location), PUT ?digest=. data or fd. */
static int upload_blob(struct push *p, const char *digest, const void *data, int fd, int64_t size,
		       const char *id, berr_t *err)
{
	_cleanup_free_ char *start = xasprintf("/v2/%s/blobs/uploads/", p->ref.path);
	_cleanup_free_ char *loc = NULL;
	_cleanup_free_ char *fin = NULL;
	struct reg_response resp;
	struct upload_progress u = { p, id, 0, size, 0 };
	int64_t off = 0;
	int r;

	if ((r = reg_request(p->c, "POST", start, p->scope, NULL, NULL, &resp, err)) < 0)
		return r;
	if (resp.status != 202 || !resp.location)
		return upload_error(&resp, "start upload", err);
	loc = steal_ptr(resp.location);
	reg_response_free(&resp);
	while (off < size) {
		int64_t n = size - off < CHUNK_SIZE ? size - off : CHUNK_SIZE;
		char range[80];
		struct curl_slist *h;
		struct reg_body b = { .fd = fd, .off = off, .len = n,
				      .content_type = "application/octet-stream",
				      .progress = id ? on_sent : NULL, .arg = &u };
		if (fd < 0) {
			b.data = (const char *)data + off;
			b.fd = -1;
		}
		snprintf(range, sizeof(range), "Content-Range: %lld-%lld", (long long)off, (long long)(off + n - 1));
		h = curl_slist_append(NULL, range);
		u.base = off;
		r = reg_request(p->c, "PATCH", loc, p->scope, h, &b, &resp, err);
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
	fin = xasprintf("%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
	if ((r = reg_request(p->c, "PUT", fin, p->scope, NULL, NULL, &resp, err)) < 0)
		return r;
	if (resp.status != 201)
		return upload_error(&resp, "finish upload", err);
	reg_response_free(&resp);
	return 0;
}

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

static la_ssize_t to_writer(struct archive *a, void *arg, const void *buf, size_t len)
{
	berr_t err;

	(void)a;
	return blob_writer_write(arg, buf, len, &err) < 0 ? -1 : (la_ssize_t)len;
}

/* gzip the layer's tar into a new blob; digest and size out. */
static int compress_layer(struct push *p, const char *chain, char digest[DIGEST_LEN + 1],
			  int64_t *size, berr_t *err)
{
	struct tar_job job = { .ctx = p->ctx, .chain = chain };
	struct blob_writer w;
	struct archive *a;
	struct archive_entry *e;
	pthread_t th;
	int pfd[2], r = 0;
	char buf[1 << 16];
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return berr_sys(err, errno, "pipe");
	if ((r = blob_writer_open(p->st, &w, err)) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	job.fd = pfd[1];
	if (pthread_create(&th, NULL, tar_thread, &job)) {
		close(pfd[0]);
		close(pfd[1]);
		blob_writer_abort(&w);
		return berr_set(err, EAGAIN, "start layer reader");
	}
	a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_filter_option(a, "gzip", "compression-level", "3");
	/* no mtime in the gzip header: the same layer always compresses to the same blob */
	archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_format_raw(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open2(a, &w, NULL, to_writer, NULL, NULL) != ARCHIVE_OK) {
		r = berr_set(err, EIO, "gzip: %s", archive_error_string(a));
	} else {
		e = archive_entry_new();
		archive_entry_set_pathname(e, "layer.tar");
		archive_entry_set_filetype(e, AE_IFREG);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			r = berr_set(err, EIO, "gzip: %s", archive_error_string(a));
		archive_entry_free(e);
	}
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = r ? r : berr_sys(err, errno, "read layer");
			break;
		}
		if (r == 0 && archive_write_data(a, buf, n) != n)
			r = berr_set(err, EIO, "gzip: %s", archive_error_string(a));
	}
	close(pfd[0]);              /* unblocks the writer if we stopped early */
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = berr_set(err, EIO, "gzip: %s", archive_error_string(a));
	archive_write_free(a);
	pthread_join(th, NULL);
	if (r == 0 && job.r < 0) {
		*err = job.err;
		r = berr_wrap(err, "read layer %s", chain);
	}
	if (r < 0) {
		blob_writer_abort(&w);
		return r;
	}
	*size = w.size;
	return blob_writer_commit(&w, NULL, digest, err);
}

static int push_layer(struct push *p, const char *diff_id, const char *chain,
		      struct reg_descriptor *out, berr_t *err)
{
	struct blobmap_entry known[16];
	char id[13];
	int n = blobmap_lookup(p->ctx, diff_id, p->ref.domain, known, 16), r;
	int64_t size = -1;
	char digest[DIGEST_LEN + 1] = "";
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *path = NULL;

	snprintf(id, sizeof(id), "%.12s", diff_id + 7);
	snprintf(out->media_type, sizeof(out->media_type), "%s", MT_DOCKER_LAYER);
	/* 1. a blob of this layer already in the target repository */
	for (int i = 0; i < n; i++) {
		if ((r = blob_present(p, known[i].digest, err)) < 0)
			return r;
		if (r) {
			snprintf(out->digest, sizeof(out->digest), "%s", known[i].digest);
			out->size = known[i].size;
			emit(p->o, id, "Layer already exists", 0, 0);
			blobmap_remember(p->ctx, diff_id, out->digest, out->size, p->ref.domain, p->ref.path);
			return 0;
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
			snprintf(out->digest, sizeof(out->digest), "%s", known[i].digest);
			out->size = known[i].size;
			snprintf(msg, sizeof(msg), "Mounted from %s", known[i].repository);
			emit(p->o, id, msg, 0, 0);
			blobmap_remember(p->ctx, diff_id, out->digest, out->size, p->ref.domain, p->ref.path);
			return 0;
		}
	}
	/* 3. upload a blob we hold, or compress the layer now */
	for (int i = 0; i < n && !digest[0]; i++)
		if (blob_exists(p->st, known[i].digest)) {
			snprintf(digest, sizeof(digest), "%s", known[i].digest);
			size = known[i].size;
		}
	if (!digest[0] && (r = compress_layer(p, chain, digest, &size, err)) < 0)
		return r;
	path = blob_path(p->st, digest);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_sys(err, errno, "open %s", path);
	emit(p->o, id, "Pushing", 0, size);
	if ((r = upload_blob(p, digest, NULL, fd, size, id, err)) < 0)
		return r;
	emit(p->o, id, "Pushed", 0, 0);
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	out->size = size;
	blobmap_remember(p->ctx, diff_id, digest, size, p->ref.domain, p->ref.path);
	return 0;
}

static int push_tag(struct push *p, char digest[DIGEST_LEN + 1], berr_t *err)
{
	char canonical[900], id[DIGEST_LEN + 1], chain[DIGEST_LEN + 1] = "", repo[800], at[900];
	_cleanup_free_ char *config = NULL;
	_cleanup_free_ char *manifest = NULL;
	_cleanup_free_ char *mpath = NULL;
	struct reg_descriptor cdesc = { 0 }, *layers = NULL;
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
	for (size_t i = 0; i < n; i++) {
		const char *d = json_string_value(json_array_get(diff_ids, i));
		if (!digest_valid(d)) {
			r = berr_set(err, EPROTO, "image %s: invalid diff_id", id);
			goto out;
		}
		image_chain_id(i ? chain : NULL, d, chain);
		if ((r = push_layer(p, d, chain, &layers[i], err)) < 0)
			goto out;
	}
	snprintf(cdesc.digest, sizeof(cdesc.digest), "%s", id);
	cdesc.size = clen;
	if ((r = blob_present(p, id, err)) < 0)
		goto out;
	if (!r && (r = upload_blob(p, id, config, -1, clen, NULL, err)) < 0)
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
	if (o && o->all_tags && !p.ref.tag[0]) {
		tags = local_tags(&p);
		if (json_array_size(tags) == 0) {
			json_decref(tags);
			reg_client_free(p.c);
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
	reg_client_free(p.c);
	return r;
}
