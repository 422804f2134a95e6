/* berth-monitor's variant of the host services (see plugin/host_services.h): the monitor links
 * neither sqlite nor libarchive, so a driver asking it for its key/value store or for tar work
 * gets ENOTSUP with a sentence saying why. Drivers do that work from berth (create, pull,
 * network setup), the monitor only mounts, joins and logs. */
#include "plugin/host_services.h"
#include "common/err.h"

#include <errno.h>

static int unsupported(struct berth_error *err, const char *what)
{
	return berr_set(err, ENOTSUP, "%s is not available inside berth-monitor", what);
}

int host_kv_set(const char *driver, const char *key, const char *value, struct berth_error *err)
{
	(void)driver; (void)key; (void)value;
	return unsupported(err, "the plugin key/value store");
}

char *host_kv_get(const char *driver, const char *key)
{
	(void)driver; (void)key;
	return NULL;
}

int host_kv_del(const char *driver, const char *key, struct berth_error *err)
{
	(void)driver; (void)key;
	return unsupported(err, "the plugin key/value store");
}

int64_t host_apply_tar(int tar_fd, const char *dest_dir, enum berth_whiteout_mode mode,
		       struct berth_tarsplit *ts, char *diff_id, struct berth_error *err)
{
	(void)tar_fd; (void)dest_dir; (void)mode; (void)ts; (void)diff_id;
	return unsupported(err, "tar apply");
}

int64_t host_diff_tar(const char *upper, const char *lower, enum berth_whiteout_mode mode,
		      int out_fd, struct berth_tarsplit *ts, char *diff_id, struct berth_error *err)
{
	(void)upper; (void)lower; (void)mode; (void)out_fd; (void)ts; (void)diff_id;
	return unsupported(err, "tar diff");
}
