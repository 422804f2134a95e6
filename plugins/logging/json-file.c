/* Logging driver "json-file", Docker's format: one {"log","stream","time"} object per line in
 * <dir>/<id>-json.log, rotated to .log.1 ... .log.<max-file - 1> when max-size is reached, and
 * gzipped to .log.N.gz with compress=true (off by default, as Docker's; logutil.h).
 * Unlike Docker the default is bounded: max-size 10m, max-file 3.
 * The writer holds a shared flock on the live file; a follower knows the log is closed when it
 * can take the lock exclusively. `tail` reads backwards from the end instead of scanning. */
#include <berth/logging.h>
#include "logutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#define DEFAULT_MAX_SIZE (10LL * 1000 * 1000)
#define DEFAULT_MAX_FILE 3

static const struct berth_host *host;

struct berth_logger {
	char *path;
	int fd;
	int64_t size;
	int64_t max_size;            /* -1 = unlimited */
	int max_file;
	int compress;
	struct lgu_compressor comp;
};

static const struct lgu_limits LIMITS = { 1000, DEFAULT_MAX_SIZE, DEFAULT_MAX_FILE, INT_MAX, 0 };

static char *log_path(const char *dir, const char *id, int n)
{
	char *p;
	if (n == 0) {
		if (asprintf(&p, "%s/%s-json.log", dir, id) < 0)
			return NULL;
	} else if (asprintf(&p, "%s/%s-json.log.%d", dir, id, n) < 0) {
		return NULL;
	}
	return p;
}

