/* docker load: the outer tar (any compression) is streamed with libarchive into a private spool
 * directory under <data-root>/tmp (manifest.json usually comes last), then read as a Docker
 * 1.2 archive (manifest.json + config + layer files) or, without manifest.json, as an OCI image
 * layout (index.json, blobs/). Paths named inside the archive are opened relative to the spool
 * root with symlinks resolved inside it (openat2 RESOLVE_IN_ROOT), as Docker's safePath does.
 * Layers are applied in chain order and verified against the config's diff_ids. */
#include "image/image.h"
#include "store/store.h"
#include "image/internal.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define JSON_FILE_MAX (64 << 20)     /* manifests, indexes and configs are small */

int open_in_root(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd;

	while (*path == '/')
		path++;
	fd = syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Normalise an archive entry name: no leading "./" or "/", no ".." component, no empty name. */
static int clean_name(const char *in, char *out, size_t len)
{
	const char *p = in;
	size_t n = 0;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t cl = slash ? (size_t)(slash - p) : strlen(p);
		if (cl == 2 && !memcmp(p, "..", 2))
			return -1;
		if (cl && !(cl == 1 && *p == '.')) {
			if (n + cl + 2 > len)
				return -1;
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, cl);
			n += cl;
		}
		p += cl + (slash ? 1 : 0);
	}
	out[n] = 0;
	return n ? 0 : 1;   /* 1: the root itself */
}

/* Create the parent directories of name inside root, one component at a time so that a
 * symlink an earlier entry planted is only ever resolved inside root; returns an fd of the
 * parent or -errno, and the last component in *base. */
static int parent_dir(int root_fd, const char *name, const char **base)
{
	char buf[4096];
	const char *slash = strrchr(name, '/');
	int fd;

	*base = slash ? slash + 1 : name;
	fd = dup(root_fd);
	if (!slash || fd < 0)
		return fd < 0 ? -errno : fd;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - name), name);
	for (char *p = buf;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			const char *comp;
			int next;
			*p = 0;
			comp = strrchr(buf, '/');
			comp = comp ? comp + 1 : buf;
			if (mkdirat(fd, comp, 0700) < 0 && errno != EEXIST) {
				int e = errno;
				close(fd);
				return -e;
			}
			next = open_in_root(root_fd, buf, O_RDONLY | O_DIRECTORY);
			close(fd);
			if (next < 0)
				return next;
			fd = next;
			*p = c;
			if (!c)
				break;
		}
	}
	return fd;
}

static int spool_entry(struct archive *a, struct archive_entry *e, int root_fd, berr_t *err)
{
	char name[4096];
	const char *base;
	_cleanup_close_ int dir = -1, fd = -1;
	const char *hl = archive_entry_hardlink(e);
	int c = clean_name(archive_entry_pathname(e), name, sizeof(name));

	if (c < 0)
		return berr_set(err, EINVAL, "invalid tar file: unsafe path \"%s\"", archive_entry_pathname(e));
	if (c == 1)
		return 0;
	if (hl) {
		char target[4096];
		char proc[64];
		_cleanup_close_ int tfd = -1;
		if (clean_name(hl, target, sizeof(target)) != 0)
			return berr_set(err, EINVAL, "invalid tar file: unsafe link \"%s\"", hl);
		if ((tfd = open_in_root(root_fd, target, O_PATH)) < 0)
			return berr_set(err, EINVAL, "invalid tar file: link target \"%s\" missing", hl);
		if ((dir = parent_dir(root_fd, name, &base)) < 0)
			return berr_sys(err, -dir, "spool %s", name);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
		if (linkat(AT_FDCWD, proc, dir, base, AT_SYMLINK_FOLLOW) < 0)
			return berr_sys(err, errno, "spool %s", name);
		return 0;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		if ((dir = parent_dir(root_fd, name, &base)) < 0)
			return berr_sys(err, -dir, "spool %s", name);
		if (mkdirat(dir, base, 0700) < 0 && errno != EEXIST)
			return berr_sys(err, errno, "spool %s", name);
		return 0;
	case AE_IFLNK:
		if ((dir = parent_dir(root_fd, name, &base)) < 0)
			return berr_sys(err, -dir, "spool %s", name);
		/* the target is only ever followed inside the spool root (open_in_root) */
		if (symlinkat(archive_entry_symlink(e), dir, base) < 0)
			return berr_sys(err, errno, "spool %s", name);
		return 0;
	case AE_IFREG: {
		char buf[65536];
		if ((dir = parent_dir(root_fd, name, &base)) < 0)
			return berr_sys(err, -dir, "spool %s", name);
		unlinkat(dir, base, 0);
		fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return berr_sys(err, errno, "spool %s", name);
		for (;;) {
			la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
			if (n == 0)
				break;
			if (n < 0)
				return berr_set(err, EINVAL, "invalid tar file: %s", archive_error_string(a));
			if (write_all(fd, buf, n) < 0)
				return berr_sys(err, errno, "spool %s", name);
		}
		return 0;
	}
	default:
		return 0;   /* devices, fifos: nothing an image archive needs */
	}
}

