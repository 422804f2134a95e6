/* The host services whose implementation depends on the program: berth's (sqlite, libarchive)
 * are in plugin/host_store.c, berth-monitor's (which links neither) in monitor/host_monitor.c. */
#ifndef BERTH_HOST_SERVICES_H
#define BERTH_HOST_SERVICES_H

#include <stdint.h>
#include <berth/host.h>

struct berth_ctx;

/* The context the host table is bound to (NULL before the first plugin_host(ctx)). */
struct berth_ctx *plugin_host_ctx(void);

int host_kv_set(const char *driver, const char *key, const char *value, struct berth_error *err);
char *host_kv_get(const char *driver, const char *key);
int host_kv_del(const char *driver, const char *key, struct berth_error *err);
int64_t host_apply_tar(int tar_fd, const char *dest_dir, enum berth_whiteout_mode mode,
		       struct berth_tarsplit *ts, char *diff_id, struct berth_error *err);
int64_t host_diff_tar(const char *upper, const char *lower, enum berth_whiteout_mode mode,
		      int out_fd, struct berth_tarsplit *ts, char *diff_id, struct berth_error *err);

#endif
