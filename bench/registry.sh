#!/usr/bin/env bash
# Cold push and pull of a ~117 MB 4-layer image through a local docker-registry, berth vs Docker.
# Not a test. Unlike the shared harness (whose Docker pull is warm and whose berth push reuses
# cached compressed layers), every run here starts cold on both sides:
#   a fresh registry; berth on a fresh data root; Docker's copy removed with rmi + image prune -af;
#   page caches dropped before each measured command.
#   bench/registry.sh [RUNS]      (as root; needs docker.io, docker-registry, busybox-static)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
scons -Q -j2 mode=release build >/dev/null
W=$(mktemp -d /tmp/berth-bench-reg.XXXXXX)
BR="bbr$$"
REG=127.0.0.1:5078
cleanup() {
	[ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && sleep 1
	ip link del "$BR" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timed() { sync; echo 3 >/proc/sys/vm/drop_caches; local s; s=$(now); "$@" >/dev/null 2>&1; echo $(( ($(now) - s) / 1000000 )); }

ip link add "$BR" type bridge
dockerd --data-root "$W/docker" --exec-root "$W/dockerx" -H "unix://$W/d.sock" --pidfile "$W/d.pid" \
	--bridge "$BR" --iptables=false --ip-masq=false >"$W/dockerd.log" 2>&1 &
DPID=$!
D() { docker -H "unix://$W/d.sock" "$@"; }
for _ in $(seq 60); do D info >/dev/null 2>&1 && break; sleep 0.5; done

registry() {
	[ -n "${REG_PID:-}" ] && { kill "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; }
	rm -rf "$W/reg"; mkdir -p "$W/reg/data"
	printf 'version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: %s } }\nhttp: { addr: %s }\n' \
		"$W/reg/data" "$REG" >"$W/reg/config.yml"
	docker-registry serve "$W/reg/config.yml" >"$W/reg/log" 2>&1 &
	REG_PID=$!
	for _ in $(seq 50); do curl -sf "http://$REG/v2/" >/dev/null && return 0; sleep 0.1; done
	echo "registry did not start" >&2; exit 1
}
berth_at() { build/berth --data-root "$W/b$1" --exec-root "$W/bx$1" "${@:2}"; }

# the image: busybox base plus three layers of random and text data, built by Docker
mkdir -p "$W/root/bin" "$W/ctx"
cp /bin/busybox "$W/root/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$W/root/bin/$a"; done
tar -C "$W/root" -c . | D import -c 'ENV PATH=/bin' - bench/base:1 >/dev/null
cat >"$W/ctx/Dockerfile" <<'DF'
FROM bench/base:1
RUN head -c 30000000 /dev/urandom > /rand1
RUN seq 1 4000000 > /text1
RUN head -c 30000000 /dev/urandom > /rand2 && seq 4000000 7000000 > /text2
DF
D build -q -t bench/big:1 "$W/ctx" >/dev/null
D save -o "$W/big.tar" bench/big:1

bp=() dp=() bl=() dl=()
for i in $(seq "$RUNS"); do
	registry
	berth_at "p$i" load -i "$W/big.tar" >/dev/null
	berth_at "p$i" tag bench/big:1 "$REG/bench/big:b"
	bp+=("$(timed berth_at "p$i" push "$REG/bench/big:b")")
	registry
	D tag bench/big:1 "$REG/bench/big:d"
	dp+=("$(timed D push "$REG/bench/big:d")")
	# pull what Docker pushed, both sides cold
	bl+=("$(timed berth_at "l$i" pull "$REG/bench/big:d")")
	D rmi -f "$REG/bench/big:d" bench/big:1 bench/base:1 >/dev/null 2>&1 || true
	D image prune -af >/dev/null 2>&1
	dl+=("$(timed D pull "$REG/bench/big:d")")
	D tag "$REG/bench/big:d" bench/big:1
	rm -rf "$W/bp$i" "$W/bl$i"
done
report() { printf '%-5s berth %6s ms   docker %6s ms   ratio %s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN{printf "%.3f", a/b}')"; }
report push "$(printf '%s\n' "${bp[@]}" | median)" "$(printf '%s\n' "${dp[@]}" | median)"
report pull "$(printf '%s\n' "${bl[@]}" | median)" "$(printf '%s\n' "${dl[@]}" | median)"
