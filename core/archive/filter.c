/* A tar stream with some entries left out: what commit makes of the storage driver's diff
 * (Docker's init layer entries are not the container's changes). The kept entries' bytes, their
 * PAX and GNU long-name headers included, pass through unchanged. */
#include "archive/archive.h"
#include "archive/tar.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define META_MAX (1 << 20)            /* PAX records and long names are small */

struct tar_filter {
	int fd;
	int (*keep)(void *arg, const char *path);
	void *arg;
	struct tbuf out;                  /* headers of the next kept entry, ready to hand out */
	size_t out_pos;
	uint64_t data_left;               /* its content (padded) still to copy from fd */
	int done;
};

static uint64_t padded(uint64_t n)
{
	return (n + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

static int skip(int fd, uint64_t n, berr_t *err)
{
	char buf[16384];

	while (n) {
		ssize_t g = read_full(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
		if (g < 0)
			return berr_sys(err, (int)-g, "read tar");
		if (g == 0)
			return berr_set(err, EIO, "unexpected end of tar");
		n -= (uint64_t)g;
	}
	return 0;
}

/* Queue the headers of the next kept entry (or the end of the archive) in f->out. */
static int next_entry(struct tar_filter *f, berr_t *err)
{
	struct tar_pending pend = { 0 };
	struct tbuf meta = { 0 };
	uint8_t blk[TAR_BLOCK];
	const char *why;
	int r = 0;

	for (;;) {
		ssize_t g = read_full(f->fd, blk, TAR_BLOCK);
		int64_t size;
		char type;

		if (g < 0) {
			r = berr_sys(err, (int)-g, "read tar");
			break;
		}
		if (g < TAR_BLOCK || tar_block_is_zero(blk)) {
			uint8_t zero[2 * TAR_BLOCK] = { 0 };
			tbuf_append(&f->out, zero, sizeof(zero));
			f->done = 1;
			break;
		}
		if (!tar_checksum_ok(blk) || (size = tar_block_size(blk)) < 0) {
			r = berr_set(err, EINVAL, "invalid tar header");
			break;
		}
		type = tar_block_type(blk);
		if (type == TAR_PAX || type == TAR_PAX_GLOBAL || type == TAR_GNU_LONGNAME ||
		    type == TAR_GNU_LONGLINK) {
			char *data;
			if (size > META_MAX) {
				r = berr_set(err, EINVAL, "tar meta entry of %lld bytes is too large", (long long)size);
				break;
			}
			data = xcalloc(1, padded((uint64_t)size) + 1);
			g = read_full(f->fd, data, padded((uint64_t)size));
			if (g < 0 || (uint64_t)g < padded((uint64_t)size)) {
				free(data);
				r = g < 0 ? berr_sys(err, (int)-g, "read tar") : berr_set(err, EIO, "unexpected end of tar");
				break;
			}
			tbuf_append(&meta, blk, TAR_BLOCK);
			tbuf_append(&meta, data, padded((uint64_t)size));
			data[size] = 0;
			if (type == TAR_GNU_LONGNAME) {
				free(pend.longname);
				pend.longname = data;
			} else if (type == TAR_GNU_LONGLINK) {
				free(pend.longlink);
				pend.longlink = data;
			} else {
				if (type == TAR_PAX && tar_parse_pax(data, (size_t)size, &pend, &why) < 0)
					r = berr_set(err, EINVAL, "%s", why);
				free(data);
				if (r < 0)
					break;
			}
			continue;
		}
		{
			struct tar_entry e = { 0 };
			char *clean, *path;
			int keep;

			if (tar_parse_entry(blk, &pend, &e, &why) < 0) {
				r = berr_set(err, EINVAL, "%s", why);
				break;
			}
			clean = tar_clean_path(e.name);
			path = clean ? xasprintf("/%s", clean) : NULL;
			/* a name with ".." is kept: applying the layer refuses it */
			keep = !path || f->keep(f->arg, path);
			free(clean);
			free(path);
			if (keep) {
				tbuf_append(&f->out, meta.p, meta.len);
				tbuf_append(&f->out, blk, TAR_BLOCK);
				f->data_left = padded(e.size);
			} else {
				r = skip(f->fd, padded(e.size), err);
			}
			tar_entry_free(&e);
			if (r < 0 || keep)
				break;
			meta.len = 0;
		}
	}
	tar_pending_clear(&pend);
	tbuf_free(&meta);
	return r;
}

struct tar_filter *tar_filter_new(int in_fd, int (*keep)(void *arg, const char *path), void *arg)
{
	struct tar_filter *f = xcalloc(1, sizeof(*f));

	f->fd = in_fd;
	f->keep = keep;
	f->arg = arg;
	return f;
}

void tar_filter_free(struct tar_filter *f)
{
	if (!f)
		return;
	tbuf_free(&f->out);
	free(f);
}

ssize_t tar_filter_read(void *arg, void *buf, size_t len, berr_t *err)
{
	struct tar_filter *f = arg;
	int r;

	for (;;) {
		if (f->out_pos < f->out.len) {
			size_t n = f->out.len - f->out_pos;
			if (n > len)
				n = len;
			memcpy(buf, f->out.p + f->out_pos, n);
			f->out_pos += n;
			return (ssize_t)n;
		}
		if (f->data_left) {
			ssize_t g = read_full(f->fd, buf, len < f->data_left ? len : f->data_left);
			if (g < 0)
				return berr_sys(err, (int)-g, "read tar");
			if (g == 0)
				return berr_set(err, EIO, "unexpected end of tar");
			f->data_left -= (uint64_t)g;
			return g;
		}
		if (f->done)
			return 0;
		f->out.len = 0;
		f->out_pos = 0;
		r = next_entry(f, err);
		if (r < 0)
			return r;
	}
}
