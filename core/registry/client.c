/* The registry HTTP client: endpoint (https, or http for insecure hosts), TLS material from
 * /etc/berth/certs.d, and requests that answer a 401 challenge once (Basic or a Bearer token,
 * cached per scope until it expires). */
#include "registry/client.h"
#include "registry/registry.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/evp.h>

#define CERTS_DIR "/etc/berth/certs.d"
#define USER_AGENT "berth/0.1 (docker-compatible)"

void reg_response_free(struct reg_response *r)
{
	free(r->body);
	free(r->content_type);
	free(r->location);
	free(r->docker_digest);
	free(r->www_authenticate);
	free(r->link);
	free(r->final_url);
	memset(r, 0, sizeof(*r));
}

/* 1 if ip (dotted quad) is inside cidr "a.b.c.d/n". */
static int ipv4_in_cidr(const char *ip, const char *cidr)
{
	char net[64];
	const char *slash = strchr(cidr, '/');
	struct in_addr a, b;
	int bits;
	uint32_t mask;

	if (!slash || (size_t)(slash - cidr) >= sizeof(net))
		return 0;
	snprintf(net, sizeof(net), "%.*s", (int)(slash - cidr), cidr);
	bits = atoi(slash + 1);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, ip, &a) != 1 || inet_pton(AF_INET, net, &b) != 1)
		return 0;
	mask = bits ? htonl(~0u << (32 - bits)) : 0;
	return (a.s_addr & mask) == (b.s_addr & mask);
}

/* daemon.json insecure-registries (host[:port] or CIDR), plus loopback which is always insecure. */
static int host_is_insecure(struct berth_ctx *ctx, const char *host)
{
	char name[256];
	json_t *list, *v;
	size_t i;

	snprintf(name, sizeof(name), "%s", host);
	if (name[0] == '[') {           /* [::1]:5000 */
		char *e = strchr(name, ']');
		if (e)
			*e = '\0';
		memmove(name, name + 1, strlen(name));
	} else {
		char *colon = strchr(name, ':');
		if (colon)
			*colon = '\0';
	}
	if (!strcmp(name, "localhost") || !strcmp(name, "::1") || ipv4_in_cidr(name, "127.0.0.0/8"))
		return 1;
	list = ctx && ctx->cfg.root ? json_object_get(ctx->cfg.root, "insecure-registries") : NULL;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if (strstr(s, "://"))
			s = strstr(s, "://") + 3;
		if (!strcmp(s, host) || !strcmp(s, name) || ipv4_in_cidr(name, s))
			return 1;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* CAs (*.crt, concatenated) and a client pair (*.cert + *.key) from certs.d/<host>/. */
static void load_certs(struct reg_client *c)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", getenv("BERTH_CERTS_DIR") ? getenv("BERTH_CERTS_DIR") : CERTS_DIR, c->host);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, e->d_name);
		if (ends_with(e->d_name, ".crt")) {
			char *pem = NULL;
			size_t len;
			berr_t err;
			if (read_file(p, &pem, &len, &err) == 0) {
				char *all = xasprintf("%s%s\n", c->ca_pem ? c->ca_pem : "", pem);
				free(c->ca_pem);
				c->ca_pem = all;
				free(pem);
			}
		} else if (ends_with(e->d_name, ".cert")) {
			free(c->client_cert);
			c->client_cert = steal_ptr(p);
		} else if (ends_with(e->d_name, ".key")) {
			free(c->client_key);
			c->client_key = steal_ptr(p);
		}
	}
}

int reg_client_open(struct berth_ctx *ctx, const char *host, const char *cred_key,
		    struct reg_client **out, berr_t *err)
{
	struct reg_client *c;
	char key[300];

	(void)err;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	if (!strcmp(host, DOCKER_HUB_DOMAIN) || !strcmp(host, "index.docker.io"))
		host = DOCKER_HUB_HOST;
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->insecure = host_is_insecure(ctx, host);
	load_certs(c);
	registry_auth_key(cred_key ? cred_key : host, key, sizeof(key));
	reg_credentials(key, &c->user, &c->pass);
	*out = c;
	return 0;
}

