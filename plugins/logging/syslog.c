/* Logging driver "syslog": each line goes to a syslog daemon, as Docker's syslog driver sends it.
 * Options (Docker's): syslog-address (unix:///dev/log (default), unixgram://PATH, udp://HOST:PORT,
 * tcp://HOST:PORT; HOST must be 127.0.0.1 or localhost), syslog-facility (default daemon),
 * syslog-format (rfc3164 (default), rfc5424, rfc5424micro), tag (default: the 12-char id).
 * stdout lines are severity info, stderr err. Logs cannot be read back. */
#include <berth/logging.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const struct berth_host *host;

struct berth_logger {
	int fd;
	int stream;                  /* SOCK_STREAM (tcp, unix stream): framed */
	int facility;
	int format;                  /* 0 rfc3164, 1 rfc5424, 2 rfc5424micro */
	char tag[256];
	char hostname[256];
};

static const struct { const char *name; int code; } FACILITIES[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 }, { "auth", 4 }, { "syslog", 5 },
	{ "lpr", 6 }, { "news", 7 }, { "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 }, { "local4", 20 },
	{ "local5", 21 }, { "local6", 22 }, { "local7", 23 },
};

static uint32_t sl_capabilities(void)
{
	return 0;
}

/* Go's wording of an errno (strerror's, lower-cased), for Docker's "dial tcp ...: connect: ..." */
static const char *go_errno(int e, char buf[128])
{
	snprintf(buf, 128, "%s", strerror(e));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

static int connect_unix(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int connect_inet(const char *hostport, int type, struct berth_error *err)
{
	char h[256];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(514) };
	int fd;

	snprintf(h, sizeof(h), "%.*s", colon ? (int)(colon - hostport) : (int)strlen(hostport), hostport);
	if (colon)
		sa.sin_port = htons((uint16_t)atoi(colon + 1));
	/* berth sends logs to this host only */
	if (strcmp(h, "127.0.0.1") && strcmp(h, "localhost"))
		return host->error(err, EINVAL, "syslog-address: only 127.0.0.1 is allowed, not %s", h);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		char buf[128];
		if (fd >= 0)
			close(fd);
		return host->error(err, e, "dial %s 127.0.0.1:%u: connect: %s", type == SOCK_STREAM ? "tcp" : "udp",
				   ntohs(sa.sin_port), go_errno(e, buf));
	}
	return fd;
}

static struct berth_logger *sl_open(const char *dir, const char *id, const char *options_json,
				    struct berth_error *err)
{
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	const char *addr = json_string_value(json_object_get(o, "syslog-address"));
	const char *fac = json_string_value(json_object_get(o, "syslog-facility"));
	const char *fmt = json_string_value(json_object_get(o, "syslog-format"));
	const char *tag = json_string_value(json_object_get(o, "tag"));
	struct berth_logger *lg = calloc(1, sizeof(*lg));
	const char *net = NULL;
	int fd;

	(void)dir;
	lg->facility = 3;
	if (fac && *fac) {
		size_t i;
		for (i = 0; i < sizeof(FACILITIES) / sizeof(FACILITIES[0]); i++)
			if (!strcmp(fac, FACILITIES[i].name))
				break;
		if (i == sizeof(FACILITIES) / sizeof(FACILITIES[0])) {
			host->error(err, EINVAL, "invalid syslog facility: %s", fac);
			goto fail;
		}
		lg->facility = FACILITIES[i].code;
	}
	if (!fmt || !*fmt || !strcmp(fmt, "rfc3164"))
		lg->format = 0;
	else if (!strcmp(fmt, "rfc5424"))
		lg->format = 1;
	else if (!strcmp(fmt, "rfc5424micro"))
		lg->format = 2;
	else {
		host->error(err, EINVAL, "Invalid syslog format: %s", fmt);
		goto fail;
	}
	snprintf(lg->tag, sizeof(lg->tag), "%.*s", tag && *tag ? (int)strlen(tag) : 12, tag && *tag ? tag : id);
	gethostname(lg->hostname, sizeof(lg->hostname) - 1);
	if (!addr || !*addr)
		addr = "unix:///dev/log";
	if (!strncmp(addr, "unix://", 7)) {
		/* Go's syslog tries datagram first, then stream */
		fd = connect_unix(addr + 7, SOCK_DGRAM);
		if (fd < 0 && (fd = connect_unix(addr + 7, SOCK_STREAM)) >= 0)
			lg->stream = 1;
		net = "unix";
	} else if (!strncmp(addr, "unixgram://", 11)) {
		fd = connect_unix(addr + 11, SOCK_DGRAM);
		net = "unixgram";
	} else if (!strncmp(addr, "udp://", 6)) {
		fd = connect_inet(addr + 6, SOCK_DGRAM, err);
		if (fd < 0)
			goto fail;
	} else if (!strncmp(addr, "tcp://", 6)) {
		fd = connect_inet(addr + 6, SOCK_STREAM, err);
		if (fd < 0)
			goto fail;
		lg->stream = 1;
	} else {
		host->error(err, EINVAL, "unsupported syslog-address: %s", addr);
		goto fail;
	}
	if (fd < 0) {
		char buf[128];
		host->error(err, -fd, "dial %s %s: connect: %s", net, strchr(addr, ':') + 3, go_errno(-fd, buf));
		goto fail;
	}
	lg->fd = fd;
	json_decref(o);
	return lg;
fail:
	json_decref(o);
	free(lg);
	return NULL;
}

