/* Fixture: a logging driver built against logging ABI minor 0, before the validate member: the
 * loader takes it, and the core accepts any options for it (it cannot check them). */
#include <berth/plugin.h>
#include <berth/logging.h>

#include <stddef.h>

static struct berth_logger *the_logger;

static uint32_t oldlog_capabilities(void)
{
	return 0;
}

static struct berth_logger *oldlog_open(const char *dir, const char *id, const char *options_json,
					struct berth_error *err)
{
	(void)dir; (void)id; (void)options_json; (void)err;
	return (struct berth_logger *)&the_logger;
}

static int oldlog_write(struct berth_logger *lg, const struct berth_log_message *msg, struct berth_error *err)
{
	(void)lg; (void)msg; (void)err;
	return 0;
}

static void oldlog_close(struct berth_logger *lg)
{
	(void)lg;
}

static const struct berth_logging_ops ops = {
	.capabilities = oldlog_capabilities, .open = oldlog_open, .write = oldlog_write, .close = oldlog_close,
};

static const struct berth_plugin_desc desc = {
	.abi_major = BERTH_ABI_MAJOR,
	.abi_minor = 0,
	.kind = BERTH_PLUGIN_LOGGING,
	.name = "oldlog",
	.vtable_size = offsetof(struct berth_logging_ops, validate),   /* the minor-0 struct */
	.vtable = &ops,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *host)
{
	(void)host;
	return &desc;
}
