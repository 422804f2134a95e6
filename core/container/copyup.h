/* Copy-up: a new, empty volume takes the image's content at its mount target, as Docker does
 * when a container is created. */
#ifndef BERTH_COPYUP_H
#define BERTH_COPYUP_H

#include "ctx.h"

/* Copy what the container's rootfs holds at `path` (resolved inside the rootfs, never outside)
 * into volume `volume` when the volume is empty and the path is a non-empty directory. Files,
 * directories, symlinks, device nodes and fifos keep their mode, owner, times and xattrs.
 * *copied is set to 1 when something was copied. */
int volume_copy_up(struct berth_ctx *ctx, const char *container, const char *volume,
		   const char *path, int *copied, berr_t *err);

#endif
