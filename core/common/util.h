/* Small file-system and string helpers shared by the core. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/err.h"

/* mkdir -p with mode for every created component. */
int mkdir_p(const char *path, mode_t mode, berr_t *err);
/* rm -rf that never follows symlinks and stays on the same file system. */
int remove_tree(const char *path, berr_t *err);
/* Read a whole file (NUL-terminated, length in *len if non-NULL). */
int read_file(const char *path, char **out, size_t *len, berr_t *err);
/* Write data to path atomically: temp file in the same dir, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, berr_t *err);
/* Write path atomically from fill(fd, arg, err) (a stream: save, export): a new temp file
 * beside it, fsync, rename, fsync of the dir. Nothing is left when fill or a write fails. */
int write_file_atomic_with(const char *path, mode_t mode, int (*fill)(int fd, void *arg, berr_t *err),
			   void *arg, berr_t *err);
/* write(2) until done, retrying on EINTR. */
int write_all(int fd, const void *buf, size_t len);
/* An errno's text as Go spells it (strerror's, lower-cased: "not a directory"), in buf[128]:
 * Docker's messages carry Go's. */
const char *go_errno(int e, char buf[128]);
/* read(2) until len bytes or the end of the input, retrying on EINTR: the count (short only at
 * the end), or -errno. */
ssize_t read_full(int fd, void *buf, size_t len);
/* fsync a directory by path. */
int fsync_dir(const char *path);
/* Lexical cleaning as Go's filepath.Clean of path taken from "/" (malloc'd, always absolute): no
 * "//", "." or trailing "/", ".." against its parent and never above the root; so "/etc/" and
 * "/etc" are one path, and "../x" is "/x". */
char *path_clean(const char *path);
/* 1 if path exists (lstat), 0 if not. */
int path_exists(const char *path);
/* malloc'd printf. Aborts on OOM (the CLI cannot go on without memory). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xstrdup(const char *s);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
/* realloc of p to n elements of size bytes (an array grown in place), aborting on OOM or on an
 * n * size that overflows, as xmalloc does. */
void *xreallocarray(void *p, size_t n, size_t size);
/* 64 random hex characters (a Docker-style id). */
void random_hex_id(char out[65]);
/* Start time of a process in clock ticks since boot (field 22 of /proc/pid/stat), 0 if it is
 * gone or a zombie: with the pid it names one process for good. */
uint64_t proc_start_time(pid_t pid);
/* Wait (timeout_ms at most) until the process pid with that start time is gone; 0 when it is. */
int proc_wait_gone(pid_t pid, uint64_t start, int timeout_ms);
/* Receive one fd sent with SCM_RIGHTS (and one byte) on sock, close-on-exec; -1 on failure. */
int fd_recv(int sock);
/* Wall-clock time in nanoseconds. */
int64_t now_ns(void);
/* RFC3339Nano UTC of a unix time in ns, Go style (trailing zeros of the fraction trimmed). */
void format_rfc3339nano(int64_t ns, char *buf, size_t len);
/* Parse Go's RFC3339(Nano) into ns; returns 0 on success. */
int parse_rfc3339(const char *s, int64_t *ns);

#endif
