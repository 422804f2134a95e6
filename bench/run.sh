#!/usr/bin/env bash
# Benchmarks of the real binary, side by side with Docker, through ../shared/bench/compare.sh.
# Not a test: nothing here passes or fails. Builds the release flavour first (ASan would distort).
#   bench/run.sh [-n RUNS] [workload...]     e.g. bench/run.sh -n 5 load save
# Uses a scratch berth instance (own daemon.json, data root and exec root) so the host's is untouched,
# and a private dockerd when none answers on the default socket.
set -eu
cd "$(dirname "$0")/.."
scons -Q -j2 mode=release build >/dev/null
W=$(mktemp -d /tmp/berth-bench-root.XXXXXX)
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && sleep 1
	ip link del berthbench0 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
printf '{"data-root": "%s/root", "exec-root": "%s/exec"}\n' "$W" "$W" >"$W/daemon.json"
export BERTH="$PWD/build/berth --config-file $W/daemon.json"
if ! docker info >/dev/null 2>&1; then
	ip link add berthbench0 type bridge 2>/dev/null || true
	dockerd --data-root "$W/docker" --exec-root "$W/dockerx" -H "unix://$W/docker.sock" --pidfile "$W/docker.pid" \
		--bridge berthbench0 --iptables=false --ip-masq=false >"$W/dockerd.log" 2>&1 &
	DPID=$!
	for _ in $(seq 60); do docker -H "unix://$W/docker.sock" info >/dev/null 2>&1 && break; sleep 0.5; done
	export DOCKER="docker -H unix://$W/docker.sock"
fi
compare=../shared/bench/compare.sh
[ -x "$compare" ] || compare=/work/shared/bench/compare.sh
"$compare" "$@"
