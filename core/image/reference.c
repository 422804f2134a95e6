/* Image references: distribution/reference's grammar and Docker's normalisation
 * (ParseNormalizedNamed), written as small matchers instead of regular expressions.
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain "/"] component ("/" component)*
 *   domain     := dcomp ("." dcomp)* [":" port]      dcomp := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   component  := [a-z0-9]+ (sep [a-z0-9]+)*         sep   := "." | "_" | "__" | "-"+
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := alg ":" [0-9a-fA-F]{32,}           alg   := [A-Za-z][A-Za-z0-9]* ([-_+.][A-Za-z][A-Za-z0-9]*)*
 */
#include "image/reference.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_word(char c)
{
	return is_alnum(c) || c == '_';
}

/* component := [a-z0-9]+ (sep [a-z0-9]+)* */
static int match_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]))
		return 0;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return 1;
		/* a separator, then at least one alnum */
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i == n || !is_lower_alnum(s[i]))
			return 0;
	}
	return 1;
}

/* dcomp := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static int match_domain_component(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int match_domain(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host = colon ? (size_t)(colon - s) : n, start = 0;

	if (colon) {
		if (colon + 1 == s + n)
			return 0;
		for (const char *p = colon + 1; p < s + n; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	for (size_t i = 0; i <= host; i++) {
		if (i == host || s[i] == '.') {
			if (!match_domain_component(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

static int match_tag(const char *s, size_t n)
{
	if (n == 0 || n > 128 || !is_word(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

static int match_digest(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t i, alg;

	if (!colon)
		return 0;
	alg = colon - s;
	if (alg == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < alg; i++) {
		if (isalnum((unsigned char)s[i]))
			continue;
		if (strchr("-_+.", s[i]) && i + 1 < alg && isalpha((unsigned char)s[i + 1]))
			continue;
		return 0;
	}
	if (n - alg - 1 < 32)
		return 0;
	for (i = alg + 1; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* name := [domain "/"] component ("/" component)*; *domain_len gets the length of the domain
 * part as the anchored name regexp would capture it (leftmost: domain first when possible). */
static int match_name(const char *s, size_t n, size_t *domain_len)
{
	const char *slash = memchr(s, '/', n);
	int rest_ok = 1;
	size_t start, first;

	*domain_len = 0;
	if (n == 0)
		return 0;
	first = slash ? (size_t)(slash - s) : n;
	/* components after the first */
	start = first + 1;
	for (size_t i = start; slash && i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (!match_component(s + start, i - start)) {
				rest_ok = 0;
				break;
			}
			start = i + 1;
		}
	}
	if (slash && rest_ok && match_domain(s, first)) {
		*domain_len = first;
		return 1;
	}
	return rest_ok && match_component(s, first);
}

/* The parts of a reference string, or 0 if it does not match the grammar. */
struct ref_parts {
	size_t name_len, domain_len;
	const char *tag, *digest;
	size_t tag_len, digest_len;
};

static int match_reference(const char *s, struct ref_parts *p)
{
	size_t n = strlen(s), left;
	const char *at = strchr(s, '@'), *colon;

	memset(p, 0, sizeof(*p));
	left = n;
	if (at) {
		if (strchr(at + 1, '@'))
			return 0;
		p->digest = at + 1;
		p->digest_len = n - (at + 1 - s);
		if (!match_digest(p->digest, p->digest_len))
			return 0;
		left = at - s;
	}
	/* the tag follows the last ':' that has no '/' after it (a port is followed by a path) */
	colon = NULL;
	for (size_t i = 0; i < left; i++)
		if (s[i] == ':')
			colon = s + i;
	if (colon && !memchr(colon, '/', left - (colon - s))) {
		p->tag = colon + 1;
		p->tag_len = left - (colon + 1 - s);
		if (!match_tag(p->tag, p->tag_len))
			return 0;
		left = colon - s;
	}
	p->name_len = left;
	return match_name(s, left, &p->domain_len);
}