static int open_live(struct berth_logger *lg, struct berth_error *err)
{
	struct stat st;

	lg->fd = lgu_open_live(lg->path, O_WRONLY | O_APPEND, NULL, 0);
	if (lg->fd < 0)
		return host->error(err, errno, "open %s: %s", lg->path, strerror(errno));
	lg->size = fstat(lg->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

static struct berth_logger *jf_open(const char *dir, const char *id, const char *options_json,
				    struct berth_error *err)
{
	struct berth_logger *lg = calloc(1, sizeof(*lg));
	struct lgu_options o;

	if (!lg)
		return NULL;
	lgu_read_options(host, "json-file", &LIMITS, options_json, &o);
	/* Docker's refusals, word for word (its own max-size default is unlimited, so a compress
	 * that the user sets needs both limits given) */
	if (o.compress_invalid) {
		host->error(err, EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax", o.compress_raw);
		free(lg);
		return NULL;
	}
	if (o.compress && (o.max_file < 2 || o.max_size < 0)) {
		host->error(err, EINVAL, "compress cannot be true when max-file is less than 2 or max-size is not set");
		free(lg);
		return NULL;
	}
	lg->max_size = o.max_size;
	lg->max_file = o.max_file;
	lg->compress = o.compress;
	lg->path = log_path(dir, id, 0);
	if (!lg->path || open_live(lg, err) < 0) {
		free(lg->path);
		free(lg);
		return NULL;
	}
	lgu_compress_cleanup(lg->path);
	return lg;
}

static void format_time(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char f[16];
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		int d = 9;
		snprintf(f, sizeof(f), "%09ld", frac);
		while (d > 0 && f[d - 1] == '0')
			f[--d] = 0;
		n += (size_t)snprintf(buf + n, len - n, ".%s", f);
	}
	snprintf(buf + n, len - n, "Z");
}

static void rename_file(const char *from, const char *to)
{
	rename(from, to);
}

static void remove_file(const char *path)
{
	unlink(path);
}

static int scan_file(int fd, struct lgu_gz_meta *meta);

static int rotate(struct berth_logger *lg, struct berth_error *err)
{
	int old = lg->fd, r;

	lgu_compress_wait(&lg->comp);   /* it works on the generation we are about to rename */
	/* the old file stays open (and locked) until the next one is in place: a follower must
	 * never find the live file unlocked while we are still writing */
	if (lg->max_file <= 1) {
		if (truncate(lg->path, 0) < 0)
			return host->error(err, errno, "truncate %s", lg->path);
		lg->size = 0;
		return 0;   /* the same file, still open for appending */
	}
	lgu_shift_files(lg->path, lg->max_file, rename_file, remove_file);
	if (lg->compress)
		lgu_compress_start(&lg->comp, lg->path, scan_file, NULL);
	r = open_live(lg, err);
	close(old);
	return r;
}

static int jf_write(struct berth_logger *lg, const struct berth_log_message *msg, struct berth_error *err)
{
	char tbuf[64], *line = malloc(msg->len * 6 + 128), *p = line;
	size_t n;

	if (!line)
		return host->error(err, ENOMEM, "out of memory");
	p += sprintf(p, "{\"log\":\"");
	for (size_t i = 0; i < msg->len; i++) {
		unsigned char c = (unsigned char)msg->line[i];
		switch (c) {
		case '"': *p++ = '\\'; *p++ = '"'; break;
		case '\\': *p++ = '\\'; *p++ = '\\'; break;
		case '\n': *p++ = '\\'; *p++ = 'n'; break;
		case '\r': *p++ = '\\'; *p++ = 'r'; break;
		case '\t': *p++ = '\\'; *p++ = 't'; break;
		case '<': case '>': case '&':   /* Go's encoder escapes these; so do Docker's logs */
			p += sprintf(p, "\\u%04x", c);
			break;
		default:
			if (c < 0x20)
				p += sprintf(p, "\\u%04x", c);
			else
				*p++ = (char)c;
		}
	}
	format_time(msg->time_ns, tbuf, sizeof(tbuf));
	p += sprintf(p, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", msg->stream == 2 ? "stderr" : "stdout", tbuf);
	n = (size_t)(p - line);
	if (lg->max_size > 0 && lg->size > 0 && lg->size + (int64_t)n > lg->max_size && rotate(lg, err) < 0) {
		free(line);
		return -1;
	}
	for (size_t off = 0; off < n;) {
		ssize_t w = write(lg->fd, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			free(line);
			return host->error(err, errno, "write %s: %s", lg->path, strerror(errno));
		}
		off += (size_t)w;
	}
	lg->size += (int64_t)n;
	free(line);
	return 0;
}

static void jf_close(struct berth_logger *lg)
{
	if (!lg)
		return;
	lgu_compress_wait(&lg->comp);
	close(lg->fd);
	free(lg->path);
	free(lg);
}

/* ---- reading ---- */

static int64_t parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p;
	int64_t ns = 0, scale = 100000000;

	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = strchr(s, '.');
	if (p)
		for (p++; *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
			ns += (*p - '0') * scale;
	return (int64_t)timegm(&tm) * 1000000000 + ns;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil): timegm()
 * per line is a measurable share of reading a large log. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac]Z" as our writer formats it, else parse_time(). */
static int64_t parse_time_fast(const char *s, size_t len)
{
	int Y, M, D, h, mi, sec;
	int64_t ns = 0, scale = 100000000;
	size_t i = 19;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    (Y = digits(s, 4)) < 0 || (M = digits(s + 5, 2)) < 1 || M > 12 || (D = digits(s + 8, 2)) < 1 ||
	    (h = digits(s + 11, 2)) < 0 || (mi = digits(s + 14, 2)) < 0 || (sec = digits(s + 17, 2)) < 0)
		goto slow;
	if (s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			ns += (s[i] - '0') * scale;
	if (i != len - 1 || s[i] != 'Z')
		goto slow;
	return ((days_from_civil(Y, M, D) * 24 + h) * 60 + mi) * (int64_t)60000000000 + sec * (int64_t)1000000000 + ns;
slow:
	{
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)len, s);
		return parse_time(tmp);
	}
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				  c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Decode the JSON string starting after its opening quote into out (room for its length, which
 * decoding never exceeds); returns the position after the closing quote, or NULL. */
static const char *json_string_decode(const char *p, const char *end, char *out, size_t *outlen)
{
	char *o = out;

	while (p < end && *p != '"') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= end)
			return NULL;
		switch (*p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int c;
			if (end - p < 4 || (c = hex4(p)) < 0)
				return NULL;
			p += 4;
			if (c >= 0xd800 && c < 0xdc00) {   /* a surrogate pair */
				int lo;
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
					return NULL;
				p += 6;
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			} else if (c >= 0xdc00 && c < 0xe000) {
				return NULL;
			}
			if (c < 0x80) {
				*o++ = (char)c;
			} else if (c < 0x800) {
				*o++ = (char)(0xc0 | c >> 6); *o++ = (char)(0x80 | (c & 0x3f));
			} else if (c < 0x10000) {
				*o++ = (char)(0xe0 | c >> 12); *o++ = (char)(0x80 | (c >> 6 & 0x3f));
				*o++ = (char)(0x80 | (c & 0x3f));
			} else {
				*o++ = (char)(0xf0 | c >> 18); *o++ = (char)(0x80 | (c >> 12 & 0x3f));
				*o++ = (char)(0x80 | (c >> 6 & 0x3f)); *o++ = (char)(0x80 | (c & 0x3f));
			}
			break;
		}
		default:
			return NULL;
		}
	}
	if (p >= end)
		return NULL;
	*outlen = (size_t)(o - out);
	return p + 1;
}

