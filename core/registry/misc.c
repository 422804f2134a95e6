/* The small registry operations: login/logout, _catalog, tags/list and search. */
#include "registry/registry.h"
#include "registry/client.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <string.h>

/* "host" of a server argument ("https://h:5000/v1/" -> "h:5000"; "" or docker.io -> hub). */
static void server_host(const char *server, char *buf, size_t len)
{
	const char *p = server ? strstr(server, "://") : NULL;

	p = p ? p + 3 : server ? server : "";
	snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
	if (!buf[0] || !strcmp(buf, "index.docker.io") || !strcmp(buf, "docker.io"))
		snprintf(buf, len, "%s", DOCKER_HUB_DOMAIN);
}

int registry_login(struct berth_ctx *ctx, const char *server, const char *user, const char *pass,
		   berr_t *err)
{
	struct reg_client *c;
	struct reg_response resp;
	char host[256], key[300];
	int r;

	server_host(server, host, sizeof(host));
	registry_auth_key(host, key, sizeof(key));
	if ((r = reg_client_open(ctx, host, key, &c, err)) < 0)
		return r;
	reg_client_set_credentials(c, user, pass);
	r = reg_request(c, "GET", "/v2/", NULL, NULL, NULL, &resp, err);
	if (r == -EACCES) {         /* the token issuer refused: Docker reports it as the GET's error */
		char cause[sizeof(err->msg)];
		snprintf(cause, sizeof(cause), "%s", err->msg);
		r = berr_set(err, EACCES, "Get \"%s/v2/\": %s", c->base, cause);
	}
	if (r == 0) {
		if (resp.status != 200)
			r = berr_set(err, EACCES, "login attempt to %s/v2/ failed with status: %ld %s", c->base,
				     resp.status, resp.status == 401 ? "Unauthorized" : "");
		reg_response_free(&resp);
	}
	reg_client_free(c);
	if (r < 0)
		return r;
	return reg_store_credentials(key, user, pass, err);
}

int registry_logout(struct berth_ctx *ctx, const char *server, berr_t *err)
{
	char host[256], key[300];

	(void)ctx;
	server_host(server, host, sizeof(host));
	registry_auth_key(host, key, sizeof(key));
	return reg_erase_credentials(key, err);
}

/* GET a paged list (Link: <...>; rel="next") collecting `field` arrays. */
static int get_list(struct reg_client *c, const char *first, const char *scope, const char *field,
		    json_t *out, berr_t *err)
{
	_cleanup_free_ char *path = xstrdup(first);
	int r = 0, pages = 0;

	while (path && pages++ < 1000) {
		struct reg_response resp;
		json_t *j, *arr, *v;
		size_t i;
		char *next = NULL;

		if ((r = reg_request(c, "GET", path, scope, NULL, NULL, &resp, err)) < 0)
			return r;
		if (resp.status != 200) {
			char text[1024];
			long st = resp.status;
			reg_error_text(&resp, text, sizeof(text));
			reg_response_free(&resp);
			return berr_set(err, st == 404 ? ENOENT : EPROTO, "%s", text);
		}
		j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
		arr = json_object_get(j, field);
		json_array_foreach(arr, i, v)
			json_array_append(out, v);
		json_decref(j);
		if (resp.link) {
			const char *a = strchr(resp.link, '<'), *b = a ? strchr(a, '>') : NULL;
			if (a && b && strstr(b, "rel=\"next\""))
				next = xasprintf("%.*s", (int)(b - a - 1), a + 1);
		}
		reg_response_free(&resp);
		free(path);
		path = next;
	}
	return r;
}

