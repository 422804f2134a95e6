/* Errors in the core: every function that can fail returns 0 (or a count) or a negative errno
 * and fills a struct berth_error. Callers add context as the error climbs ("load: layer 3: ...");
 * one place at the top prints it. The struct is the ABI's, so plugins fill the same thing. */
#ifndef BERTH_ERR_H
#define BERTH_ERR_H

#include <berth/host.h>
#include <errno.h>

typedef struct berth_error berr_t;

/* Set err (code is an errno, sign ignored) and return -code. */
int berr_set(berr_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like berr_set, appending ": strerror(code)". */
int berr_sys(berr_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Put "context: " in front of the message already in err; returns -err->code. */
int berr_wrap(berr_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clear err. */
void berr_clear(berr_t *err);

#endif
