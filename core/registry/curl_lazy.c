/* libcurl, loaded on first use. Linked normally, libcurl and its ~35 dependencies (TLS, GSSAPI,
 * LDAP, SSH, IDN, brotli ...) cost every berth command ~6 ms of dynamic loading, though only
 * the registry commands ever call it. These definitions of the curl functions the core uses
 * dlopen libcurl once and forward to it; berth is linked without -lcurl. */
#define CURL_DISABLE_TYPECHECK 1   /* curl.h would turn curl_easy_setopt into a macro */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
} lib;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "berth: cannot load libcurl: %s\n", dlerror());
		return;
	}
#define SYM(field, name) if (!(*(void **)&lib.field = dlsym(h, name))) return
	SYM(global_init, "curl_global_init");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(easy_escape, "curl_easy_escape");
	SYM(free, "curl_free");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
	SYM(multi_init, "curl_multi_init");
	SYM(multi_add_handle, "curl_multi_add_handle");
	SYM(multi_remove_handle, "curl_multi_remove_handle");
	SYM(multi_perform, "curl_multi_perform");
	SYM(multi_poll, "curl_multi_poll");
	SYM(multi_info_read, "curl_multi_info_read");
	SYM(multi_cleanup, "curl_multi_cleanup");
#undef SYM
	loaded = 1;
}

static int ready(void)
{
	pthread_once(&once, load);
	return loaded;
}

CURLcode curl_global_init(long flags)
{
	return ready() ? lib.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return ready() ? lib.easy_init() : NULL;
}

/* The one argument is a long, an object or function pointer, a curl_off_t or a blob pointer,
 * told apart by the option's number range, as curl itself does. */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = lib.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = lib.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		r = lib.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = lib.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_perform(CURL *h) { return ready() ? lib.easy_perform(h) : CURLE_FAILED_INIT; }
void curl_easy_cleanup(CURL *h) { if (h && ready()) lib.easy_cleanup(h); }
const char *curl_easy_strerror(CURLcode c) { return ready() ? lib.easy_strerror(c) : "libcurl is not available"; }
char *curl_easy_escape(CURL *h, const char *s, int n) { return ready() ? lib.easy_escape(h, s, n) : NULL; }
void curl_free(void *p) { if (p && ready()) lib.free(p); }
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) { return ready() ? lib.slist_append(l, s) : NULL; }
void curl_slist_free_all(struct curl_slist *l) { if (l && ready()) lib.slist_free_all(l); }
CURLM *curl_multi_init(void) { return ready() ? lib.multi_init() : NULL; }
CURLMcode curl_multi_add_handle(CURLM *m, CURL *h) { return ready() ? lib.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR; }
CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h) { return ready() ? lib.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR; }
CURLMcode curl_multi_perform(CURLM *m, int *running) { return ready() ? lib.multi_perform(m, running) : CURLM_INTERNAL_ERROR; }
CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms, int *numfds)
{
	return ready() ? lib.multi_poll(m, extra, n, timeout_ms, numfds) : CURLM_INTERNAL_ERROR;
}
CURLMsg *curl_multi_info_read(CURLM *m, int *left) { return ready() ? lib.multi_info_read(m, left) : NULL; }
CURLMcode curl_multi_cleanup(CURLM *m) { return ready() ? lib.multi_cleanup(m) : CURLM_INTERNAL_ERROR; }
