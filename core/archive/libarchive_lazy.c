/* libarchive, loaded on first use. Linked normally, libarchive and what it pulls in (libxml2,
 * ICU, libstdc++, nettle, lzma, lz4, bz2, acl) cost every berth command ~1.5 ms of dynamic
 * loading, though only the commands that read or write layers call it. These definitions of the
 * libarchive functions the core uses dlopen it once and forward; berth is linked without it. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
	struct archive * (*read_new)(void);
	int (*read_free)(struct archive *a);
	int (*read_support_filter_bzip2)(struct archive *a);
	int (*read_support_filter_gzip)(struct archive *a);
	int (*read_support_filter_lzma)(struct archive *a);
	int (*read_support_filter_xz)(struct archive *a);
	int (*read_support_filter_zstd)(struct archive *a);
	int (*read_support_format_gnutar)(struct archive *a);
	int (*read_support_format_raw)(struct archive *a);
	int (*read_support_format_tar)(struct archive *a);
	int (*read_open_fd)(struct archive *a, int fd, size_t block_size);
	int (*read_next_header)(struct archive *a, struct archive_entry **e);
	la_ssize_t (*read_data)(struct archive *a, void *buf, size_t n);
	int (*read_data_block)(struct archive *a, const void **buf, size_t *n, la_int64_t *off);
	la_int64_t (*filter_bytes)(struct archive *a, int n);
	const char * (*error_string)(struct archive *a);
	const char * (*entry_pathname)(struct archive_entry *e);
	const char * (*entry_symlink)(struct archive_entry *e);
	const char * (*entry_hardlink)(struct archive_entry *e);
	__LA_MODE_T (*entry_filetype)(struct archive_entry *e);
} lib;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "berth: cannot load libarchive: %s\n", dlerror());
		return;
	}
#define SYM(field, name) if (!(*(void **)&lib.field = dlsym(h, name))) return
	SYM(read_new, "archive_read_new");
	SYM(read_free, "archive_read_free");
	SYM(read_support_filter_bzip2, "archive_read_support_filter_bzip2");
	SYM(read_support_filter_gzip, "archive_read_support_filter_gzip");
	SYM(read_support_filter_lzma, "archive_read_support_filter_lzma");
	SYM(read_support_filter_xz, "archive_read_support_filter_xz");
	SYM(read_support_filter_zstd, "archive_read_support_filter_zstd");
	SYM(read_support_format_gnutar, "archive_read_support_format_gnutar");
	SYM(read_support_format_raw, "archive_read_support_format_raw");
	SYM(read_support_format_tar, "archive_read_support_format_tar");
	SYM(read_open_fd, "archive_read_open_fd");
	SYM(read_next_header, "archive_read_next_header");
	SYM(read_data, "archive_read_data");
	SYM(read_data_block, "archive_read_data_block");
	SYM(filter_bytes, "archive_filter_bytes");
	SYM(error_string, "archive_error_string");
	SYM(entry_pathname, "archive_entry_pathname");
	SYM(entry_symlink, "archive_entry_symlink");
	SYM(entry_hardlink, "archive_entry_hardlink");
	SYM(entry_filetype, "archive_entry_filetype");
#undef SYM
	loaded = 1;
}

static int ready(void)
{
	pthread_once(&once, load);
	return loaded;
}

struct archive * archive_read_new(void) { return ready() ? lib.read_new() : NULL; }
int archive_read_free(struct archive *a) { return ready() ? lib.read_free(a) : ARCHIVE_FATAL; }
int archive_read_support_filter_bzip2(struct archive *a) { return ready() ? lib.read_support_filter_bzip2(a) : ARCHIVE_FATAL; }
int archive_read_support_filter_gzip(struct archive *a) { return ready() ? lib.read_support_filter_gzip(a) : ARCHIVE_FATAL; }
int archive_read_support_filter_lzma(struct archive *a) { return ready() ? lib.read_support_filter_lzma(a) : ARCHIVE_FATAL; }
int archive_read_support_filter_xz(struct archive *a) { return ready() ? lib.read_support_filter_xz(a) : ARCHIVE_FATAL; }
int archive_read_support_filter_zstd(struct archive *a) { return ready() ? lib.read_support_filter_zstd(a) : ARCHIVE_FATAL; }
int archive_read_support_format_gnutar(struct archive *a) { return ready() ? lib.read_support_format_gnutar(a) : ARCHIVE_FATAL; }
int archive_read_support_format_raw(struct archive *a) { return ready() ? lib.read_support_format_raw(a) : ARCHIVE_FATAL; }
int archive_read_support_format_tar(struct archive *a) { return ready() ? lib.read_support_format_tar(a) : ARCHIVE_FATAL; }
int archive_read_open_fd(struct archive *a, int fd, size_t block_size) { return ready() ? lib.read_open_fd(a, fd, block_size) : ARCHIVE_FATAL; }
int archive_read_next_header(struct archive *a, struct archive_entry **e) { return ready() ? lib.read_next_header(a, e) : ARCHIVE_FATAL; }
la_ssize_t archive_read_data(struct archive *a, void *buf, size_t n) { return ready() ? lib.read_data(a, buf, n) : ARCHIVE_FATAL; }
int archive_read_data_block(struct archive *a, const void **buf, size_t *n, la_int64_t *off) { return ready() ? lib.read_data_block(a, buf, n, off) : ARCHIVE_FATAL; }
la_int64_t archive_filter_bytes(struct archive *a, int n) { return ready() ? lib.filter_bytes(a, n) : -1; }
const char * archive_error_string(struct archive *a) { return ready() ? lib.error_string(a) : "libarchive is not available"; }
const char * archive_entry_pathname(struct archive_entry *e) { return ready() ? lib.entry_pathname(e) : NULL; }
const char * archive_entry_symlink(struct archive_entry *e) { return ready() ? lib.entry_symlink(e) : NULL; }
const char * archive_entry_hardlink(struct archive_entry *e) { return ready() ? lib.entry_hardlink(e) : NULL; }
__LA_MODE_T archive_entry_filetype(struct archive_entry *e) { return ready() ? lib.entry_filetype(e) : 0; }
