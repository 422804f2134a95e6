/* docker save: one deterministic tar holding both the Docker 1.2 layout (manifest.json with
 * Config/Layers paths, repositories) and an OCI image layout (oci-layout, index.json, blobs/), as
 * Docker 25 writes it; Docker 20.10's load reads manifest.json and follows its paths into blobs/.
 * Entries are sorted, owned by 0:0, dated at the epoch; layer tars stream from their tar-split
 * straight into the output and are checked against their diff_id on the way. */
#include "image/image.h"
#include "store/store.h"
#include "image/internal.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

/* ---- a minimal ustar writer ------------------------------------------------------------------ */

static void octal(char *field, size_t width, uint64_t v)
{
	/* width-1 octal digits and a NUL; base-256 (GNU) when the value does not fit */
	if (width == 12 && v > 077777777777ULL) {
		memset(field, 0, width);
		field[0] = (char)0x80;
		for (int i = width - 1; i > 0 && v; i--, v >>= 8)
			field[i] = (char)(v & 0xff);
		return;
	}
	snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

static int tar_header(int fd, const char *name, char type, uint64_t size, unsigned mode, berr_t *err)
{
	char h[512];
	unsigned sum = 0;

	if (strlen(name) > 100)
		return berr_set(err, ENAMETOOLONG, "tar entry name too long: %s", name);
	memset(h, 0, sizeof(h));
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, mode);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, 0);
	memset(h + 148, ' ', 8);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	if (write_all(fd, h, sizeof(h)) < 0)
		return berr_sys(err, errno, "write archive");
	return 0;
}

static int tar_pad(int fd, uint64_t size, berr_t *err)
{
	static const char zeros[512];
	size_t pad = (512 - size % 512) % 512;

	if (pad && write_all(fd, zeros, pad) < 0)
		return berr_sys(err, errno, "write archive");
	return 0;
}

static int tar_file(int fd, const char *name, const void *data, size_t len, berr_t *err)
{
	int r;

	if ((r = tar_header(fd, name, '0', len, 0644, err)) < 0)
		return r;
	if (write_all(fd, data, len) < 0)
		return berr_sys(err, errno, "write archive");
	return tar_pad(fd, len, err);
}

static int tar_end(int fd, berr_t *err)
{
	static const char zeros[1024];

	if (write_all(fd, zeros, sizeof(zeros)) < 0)
		return berr_sys(err, errno, "write archive");
	return 0;
}

/* ---- layer streaming -------------------------------------------------------------------------- */

struct layer_pump {
	struct berth_ctx *ctx;
	const char *chain;
	int fd;
	int64_t n;
	berr_t err;
};

static void *pump_run(void *arg)
{
	struct layer_pump *p = arg;

	p->n = image_layer_tar(p->ctx, p->chain, p->fd, &p->err);
	close(p->fd);
	return NULL;
}

/* Copy the layer's tar into out_fd: exactly `size` bytes hashing to diff_id. */
static int stream_layer(struct berth_ctx *ctx, const char *chain, const char *diff_id, int64_t size,
			int out_fd, berr_t *err)
{
	struct layer_pump p = { .ctx = ctx, .chain = chain };
	struct sha256 h;
	char buf[65536], got[DIGEST_LEN + 1];
	int pipefd[2], r = 0;
	int64_t total = 0;
	pthread_t t;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return berr_sys(err, errno, "pipe");
	p.fd = pipefd[1];
	if ((r = pthread_create(&t, NULL, pump_run, &p)) != 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return berr_sys(err, r, "start layer writer");
	}
	sha256_init(&h);
	for (;;) {
		ssize_t n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (total + n > size) {
			r = berr_set(err, EIO, "layer %s: its tar is longer than recorded (%lld bytes)", chain,
				     (long long)size);
			break;
		}
		sha256_update(&h, buf, n);
		if (write_all(out_fd, buf, n) < 0) {
			r = berr_sys(err, errno, "write archive");
			break;
		}
		total += n;
	}
	close(pipefd[0]);
	pthread_join(t, NULL);
	sha256_final(&h, got);
	if (r < 0)
		return r;
	if (p.n < 0) {
		*err = p.err;
		return -p.err.code;
	}
	if (total != size)
		return berr_set(err, EIO, "layer %s: rebuilt tar has %lld bytes, expected %lld", chain,
				(long long)total, (long long)size);
	if (strcmp(got, diff_id))
		return berr_set(err, EBADMSG, "layer %s: rebuilt tar hashes to %s, expected %s", chain, got, diff_id);
	return tar_pad(out_fd, size, err);
}