static int spool_archive(int in_fd, int root_fd, berr_t *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = 0, n = 0, rc;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, in_fd, 65536) != ARCHIVE_OK) {
		r = berr_set(err, EINVAL, "invalid tar file: %s", archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		n++;
		if ((r = spool_entry(a, e, root_fd, err)) < 0)
			goto out;
	}
	if (rc != ARCHIVE_EOF)
		r = berr_set(err, EINVAL, "invalid tar file: %s", archive_error_string(a) ?
			     archive_error_string(a) : "unreadable archive");
	else if (n == 0)
		r = berr_set(err, EINVAL, "invalid tar file: empty archive");
out:
	archive_read_free(a);
	return r;
}

/* Read a small file named inside the archive. */
static int read_in_root(int root_fd, const char *path, char **data, size_t *len, berr_t *err)
{
	_cleanup_close_ int fd = open_in_root(root_fd, path, O_RDONLY);
	struct stat sb;
	size_t n = 0;
	char *buf;

	if (fd < 0)
		return berr_set(err, ENOENT, "invalid archive: %s is missing", path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return berr_set(err, EINVAL, "invalid archive: %s is not a file", path);
	if (sb.st_size > JSON_FILE_MAX)
		return berr_set(err, EFBIG, "invalid archive: %s is too large", path);
	buf = xmalloc(sb.st_size + 1);
	while (n < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + n, sb.st_size - n);
		if (r <= 0) {
			free(buf);
			return berr_sys(err, r < 0 ? errno : EIO, "read %s", path);
		}
		n += r;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

static int read_json_in_root(int root_fd, const char *path, json_t **out, berr_t *err)
{
	_cleanup_free_ char *data = NULL;
	json_error_t je;
	size_t len;
	int r;

	if ((r = read_in_root(root_fd, path, &data, &len, err)) < 0)
		return r;
	*out = json_loadb(data, len, 0, &je);
	if (!*out)
		return berr_set(err, EINVAL, "invalid archive: %s: line %d, column %d: %s", path, je.line,
				je.column, je.text);
	return 0;
}

/* One image to load: its config path, layer paths, and the refs to tag it with. */
struct load_item {
	char *config_path;
	char **layers;
	size_t nlayers;
	json_t *tags;                /* array of strings as given (RepoTags / annotation names) */
};

static void load_items_free(struct load_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].config_path);
		for (size_t k = 0; k < items[i].nlayers; k++)
			free(items[i].layers[k]);
		free(items[i].layers);
		json_decref(items[i].tags);
	}
	free(items);
}

/* manifest.json: [{Config, RepoTags, Layers}] */
static int items_from_manifest(json_t *m, struct load_item **out, size_t *n, berr_t *err)
{
	struct load_item *items;
	json_t *e, *l;
	size_t i, k;

	if (!json_is_array(m))
		return berr_set(err, EINVAL, "invalid archive: manifest.json is not an array");
	items = xcalloc(json_array_size(m) + 1, sizeof(*items));
	json_array_foreach(m, i, e) {
		json_t *layers = json_object_get(e, "Layers"), *tags = json_object_get(e, "RepoTags");
		if (!json_is_string(json_object_get(e, "Config")) || (layers && !json_is_array(layers))) {
			load_items_free(items, i);
			return berr_set(err, EINVAL, "invalid archive: manifest.json entry %zu is malformed", i);
		}
		items[i].config_path = xstrdup(json_string_value(json_object_get(e, "Config")));
		items[i].layers = xcalloc(json_array_size(layers) + 1, sizeof(char *));
		items[i].tags = json_array();
		json_array_foreach(layers, k, l) {
			if (!json_is_string(l)) {
				load_items_free(items, i + 1);
				return berr_set(err, EINVAL, "invalid archive: manifest.json entry %zu is malformed", i);
			}
			items[i].layers[items[i].nlayers++] = xstrdup(json_string_value(l));
		}
		json_array_foreach(tags, k, l)
			if (json_is_string(l))
				json_array_append(items[i].tags, l);
	}
	*out = items;
	*n = json_array_size(m);
	return 0;
}

