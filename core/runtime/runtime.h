/* The container runtime (no runc): a spec built from a container's stored JSON, a clone()d init
 * that sets up its namespaces, mounts, limits and privileges, and the cgroups around it.
 * Life of a container process: runtime_spawn (child waits on a pipe) -> the caller places it
 * (cgroups, network) -> runtime_release (child finishes setup and execs; exec errors come back
 * through a close-on-exec pipe, so EOF means the program is running). */
#ifndef BERTH_RUNTIME_H
#define BERTH_RUNTIME_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "common/err.h"

struct rt_mount {
	char *source;                /* host path (bind) or fs source name */
	char *dest;                  /* path inside the container */
	char *type;                  /* "bind", "tmpfs", ... */
	char *data;                  /* mount data (tmpfs size=...) or NULL */
	int readonly;
	unsigned long propagation;   /* bind-propagation: MS_[R]SLAVE/SHARED/PRIVATE flags, 0 = rprivate */
	unsigned long flags;         /* not a bind (tmpfs): mount flags, MS_RDONLY as a read-only remount */
};

struct rt_rlimit {
	int resource;
	uint64_t soft, hard;
};

/* A device node --device makes in the container, as the host has it (runc's mknod). */
struct rt_device {
	char *path;                  /* in the container */
	mode_t mode;                 /* S_IFCHR or S_IFBLK, and the permission bits */
	dev_t rdev;
	uid_t uid;
	gid_t gid;
};

/* A device cgroup allow rule beyond Docker's standard ones (--device, --device-cgroup-rule). */
struct rt_dev_rule {
	char type;                   /* 'c', 'b' or 'a' (both) */
	int64_t major, minor;        /* -1 = any */
	char access[4];              /* of "rwm" */
};

/* A block device's weight or throttle (--blkio-weight-device, --device-{read,write}-{bps,iops}). */
enum rt_blkio_kind { RT_BLKIO_WEIGHT, RT_BLKIO_READ_BPS, RT_BLKIO_WRITE_BPS, RT_BLKIO_READ_IOPS, RT_BLKIO_WRITE_IOPS };
struct rt_blkio_dev {
	enum rt_blkio_kind kind;
	unsigned major, minor;
	uint64_t value;              /* weight 10-1000, bytes or operations a second */
};

/* What HostConfig.Devices, DeviceCgroupRules and the Blkio device lists give a container. */
struct rt_devices {
	struct rt_device *devices;
	size_t ndevices;
	struct rt_dev_rule *rules;   /* an allow rule per device, then the cgroup rules */
	size_t nrules;
	struct rt_blkio_dev *blkio;
	size_t nblkio;
};

/* Gather HostConfig's Devices from the host (a directory gives every node below it), parse its
 * DeviceCgroupRules, and find the numbers of the devices of its Blkio lists; Docker's messages
 * ("error gathering device information while adding custom device ...", "stat PATH: ...") on
 * failure. Free with rt_devices_free, also after a failure. */
int rt_devices_gather(json_t *hc, struct rt_devices *d, berr_t *err);
void rt_devices_free(struct rt_devices *d);
/* The Blkio part of rt_devices_gather alone (into d, zeroed first by the caller), which Docker's
 * daemon checks when the container is made; --device nodes and rules it checks at start. */
int rt_blkio_gather(json_t *hc, struct rt_devices *d, berr_t *err);
/* Parse "c 1:3 mr" (Docker's --device-cgroup-rule format, numbers of 32 bits); <0 with Docker's
 * message if it is not one. */
int rt_dev_rule_parse(const char *text, struct rt_dev_rule *r, berr_t *err);

enum rt_net_mode { RT_NET_NEW, RT_NET_HOST, RT_NET_JOIN };
/* Docker's IpcMode: private and shareable have a namespace of their own (a shareable one's
 * /dev/shm is a host mount others bind), none has one without /dev/shm. */
enum rt_ipc_mode { RT_IPC_PRIVATE, RT_IPC_SHAREABLE, RT_IPC_HOST, RT_IPC_NONE, RT_IPC_JOIN };