/* ---- what to save ---------------------------------------------------------------------------- */

struct save_image {
	char id[DIGEST_LEN + 1];
	json_t *tags;                /* canonical name:tag strings, in the order given */
};

struct save_set {
	struct save_image *v;
	size_t n;
};

static struct save_image *save_add(struct save_set *set, const char *id)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].id, id))
			return &set->v[i];
	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	memset(&set->v[set->n], 0, sizeof(*set->v));
	snprintf(set->v[set->n].id, sizeof(set->v[0].id), "%s", id);
	set->v[set->n].tags = json_array();
	return &set->v[set->n++];
}

static void save_add_tag(struct save_image *img, const char *canonical)
{
	json_t *v;
	size_t i;

	json_array_foreach(img->tags, i, v)
		if (!strcmp(json_string_value(v), canonical))
			return;
	json_array_append_new(img->tags, json_string(canonical));
}

/* Docker's save name rules: an ID saves untagged; "repo" saves every tag of the repository;
 * "repo:tag" saves that tag. */
static int save_resolve(struct berth_ctx *ctx, struct image_env *env, const char *name,
			struct save_set *set, berr_t *err)
{
	struct image_ref r;
	char id[DIGEST_LEN + 1], repo[1024], fam[1024], canonical[1024];
	int rc;

	if (ref_is_full_hex_id(name) || digest_valid(name)) {
		if ((rc = image_resolve(ctx, name, id, err)) < 0)
			return rc;
		save_add(set, id);
		return 0;
	}
	if ((rc = ref_parse(name, 0, &r, err)) < 0)
		return rc;
	ref_repo(&r, repo, sizeof(repo));
	ref_familiar_repo(repo, fam, sizeof(fam));
	if (!strcmp(fam, "sha256")) {
		if ((rc = image_resolve(ctx, name, id, err)) < 0)
			return rc;
		save_add(set, id);
		return 0;
	}
	if (!r.tag[0] && !r.digest[0]) {
		_cleanup_free_ char *prefix = xasprintf("%s:", repo);
		sqlite3_stmt *s;
		int found = 0;
		const char *const sqls[] = {
			"SELECT ref, image_id FROM tags WHERE driver=? AND substr(ref, 1, ?)=? ORDER BY ref",
			"SELECT ref, image_id FROM repo_digests WHERE driver=? AND substr(ref, 1, ?)=? ORDER BY ref",
		};
		for (int k = 0; k < 2; k++) {
			if (k == 1) {
				free(prefix);
				prefix = xasprintf("%s@", repo);
			}
			if ((rc = store_prepare(env->st, &s, sqls[k], err)) < 0)
				return rc;
			sqlite3_bind_text(s, 1, env->driver, -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 2, (int)strlen(prefix));
			sqlite3_bind_text(s, 3, prefix, -1, SQLITE_STATIC);
			while (sqlite3_step(s) == SQLITE_ROW) {
				struct save_image *img = save_add(set, (const char *)sqlite3_column_text(s, 1));
				if (k == 0)
					save_add_tag(img, (const char *)sqlite3_column_text(s, 0));
				found = 1;
			}
			sqlite3_finalize(s);
		}
		if (found)
			return 0;
		if ((rc = image_resolve(ctx, name, id, err)) < 0)
			return rc;
		save_add(set, id);
		return 0;
	}
	if ((rc = image_resolve(ctx, name, id, err)) < 0)
		return rc;
	{
		struct save_image *img = save_add(set, id);
		if (!r.digest[0]) {
			ref_canonical(&r, canonical, sizeof(canonical));
			save_add_tag(img, canonical);
		}
	}
	return 0;
}

