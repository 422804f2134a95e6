/* berth driver ABI: storage drivers (layers and container rw layers).
 * Method set after moby's graphdriver ProtoDriver + DiffDriver. Every method returns 0 or a
 * negative errno and fills err. `id` values are opaque names chosen by the core ([a-z0-9-]+). */
#ifndef BERTH_ABI_STORAGE_H
#define BERTH_ABI_STORAGE_H

#include "plugin.h"
#include "host.h"

#define BERTH_STORAGE_MINOR 1

struct berth_storage_ops {
	/* minor 0 */
	/* Prepare the driver's home (data_root/storage/<name>); called once per process. */
	int (*init)(const char *home, struct berth_error *err);
	/* Release what init took. */
	void (*cleanup)(void);
	/* Create read-only layer `id` on top of `parent` (NULL for a base layer). */
	int (*create)(const char *id, const char *parent, struct berth_error *err);
	/* Create a writable container layer `id` on top of image layer `parent`. */
	int (*create_rw)(const char *id, const char *parent, struct berth_error *err);
	/* Remove a layer and everything under it (unmounting first if mounted). */
	int (*remove)(const char *id, struct berth_error *err);
	/* 1 if the layer exists, 0 if not. */
	int (*exists)(const char *id);
	/* Mount the layer's full filesystem; writes its path into path (size len). Counted. */
	int (*get)(const char *id, const char *mount_opts, char *path, size_t len, struct berth_error *err);
	/* Undo one get. */
	int (*put)(const char *id, struct berth_error *err);
	/* Unpack a layer tar read from tar_fd into layer `id` (see host apply_tar for ts and
	 * diff_id); returns its uncompressed size. */
	int64_t (*apply_diff)(const char *id, const char *parent, int tar_fd,
			      struct berth_tarsplit *ts, char *diff_id, struct berth_error *err);
	/* Write a tar of what `id` changed relative to `parent` into out_fd (ts, diff_id as above). */
	int64_t (*diff)(const char *id, const char *parent, int out_fd, struct berth_tarsplit *ts,
			char *diff_id, struct berth_error *err);
	/* Write the changed paths of `id` vs `parent`, one "A|C|D <path>\n" line each, to out_fd. */
	int (*changes)(const char *id, const char *parent, int out_fd, struct berth_error *err);
	/* Bytes used by the layer's own content (not its parents'). */
	int64_t (*diff_size)(const char *id, const char *parent, struct berth_error *err);
	/* Key/value pairs for `info`, as "Key\tValue\n" lines in buf. */
	int (*status)(char *buf, size_t len);
	/* Key/value pairs for inspect's GraphDriver.Data ("LowerDir\t...\n" lines) of layer id. */
	int (*metadata)(const char *id, char *buf, size_t len, struct berth_error *err);
	/* minor 1 */
	/* Options for get() that make a mount ephemeral: the layer will be removed after its one
	 * use and need not survive a crash, so the driver may skip syncing it (overlayfs
	 * "volatile", which also spares the unmount a sync of the whole file system). The core
	 * passes them for containers removed when they exit (--rm). NULL if there are none. */
	const char *(*ephemeral_mount_opts)(void);
	/* minor 2 members go here */
};

#endif