int reg_client_open_url(struct berth_ctx *ctx, const char *url, struct reg_client **out, berr_t *err)
{
	const char *p = strstr(url, "://");
	char host[256];
	int r;

	snprintf(host, sizeof(host), "%.*s", (int)strcspn(p ? p + 3 : url, "/"), p ? p + 3 : url);
	if ((r = reg_client_open(ctx, host, DOCKER_HUB_AUTH_KEY, out, err)) < 0)
		return r;
	if (p && !strncmp(url, "http://", 7))
		snprintf((*out)->base, sizeof((*out)->base), "http://%s", host);
	return 0;
}

void reg_client_free(struct reg_client *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->ntokens; i++) {
		free(c->tokens[i].scope);
		free(c->tokens[i].header);
	}
	free(c->user);
	free(c->pass);
	free(c->ca_pem);
	free(c->client_cert);
	free(c->client_key);
	free(c->basic_header);
	free(c);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct reg_client *reg_client_dup(const struct reg_client *c)
{
	struct reg_client *d = xmalloc(sizeof(*d));

	*d = *c;
	d->user = dup_or_null(c->user);
	d->pass = dup_or_null(c->pass);
	d->ca_pem = dup_or_null(c->ca_pem);
	d->client_cert = dup_or_null(c->client_cert);
	d->client_key = dup_or_null(c->client_key);
	d->basic_header = dup_or_null(c->basic_header);
	for (int i = 0; i < c->ntokens; i++) {
		d->tokens[i].scope = dup_or_null(c->tokens[i].scope);
		d->tokens[i].header = dup_or_null(c->tokens[i].header);
	}
	return d;
}

void reg_client_set_credentials(struct reg_client *c, const char *user, const char *pass)
{
	free(c->user);
	free(c->pass);
	c->user = user ? xstrdup(user) : NULL;
	c->pass = pass ? xstrdup(pass) : NULL;
	free(c->basic_header);
	c->basic_header = NULL;
	for (int i = 0; i < c->ntokens; i++) {
		free(c->tokens[i].scope);
		free(c->tokens[i].header);
	}
	c->ntokens = 0;
}

static const char *basic_header(struct reg_client *c)
{
	if (!c->basic_header && c->user) {
		_cleanup_free_ char *plain = xasprintf("%s:%s", c->user, c->pass ? c->pass : "");
		_cleanup_free_ char *b64 = xmalloc(4 * ((strlen(plain) + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)strlen(plain));
		c->basic_header = xasprintf("Authorization: Basic %s", b64);
	}
	return c->basic_header;
}

static const char *cached_auth(struct reg_client *c, const char *scope)
{
	int64_t now = time(NULL);

	if (!strcmp(c->challenge.scheme, "Basic"))
		return basic_header(c);
	for (int i = 0; i < c->ntokens; i++)
		if (!strcmp(c->tokens[i].scope, scope ? scope : "") && c->tokens[i].expires > now)
			return c->tokens[i].header;
	return NULL;
}

char *reg_url(struct reg_client *c, const char *p)
{
	if (!strncmp(p, "http://", 7) || !strncmp(p, "https://", 8))
		return xstrdup(p);
	return xasprintf("%s%s%s", c->base, p[0] == '/' ? "" : "/", p);
}

struct xfer {
	struct reg_response *resp;
	size_t cap;
	const struct reg_body *body;
	int64_t sent;
};

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct reg_response *r = x->resp;
	size_t len = size * n, k;
	char **slot = NULL;
	const char *v;

	if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {
		/* a new response (after a redirect or 100-continue): forget the previous headers */
		free(r->content_type); free(r->location); free(r->docker_digest);
		free(r->www_authenticate); free(r->link);
		r->content_type = r->location = r->docker_digest = r->www_authenticate = r->link = NULL;
		r->len = 0;
		r->retry_after = 0;
		return len;
	}
	k = strcspn(buf, ":");
	if (k >= len)
		return len;
	if (k == 11 && !strncasecmp(buf, "retry-after", k)) {
		r->retry_after = strtol(buf + k + 1, NULL, 10);
		return len;
	}
	if (k == 12 && !strncasecmp(buf, "content-type", k))
		slot = &r->content_type;
	else if (k == 8 && !strncasecmp(buf, "location", k))
		slot = &r->location;
	else if (k == 21 && !strncasecmp(buf, "docker-content-digest", k))
		slot = &r->docker_digest;
	else if (k == 16 && !strncasecmp(buf, "www-authenticate", k))
		slot = &r->www_authenticate;
	else if (k == 4 && !strncasecmp(buf, "link", k))
		slot = &r->link;
	if (!slot)
		return len;
	v = buf + k + 1;
	while (v < buf + len && (*v == ' ' || *v == '\t'))
		v++;
	size_t vl = buf + len - v;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	free(*slot);
	*slot = xmalloc(vl + 1);
	memcpy(*slot, v, vl);
	(*slot)[vl] = '\0';
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct reg_response *r = x->resp;
	size_t len = size * n;

	if (r->len + len + 1 > x->cap) {
		x->cap = (r->len + len + 1) * 2;
		r->body = realloc(r->body, x->cap);
		if (!r->body)
			return 0;
	}
	memcpy(r->body + r->len, buf, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	const struct reg_body *b = x->body;
	size_t want = size * n;
	ssize_t got;

	if (b->read) {
		got = b->read(b->read_arg, buf, want);
		if (got < 0)
			return CURL_READFUNC_ABORT;
		x->sent += got;
		return got;
	}
	if ((int64_t)want > (int64_t)b->len - x->sent)
		want = b->len - x->sent;
	if (want == 0)
		return 0;
	got = pread(b->fd, buf, want, b->off + x->sent);
	if (got < 0)
		return CURL_READFUNC_ABORT;
	x->sent += got;
	if (b->progress)
		b->progress(b->arg, x->sent);
	return got;
}

/* Seconds a registry may stay silent (connect, or no byte received) before a request fails:
 * 30 by default, $BERTH_REGISTRY_TIMEOUT overrides it (tests use ~2). */
static long reg_timeout(void)
{
	const char *e = getenv("BERTH_REGISTRY_TIMEOUT");
	char *end;
	long v;

	if (e && *e) {
		v = strtol(e, &end, 10);
		if (!*end && v > 0)
			return v;
	}
	return 30;
}

static void apply_tls(struct reg_client *c, CURL *h)
{
	long t = reg_timeout();

	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->ca_pem) {
		struct curl_blob blob = { c->ca_pem, strlen(c->ca_pem), CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->client_cert && c->client_key) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
	}
}

