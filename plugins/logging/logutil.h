/* Helpers shared by the file-backed logging plugins (json-file, local). Header-only (static
 * functions), because every plugins/logging/<name>.c is built alone into <name>.so and plugins
 * must not link the core. */
#ifndef BERTH_PLUGIN_LOGUTIL_H
#define BERTH_PLUGIN_LOGUTIL_H

#include <berth/logging.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <jansson.h>

#define LGU_UNUSED __attribute__((unused))

/* "10m", "1.5g", ... in bytes; unit is 1000 (Docker's json-file) or 1024 (go-units RAMInBytes). */
static LGU_UNUSED int64_t lgu_parse_size(const char *s, double unit)
{
	char *end;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	switch (tolower((unsigned char)*end)) {
	case 'k': v *= unit; break;
	case 'm': v *= unit * unit; break;
	case 'g': v *= unit * unit * unit; break;
	default: break;
	}
	return (int64_t)v;
}

/* Size bounds of a file-backed log driver. */
struct lgu_limits {
	double unit;                 /* of max-size: 1000 or 1024 */
	int64_t default_max_size;
	int default_max_file;
	int max_file_cap;            /* max-file is clamped to this */
};

/* max-size / max-file from the options, else the daemon's settings for `driver`, else the
 * driver's defaults. */
static LGU_UNUSED void lgu_read_options(const struct berth_host *host, const char *driver,
					const struct lgu_limits *lim, const char *options_json,
					int64_t *max_size, int *max_file)
{
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	const char *ms = json_string_value(json_object_get(o, "max-size"));
	const char *mf = json_string_value(json_object_get(o, "max-file"));

	*max_size = lim->default_max_size;
	*max_file = lim->default_max_file;
	if (!ms && host && host->option)
		ms = host->option(driver, "max-size");
	if (!mf && host && host->option)
		mf = host->option(driver, "max-file");
	if (ms)
		*max_size = !strcmp(ms, "-1") ? -1 : lgu_parse_size(ms, lim->unit);
	if (mf && atoi(mf) > 0)
		*max_file = atoi(mf) > lim->max_file_cap ? lim->max_file_cap : atoi(mf);
	json_decref(o);
}

/* Shift path.<max_file - 2> -> path.<max_file - 1>, ..., path -> path.1 with move(from, to);
 * files that are not there are passed over. */
static LGU_UNUSED void lgu_shift_files(const char *path, int max_file,
				       void (*move)(const char *from, const char *to))
{
	for (int i = max_file - 1; i >= 1; i--) {
		char *from = NULL, *to = NULL;
		if (i == 1)
			from = strdup(path);
		else if (asprintf(&from, "%s.%d", path, i - 1) < 0)
			from = NULL;
		if (asprintf(&to, "%s.%d", path, i) < 0)
			to = NULL;
		if (from && to && access(from, F_OK) == 0)
			move(from, to);
		free(from);
		free(to);
	}
}

/* The writer holds a shared flock on the live file: once it can be taken exclusively, the
 * log is closed. */
static LGU_UNUSED int lgu_writer_gone(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), gone;
	if (fd < 0)
		return 1;
	gone = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return gone;
}

#endif
