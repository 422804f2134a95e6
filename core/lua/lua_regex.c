/* berth.regex: POSIX extended regular expressions (glibc regcomp) for the filters Docker matches
 * with Go's regexp (ps --filter name=). Close enough to Go's syntax for what people write in a
 * filter; a leading "(?i)" and the \d, \D classes of Go are translated. */
#include "lua/bind.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define REGEX_MT "berth.regex"

struct lregex {
	regex_t re;
	int live;
};

/* Go's \d and \D outside brackets -> POSIX classes; everything else is passed through. */
static char *translate(const char *p)
{
	size_t n = strlen(p);
	char *out = malloc(n * 6 + 1), *o = out;
	int in_bracket = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (in_bracket) {
			/* "]" right after "[" or "[^" is a member, not the end */
			if (p[i] == ']' && !(p[i - 1] == '[' || (p[i - 1] == '^' && i >= 2 && p[i - 2] == '[')))
				in_bracket = 0;
			*o++ = p[i];
		} else if (p[i] == '\\' && (p[i + 1] == 'd' || p[i + 1] == 'D')) {
			const char *cls = p[i + 1] == 'd' ? "[0-9]" : "[^0-9]";
			memcpy(o, cls, strlen(cls));
			o += strlen(cls);
			i++;
		} else if (p[i] == '\\' && p[i + 1]) {
			*o++ = p[i++];
			*o++ = p[i];
		} else {
			if (p[i] == '[')
				in_bracket = 1;
			*o++ = p[i];
		}
	}
	*o = '\0';
	return out;
}

/* compile(pattern) -> regex object; raises "error parsing regexp: ..." when it is invalid */
static int l_compile(lua_State *L)
{
	const char *pat = luaL_checkstring(L, 1);
	int flags = REG_EXTENDED | REG_NOSUB, r;
	struct lregex *x;
	char *src;

	if (!strncmp(pat, "(?i)", 4)) {
		flags |= REG_ICASE;
		pat += 4;
	}
	x = lua_newuserdatauv(L, sizeof(*x), 0);
	x->live = 0;
	luaL_setmetatable(L, REGEX_MT);
	if (!(src = translate(pat)))
		return luaL_error(L, "out of memory");
	r = regcomp(&x->re, src, flags);
	free(src);
	if (r) {
		char msg[256];
		regerror(r, &x->re, msg, sizeof(msg));
		return luaL_error(L, "error parsing regexp: %s: `%s`", msg, lua_tostring(L, 1));
	}
	x->live = 1;
	return 1;
}

static struct lregex *check(lua_State *L)
{
	struct lregex *x = luaL_checkudata(L, 1, REGEX_MT);
	if (!x->live)
		luaL_error(L, "attempt to use a freed regex");
	return x;
}

/* re:match(s) -> true when the expression matches anywhere in s */
static int l_match(lua_State *L)
{
	struct lregex *x = check(L);
	size_t len;
	const char *s = luaL_checklstring(L, 2, &len);

	/* regexec stops at a NUL: a subject holding one cannot be a container or volume name */
	lua_pushboolean(L, strlen(s) == len && regexec(&x->re, s, 0, NULL, 0) == 0);
	return 1;
}

static int l_gc(lua_State *L)
{
	struct lregex *x = luaL_checkudata(L, 1, REGEX_MT);
	if (x->live) {
		regfree(&x->re);
		x->live = 0;
	}
	return 0;
}

static const luaL_Reg METHODS[] = {
	{ "match", l_match },
	{ NULL, NULL },
};

static const luaL_Reg FUNCS[] = {
	{ "compile", l_compile },
	{ NULL, NULL },
};

int luaopen_berth_regex(lua_State *L)
{
	if (luaL_newmetatable(L, REGEX_MT)) {
		luaL_newlib(L, METHODS);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, l_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, l_gc);
		lua_setfield(L, -2, "__close");
	}
	lua_pop(L, 1);
	luaL_newlib(L, FUNCS);
	return 1;
}
