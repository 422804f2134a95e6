/* berth.container: create, start (with attach), list, inspect, kill, stop, remove, wait, logs,
 * exec, pause/unpause, rename, top. Containers are named by id, id prefix or name (strings).
 * Failures raise; a failure with a Docker exit code (125/126/127) raises a table
 * {code = N, message = "..."} that the CLI turns into that exit status. */
#include "lua/bind.h"
#include "container/container.h"
#include "container/attach.h"
#include "container/spawn.h"
#include "container/changes.h"
#include "runtime/runtime.h"
#include "image/image.h"
#include "common/util.h"
#include "common/cleanup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/close_range.h>

/* Raise a message without luaL_error's "file:line:" prefix: these are user-facing. */
#define raise_msg(L, ...) (lua_pushfstring((L), __VA_ARGS__), lua_error(L))

static int raise_code(lua_State *L, int code, const char *msg)
{
	lua_newtable(L);
	lua_pushinteger(L, code);
	lua_setfield(L, -2, "code");
	lua_pushstring(L, msg);
	lua_setfield(L, -2, "message");
	return lua_error(L);
}

static struct container *get_or_raise(lua_State *L, int idx)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c;
	berr_t err = { 0 };

	if (container_get(ctx, luaL_checkstring(L, idx), &c, &err) < 0)
		bind_raise(L, &err);
	return c;
}

/* Lua errors unwind past C frames: keep C-owned objects in a to-be-closed-free box. */
static int box_gc(lua_State *L)
{
	struct container **b = lua_touserdata(L, 1);
	if (*b) {
		container_free(*b);
		*b = NULL;
	}
	return 0;
}

/* Highest argument index any binding below reads: the box must sit above them all. */
#define BOX_MAX_ARGS 4

/* Like boxed, but leaves the box on the stack so the GC cannot take it mid-call. The box goes
 * above the last argument a binding may read, so an omitted optional argument stays nil
 * (stop(ref, t) once saw the box as its signal). */
static struct container *boxed_keep(lua_State *L, int idx)
{
	struct container *c = get_or_raise(L, idx);
	struct container **b;

