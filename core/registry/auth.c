/* Registry authentication pieces that need no network: WWW-Authenticate parsing and the
 * credentials files (berth's own, then Docker's), in Docker's `auths` format. */
#include "registry/client.h"
#include "registry/registry.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/evp.h>

static void copy_field(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int reg_parse_challenge(const char *v, struct reg_challenge *ch)
{
	const char *p = v;
	size_t n;

	memset(ch, 0, sizeof(*ch));
	if (!v)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	n = strcspn(p, " \t");
	if (n == 0)
		return -EINVAL;
	copy_field(ch->scheme, sizeof(ch->scheme), p, n);
	/* normalise the scheme's case: "bearer" -> "Bearer" */
	for (char *s = ch->scheme; *s; s++)
		*s = s == ch->scheme ? toupper((unsigned char)*s) : tolower((unsigned char)*s);
	p += n;
	/* auth-params: key=value or key="quoted, with \" escapes", separated by commas */
	for (;;) {
		char key[32], val[512];
		size_t k = 0, vl = 0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		while (*p && *p != '=' && *p != ',' && *p != ' ' && k < sizeof(key) - 1)
			key[k++] = tolower((unsigned char)*p++);
		key[k] = '\0';
		while (*p == ' ')
			p++;
		if (*p != '=') {
			/* a second challenge ("Basic realm=x, Bearer ...") or junk: stop at the first */
			break;
		}
		p++;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (vl < sizeof(val) - 1)
					val[vl++] = *p;
				p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',' && *p != ' ') {
				if (vl < sizeof(val) - 1)
					val[vl++] = *p;
				p++;
			}
		}
		val[vl] = '\0';
		if (!strcmp(key, "realm"))
			copy_field(ch->realm, sizeof(ch->realm), val, vl);
		else if (!strcmp(key, "service"))
			copy_field(ch->service, sizeof(ch->service), val, vl);
		else if (!strcmp(key, "scope"))
			copy_field(ch->scope, sizeof(ch->scope), val, vl);
		else if (!strcmp(key, "error"))
			copy_field(ch->error, sizeof(ch->error), val, vl);
	}
	return 0;
}

char *reg_user_config_path(void)
{
	const char *d = getenv("BERTH_CONFIG_DIR");
	const char *home = getenv("HOME");

	if (d && *d)
		return xasprintf("%s/config.json", d);
	return xasprintf("%s/.berth/config.json", home && *home ? home : "/root");
}

char *reg_docker_config_path(void)
{
	const char *d = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");

	if (d && *d)
		return xasprintf("%s/config.json", d);
	return xasprintf("%s/.docker/config.json", home && *home ? home : "/root");
}

/* "https://host:5000/v1/" -> "host:5000" for comparing auths keys. */
static void key_host(const char *key, char *buf, size_t len)
{
	const char *p = strstr(key, "://");

	p = p ? p + 3 : key;
	snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
}

void registry_auth_key(const char *server, char *buf, size_t len)
{
	char h[256];

	key_host(server, h, sizeof(h));
	if (!strcmp(h, "docker.io") || !strcmp(h, "index.docker.io") ||
	    !strcmp(h, "registry-1.docker.io") || !h[0])
		snprintf(buf, len, "%s", DOCKER_HUB_AUTH_KEY);
	else
		snprintf(buf, len, "%s", h);
}

static int creds_from_file(const char *path, const char *want, char **user, char **pass)
{
	json_t *root, *auths, *entry;
	const char *key;
	int r = -ENOENT;

	root = json_load_file(path, 0, NULL);
	if (!root)
		return -ENOENT;
	auths = json_object_get(root, "auths");
	json_object_foreach(auths, key, entry) {
		char h[256], w[256];
		const char *a = json_string_value(json_object_get(entry, "auth"));
		unsigned char dec[1024];
		int n;
		char *colon;

		key_host(key, h, sizeof(h));
		key_host(want, w, sizeof(w));
		if (strcmp(h, w) || !a || strlen(a) > 1300)
			continue;
		n = EVP_DecodeBlock(dec, (const unsigned char *)a, (int)strlen(a));
		if (n < 0)
			continue;
		/* EVP_DecodeBlock counts padding as zero bytes: trim them */
		while (n > 0 && dec[n - 1] == '\0')
			n--;
		dec[n] = '\0';
		colon = strchr((char *)dec, ':');
		if (!colon)
			continue;
		*colon = '\0';
		*user = xstrdup((char *)dec);
		*pass = xstrdup(colon + 1);
		r = 0;
		break;
	}
	json_decref(root);
	return r;
}

/* A top-level string of config.json: berth's file first, then Docker's, as for credentials. */
char *reg_user_setting(const char *key)
{
	_cleanup_free_ char *own = reg_user_config_path();
	_cleanup_free_ char *docker = reg_docker_config_path();
	const char *paths[2] = { own, docker };

	for (int i = 0; i < 2; i++) {
		json_t *root = json_load_file(paths[i], 0, NULL);
		const char *v = json_string_value(json_object_get(root, key));
		char *r = v ? xstrdup(v) : NULL;
		json_decref(root);
		if (r)
			return r;
	}
	return NULL;
}

int reg_credentials(const char *host_key, char **user, char **pass)
{
	_cleanup_free_ char *own = reg_user_config_path();
	_cleanup_free_ char *docker = reg_docker_config_path();

	*user = *pass = NULL;
	if (creds_from_file(own, host_key, user, pass) == 0)
		return 0;
	return creds_from_file(docker, host_key, user, pass);
}

static int save_config(json_t *root, berr_t *err)
{
	_cleanup_free_ char *path = reg_user_config_path();
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_free_ char *text = NULL;
	int r;

	*strrchr(dir, '/') = '\0';
	if ((r = mkdir_p(dir, 0700, err)) < 0)
		return r;
	text = json_dumps(root, JSON_INDENT(8) | JSON_PRESERVE_ORDER);
	if (!text)
		return berr_set(err, ENOMEM, "encode %s", path);
	r = write_file_atomic(path, text, strlen(text), 0600, err);
	if (r < 0)
		return berr_wrap(err, "save credentials");
	return 0;
}

int reg_store_credentials(const char *key, const char *user, const char *pass, berr_t *err)
{
	_cleanup_free_ char *path = reg_user_config_path();
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass);
	_cleanup_free_ char *b64 = xmalloc(4 * ((strlen(plain) + 2) / 3) + 1);
	json_t *root, *auths;
	int r;

	root = json_load_file(path, JSON_PRESERVE_ORDER, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		root = json_object();
	}
	auths = json_object_get(root, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(root, "auths", auths);
	}
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, (int)strlen(plain));
	json_object_set_new(auths, key, json_pack("{s:s}", "auth", b64));
	r = save_config(root, err);
	json_decref(root);
	return r;
}

int reg_erase_credentials(const char *key, berr_t *err)
{
	_cleanup_free_ char *path = reg_user_config_path();
	json_t *root, *auths;
	const char *k;
	json_t *v;
	void *tmp;
	int found = 0, r;

	root = json_load_file(path, JSON_PRESERVE_ORDER, NULL);
	if (!root)
		return 0;
	auths = json_object_get(root, "auths");
	json_object_foreach_safe(auths, tmp, k, v) {
		char a[256], b[256];
		key_host(k, a, sizeof(a));
		key_host(key, b, sizeof(b));
		if (!strcmp(a, b)) {
			json_object_del(auths, k);
			found = 1;
		}
	}
	(void)v;
	r = found ? save_config(root, err) : 0;
	json_decref(root);
	return r < 0 ? r : found;
}