struct curl_slist *reg_setup_easy(struct reg_client *c, CURL *h, const char *scope)
{
	struct curl_slist *hdrs = NULL;
	const char *auth = cached_auth(c, scope);

	apply_tls(c, h);
	if (auth)
		hdrs = curl_slist_append(hdrs, auth);
	/* custom Authorization headers are not sent to another host on redirect (curl >= 7.58) */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	return hdrs;
}

static int method_word(const char *method, char *buf, size_t len)
{
	/* Go's error style: Get, Head, Post, Put, Patch */
	snprintf(buf, len, "%c", method[0]);
	for (size_t i = 1; method[i] && i + 1 < len; i++) {
		buf[i] = tolower((unsigned char)method[i]);
		buf[i + 1] = '\0';
	}
	return 0;
}

/* One HTTP exchange, no auth logic. */
static int perform(struct reg_client *c, const char *method, const char *url,
		   struct curl_slist *extra, const char *auth, const struct reg_body *body,
		   struct reg_response *resp, berr_t *err)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = NULL, *e;
	struct xfer x = { .resp = resp, .body = body };
	char errbuf[CURL_ERROR_SIZE] = "";
	_cleanup_free_ char *ctype = NULL;
	CURLcode cc;
	char *eff = NULL;

	if (!h)
		return berr_set(err, ENOMEM, "curl init");
	memset(resp, 0, sizeof(*resp));
	apply_tls(c, h);
	for (e = extra; e; e = e->next)
		hdrs = curl_slist_append(hdrs, e->data);
	if (auth)
		hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (body && body->content_type) {
		ctype = xasprintf("Content-Type: %s", body->content_type);
		hdrs = curl_slist_append(hdrs, ctype);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (body && (body->fd >= 0 || body->read)) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &x);
		/* no size: curl sends the stream with Transfer-Encoding: chunked */
		if (!body->read)
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->len);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body && body->data ? body->data : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body->len : 0));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
		resp->final_url = xstrdup(eff);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK) {
		char m[16];
		method_word(method, m, sizeof(m));
		reg_response_free(resp);
		return berr_set(err, ECONNREFUSED, "%s \"%s\": %s", m, url,
				errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	if (resp->location && resp->location[0] == '/') {
		char *abs = reg_url(c, resp->location);
		free(resp->location);
		resp->location = abs;
	}
	return 0;
}

int reg_ping(struct reg_client *c, berr_t *err)
{
	struct reg_response resp;
	char url[400];
	int r;

	if (c->pinged)
		return 0;
	if (!c->base[0])
		snprintf(c->base, sizeof(c->base), "https://%s", c->host);
	snprintf(url, sizeof(url), "%s/v2/", c->base);
	r = perform(c, "GET", url, NULL, NULL, NULL, &resp, err);
	if (r < 0 && c->insecure && !strncmp(c->base, "https://", 8)) {
		snprintf(c->base, sizeof(c->base), "http://%s", c->host);
		snprintf(url, sizeof(url), "%s/v2/", c->base);
		r = perform(c, "GET", url, NULL, NULL, NULL, &resp, err);
	}
	if (r < 0) {
		return r;
	}
	if (resp.status == 401 && resp.www_authenticate)
		reg_parse_challenge(resp.www_authenticate, &c->challenge);
	reg_response_free(&resp);
	c->pinged = 1;
	return 0;
}

/* Fetch a Bearer token for scope from the challenge's realm; cache it under key. */
static int fetch_token(struct reg_client *c, const struct reg_challenge *ch, const char *scope,
		       const char *key, berr_t *err)
{
	struct reg_response resp;
	_cleanup_free_ char *url = NULL;
	CURL *esc = curl_easy_init();
	char *svc = curl_easy_escape(esc, ch->service, 0);
	json_t *j;
	const char *tok;
	json_int_t expires;
	struct reg_token *t;
	int r;

	url = xasprintf("%s%sservice=%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?", svc);
	curl_free(svc);
	/* several scopes (space-separated) become repeated scope parameters, as Docker sends them */
	for (const char *s = scope ? scope : ""; *s;) {
		size_t n = strcspn(s, " ");
		if (n) {
			char *one = curl_easy_escape(esc, s, (int)n);
			char *longer = xasprintf("%s&scope=%s", url, one);
			curl_free(one);
			free(url);
			url = longer;
		}
		s += n + (s[n] == ' ');
	}
	curl_easy_cleanup(esc);
	r = perform(c, "GET", url, NULL, basic_header(c), NULL, &resp, err);
	if (r < 0)
		return berr_wrap(err, "get token");
	if (resp.status == 401 || resp.status == 403) {
		/* the issuer's own words, as Docker shows them: {"details": ...} or {"errors": [...]} */
		json_t *e = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
		const char *details = json_string_value(json_object_get(e, "details"));
		char text[600];
		if (details && *details)
			snprintf(text, sizeof(text), "unauthorized: %s", details);
		else if (json_is_array(json_object_get(e, "errors")))
			reg_error_text(&resp, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s", c->user ? "unauthorized: incorrect username or password"
								   : "unauthorized: authentication required");
		json_decref(e);
		reg_response_free(&resp);
		return berr_set(err, EACCES, "%s", text);
	}
	if (resp.status != 200) {
		long st = resp.status;
		reg_response_free(&resp);
		return berr_set(err, EACCES, "token server %s answered %ld", ch->realm, st);
	}
	j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	reg_response_free(&resp);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok) {
		json_decref(j);
		return berr_set(err, EPROTO, "token server %s sent no token", ch->realm);
	}
	expires = json_integer_value(json_object_get(j, "expires_in"));
	if (expires < 60)
		expires = 60;
	/* replace an entry for the same scope, else take a free slot (or the oldest) */
	t = NULL;
	for (int i = 0; i < c->ntokens; i++)
		if (!strcmp(c->tokens[i].scope, key ? key : ""))
			t = &c->tokens[i];
	if (!t) {
		if (c->ntokens == (int)(sizeof(c->tokens) / sizeof(c->tokens[0]))) {
			free(c->tokens[0].scope);
			free(c->tokens[0].header);
			memmove(&c->tokens[0], &c->tokens[1], sizeof(c->tokens[0]) * (c->ntokens - 1));
			c->ntokens--;
		}
		t = &c->tokens[c->ntokens++];
		t->scope = xstrdup(key ? key : "");
	} else {
		free(t->header);
	}
	t->header = xasprintf("Authorization: Bearer %s", tok);
	t->expires = time(NULL) + expires - 5;
	json_decref(j);
	return 0;
}

