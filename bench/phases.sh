#!/usr/bin/env bash
# Where the time of `berth run --rm --net=none IMAGE true` goes, from the kernel's own events
# (perf trace: process exec/exit and the clone of the container's init), medians of RUNS runs:
#   bench/phases.sh [-n RUNS] [BERTH...]       e.g. bench/phases.sh -n 21
# Each line is a moment after berth's exec, in ms: the monitor's exec, the init's clone, the
# command's exec and exit, the monitor's exit and berth's. Not a test; needs perf and root.
# Without BERTH it builds the release flavour and uses a scratch instance (like bench/run.sh).
set -eu
cd "$(dirname "$0")/.."
RUNS=15
if [ "${1:-}" = -n ]; then RUNS=$2; shift 2; fi
command -v perf >/dev/null || { echo "bench: needs perf (apt-get install linux-perf)" >&2; exit 1; }
W=$(mktemp -d /tmp/berth-phases.XXXXXX)
trap 'rm -rf "$W"' EXIT
if [ $# -eq 0 ]; then
	scons -Q -j2 mode=release build >/dev/null
	printf '{"data-root": "%s/root", "exec-root": "%s/exec"}\n' "$W" "$W" >"$W/daemon.json"
	set -- "$PWD/build/berth" --config-file "$W/daemon.json"
	mkdir -p "$W/bb/bin" "$W/bb/etc"
	cp /bin/busybox "$W/bb/bin/"
	for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$W/bb/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$W/bb/etc/passwd"
	tar -C "$W/bb" -cf - . | "$@" import -c 'ENV PATH=/bin' - bench-phases:1 >/dev/null
fi
IMAGE=${IMAGE:-bench-phases:1}
"$@" run --rm --net=none "$IMAGE" true   # warm the caches (seccomp program, overlay check)
for _ in $(seq "$RUNS"); do
	perf trace -e 'clone,sched:sched_process_exec,sched:sched_process_exit' -o "$W/trace" -- \
		"$@" run --rm --net=none "$IMAGE" true >/dev/null 2>&1
	awk '
		match($0, /^ *[0-9.]+/) { t = substr($0, RSTART, RLENGTH) + 0 }
		/sched_process_exec/ && /berth-monitor"/ && !m { print "monitor-exec", t; m = 1 }
		/clone\(clone_flags: [A-Z|]*NEWNS/ && !c { print "init-clone", t; c = 1 }
		/sched_process_exec/ && /filename: "[^"]*\/true"/ { print "command-exec", t }
		/sched_process_exit/ && /comm: "true"/ { print "command-exit", t }
		/sched_process_exit/ && /comm: "berth-monitor"/ && /group_dead: 1/ { print "monitor-exit", t }
		/sched_process_exit/ && /comm: "berth"/ && /group_dead: 1/ { last = t }
		END { print "berth-exit", last }' "$W/trace"
done | awk '{ v[$1] = v[$1] " " $2 }
	END {
		n = split("init-clone monitor-exec command-exec command-exit monitor-exit berth-exit", order, " ")
		for (i = 1; i <= n; i++) {
			k = order[i]; m = split(v[k], a, " "); if (!m) continue
			for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] + 0 < a[x] + 0) { s = a[x]; a[x] = a[y]; a[y] = s }
			printf "%-14s median %6.1f ms   min %6.1f ms\n", k, (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2, a[1]
		}
	}'
