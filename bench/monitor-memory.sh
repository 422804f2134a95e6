#!/usr/bin/env bash
# The memory of one container's berth-monitor (release build), for a detached `sleep`:
#   bench/monitor-memory.sh [-n SAMPLES] [log-driver...]     e.g. bench/monitor-memory.sh json-file none
# VmRSS counts every page the monitor maps, most of them libc, ld.so and jansson pages shared
# with every process (and, through the kernel's fault-around, whole 64 kB runs of them); Pss
# shares those out; Private_Dirty is what this monitor alone costs. Not a test; needs root.
set -eu
cd "$(dirname "$0")/.."
N=3
if [ "${1:-}" = -n ]; then N=$2; shift 2; fi
[ $# -gt 0 ] || set -- json-file
scons -Q -j2 mode=release build >/dev/null
W=$(mktemp -d /tmp/berth-monmem.XXXXXX)
printf '{"data-root": "%s/root", "exec-root": "%s/exec"}\n' "$W" "$W" >"$W/daemon.json"
B="$PWD/build/berth --config-file $W/daemon.json"
trap 'for c in $($B ps -aq 2>/dev/null); do $B rm -f "$c" >/dev/null 2>&1; done; rm -rf "$W"' EXIT
mkdir -p "$W/bb/bin"
cp /bin/busybox "$W/bb/bin/"
ln -s busybox "$W/bb/bin/sleep"
tar -C "$W/bb" -cf - . | $B import -c 'ENV PATH=/bin' - bench-mem:1 >/dev/null
for driver in "$@"; do
	for _ in $(seq "$N"); do
		id=$($B run -d --net=none --log-driver "$driver" bench-mem:1 sleep 1000)
		sleep 1
		pid=$(ps -o ppid= -p "$($B inspect -f '{{.State.Pid}}' "$id")" | tr -d ' ')
		printf '%-10s VmRSS %5s kB  Pss %4s kB  Private_Dirty %4s kB  Private_Clean %4s kB\n' "$driver" \
			"$(awk '/^VmRSS/{print $2}' /proc/$pid/status)" \
			"$(awk '/^Pss:/{print $2}' /proc/$pid/smaps_rollup)" \
			"$(awk '/^Private_Dirty/{print $2}' /proc/$pid/smaps_rollup)" \
			"$(awk '/^Private_Clean/{print $2}' /proc/$pid/smaps_rollup)"
		$B rm -f "$id" >/dev/null
	done
done
# The floor under these figures: `int main(){pause();}` linked as the monitor is (dynamically,
# glibc), statically with glibc, and statically with musl (musl-tools), measured the same way.
# A dynamically linked glibc process cannot be under ~1 MiB VmRSS here, whatever it does.
printf '#include <unistd.h>\nint main(void) { pause(); }\n' >"$W/floor.c"
floor() {
	"$@" -O2 -o "$W/floor" "$W/floor.c" 2>/dev/null || { printf '%-22s (compiler missing)\n' "$*"; return; }
	"$W/floor" & local p=$!
	sleep 0.3
	printf 'floor %-16s VmRSS %5s kB  Pss %4s kB\n' "$*" "$(awk '/^VmRSS/{print $2}' /proc/$p/status)" \
		"$(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup)"
	kill $p; wait $p 2>/dev/null || true
}
floor gcc
floor gcc -static
floor musl-gcc -static
