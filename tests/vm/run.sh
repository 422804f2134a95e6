#!/bin/bash
# Runs berth's cgroup v2 checks (tests/vm/checks.sh) inside a qemu VM on Debian's own kernel with a
# pure unified cgroup v2 hierarchy, which this host (cgroup v1) cannot give. Software emulation
# (TCG) is enough: no KVM is needed. The guest's root is this host's / shared read-only over 9p
# under a tmpfs overlay, so it runs the build/ of this tree with the host's libraries.
#
#   tests/vm/run.sh [cgroupfs] [systemd] [systemd-v1]    (default: all three)
#
#   cgroupfs    a shell script is PID 1; berth uses its cgroupfs driver (berth/<id> cgroups)
#   systemd     systemd is PID 1; berth's default there is the systemd driver (berth-<id>.scope)
#   systemd-v1  systemd as PID 1 on cgroup v1 (hybrid), the systemd driver named in daemon.json
#
# Prints one TAP line per guest check ("ok - [mode] name"), "skip - ..." when qemu or the kernel
# cannot be had. BERTH_VM_CACHE (default /var/tmp/berth-vm) keeps the kernel between runs;
# BERTH_VM_TIMEOUT (s, default 600) bounds each boot; BERTH_VM_KEEP=1 keeps the work dir.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
CACHE=${BERTH_VM_CACHE:-/var/tmp/berth-vm}
TIMEOUT=${BERTH_VM_TIMEOUT:-600}
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(cgroupfs systemd systemd-v1)
# what the initramfs needs to reach the host's / (9p over virtio-pci) and stack a tmpfs on it
MODULES="virtio_pci 9pnet_virtio 9p overlay"

skip_all() {
	local m
	for m in "${MODES[@]}"; do echo "skip - [$m] cgroup v2 VM checks # $1"; done
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (tools/deps.sh installs qemu-system-x86)"
[ -x /bin/busybox ] || skip_all "no /bin/busybox (busybox-static)"
[ -x "$SRC/build/berth" ] || skip_all "build/berth is missing"
for m in "${MODES[@]}"; do
	case "$m" in
	cgroupfs) ;;
	systemd|systemd-v1) [ -x /lib/systemd/systemd ] || skip_all "no /lib/systemd/systemd on the host (apt-get install systemd)" ;;
	*) echo "usage: tests/vm/run.sh [cgroupfs] [systemd] [systemd-v1]" >&2; exit 2 ;;
	esac
done