static int request_once(struct reg_client *c, const char *method, const char *path, const char *scope,
			struct curl_slist *headers, const struct reg_body *body, struct reg_response *resp,
			berr_t *err);

int reg_request(struct reg_client *c, const char *method, const char *path, const char *scope,
		struct curl_slist *headers, const struct reg_body *body, struct reg_response *resp,
		berr_t *err)
{
	/* 429 Too Many Requests: wait as Retry-After says (bounded to a minute, 2 s without one)
	 * and ask again, at most twice; then the caller reports the registry's "toomanyrequests" */
	for (int attempt = 1;; attempt++) {
		int r = request_once(c, method, path, scope, headers, body, resp, err);
		long wait;
		if (r < 0 || resp->status != 429 || attempt == 3)
			return r;
		wait = resp->retry_after > 0 ? resp->retry_after : 2;
		reg_response_free(resp);
		sleep(wait > 60 ? 60 : (unsigned)wait);
	}
}

static int request_once(struct reg_client *c, const char *method, const char *path, const char *scope,
			struct curl_slist *headers, const struct reg_body *body, struct reg_response *resp,
			berr_t *err)
{
	_cleanup_free_ char *url = NULL;
	struct reg_challenge ch;
	int r;

	if ((r = reg_ping(c, err)) < 0)
		return r;
	url = reg_url(c, path);
	if ((r = perform(c, method, url, headers, cached_auth(c, scope), body, resp, err)) < 0)
		return r;
	if (resp->status != 401 || !resp->www_authenticate)
		return 0;
	if (reg_parse_challenge(resp->www_authenticate, &ch) < 0)
		return 0;
	if (!strcmp(ch.scheme, "Bearer")) {
		c->challenge = ch;
		/* with no scope of our own, ask for the one the server named */
		if ((r = fetch_token(c, &ch, scope ? scope : ch.scope, scope, err)) < 0) {
			reg_response_free(resp);
			return r;
		}
	} else if (!strcmp(ch.scheme, "Basic")) {
		c->challenge = ch;
		if (!c->user)
			return 0;           /* the caller reports the 401 */
	} else {
		return 0;
	}
	if (body && body->read)
		return 0;                   /* a stream cannot be sent twice: the caller reports the 401 */
	reg_response_free(resp);
	return perform(c, method, url, headers, cached_auth(c, scope), body, resp, err);
}

