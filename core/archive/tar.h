/* The tar header codec of berth's archive code: parse ustar/GNU/PAX headers into one logical
 * entry, and format entries back (ustar, with a PAX 'x' header only when a field does not fit).
 * No I/O here: the reader and writer in archive.c and diff.c move the bytes. */
#ifndef BERTH_ARCHIVE_TAR_H
#define BERTH_ARCHIVE_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK 512

/* Type flags (ustar + the GNU/PAX meta types we read). */
#define TAR_REG '0'
#define TAR_AREG '\0'                 /* pre-POSIX regular file */
#define TAR_LINK '1'
#define TAR_SYMLINK '2'
#define TAR_CHR '3'
#define TAR_BLK '4'
#define TAR_DIR '5'
#define TAR_FIFO '6'
#define TAR_CONT '7'                  /* contiguous file: a regular file */
#define TAR_PAX 'x'
#define TAR_PAX_GLOBAL 'g'
#define TAR_GNU_LONGNAME 'L'
#define TAR_GNU_LONGLINK 'K'

/* Growable byte buffer. */
struct tbuf {
	uint8_t *p;
	size_t len, cap;
};
void tbuf_reserve(struct tbuf *b, size_t more);
void tbuf_append(struct tbuf *b, const void *p, size_t n);
void tbuf_free(struct tbuf *b);

struct tar_xattr {
	char *name;
	char *value;                      /* may hold NULs */
	size_t len;
};

/* One logical entry, after GNU long names and PAX records were folded in. */
struct tar_entry {
	char type;
	char *name;                       /* as in the tar, not cleaned (malloc'd) */
	char *linkname;                   /* malloc'd, "" when none */
	uint64_t size;
	uint32_t mode;                    /* permission bits incl. suid/sgid/sticky */
	int64_t uid, gid;
	int64_t mtime_sec;
	long mtime_nsec;
	int has_atime;
	int64_t atime_sec;
	long atime_nsec;
	uint32_t devmajor, devminor;
	struct tar_xattr *xattrs;
	size_t nxattrs;
};
void tar_entry_free(struct tar_entry *e);
void tar_entry_add_xattr(struct tar_entry *e, const char *name, const void *value, size_t len);

/* Overrides collected from 'L'/'K' entries and PAX 'x' records for the next entry. */
struct tar_pending {
	char *longname, *longlink;        /* GNU */
	char *path, *linkpath;            /* PAX */
	int has_size, has_uid, has_gid, has_mtime, has_atime;
	uint64_t size;
	int64_t uid, gid, mtime_sec, atime_sec;
	long mtime_nsec, atime_nsec;
	struct tar_xattr *xattrs;
	size_t nxattrs;
	int sparse;                       /* GNU.sparse.* seen: unsupported */
};
void tar_pending_clear(struct tar_pending *p);

/* 1 if all 512 bytes are zero. */
int tar_block_is_zero(const uint8_t *blk);
/* 1 if the stored checksum matches the unsigned (or historic signed) sum. */
int tar_checksum_ok(const uint8_t *blk);
/* The typeflag of a header block. */
static inline char tar_block_type(const uint8_t *blk) { return (char)blk[156]; }
/* Size field of a header block (octal or base-256); -1 when malformed. */
int64_t tar_block_size(const uint8_t *blk);
/* Fold a header block and the pending overrides into e (which takes ownership of the pending
 * strings; pending is cleared). Returns 0 or -EINVAL with *why set to a static message. */
int tar_parse_entry(const uint8_t *blk, struct tar_pending *pend, struct tar_entry *e, const char **why);
/* Parse the data of a PAX 'x' entry into pend. Returns 0 or -EINVAL with *why set. */
int tar_parse_pax(const char *data, size_t len, struct tar_pending *pend, const char **why);

/* Clean a tar path: drop leading '/', empty and '.' components and a trailing '/'. Returns a
 * malloc'd string ("" for the root) or NULL when a component is "..". */
char *tar_clean_path(const char *in);

/* Append the header block(s) of e to out: a PAX 'x' entry (with its data and padding) first when
 * name, linkname, size, ids, mtime or xattrs do not fit ustar, then the ustar block. */
void tar_format_header(const struct tar_entry *e, struct tbuf *out);

#endif