# ---- the kernel: Debian's, the one linux-image-amd64 points at, unpacked into the cache ----
fetch_kernel() {
	local pkg dl
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || { echo "apt-cache does not know linux-image-amd64"; return 1; }
	if [ -e "$CACHE/$pkg/.done" ]; then echo "$CACHE/$pkg"; return 0; fi
	dl=$(mktemp -d "$CACHE/dl.XXXXXX") || return 1
	if ! (cd "$dl" && apt-get download "$pkg" >/dev/null 2>"$dl/err"); then
		echo "apt-get download $pkg failed: $(grep -v '^W:' "$dl/err" | head -1)"; rm -rf "$dl"; return 1
	fi
	rm -rf "$CACHE/$pkg"
	mkdir -p "$dl/x"
	dpkg-deb -x "$dl"/*.deb "$dl/x" || { echo "dpkg-deb -x failed"; rm -rf "$dl"; return 1; }
	# modules.dep is made by depmod at install time, not shipped: busybox's depmod makes it
	busybox depmod -b "$dl/x" "$(ls "$dl/x/lib/modules")" || { echo "depmod failed"; rm -rf "$dl"; return 1; }
	mv "$dl/x" "$CACHE/$pkg" && touch "$CACHE/$pkg/.done"
	rm -rf "$dl"
	echo "$CACHE/$pkg"
}
mkdir -p "$CACHE" || skip_all "cannot create $CACHE"
exec 9>"$CACHE/.lock"
flock 9
KDIR=$(fetch_kernel) || skip_all "no guest kernel: $KDIR"
flock -u 9
KVER=$(ls "$KDIR/lib/modules")
VMLINUZ="$KDIR/boot/vmlinuz-$KVER"
[ -r "$VMLINUZ" ] || skip_all "no vmlinuz in $KDIR"

# software emulation (TCG) is all this needs; KVM, where there is one, only makes it faster
ACCEL="-accel tcg"
[ -w /dev/kvm ] && ACCEL="-accel kvm -accel tcg"
WORK=$(mktemp -d /tmp/berth-vm.XXXXXX)
[ "${BERTH_VM_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

# ---- the initramfs: busybox, the modules above (dependencies first), /init ----
make_initramfs() {
	local d="$WORK/initramfs" m path line
	mkdir -p "$d/bin" "$d/modules" "$d/proc" "$d/sys" "$d/dev" "$d/overlay/etc/systemd/system"
	cp /bin/busybox "$d/bin/busybox"
	cp "$HERE/initramfs-init" "$d/init"
	chmod 755 "$d/init"
	: >"$d/modules.list"
	# modules.dep lists a module's dependencies with the deepest last: load them in reverse
	for m in $MODULES; do
		line=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$KDIR/lib/modules/$KVER/modules.dep")
		[ -n "$line" ] || { echo "module $m not in $KVER"; return 1; }
		for path in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
			grep -qx "$(basename "$path")" "$d/modules.list" && continue
			cp "$KDIR/lib/modules/$KVER/$path" "$d/modules/"
			basename "$path" >>"$d/modules.list"
		done
	done
	# systemd mode: a target that starts only the checks (the host's own units stay out)
	sed "s|@SRC@|$SRC|g" "$HERE/checks.service" >"$d/overlay/etc/systemd/system/checks.service"
	cp "$HERE/checks.target" "$d/overlay/etc/systemd/system/"
	(cd "$d" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initramfs.gz"
}
if ! err=$(make_initramfs 2>&1); then skip_all "cannot build the initramfs: $err"; fi
# the image the checks import, made here where forks are cheap
make_busybox_tar() {
	local r="$WORK/bbroot" a
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root"
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\n' >"$r/etc/group"
	tar -C "$r" -cf "$WORK/busybox.tar" .
}
make_busybox_tar || skip_all "cannot make the busybox image"

# run_vm MODE: boot, let the guest write its TAP lines into the results share, print them
run_vm() {
	local mode=$1 res="$WORK/results-$1" init cmdline t0 rc
	mkdir -p "$res"
	cp "$WORK/busybox.tar" "$res/"
	case "$mode" in
	cgroupfs) init="$SRC/tests/vm/guest-init.sh" ;;
	systemd*) init=/lib/systemd/systemd ;;
	esac
	cmdline="console=ttyS0 panic=-1 berth.init=$init berth.cache=$KDIR berth.src=$SRC berth.mode=$mode"
	case "$mode" in
	*-v1) cmdline="$cmdline systemd.unified_cgroup_hierarchy=0" ;;
	*) cmdline="$cmdline cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" ;;
	esac
	case "$mode" in systemd*) cmdline="$cmdline systemd.unit=checks.target systemd.show_status=0" ;; esac
	t0=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -machine q35 $ACCEL -cpu ${BERTH_VM_CPU:-max} -smp 2 -m 1536 \
		-nographic -no-reboot -nodefaults -serial "file:$res/console.log" \
		-kernel "$VMLINUZ" -initrd "$WORK/initramfs.gz" -append "$cmdline" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$res,mount_tag=results,security_model=none" \
		</dev/null >"$res/qemu.log" 2>&1
	rc=$?
	echo "# [$mode] VM ran $(( $(date +%s) - t0 )) s (qemu exit $rc)"
	if [ -s "$res/tap" ]; then
		sed -n "s/^\(ok\|not ok\|skip\) - /\1 - [$mode] /p; /^#/p" "$res/tap"
	fi
	if grep -q '^not ok' "$res/tap" 2>/dev/null && [ -s "$res/stderr" ]; then
		echo "#   [$mode] the checks' stderr ends with:"
		tail -n 20 "$res/stderr" | sed 's/^/#   /'
	fi
	if [ ! -e "$res/done" ]; then
		echo "not ok - [$mode] the guest finished its checks (timeout ${TIMEOUT}s, qemu exit $rc)"
		echo "#   last console lines:"
		tail -n 25 "$res/console.log" "$res/qemu.log" 2>/dev/null | sed 's/^/#   /'
	fi
}

# one VM at a time: two side by side on a busy 2-core host starve each other's vCPUs into soft
# lockups
for m in "${MODES[@]}"; do run_vm "$m"; done
grep -q "^not ok" "$WORK"/results-*/tap 2>/dev/null && exit 1
for m in "${MODES[@]}"; do [ -e "$WORK/results-$m/done" ] || exit 1; done
exit 0