/* The lines our writer makes, {"log":"...","stream":"stdout|stderr","time":"..."}, decoded
 * without building a JSON tree (jansson was most of the time of a big `logs`); 0 = decoded,
 * -1 = not in that shape (the caller falls back to jansson). */
static int parse_line_fast(const char *line, size_t len, char **buf, size_t *cap, struct berth_log_message *m)
{
	static const char K_LOG[] = "{\"log\":\"", K_STREAM[] = ",\"stream\":\"", K_TIME[] = "\",\"time\":\"";
	const char *p = line, *end = line + len, *t;
	size_t n;

	if (len < sizeof(K_LOG) - 1 || memcmp(p, K_LOG, sizeof(K_LOG) - 1))
		return -1;
	p += sizeof(K_LOG) - 1;
	if (*cap < len + 1) {
		char *nb = realloc(*buf, len + 1);
		if (!nb)
			return -1;
		*buf = nb;
		*cap = len + 1;
	}
	if (!(p = json_string_decode(p, end, *buf, &n)))
		return -1;
	(*buf)[n] = 0;
	if ((size_t)(end - p) < sizeof(K_STREAM) - 1 + 6 + sizeof(K_TIME) - 1 + 2 ||
	    memcmp(p, K_STREAM, sizeof(K_STREAM) - 1))
		return -1;
	p += sizeof(K_STREAM) - 1;
	if (!memcmp(p, "stdout", 6))
		m->stream = 1;
	else if (!memcmp(p, "stderr", 6))
		m->stream = 2;
	else
		return -1;
	p += 6;
	if (memcmp(p, K_TIME, sizeof(K_TIME) - 1))
		return -1;
	p += sizeof(K_TIME) - 1;
	t = memchr(p, '"', (size_t)(end - p));
	if (!t || end - t != 2 || t[1] != '}')
		return -1;
	m->time_ns = parse_time_fast(p, (size_t)(t - p));
	m->line = *buf;
	m->len = n;
	m->partial = n == 0 || (*buf)[n - 1] != '\n';
	return 0;
}

/* Parse one line and hand it to the sink if it passes the time window; 1 = stop. */
static int deliver(const char *line, size_t len, const struct berth_log_read_opts *o, berth_log_sink sink,
		   void *cookie, int *past_until, char **buf, size_t *cap)
{
	struct berth_log_message m = { 0 };
	json_t *j;
	const char *log, *stream;
	int r = 0;

	if (parse_line_fast(line, len, buf, cap, &m) == 0) {
		if (o->since_ns && m.time_ns < o->since_ns)
			return 0;
		if (o->until_ns && m.time_ns > o->until_ns) {
			*past_until = 1;
			return 0;
		}
		return sink(&m, cookie);
	}
	if (!(j = json_loadb(line, len, 0, NULL)))
		return 0;   /* a torn last line of a crashed writer */
	log = json_string_value(json_object_get(j, "log"));
	stream = json_string_value(json_object_get(j, "stream"));
	m.time_ns = parse_time(json_string_value(json_object_get(j, "time")));
	if (log && (!o->since_ns || m.time_ns >= o->since_ns)) {
		if (o->until_ns && m.time_ns > o->until_ns) {
			*past_until = 1;
		} else {
			m.stream = stream && !strcmp(stream, "stderr") ? 2 : 1;
			m.line = log;
			m.len = json_string_length(json_object_get(j, "log"));
			m.partial = m.len == 0 || log[m.len - 1] != '\n';
			r = sink(&m, cookie);
		}
	}
	json_decref(j);
	return r;
}

/* Read fd from off to its end line by line, advancing off past each complete line (a partial
 * last line stays unread until its newline arrives). */
