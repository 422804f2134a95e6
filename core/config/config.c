/* daemon.json parsing and validation. */
#include "config/config.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/berth/daemon.json"

enum ktype { K_STR, K_BOOL, K_INT, K_STRLIST, K_OBJ, K_LIST, K_ANY };

struct key_spec {
	const char *name;
	enum ktype type;
};

/* Every key berth understands; Docker's names and meanings. */
static const struct key_spec KEYS[] = {
	{ "data-root", K_STR }, { "graph", K_STR }, { "exec-root", K_STR },
	{ "storage-driver", K_STR }, { "storage-opts", K_STRLIST },
	{ "log-driver", K_STR }, { "log-opts", K_OBJ }, { "log-level", K_STR }, { "debug", K_BOOL },
	{ "bip", K_STR }, { "fixed-cidr", K_STR }, { "default-gateway", K_STR }, { "mtu", K_INT },
	{ "icc", K_BOOL }, { "ip-forward", K_BOOL }, { "ip-masq", K_BOOL }, { "iptables", K_BOOL },
	{ "ip6tables", K_BOOL }, { "ipv6", K_BOOL }, { "fixed-cidr-v6", K_STR },
	{ "userland-proxy", K_BOOL }, { "userland-proxy-path", K_STR },
	{ "default-address-pools", K_LIST },
	{ "dns", K_STRLIST }, { "dns-search", K_STRLIST }, { "dns-opts", K_STRLIST },
	{ "insecure-registries", K_STRLIST }, { "registry-mirrors", K_STRLIST },
	{ "max-concurrent-downloads", K_INT }, { "max-concurrent-uploads", K_INT },
	{ "max-download-attempts", K_INT },
	{ "live-restore", K_BOOL }, { "default-ulimits", K_OBJ }, { "exec-opts", K_STRLIST },
	{ "userns-remap", K_STR }, { "labels", K_STRLIST }, { "init", K_BOOL },
	{ "no-new-privileges", K_BOOL }, { "seccomp-profile", K_STR }, { "default-shm-size", K_STR },
	{ "default-ipc-mode", K_STR }, { "default-cgroupns-mode", K_STR }, { "cgroup-parent", K_STR },
	{ "shutdown-timeout", K_INT }, { "hosts", K_STRLIST }, { "features", K_OBJ },
	{ "runtimes", K_OBJ }, { "default-runtime", K_STR },
	/* berth's own */
	{ "network-driver", K_STR }, { "plugin-dirs", K_STRLIST },
};

static const char *type_name(enum ktype t)
{
	switch (t) {
	case K_STR: return "a string";
	case K_BOOL: return "a boolean";
	case K_INT: return "an integer";
	case K_STRLIST: return "an array of strings";
	case K_OBJ: return "an object";
	case K_LIST: return "an array";
	default: return "a value";
	}
}

static int type_ok(json_t *v, enum ktype t)
{
	size_t i;
	json_t *e;

	switch (t) {
	case K_STR: return json_is_string(v);
	case K_BOOL: return json_is_boolean(v);
	case K_INT: return json_is_integer(v);
	case K_OBJ: return json_is_object(v);
	case K_LIST: return json_is_array(v);
	case K_STRLIST:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				return 0;
		return 1;
	default: return 1;
	}
}

