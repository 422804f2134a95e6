/* Docker's checks of --log-opt values (the parsers its logging drivers use: go-units
 * FromHumanSize, strconv.Atoi, strconv.ParseBool), shared by the logging plugins' validate
 * members. Header-only (static functions), as logutil.h, because every plugin is built alone. */
#ifndef BERTH_PLUGIN_LOGOPTS_H
#define BERTH_PLUGIN_LOGOPTS_H

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#define LGO_UNUSED __attribute__((unused))

/* The first key of options that is not in keys (NULL-terminated), or NULL. */
static LGO_UNUSED const char *lgo_unknown_key(json_t *options, const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(options, k, v) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i])
			return k;
	}
	return NULL;
}

/* A string option, or NULL when absent. */
static LGO_UNUSED const char *lgo_get(json_t *options, const char *key)
{
	return json_string_value(json_object_get(options, key));
}

/* go-units FromHumanSize: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ (1000-based). */
static LGO_UNUSED int lgo_human_size(const char *s)
{
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	while (*p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == ' ')
		p++;
	if (*p && strchr("kKmMgGtTpP", *p))
		p++;
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	return *p == 0;
}

/* strconv.Atoi's syntax: an optional sign and decimal digits. */
static LGO_UNUSED int lgo_atoi(const char *s, long long *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	char *end;

	if (!isdigit((unsigned char)*p))
		return 0;
	*out = strtoll(s, &end, 10);
	return *end == 0;
}

#endif
