/* berth driver ABI: logging drivers. Method set after moby's logger.Logger + LogReader: a driver
 * says whether it can be read back; readers seek with since/tail instead of scanning. */
#ifndef BERTH_ABI_LOGGING_H
#define BERTH_ABI_LOGGING_H

#include "plugin.h"
#include "host.h"

#define BERTH_LOGGING_MINOR 1

#define BERTH_LOG_CAP_READ 1u        /* read() is implemented */
#define BERTH_LOG_CAP_LOCAL 2u       /* open() only opens files below dir: no daemon or network to
                                        reach, so an open that worked once works a moment later.
                                        The core then tries open() before a container's command
                                        may run and lets the command start while the monitor opens
                                        the log for good; without it the command waits for that
                                        open (any other driver: a failure must stop the start) */

struct berth_log_message {
	int64_t time_ns;             /* unix time in nanoseconds */
	int stream;                  /* 1 stdout, 2 stderr */
	int partial;                 /* 1 if the line continues in the next message */
	const char *line;            /* bytes, including the trailing newline when complete */
	size_t len;
	const char *attrs_json;      /* extra attributes (labels/env/tag) or NULL */
};

struct berth_log_read_opts {
	int follow;
	int64_t since_ns;            /* 0 = from the start */
	int64_t until_ns;            /* 0 = no end */
	int64_t tail;                /* -1 = all */
};

/* Called for each message a reader returns; return non-zero to stop. */
typedef int (*berth_log_sink)(const struct berth_log_message *msg, void *cookie);

struct berth_logger;                 /* a driver's per-container state */

struct berth_logging_ops {
	/* minor 0 */
	/* BERTH_LOG_CAP_* bits. */
	uint32_t (*capabilities)(void);
	/* Open the log of a container in dir with options (max-size, ...) as JSON. */
	struct berth_logger *(*open)(const char *dir, const char *container_id,
				     const char *options_json, struct berth_error *err);
	int (*write)(struct berth_logger *lg, const struct berth_log_message *msg, struct berth_error *err);
	/* Deliver messages matching opts to sink; with follow, returns when the log is closed. */
	int (*read)(const char *dir, const char *container_id, const char *options_json,
		    const struct berth_log_read_opts *opts, berth_log_sink sink, void *cookie,
		    struct berth_error *err);
	void (*close)(struct berth_logger *lg);

	/* minor 1 */
	/* Check options (a JSON object of strings, as --log-opt gives them) before a container is
	 * created: 0, or -EINVAL with the message Docker's driver gives ("unknown log opt 'x' for
	 * ..."). Optional: the core accepts any options of a driver without it. */
	int (*validate)(const char *options_json, struct berth_error *err);
};

#endif
