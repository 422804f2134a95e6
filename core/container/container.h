/* Containers in the store: the document a create wrote, the live state the monitor records,
 * and the per-container directories (data-root/containers/<id>, exec-root/containers/<id>).
 * Liveness is never trusted from the row alone: a running state whose monitor (pid + start
 * time) is gone reads as exited. */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "ctx.h"

struct container {
	char id[65];
	char *name;
	char *image_id;
	int64_t created;
	json_t *doc;
	char state[16];
	pid_t pid;
	uint64_t pid_start;
	pid_t monitor_pid;
	uint64_t monitor_start;
	int exit_code;
	int oom;
	char *error;
	int64_t started_at, finished_at;
	int restart_count;
	char *driver, *rw_layer, *rootfs;
	char *cgroup;                /* the cgroup reference of its (last) run, or NULL/"" (container_cgroup) */
	char *rw_parent;             /* the layer under rw_layer (its image's init layer); NULL: the image's top */
};

void container_free(struct container *c);
/* Create: fills doc.Id/Name/Created, creates the rw layer (unless rootfs) and the dirs, inserts
 * the row. A taken name fails with EEXIST and Docker's message. */
int container_create(struct berth_ctx *ctx, json_t *doc, const char *rootfs, char id[65], berr_t *err);
/* Find by full id, unique id prefix or name; ENOENT "No such container: x". */
int container_get(struct berth_ctx *ctx, const char *ref, struct container **out, berr_t *err);
/* All containers, newest first. */
int container_list(struct berth_ctx *ctx, struct container ***out, size_t *n, berr_t *err);
void container_list_free(struct container **v, size_t n);
/* Re-read the row of c. */
int container_reload(struct berth_ctx *ctx, struct container *c, berr_t *err);
/* 1 while the monitor of c is alive (pid and start time match). */
int container_monitor_alive(const struct container *c);
/* 1 if the init process of c is alive. */
int container_init_alive(const struct container *c);
/* Record state transitions (the monitor's side). */
int container_set_running(struct berth_ctx *ctx, const char *id, pid_t pid, pid_t mon, berr_t *err);
int container_set_exited(struct berth_ctx *ctx, const char *id, int code, int oom, const char *error,
			 const char *state, berr_t *err);
int container_set_state(struct berth_ctx *ctx, const char *id, const char *state, berr_t *err);
int container_set_monitor(struct berth_ctx *ctx, const char *id, pid_t mon, berr_t *err);
int container_rename(struct berth_ctx *ctx, const char *id, const char *name, berr_t *err);
/* berth update: merge `changes` (HostConfig members: Memory, MemorySwap, NanoCpus, CpuShares,
 * CpusetCpus, PidsLimit, RestartPolicy) into the stored document and the monitor's copy, and
 * write the limits into the cgroup of a running container. */
int container_update(struct berth_ctx *ctx, const char *ref, json_t *changes, berr_t *err);
/* Release everything a stopped container holds at run time: cgroups, netns bind, rootfs mount. */
void container_runtime_cleanup(struct berth_ctx *ctx, struct container *c);
/* Remove a stopped container: rw layer, dirs, row. */
int container_remove(struct berth_ctx *ctx, struct container *c, berr_t *err);
/* data-root/containers/<id> and exec-root/containers/<id> (malloc'd). */
char *container_dir(struct berth_ctx *ctx, const char *id);
char *container_run_dir(struct berth_ctx *ctx, const char *id);
/* exec-root/netns/<id> */
char *container_netns_path(struct berth_ctx *ctx, const char *id);
/* The rootfs of c mounted (storage get) or its --rootfs; put undoes get. */
int container_mount(struct berth_ctx *ctx, struct container *c, char *path, size_t len, berr_t *err);
int container_unmount(struct berth_ctx *ctx, struct container *c, berr_t *err);
/* docker export: a tar of c's whole file system (its layer mounted: image and changes merged)
 * into out_fd, or atomically into the file path. */
int container_export(struct berth_ctx *ctx, struct container *c, int out_fd, berr_t *err);
int container_export_file(struct berth_ctx *ctx, struct container *c, const char *path, berr_t *err);
/* docker cp: one copy between c's file system and the local one, with Docker's rules (moby's
 * daemon/archive.go and the CLI's cp.go). Paths in the container resolve inside its root; its
 * volumes and binds are reached at their mount points; a stopped container's layer is mounted
 * in a private mount namespace only for the copy. */
struct container_copy {
	const char *ref;             /* the container as the user named it (for messages) */
	const char *container_path;  /* as the user wrote it */
	const char *local_path;      /* NULL: a tar stream on fd instead */
	int fd;                      /* the stream: read into the container, written out of it */
	int to_container;
	int follow_link;             /* -L: a symlink as the source stands for its target */
	int archive;                 /* -a: into the container, owned by its configured user */
	int daemon_error;            /* out: the failure is one Docker's daemon reports */
};
int container_copy(struct berth_ctx *ctx, struct container *c, struct container_copy *cp, berr_t *err);
/* Exclusive lock over state changes of one container (start, rm, update, acting on a dead
 * monitor): an fd for container_unlock. A removed container is ENOENT "No such container". */
int container_lock(struct berth_ctx *ctx, const char *id, berr_t *err);
/* The same without waiting: -EWOULDBLOCK while another process holds it. */
int container_trylock(struct berth_ctx *ctx, const char *id, berr_t *err);
void container_unlock(struct berth_ctx *ctx, int fd);
/* The document with a fresh State (Docker's inspect shape), new reference. */
json_t *container_inspect_json(struct berth_ctx *ctx, struct container *c);
/* berth writes data-root/containers/<id>/monitor.json (the document and the fields the monitor
 * needs; join_id: the container whose netns --network container:NAME joins) before it starts a
 * monitor; the monitor reads it instead of the store. */
