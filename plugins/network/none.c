/* Network driver "none": the container gets its own network namespace with only the loopback
 * interface, brought up here. */
#include <berth/network.h>

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct berth_host *host;

static int none_init(const char *state_dir, struct berth_error *err)
{
	(void)state_dir; (void)err;
	return 0;
}

static void none_cleanup(void) {}

static int lo_up(struct berth_error *err)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (s < 0)
		return host->error(err, 1, "socket: cannot bring lo up");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		r = host->error(err, 1, "lo: get flags failed");
	else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			r = host->error(err, 1, "lo: set up failed");
	}
	close(s);
	return r;
}

static int none_join(struct berth_endpoint *ep, struct berth_error *err)
{
	int saved, r;

	if (!ep->netns_path)
		return host->error(err, 22, "network none needs a network namespace");
	if ((saved = host->netns_enter(ep->netns_path, err)) < 0)
		return saved;
	r = lo_up(err);
	if (host->netns_leave(saved, r < 0 ? NULL : err) < 0 && r == 0)
		r = -1;
	return r;
}

static int none_leave(const struct berth_endpoint *ep, struct berth_error *err)
{
	(void)ep; (void)err;
	return 0;
}

static int none_status(char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
	return 0;
}

static const struct berth_network_ops OPS = {
	.init = none_init, .cleanup = none_cleanup, .join = none_join, .leave = none_leave,
	.status = none_status,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_NETWORK, "none", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	host = h;
	return &DESC;
}
