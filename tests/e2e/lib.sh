# Helpers for end-to-end tests: each test script sources this, runs the real build/berth against a
# private data root, and reports one line per check: "ok - name", "not ok - name", "skip - name # why".
set -u
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BERTH_BIN="$E2E_ROOT/build/berth"
E2E_FAILED=0
E2E_TMP=$(mktemp -d /tmp/berth-e2e.XXXXXX)
E2E_CLEANUP=()

e2e_cleanup() {
	local c
	for c in "${E2E_CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	# never leave mounts behind under the temp dir before removing it
	grep -o " $E2E_TMP[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

# at_exit "command": run at the end of the script (last registered first is not guaranteed).
at_exit() { E2E_CLEANUP=("$1" "${E2E_CLEANUP[@]}"); }

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"; E2E_FAILED=1; }
skip() { echo "skip - $1 # $2"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "command: $*" "$(printf '%s' "$out" | tail -5)"; fi
}
# check_fails NAME CMD...: passes when CMD exits non-zero.
check_fails() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then not_ok "$name" "expected failure: $*"; else ok "$name"; fi
}
# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
# expect_match NAME REGEX ACTUAL
expect_match() {
	if printf '%s' "$3" | grep -qE -- "$2"; then ok "$1"; else not_ok "$1" "expected to match: $2" "actual: $(printf '%s' "$3" | head -5)"; fi
}

# new_instance NAME: a private berth (own daemon.json, data root, exec root); sets B to the
# command line to use, e.g. `$B images`. Extra daemon.json content may follow as JSON members.
new_instance() {
	local name=$1 extra=${2:-}
	local d="$E2E_TMP/$name"
	mkdir -p "$d"
	printf '{"data-root": "%s/root", "exec-root": "%s/exec"%s}\n' "$d" "$d" "${extra:+, $extra}" >"$d/daemon.json"
	B="$BERTH_BIN --config-file $d/daemon.json"
	INSTANCE_DIR=$d
}

# instance_pgrep PATTERN: the pids pgrep -f PATTERN finds that belong to the current instance:
# a berth of ours (its command line names the instance directory) or a container's process whose
# parent does (its monitor, started with our --data-root). pgrep alone also sees those of a
# suite another checkout runs beside us with the same command (and pkill kills them).
instance_pgrep() {
	local p q pp
	for p in $(pgrep -f "$1"); do
		pp=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
		for q in "$p" $pp; do
			if tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | grep -qF -- "$INSTANCE_DIR/"; then
				echo "$p"
				break
			fi
		done
	done
	return 0
}

# make_busybox_rootfs DIR: a minimal rootfs from the host's static busybox.
make_busybox_rootfs() {
	local d=$1 a
	mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/root"
	cp /bin/busybox "$d/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
}

have_busybox() { [ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1; }

# import_busybox REF: import the busybox rootfs as REF into the current instance ($B).
import_busybox() {
	local ref=$1
	[ -d "$E2E_TMP/bbroot" ] || make_busybox_rootfs "$E2E_TMP/bbroot"
	tar -C "$E2E_TMP/bbroot" -c . | $B import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' - "$ref"
}

# Docker (the reference) with its own data root, socket and bridge, so a host docker is untouched.
DOCKER_SOCK=""
start_dockerd() {
	local d="$E2E_TMP/dockerd" i
	command -v dockerd >/dev/null 2>&1 || return 1
	command -v docker >/dev/null 2>&1 || return 1
	mkdir -p "$d"
	local br="bdk$$"   # a bridge of its own: a test dockerd must never touch the host's docker0
	ip link add "$br" type bridge 2>/dev/null || return 1
	at_exit "ip link del $br"
	dockerd --data-root "$d/root" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
		--pidfile "$d/docker.pid" --bridge "$br" --iptables=false --ip-masq=false \
		--storage-driver overlay2 >"$d/log" 2>&1 &
	local pid=$!
	at_exit "kill $pid; sleep 1; kill -9 $pid"
	for i in $(seq 1 60); do
		if docker -H "unix://$d/docker.sock" version >/dev/null 2>&1; then
			DOCKER_SOCK="unix://$d/docker.sock"
			return 0
		fi
		sleep 0.5
	done
	return 1
}
dk() { docker -H "$DOCKER_SOCK" "$@"; }

finish() { exit "$E2E_FAILED"; }