static const char *host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__i386__)
	return "386";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__)
	return "ppc64le";
#else
	return "";
#endif
}

static int blob_rel_path(const char *digest, char *buf, size_t len)
{
	const char *colon = strchr(digest ? digest : "", ':');

	if (!colon || strchr(colon + 1, '/') || strstr(digest, "..") || colon == digest)
		return -1;
	snprintf(buf, len, "blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
	return 0;
}

static int layer_type_ok(const char *mt)
{
	static const char *const ok[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar",
		NULL,
	};
	if (!mt)
		return 1;
	for (int i = 0; ok[i]; i++)
		if (!strcmp(ok[i], mt))
			return 1;
	return 0;
}

/* Read a blob named by a descriptor and check its digest. */
static int read_blob_json(int root_fd, json_t *desc, json_t **out, berr_t *err)
{
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	_cleanup_free_ char *data = NULL;
	char path[256], got[DIGEST_LEN + 1];
	json_error_t je;
	size_t len;
	int r;

	if (!digest_valid(digest) || blob_rel_path(digest, path, sizeof(path)) < 0)
		return berr_set(err, EINVAL, "invalid archive: unsupported digest \"%s\"", digest ? digest : "");
	if ((r = read_in_root(root_fd, path, &data, &len, err)) < 0)
		return r;
	sha256_digest(data, len, got);
	if (strcmp(got, digest))
		return berr_set(err, EBADMSG, "invalid archive: blob %s has digest %s", digest, got);
	*out = json_loadb(data, len, 0, &je);
	if (!*out)
		return berr_set(err, EINVAL, "invalid archive: %s: %s", path, je.text);
	return 0;
}

/* The name an OCI index entry gives its image: containerd's full name, or a ref.name that is a
 * full reference; a bare tag (what skopeo writes) names no repository, so none. */
static const char *oci_entry_name(json_t *desc)
{
	json_t *ann = json_object_get(desc, "annotations");
	const char *full = json_string_value(json_object_get(ann, "io.containerd.image.name"));
	const char *rn = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));

	if (full && *full)
		return full;
	if (rn && (strchr(rn, '/') || strchr(rn, ':')))
		return rn;
	return NULL;
}

/* Add the image of an OCI manifest descriptor (following nested indexes to this platform). */
static int oci_add(int root_fd, json_t *desc, const char *name, struct load_item **items, size_t *n,
		   json_t *seen, int depth, berr_t *err)
{
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	json_t *doc = NULL, *e, *layers;
	size_t i;
	int r;

	if (depth > 4)
		return berr_set(err, EINVAL, "invalid archive: indexes nested too deeply");
	if ((r = read_blob_json(root_fd, desc, &doc, err)) < 0)
		return r;
	if (!mt)
		mt = json_string_value(json_object_get(doc, "mediaType"));
	if (mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		   !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"))) {
		json_t *pick = NULL;
		json_array_foreach(json_object_get(doc, "manifests"), i, e) {
			json_t *p = json_object_get(e, "platform");
			const char *os = json_string_value(json_object_get(p, "os"));
			const char *arch = json_string_value(json_object_get(p, "architecture"));
			if (!p || ((!os || !strcmp(os, "linux")) && (!arch || !strcmp(arch, host_arch())))) {
				pick = e;
				break;
			}
		}
		if (!pick) {
			json_decref(doc);
			return berr_set(err, ENOENT, "invalid archive: no image for linux/%s in index %s",
					host_arch(), digest);
		}
		r = oci_add(root_fd, pick, name, items, n, seen, depth + 1, err);
		json_decref(doc);
		return r;
	}
	/* one entry per manifest; several index entries (one per tag) merge into it */
	{
		json_t *idx = json_object_get(seen, digest);
		if (idx) {
			if (name)
				json_array_append_new((*items)[json_integer_value(idx)].tags, json_string(name));
			json_decref(doc);
			return 0;
		}
	}
	layers = json_object_get(doc, "layers");
	if (!json_is_object(json_object_get(doc, "config")) || !json_is_array(layers)) {
		json_decref(doc);
		return berr_set(err, EINVAL, "invalid archive: manifest %s is malformed", digest);
	}
	*items = xreallocarray(*items, *n + 1, sizeof(**items));
	memset(&(*items)[*n], 0, sizeof(**items));
	{
		struct load_item *it = &(*items)[*n];
		char path[256];
		const char *cd = json_string_value(json_object_get(json_object_get(doc, "config"), "digest"));
		if (blob_rel_path(cd, path, sizeof(path)) < 0) {
			json_decref(doc);
			return berr_set(err, EINVAL, "invalid archive: manifest %s has a bad config digest", digest);
		}
		it->config_path = xstrdup(path);
		it->tags = json_array();
		if (name)
			json_array_append_new(it->tags, json_string(name));
		it->layers = xcalloc(json_array_size(layers) + 1, sizeof(char *));
		(*n)++;
		json_array_foreach(layers, i, e) {
			const char *lmt = json_string_value(json_object_get(e, "mediaType"));
			if (!layer_type_ok(lmt)) {
				json_decref(doc);
				return berr_set(err, ENOTSUP, "invalid archive: unsupported layer media type \"%s\"", lmt);
			}
			if (blob_rel_path(json_string_value(json_object_get(e, "digest")), path, sizeof(path)) < 0) {
				json_decref(doc);
				return berr_set(err, EINVAL, "invalid archive: manifest %s has a bad layer digest", digest);
			}
			it->layers[it->nlayers++] = xstrdup(path);
		}
	}
	json_object_set_new(seen, digest, json_integer(*n - 1));
	json_decref(doc);
	return 0;
}