int registry_catalog(struct berth_ctx *ctx, const char *server, json_t **out, berr_t *err)
{
	struct reg_client *c;
	char host[256];
	int r;

	server_host(server, host, sizeof(host));
	if ((r = reg_client_open(ctx, host, NULL, &c, err)) < 0)
		return r;
	*out = json_array();
	r = get_list(c, "/v2/_catalog?n=1000", "registry:catalog:*", "repositories", *out, err);
	reg_client_free(c);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

int registry_tags(struct berth_ctx *ctx, const char *name, json_t **out, berr_t *err)
{
	struct image_ref ref;
	struct reg_client *c;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *scope = NULL;
	int r;

	if ((r = ref_parse(name, 0, &ref, err)) < 0)
		return r;
	if ((r = reg_client_open(ctx, ref.domain, NULL, &c, err)) < 0)
		return r;
	path = xasprintf("/v2/%s/tags/list", ref.path);
	scope = xasprintf("repository:%s:pull", ref.path);
	*out = json_array();
	r = get_list(c, path, scope, "tags", *out, err);
	reg_client_free(c);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

/* GET /v1/search?q=&n= (Docker Hub's search API, also served by other indexes). A 404/405 sets
 * *missing instead of failing, so a plain registry can be searched through its catalog. */
static int v1_search(struct reg_client *c, const char *term, int limit, json_t **out, int *missing,
		     berr_t *err)
{
	struct reg_response resp;
	_cleanup_free_ char *path = NULL;
	CURL *esc = curl_easy_init();
	char *q = curl_easy_escape(esc, term, 0);
	json_t *j;
	int r;

	path = xasprintf("/v1/search?q=%s&n=%d", q, limit);
	curl_free(q);
	curl_easy_cleanup(esc);
	*out = NULL;
	r = reg_request(c, "GET", path, NULL, NULL, NULL, &resp, err);
	if (r < 0)
		return r;
	if (missing && (resp.status == 404 || resp.status == 405)) {
		reg_response_free(&resp);
		*missing = 1;
		return 0;
	}
	if (resp.status != 200) {
		long st = resp.status;
		reg_response_free(&resp);
		return berr_set(err, EPROTO, "Unexpected status code %ld", st);
	}
	j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	reg_response_free(&resp);
	*out = json_incref(json_object_get(j, "results"));
	json_decref(j);
	if (!json_is_array(*out)) {
		json_decref(*out);
		*out = json_array();
	}
	return 0;
}

static int hub_search(struct berth_ctx *ctx, const char *term, int limit, json_t **out, berr_t *err)
{
	struct reg_client *c;
	int r;

	if ((r = reg_client_open(ctx, "index.docker.io", DOCKER_HUB_AUTH_KEY, &c, err)) < 0)
		return r;
	snprintf(c->base, sizeof(c->base), "https://index.docker.io");
	c->pinged = 1;
	r = v1_search(c, term, limit, out, NULL, err);
	reg_client_free(c);
	return r;
}

int registry_search(struct berth_ctx *ctx, const char *term, int limit, json_t **out, berr_t *err)
{
	const char *slash = strchr(term, '/');
	char host[256];
	json_t *all, *v;
	size_t i;
	int r;

	if (limit <= 0)
		limit = 25;
	/* "host:5000/word" searches that registry; anything else asks Docker Hub */
	if (!slash || (!memchr(term, '.', slash - term) && !memchr(term, ':', slash - term) &&
		       strncmp(term, "localhost/", 10)))
		return hub_search(ctx, term, limit, out, err);
	snprintf(host, sizeof(host), "%.*s", (int)(slash - term), term);
	if (!strcmp(host, "docker.io") || !strcmp(host, "index.docker.io"))
		return hub_search(ctx, slash + 1, limit, out, err);
	/* the index's own search API first, as Docker asks it; a registry without one (404) is
	 * searched through its catalog */
	{
		struct reg_client *c;
		int missing = 0;

		if ((r = reg_client_open(ctx, host, NULL, &c, err)) < 0)
			return r;
		r = v1_search(c, slash + 1, limit, out, &missing, err);
		reg_client_free(c);
		if (r < 0 || !missing)
			return r;
	}
	if ((r = registry_catalog(ctx, host, &all, err)) < 0)
		return r;
	*out = json_array();
	json_array_foreach(all, i, v) {
		const char *name = json_string_value(v);
		if (!name || !strstr(name, slash + 1))
			continue;
		if ((int)json_array_size(*out) >= limit)
			break;
		json_array_append_new(*out, json_pack("{s:s++,s:s,s:i,s:b,s:b}", "name", host, "/", name,
						      "description", "", "star_count", 0,
						      "is_official", 0, "is_automated", 0));
	}
	json_decref(all);
	return 0;
}
