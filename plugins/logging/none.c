/* Logging driver "none": output is discarded (attach still sees it); logs cannot be read. */
#include <berth/logging.h>

#include <stdlib.h>

struct berth_logger {
	int unused;
};

static uint32_t none_capabilities(void)
{
	return BERTH_LOG_CAP_LOCAL;   /* it opens nothing at all */
}

static struct berth_logger *none_open(const char *dir, const char *id, const char *options_json,
				      struct berth_error *err)
{
	static struct berth_logger the_logger;
	(void)dir; (void)id; (void)options_json; (void)err;
	return &the_logger;
}

static int none_write(struct berth_logger *lg, const struct berth_log_message *msg, struct berth_error *err)
{
	(void)lg; (void)msg; (void)err;
	return 0;
}

static void none_close(struct berth_logger *lg)
{
	(void)lg;
}

static int none_validate(const char *options_json, struct berth_error *err);

static const struct berth_logging_ops OPS = {
	.capabilities = none_capabilities, .open = none_open, .write = none_write, .close = none_close,
	.validate = none_validate,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_LOGGING, "none", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	(void)h;
	return &DESC;
}

/* ---- option checks (logging ABI minor 1): none takes no options, as Docker's CLI says ---- */
#include <errno.h>
#include <stdio.h>
#include <jansson.h>

static int none_validate(const char *options_json, struct berth_error *err)
{
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	int bad = !json_is_object(o) || json_object_size(o) > 0;

	json_decref(o);
	if (!bad)
		return 0;
	err->code = EINVAL;
	snprintf(err->msg, sizeof(err->msg), "invalid logging opts for driver none");
	return -EINVAL;
}
