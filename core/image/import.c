/* docker import: a rootfs tar (file, stdin or URL; any compression) becomes a one-layer image
 * whose config has the shape Docker 20.10's import writes, with `--change` instructions applied
 * the way its Dockerfile dispatchers do (daemon/images/image_import.go, builder/dockerfile). */
#include "image/image.h"
#include "image/internal.h"
#include "image/reference.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- words, quotes and variables (builder's shell lexer, the parts changes need) --------------- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

static char *sb_take(struct sbuf *b)
{
	if (!b->p)
		return xstrdup("");
	return b->p;
}

/* Value of NAME in an Env list ["K=V", ...], or NULL. */
static const char *env_lookup(json_t *env, const char *name, size_t nlen)
{
	json_t *v;
	size_t i;

	json_array_foreach(env, i, v) {
		const char *s = json_string_value(v);
		if (s && !strncmp(s, name, nlen) && s[nlen] == '=')
			return s + nlen + 1;
	}
	return NULL;
}

static void expand_word(const char **pp, json_t *env, struct sbuf *out, int in_dquote);

/* $NAME or ${NAME[:-+]word}; *pp points after the '$'. */
static void expand_var(const char **pp, json_t *env, struct sbuf *out)
{
	const char *p = *pp;

	if (*p == '{') {
		const char *name = ++p;
		size_t nlen;
		const char *val;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		nlen = p - name;
		val = env_lookup(env, name, nlen);
		if (*p == ':' && (p[1] == '-' || p[1] == '+')) {
			char op = p[1];
			struct sbuf word = { 0 };
			p += 2;
			while (*p && *p != '}')
				expand_word(&p, env, &word, 0);
			if (op == '-')
				sb_puts(out, val && *val ? val : word.p ? word.p : "");
			else if (val && *val)
				sb_puts(out, word.p ? word.p : "");
			free(word.p);
		} else if (*p == '-' || *p == '+') {
			char op = *p;
			struct sbuf word = { 0 };
			p++;
			while (*p && *p != '}')
				expand_word(&p, env, &word, 0);
			if (op == '-')
				sb_puts(out, val ? val : word.p ? word.p : "");
			else if (val)
				sb_puts(out, word.p ? word.p : "");
			free(word.p);
		} else if (val) {
			sb_puts(out, val);
		}
		while (*p && *p != '}')
			p++;
		if (*p == '}')
			p++;
	} else if (isalnum((unsigned char)*p) || *p == '_') {
		const char *name = p, *val;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		val = env_lookup(env, name, p - name);
		if (val)
			sb_puts(out, val);
	} else {
		sb_putc(out, '$');
	}
	*pp = p;
}

/* One step of ProcessWord: a quoted section, an escape, a variable or a plain character. */
static void expand_word(const char **pp, json_t *env, struct sbuf *out, int in_dquote)
{
	const char *p = *pp;

	(void)in_dquote;
	if (*p == '\'') {
		for (p++; *p && *p != '\''; p++)
			sb_putc(out, *p);
		if (*p)
			p++;
	} else if (*p == '"') {
		for (p++; *p && *p != '"';) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '$' || p[1] == '\\')) {
				sb_putc(out, p[1]);
				p += 2;
			} else if (*p == '$') {
				p++;
				expand_var(&p, env, out);
			} else {
				sb_putc(out, *p++);
			}
		}
		if (*p)
			p++;
	} else if (*p == '\\' && p[1]) {
		sb_putc(out, p[1]);
		p += 2;
	} else if (*p == '$') {
		p++;
		expand_var(&p, env, out);
	} else {
		sb_putc(out, *p++);
	}
	*pp = p;
}

/* ProcessWord: quotes removed, escapes and variables resolved. */
static char *process_word(const char *s, json_t *env)
{
	struct sbuf out = { 0 };

	while (*s)
		expand_word(&s, env, &out, 0);
	return sb_take(&out);
}

