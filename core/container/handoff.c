/* The handoff of a run from the process that set it up to the monitor (container/spawn.h): the
 * struct as the payload of one SOCK_SEQPACKET message, its open fds by SCM_RIGHTS. A file of its
 * own because berth-monitor links it without the setup. */
#include "container/spawn.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The fds of a run, in the order they travel. */
static void run_fds(struct spawn_run *run, int *all[SPAWN_RUN_NFDS])
{
	int *fds[SPAWN_RUN_NFDS] = { &run->sync_fd, &run->exec_fd, &run->out_fd, &run->err_fd,
				     &run->in_fd, &run->console_fd, &run->oom_fd };
	memcpy(all, fds, sizeof(fds));
}

void spawn_run_init(struct spawn_run *run)
{
	int *all[SPAWN_RUN_NFDS];

	memset(run, 0, sizeof(*run));
	run->code = 125;
	run_fds(run, all);
	for (int i = 0; i < SPAWN_RUN_NFDS; i++)
		*all[i] = -1;
}

void spawn_run_close(struct spawn_run *run)
{
	int *all[SPAWN_RUN_NFDS];

	run_fds(run, all);
	for (int i = 0; i < SPAWN_RUN_NFDS; i++)
		if (*all[i] >= 0) {
			close(*all[i]);
			*all[i] = -1;
		}
}

int spawn_send(int sock, const struct spawn_run *run)
{
	int fds[SPAWN_RUN_NFDS], n = 0, *all[SPAWN_RUN_NFDS];
	char cbuf[CMSG_SPACE(sizeof(fds))] = { 0 };
	struct iovec iov = { .iov_base = (void *)run, .iov_len = sizeof(*run) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	run_fds((struct spawn_run *)run, all);
	for (int i = 0; i < SPAWN_RUN_NFDS; i++)
		if (*all[i] >= 0)
			fds[n++] = *all[i];
	if (n) {
		struct cmsghdr *cm;
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(*run) ? 0 : -errno;
}

int spawn_recv(int sock, struct spawn_run *run)
{
	int fds[SPAWN_RUN_NFDS], n = 0, k = 0, *all[SPAWN_RUN_NFDS];
	char cbuf[CMSG_SPACE(sizeof(fds))] = { 0 };
	struct iovec iov = { .iov_base = run, .iov_len = sizeof(*run) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t got;

	run_fds(run, all);
	do
		got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(*run))
		return got < 0 ? -errno : -EPROTO;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int got_fds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			const int *data = (const int *)CMSG_DATA(cm);
			/* more than a run has are not ours to keep */
			for (int i = 0; i < got_fds; i++)
				if (n < SPAWN_RUN_NFDS)
					fds[n++] = data[i];
				else
					close(data[i]);
		}
	/* the sender's numbers say which fds were sent, in order; ours replace them */
	for (int i = 0; i < SPAWN_RUN_NFDS; i++)
		if (*all[i] >= 0)
			*all[i] = k < n ? fds[k++] : -1;
	run->msg[sizeof(run->msg) - 1] = 0;
	return 0;
}