/* One blob of the output: JSON bytes held in memory, or a layer streamed from the store. */
struct save_blob {
	char digest[DIGEST_LEN + 1];
	char *data;                  /* NULL for a layer */
	size_t len;
	char chain[DIGEST_LEN + 1];
	int64_t size;
};

struct blob_list {
	struct save_blob *v;
	size_t n;
};

static void blob_add(struct blob_list *b, const char *digest, char *data, size_t len, const char *chain,
		     int64_t size)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->v[i].digest, digest)) {
			free(data);
			return;
		}
	b->v = xreallocarray(b->v, b->n + 1, sizeof(*b->v));
	memset(&b->v[b->n], 0, sizeof(*b->v));
	snprintf(b->v[b->n].digest, sizeof(b->v[0].digest), "%s", digest);
	b->v[b->n].data = data;
	b->v[b->n].len = data ? len : (size_t)size;
	b->v[b->n].size = data ? (int64_t)len : size;
	if (chain)
		snprintf(b->v[b->n].chain, sizeof(b->v[0].chain), "%s", chain);
	b->n++;
}

static int blob_cmp(const void *a, const void *b)
{
	return strcmp(((const struct save_blob *)a)->digest, ((const struct save_blob *)b)->digest);
}

static char *dump(json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		abort();
	*len = strlen(s);
	return s;
}

static void familiar_tag(const char *canonical, char *fam, size_t flen, char *repo, size_t rlen,
			 const char **tag)
{
	struct image_ref r;
	char full[1024];

	ref_parse(canonical, 0, &r, NULL);
	ref_familiar(&r, fam, flen);
	ref_repo(&r, full, sizeof(full));
	ref_familiar_repo(full, repo, rlen);
	*tag = strrchr(canonical, ':') + 1;
}