int container_write_monitor_config(struct berth_ctx *ctx, const struct container *c, const char *join_id,
				   berr_t *err);
int container_read_monitor_config(struct berth_ctx *ctx, const char *id, struct container **out, berr_t *err);
/* The reference of c's cgroup for the cgroup_* functions, malloc'd: the one its run was placed
 * with (recorded at start: daemon.json's cgroup-parent may have changed since), else the one
 * a run would get now (its --cgroup-parent, else daemon.json's cgroup-parent; see cgroup_ref). */
char *container_cgroup(struct berth_ctx *ctx, const struct container *c);
/* The driver id of the layer under c's rw layer (what its changes are against): its image's init
 * layer, or the image's top layer for a container made before init layers; "" if none. */
int container_rw_parent(struct berth_ctx *ctx, const struct container *c, char out[64 + 6], berr_t *err);
/* Resolve c's cgroup reference from today's settings and record it in c (berth's start). */
void container_cgroup_resolve(struct berth_ctx *ctx, struct container *c);
/* The monitor's live state: a JSON object whose keys are store columns (state, pid, pid_start,
 * monitor_pid, monitor_start, exit_code, oom, error, started_at, finished_at, restart_count, cgroup)
 * plus "remove" (true: --rm, remove the container). The monitor writes the whole record each
 * time (live.json, atomically); every berth reading containers folds it into the store. */
int container_live_write(struct berth_ctx *ctx, const char *id, json_t *rec, berr_t *err);
/* NULL when there is no record; else the record, with *lock_fd held until container_live_done
 * (which removes the file). */
json_t *container_live_take(struct berth_ctx *ctx, const char *id, int *lock_fd);
void container_live_done(struct berth_ctx *ctx, const char *id, int lock_fd);
/* Fold a pending live record of c into the store and into c; returns 1 if c was removed (--rm). */
int container_fold_live(struct berth_ctx *ctx, struct container *c);
/* Fold every pending live record (run when a berth first opens the store, so that what reads
 * the store directly, e.g. volume users and name conflicts, sees monitors' exits and --rm). */
void container_fold_all(struct berth_ctx *ctx);
/* Remove what a create or rm killed half-way left: container directories that no row names
 * and no live creator claims, their rw layers and run directories. */
void container_collect_orphans(struct berth_ctx *ctx);
/* exec-root/containers/<id>/init.pid, written by the monitor while the init runs (pid 0 removes
 * it); read gives the pid while that very process lives, else 0. */
void container_write_init_pid(struct berth_ctx *ctx, const char *id, pid_t pid);
pid_t container_read_init_pid(struct berth_ctx *ctx, const char *id);
/* The signals the monitor takes through its signalfd: berth's fork blocks them before it clones
 * the init and execs the monitor (an early exit waits, pending, across the exec), the monitor
 * keeps them blocked. One set, so the two cannot drift apart. */
void container_monitor_sigmask(sigset_t *mask);
/* Docker's restart policies (no, on-failure[:N], always, unless-stopped): whether c restarts
 * after an exit with code, having restarted `restarts` times since it was started. */
int container_should_restart(const struct container *c, int code, int restarts, int stopped_by_user);
/* Apply the liveness rule: turn a running row with a dead monitor into exited (and write it),
 * then act on the exit as Docker's daemon does: remove a --rm container, restart one whose
 * restart policy says so. Returns 1 when c was removed. */
int container_check_alive(struct berth_ctx *ctx, struct container *c);
/* Start c's monitor (the caller holds container_lock): writes monitor.json (resolving --network
 * container:NAME), forks the setup child, execs berth-monitor and waits for its status line.
 * client_fd: the monitor's end of an attach connection made before anything runs, or -1.
 * Returns the init's pid; <0 with err when the start failed, *code being Docker's exit code
 * when the monitor reported the failure (it recorded it; a --rm container is gone), else 0. */
int container_start(struct berth_ctx *ctx, struct container *c, int client_fd, int *code, berr_t *err);
/* The outputs a start must have before the init runs its command (container/outputs.c). Open c's
 * logging driver as HostConfig.LogConfig (else daemon.json's log-driver and log-opts) names it:
 * *lg stays NULL for "none"; <0 with Docker's "failed to initialize logging driver: ..." */
struct berth_logging_ops;
struct berth_logger;
int container_logger_open(struct berth_ctx *ctx, const struct container *c, const struct berth_logging_ops **ops,
			  struct berth_logger **lg, berr_t *err);
/* Whether c's command may start before the monitor has opened its log: 1 for "none" and for a
 * driver that only opens files (BERTH_LOG_CAP_LOCAL), opened and closed again here to see that
 * it can; 0 for any other (the monitor opens it before the command starts); <0 when it cannot
 * be loaded or opened, with Docker's message. */
int container_logger_early(struct berth_ctx *ctx, const struct container *c, berr_t *err);
/* c's logging driver (HostConfig.LogConfig.Type, else daemon.json's log-driver, else json-file). */
const char *container_log_driver(struct berth_ctx *ctx, const struct container *c);
/* Bind and listen on exec-root/containers/<id>/attach.sock (replacing a stale one): the fd. */
int container_attach_listen(struct berth_ctx *ctx, const char *id, berr_t *err);

#endif
