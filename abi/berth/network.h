/* berth driver ABI: network drivers (bridge, host, none, container, third-party).
 * Method set after libnetwork's driverapi: networks, endpoints joined into a sandbox (a netns
 * the core created and bound under the exec root), and port publishing. */
#ifndef BERTH_ABI_NETWORK_H
#define BERTH_ABI_NETWORK_H

#include "plugin.h"
#include "host.h"

#define BERTH_NETWORK_MINOR 0

/* What the core knows about a container joining a network. Strings may be NULL. */
struct berth_endpoint {
	const char *network_id;      /* network the endpoint belongs to */
	const char *endpoint_id;     /* unique id chosen by the core */
	const char *container_id;
	const char *netns_path;      /* sandbox: bind-mounted netns file, or NULL for host mode */
	const char *options_json;    /* driver options ({"ipv4_address":..,"mac":..}) as JSON */
	/* filled by join: */
	char ipv4[64];               /* "172.17.0.2/16" */
	char gateway[64];
	char mac[32];
	char ifname[16];             /* name inside the sandbox, e.g. eth0 */
};

struct berth_port_map {
	const char *proto;           /* "tcp" | "udp" | "sctp" */
	const char *host_ip;         /* "" for all */
	uint16_t host_port;
	uint16_t container_port;
	const char *container_ip;
};

struct berth_network_ops {
	/* minor 0 */
	/* Prepare the driver (firewall tables, default bridge) from its options. */
	int (*init)(const char *state_dir, struct berth_error *err);
	void (*cleanup)(void);
	/* Create network `id` with options (subnet, gateway, bridge name...) given as JSON. */
	int (*create_network)(const char *id, const char *options_json, struct berth_error *err);
	int (*delete_network)(const char *id, struct berth_error *err);
	/* Put the endpoint into its sandbox and fill its addresses. */
	int (*join)(struct berth_endpoint *ep, struct berth_error *err);
	/* Take it out again and free its addresses. */
	int (*leave)(const struct berth_endpoint *ep, struct berth_error *err);
	/* Publish (add=1) or withdraw (add=0) a port of a joined endpoint. */
	int (*port_publish)(const struct berth_endpoint *ep, const struct berth_port_map *pm,
			    int add, struct berth_error *err);
	/* "Key\tValue\n" lines about the driver for `info`. */
	int (*status)(char *buf, size_t len);
};

#endif
