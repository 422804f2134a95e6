/* daemon.json: Docker's keys and meanings plus berth's own, parsed once per process. */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <jansson.h>
#include "common/err.h"

struct berth_config {
	char *path;                  /* file it came from, or NULL when defaults only */
	json_t *root;                /* the whole object, for keys read by scripts and drivers */
	char *data_root;             /* data-root (old name: graph) */
	char *exec_root;
	char *storage_driver;        /* NULL = pick automatically */
	char *log_driver;
	char *network_driver;
	char *cgroup_driver;         /* exec-opts native.cgroupdriver: "cgroupfs", "systemd", NULL = default */
	int debug;
};

/* Parse path (NULL = the default /etc/berth/daemon.json, missing is fine). Warnings (unknown
 * keys) are printed on stderr; malformed JSON and wrong types fail with line/column or key. */
int config_load(struct berth_config *cfg, const char *path, int path_given, berr_t *err);
/* Validate an already parsed object and fill cfg's typed fields (used by config_load). */
int config_apply(struct berth_config *cfg, json_t *root, berr_t *err);
void config_free(struct berth_config *cfg);
/* "k=v" option for a driver from storage-opts (as "driver.k=v" or "k=v") or log-opts. */
const char *config_driver_option(struct berth_config *cfg, const char *driver, const char *key);

#endif
