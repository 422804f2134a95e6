/* Network driver "container": the container joins another container's network namespace
 * (the core opens it); nothing to set up. */
#include <berth/network.h>

#include <string.h>

static int container_init(const char *state_dir, struct berth_error *err)
{
	(void)state_dir; (void)err;
	return 0;
}

static void container_cleanup(void) {}

static int container_join(struct berth_endpoint *ep, struct berth_error *err)
{
	(void)ep; (void)err;
	return 0;
}

static int container_leave(const struct berth_endpoint *ep, struct berth_error *err)
{
	(void)ep; (void)err;
	return 0;
}

static int container_status(char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
	return 0;
}

static const struct berth_network_ops OPS = {
	.init = container_init, .cleanup = container_cleanup, .join = container_join, .leave = container_leave,
	.status = container_status,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_NETWORK, "container", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	(void)h;
	return &DESC;
}