int reg_authorize(struct reg_client *c, const char *scope, berr_t *err)
{
	int r;

	if ((r = reg_ping(c, err)) < 0)
		return r;
	if (cached_auth(c, scope) || !c->challenge.scheme[0])
		return 0;
	if (!strcmp(c->challenge.scheme, "Bearer"))
		return fetch_token(c, &c->challenge, scope, scope, err);
	return 0;
}

void reg_error_text(const struct reg_response *r, char *buf, size_t len)
{
	json_t *j = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *errs = json_object_get(j, "errors"), *e;
	size_t i, n = 0;

	buf[0] = '\0';
	/* a Bearer challenge's RFC 6750 error says more than the body (Docker reads it first) */
	if ((r->status == 401 || r->status == 403) && r->www_authenticate) {
		struct reg_challenge ch;
		if (reg_parse_challenge(r->www_authenticate, &ch) == 0 && !strcmp(ch.scheme, "Bearer")) {
			if (!strcmp(ch.error, "insufficient_scope")) {
				snprintf(buf, len, "denied: requested access to the resource is denied");
				json_decref(j);
				return;
			}
			if (!strcmp(ch.error, "invalid_token")) {
				snprintf(buf, len, "unauthorized: authentication required");
				json_decref(j);
				return;
			}
		}
	}
	json_array_foreach(errs, i, e) {
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		char lc[64] = "";
		size_t k;
		for (k = 0; code && code[k] && k < sizeof(lc) - 1; k++)
			lc[k] = code[k] == '_' ? ' ' : tolower((unsigned char)code[k]);
		lc[k] = '\0';
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s: %s", i ? ", " : "",
			      lc[0] ? lc : "unknown", msg ? msg : "");
		if (n >= len)
			break;
	}
	if (!buf[0]) {
		if (r->status == 401)
			snprintf(buf, len, "unauthorized: authentication required");
		else
			snprintf(buf, len, "unexpected HTTP status %ld", r->status);
	}
	json_decref(j);
}
