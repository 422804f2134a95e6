/* Network driver "host": the container shares the host's network namespace; nothing to do. */
#include <berth/network.h>

#include <string.h>

static int host_init(const char *state_dir, struct berth_error *err)
{
	(void)state_dir; (void)err;
	return 0;
}

static void host_cleanup(void) {}

static int host_join(struct berth_endpoint *ep, struct berth_error *err)
{
	(void)ep; (void)err;
	return 0;
}

static int host_leave(const struct berth_endpoint *ep, struct berth_error *err)
{
	(void)ep; (void)err;
	return 0;
}

static int host_status(char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
	return 0;
}

static const struct berth_network_ops OPS = {
	.init = host_init, .cleanup = host_cleanup, .join = host_join, .leave = host_leave,
	.status = host_status,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_NETWORK, "host", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	(void)h;
	return &DESC;
}