/* parseWords: split on whitespace outside quotes, keeping quotes and escapes in the words. */
static json_t *split_words(const char *s)
{
	json_t *words = json_array();
	struct sbuf w = { 0 };
	char quote = 0;

	for (; *s; s++) {
		if (!quote && isspace((unsigned char)*s)) {
			if (w.len) {
				json_array_append_new(words, json_string(w.p));
				w.len = 0;
				w.p[0] = 0;
			}
			continue;
		}
		if (*s == '\\' && s[1] && quote != '\'') {
			sb_putc(&w, *s++);
			sb_putc(&w, *s);
			continue;
		}
		if (quote && *s == quote)
			quote = 0;
		else if (!quote && (*s == '"' || *s == '\''))
			quote = *s;
		sb_putc(&w, *s);
	}
	if (w.len)
		json_array_append_new(words, json_string(w.p));
	free(w.p);
	return words;
}

/* A JSON array of strings (exec form), or NULL. */
static json_t *parse_json_list(const char *rest)
{
	json_t *j, *v;
	size_t i;

	if (*rest != '[')
		return NULL;
	j = json_loads(rest, 0, NULL);
	if (!json_is_array(j)) {
		json_decref(j);
		return NULL;
	}
	json_array_foreach(j, i, v)
		if (!json_is_string(v)) {
			json_decref(j);
			return NULL;
		}
	return j;
}

/* CMD/ENTRYPOINT/HEALTHCHECK CMD: exec form, or ["/bin/sh", "-c", rest]. */
static json_t *command_form(const char *rest)
{
	json_t *j = parse_json_list(rest);

	if (j)
		return j;
	return json_pack("[s, s, s]", "/bin/sh", "-c", rest);
}

/* ---- the dispatchers ---------------------------------------------------------------------- */

static json_t *obj_member(json_t *cfg, const char *key)
{
	json_t *o = json_object_get(cfg, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, key, o);
	}
	return o;
}

static json_t *env_of(json_t *cfg)
{
	json_t *e = json_object_get(cfg, "Env");

	if (!json_is_array(e)) {
		e = json_array();
		json_object_set_new(cfg, "Env", e);
	}
	return e;
}