int image_save(struct berth_ctx *ctx, const char *const *names, size_t n, int out_fd, berr_t *err)
{
	struct image_env env;
	struct save_set set = { 0 };
	struct blob_list blobs = { 0 };
	json_t *manifest = json_array(), *index_list = json_array(), *repos = json_object();
	int r = 0;
	size_t i, k;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = save_resolve(ctx, &env, names[i], &set, err)) < 0)
			goto out;

	for (i = 0; i < set.n; i++) {
		struct save_image *img = &set.v[i];
		char *config = NULL, chain[DIGEST_LEN + 1] = "", mdigest[DIGEST_LEN + 1];
		size_t clen, mlen;
		json_t *cfg, *diff_ids, *d, *m, *om, *olayers, *mlayers, *tags, *t;
		char *mjson;

		if ((r = blob_get(env.st, img->id, &config, &clen, err)) < 0)
			goto out;
		cfg = json_loadb(config, clen, 0, NULL);
		diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
		olayers = json_array();
		mlayers = json_array();
		json_array_foreach(diff_ids, k, d) {
			int64_t size;
			char path[128];
			image_chain_id(k ? chain : NULL, json_string_value(d), chain);
			if ((r = image_layer_info(ctx, chain, NULL, &size, NULL, err)) < 0) {
				json_decref(cfg);
				json_decref(olayers);
				json_decref(mlayers);
				free(config);
				goto out;
			}
			blob_add(&blobs, json_string_value(d), NULL, 0, chain, size);
			json_array_append_new(olayers, json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_LAYER,
								 "digest", json_string_value(d), "size", (json_int_t)size));
			snprintf(path, sizeof(path), "blobs/sha256/%s", digest_hex(json_string_value(d)));
			json_array_append_new(mlayers, json_string(path));
		}
		blob_add(&blobs, img->id, config, clen, NULL, 0);

		om = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
			       "config", "mediaType", MT_OCI_CONFIG, "digest", img->id, "size", (json_int_t)clen,
			       "layers", olayers);
		mjson = dump(om, &mlen);
		json_decref(om);
		sha256_digest(mjson, mlen, mdigest);
		blob_add(&blobs, mdigest, mjson, mlen, NULL, 0);

		tags = json_array();
		json_array_foreach(img->tags, k, t) {
			char fam[1024], repo[1024];
			const char *tag;
			familiar_tag(json_string_value(t), fam, sizeof(fam), repo, sizeof(repo), &tag);
			json_array_append_new(tags, json_string(fam));
			json_array_append_new(index_list, json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}",
				"mediaType", MT_OCI_MANIFEST, "digest", mdigest, "size", (json_int_t)mlen,
				"annotations", "io.containerd.image.name", json_string_value(t),
				"org.opencontainers.image.ref.name", tag));
			if (json_array_size(diff_ids)) {
				json_t *rmap = json_object_get(repos, repo);
				if (!rmap)
					json_object_set_new(repos, repo, rmap = json_object());
				json_object_set_new(rmap, tag, json_string(digest_hex(
					json_string_value(json_array_get(diff_ids, json_array_size(diff_ids) - 1)))));
			}
		}
		json_decref(cfg);
		if (!json_array_size(img->tags))
			json_array_append_new(index_list, json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_MANIFEST,
				"digest", mdigest, "size", (json_int_t)mlen));
		{
			char cpath[128];
			snprintf(cpath, sizeof(cpath), "blobs/sha256/%s", digest_hex(img->id));
			m = json_pack("{s:s, s:o, s:o}", "Config", cpath,
				      "RepoTags", json_array_size(tags) ? tags : (json_decref(tags), json_null()),
				      "Layers", mlayers);
		}
		json_array_append_new(manifest, m);
	}

	/* the archive, in sorted order */
	qsort(blobs.v, blobs.n, sizeof(*blobs.v), blob_cmp);
	if ((r = tar_header(out_fd, "blobs/", '5', 0, 0755, err)) < 0 ||
	    (r = tar_header(out_fd, "blobs/sha256/", '5', 0, 0755, err)) < 0)
		goto out;
	for (i = 0; i < blobs.n; i++) {
		char path[128];
		snprintf(path, sizeof(path), "blobs/sha256/%s", digest_hex(blobs.v[i].digest));
		if (blobs.v[i].data) {
			if ((r = tar_file(out_fd, path, blobs.v[i].data, blobs.v[i].len, err)) < 0)
				goto out;
		} else {
			if ((r = tar_header(out_fd, path, '0', blobs.v[i].size, 0644, err)) < 0 ||
			    (r = stream_layer(ctx, blobs.v[i].chain, blobs.v[i].digest, blobs.v[i].size, out_fd, err)) < 0)
				goto out;
		}
	}
	{
		json_t *index = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
					  "manifests", index_list);
		size_t len;
		_cleanup_free_ char *ij = dump(index, &len);
		_cleanup_free_ char *mj = NULL, *rj = NULL;
		static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
		json_decref(index);
		if ((r = tar_file(out_fd, "index.json", ij, len, err)) < 0)
			goto out;
		mj = dump(manifest, &len);
		if ((r = tar_file(out_fd, "manifest.json", mj, len, err)) < 0)
			goto out;
		if ((r = tar_file(out_fd, "oci-layout", layout, strlen(layout), err)) < 0)
			goto out;
		if (json_object_size(repos)) {
			json_t *sorted = json_deep_copy(repos);
			rj = json_dumps(sorted, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(sorted);
			if ((r = tar_file(out_fd, "repositories", rj, strlen(rj), err)) < 0)
				goto out;
		}
	}
	r = tar_end(out_fd, err);
out:
	for (i = 0; i < set.n; i++)
		json_decref(set.v[i].tags);
	free(set.v);
	for (i = 0; i < blobs.n; i++)
		free(blobs.v[i].data);
	free(blobs.v);
	json_decref(manifest);
	json_decref(index_list);
	json_decref(repos);
	return r;
}

struct save_args {
	struct berth_ctx *ctx;
	const char *const *names;
	size_t n;
};

static int save_fill(int fd, void *arg, berr_t *err)
{
	struct save_args *a = arg;
	return image_save(a->ctx, a->names, a->n, fd, err);
}

int image_save_file(struct berth_ctx *ctx, const char *const *names, size_t n, const char *path, berr_t *err)
{
	struct save_args a = { ctx, names, n };
	return write_file_atomic_with(path, 0644, save_fill, &a, err);
}
