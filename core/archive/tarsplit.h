/* tar-split recording, the side archive.c (apply) and diff.c (diff) write into; the public
 * half (new/free/save/load/assemble) is in archive.h. A recording is a sequence of segments:
 * verbatim bytes (headers, padding, trailers, and the content of files that the tar itself later
 * overwrote), and references "size bytes of content from this path of the layer". */
#ifndef BERTH_ARCHIVE_TARSPLIT_H
#define BERTH_ARCHIVE_TARSPLIT_H

#include <stdint.h>
#include "archive/archive.h"

/* Append verbatim bytes. */
void tarsplit_add_raw(struct berth_tarsplit *ts, const void *p, size_t n);
/* Append a reference to `size` bytes of content at `path` (cleaned, relative to the layer);
 * returns its segment index. */
long tarsplit_add_file(struct berth_tarsplit *ts, const char *path, uint64_t size);
/* Turn file reference `seg` into verbatim bytes read from fd now (before the tar changes the
 * file); the file must still hold exactly the referenced size. */
int tarsplit_inline_file(struct berth_tarsplit *ts, long seg, int fd, berr_t *err);
/* Path of segment `seg` if it is still a file reference, else NULL. */
const char *tarsplit_file_path(const struct berth_tarsplit *ts, long seg);
/* Number of segments. */
long tarsplit_segments(const struct berth_tarsplit *ts);
/* Drop everything recorded (used when an apply is restarted into a fresh recording). */
void tarsplit_reset(struct berth_tarsplit *ts);

#endif
