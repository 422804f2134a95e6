/* The error chain: set, wrap with context, clear. */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int positive(int code)
{
	if (code < 0)
		code = -code;
	return code ? code : EIO;
}

int berr_set(berr_t *err, int code, const char *fmt, ...)
{
	va_list ap;

	code = positive(code);
	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

int berr_sys(berr_t *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	code = positive(code);
	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	}
	return -code;
}

int berr_wrap(berr_t *err, const char *fmt, ...)
{
	char prefix[512];
	size_t plen, mlen;
	va_list ap;

	if (!err)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	strcat(prefix, ": ");
	plen = strlen(prefix);
	mlen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (plen + mlen >= sizeof(err->msg))
		mlen = sizeof(err->msg) - 1 - plen;
	memmove(err->msg + plen, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + mlen] = 0;
	return -positive(err->code);
}

void berr_clear(berr_t *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = 0;
	}
}