/* distribution's digest.Parse: algorithm known, encoded length and alphabet right. */
static int parse_digest(const char *s, size_t n, char *out, size_t outlen, berr_t *err)
{
	const char *colon = memchr(s, ':', n);
	size_t alg, enc, want;

	if (!colon || colon + 1 == s + n)
		return berr_set(err, EINVAL, "invalid checksum digest format");
	alg = colon - s;
	enc = n - alg - 1;
	if (alg == 6 && !memcmp(s, "sha256", 6))
		want = 64;
	else if (alg == 6 && !memcmp(s, "sha384", 6))
		want = 96;
	else if (alg == 6 && !memcmp(s, "sha512", 6))
		want = 128;
	else
		return berr_set(err, EINVAL, "unsupported digest algorithm");
	if (enc != want)
		return berr_set(err, EINVAL, "invalid checksum digest length");
	for (size_t i = alg + 1; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return berr_set(err, EINVAL, "invalid checksum digest format");
	if (want != 64 || n + 1 > outlen)
		return berr_set(err, EINVAL, "unsupported digest algorithm");
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

/* distribution's reference.Parse on a string that already carries its domain. */
static int parse_full(const char *s, struct image_ref *out, berr_t *err)
{
	struct ref_parts p;
	int r;

	if (!match_reference(s, &p)) {
		char lower[1024];
		size_t n = strlen(s);
		if (n == 0)
			return berr_set(err, EINVAL, "repository name must have at least one component");
		if (n < sizeof(lower)) {
			for (size_t i = 0; i <= n; i++)
				lower[i] = tolower((unsigned char)s[i]);
			if (match_reference(lower, &p))
				return berr_set(err, EINVAL, "repository name must be lowercase");
		}
		return berr_set(err, EINVAL, "invalid reference format");
	}
	if (p.name_len > REF_NAME_MAX)
		return berr_set(err, EINVAL, "repository name must not be more than %d characters", REF_NAME_MAX);
	memset(out, 0, sizeof(*out));
	if (p.domain_len) {
		memcpy(out->domain, s, p.domain_len);
		memcpy(out->path, s + p.domain_len + 1, p.name_len - p.domain_len - 1);
	} else {
		memcpy(out->path, s, p.name_len);
	}
	if (p.tag)
		memcpy(out->tag, p.tag, p.tag_len);
	if (p.digest && (r = parse_digest(p.digest, p.digest_len, out->digest, sizeof(out->digest), err)) < 0)
		return r;
	return 0;
}

int ref_is_full_hex_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == 64;
}

int ref_is_id_prefix(const char *s)
{
	size_t n = 0;

	if (!strncmp(s, "sha256:", 7))
		s += 7;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n >= 1 && n <= 64;
}

int ref_parse(const char *s, int default_tag, struct image_ref *out, berr_t *err)
{
	char full[1024];
	const char *slash = strchr(s, '/'), *remainder = s, *colon;
	char domain[256] = REF_DEFAULT_DOMAIN;
	int official, r;

	if (ref_is_full_hex_id(s))
		return berr_set(err, EINVAL, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);
	if (strlen(s) >= 768)
		return berr_set(err, EINVAL, "repository name must not be more than %d characters", REF_NAME_MAX);
	/* splitDockerDomain: the first component is a host if it has '.' or ':' or is localhost */
	if (slash) {
		size_t n = slash - s;
		if ((memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !memcmp(s, "localhost", 9))) &&
		    n < sizeof(domain)) {
			memcpy(domain, s, n);
			domain[n] = 0;
			remainder = slash + 1;
		}
	}
	if (!strcmp(domain, "index.docker.io"))
		strcpy(domain, REF_DEFAULT_DOMAIN);
	official = !strcmp(domain, REF_DEFAULT_DOMAIN) && !strchr(remainder, '/');
	/* the repository name (up to the first ':') must be lowercase */
	colon = strchr(remainder, ':');
	for (const char *p = remainder; colon ? p < colon : *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return berr_set(err, EINVAL, "invalid reference format: repository name must be lowercase");
	snprintf(full, sizeof(full), "%s/%s%s", domain, official ? "library/" : "", remainder);
	if ((r = parse_full(full, out, err)) < 0)
		return r;
	if (default_tag && !out->tag[0] && !out->digest[0])
		strcpy(out->tag, "latest");
	return 0;
}

void ref_repo(const struct image_ref *r, char *buf, size_t len)
{
	if (r->domain[0])
		snprintf(buf, len, "%s/%s", r->domain, r->path);
	else
		snprintf(buf, len, "%s", r->path);
}

static void append_tag_digest(const struct image_ref *r, char *buf, size_t len)
{
	size_t n = strlen(buf);

	if (r->tag[0] && n < len)
		n += snprintf(buf + n, len - n, ":%s", r->tag);
	if (r->digest[0] && n < len)
		snprintf(buf + n, len - n, "@%s", r->digest);
}

void ref_canonical(const struct image_ref *r, char *buf, size_t len)
{
	ref_repo(r, buf, len);
	append_tag_digest(r, buf, len);
}

void ref_familiar_repo(const char *repo, char *buf, size_t len)
{
	const char *p = repo;

	if (!strncmp(p, REF_DEFAULT_DOMAIN "/", strlen(REF_DEFAULT_DOMAIN) + 1)) {
		p += strlen(REF_DEFAULT_DOMAIN) + 1;
		if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
			p += 8;
	}
	snprintf(buf, len, "%s", p);
}

void ref_familiar(const struct image_ref *r, char *buf, size_t len)
{
	char repo[1024];

	ref_repo(r, repo, sizeof(repo));
	ref_familiar_repo(repo, buf, len);
	append_tag_digest(r, buf, len);
}