static void env_set(json_t *env, const char *key, const char *value)
{
	_cleanup_free_ char *kv = xasprintf("%s=%s", key, value);
	size_t klen = strlen(key), i;
	json_t *v;

	json_array_foreach(env, i, v) {
		const char *s = json_string_value(v);
		if (s && !strncmp(s, key, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

/* ENV and LABEL: "k=v k2=v2" or the old "k value with spaces". Calls set(key, value). */
static int name_values(const char *insn, const char *rest, json_t *env, json_t *target, int is_env, berr_t *err)
{
	json_t *words = split_words(rest), *w;
	json_t *snapshot = json_deep_copy(env);   /* expansions see the env before this line */
	size_t i;
	int r = 0;

	if (!json_array_size(words)) {
		r = berr_set(err, EINVAL, "%s requires at least one argument", insn);
		goto out;
	}
	if (!strchr(json_string_value(json_array_get(words, 0)), '=')) {
		const char *p = rest;
		char *key, *value;
		size_t klen;
		while (*p && !isspace((unsigned char)*p))
			p++;
		klen = p - rest;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p) {
			r = berr_set(err, EINVAL, "%s must have two arguments", insn);
			goto out;
		}
		{
			_cleanup_free_ char *rawk = strndup(rest, klen);
			key = process_word(rawk, snapshot);
		}
		value = process_word(p, snapshot);
		if (is_env)
			env_set(target, key, value);
		else
			json_object_set_new(target, key, json_string(value));
		free(key);
		free(value);
		goto out;
	}
	json_array_foreach(words, i, w) {
		const char *s = json_string_value(w), *eq = strchr(s, '=');
		_cleanup_free_ char *rawk = NULL, *key = NULL, *value = NULL;
		if (!eq) {
			r = berr_set(err, EINVAL, "Syntax error - can't find = in \"%s\". Must be of the form: name=value", s);
			goto out;
		}
		rawk = strndup(s, eq - s);
		key = process_word(rawk, snapshot);
		value = process_word(eq + 1, snapshot);
		if (!*key) {
			r = berr_set(err, EINVAL, "%s names can not be blank", insn);
			goto out;
		}
		if (is_env)
			env_set(target, key, value);
		else
			json_object_set_new(target, key, json_string(value));
	}
out:
	json_decref(words);
	json_decref(snapshot);
	return r;
}

static int parse_port(const char *s, long *v)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	*v = strtol(s, &end, 10);
	return *end || *v < 0 || *v > 65535 ? -1 : 0;
}

/* nat.ParsePortSpecs for one EXPOSE word: [ip:][host:]port[-port][/proto]. */
static int expose_one(json_t *ports, const char *spec, berr_t *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *proto = strchr(copy, '/'), *port = strrchr(copy, ':'), *dash;
	long lo, hi;

	char tcp[] = "tcp";

	if (proto)
		*proto++ = 0;
	else
		proto = tcp;
	for (char *p = proto; *p; p++)
		*p = tolower((unsigned char)*p);
	if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
		return berr_set(err, EINVAL, "invalid proto: %s", proto);
	port = port ? port + 1 : copy;
	dash = strchr(port, '-');
	if (dash)
		*dash = 0;
	if (parse_port(port, &lo) < 0 || (dash && parse_port(dash + 1, &hi) < 0))
		return berr_set(err, EINVAL, "Invalid containerPort: %s", spec);
	if (!dash)
		hi = lo;
	if (hi < lo)
		return berr_set(err, EINVAL, "Invalid containerPort: %s", spec);
	for (long p = lo; p <= hi; p++) {
		char key[32];
		snprintf(key, sizeof(key), "%ld/%s", p, proto);
		json_object_set_new(ports, key, json_object());
	}
	return 0;
}

/* Go's time.ParseDuration, in ns. */
static int parse_go_duration(const char *s, int64_t *ns)
{
	double total = 0;
	int neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		double mul;
		if (end == s)
			return -1;
		s = end;
		if (!strncmp(s, "ns", 2)) mul = 1, s += 2;
		else if (!strncmp(s, "us", 2)) mul = 1e3, s += 2;
		else if (!strncmp(s, "\xc2\xb5s", 3)) mul = 1e3, s += 3;
		else if (!strncmp(s, "ms", 2)) mul = 1e6, s += 2;
		else if (*s == 's') mul = 1e9, s++;
		else if (*s == 'm') mul = 60e9, s++;
		else if (*s == 'h') mul = 3600e9, s++;
		else return -1;
		total += v * mul;
	}
	*ns = (int64_t)(neg ? -total : total);
	return 0;
}

static int healthcheck(json_t *cfg, const char *rest, berr_t *err)
{
	json_t *hc = json_object();
	const char *p = rest;
	int64_t interval = 0, timeout = 0, start = 0;
	long retries = 0;
	char type[16];
	size_t n;

	while (!strncmp(p, "--", 2)) {
		const char *end = p;
		_cleanup_free_ char *flag = NULL;
		char *eq;
		int64_t *dst = NULL;
		while (*end && !isspace((unsigned char)*end))
			end++;
		flag = strndup(p + 2, end - p - 2);
		eq = strchr(flag, '=');
		if (!eq) {
			json_decref(hc);
			return berr_set(err, EINVAL, "flag needs an argument: --%s", flag);
		}
		*eq++ = 0;
		if (!strcmp(flag, "interval"))
			dst = &interval;
		else if (!strcmp(flag, "timeout"))
			dst = &timeout;
		else if (!strcmp(flag, "start-period"))
			dst = &start;
		else if (!strcmp(flag, "retries")) {
			char *e2;
			retries = strtol(eq, &e2, 10);
			if (*e2 || retries < 0) {
				json_decref(hc);
				return berr_set(err, EINVAL, "invalid value for --retries: %s", eq);
			}
		} else {
			json_decref(hc);
			return berr_set(err, EINVAL, "Unknown flag: %s", flag);
		}
		if (dst && parse_go_duration(eq, dst) < 0) {
			json_decref(hc);
			return berr_set(err, EINVAL, "time: invalid duration \"%s\"", eq);
		}
		p = end;
		while (isspace((unsigned char)*p))
			p++;
	}
	for (n = 0; p[n] && !isspace((unsigned char)p[n]) && n < sizeof(type) - 1; n++)
		type[n] = toupper((unsigned char)p[n]);
	type[n] = 0;
	p += n;
	while (isspace((unsigned char)*p))
		p++;
	if (!strcmp(type, "NONE")) {
		if (*p) {
			json_decref(hc);
			return berr_set(err, EINVAL, "HEALTHCHECK NONE takes no arguments");
		}
		json_object_set_new(hc, "Test", json_pack("[s]", "NONE"));
	} else if (!strcmp(type, "CMD")) {
		json_t *exec = parse_json_list(p), *test;
		if (!*p) {
			json_decref(hc);
			return berr_set(err, EINVAL, "Missing command after HEALTHCHECK CMD");
		}
		if (exec) {
			test = json_pack("[s]", "CMD");
			json_array_extend(test, exec);
			json_decref(exec);
		} else {
			test = json_pack("[s, s]", "CMD-SHELL", p);
		}
		json_object_set_new(hc, "Test", test);
	} else {
		json_decref(hc);
		return berr_set(err, EINVAL, "Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
	}
	if (interval)
		json_object_set_new(hc, "Interval", json_integer(interval));
	if (timeout)
		json_object_set_new(hc, "Timeout", json_integer(timeout));
	if (start)
		json_object_set_new(hc, "StartPeriod", json_integer(start));
	if (retries)
		json_object_set_new(hc, "Retries", json_integer(retries));
	json_object_set_new(cfg, "Healthcheck", hc);
	return 0;
}

static char *join_path(const char *base, const char *rel)
{
	struct sbuf out = { 0 };
	_cleanup_free_ char *all = xasprintf("%s/%s", rel[0] == '/' ? "" : (base && *base ? base : "/"), rel);
	char *save, *tok;

	for (tok = strtok_r(all, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			char *slash = out.p ? strrchr(out.p, '/') : NULL;
			if (slash) {
				*slash = 0;
				out.len = slash - out.p;
			}
			continue;
		}
		sb_putc(&out, '/');
		sb_puts(&out, tok);
	}
	if (!out.len)
		sb_putc(&out, '/');
	return sb_take(&out);
}

static int apply_one(json_t *cfg, const char *line, int *cmd_set, berr_t *err)
{
	char insn[32];
	_cleanup_free_ char *args = NULL;
	const char *rest;
	size_t n = 0, len;
	json_t *env;

	while (isspace((unsigned char)*line))
		line++;
	while (line[n] && !isspace((unsigned char)line[n]) && n < sizeof(insn) - 1) {
		insn[n] = tolower((unsigned char)line[n]);
		n++;
	}
	insn[n] = 0;
	rest = line + n;
	while (isspace((unsigned char)*rest))
		rest++;
	/* trailing whitespace is not part of the arguments */
	args = xstrdup(rest);
	len = strlen(args);
	while (len && isspace((unsigned char)args[len - 1]))
		args[--len] = 0;
	rest = args;
	env = env_of(cfg);
	if (!strcmp(insn, "cmd") || !strcmp(insn, "entrypoint")) {
		int is_cmd = insn[0] == 'c';
		if (!*rest)
			return berr_set(err, EINVAL, "%s requires at least one argument", is_cmd ? "CMD" : "ENTRYPOINT");
		json_object_set_new(cfg, is_cmd ? "Cmd" : "Entrypoint", command_form(rest));
		if (is_cmd)
			*cmd_set = 1;
		else if (!*cmd_set)
			json_object_set_new(cfg, "Cmd", json_null());   /* ENTRYPOINT resets an inherited CMD */
		return 0;
	}
	if (!strcmp(insn, "env"))
		return name_values("ENV", rest, env, env, 1, err);
	if (!strcmp(insn, "label"))
		return name_values("LABEL", rest, env, obj_member(cfg, "Labels"), 0, err);
	if (!strcmp(insn, "expose")) {
		json_t *words = split_words(rest), *w;
		size_t i;
		int r = 0;
		if (!json_array_size(words))
			r = berr_set(err, EINVAL, "EXPOSE requires at least one argument");
		json_array_foreach(words, i, w) {
			_cleanup_free_ char *p = process_word(json_string_value(w), env);
			if (r == 0)
				r = expose_one(obj_member(cfg, "ExposedPorts"), p, err);
		}
		json_decref(words);
		return r;
	}
	if (!strcmp(insn, "user") || !strcmp(insn, "workdir")) {
		json_t *words = split_words(rest);
		int is_user = insn[0] == 'u';
		_cleanup_free_ char *v = NULL;
		if (json_array_size(words) != 1) {
			json_decref(words);
			return berr_set(err, EINVAL, "%s requires exactly one argument", is_user ? "USER" : "WORKDIR");
		}
		v = process_word(json_string_value(json_array_get(words, 0)), env);
		json_decref(words);
		if (is_user) {
			json_object_set_new(cfg, "User", json_string(v));
		} else {
			char *p = join_path(json_string_value(json_object_get(cfg, "WorkingDir")), v);
			json_object_set_new(cfg, "WorkingDir", json_string(p));
			free(p);
		}
		return 0;
	}
	if (!strcmp(insn, "volume")) {
		json_t *list = parse_json_list(rest), *w, *vols;
		size_t i;
		int r = 0;
		if (!list)
			list = split_words(rest);
		if (!json_array_size(list))
			r = berr_set(err, EINVAL, "VOLUME requires at least one argument");
		vols = obj_member(cfg, "Volumes");
		json_array_foreach(list, i, w) {
			_cleanup_free_ char *p = process_word(json_string_value(w), env);
			if (r == 0 && !*p)
				r = berr_set(err, EINVAL, "VOLUME specified can not be an empty string");
			if (r == 0)
				json_object_set_new(vols, p, json_object());
		}
		json_decref(list);
		return r;
	}
	if (!strcmp(insn, "healthcheck"))
		return healthcheck(cfg, rest, err);
	if (!strcmp(insn, "onbuild")) {
		char trig[16];
		size_t k;
		json_t *ob = json_object_get(cfg, "OnBuild");
		for (k = 0; rest[k] && !isspace((unsigned char)rest[k]) && k < sizeof(trig) - 1; k++)
			trig[k] = toupper((unsigned char)rest[k]);
		trig[k] = 0;
		if (!*rest)
			return berr_set(err, EINVAL, "ONBUILD requires at least one argument");
		if (!strcmp(trig, "ONBUILD"))
			return berr_set(err, EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
		if (!strcmp(trig, "FROM") || !strcmp(trig, "MAINTAINER"))
			return berr_set(err, EINVAL, "%s isn't allowed as an ONBUILD trigger", trig);
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(cfg, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(rest));
		return 0;
	}
	return berr_set(err, EINVAL, "%s is not a valid change command", insn);
}

int image_apply_changes(json_t *config, json_t *changes, berr_t *err)
{
	json_t *c;
	size_t i;
	int r, cmd_set = 0;

	json_array_foreach(changes, i, c) {
		if (!json_is_string(c))
			return berr_set(err, EINVAL, "changes must be strings");
		if ((r = apply_one(config, json_string_value(c), &cmd_set, err)) < 0)
			return r;
	}
	/* an Env list that stayed empty is no list at all, as in Docker's config */
	if (!json_array_size(json_object_get(config, "Env")))
		json_object_del(config, "Env");
	return 0;
}

/* ---- fetching a URL into a pipe ------------------------------------------------------------- */

struct url_pump {
	const char *url;
	int fd;
	berr_t err;
	int failed;
};

static size_t url_write(char *data, size_t size, size_t n, void *arg)
{
	struct url_pump *p = arg;

	if (write_all(p->fd, data, size * n) < 0)
		return 0;
	return size * n;
}

static void *url_run(void *arg)
{
	struct url_pump *p = arg;
	CURL *c = curl_easy_init();
	char ebuf[CURL_ERROR_SIZE] = "";
	sigset_t set;
	CURLcode rc;
	long code = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	curl_easy_setopt(c, CURLOPT_URL, p->url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, url_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "berth");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) {
		berr_set(&p->err, EIO, "Get \"%s\": %s", p->url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		p->failed = 1;
	} else if (rc == CURLE_OK && code >= 400) {
		berr_set(&p->err, EIO, "Get \"%s\": HTTP status %ld", p->url, code);
		p->failed = 1;
	}
	curl_easy_cleanup(c);
	close(p->fd);
	return NULL;
}

/* ---- import ----------------------------------------------------------------------------------- */

const char *image_go_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__i386__)
	return "386";
#else
	return "unknown";
#endif
}

int image_import(struct berth_ctx *ctx, int in_fd, const char *url, const char *src_name,
		 json_t *changes, const char *message, const char *ref, char id[DIGEST_LEN + 1],
		 berr_t *err)
{
	struct image_ref parsed;
	char chain[DIGEST_LEN + 1], diff[DIGEST_LEN + 1], created[64], canonical[1024];
	json_t *cfg = json_object(), *config, *norm;
	_cleanup_free_ char *comment = NULL, *bytes = NULL;
	_cleanup_close_ int hold = -1;
	struct url_pump pump = { 0 };
	pthread_t thread;
	int r, pipefd[2] = { -1, -1 }, fd = in_fd, started = 0;

	if (ref && *ref) {
		if ((r = ref_parse(ref, 1, &parsed, err)) < 0) {
			json_decref(cfg);
			return r;
		}
		if (parsed.digest[0]) {
			json_decref(cfg);
			return berr_set(err, EINVAL, "cannot import digest reference");
		}
		ref_canonical(&parsed, canonical, sizeof(canonical));
	}
	if ((r = image_apply_changes(cfg, changes, err)) < 0) {
		json_decref(cfg);
		return r;
	}
	if ((hold = image_store_hold(ctx, err)) < 0) {
		json_decref(cfg);
		return hold;
	}
	if (url) {
		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			json_decref(cfg);
			return berr_sys(err, errno, "pipe");
		}
		pump.url = url;
		pump.fd = pipefd[1];
		if ((r = pthread_create(&thread, NULL, url_run, &pump)) != 0) {
			close(pipefd[0]);
			close(pipefd[1]);
			json_decref(cfg);
			return berr_sys(err, r, "start download");
		}
		started = 1;
		fd = pipefd[0];
	}
	r = image_layer_apply(ctx, NULL, fd, NULL, chain, diff, err);
	if (started) {
		close(pipefd[0]);
		pthread_join(thread, NULL);
		if (pump.failed) {
			*err = pump.err;
			r = -pump.err.code;
		}
	}
	if (r < 0) {
		json_decref(cfg);
		return r;
	}

	format_rfc3339nano(now_ns(), created, sizeof(created));
	comment = message && *message ? xstrdup(message) : xasprintf("Imported from %s", src_name ? src_name : "-");
	norm = image_container_config(cfg);
	json_decref(cfg);
	/* Docker marshals the image through a map: top-level keys in sorted order */
	config = json_pack("{s:s, s:s, s:o, s:o, s:s, s:[{s:s, s:s}], s:s, s:{s:s, s:[s]}}",
			   "architecture", image_go_arch(), "comment", comment, "config", norm,
			   "container_config", image_container_config(NULL), "created", created,
			   "history", "created", created, "comment", comment, "os", "linux",
			   "rootfs", "type", "layers", "diff_ids", diff);
	bytes = json_dumps(config, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(config);
	if ((r = image_add_config(ctx, bytes, strlen(bytes), id, err)) < 0) {
		const char *chains[] = { chain };
		close(hold);
		hold = -1;
		image_layers_rollback(ctx, chains, 1);
		return r;
	}
	if (ref && *ref && (r = image_tag(ctx, id, canonical, err)) < 0)
		return r;
	return 0;
}
