/* berth driver ABI: services the core lends to every plugin, so plugins need not link the core.
 * Grows only at the end; check host->size with BERTH_HAS_MEMBER before using a newer member. */
#ifndef BERTH_ABI_HOST_H
#define BERTH_ABI_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An error a plugin fills: errno-style code and a one-line message (no trailing newline). */
struct berth_error {
	int code;
	char msg[2048];
};

enum berth_log_level { BERTH_LOG_DEBUG, BERTH_LOG_INFO, BERTH_LOG_WARN, BERTH_LOG_ERROR };

/* How a layer tar's whiteouts are materialised when it is unpacked. */
enum berth_whiteout_mode {
	BERTH_WHITEOUT_DELETE = 0,   /* delete the named path in place (vfs: the dir holds the parent's copy) */
	BERTH_WHITEOUT_OVERLAY = 1,  /* .wh.x -> char device 0/0 "x"; .wh..wh..opq -> trusted.overlay.opaque=y */
};

/* Records the raw tar framing of an applied layer so that `save` can rebuild the identical tar. */
struct berth_tarsplit;

struct berth_host {
	uint32_t abi_major;          /* the core's BERTH_ABI_MAJOR */
	uint32_t abi_minor;          /* the core's BERTH_ABI_MINOR */
	size_t size;                 /* sizeof(struct berth_host) in the core */

	/* Log a line through the core (stderr in the CLI, with the plugin's name in front). */
	void (*log)(enum berth_log_level level, const char *plugin, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Set err to code and a formatted message; returns -abs(code) for `return host->error(...)`. */
	int (*error)(struct berth_error *err, int code, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Value of a storage-opts/log-opts style option "key" for this driver, or NULL. */
	const char *(*option)(const char *driver, const char *key);
	/* The driver's own directory under the data root (created): <data-root>/<kind>/<driver>. */
	const char *(*state_dir)(const char *driver);
	/* Persistent key/value store private to the driver; get returns a malloc'd string or NULL. */
	int (*kv_set)(const char *driver, const char *key, const char *value, struct berth_error *err);
	char *(*kv_get)(const char *driver, const char *key);
	int (*kv_del)(const char *driver, const char *key, struct berth_error *err);
	/* Unpack the (possibly compressed) tar read from tar_fd into dest_dir, refusing any path
	 * that would escape it. Returns the number of bytes of the uncompressed tar (>= 0) or a
	 * negative errno. When ts is non-NULL the tar framing is recorded into it; when diff_id is
	 * non-NULL it receives "sha256:<hex>" of the uncompressed tar (72 bytes with the NUL). */
	int64_t (*apply_tar)(int tar_fd, const char *dest_dir, enum berth_whiteout_mode mode,
			     struct berth_tarsplit *ts, char *diff_id, struct berth_error *err);
	/* Write a tar of the changes in `upper` (overlay form when mode is OVERLAY; compared against
	 * `lower` when lower is non-NULL) to out_fd, recording into ts and digesting into diff_id
	 * when those are non-NULL. Returns bytes written or a negative errno. */
	int64_t (*diff_tar)(const char *upper, const char *lower, enum berth_whiteout_mode mode,
			    int out_fd, struct berth_tarsplit *ts, char *diff_id, struct berth_error *err);
	/* Enter the network namespace bound at path for the calling thread; returns an fd restoring
	 * the previous one through netns_leave. */
	int (*netns_enter)(const char *path, struct berth_error *err);
	int (*netns_leave)(int saved_fd, struct berth_error *err);
};

#endif
