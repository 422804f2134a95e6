#!/usr/bin/env bash
# berth's container start beside the bare minimum of one (bench/bare-start.c): new mount, pid,
# uts, ipc and net namespaces, pivot_root into the busybox image's root, /proc, exec true.
#   bench/bare-start.sh [-n RUNS] [BERTH...]       e.g. bench/bare-start.sh -n 40
# Measures with hyperfine (-N, no shell), 3 warm-up runs, and prints each median and the ratios
# berth/bare. The bare start runs three ways: on an overlay of the very layers berth mounts (fresh
# upper and work dirs each run, the mount options berth's overlay2 uses for a --rm container),
# which is the fair figure, and on a plain directory (the image's files, bound on themselves);
# and as a person does it at a shell, with util-linux's tools (bench/bare-start-tools.sh), whose
# every exec costs more than the whole bare-start.c here.
# Not a test; needs root and hyperfine (apt-get install hyperfine). Without BERTH it builds the
# release flavour and uses a scratch instance (as bench/phases.sh). The machine is shared: read
# the ratio of one run, and the load average printed with it.
set -eu
cd "$(dirname "$0")/.."
RUNS=40
if [ "${1:-}" = -n ]; then RUNS=$2; shift 2; fi
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
W=$(mktemp -d /tmp/berth-bare.XXXXXX)
trap 'rm -rf "$W"' EXIT
cc -O2 -Wall -Wextra -o "$W/bare-start" bench/bare-start.c
if [ $# -eq 0 ]; then
	scons -Q -j2 mode=release build >/dev/null
	printf '{"data-root": "%s/root", "exec-root": "%s/exec"}\n' "$W" "$W" >"$W/daemon.json"
	set -- "$PWD/build/berth" --config-file "$W/daemon.json"
fi
IMAGE=${IMAGE:-bench-bare:1}
if ! "$@" image inspect "$IMAGE" >/dev/null 2>&1; then
	mkdir -p "$W/bb/bin" "$W/bb/etc"
	cp /bin/busybox "$W/bb/bin/"
	for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$W/bb/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$W/bb/etc/passwd"
	tar -C "$W/bb" -cf - . | "$@" import -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
fi

# The image's layers, topmost first, as overlay2 stacks them under a container's upper dir.
LOWERS=$("$@" image inspect --format '{{json .GraphDriver.Data}}' "$IMAGE" |
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(":".join(filter(None, (d.get("UpperDir"), d.get("LowerDir")))))')
[ -d "${LOWERS%%:*}" ] || { echo "bench: $IMAGE has no overlay2 layer dirs (storage driver?)" >&2; exit 1; }
# The options overlay2 found this kernel takes (its check file: boot id, options, volatile).
OPTS=
CHECKED=$(dirname "$(dirname "${LOWERS%%:*}")")/.overlay-checked
if [ -r "$CHECKED" ]; then
	OPTS=$(sed -n 2p "$CHECKED" | sed 's/^-$//')
	[ "$(sed -n 3p "$CHECKED")" = volatile ] && OPTS="${OPTS:+$OPTS,}volatile"
fi
# The plain directory: the image's own files, on the same file system as the layers.
mkdir -p "$W/scratch" "$W/rootfs"
cp -a "${LOWERS%%:*}/." "$W/rootfs/"

"$@" run --rm --net=none "$IMAGE" true   # warm the caches (seccomp program, overlay check)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# the bare starts first: berth's runs leave more deleted inodes behind, which (on ext4 without a
# journal, as this machine's) makes later inode allocations slower; measured after them, the
# bare starts would look slower and the ratio better than it is
hyperfine -N -w 3 -r "$RUNS" --export-json "$W/result.json" \
	-n bare-overlay "$W/bare-start overlay $LOWERS $W/scratch $OPTS" \
	-n bare-dir "$W/bare-start dir $W/rootfs" \
	-n bare-tools "$PWD/bench/bare-start-tools.sh $LOWERS $W/scratch $OPTS" \
	-n berth "$* run --rm --net=none $IMAGE true" >"$W/hyperfine.log" 2>&1 ||
	{ cat "$W/hyperfine.log" >&2; exit 1; }
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W/result.json" "$RUNS" "$OPTS" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in res.items()}
print(f"{'berth run --rm --net=none':34} median {med['berth']:7.2f} ms  (mean {res['berth']['mean'] * 1000:.2f}, {sys.argv[2]} runs)")
print(f"{'bare: overlay + pivot_root':34} median {med['bare-overlay']:7.2f} ms  (overlay options: {sys.argv[3] or 'none'})")
print(f"{'bare: directory + pivot_root':34} median {med['bare-dir']:7.2f} ms")
print(f"{'bare: unshare, mount, pivot_root':34} median {med['bare-tools']:7.2f} ms  (the tools at a shell)")
print(f"ratio berth / bare overlay   {med['berth'] / med['bare-overlay']:5.2f}   (the issue's figure)")
print(f"ratio berth / bare directory {med['berth'] / med['bare-dir']:5.2f}")
print(f"ratio berth / bare tools     {med['berth'] / med['bare-tools']:5.2f}")
EOF
