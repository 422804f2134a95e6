/* The attach protocol spoken on exec-root/containers/<id>/attach.sock between the monitor and
 * clients: frames of [type u8][length u32 big-endian][payload], in both directions. */
#ifndef BERTH_ATTACH_H
#define BERTH_ATTACH_H

#include <stddef.h>
#include <stdint.h>

enum attach_frame {
	ATTACH_STDIN = 0,            /* client -> monitor: bytes for the container's stdin */
	ATTACH_STDOUT = 1,           /* monitor -> client */
	ATTACH_STDERR = 2,
	ATTACH_STDIN_EOF = 3,        /* client -> monitor: close the container's stdin */
	ATTACH_RESIZE = 4,           /* client -> monitor: "rows cols" */
	ATTACH_EXIT = 5,             /* monitor -> client: "code" as decimal text, then close */
};

#define ATTACH_MAX_FRAME (64 * 1024)

/* Fill sa with the attach socket of the container whose run dir is dirfd's: a path through
 * /proc/self/fd, so a long exec root cannot overflow sun_path. */
struct sockaddr_un;
void attach_sockaddr(struct sockaddr_un *sa, int dirfd);

/* Write one frame (blocking); 0 or -errno. */
int attach_send(int fd, int type, const void *data, size_t len);
/* Read one frame into buf (cap ATTACH_MAX_FRAME); returns payload length, -1 on EOF/error. */
long attach_recv(int fd, int *type, char *buf, size_t cap);

#endif