struct rt_limits {
	int64_t memory;              /* bytes, 0 = none */
	int64_t memory_swap;         /* memory+swap bytes, 0 = default (2x memory), -1 = unlimited */
	int64_t nano_cpus;           /* 1e9 = one cpu */
	int64_t cpu_period;          /* CFS period in us (--cpu-period), 0 = the kernel's (or 100 ms with nano_cpus) */
	int64_t cpu_quota;           /* CFS quota in us per period (--cpu-quota), 0 = none (or nano_cpus'), <0 unlimited */
	int64_t cpu_shares;
	int64_t pids_limit;          /* 0 = none */
	int64_t memory_reservation;  /* soft limit in bytes (v1 soft_limit_in_bytes, v2 memory.low), 0 = none */
	int64_t memory_swappiness;   /* 0-100, -1 = the kernel's (rt_spec_from_json: unset); v1 only */
	int oom_kill_disable;        /* v1 memory.oom_control (v2 has no such knob) */
	char *cpuset_cpus;
	char *cpuset_mems;
	int devices_all;             /* --privileged: no device rules (Docker's "a *:* rwm") */
	const struct rt_dev_rule *dev_rules;   /* allowed beyond the standard ones (not owned) */
	size_t ndev_rules;
	uint16_t blkio_weight;       /* 10-1000, 0 = none */
	const struct rt_blkio_dev *blkio;      /* per-device weights and throttles (not owned) */
	size_t nblkio;
};

struct rt_spec {
	char *id;
	char *cgroup;                /* the container's cgroup reference (cgroup_ref), set by the caller */
	char *rootfs;                /* mounted rootfs on the host */
	char *hostname;
	char *domainname;
	char **argv;                 /* entrypoint + cmd, NULL-terminated */
	char **env;                  /* "K=V", NULL-terminated */
	char *cwd;
	char *user;                  /* "name|uid[:group|gid]" or NULL */
	int tty;
	int privileged;
	int readonly_rootfs;
	int no_new_privs;
	int cgroupns_host;           /* --cgroupns host: no cgroup namespace of its own */
	int init;                    /* --init: berth-init is pid 1 and runs the command (RT_INIT_PATH) */
	int oom_score_adj;           /* -1000..1000, for the init and every exec (/proc/self/oom_score_adj) */
	uint64_t caps;               /* bit n = capability n */
	char *seccomp_file;          /* the Docker-format profile's path, NULL = unconfined */
	json_t *seccomp;             /* that profile parsed: only when rt_seccomp_prepare compiles it */
	void *seccomp_bpf;           /* the profile compiled for caps (rt_seccomp_prepare), or NULL */
	size_t seccomp_bpf_len;      /* its size in bytes (a whole number of struct sock_filter) */
	struct rt_mount *mounts;
	size_t nmounts;
	struct rt_rlimit *rlimits;
	size_t nrlimits;
	enum rt_net_mode net;
	char *net_join_path;         /* /proc/<pid>/ns/net of the container whose netns we share */
	char **group_add;            /* --group-add: group names (the image's /etc/group) or gids */
	char **sysctls;              /* --sysctl "key=value", written by the init in its namespaces */
	int uts_host;                /* --uts host: the host's UTS namespace */
	int pid_host;                /* --pid host: the host's pid namespace */
	char *pid_join_path;         /* --pid container:X: /proc/<its init>/ns/pid (the caller fills it) */
	enum rt_ipc_mode ipc;        /* --ipc */
	char *ipc_join_path;         /* --ipc container:X: /proc/<its init>/ns/ipc (the caller fills it) */
	char *ipc_shm_path;          /* shareable, or container:X: the host path of the /dev/shm to bind */
	struct rt_devices devices;   /* --device nodes to make, and the rules of limits.dev_rules */
	struct rt_limits limits;
	char *hosts_path, *hostname_path, *resolv_path;   /* per-container files to bind */
	int64_t shm_size;
};

/* Where --init's program is bound in the container (read-only), as Docker binds docker-init. */
#define RT_INIT_PATH "/sbin/docker-init"
/* berth-init on the host: beside the running binary (the build tree, or PREFIX/bin), malloc'd. */
char *rt_init_binary(void);

/* Docker's default capability set (REFERENCE §4). */
uint64_t rt_default_caps(void);
/* The highest capability the running kernel knows, and the set of all of them (--privileged). */
int rt_last_cap(void);
uint64_t rt_all_caps(void);
/* Parse "CAP_X"/"X"/"ALL" (case-insensitive); -1 if unknown. ALL gives 64. */
int rt_cap_from_name(const char *name);

/* Build a spec from the container document ({Id, Config, HostConfig, ...} as berth stores it),
 * the mounted rootfs and the container's directory; seccomp_default is the default profile path. */
int rt_spec_from_json(struct rt_spec *s, json_t *doc, const char *rootfs, const char *cdir,
		      const char *seccomp_default, berr_t *err);
/* The devices of a spec that starts a container (not of an exec): --device nodes, the device
 * cgroup rules and the blkio devices, gathered from the host now (rt_devices_gather). */