static int sl_write(struct berth_logger *lg, const struct berth_log_message *msg, struct berth_error *err)
{
	char ts[64], head[768], frame[32], frac[24] = "";
	struct timespec t = { msg->time_ns / 1000000000, msg->time_ns % 1000000000 };
	struct tm tm;
	int pri = lg->facility * 8 + (msg->stream == 2 ? 3 : 6), hl;
	size_t len = msg->len;
	struct iovec iov[4];
	int n = 0;

	if (len && msg->line[len - 1] == '\n')
		len--;
	if (lg->format == 0) {
		/* Go's log/syslog: "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG" (local time, no hostname) */
		localtime_r(&t.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		hl = snprintf(head, sizeof(head), "<%d>%s %s[%d]: ", pri, ts, lg->tag, (int)getpid());
	} else {
		/* RFC 5424: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG" */

		gmtime_r(&t.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		if (lg->format == 2)
			snprintf(frac, sizeof(frac), ".%06ld", t.tv_nsec / 1000);
		hl = snprintf(head, sizeof(head), "<%d>1 %s%sZ %s %s %d - - ", pri, ts, frac, lg->hostname,
			      lg->tag, (int)getpid());
	}
	if (hl < 0 || hl >= (int)sizeof(head))
		hl = (int)strlen(head);
	if (lg->stream && lg->format) {
		/* RFC 5425 octet counting, as Docker frames rfc5424 */
		iov[n++] = (struct iovec){ frame, (size_t)snprintf(frame, sizeof(frame), "%zu ", hl + len) };
	}
	iov[n++] = (struct iovec){ head, (size_t)hl };
	iov[n++] = (struct iovec){ (void *)msg->line, len };
	if (lg->stream && !lg->format)
		iov[n++] = (struct iovec){ "\n", 1 };
	if (writev(lg->fd, iov, n) < 0)
		return host->error(err, errno, "syslog: %s", strerror(errno));
	return 0;
}

static void sl_close(struct berth_logger *lg)
{
	if (!lg)
		return;
	close(lg->fd);
	free(lg);
}

static int sl_validate(const char *options_json, struct berth_error *err);

static const struct berth_logging_ops OPS = {
	.capabilities = sl_capabilities, .open = sl_open, .write = sl_write, .close = sl_close,
	.validate = sl_validate,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_LOGGING, "syslog", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	host = h;
	return &DESC;
}

/* ---- option checks (logging ABI minor 1), as Docker's syslog driver words them ---- */
#include "logopts.h"
#include <sys/stat.h>

static int sl_validate(const char *options_json, struct berth_error *err)
{
	static const char *const KEYS[] = { "env", "env-regex", "labels", "labels-regex", "syslog-address",
					    "syslog-facility", "syslog-tls-ca-cert", "syslog-tls-cert",
					    "syslog-tls-key", "syslog-tls-skip-verify", "tag", "syslog-format", NULL };
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	const char *bad, *addr, *fac, *fmt;
	char buf[128];
	int r = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		return host->error(err, EINVAL, "syslog: log options are not a JSON object");
	}
	addr = lgo_get(o, "syslog-address");
	fac = lgo_get(o, "syslog-facility");
	fmt = lgo_get(o, "syslog-format");
	if ((bad = lgo_unknown_key(o, KEYS))) {
		r = host->error(err, EINVAL, "unknown log opt '%s' for syslog log driver", bad);
	} else if (addr && *addr) {
		const char *sep = strstr(addr, "://");
		size_t n = sep ? (size_t)(sep - addr) : 0;
		struct stat st;
		if (!sep || !((n == 4 && !strncmp(addr, "unix", 4)) || (n == 8 && !strncmp(addr, "unixgram", 8)) ||
			      (n == 3 && (!strncmp(addr, "udp", 3) || !strncmp(addr, "tcp", 3)))))
			r = host->error(err, EINVAL, "syslog-address should be in form proto://address, got %s", addr);
		else if (addr[0] == 'u' && addr[1] == 'n' && stat(sep + 3, &st) < 0)
			r = host->error(err, errno, "stat %s: %s", sep + 3, go_errno(errno, buf));
		else if (addr[0] != 'u' || addr[1] != 'n') {
			/* berth sends logs to this host only (see connect_inet) */
			const char *h = sep + 3, *colon = strrchr(h, ':');
			size_t hl = colon ? (size_t)(colon - h) : strlen(h);
			if (!((hl == 9 && !strncmp(h, "127.0.0.1", 9)) || (hl == 9 && !strncmp(h, "localhost", 9))))
				r = host->error(err, EINVAL, "syslog-address: only 127.0.0.1 is allowed, not %.*s", (int)hl, h);
		}
	}
	if (!r && fac && *fac) {
		size_t i;
		for (i = 0; i < sizeof(FACILITIES) / sizeof(FACILITIES[0]) && strcmp(fac, FACILITIES[i].name); i++)
			;
		if (i == sizeof(FACILITIES) / sizeof(FACILITIES[0]))
			r = host->error(err, EINVAL, "invalid syslog facility");
	}
	if (!r && fmt && *fmt && strcmp(fmt, "rfc3164") && strcmp(fmt, "rfc5424") && strcmp(fmt, "rfc5424micro"))
		r = host->error(err, EINVAL, "Invalid syslog format");
	json_decref(o);
	return r;
}