	if (lua_gettop(L) < BOX_MAX_ARGS)
		lua_settop(L, BOX_MAX_ARGS);
	b = lua_newuserdatauv(L, sizeof(*b), 0);
	*b = c;
	if (luaL_newmetatable(L, "berth.container.box")) {
		lua_pushcfunction(L, box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return c;
}

/* Per-container runtime files: regenerated on demand, so no fsync (write_file_atomic's two
 * fsyncs per file were a visible part of `run`'s latency). */
static int write_file(const char *dir, const char *name, const char *data, berr_t *err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return berr_sys(err, errno, "open %s", p);
	if (write_all(fd, data, strlen(data)) < 0)
		return berr_sys(err, errno, "write %s", p);
	return 0;
}

/* create(doc [, {rootfs = DIR, files = {hosts = .., hostname = .., ["resolv.conf"] = ..}}]) -> id */
static int l_create(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	json_t *doc = bind_to_json(L, 1);
	const char *rootfs = bind_opt_string(L, 2, "rootfs", NULL);
	berr_t err = { 0 };
	char id[65];

	if (container_create(ctx, doc, rootfs, id, &err) < 0) {
		json_decref(doc);
		return bind_raise(L, &err);
	}
	{
		/* hostname is the core's: Config.Hostname, defaulted to the short id by create */
		char dir[4096], hn[300];
		const char *h = json_string_value(json_object_get(json_object_get(doc, "Config"), "Hostname"));
		snprintf(dir, sizeof(dir), "%s/containers/%s", ctx->cfg.data_root, id);
		snprintf(hn, sizeof(hn), "%s\n", h ? h : "");
		json_decref(doc);
		if (write_file(dir, "hostname", hn, &err) < 0)
			return bind_raise(L, &err);
	}
	if (lua_type(L, 2) == LUA_TTABLE) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/containers/%s", ctx->cfg.data_root, id);
		lua_getfield(L, 2, "files");
		if (lua_istable(L, -1)) {
			lua_pushnil(L);
			while (lua_next(L, -2)) {
				if (lua_type(L, -2) == LUA_TSTRING && lua_isstring(L, -1) &&
				    !strchr(lua_tostring(L, -2), '/') &&
				    write_file(dir, lua_tostring(L, -2), lua_tostring(L, -1), &err) < 0)
					return bind_raise(L, &err);
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	}
	lua_pushstring(L, id);
	return 1;
}

/* create_files(ref, {name = content}): (re)write per-container files (hosts, hostname, ...) */
static int l_create_files(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	char dir[4096];
	berr_t err = { 0 };

	snprintf(dir, sizeof(dir), "%s/containers/%s", ctx->cfg.data_root, c->id);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		if (lua_type(L, -2) != LUA_TSTRING || !lua_isstring(L, -1) || strchr(lua_tostring(L, -2), '/') ||
		    lua_tostring(L, -2)[0] == '.')
			return raise_msg(L, "create_files: bad file entry");
		if (write_file(dir, lua_tostring(L, -2), lua_tostring(L, -1), &err) < 0)
			return bind_raise(L, &err);
		lua_pop(L, 1);
	}
	return 0;
}

static void push_container(lua_State *L, struct berth_ctx *ctx, struct container *c)
{
	json_t *j = container_inspect_json(ctx, c);
	bind_push_json(L, j);
	json_decref(j);
}

/* Docker's SizeRw (the rw layer's own changes) and SizeRootFs (image + SizeRw). */
static void add_sizes(struct berth_ctx *ctx, struct container *c, json_t *j)
{
	const struct berth_storage_ops *ops;
	char parent[IMAGE_INIT_ID_LEN];
	int64_t rw = 0, img = 0;
	berr_t e = { 0 };

	if (c->rw_layer && ctx_storage(ctx, &ops, NULL, &e) == 0) {
		container_rw_parent(ctx, c, parent, &e);
		rw = ops->diff_size(c->rw_layer, parent[0] ? parent : NULL, &e);
		if (rw < 0)
			rw = 0;
	}
	if (c->image_id) {
		json_t *ij = NULL;
		if (image_inspect(ctx, c->image_id, &ij, &e) == 0)
			img = json_integer_value(json_object_get(ij, "Size"));
		json_decref(ij);
	}
	json_object_set_new(j, "SizeRw", json_integer(rw));
	json_object_set_new(j, "SizeRootFs", json_integer(rw + img));
}

/* inspect(ref [, {size=bool}]) -> table (Docker's inspect shape) or nil */
static int l_inspect(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c;
	berr_t err = { 0 };
	int r = container_get(ctx, luaL_checkstring(L, 1), &c, &err);
	json_t *j;

	if (r == -ENOENT) {
		lua_pushnil(L);
		return 1;
	}
	if (r < 0)
		return bind_raise(L, &err);
	j = container_inspect_json(ctx, c);
	if (lua_istable(L, 2) && lua_getfield(L, 2, "size") && lua_toboolean(L, -1))
		add_sizes(ctx, c, j);
	bind_push_json(L, j);
	json_decref(j);
	container_free(c);
	return 1;
}

/* list() -> array of inspect tables, newest first */
static int l_list(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container **v;
	berr_t err = { 0 };
	size_t n;

	if (container_list(ctx, &v, &n, &err) < 0)
		return bind_raise(L, &err);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		push_container(L, ctx, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	container_list_free(v, n);
	return 1;
}

/* ---- start and attach ---- */

static int connect_attach(struct berth_ctx *ctx, const char *id, berr_t *err)
{
	_cleanup_free_ char *dir = container_run_dir(ctx, id);
	struct sockaddr_un sa;
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (dfd >= 0)
		attach_sockaddr(&sa, dfd);
	if (dfd < 0 || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (fd >= 0) close(fd);
		if (dfd >= 0) close(dfd);
		return berr_sys(err, e, "attach to %.12s", id);
	}
	close(dfd);
	return fd;
}

/* sig-proxy: while attached to a container without a tty, every signal berth can catch goes to
 * the container's init, as Docker's CLI forwards them (ForwardAllSignals); not SIGCHLD, SIGPIPE
 * and SIGURG, which Docker skips, nor the faults of berth's own code */
static volatile pid_t proxy_pid;

static void proxy_signal(int sig)
{
	if (proxy_pid > 0)
		kill(proxy_pid, sig);
}

static int proxied(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGPIPE: case SIGURG:
	case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGSYS: case SIGABRT:
		return 0;
	}
	return 1;
}

/* pid > 0: forward to pid, saving the old actions in old; pid 0: put them back. */
static void proxy_signals(pid_t pid, struct sigaction old[NSIG])
{
	struct sigaction sa = { .sa_handler = proxy_signal };

	proxy_pid = pid;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (proxied(sig))
			sigaction(sig, pid > 0 ? &sa : &old[sig], pid > 0 ? &old[sig] : NULL);
}

static struct termios saved_tio;
static int tio_saved;

static void send_winsize(int sock)
{
	struct winsize ws;
	char buf[32];
	if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
		int n = snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
		attach_send(sock, ATTACH_RESIZE, buf, (size_t)n);
	}
}

#define PUMP_DETACHED (-2)

/* Forward typed bytes to the monitor minus the detach sequence; 1 when it was typed. */
static int forward_stdin(int sock, struct detach_keys *dk, const char *buf, size_t n)
{
	static char out[ATTACH_MAX_FRAME + 64];
	long o = detach_keys_filter(dk, buf, n, out);

	if (o < 0)
		return 1;
	/* held bytes may make it longer than one frame */
	for (long at = 0; at < o; at += ATTACH_MAX_FRAME / 2) {
		long len = o - at < ATTACH_MAX_FRAME / 2 ? o - at : ATTACH_MAX_FRAME / 2;
		attach_send(sock, ATTACH_STDIN, out + at, (size_t)len);
	}
	return 0;
}

/* Pump stdin -> socket and socket -> stdout/stderr until the exit frame; returns the code, or
 * PUMP_DETACHED when the user typed the detach keys. The caller has sent ATTACH_STDIN_OPEN
 * with use_stdin. */
static int pump(int sock, int use_stdin, int tty, const char *keys, size_t keys_len)
{
	static char buf[ATTACH_MAX_FRAME + 1];
	int code = -1, stdin_open = use_stdin;
	struct detach_keys dk = { keys, keys_len, 0 };

	if (tty && isatty(0) && tcgetattr(0, &saved_tio) == 0) {
		struct termios raw = saved_tio;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		tio_saved = 1;
	}
	if (tty)
		send_winsize(sock);
	for (;;) {
		struct pollfd pf[2] = { { .fd = sock, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		if (poll(pf, stdin_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents) {
			int type;
			long n = attach_recv(sock, &type, buf, sizeof(buf) - 1);
			if (n < 0)
				break;
			if (type == ATTACH_STDOUT || type == ATTACH_STDERR)
				(void)write_all(type == ATTACH_STDOUT || tty ? 1 : 2, buf, (size_t)n);
			else if (type == ATTACH_EXIT) {
				buf[n] = 0;
				code = n ? atoi(buf) : -1;
				break;
			}
		}
		if (stdin_open && pf[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf) - 1);
			if (n > 0) {
				if (forward_stdin(sock, &dk, buf, (size_t)n)) {
					code = PUMP_DETACHED;
					break;
				}
			} else if (n == 0 || errno != EINTR) {
				attach_send(sock, ATTACH_STDIN_EOF, NULL, 0);
				stdin_open = 0;
			}
		}
	}
	if (tio_saved) {
		tcsetattr(0, TCSANOW, &saved_tio);
		tio_saved = 0;
	}
	return code;
}

/* pump, with the signals berth receives meanwhile going to proxy_to (0: none); a container with
 * a tty gets none either: its terminal carries ^C, as Docker's CLI does. */
static int pump_proxied(int sock, int use_stdin, int tty, const char *keys, size_t keys_len, pid_t proxy_to)
{
	struct sigaction old[NSIG];
	int code;

	if (tty || proxy_to <= 0)
		return pump(sock, use_stdin, tty, keys, keys_len);
	proxy_signals(proxy_to, old);
	code = pump(sock, use_stdin, tty, keys, keys_len);
	proxy_signals(0, old);
	return code;
}

/* opts.detach_keys: the raw bytes of the detach sequence (berth.cli parses Docker's
 * "ctrl-p,ctrl-q" form); default ctrl-p ctrl-q; "" disables detaching. */
static const char *opt_detach_keys(lua_State *L, int idx, size_t *len)
{
	const char *k = NULL;

	if (lua_istable(L, idx)) {
		lua_getfield(L, idx, "detach_keys");
		k = lua_isstring(L, -1) ? lua_tolstring(L, -1, len) : NULL;   /* the table keeps it alive */
		lua_pop(L, 1);
	}
	if (!k) {
		k = "\x10\x11";
		*len = 2;
	}
	if (*len > 32)
		*len = 32;
	return k;
}

/* start(ref [, {attach = bool, stdin = bool, detach_keys = bytes, sig_proxy = bool (true)}]) -> pid (detached)
 * or the exit code (attached) */
static int l_start(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	int attach = bind_opt_bool(L, 2, "attach", 0), use_stdin = bind_opt_bool(L, 2, "stdin", 0);
	size_t keys_len;
	const char *keys = opt_detach_keys(L, 2, &keys_len);
	int tty = json_is_true(json_object_get(json_object_get(c->doc, "Config"), "Tty"));
	berr_t err = { 0 };
	int lk, sock = -1, code, pid;

	if ((lk = container_lock(ctx, c->id, &err)) < 0)
		return bind_raise(L, &err);
	if (container_reload(ctx, c, &err) < 0) {
		container_unlock(ctx, lk);
		return bind_raise(L, &err);
	}
	if (!strcmp(c->state, "running") || !strcmp(c->state, "paused") || !strcmp(c->state, "restarting")) {
		container_unlock(ctx, lk);
		if (attach)
			return raise_msg(L, "container %s is already running", c->id);
		lua_pushinteger(L, c->pid);
		return 1;
	}
	if (attach) {
		/* the attach connection exists before the init may print: nothing is missed */
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			container_unlock(ctx, lk);
			return raise_msg(L, "attach socket: %s", strerror(errno));
		}
		sock = sv[0];
		/* queued before the monitor exists: a client killed during the start still ends
		 * a StdinOnce container's stdin (its going away is the end of the stdin it took) */
		if (use_stdin)
			attach_send(sock, ATTACH_STDIN_OPEN, NULL, 0);
		pid = container_start(ctx, c, sv[1], &code, &err);
		close(sv[1]);
	} else {
		pid = container_start(ctx, c, -1, &code, &err);
	}
	container_unlock(ctx, lk);
	if (pid < 0) {
		if (sock >= 0)
			close(sock);
		return code ? raise_code(L, code, err.msg) : bind_raise(L, &err);
	}
	if (!attach) {
		lua_pushinteger(L, pid);
		return 1;
	}
	code = pump_proxied(sock, use_stdin, tty, keys, keys_len, bind_opt_bool(L, 2, "sig_proxy", 1) ? pid : 0);
	close(sock);
	if (code == PUMP_DETACHED) {
		lua_pushinteger(L, 0);
		lua_pushboolean(L, 1);
		return 2;
	}
	if (code < 0) {
		/* the stream ended without a code: read what the monitor recorded */
		if (container_reload(ctx, c, &err) == 0)
			code = c->exit_code;
		else
			code = 125;
	}
	lua_pushinteger(L, code);
	return 1;
}

/* attach(ref [, {stdin = bool, detach_keys = bytes, sig_proxy = bool (true)}]) -> exit code when the container stops,
 * or 0, true when the user detached */
static int l_attach(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	int tty = json_is_true(json_object_get(json_object_get(c->doc, "Config"), "Tty"));
	berr_t err = { 0 };
	int sock, code;
	size_t keys_len;
	const char *keys = opt_detach_keys(L, 2, &keys_len);

	if (strcmp(c->state, "running"))
		return raise_msg(L, "You cannot attach to a stopped container, start it first");
	if ((sock = connect_attach(ctx, c->id, &err)) < 0)
		return bind_raise(L, &err);
	if (bind_opt_bool(L, 2, "stdin", 0))
		attach_send(sock, ATTACH_STDIN_OPEN, NULL, 0);
	code = pump_proxied(sock, bind_opt_bool(L, 2, "stdin", 0), tty, keys, keys_len,
			    bind_opt_bool(L, 2, "sig_proxy", 1) ? c->pid : 0);
	close(sock);
	if (code == PUMP_DETACHED) {
		lua_pushinteger(L, 0);
		lua_pushboolean(L, 1);
		return 2;
	}
	if (code < 0 && container_reload(ctx, c, &err) == 0)
		code = c->exit_code;
	lua_pushinteger(L, code);
	return 1;
}

static int parse_signal(lua_State *L, int idx, int def)
{
	static const struct { const char *n; int s; } SIGS[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL }, { "TRAP", SIGTRAP },
		{ "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		{ "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
		{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
		{ "CLD", SIGCHLD }, { "IOT", SIGABRT }, { "POLL", SIGIO }, { "STKFLT", SIGSTKFLT },
	};
	const char *s;
	char *end;

	if (lua_isnoneornil(L, idx))
		return def;
	if (lua_type(L, idx) == LUA_TNUMBER && lua_tointeger(L, idx) != 0)
		return (int)lua_tointeger(L, idx);
	s = luaL_checkstring(L, idx);
	if (*s >= '0' && *s <= '9') {
		long n = strtol(s, &end, 10);
		if (*end || n <= 0 || n > 255)
			return raise_msg(L, "Invalid signal: %s", s);
		return (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(SIGS) / sizeof(SIGS[0]); i++)
		if (!strcasecmp(s, SIGS[i].n))
			return SIGS[i].s;
	/* Docker's names for the real-time signals: RTMIN, RTMIN+1..15, RTMAX-14..-1, RTMAX (34..64) */
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		int max = (s[4] | 0x20) == 'x';
		long off = 0;
		if (s[5]) {
			off = strtol(s + 6, &end, 10);
			if (s[5] != (max ? '-' : '+') || !(s[6] >= '0' && s[6] <= '9') || *end || off < 1 || off > 15 ||
			    (max && off > 14))
				off = -1;
		}
		if (off >= 0)
			return max ? 64 - (int)off : 34 + (int)off;
	}
	return raise_msg(L, "Invalid signal: %s", lua_tostring(L, idx));
}

/* signal(name) -> number: Docker's signal names (SIGTERM, term, 15, RTMIN+3); raises
 * "Invalid signal: X" for others. */
static int l_signal(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushinteger(L, parse_signal(L, 1, 0));
	return 1;
}

static int running(const struct container *c)
{
	return !strcmp(c->state, "running") || !strcmp(c->state, "paused");
}

/* kill(ref [, signal]) */
static int l_kill(lua_State *L)
{
	struct container *c = boxed_keep(L, 1);
	int sig = parse_signal(L, 2, SIGKILL);

	if (!running(c) || !container_init_alive(c))
		return raise_msg(L, "Cannot kill container: %s: Container %s is not running", lua_tostring(L, 1), c->id);
	if (kill(c->pid, sig) < 0)
		return raise_msg(L, "Cannot kill container: %s: %s", lua_tostring(L, 1), strerror(errno));
	return 0;
}

/* Wait until the row no longer says running/paused/restarting (the monitor recorded the exit);
 * 1 once it does (or the container is gone: --rm), 0 after timeout_ms (-1: no limit). The
 * monitor records by writing live.json in the container's directory (made in place, or renamed
 * over the one not folded yet): inotify wakes us the moment it does, instead of a poll
 * interval's delay; the periodic look catches the rest (a monitor that died without a record). */
static int wait_stopped(struct berth_ctx *ctx, struct container *c, int timeout_ms)
{
	_cleanup_free_ char *dir = container_dir(ctx, c->id);
	_cleanup_close_ int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	berr_t err = { 0 };

	if (in >= 0 && inotify_add_watch(in, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF) < 0) {
		close(in);
		in = -1;
	}
	for (;;) {
		struct pollfd pf = { .fd = in, .events = POLLIN };
		int64_t left = timeout_ms < 0 ? 100 : (deadline - now_ns()) / 1000000;
		char buf[4096];
		if (container_reload(ctx, c, &err) < 0)
			return 1;   /* removed (--rm) */
		if (strcmp(c->state, "running") && strcmp(c->state, "paused") && strcmp(c->state, "restarting"))
			return 1;
		if (timeout_ms >= 0 && left <= 0)
			return 0;
		if (in >= 0) {
			if (poll(&pf, 1, left < 100 ? (int)left : 100) > 0)
				while (read(in, buf, sizeof(buf)) > 0)
					;
		} else {
			struct timespec ts = { 0, (left < 20 ? left : 20) * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* Tell the monitor the coming exit is the user's (no restart policy applies); "keep": a --rm
 * container stays (berth restart, as Docker's daemon does). */
static void mark_stopping(struct berth_ctx *ctx, const char *id, int keep)
{
	_cleanup_free_ char *dir = container_run_dir(ctx, id);
	_cleanup_free_ char *p = xasprintf("%s/stopping", dir);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (keep)
			(void)write_all(fd, "keep", 4);
		close(fd);
	}
}

/* stop(ref [, timeout_s [, signal [, keep]]]): the stop signal, then SIGKILL after the timeout
 * (by default the container's --stop-timeout, else 10 s; negative: no SIGKILL); keep: not removed
 * even with --rm (restart) */
static int l_stop(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	json_t *cfg = json_object_get(c->doc, "Config");
	json_t *own = json_object_get(cfg, "StopTimeout");
	lua_Integer t = luaL_optinteger(L, 2, json_is_integer(own) ? json_integer_value(own) : 10);
	int keep = lua_toboolean(L, 4);
	const char *stopsig = json_string_value(json_object_get(cfg, "StopSignal"));
	int sig;

	if (lua_isnoneornil(L, 3) && stopsig) {
		lua_pushstring(L, stopsig);
		lua_replace(L, 3);
	}
	sig = parse_signal(L, 3, SIGTERM);
	if (!running(c) && strcmp(c->state, "restarting"))
		return 0;
	mark_stopping(ctx, c->id, keep);
	if (!strcmp(c->state, "paused")) {
		berr_t e = { 0 };
		_cleanup_free_ char *cg = container_cgroup(ctx, c);
		cgroup_freeze(cg, 0, &e);
	}
	if (container_init_alive(c))
		kill(c->pid, sig);
	if (wait_stopped(ctx, c, (int)(t < 0 ? -1 : t * 1000)))
		return 0;
	if (container_init_alive(c))
		kill(c->pid, SIGKILL);
	wait_stopped(ctx, c, 10000);
	return 0;
}

/* wait(ref) -> exit code once the container is stopped */
static int l_wait(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);

	while (!wait_stopped(ctx, c, 1000))
		;
	lua_pushinteger(L, c->exit_code);
	return 1;
}

/* remove(ref [, {force = bool}]): decided and done under the container's lock, so that a start
 * in progress finishes first and its container is then seen running (and killed, with force),
 * never removed from under its monitor. */
static int l_remove(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	berr_t err = { 0 };
	int lk;

	if ((lk = container_lock(ctx, c->id, &err)) < 0) {
		if (lk != -ENOENT)
			return bind_raise(L, &err);
		/* no directory: --rm's exit removed it all (no row either), or a row outlived its
		 * directory (a crash, a hand): a row of nothing running goes, so that rm can end it */
		berr_clear(&err);
		if (container_reload(ctx, c, &err) < 0)
			return 0;
		if (running(c) || !strcmp(c->state, "restarting"))
			return raise_msg(L, "container %s has lost its directory while it runs: stop it first", c->id);
		return container_remove(ctx, c, &err) < 0 ? bind_raise(L, &err) : 0;
	}
	if (container_reload(ctx, c, &err) < 0) {
		container_unlock(ctx, lk);
		return 0;
	}
	if (running(c) || !strcmp(c->state, "restarting")) {
		if (!bind_opt_bool(L, 2, "force", 0)) {
			container_unlock(ctx, lk);
			return raise_msg(L, "You cannot remove a %s container %s. Stop the container before attempting "
					  "removal or force remove", c->state, c->id);
		}
		mark_stopping(ctx, c->id, 0);
		if (!strcmp(c->state, "paused")) {
			_cleanup_free_ char *cg = container_cgroup(ctx, c);
			cgroup_freeze(cg, 0, &err);
		}
		if (container_init_alive(c))
			kill(c->pid, SIGKILL);
		if (!wait_stopped(ctx, c, 10000)) {
			container_unlock(ctx, lk);
			return raise_msg(L, "Could not kill running container %s, cannot remove", c->id);
		}
		if (container_reload(ctx, c, &err) < 0) {
			container_unlock(ctx, lk);
			return 0;   /* --rm: removed with its exit */
		}
	}
	if (container_remove(ctx, c, &err) < 0) {
		container_unlock(ctx, lk);
		return bind_raise(L, &err);
	}
	container_unlock(ctx, lk);
	return 0;
}

static int l_pause(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	int freeze = lua_toboolean(L, lua_upvalueindex(1));
	berr_t err = { 0 };
	char *cg;
	int r;

	if (freeze && strcmp(c->state, "running"))
		return raise_msg(L, "Container %s is not running", c->id);
	if (!freeze && strcmp(c->state, "paused"))
		return raise_msg(L, "Container %s is not paused", c->id);
	/* freed before any raise: a Lua error longjmps past cleanup attributes */
	cg = container_cgroup(ctx, c);
	r = cgroup_freeze(cg, freeze, &err);
	free(cg);
	if (r < 0 ||
	    container_set_state(ctx, c->id, freeze ? "paused" : "running", &err) < 0)
		return bind_raise(L, &err);
	return 0;
}

static int l_rename(lua_State *L)
{
	berr_t err = { 0 };
	if (container_rename(bind_ctx(L), luaL_checkstring(L, 1), luaL_checkstring(L, 2), &err) < 0)
		return bind_raise(L, &err);
	return 0;
}

/* top(ref) -> array of host pids in the container */
static int l_top(lua_State *L)
{
	struct container *c = boxed_keep(L, 1);
	berr_t err = { 0 };
	pid_t *pids;
	size_t n;
	char *cg;
	int r;

	if (!running(c))
		return raise_msg(L, "Container %s is not running", c->id);
	cg = container_cgroup(bind_ctx(L), c);
	r = cgroup_pids(cg, &pids, &n, &err);
	free(cg);
	if (r < 0)
		return bind_raise(L, &err);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushinteger(L, pids[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(pids);
	return 1;
}

/* exec(ref, {cmd = {...}, env = {...}, user =, workdir =, detach =, tty =, stdin =, privileged =,
 * detach_keys = bytes}) -> code, or 0, true when the user detached (the program runs on) */
static int l_exec(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	char cdir[4096], seccomp[4096];
	struct rt_spec s;
	berr_t err = { 0 };
	json_t *doc, *cfg;
	int code, r;

	snprintf(cdir, sizeof(cdir), "%s/containers/%s", ctx->cfg.data_root, c->id);
	snprintf(seccomp, sizeof(seccomp), "%s/scripts/container/seccomp-default.json", ctx->root_dir);
	luaL_checktype(L, 2, LUA_TTABLE);
	if (!running(c) || !container_init_alive(c))
		return raise_code(L, 1, lua_pushfstring(L, "Container %s is not running", c->id));
	if (!strcmp(c->state, "paused"))
		return raise_code(L, 1, lua_pushfstring(L, "Container %s is paused, unpause the container before exec", lua_tostring(L, 1)));
	/* the container's own settings, with exec's overrides */
	doc = json_deep_copy(c->doc);
	cfg = json_object_get(doc, "Config");
	lua_getfield(L, 2, "cmd");
	{
		json_t *cmd = bind_to_json(L, -1);
		lua_pop(L, 1);
		if (!json_array_size(cmd)) {
			json_decref(cmd);
			json_decref(doc);
			return raise_msg(L, "No exec command specified");
		}
		json_object_set(doc, "Path", json_array_get(cmd, 0));
		json_array_remove(cmd, 0);
		json_object_set_new(doc, "Args", cmd);
	}
	lua_getfield(L, 2, "env");
	if (lua_istable(L, -1)) {
		json_t *extra = bind_to_json(L, -1);
		json_array_extend(json_object_get(cfg, "Env"), extra);
		json_decref(extra);
	}
	lua_pop(L, 1);
	if (bind_opt_string(L, 2, "user", NULL))
		json_object_set_new(cfg, "User", json_string(bind_opt_string(L, 2, "user", NULL)));
	if (bind_opt_string(L, 2, "workdir", NULL))
		json_object_set_new(cfg, "WorkingDir", json_string(bind_opt_string(L, 2, "workdir", NULL)));
	json_object_set_new(cfg, "Tty", json_boolean(bind_opt_bool(L, 2, "tty", 0)));
	r = rt_spec_from_json(&s, doc, "/", cdir, seccomp, &err);
	json_decref(doc);
	s.cgroup = container_cgroup(ctx, c);
	if (r == 0) {
		char cache[4096];
		snprintf(cache, sizeof(cache), "%s/cache/seccomp", ctx->cfg.data_root);
		r = rt_seccomp_prepare(&s, cache, &err);
	}
	/* --privileged: every capability for this process, under the container's own seccomp
	 * profile (made for the container's capabilities above), as libcontainer's exec does */
	if (bind_opt_bool(L, 2, "privileged", 0))
		s.caps = rt_all_caps();
	if (r < 0) {
		rt_spec_free(&s);
		return bind_raise(L, &err);
	}
	{
		struct rt_exec_opts o = { .detach = bind_opt_bool(L, 2, "detach", 0),
					  .stdin = bind_opt_bool(L, 2, "stdin", 0) };
		o.detach_keys = opt_detach_keys(L, 2, &o.detach_keys_len);
		r = runtime_exec(&s, c->pid, &o, &code, &err);
	}
	rt_spec_free(&s);
	if (r < 0)
		return raise_code(L, 126, err.msg);   /* Docker's exec: whatever keeps it from starting is 126 */
	lua_pushinteger(L, code);
	if (r == 1) {
		lua_pushboolean(L, 1);
		return 2;
	}
	return 1;
}

/* ---- logs ---- */

struct log_sink {
	lua_State *L;
	int fn;
};

static int log_to_lua(const struct berth_log_message *msg, void *cookie)
{
	struct log_sink *s = cookie;
	int stop;

	lua_pushvalue(s->L, s->fn);
	lua_pushinteger(s->L, msg->stream);
	lua_pushlstring(s->L, msg->line, msg->len);
	lua_pushinteger(s->L, msg->time_ns);
	lua_call(s->L, 3, 1);
	stop = lua_toboolean(s->L, -1);
	lua_pop(s->L, 1);
	return stop;
}

/* logs(ref, {follow, tail, since, until (ns)}, fn(stream, line, time_ns) -> stop?) */
static int l_logs(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	json_t *lc = json_object_get(json_object_get(c->doc, "HostConfig"), "LogConfig");
	const char *type = json_string_value(json_object_get(lc, "Type"));
	char dir[4096], *opts = NULL;
	struct berth_log_read_opts o = {
		.follow = bind_opt_bool(L, 2, "follow", 0),
		.since_ns = bind_opt_int(L, 2, "since", 0),
		.until_ns = bind_opt_int(L, 2, "until", 0),
		.tail = bind_opt_int(L, 2, "tail", -1),
	};
	struct log_sink sink = { L, 3 };
	const struct berth_logging_ops *ops;
	struct plugin *p;
	berr_t err = { 0 };

	snprintf(dir, sizeof(dir), "%s/containers/%s", ctx->cfg.data_root, c->id);
	luaL_checktype(L, 3, LUA_TFUNCTION);
	if (!type || !*type)
		type = ctx->cfg.log_driver && *ctx->cfg.log_driver ? ctx->cfg.log_driver : "json-file";
	if (plugin_load(ctx, BERTH_PLUGIN_LOGGING, type, &p, &err) < 0)
		return bind_raise(L, &err);
	ops = p->desc->vtable;
	if (!(ops->capabilities() & BERTH_LOG_CAP_READ) || !ops->read)
		return raise_msg(L, "configured logging driver does not support reading");
	if (o.follow && !running(c))
		o.follow = 0;
	{
		/* the options string lives in a Lua string so a raising sink cannot leak it */
		opts = json_object_get(lc, "Config") ? json_dumps(json_object_get(lc, "Config"), JSON_COMPACT) : NULL;
		lua_pushstring(L, opts ? opts : "{}");
		free(opts);
	}
	if (ops->read(dir, c->id, lua_tostring(L, -1), &o, log_to_lua, &sink, &err) < 0)
		return bind_raise(L, &err);
	return 0;
}

/* check_log_config(type, config): the logging driver's own check of the options a container
 * would get, before anything is created; raises Docker's daemon message. A driver built before
 * the validate member (logging ABI minor 1) accepts any options. */
static int l_check_log_config(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *type = luaL_checkstring(L, 1);
	const struct berth_logging_ops *ops;
	struct plugin *p;
	berr_t err = { 0 };
	json_t *o;
	char *text;
	int r;

	if (plugin_load(ctx, BERTH_PLUGIN_LOGGING, type, &p, &err) < 0) {
		if (err.code == ENOENT || err.code == EINVAL)
			return raise_msg(L, "error looking up logging plugin %s: plugin \"%s\" not found", type, type);
		return bind_raise(L, &err);
	}
	ops = p->desc->vtable;
	if (!BERTH_HAS_MEMBER(struct berth_logging_ops, p->desc->vtable_size, validate) || !ops->validate)
		return 0;
	o = lua_isnoneornil(L, 2) ? json_object() : bind_to_json(L, 2);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	/* the plugin's message stays in err, a C buffer: nothing to free after raising */
	r = ops->validate(text ? text : "{}", &err);
	free(text);
	if (r < 0)
		return bind_raise(L, &err);
	return 0;
}

/* update(ref, changes): changes is a partial HostConfig (see container_update) */
static int l_update(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *ref = luaL_checkstring(L, 1);
	json_t *changes;
	berr_t err = { 0 };
	int r;

	luaL_checktype(L, 2, LUA_TTABLE);
	changes = bind_to_json(L, 2);
	r = container_update(ctx, ref, changes, &err);
	json_decref(changes);
	if (r < 0)
		return bind_raise(L, &err);
	return 0;
}

/* cgroup_file(ref, file) -> path of a cgroup control file of the container (tests, stats) */
static int l_cgroup_file(lua_State *L)
{
	struct container *c = boxed_keep(L, 1);
	const char *file = luaL_checkstring(L, 2);
	char *cg = container_cgroup(bind_ctx(L), c);
	char *p = cgroup_file_path(cg, file);

	free(cg);
	lua_pushstring(L, p);
	free(p);
	return 1;
}

/* changes(ref) -> array of {Kind = 0|1|2 (modified, added, deleted), Path = "/..."}, the Engine
 * API's GET /containers/{id}/changes, without the runtime's mount points (see changes.h) */
static int l_changes(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container *c = boxed_keep(L, 1);
	struct fs_change *v;
	size_t n;
	berr_t err = { 0 };

	if (container_changes(ctx, c, &v, &n, &err) < 0)
		return bind_raise(L, &err);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 2);
		lua_pushinteger(L, v[i].kind == 'C' ? 0 : v[i].kind == 'A' ? 1 : 2);
		lua_setfield(L, -2, "Kind");
		lua_pushstring(L, v[i].path);
		lua_setfield(L, -2, "Path");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	fs_changes_free(v, n);
	return 1;
}

/* commit(ref, {author=, message=, changes = {"ENV A=1", ...}, pause = true, ref = "repo:tag"})
 * -> "sha256:..." (see image_commit) */
static int l_commit(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct image_commit_opts o = {
		.author = bind_opt_string(L, 2, "author", NULL),
		.message = bind_opt_string(L, 2, "message", NULL),
		.ref = bind_opt_string(L, 2, "ref", NULL),
		.pause = bind_opt_bool(L, 2, "pause", 1),
	};
	char id[DIGEST_LEN + 1];
	berr_t err = { 0 };
	struct container *c;
	int r;

	c = boxed_keep(L, 1);   /* first: it may raise, and nothing is allocated yet */
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "changes");
		if (!lua_isnil(L, -1)) {
			luaL_checktype(L, -1, LUA_TTABLE);
			o.changes = bind_to_json(L, -1);
			if (!json_is_array(o.changes)) {   /* an empty table encodes as an object */
				json_decref(o.changes);
				o.changes = json_array();
			}
		}
		lua_pop(L, 1);
	}
	r = image_commit(ctx, c, &o, id, &err);
	json_decref(o.changes);
	if (r < 0)
		return bind_raise(L, &err);
	lua_pushstring(L, id);
	return 1;
}

/* export(ref [, path]): the container's file system as a tar into path (atomically), else stdout */
static int l_export(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	const char *path = luaL_optstring(L, 2, NULL);
	struct container *c = boxed_keep(L, 1);
	berr_t err = { 0 };
	int r;

	r = path ? container_export_file(ctx, c, path, &err) : container_export(ctx, c, STDOUT_FILENO, &err);
	if (r < 0)
		return bind_raise(L, &err);
	return 0;
}

/* copy(ref, {container_path, local_path | fd, to_container, follow_link, archive}): docker cp.
 * A failure raises {message = ..., daemon = true|false}: daemon is set for the errors Docker's
 * daemon reports (the CLI prints them after "Error response from daemon: "). */
static int l_copy(lua_State *L)
{
	struct berth_ctx *ctx = bind_ctx(L);
	struct container_copy cp = {
		.ref = luaL_checkstring(L, 1),
		.container_path = bind_opt_string(L, 2, "container_path", NULL),
		.local_path = bind_opt_string(L, 2, "local_path", NULL),
		.fd = (int)bind_opt_int(L, 2, "fd", -1),
		.to_container = bind_opt_bool(L, 2, "to_container", 0),
		.follow_link = bind_opt_bool(L, 2, "follow_link", 0),
		.archive = bind_opt_bool(L, 2, "archive", 0),
	};
	struct container *c;
	berr_t err = { 0 };

	luaL_checktype(L, 2, LUA_TTABLE);
	if (!cp.container_path || (!cp.local_path && cp.fd < 0))
		return luaL_error(L, "copy: container_path and local_path or fd are needed");
	c = boxed_keep(L, 1);
	if (container_copy(ctx, c, &cp, &err) < 0) {
		lua_createtable(L, 0, 2);
		lua_pushstring(L, err.msg[0] ? err.msg : "copy failed");
		lua_setfield(L, -2, "message");
		lua_pushboolean(L, cp.daemon_error);
		lua_setfield(L, -2, "daemon");
		return lua_error(L);
	}
	return 0;
}

static const luaL_Reg FUNCS[] = {
	{ "copy", l_copy },
	{ "create", l_create },
	{ "create_files", l_create_files },
	{ "start", l_start },
	{ "attach", l_attach },
	{ "inspect", l_inspect },
	{ "list", l_list },
	{ "kill", l_kill },
	{ "stop", l_stop },
	{ "wait", l_wait },
	{ "remove", l_remove },
	{ "rename", l_rename },
	{ "top", l_top },
	{ "exec", l_exec },
	{ "logs", l_logs },
	{ "cgroup_file", l_cgroup_file },
	{ "update", l_update },
	{ "changes", l_changes },
	{ "commit", l_commit },
	{ "export", l_export },
	{ "signal", l_signal },
	{ "check_log_config", l_check_log_config },
	{ NULL, NULL },
};

int luaopen_berth_container(lua_State *L)
{
	luaL_newlib(L, FUNCS);
	lua_pushboolean(L, 1);
	lua_pushcclosure(L, l_pause, 1);
	lua_setfield(L, -2, "pause");
	lua_pushboolean(L, 0);
	lua_pushcclosure(L, l_pause, 1);
	lua_setfield(L, -2, "unpause");
	return 1;
}
