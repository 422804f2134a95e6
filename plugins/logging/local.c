/* Logging driver "local": a compact binary log in <dir>/local-logs/container.log, rotated to
 * container.log.1 ... container.log.<max-file - 1> at max-size (defaults 20m and 5, as Docker's)
 * and, as Docker's, gzipped to container.log.N.gz unless compress=false (logutil.h).
 *
 * A file starts with the 8-byte magic "BERTHLG1" and holds records
 *     [u32 n][i64 time_ns][u8 stream][u8 flags][n - 10 bytes of data][u32 n]   (little endian)
 * where flags bit 0 = partial. The trailing n lets `tail` walk records backwards from the end.
 * Beside each log file, <file>.idx is a sparse index of 16-byte (i64 time_ns, i64 offset)
 * entries, one every INDEX_EVERY bytes of log, so `since` starts reading near its first record
 * (binary search over the index) instead of scanning the file. The writer holds a shared flock
 * on the live file; a follower knows the log is closed when it can take the lock exclusively. */
#include <berth/logging.h>
#include "logutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#define DEFAULT_MAX_SIZE (20LL * 1024 * 1024)   /* Docker's local driver: 20 MiB */
#define DEFAULT_MAX_FILE 5
#define DEFAULT_COMPRESS 1
#define MAGIC "BERTHLG1"
#define MAGIC_LEN 8
#define REC_FIXED 10                             /* time + stream + flags */
#define REC_OVERHEAD (REC_FIXED + 8)             /* plus both lengths */
#define REC_MAX (64u * 1024 * 1024)              /* sanity bound for a record length */
#define INDEX_EVERY (32 * 1024)
#define MAX_FILES 1000

static const struct berth_host *host;

struct berth_logger {
	char *path;
	int fd;
	int idx_fd;
	int64_t size;
	int64_t last_indexed;        /* offset of the last index entry */
	int64_t max_size;            /* -1 = unlimited */
	int max_file;
	int compress;
	struct lgu_compressor comp;
};

/* Docker's local driver: go-units RAMInBytes, binary units; rotated files compressed */
static const struct lgu_limits LIMITS = { 1024, DEFAULT_MAX_SIZE, DEFAULT_MAX_FILE, MAX_FILES, DEFAULT_COMPRESS };

static char *log_path(const char *dir, const char *id, int n)
{
	char *p;
	(void)id;
	if (n == 0)
		return asprintf(&p, "%s/local-logs/container.log", dir) < 0 ? NULL : p;
	return asprintf(&p, "%s/local-logs/container.log.%d", dir, n) < 0 ? NULL : p;
}

