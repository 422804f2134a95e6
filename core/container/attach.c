/* Framing of the attach protocol, and the detach keys of interactive clients. */
#include "container/attach.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int attach_send(int fd, int type, const void *data, size_t len)
{
	unsigned char h[5] = { (unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
			       (unsigned char)(len >> 8), (unsigned char)len };
	if (write_all(fd, h, 5) < 0)
		return -errno;
	if (len && write_all(fd, data, len) < 0)
		return -errno;
	return 0;
}

/* Exactly len bytes: the end of the stream before them is an error too. */
static int read_exact(int fd, void *buf, size_t len)
{
	return read_full(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

long attach_recv(int fd, int *type, char *buf, size_t cap)
{
	unsigned char h[5];
	size_t len;

	if (read_exact(fd, h, 5) < 0)
		return -1;
	*type = h[0];
	len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
	if (len > cap)
		return -1;
	if (len && read_exact(fd, buf, len) < 0)
		return -1;
	return (long)len;
}

void attach_sockaddr(struct sockaddr_un *sa, int dirfd)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/attach.sock", dirfd);
}

long detach_keys_filter(struct detach_keys *dk, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (dk->len && in[i] == dk->keys[dk->matched]) {
			if (++dk->matched == dk->len)
				return -1;
			continue;
		}
		if (dk->matched) {
			/* a near miss: what was held is typed after all; this byte may start a new match */
			memcpy(out + o, dk->keys, dk->matched);
			o += dk->matched;
			dk->matched = 0;
			if (in[i] == dk->keys[0]) {
				if (dk->len == 1)
					return -1;
				dk->matched = 1;
				continue;
			}
		}
		out[o++] = in[i];
	}
	return (long)o;
}