static int read_lines(int fd, off_t *off, const struct berth_log_read_opts *o, berth_log_sink sink,
		      void *cookie, int *past_until)
{
	size_t cap = 65536, dcap = 0;
	char *buf = malloc(cap), *decoded = NULL;
	ssize_t n;
	int stop = 0;

	while (buf && !stop && !*past_until && (n = pread(fd, buf, cap, *off)) > 0) {
		char *start = buf, *nl;
		size_t left = (size_t)n;
		int any = 0;
		while (!stop && !*past_until && (nl = memchr(start, '\n', left))) {
			size_t l = (size_t)(nl - start);
			stop = deliver(start, l, o, sink, cookie, past_until, &decoded, &dcap);
			*off += (off_t)l + 1;
			left -= l + 1;
			start = nl + 1;
			any = 1;
		}
		if (!any) {
			if ((size_t)n < cap)
				break;          /* an unfinished last line */
			cap *= 2;           /* a line longer than the buffer */
			char *nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
	}
	free(buf);
	free(decoded);
	return stop;
}

static int count_line(const struct berth_log_message *m, void *cookie)
{
	struct lgu_gz_meta *meta = cookie;
	meta->count++;
	meta->last_time_ns = m->time_ns;
	return 0;
}

/* The compressed file's header meta: its last line's time and how many lines it holds. */
static int scan_file(int fd, struct lgu_gz_meta *meta)
{
	struct berth_log_read_opts all = { .tail = -1 };
	off_t off = 0;
	int past_until = 0;

	meta->count = 0;
	meta->last_time_ns = INT64_MIN;
	read_lines(fd, &off, &all, count_line, meta, &past_until);
	return 0;
}

/* Offset in fd where the last `want` complete lines start; *found counts lines seen. */
static off_t tail_offset(int fd, int64_t want, int64_t *found)
{
	char buf[8192];
	struct stat st;
	off_t pos, end;

	*found = 0;
	if (fstat(fd, &st) < 0)
		return 0;
	end = pos = st.st_size;
	/* the file ends with '\n': that newline closes the last line, it does not start one */
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t n = pread(fd, buf, chunk, pos - (off_t)chunk);
		if (n <= 0)
			break;
		for (ssize_t i = n - 1; i >= 0; i--) {
			off_t at = pos - (off_t)chunk + i;
			if (buf[i] != '\n' || at == end - 1)
				continue;
			if (++*found == want)
				return at + 1;
		}
		pos -= (off_t)chunk;
	}
	if (end > 0)
		++*found;   /* the first line of the file */
	return 0;
}

struct whole {
	const struct berth_log_read_opts *o;
	berth_log_sink sink;
	void *cookie;
	int *past_until;
};

static int read_whole(int fd, void *ctx)
{
	struct whole *w = ctx;
	off_t off = 0;
	return read_lines(fd, &off, w->o, w->sink, w->cookie, w->past_until) || *w->past_until;
}

static int jf_read(const char *dir, const char *id, const char *options_json,
		   const struct berth_log_read_opts *o, berth_log_sink sink, void *cookie,
		   struct berth_error *err)
{
	struct lgu_options opt;
	int first = 0, past_until = 0, stop = 0, gz, nfiles;
	off_t start_off = 0;
	char *live = log_path(dir, id, 0);