int rt_spec_devices(struct rt_spec *s, json_t *doc, berr_t *err);
void rt_spec_free(struct rt_spec *s);

/* What an init that failed before its exec writes on the exec pipe (EOF alone means it exec'd). */
struct rt_exec_report {
	int exit_code;
	char msg[1024];
};

struct rt_proc {
	int console_fd;              /* in: with tty, the child's end of a socketpair for the pty master */
	int clone_parent;            /* in: 1 = the init becomes our parent's child (CLONE_PARENT) */
	pid_t pid;
	int sync_fd;                 /* parent writes one byte to release the child */
	int exec_fd;                 /* child reports setup/exec failure here; EOF = exec'd */
};

/* clone() the container init in new namespaces; it builds what it can of its file system and
 * waits to be placed, then to be let go (runtime_release or its parts). stdio[i] are the fds it
 * gets as 0, 1, 2 (a pty slave for all three with tty). */
int runtime_spawn(struct rt_spec *s, const int stdio[3], struct rt_proc *p, berr_t *err);
/* 1 when a bind asks for slave or shared propagation: the root then becomes rslave, not
 * rprivate, so host mounts can reach the bind (runc's rootfsPropagation, as Docker sets it). */
int rt_root_propagation(const struct rt_spec *s);
/* Let the child go and wait for its exec. On failure returns <0 with the child's message and
 * sets *exit_code to Docker's code (125 setup, 126 cannot invoke, 127 not found). */
int runtime_release(struct rt_proc *p, int *exit_code, berr_t *err);
/* runtime_release in parts, for when the release is another process's: the child is placed
 * (its cgroups are set: it may take its cgroup namespace and finish its mounts), let go (closes
 * sync_fd: it execs), and its exec result read from exec_fd (closes it). */
int runtime_placed(int sync_fd, berr_t *err);
int runtime_let_go(int sync_fd, berr_t *err);
int runtime_exec_result(int exec_fd, int *exit_code, berr_t *err);
/* Kill and reap a child that was never released (placing it failed). The child builds part of
 * its file system meanwhile: if that failed first, err becomes its message (and *exit_code its
 * code), the cause of the placement failure. */
void runtime_abort(struct rt_proc *p, int *exit_code, berr_t *err);

/* cgroups, v1 (per controller) or v2 (unified), made by a driver (core/runtime/cgroup.h):
 * "cgroupfs" (berth/<id>, or PARENT/<id> with a cgroup parent) or "systemd" (the transient unit
 * berth-<id>.scope in system.slice). Only creation is told the driver; the rest find the
 * container's cgroup where it is. The `id` these functions take is a cgroup reference: the
 * container's id, or PARENT/id for a container with a cgroup parent (cgroup_ref). */
/* The reference of the container id whose HostConfig is hc: PARENT/id where its CgroupParent
 * (else daemon_parent, daemon.json's cgroup-parent) names a parent, else id (malloc'd). A
 * relative parent is taken from the root of each hierarchy (Docker's daemon takes it below its
 * own cgroup; berth has no daemon whose cgroup would stay the same). */
char *cgroup_ref(json_t *hc, const char *id, const char *daemon_parent);
/* The limits of struct rt_limits cgroup_update applies (memory covers memory_swap too, cpus
 * covers cpu_period and cpu_quota). */
enum {
	RT_LIM_MEMORY = 1 << 0,
	RT_LIM_CPUS = 1 << 1,
	RT_LIM_CPU_SHARES = 1 << 2,
	RT_LIM_PIDS = 1 << 3,
	RT_LIM_CPUSET = 1 << 4,
	RT_LIM_BLKIO = 1 << 5,
	RT_LIM_MEMORY_RESERVATION = 1 << 6,
	RT_LIM_SWAPPINESS = 1 << 7,
	RT_LIM_OOM_KILL_DISABLE = 1 << 8,
	RT_LIM_ALL = (1 << 9) - 1,
};
/* Docker's default driver: systemd on a pure cgroup v2 host booted with systemd, else cgroupfs. */
const char *cgroup_default_driver(void);
/* Make the container's cgroup with driver (NULL = the default) and its limits, and move pid in. */
int cgroup_create(const char *driver, const char *id, const struct rt_limits *lim, pid_t pid, berr_t *err);
/* Apply the limits named by `which` to a running container (unset ones go back to unlimited;
 * memory 0 leaves the memory limit as it is). */