static int items_from_oci(int root_fd, struct load_item **out, size_t *n, berr_t *err)
{
	json_t *index = NULL, *seen = json_object(), *e;
	struct load_item *items = NULL;
	size_t i;
	int r;

	*n = 0;
	if ((r = read_json_in_root(root_fd, "index.json", &index, err)) < 0)
		goto out;
	if (!json_is_array(json_object_get(index, "manifests"))) {
		r = berr_set(err, EINVAL, "invalid archive: index.json has no manifests");
		goto out;
	}
	json_array_foreach(json_object_get(index, "manifests"), i, e)
		if ((r = oci_add(root_fd, e, oci_entry_name(e), &items, n, seen, 0, err)) < 0)
			goto out;
out:
	json_decref(index);
	json_decref(seen);
	if (r < 0) {
		load_items_free(items, *n);
		*n = 0;
		return r;
	}
	*out = items;
	return 0;
}

/* Load one image: layers in order (skipping chains already present), config, tags. Chains this
 * load created are appended to `created` (for the rollback of a failed load). */
static int load_one(struct berth_ctx *ctx, int root_fd, struct load_item *it, json_t *results,
		    json_t *created, berr_t *err)
{
	_cleanup_free_ char *config = NULL;
	char chain[DIGEST_LEN + 1] = "", id[DIGEST_LEN + 1];
	json_t *cfg, *diff_ids, *tags, *replaced, *v;
	const char *os;
	size_t len, i;
	int r;

	if ((r = read_in_root(root_fd, it->config_path, &config, &len, err)) < 0)
		return r;
	cfg = json_loadb(config, len, 0, NULL);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		return berr_set(err, EINVAL, "invalid archive: config %s is not JSON", it->config_path);
	}
	os = json_string_value(json_object_get(cfg, "os"));
	if (os && *os && strcmp(os, "linux")) {
		json_decref(cfg);
		return berr_set(err, EINVAL, "image operating system \"%s\" cannot be used on this platform", os);
	}
	diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (json_array_size(diff_ids) != it->nlayers) {
		r = berr_set(err, EINVAL, "invalid manifest, layers length mismatch: expected %zu, got %zu",
			     it->nlayers, json_array_size(diff_ids));
		json_decref(cfg);
		return r;
	}
	json_array_foreach(diff_ids, i, v) {
		char want[DIGEST_LEN + 1], next[DIGEST_LEN + 1], got_chain[DIGEST_LEN + 1], got_diff[DIGEST_LEN + 1];
		_cleanup_close_ int fd = -1;

		snprintf(want, sizeof(want), "%s", json_is_string(v) ? json_string_value(v) : "");
		if (!digest_valid(want)) {
			json_decref(cfg);
			return berr_set(err, EINVAL, "invalid image config: bad diff_id %zu", i);
		}
		image_chain_id(i ? chain : NULL, want, next);
		if (image_layer_exists(ctx, next)) {
			memcpy(chain, next, sizeof(chain));
			continue;
		}
		fd = open_in_root(root_fd, it->layers[i], O_RDONLY);
		if (fd < 0) {
			json_decref(cfg);
			return berr_set(err, ENOENT, "invalid archive: layer %s is missing", it->layers[i]);
		}
		r = image_layer_apply(ctx, i ? chain : NULL, fd, want, got_chain, got_diff, err);
		if (r < 0) {
			json_decref(cfg);
			if (r == -EBADMSG && strstr(err->msg, "diff_id mismatch")) {
				char got[DIGEST_LEN + 1];
				snprintf(got, sizeof(got), "%s", strrchr(err->msg, ' ') + 1);
				return berr_set(err, EBADMSG, "invalid diffID for Layer %zu: expected \"%s\", got \"%s\"",
						i, want, got);
			}
			return berr_wrap(err, "layer %zu (%s)", i, it->layers[i]);
		}
		if (strcmp(got_diff, want)) {
			json_decref(cfg);
			return berr_set(err, EBADMSG, "invalid diffID for Layer %zu: expected \"%s\", got \"%s\"",
					i, want, got_diff);
		}
		memcpy(chain, got_chain, sizeof(chain));
		json_array_append_new(created, json_string(chain));
	}
	json_decref(cfg);
	if ((r = image_add_config(ctx, config, len, id, err)) < 0)
		return r;
	tags = json_array();
	replaced = json_array();
	json_array_foreach(it->tags, i, v) {
		struct image_ref ref;
		char fam[1024], canonical[1024], prev[DIGEST_LEN + 1];
		if ((r = ref_parse(json_string_value(v), 1, &ref, err)) < 0) {
			berr_wrap(err, "invalid tag \"%s\"", json_string_value(v));
			goto fail;
		}
		if (ref.digest[0]) {
			r = berr_set(err, EINVAL, "invalid tag \"%s\": a digest reference", json_string_value(v));
			goto fail;
		}
		ref_canonical(&ref, canonical, sizeof(canonical));
		if ((r = image_tag_ex(ctx, id, canonical, prev, err)) < 0)
			goto fail;
		ref_familiar(&ref, fam, sizeof(fam));
		if (prev[0] && strcmp(prev, id))
			json_array_append_new(replaced, json_pack("{s:s, s:s}", "tag", fam, "id", prev));
		json_array_append_new(tags, json_string(fam));
	}
	json_array_append_new(results, json_pack("{s:s, s:o, s:o}", "id", id, "tags", tags, "replaced", replaced));
	return 0;
