/* The host table: core services lent to plugins (logging, errors, options, a key/value store,
 * tar apply/diff, netns). Plugin callbacks carry no context argument, so the table is bound to
 * the process's one context when the first plugin is loaded. */
#include "plugin/loader.h"
#include "ctx.h"
#include "plugin/host_services.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct berth_ctx *host_ctx;

static void host_log(enum berth_log_level level, const char *plugin, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warning", "error" };
	va_list ap;

	if (level == BERTH_LOG_DEBUG && !(host_ctx && host_ctx->cfg.debug))
		return;
	fprintf(stderr, "berth: %s: %s: ", names[level], plugin);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int host_error(struct berth_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (!code)
		code = EIO;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -code;
}

static const char *host_option(const char *driver, const char *key)
{
	return host_ctx ? config_driver_option(&host_ctx->cfg, driver, key) : NULL;
}

static const char *host_state_dir(const char *driver)
{
	static char buf[4096];

	if (!host_ctx)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/plugins/%s", host_ctx->cfg.data_root, driver);
	mkdir_p(buf, 0700, NULL);
	return buf;
}

static int host_netns_enter(const char *path, struct berth_error *err)
{
	_cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
	int saved;

	if (target < 0)
		return berr_sys(err, errno, "open netns %s", path);
	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return berr_sys(err, errno, "open current netns");
	if (setns(target, CLONE_NEWNET) < 0) {
		int r = berr_sys(err, errno, "enter netns %s", path);
		close(saved);
		return r;
	}
	return saved;
}

static int host_netns_leave(int saved_fd, struct berth_error *err)
{
	int r = 0;

	if (setns(saved_fd, CLONE_NEWNET) < 0)
		r = berr_sys(err, errno, "return to the host netns");
	close(saved_fd);
	return r;
}

static const struct berth_host HOST = {
	.abi_major = BERTH_ABI_MAJOR,
	.abi_minor = BERTH_ABI_MINOR,
	.size = sizeof(struct berth_host),
	.log = host_log,
	.error = host_error,
	.option = host_option,
	.state_dir = host_state_dir,
	.kv_set = host_kv_set,
	.kv_get = host_kv_get,
	.kv_del = host_kv_del,
	.apply_tar = host_apply_tar,
	.diff_tar = host_diff_tar,
	.netns_enter = host_netns_enter,
	.netns_leave = host_netns_leave,
};

struct berth_ctx *plugin_host_ctx(void)
{
	return host_ctx;
}

const struct berth_host *plugin_host(struct berth_ctx *ctx)
{
	if (ctx)
		host_ctx = ctx;
	return &HOST;
}
