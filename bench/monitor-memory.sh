#!/usr/bin/env bash
# The memory of one container's monitor (release build), for a detached `sleep`:
#   bench/monitor-memory.sh [-n SAMPLES] [-f] [log-driver...]   e.g. bench/monitor-memory.sh json-file none
# A container of berth's bundled drivers gets the lean berth-monitor (static, musl, its drivers
# built in): all it maps is its own binary, its heap and stack, so VmRSS, Pss and Private_* are
# nearly one figure. -f measures berth-monitor-full as well (glibc, dynamic, dlopen'ed drivers;
# run here by overriding the driver with a copy of its own .so in plugin-dirs): its VmRSS counts
# libc, ld.so and jansson pages shared with every process (and, through the kernel's
# fault-around, whole 64 kB runs of them); Pss shares those out; Private_Dirty is what the
# monitor alone costs. syslog is sent to a UDP listener of this script's. Not a test; needs root.
set -eu
cd "$(dirname "$0")/.."
N=3 FULL=
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-f) FULL=1; shift ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- json-file
scons -Q -j2 mode=release build >/dev/null
W=$(mktemp -d /tmp/berth-monmem.XXXXXX)
SINK=
cleanup() {
	for cfg in "$W"/*.json; do
		for c in $(build/berth --config-file "$cfg" ps -aq 2>/dev/null); do
			build/berth --config-file "$cfg" rm -f "$c" >/dev/null 2>&1
		done
	done
	[ -z "$SINK" ] || kill "$SINK" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
printf '{"data-root": "%s/root", "exec-root": "%s/exec"}\n' "$W" "$W" >"$W/lean.json"
# the same data root; each driver's .so copied into a plugin dir that comes before berth's own
mkdir -p "$W/override/logging"
cp build/plugins/logging/*.so "$W/override/logging/"
printf '{"data-root": "%s/root", "exec-root": "%s/exec", "plugin-dirs": ["%s/override"]}\n' "$W" "$W" "$W" >"$W/full.json"
mkdir -p "$W/bb/bin"
cp /bin/busybox "$W/bb/bin/"
ln -s busybox "$W/bb/bin/sleep"
tar -C "$W/bb" -cf - . | build/berth --config-file "$W/lean.json" import -c 'ENV PATH=/bin' - bench-mem:1 >/dev/null
python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1], flush=True)
while True: s.recv(65536)' >"$W/sink.port" & SINK=$!
for _ in $(seq 50); do [ -s "$W/sink.port" ] && break; sleep 0.1; done
measure() {   # config driver
	local B="build/berth --config-file $W/$1.json" opts=() id pid
	[ "$2" != syslog ] || opts=(--log-opt "syslog-address=udp://127.0.0.1:$(cat "$W/sink.port")")
	id=$($B run -d --net=none --log-driver "$2" "${opts[@]}" bench-mem:1 sleep 1000)
	sleep 1
	pid=$(ps -o ppid= -p "$($B inspect -f '{{.State.Pid}}' "$id")" | tr -d ' ')
	printf '%-10s %-18s VmRSS %5s kB  Pss %4s kB  Private_Dirty %4s kB  Private_Clean %4s kB\n' "$2" \
		"$(basename "$(readlink /proc/$pid/exe)")" \
		"$(awk '/^VmRSS/{print $2}' /proc/$pid/status)" \
		"$(awk '/^Pss:/{print $2}' /proc/$pid/smaps_rollup)" \
		"$(awk '/^Private_Dirty/{print $2}' /proc/$pid/smaps_rollup)" \
		"$(awk '/^Private_Clean/{print $2}' /proc/$pid/smaps_rollup)"
	$B rm -f "$id" >/dev/null
}
for driver in "$@"; do
	for _ in $(seq "$N"); do measure lean "$driver"; done
	# none opens no driver file: nothing to override, it always runs in the lean monitor
	if [ -n "$FULL" ] && [ "$driver" != none ]; then
		for _ in $(seq "$N"); do measure full "$driver"; done
	fi
done
# The floor under these figures: `int main(){pause();}` linked as berth-monitor-full is
# (dynamically, glibc), statically with glibc, and as berth-monitor is (statically with musl),
# measured the same way. A dynamically linked glibc process cannot be under ~1 MiB VmRSS here,
# whatever it does.
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