static char *str_or_null(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* s..end without the spaces around it (NUL-terminated at the end) */
static char *strip(char *s, char *end)
{
	while (end > s && end[-1] == ' ')
		end--;
	*end = 0;
	while (*s == ' ')
		s++;
	return s;
}

/* exec-opts: ["native.cgroupdriver=cgroupfs|systemd"] as dockerd reads them (the key in any case,
 * the value exact); options berth has no use for are warned about, as unknown keys are. */
static int parse_exec_opts(struct berth_config *cfg, json_t *root, const char *where, berr_t *err)
{
	json_t *e;
	size_t i;
	int seen = 0;

	json_array_foreach(json_object_get(root, "exec-opts"), i, e) {
		_cleanup_free_ char *opt = xstrdup(json_string_value(e));
		char *eq = strchr(opt, '='), *key = opt, *val;
		if (!eq || strcasecmp(strip(key, eq), "native.cgroupdriver")) {
			fprintf(stderr, "berth: warning: %s: exec-opts: unknown option \"%s\" ignored\n", where,
				json_string_value(e));
			continue;
		}
		val = strip(eq + 1, eq + 1 + strlen(eq + 1));
		if (*val && strcmp(val, "cgroupfs") && strcmp(val, "systemd"))
			return berr_set(err, EINVAL, "%s: native.cgroupdriver option %s not supported", where, val);
		if (!seen++ && *val)   /* the first one counts (empty: the default), as in dockerd */
			cfg->cgroup_driver = xstrdup(val);
	}
	return 0;
}

int config_apply(struct berth_config *cfg, json_t *root, berr_t *err)
{
	const char *key;
	json_t *v;
	const char *where = cfg->path ? cfg->path : "daemon.json";

	if (!json_is_object(root))
		return berr_set(err, EINVAL, "%s: the top level must be a JSON object", where);
	json_object_foreach(root, key, v) {
		const struct key_spec *ks = NULL;
		for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++)
			if (!strcmp(KEYS[i].name, key))
				ks = &KEYS[i];
		if (!ks) {
			fprintf(stderr, "berth: warning: %s: unknown key \"%s\" ignored\n", where, key);
			continue;
		}
		if (!type_ok(v, ks->type))
			return berr_set(err, EINVAL, "%s: \"%s\" must be %s", where, key, type_name(ks->type));
	}
	if (json_object_get(root, "graph") && json_object_get(root, "data-root"))
		return berr_set(err, EINVAL, "%s: \"graph\" and \"data-root\" both set; use only \"data-root\"", where);
	if (json_object_get(root, "graph"))
		fprintf(stderr, "berth: warning: %s: \"graph\" is deprecated, use \"data-root\"\n", where);
	v = json_object_get(root, "mtu");
	if (v && (json_integer_value(v) < 68 || json_integer_value(v) > 65535))
		return berr_set(err, EINVAL, "%s: \"mtu\" must be between 68 and 65535", where);

	cfg->data_root = str_or_null(root, "data-root");
	if (!cfg->data_root)
		cfg->data_root = str_or_null(root, "graph");
	if (!cfg->data_root)
		cfg->data_root = xstrdup("/var/lib/berth");
	cfg->exec_root = str_or_null(root, "exec-root");
	if (!cfg->exec_root)
		cfg->exec_root = xstrdup("/run/berth");
	cfg->storage_driver = str_or_null(root, "storage-driver");
	cfg->log_driver = str_or_null(root, "log-driver");
	if (!cfg->log_driver)
		cfg->log_driver = xstrdup("json-file");
	cfg->network_driver = str_or_null(root, "network-driver");
	cfg->debug = json_is_true(json_object_get(root, "debug"));
	if (parse_exec_opts(cfg, root, where, err) < 0)
		return -EINVAL;
	if (cfg->data_root[0] != '/')
		return berr_set(err, EINVAL, "%s: \"data-root\" must be an absolute path", where);
	if (cfg->exec_root[0] != '/')
		return berr_set(err, EINVAL, "%s: \"exec-root\" must be an absolute path", where);
	cfg->root = json_incref(root);
	return 0;
}

int config_load(struct berth_config *cfg, const char *path, int path_given, berr_t *err)
{
	json_error_t jerr;
	json_t *root;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (!path)
		path = DEFAULT_CONFIG;
	if (access(path, F_OK) < 0 && !path_given) {
		root = json_object();
	} else {
		cfg->path = xstrdup(path);
		root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			if (jerr.line < 0 || access(path, R_OK) < 0)
				return berr_sys(err, errno ? errno : ENOENT, "config file %s", path);
			return berr_set(err, EINVAL, "%s: line %d, column %d: %s", path, jerr.line,
					jerr.column, jerr.text);
		}
	}
	r = config_apply(cfg, root, err);
	json_decref(root);
	return r;
}

void config_free(struct berth_config *cfg)
{
	free(cfg->path);
	free(cfg->data_root);
	free(cfg->exec_root);
	free(cfg->storage_driver);
	free(cfg->log_driver);
	free(cfg->network_driver);
	free(cfg->cgroup_driver);
	json_decref(cfg->root);
	memset(cfg, 0, sizeof(*cfg));
}

const char *config_driver_option(struct berth_config *cfg, const char *driver, const char *key)
{
	json_t *opts = json_object_get(cfg->root, "storage-opts"), *e;
	size_t i, dl = strlen(driver), kl = strlen(key);

	json_array_foreach(opts, i, e) {
		const char *s = json_string_value(e);
		if (!strncmp(s, driver, dl) && s[dl] == '.')
			s += dl + 1;
		if (!strncmp(s, key, kl) && s[kl] == '=')
			return s + kl + 1;
	}
	opts = json_object_get(cfg->root, "log-opts");
	if (cfg->log_driver && !strcmp(cfg->log_driver, driver)) {
		json_t *v = json_object_get(opts, key);
		if (json_is_string(v))
			return json_string_value(v);
	}
	return NULL;
}
