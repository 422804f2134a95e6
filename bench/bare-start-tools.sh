#!/bin/sh
# The bare start of bench/bare-start.c done as a person does it at a shell, with util-linux's
# `unshare`, `mount` and `pivot_root`: an overlay of LOWERS on fresh upper and work dirs under
# SCRATCH (removed after), /proc, pivot_root, exec the root's /bin/true. bench/bare-start.sh
# runs it beside bare-start.c, whose figure is the stricter one (no exec of any tool).
#   bench/bare-start-tools.sh LOWERS SCRATCH [OPTS]
set -e
d=$(mktemp -d "$2/tools.XXXXXX")
mkdir "$d/upper" "$d/work" "$d/merged"
unshare --mount --uts --ipc --net --pid --fork --propagation private sh -ec '
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work${3:+,$3}" "$2/merged"
	mkdir -p "$2/merged/proc"
	mount -t proc -o nosuid,nodev,noexec proc "$2/merged/proc"
	cd "$2/merged"
	pivot_root . .
	umount -l .
	exec /bin/true' sh "$1" "$d" "${3:-}"
rm -rf "$d"