int cgroup_update(const char *id, const struct rt_limits *lim, unsigned which, berr_t *err);
/* Add a process to every controller of the container's cgroup (exec). */
int cgroup_join(const char *id, pid_t pid, berr_t *err);
/* Freeze or thaw every process of the container; returns once the kernel says it is done. */
int cgroup_freeze(const char *id, int freeze, berr_t *err);
/* Remove the container's cgroup (and its systemd unit) once its processes are gone, whichever
 * driver made it; <0 if something stayed. cgroupfs kills nothing; stopping a scope that still
 * holds processes has systemd kill them. */
int cgroup_remove(const char *id, berr_t *err);
/* 1 if the memory controller recorded an OOM kill in the container's cgroup. */
int cgroup_oom_killed(const char *id);
/* An fd that polls readable when the container's memory events change (v2: inotify on
 * memory.events; v1, systemd scopes only: the OOM eventfd), or -1.
 * A supervisor watches it while the container runs: where systemd owns the cgroup, it removes it
 * as soon as the last process died, often before the exit could be looked at. */
int cgroup_oom_watch(const char *id);
/* After the watch fd polled readable: consume its events; 1 if an OOM kill was recorded. */
int cgroup_oom_check(int fd, const char *id);
/* Path of a control file of the container's cgroup (e.g. "memory.limit_in_bytes" on v1, whose
 * controller is the part before the dot, or "memory.max"), malloc'd. */
char *cgroup_file_path(const char *id, const char *file);
/* 1 on a pure cgroup v2 host. */
int cgroup_is_v2(void);
/* SIGKILL every process of the container's cgroup until none is left (an init that shares a
 * pid namespace takes nothing with it when it dies). */
void cgroup_kill_all(const char *id);
/* pids in the container's cgroup (malloc'd array, count in *n). */
int cgroup_pids(const char *id, pid_t **pids, size_t *n, berr_t *err);

/* Apply the security setup to the calling process: rlimits, bounding set, user, caps,
 * no_new_privs, seccomp (used by the init and by exec). */
int rt_apply_privileges(const struct rt_spec *s, berr_t *err);
/* Load a Docker-format seccomp profile for the given capability set. */
int rt_seccomp_load(json_t *profile, uint64_t caps, berr_t *err);
/* Compile s->seccomp_file for s->caps into s->seccomp_bpf before the child starts, reusing a
 * program cached under cache_dir (keyed by the profile's bytes, caps, kernel and libseccomp):
 * parsing and compiling the default profile costs milliseconds on every start, reading it and
 * the cached program a few microseconds. A no-op without a profile. */
int rt_seccomp_prepare(struct rt_spec *s, const char *cache_dir, berr_t *err);
/* Resolve "user[:group]" against /etc/passwd and /etc/group of the current root, as Docker:
 * groups = the primary gid, then (no group named) every group listing the user; malloc'd. */
int rt_resolve_user(const char *spec, uid_t *uid, gid_t *gid, gid_t **groups, size_t *ngroups,
		    char **home, berr_t *err);
/* The same against the given files. */
int rt_resolve_user_files(const char *passwd, const char *group_file, const char *spec, uid_t *uid,
			  gid_t *gid, gid_t **groups, size_t *ngroups, char **home, berr_t *err);
/* Append HostConfig.GroupAdd's groups, names looked up in group_file or gids as they are
 * (Docker's "Unable to find group NAME: ..." for an unknown name). */
int rt_resolve_group_add(const char *group_file, char *const *names, gid_t **groups, size_t *ngroups,
			berr_t *err);
/* Find argv0 in PATH (from env); 0 and the path, or -ENOENT / -EACCES. */
int rt_find_program(const char *argv0, char *const *env, char *out, size_t len);

/* Finish as the container's process: user, privileges, PATH lookup, execve; failures go to
 * exec_w as the init's do. Never returns. */
_Noreturn void rt_exec_final(struct rt_spec *s, int exec_w);
struct rt_exec_opts {
	int detach;                  /* return once the program runs (-d) */
	int stdin;                   /* the program reads our stdin (-i); else /dev/null */
	const char *detach_keys;     /* with s->tty and stdin: typing these detaches (raw bytes) */
	size_t detach_keys_len;      /* 0: never */
};

/* Run s->argv inside the namespaces and cgroup of the running init `target` (berth exec),
 * under a supervisor of its own (see exec.c). Without a tty the program inherits our stdio;
 * with one, the supervisor relays it. Returns 0 and the program's exit code (128+n on signal)
 * in *exit_code (0 with detach, once it runs); 1 when the user typed the detach keys (the
 * program runs on); or <0 with *exit_code 125/126/127 when it could not start. */
int runtime_exec(struct rt_spec *s, pid_t target, const struct rt_exec_opts *o, int *exit_code, berr_t *err);

#endif