static char *index_path(const char *log)
{
	char *p;
	return asprintf(&p, "%s.idx", log) < 0 ? NULL : p;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

struct reader {
	const struct berth_log_read_opts *o;
	berth_log_sink sink;
	void *cookie;
	int stop;                    /* the sink asked to stop, or until was passed */
};

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Offset just past the last whole record of fd (a crashed writer may leave a torn one). */
static off_t valid_end(int fd, off_t size)
{
	unsigned char h[4], t[4];
	off_t off = MAGIC_LEN;

	if (size >= MAGIC_LEN + REC_OVERHEAD && pread(fd, t, 4, size - 4) == 4) {
		uint32_t n = get32(t);
		if (n >= REC_FIXED && n <= REC_MAX && (off_t)n + 8 <= size - MAGIC_LEN &&
		    pread(fd, h, 4, size - (off_t)n - 8) == 4 && get32(h) == n)
			return size;    /* the usual case: the last record is whole */
	}
	while (off + 8 <= size && pread(fd, h, 4, off) == 4) {
		uint32_t n = get32(h);
		if (n < REC_FIXED || n > REC_MAX || off + (off_t)n + 8 > size)
			break;
		off += (off_t)n + 8;
	}
	return off;
}

static int open_live(struct berth_logger *lg, struct berth_error *err)
{
	struct stat st;
	char *ip;

	lg->fd = lgu_open_live(lg->path, O_RDWR | O_APPEND, MAGIC, MAGIC_LEN);
	if (lg->fd < 0)
		return host->error(err, errno, "open %s: %s", lg->path, strerror(errno));
	lg->size = fstat(lg->fd, &st) == 0 ? st.st_size : 0;
	if (lg->size < MAGIC_LEN) {
		if (ftruncate(lg->fd, 0) < 0 || write_all(lg->fd, MAGIC, MAGIC_LEN) < 0)
			return host->error(err, errno, "write %s: %s", lg->path, strerror(errno));
		lg->size = MAGIC_LEN;
	} else {
		off_t end = valid_end(lg->fd, lg->size);
		if (end != lg->size && ftruncate(lg->fd, end) == 0)
			lg->size = end;
	}
	ip = index_path(lg->path);
	lg->idx_fd = ip ? open(ip, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640) : -1;
	free(ip);
	lg->last_indexed = lg->idx_fd >= 0 && fstat(lg->idx_fd, &st) == 0 && st.st_size > 0 ? lg->size : -1;
	return 0;
}

static struct berth_logger *local_open(const char *dir, const char *id, const char *options_json,
				       struct berth_error *err)
{
	struct berth_logger *lg = calloc(1, sizeof(*lg));
	struct lgu_options o;
	char *sub = NULL;

	if (!lg)
		return NULL;
	lgu_read_options(host, "local", &LIMITS, options_json, &o);
	/* Docker's refusals, word for word */
	if (o.compress_invalid || (o.compress && o.max_file == 1)) {
		if (o.compress_invalid)
			host->error(err, EINVAL, "error reading compress log option: strconv.ParseBool: parsing \"%s\": invalid syntax",
				    o.compress_raw);
		else
			host->error(err, EINVAL, "compression cannot be enabled when max file count is 1");
		free(lg);
		return NULL;
	}
	lg->max_size = o.max_size;
	lg->max_file = o.max_file;
	lg->compress = o.compress;
	if (asprintf(&sub, "%s/local-logs", dir) < 0 || (mkdir(sub, 0750) < 0 && errno != EEXIST)) {
		host->error(err, errno, "mkdir %s: %s", sub ? sub : dir, strerror(errno));
		free(sub);
		free(lg);
		return NULL;
	}
	free(sub);
	lg->path = log_path(dir, id, 0);
	if (!lg->path || open_live(lg, err) < 0) {
		free(lg->path);
		free(lg);
		return NULL;
	}
	lgu_compress_cleanup(lg->path);
	return lg;
}

static void close_live(struct berth_logger *lg)
{
	if (lg->fd >= 0)
		close(lg->fd);
	if (lg->idx_fd >= 0)
		close(lg->idx_fd);
	lg->fd = lg->idx_fd = -1;
}

static void rename_pair(const char *from, const char *to)
{
	char *fi = index_path(from), *ti = index_path(to);
	rename(from, to);
	if (fi && ti && rename(fi, ti) < 0)
		unlink(ti);   /* never pair a log with an older file's index */
	free(fi);
	free(ti);
}

/* A log file and its index (a compressed file has none: readers inflate it whole). */
static void remove_pair(const char *path)
{
	char *ip = index_path(path);
	unlink(path);
	if (ip)
		unlink(ip);
	free(ip);
}

static void drop_index(const char *path)
{
	char *ip = index_path(path);
	if (ip)
		unlink(ip);
	free(ip);
}

static void read_records(int fd, off_t *off, struct reader *r);

static int count_record(const struct berth_log_message *m, void *cookie)
{
	struct lgu_gz_meta *meta = cookie;
	meta->count++;
	meta->last_time_ns = m->time_ns;
	return 0;
}

/* The compressed file's header meta: its last record's time and how many it holds. */
static int scan_file(int fd, struct lgu_gz_meta *meta)
{
	struct berth_log_read_opts all = { .tail = -1 };
	struct reader r = { &all, count_record, meta, 0 };
	off_t off = MAGIC_LEN;

	meta->count = 0;
	meta->last_time_ns = INT64_MIN;
	read_records(fd, &off, &r);
	return 0;
}

static int rotate(struct berth_logger *lg, struct berth_error *err)
{
	int old = lg->fd, r;

	lgu_compress_wait(&lg->comp);   /* it works on the generation we are about to rename */
	/* the old file stays open (and locked) until the next one is in place: a follower must
	 * never find the live file unlocked while we are still writing */
	lg->fd = -1;
	close_live(lg);
	if (lg->max_file <= 1) {
		char *ip = index_path(lg->path);
		if (truncate(lg->path, 0) < 0) {
			close(old);
			return host->error(err, errno, "truncate %s", lg->path);
		}
		if (ip)
			unlink(ip);
		free(ip);
	} else {
		lgu_shift_files(lg->path, lg->max_file, rename_pair, remove_pair);
		if (lg->compress)
			lgu_compress_start(&lg->comp, lg->path, scan_file, drop_index);
	}
	r = open_live(lg, err);
	close(old);
	return r;
}

static int local_write(struct berth_logger *lg, const struct berth_log_message *msg, struct berth_error *err)
{
	size_t n = REC_FIXED + msg->len, total = n + 8;
	unsigned char *rec;
	int r;

	if (n > REC_MAX)
		return host->error(err, E2BIG, "log message too large");
	if (lg->max_size > 0 && lg->size > MAGIC_LEN && lg->size + (int64_t)total > lg->max_size &&
	    rotate(lg, err) < 0)
		return -1;
	if (!(rec = malloc(total)))
		return host->error(err, ENOMEM, "out of memory");
	put32(rec, (uint32_t)n);
	put64(rec + 4, (uint64_t)msg->time_ns);
	rec[12] = (unsigned char)msg->stream;
	rec[13] = msg->partial ? 1 : 0;
	memcpy(rec + 14, msg->line, msg->len);
	put32(rec + 14 + msg->len, (uint32_t)n);
	if (lg->idx_fd >= 0 && (lg->last_indexed < 0 || lg->size - lg->last_indexed >= INDEX_EVERY)) {
		unsigned char e[16];
		put64(e, (uint64_t)msg->time_ns);
		put64(e + 8, (uint64_t)lg->size);
		if (write_all(lg->idx_fd, e, sizeof(e)) == 0)
			lg->last_indexed = lg->size;
	}
	r = write_all(lg->fd, rec, total);   /* one write: a reader never sees half a record */
	free(rec);
	if (r < 0)
		return host->error(err, -r, "write %s: %s", lg->path, strerror(-r));
	lg->size += (int64_t)total;
	return 0;
}

static void local_close(struct berth_logger *lg)
{
	if (!lg)
		return;
	lgu_compress_wait(&lg->comp);
	close_live(lg);
	free(lg->path);
	free(lg);
}

/* Deliver whole records of fd from *off to its end; *off moves past each one delivered. */
static void read_records(int fd, off_t *off, struct reader *r)
{
	size_t cap = 65536;
	unsigned char *buf = malloc(cap);
	ssize_t got;

	while (buf && !r->stop && (got = pread(fd, buf, cap, *off)) > 0) {
		size_t at = 0;
		int any = 0;
		while (!r->stop && at + 4 <= (size_t)got) {
			uint32_t n = get32(buf + at);
			struct berth_log_message m = { 0 };
			if (n < REC_FIXED || n > REC_MAX) {
				r->stop = 1;            /* corrupt: never loop on it */
				break;
			}
			if (at + n + 8 > (size_t)got)
				break;
			m.time_ns = (int64_t)get64(buf + at + 4);
			m.stream = buf[at + 12];
			m.partial = buf[at + 13] & 1;
			m.line = (const char *)buf + at + 14;
			m.len = n - REC_FIXED;
			at += n + 8;
			*off += (off_t)n + 8;
			any = 1;
			if (r->o->until_ns && m.time_ns > r->o->until_ns)
				r->stop = 1;
			else if ((!r->o->since_ns || m.time_ns >= r->o->since_ns) && r->sink(&m, r->cookie))
				r->stop = 1;
		}
		if (!any) {
			unsigned char *nb;
			if ((size_t)got < cap)
				break;                  /* an unfinished last record */
			cap *= 2;                       /* a record longer than the buffer */
			if (!(nb = realloc(buf, cap)))
				break;
			buf = nb;
		}
	}
	free(buf);
}

/* Walk records of fd backwards from its end; returns the offset where the last `want` records
 * start, *found = how many were seen (fewer than want means the whole file). */
static off_t tail_offset(int fd, int64_t want, int64_t *found)
{
	struct stat st;
	off_t pos;
	unsigned char t[4];

	*found = 0;
	if (fstat(fd, &st) < 0)
		return MAGIC_LEN;
	pos = valid_end(fd, st.st_size);
	while (pos > MAGIC_LEN && *found < want && pread(fd, t, 4, pos - 4) == 4) {
		uint32_t n = get32(t);
		if (n < REC_FIXED || (off_t)n + 8 > pos - MAGIC_LEN)
			break;
		pos -= (off_t)n + 8;
		++*found;
	}
	return pos < MAGIC_LEN ? MAGIC_LEN : pos;
}

/* Time of the last record of fd, or INT64_MIN for an empty file. */
static int64_t last_time(int fd)
{
	struct stat st;
	unsigned char t[8];
	off_t end;

	if (fstat(fd, &st) < 0)
		return INT64_MIN;
	end = valid_end(fd, st.st_size);
	if (end < MAGIC_LEN + REC_OVERHEAD || pread(fd, t, 4, end - 4) != 4)
		return INT64_MIN;
	if (pread(fd, t, 8, end - (off_t)get32(t) - 4) != 8)
		return INT64_MIN;
	return (int64_t)get64(t);
}

/* Offset to start reading log file `path` for records at or after since_ns: the last index
 * entry older than since (binary search), else the start of the file. */
static off_t since_offset(const char *path, int64_t since_ns)
{
	char *ip = index_path(path);
	int fd = ip ? open(ip, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	off_t best = MAGIC_LEN;

	free(ip);
	if (fd < 0)
		return best;
	if (fstat(fd, &st) == 0) {
		int64_t lo = 0, hi = st.st_size / 16 - 1;
		unsigned char e[16];
		while (lo <= hi) {
			int64_t mid = lo + (hi - lo) / 2;
			if (pread(fd, e, 16, mid * 16) != 16)
				break;
			if ((int64_t)get64(e) < since_ns) {
				best = (off_t)get64(e + 8);
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
	}
	close(fd);
	return best;
}

static int read_whole(int fd, void *cookie)
{
	struct reader *r = cookie;
	off_t off = MAGIC_LEN;
	read_records(fd, &off, r);
	return r->stop;
}

static int local_read(const char *dir, const char *id, const char *options_json,
		      const struct berth_log_read_opts *o, berth_log_sink sink, void *cookie,
		      struct berth_error *err)
{
	struct reader r = { o, sink, cookie, 0 };
	int nfiles = 0, first, tail_first = -1, gz;
	off_t start_off = MAGIC_LEN, tail_off = MAGIC_LEN;
	char *live = log_path(dir, id, 0);

	(void)err;
	(void)options_json;
	/* generations present: container.log, .1[.gz], .2[.gz], ... */
	nfiles = lgu_count_generations(live, MAX_FILES);
	first = nfiles - 1;   /* oldest first */
	if (o->since_ns) {
		/* skip whole files that end before since (a compressed one says so in its header), then
		 * seek inside the first one that doesn't (a plain one has an index) */
		for (; first > 0; first--) {
			struct lgu_gz_meta meta;
			int64_t t = INT64_MIN;
			if (lgu_generation_meta(live, first, &meta) == 0) {
				t = meta.last_time_ns;
			} else {
				int fd = lgu_open_generation(live, first, &gz);
				t = fd >= 0 ? last_time(fd) : INT64_MIN;
				if (fd >= 0)
					close(fd);
			}
			if (t >= o->since_ns)
				break;
		}
		if (first >= 0) {
			char *p = log_path(dir, id, first);
			start_off = p && access(p, F_OK) == 0 ? since_offset(p, o->since_ns) : MAGIC_LEN;
			free(p);
		}
	}
	if (o->tail >= 0) {
		int64_t need = o->tail;
		tail_first = -1;   /* -1 = nothing (tail 0) */
		for (int i = 0; i < nfiles && need > 0; i++) {
			struct lgu_gz_meta meta;
			int64_t found = 0;
			int fd;
			if (lgu_generation_meta(live, i, &meta) == 0 && meta.count <= need) {
				/* all of a compressed file: counted without inflating it */
				tail_first = i;
				tail_off = MAGIC_LEN;
				need -= meta.count;
				continue;
			}
			if ((fd = lgu_open_generation(live, i, &gz)) < 0)
				break;
			tail_off = tail_offset(fd, need, &found);
			close(fd);
			tail_first = i;
			need -= found;
		}
		/* the later of the two starting points wins */
		if (tail_first < 0) {
			first = -1;
		} else if (tail_first < first || (tail_first == first && tail_off > start_off)) {
			first = tail_first;
			start_off = tail_off;
		}
	}
	if (first >= 0 || o->follow) {
		int fd = -1, missing = 0;
		struct stat st;
		off_t off = first == 0 ? start_off : MAGIC_LEN;
		if (first >= 1) {
			/* the oldest generation wanted by its number, each later one as the successor of
			 * the one before (lgu_follow_next): rotation may renumber them while we read */
			struct lgu_identity id = lgu_generation_identity(live, first);
			off_t o1 = start_off;
			if ((fd = lgu_open_generation(live, first, &gz)) >= 0) {
				read_records(fd, &o1, &r);
				close(fd);
			}
			fd = r.stop ? -1 : lgu_follow_next(live, id, read_whole, &r, &r.stop);
		} else {
			fd = lgu_open_live_read(live);
		}
		if (first < 0 && fd >= 0 && fstat(fd, &st) == 0)
			off = st.st_size > MAGIC_LEN ? st.st_size : MAGIC_LEN;   /* --tail 0 -f: only what comes next */
		if (fd >= 0 && !r.stop)
			read_records(fd, &off, &r);
		while (o->follow && fd >= 0 && !r.stop) {
			int gone = lgu_writer_gone(live, &missing);
			read_records(fd, &off, &r);
			if (r.stop)
				break;
			if (lgu_rotated_away(live, fd)) {
				/* rotated: finish the old file (our fd reads it even once it is compressed
				 * and unlinked), then whatever was rotated after it, then the new live one */
				struct stat old;
				read_records(fd, &off, &r);
				fstat(fd, &old);
				close(fd);
				fd = lgu_follow_next(live, lgu_identity_of(&old), read_whole, &r, &r.stop);
				off = MAGIC_LEN;
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

static uint32_t local_capabilities(void)
{
	return BERTH_LOG_CAP_READ | BERTH_LOG_CAP_LOCAL;
}

static int local_validate(const char *options_json, struct berth_error *err);

static const struct berth_logging_ops OPS = {
	.capabilities = local_capabilities, .open = local_open, .write = local_write,
	.read = local_read, .close = local_close, .validate = local_validate,
};

static const struct berth_plugin_desc DESC = {
	BERTH_ABI_MAJOR, BERTH_ABI_MINOR, BERTH_PLUGIN_LOGGING, "local", sizeof(OPS), &OPS,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *h)
{
	host = h;
	return &DESC;
}

/* ---- option checks (logging ABI minor 1), as Docker's local driver words them ---- */
#include "logopts.h"

static int local_validate(const char *options_json, struct berth_error *err)
{
	static const char *const KEYS[] = { "max-file", "max-size", "compress", NULL };
	json_t *o = json_loads(options_json ? options_json : "{}", 0, NULL);
	const char *bad, *ms, *mf, *cp;
	long long files = 0;
	int compress = 0, r = 0;

	if (!json_is_object(o))
		r = host->error(err, EINVAL, "local: log options are not a JSON object");
	else if ((bad = lgo_unknown_key(o, KEYS)))
		r = host->error(err, EINVAL, "unknown log opt '%s' for log driver local", bad);
	else if ((ms = lgo_get(o, "max-size")) && strcmp(ms, "-1") && !lgo_human_size(ms))
		r = host->error(err, EINVAL, "failed to initialize logging driver: invalid value for max-size: %s: "
				"invalid size: '%s'", ms, ms);
	else if ((mf = lgo_get(o, "max-file")) && !lgo_atoi(mf, &files))
		r = host->error(err, EINVAL, "failed to initialize logging driver: invalid value for max-file: %s: "
				"strconv.Atoi: parsing \"%s\": invalid syntax", mf, mf);
	else if (mf && files < 0)
		r = host->error(err, EINVAL, "failed to initialize logging driver: max file count cannot be less than 0");
	else if ((cp = lgo_get(o, "compress")) && (compress = lgu_parse_bool(cp)) < 0)
		r = host->error(err, EINVAL, "failed to initialize logging driver: error reading compress log option: "
				"strconv.ParseBool: parsing \"%s\": invalid syntax", cp);
	else if (compress && mf && files <= 1)
		r = host->error(err, EINVAL, "failed to initialize logging driver: compression cannot be enabled "
				"when max file count is 1");
	json_decref(o);
	return r;
}
