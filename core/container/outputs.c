/* The two outputs of a container that can fail to open: its logging driver and its attach
 * socket. A start that cannot have them fails as Docker's does, with nothing of the command run
 * (container/start.c): berth binds the socket before the init may run and hands it to the
 * monitor. The log is the monitor's to open (a driver's state cannot cross its exec): a driver
 * that only opens files (BERTH_LOG_CAP_LOCAL) berth tries first, and the command starts while
 * the monitor opens it for good; any other (a syslog to reach) the monitor opens before it lets
 * the command start. */
#include "container/container.h"
#include "container/attach.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* daemon.json's log-driver, else Docker's default. */
static const char *default_type(struct berth_ctx *ctx)
{
	return ctx->cfg.log_driver && *ctx->cfg.log_driver ? ctx->cfg.log_driver : "json-file";
}

const char *container_log_driver(struct berth_ctx *ctx, const struct container *c)
{
	json_t *lc = json_object_get(json_object_get(c->doc, "HostConfig"), "LogConfig");
	const char *type = json_string_value(json_object_get(lc, "Type"));

	return type && *type ? type : default_type(ctx);
}

int container_logger_open(struct berth_ctx *ctx, const struct container *c, const struct berth_logging_ops **ops,
			  struct berth_logger **lg, berr_t *err)
{
	json_t *lc = json_object_get(json_object_get(c->doc, "HostConfig"), "LogConfig");
	const char *type = container_log_driver(ctx, c);
	_cleanup_free_ char *opts = NULL, *dir = container_dir(ctx, c->id);
	json_t *o = json_object_get(lc, "Config");
	struct plugin *p;

	*ops = NULL;
	*lg = NULL;
	if (!strcmp(type, "none"))
		return 0;
	if (plugin_load(ctx, BERTH_PLUGIN_LOGGING, type, &p, err) < 0)
		return berr_wrap(err, "failed to initialize logging driver");
	*ops = p->desc->vtable;
	/* Docker: the daemon's log-opts apply to containers of the daemon's log-driver that set none */
	if (json_object_size(o) == 0 && !strcmp(type, default_type(ctx)))
		o = json_object_get(ctx->cfg.root, "log-opts");
	opts = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (!(*lg = (*ops)->open(dir, c->id, opts ? opts : "{}", err)))
		return berr_wrap(err, "failed to initialize logging driver");
	return 0;
}

int container_logger_early(struct berth_ctx *ctx, const struct container *c, berr_t *err)
{
	const struct berth_logging_ops *ops;
	struct berth_logger *lg;
	struct plugin *p;
	int r;

	if (!strcmp(container_log_driver(ctx, c), "none"))
		return 1;
	if (plugin_load(ctx, BERTH_PLUGIN_LOGGING, container_log_driver(ctx, c), &p, err) < 0)
		return berr_wrap(err, "failed to initialize logging driver");
	if (!(((const struct berth_logging_ops *)p->desc->vtable)->capabilities() & BERTH_LOG_CAP_LOCAL))
		return 0;
	if ((r = container_logger_open(ctx, c, &ops, &lg, err)) < 0)
		return r;
	if (lg)
		ops->close(lg);
	return 1;
}

int container_attach_listen(struct berth_ctx *ctx, const char *id, berr_t *err)
{
	_cleanup_free_ char *dir = container_run_dir(ctx, id);
	_cleanup_free_ char *path = xasprintf("%s/attach.sock", dir);
	_cleanup_close_ int dfd = -1;
	struct sockaddr_un sa;
	int r, fd;

	if ((r = mkdir_p(dir, 0700, err)) < 0)
		return r;
	unlink(path);
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return berr_sys(err, errno, "open %s", dir);
	attach_sockaddr(&sa, dfd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return berr_sys(err, errno, "attach socket %s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		r = berr_sys(err, errno, "attach socket %s", path);
		close(fd);
		return r;
	}
	return fd;
}
