/* File-system and string helpers. */
#include "common/util.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		abort();
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

int mkdir_p(const char *path, mode_t mode, berr_t *err)
{
	_cleanup_free_ char *p = NULL;
	char *s;

	/* the common case is a dir that exists, or whose parent does: one syscall, not one per
	 * component */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return berr_sys(err, errno, "mkdir %s", path);
	p = xstrdup(path);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return berr_sys(err, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return berr_sys(err, errno, "mkdir %s", p);
	return 0;
}

static int remove_at(int parent, const char *name, dev_t dev, berr_t *err)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_sys(err, errno, "stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		int fd;
		DIR *d;
		struct dirent *de;
		int r = 0;

		if (st.st_dev != dev)
			return berr_set(err, EXDEV, "refusing to remove %s: another file system is mounted there", name);
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_sys(err, errno, "open %s", name);
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return berr_sys(err, errno, "opendir %s", name);
		}
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			r = remove_at(dirfd(d), de->d_name, dev, err);
			if (r < 0)
				break;
		}
		closedir(d);
		if (r < 0)
			return r;
		if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return berr_sys(err, errno, "rmdir %s", name);
		return 0;
	}
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return berr_sys(err, errno, "unlink %s", name);
	return 0;
}

int remove_tree(const char *path, berr_t *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : berr_sys(err, errno, "stat %s", path);
	return remove_at(AT_FDCWD, path, st.st_dev, err);
}

int read_file(const char *path, char **out, size_t *len, berr_t *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t cap, n = 0;
	char *buf;

	if (fd < 0)
		return berr_sys(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return berr_sys(err, errno, "stat %s", path);
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return berr_sys(err, e, "read %s", path);
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = 0;
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

const char *go_errno(int e, char buf[128])
{
	snprintf(buf, 128, "%s", strerror(e));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= w;
	}
	return 0;
}

int fsync_dir(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, berr_t *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd, r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return berr_sys(err, errno, "create %s", tmp);
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return berr_sys(err, -r, "write %s", path);
	}
	if (slash) {
		*slash = 0;
		fsync_dir(*dir ? dir : "/");
	}
	return 0;
}

int write_file_atomic_with(const char *path, mode_t mode, int (*fill)(int fd, void *arg, berr_t *err),
			   void *arg, berr_t *err)
{
	_cleanup_free_ char *tmp = NULL, *dir = xstrdup(path);
	char id[65], *slash;
	int fd, r;

	random_hex_id(id);
	tmp = xasprintf("%s.tmp-%.12s", path, id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return berr_sys(err, errno, "create %s", tmp);
	r = fill(fd, arg, err);
	if (r == 0 && fsync(fd) < 0)
		r = berr_sys(err, errno, "write %s", path);
	if (close(fd) < 0 && r == 0)
		r = berr_sys(err, errno, "write %s", path);
	if (r == 0 && rename(tmp, path) < 0)
		r = berr_sys(err, errno, "rename to %s", path);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		fsync_dir(*dir ? dir : "/");
	}
	return 0;
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

void random_hex_id(char out[65])
{
	unsigned char b[32];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			abort();
		got += r;
	}
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[64] = 0;
}

int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void format_rfc3339nano(int64_t ns, char *buf, size_t len)
{
	time_t sec = ns / 1000000000;
	long frac = ns % 1000000000;
	struct tm tm;
	char fs[16] = "";
	size_t n;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	if (frac) {
		snprintf(fs, sizeof(fs), ".%09ld", frac);
		n = strlen(fs);
		while (n > 1 && fs[n - 1] == '0')
			fs[--n] = 0;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fs);
}

int parse_rfc3339(const char *s, int64_t *ns)
{
	struct tm tm = { 0 };
	const char *p;
	int64_t frac = 0, off = 0;
	int digits = 0;

	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		while (digits < 9) {
			frac *= 10;
			digits++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -EINVAL;
		off = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*ns = ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
	return 0;
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');   /* comm may hold spaces */
	if (!p)
		return 0;
	/* a zombie is dead for our purposes (its parent may never reap it) */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	/* after ") " come fields 3..; starttime is field 22 (counted by hand: scanf is a large
	 * part of libc to map into every monitor for one number) */
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		st = st * 10 + (unsigned long long)(*p - '0');
	return *p == ' ' || *p == '\n' || !*p ? st : 0;
}

int fd_recv(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int proc_wait_gone(pid_t pid, uint64_t start, int timeout_ms)
{
	int fd;

	if (pid <= 0 || proc_start_time(pid) != start)
		return 0;
	/* a pidfd wakes us the moment it exits; checked again after opening it, so it is that process */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (proc_start_time(pid) == start)
			while (poll(&pf, 1, timeout_ms) < 0 && errno == EINTR)
				;
		close(fd);
	} else {
		for (int waited = 0; waited < timeout_ms && proc_start_time(pid) == start; waited++)
			usleep(1000);
	}
	return proc_start_time(pid) == start ? -ETIMEDOUT : 0;
}

char *path_clean(const char *path)
{
	char *out = xmalloc(strlen(path) + 2), *o = out;
	const char *p = path;

	*o++ = '/';
	while (*p) {
		const char *e;
		size_t len;
		while (*p == '/')
			p++;
		e = p + strcspn(p, "/");
		len = (size_t)(e - p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > out + 1 && o[-1] != '/')
				o--;
			if (o > out + 1)
				o--;
		} else {
			if (o > out + 1)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p = e;
	}
	*o = 0;
	return out;
}
