/* Building the container's file system inside its mount namespace (used by the init), and the
 * mount points an image's init layer holds for its containers. */
#ifndef BERTH_RUNTIME_MOUNTS_H
#define BERTH_RUNTIME_MOUNTS_H

#include "runtime/runtime.h"

/* O_PATH fd of path inside the root (created as a dir or empty file when missing). */
int mnt_ensure(int rootfd, const char *path, int is_dir, berr_t *err);
/* Mount src on dst (inside the root); MS_BIND|MS_RDONLY is done as bind + read-only remount. */
int mnt_at(int rootfd, const char *src, const char *dst, const char *type, unsigned long flags,
	   const char *data, int is_dir, berr_t *err);
/* The mount points every container needs in its root (and Docker's /etc/mtab link), made in
 * the image's init layer (mounted at root) so that a container's own layer starts empty. */
int mnt_make_init_layer(const char *root, berr_t *err);
/* Private propagation, bind the rootfs, /proc /sys /dev (+devices, pts, shm, mqueue): what
 * needs no cgroup, so the init does it while its parent places it (a v1 cgroup attach waits for
 * an RCU grace period). Returns the rootfs fd. */
int mnt_setup_rootfs(const struct rt_spec *s, int *rootfd_out, berr_t *err);
/* The rest, once in the container's cgroup namespace: /sys/fs/cgroup, the user's mounts with
 * /etc/hosts, /etc/hostname and /etc/resolv.conf (shallowest first), masked and read-only
 * paths. */
int mnt_finish_rootfs(const struct rt_spec *s, int rootfd, berr_t *err);
/* pivot_root into it and drop the old root; read-only remount when asked. */
int mnt_pivot(const struct rt_spec *s, int rootfd, berr_t *err);

#endif
