/* One run of a container, set up and torn down outside the long-lived berth-monitor so that it
 * stays small (it links neither the runtime nor seccomp, libcap or the storage and network
 * drivers). The setup (rootfs mount, spec, seccomp, the init cloned, cgroups, network) is done,
 * for a start, by berth and then a child of it (vfork) that becomes the monitor by exec (the init is its
 * own child, cloned before the exec); for a restart, by berth-runtime, a child of the monitor,
 * which clones the init with CLONE_PARENT so it is the monitor's child. Either hands the monitor
 * the init and its stdio over a socket (spawn_send/spawn_recv); the monitor lets the init exec
 * once it is ready to read its output. After the exit, the monitor undoes the setup itself
 * (container_teardown): that needs only the cgroup files and the drivers, loaded then. */
#ifndef BERTH_CONTAINER_SPAWN_H
#define BERTH_CONTAINER_SPAWN_H

#include <sys/types.h>
#include "ctx.h"
#include "container/container.h"
#include "runtime/runtime.h"

struct spawn_run {
	int code;                    /* 0, or Docker's exit code of a failed setup (msg says why) */
	char msg[sizeof(((berr_t *)0)->msg)];
	pid_t pid;                   /* the init, waiting to be let go (runtime_let_go) */
	int tty;
	int sync_fd;                 /* let the init go */
	int exec_fd;                 /* its exec result (runtime_exec_result) */
	int out_fd, err_fd;          /* read ends of its stdout and stderr (-1 with a tty) */
	int in_fd;                   /* write end of its stdin, or -1 */
	int console_fd;              /* with a tty: where the init sends the pty master (rt_recv_console) */
	int oom_fd;                  /* cgroup_oom_watch of its cgroup, made before the init runs, or -1 */
};
#define SPAWN_RUN_NFDS 7

/* The first steps of a run's setup, which need no process of their own: the rootfs mounted, the
 * spec built, the seccomp program loaded. berth's start takes them before it forks the monitor:
 * its pages are not shared with a fork yet (in a fork each first write to a page is a
 * copy-on-write fault). On failure nothing is left mounted and code/msg say why, for the fork to
 * hand over as it hands over any failed setup. */
struct spawn_prep {
	int code;                    /* 0, or Docker's exit code of the failed step (msg says why) */
	char msg[sizeof(((berr_t *)0)->msg)];
	int mounted, have_spec;      /* what is done (and undone by container_spawn_unprepare) */
	char rootfs[4096];
	struct rt_spec s;
};
int container_spawn_prepare(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep);
void container_spawn_unprepare(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep);
/* Set up one run of container c (as monitor.json has it: NetworkContainerId names the container
 * whose netns it joins) from prep (NULL: prepared here). The init becomes our parent's child with
 * init_to_parent (berth-runtime, the monitor's helper for a restart), else ours (the fork of
 * berth that then execs the monitor). On failure everything done is undone, prep's steps too,
 * and run->code/msg say why (the return value is <0). */
int container_spawn(struct berth_ctx *ctx, struct container *c, struct spawn_prep *prep, int init_to_parent,
		    struct spawn_run *run);
/* Hand run (its fds by SCM_RIGHTS) over a SOCK_SEQPACKET socket, and receive it. */
int spawn_send(int sock, const struct spawn_run *run);
int spawn_recv(int sock, struct spawn_run *run);
/* An empty run that failed with code 125 (no fds); close the fds a run still holds. */
void spawn_run_init(struct spawn_run *run);
void spawn_run_close(struct spawn_run *run);
/* The network driver of c, loaded and initialised; its NetworkMode. */
int container_network(struct berth_ctx *ctx, const struct container *c, const struct berth_network_ops **ops,
		      const char **drv, berr_t *err);
const char *container_network_mode(const struct container *c);
/* The network driver c's NetworkMode names: "default" is daemon.json's network-driver, else none. */
const char *container_network_driver(struct berth_ctx *ctx, const struct container *c);
/* c's endpoint in network drv, in the netns at netns (NULL for the host's). */
void container_endpoint(const struct container *c, const char *drv, const char *netns, struct berth_endpoint *ep);
/* Name the new netns of pid by a bind mount at exec-root/netns/<id> (drivers and nsenter users
 * reach it by path); unbind removes it. */
int container_netns_bind(struct berth_ctx *ctx, const char *id, pid_t pid, berr_t *err);
void container_netns_unbind(struct berth_ctx *ctx, const char *id);
/* /proc/<pid>/ns/net of the running container whose netns c joins (malloc'd), NULL if none runs. */
char *container_join_netns(struct berth_ctx *ctx, const struct container *c);
/* The host mount a --ipc shareable container's /dev/shm is (malloc'd). */
char *container_shm_path(struct berth_ctx *ctx, const char *id);
/* Undo a run after its init exited: network leave and netns bind, cgroup, rootfs mount; *oom
 * says whether the memory cgroup recorded an OOM kill. Best effort: each step is tried. */
int container_teardown(struct berth_ctx *ctx, const char *id, int *oom, berr_t *err);
/* The same for c as read from monitor.json (the monitor has it). */
int container_teardown_of(struct berth_ctx *ctx, struct container *c, int *oom, berr_t *err);

#endif