	(void)err;
	lgu_read_options(host, "json-file", &LIMITS, options_json, &opt);
	nfiles = lgu_count_generations(live, opt.max_file);
	/* oldest generation first; with since, skip the compressed ones that end before it (their
	 * header says when) without inflating them */
	first = nfiles - 1;
	if (o->since_ns) {
		struct lgu_gz_meta meta;
		while (first > 0 && lgu_generation_meta(live, first, &meta) == 0 && meta.last_time_ns < o->since_ns)
			first--;
	}
	/* with tail, find where the last N lines begin */
	if (o->tail >= 0) {
		int64_t need = o->tail;
		int tail_first = -1;
		off_t tail_off = 0;
		for (int i = 0; i < nfiles && need > 0; i++) {
			struct lgu_gz_meta meta;
			int64_t found;
			int fd;
			if (lgu_generation_meta(live, i, &meta) == 0 && meta.count <= need) {
				tail_first = i;   /* all of a compressed file, counted without inflating it */
				tail_off = 0;
				need -= meta.count;
				continue;
			}
			if ((fd = lgu_open_generation(live, i, &gz)) < 0)
				break;
			tail_off = tail_offset(fd, need, &found);
			close(fd);
			tail_first = i;
			need = found >= need ? 0 : need - found;
		}
		if (tail_first < 0) {
			first = -1;
		} else if (tail_first <= first) {
			first = tail_first;
			start_off = tail_off;
		}
	}
	if (first >= 0 || o->follow) {
		int fd = -1, missing = 0;
		struct stat st;
		off_t off = first == 0 ? start_off : 0;
		if (first >= 1) {
			/* the oldest generation wanted by its number, each later one as the successor of
			 * the one before (lgu_follow_next): rotation may renumber them while we read */
			struct lgu_identity id = lgu_generation_identity(live, first);
			struct whole w = { o, sink, cookie, &past_until };
			off_t o1 = start_off;
			if ((fd = lgu_open_generation(live, first, &gz)) >= 0) {
				stop = read_lines(fd, &o1, o, sink, cookie, &past_until) || past_until;
				close(fd);
			}
			fd = stop ? -1 : lgu_follow_next(live, id, read_whole, &w, &stop);
		} else {
			fd = lgu_open_live_read(live);
		}
		if (first < 0 && fd >= 0 && fstat(fd, &st) == 0)
			off = st.st_size;   /* --tail 0 --follow: only what comes next */
		if (fd >= 0 && !stop && !past_until)
			stop = read_lines(fd, &off, o, sink, cookie, &past_until);
		while (o->follow && fd >= 0 && !stop && !past_until) {
			int gone = lgu_writer_gone(live, &missing);
			stop = read_lines(fd, &off, o, sink, cookie, &past_until);
			if (stop || past_until)
				break;
			if (lgu_rotated_away(live, fd)) {
				/* rotated: finish the old file (our fd reads it even once it is compressed
				 * and unlinked), then whatever was rotated after it, then the new live one */
				struct whole w = { o, sink, cookie, &past_until };
				struct stat old;
				stop = read_lines(fd, &off, o, sink, cookie, &past_until);
				fstat(fd, &old);
				close(fd);
				if (stop || past_until)
					break;
				fd = lgu_follow_next(live, lgu_identity_of(&old), read_whole, &w, &stop);
				off = 0;
				continue;
			}
			if (gone)
				break;
			usleep(100000);
		}
		if (fd >= 0)
			close(fd);
	}
	free(live);
	return 0;
}

static uint32_t jf_capabilities(void)
{
	return BERTH_LOG_CAP_READ | BERTH_LOG_CAP_LOCAL;
}

static int jf_validate(const char *options_json, struct berth_error *err);

static const struct berth_logging_ops OPS = {
	.capabilities = jf_capabilities, .open = jf_open, .write = jf_write, .read = jf_read,
	.close = jf_close, .validate = jf_validate,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_LOGGING, "json-file", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	host = h;
	return &DESC;
}

/* ---- option checks (logging ABI minor 1), as Docker's json-file driver words them ---- */
#include "logopts.h"

static int jf_validate(const char *options_json, struct berth_error *err)
{
	static const char *const KEYS[] = { "max-file", "max-size", "compress", "labels", "labels-regex",
					    "env", "env-regex", "tag", NULL };
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	const char *bad, *ms, *mf, *cp;
	long long files = 1;
	int compress = 0, r = 0;

	if (!json_is_object(o))
		r = host->error(err, EINVAL, "json-file: log options are not a JSON object");
	else if ((bad = lgo_unknown_key(o, KEYS)))
		r = host->error(err, EINVAL, "unknown log opt '%s' for json-file log driver", bad);
	/* "-1" is berth's own: unbounded (its default is bounded, unlike Docker's) */
	else if ((ms = lgo_get(o, "max-size")) && strcmp(ms, "-1") && !lgo_human_size(ms))
		r = host->error(err, EINVAL, "failed to initialize logging driver: invalid size: '%s'", ms);
	else if (ms && strcmp(ms, "-1") && lgu_parse_size(ms, 1000) <= 0)
		r = host->error(err, EINVAL, "failed to initialize logging driver: max-size must be a positive number");
	else if ((mf = lgo_get(o, "max-file")) && !lgo_atoi(mf, &files))
		r = host->error(err, EINVAL, "failed to initialize logging driver: strconv.Atoi: parsing \"%s\": invalid syntax", mf);
	else if (mf && files < 1)
		r = host->error(err, EINVAL, "failed to initialize logging driver: max-file cannot be less than 1");
	else if ((cp = lgo_get(o, "compress")) && (compress = lgu_parse_bool(cp)) < 0)
		r = host->error(err, EINVAL, "failed to initialize logging driver: strconv.ParseBool: parsing \"%s\": invalid syntax", cp);
	else if (compress) {
		struct lgu_options lo;
		lgu_read_options(host, "json-file", &LIMITS, options_json, &lo);
		if (lo.max_file < 2 || lo.max_size < 0)
			r = host->error(err, EINVAL, "failed to initialize logging driver: compress cannot be true when "
					"max-file is less than 2 or max-size is not set");
	}
	json_decref(o);
	return r;
}