fail:
	json_decref(tags);
	json_decref(replaced);
	return r;
}

int image_load(struct berth_ctx *ctx, int in_fd, json_t **out, berr_t *err)
{
	struct image_env env;
	_cleanup_free_ char *spool = NULL;
	_cleanup_close_ int root_fd = -1, hold = -1;
	struct load_item *items = NULL;
	size_t n = 0;
	json_t *results = NULL, *manifest = NULL, *created = json_array();
	int r;

	if ((r = image_env_open(ctx, &env, err)) < 0)
		return r;
	if ((r = image_gc(ctx, NULL, err)) < 0)
		return berr_wrap(err, "clean up the image store");
	if ((hold = image_store_hold(ctx, err)) < 0)
		return hold;
	spool = store_tmp_path(env.st, "load");
	if (mkdir(spool, 0700) < 0)
		return berr_sys(err, errno, "mkdir %s", spool);
	root_fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		r = berr_sys(err, errno, "open %s", spool);
		goto out;
	}
	if ((r = spool_archive(in_fd, root_fd, err)) < 0)
		goto out;
	if (faccessat(root_fd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((r = read_json_in_root(root_fd, "manifest.json", &manifest, err)) < 0 ||
		    (r = items_from_manifest(manifest, &items, &n, err)) < 0)
			goto out;
	} else if (faccessat(root_fd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((r = items_from_oci(root_fd, &items, &n, err)) < 0)
			goto out;
	} else {
		r = berr_set(err, EINVAL, "invalid archive: no manifest.json or index.json (not an image archive)");
		goto out;
	}
	results = json_array();
	for (size_t i = 0; i < n; i++)
		if ((r = load_one(ctx, root_fd, &items[i], results, created, err)) < 0)
			goto out;
out:
	json_decref(manifest);
	load_items_free(items, n);
	if (root_fd >= 0) {
		close(root_fd);
		root_fd = -1;
	}
	remove_tree(spool, NULL);
	if (r < 0) {
		const char **chains = xcalloc(json_array_size(created) + 1, sizeof(char *));
		json_t *v;
		size_t i;
		json_decref(results);
		/* layers this load applied that no image uses go now (unless others are building) */
		close(hold);
		hold = -1;
		json_array_foreach(created, i, v)
			chains[i] = json_string_value(v);
		image_layers_rollback(ctx, chains, json_array_size(created));
		free(chains);
		json_decref(created);
		return r;
	}
	json_decref(created);
	*out = results;
	return 0;
}
