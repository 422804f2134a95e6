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
	ATTACH_STDIN_EOF = 3,        /* client -> monitor: its stdin ended (monitor.c: stdin_ended) */
	ATTACH_RESIZE = 4,           /* client -> monitor: "rows cols" */
	ATTACH_EXIT = 5,             /* monitor -> client: "code" as decimal text, then close */
	ATTACH_STDIN_OPEN = 6,       /* client -> monitor: this client attaches stdin (its going away
	                                ends that stdin, as an EOF would: monitor.c stdin_ended) */
};

#define ATTACH_MAX_FRAME (64 * 1024)

/* Fill sa with the attach socket of the container whose run dir is dirfd's: a path through
 * /proc/self/fd, so a long exec root cannot overflow sun_path. */
struct sockaddr_un;
void attach_sockaddr(struct sockaddr_un *sa, int dirfd);

/* The detach sequence as Docker's escape proxy matches it in what the user types: bytes that
 * match a prefix of keys are held back; the whole sequence detaches; a mismatch lets the held
 * bytes through. Used by attach (run -it, start -ai) and exec -it. */
struct detach_keys {
	const char *keys;            /* raw bytes; len 0 = never detach */
	size_t len, matched;
};

/* Filter n typed bytes into out (room for n + dk->len bytes): returns how many to forward, or
 * -1 when the sequence is complete (the caller detaches; nothing after it is forwarded). */
long detach_keys_filter(struct detach_keys *dk, const char *in, size_t n, char *out);

/* Write one frame (blocking); 0 or -errno. */
int attach_send(int fd, int type, const void *data, size_t len);
/* Read one frame into buf (cap ATTACH_MAX_FRAME); returns payload length, -1 on EOF/error. */
long attach_recv(int fd, int *type, char *buf, size_t cap);

#endif
