/* The registry HTTP client (libcurl): endpoint choice (TLS, insecure fallback, per-host certs),
 * authentication (Basic, Bearer tokens cached per scope) and requests with the v2 error decoding.
 * Internal to core/registry. */
#ifndef BERTH_REGISTRY_CLIENT_H
#define BERTH_REGISTRY_CLIENT_H

#include <stdint.h>
#include <sys/types.h>
#include <curl/curl.h>
#include "ctx.h"

#define DOCKER_HUB_DOMAIN "docker.io"
#define DOCKER_HUB_HOST "registry-1.docker.io"
#define DOCKER_HUB_AUTH_KEY "https://index.docker.io/v1/"

/* A parsed WWW-Authenticate challenge. */
struct reg_challenge {
	char scheme[16];             /* "Basic" or "Bearer" */
	char realm[512];
	char service[256];
	char scope[512];
	char error[64];
};
/* Parse the first challenge of a WWW-Authenticate value; -EINVAL if it has no scheme. */
int reg_parse_challenge(const char *value, struct reg_challenge *ch);

/* Credentials for host from $BERTH_CONFIG_DIR/config.json (or ~/.berth/config.json), falling
 * back to Docker's config.json. 0 and malloc'd user/pass, or -ENOENT. */
int reg_credentials(const char *host_key, char **user, char **pass);
/* Write/remove credentials under key in berth's user config (mode 0600). Erase returns 1 if some
 * were removed. */
int reg_store_credentials(const char *key, const char *user, const char *pass, berr_t *err);
int reg_erase_credentials(const char *key, berr_t *err);
/* Path of berth's user config file (malloc'd). */
char *reg_user_config_path(void);
/* Path of Docker's: $DOCKER_CONFIG/config.json, else ~/.docker/config.json (malloc'd). */
char *reg_docker_config_path(void);
/* A top-level string setting of the user config (detachKeys, psFormat, imagesFormat): berth's
 * file if it has the key, else Docker's; malloc'd, or NULL. */
char *reg_user_setting(const char *key);

struct reg_token {
	char *scope;
	char *header;                /* "Authorization: Bearer ..." */
	int64_t expires;             /* unix seconds */
};

struct reg_client {
	struct berth_ctx *ctx;
	char host[256];              /* "127.0.0.1:5000", "registry-1.docker.io" */
	char base[300];              /* "https://host" once the endpoint is known */
	int insecure;                /* skip TLS verification, allow plain HTTP */
	int pinged;
	char *user, *pass;
	char *ca_pem;                /* extra CAs from certs.d, concatenated */
	char *client_cert, *client_key;
	struct reg_challenge challenge; /* last challenge seen (from the ping) */
	struct reg_token tokens[16];
	int ntokens;
	char *basic_header;
};

struct reg_response {
	long status;
	char *body;
	size_t len;
	char *content_type;
	char *location;              /* absolute URL */
	char *docker_digest;
	char *www_authenticate;
	char *link;
	char *final_url;
	long retry_after;            /* seconds from Retry-After (0 if absent or a date) */
};
void reg_response_free(struct reg_response *r);

/* A request body: memory, or a file region streamed with pread. */
struct reg_body {
	const void *data;
	size_t len;
	int fd;                      /* >= 0: stream [off, off+len) from fd */
	int64_t off;
	const char *content_type;
	/* upload progress: called with bytes sent so far */
	void (*progress)(void *arg, int64_t sent);
	void *arg;
	/* or (fd < 0, data NULL) a stream of unknown length, sent chunked: read returns > 0 bytes,
	 * 0 at the end, < 0 to abort. A streamed request is not repeated after a 401. */
	ssize_t (*read)(void *arg, void *buf, size_t len);
	void *read_arg;
};

/* Create a client for a registry host (docker.io maps to registry-1.docker.io). cred_key is the
 * auths key to look credentials up under (NULL = derived from host). */
int reg_client_open(struct berth_ctx *ctx, const char *host, const char *cred_key,
		    struct reg_client **out, berr_t *err);
/* A client with an explicit base URL (a mirror). */
int reg_client_open_url(struct berth_ctx *ctx, const char *url, struct reg_client **out, berr_t *err);
void reg_client_free(struct reg_client *c);
/* An independent copy (endpoint, credentials, cached tokens) for another thread: a client is not
 * to be shared between threads. */
struct reg_client *reg_client_dup(const struct reg_client *c);
/* Use these credentials instead of the stored ones (login). */
void reg_client_set_credentials(struct reg_client *c, const char *user, const char *pass);
/* GET /v2/ choosing https or (insecure hosts) http; fills c->base and c->challenge. */
int reg_ping(struct reg_client *c, berr_t *err);
/* One request with authentication: path is "/v2/..." or an absolute URL. scope is the token
 * scope needed ("repository:x:pull"), or NULL. Extra headers may be NULL. The response status
 * is returned in resp; transport failures are errors, HTTP statuses are not. */
int reg_request(struct reg_client *c, const char *method, const char *path, const char *scope,
		struct curl_slist *headers, const struct reg_body *body, struct reg_response *resp,
		berr_t *err);
/* Apply TLS, timeouts and the current Authorization for scope to an easy handle (for transfers
 * run through a multi handle). Returns the header list to free after the transfer. */
struct curl_slist *reg_setup_easy(struct reg_client *c, CURL *h, const char *scope);
/* Make sure a valid token for scope is cached (one authenticated request if needed). */
int reg_authorize(struct reg_client *c, const char *scope, berr_t *err);
/* Turn a non-2xx response into a message: "<code lowercase with spaces>: <message>" joined by
 * ", " as Docker's errcode does (e.g. "manifest unknown: manifest unknown"). */
void reg_error_text(const struct reg_response *r, char *buf, size_t len);
/* Absolute URL for a path or Location value. */
char *reg_url(struct reg_client *c, const char *path_or_url);

#endif
