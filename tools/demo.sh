#!/bin/sh
# After install: make a busybox image from the host's /bin/busybox (no registry needed), import it
# into berth, run a container from it when the runtime is there, and list the images.
set -e
BERTH=${BERTH:-berth}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/tmp"
cp /bin/busybox "$tmp/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$tmp/rootfs/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tmp/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$tmp/rootfs/etc/group"
tar -C "$tmp/rootfs" -c . | $BERTH import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' - busybox:latest
if $BERTH run --help >/dev/null 2>&1; then
	$BERTH run --rm busybox echo "hello from a berth container"
fi
$BERTH images
