#!/bin/sh
# Runs inside the test VM: as PID 1 (cgroupfs mode) it first mounts what an init would; under
# systemd (checks.service) it finds them mounted. Then it runs checks.sh with its TAP
# output in the results share, marks it done and powers the VM off.
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
if [ $$ = 1 ]; then
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm

	ip link set lo up
	hostname berth-vm
fi
[ -d /proc/self ] || mount -t proc proc /proc
mount -t tmpfs -o mode=1777 tmpfs /tmp
SRC=$(arg berth.src) MODE=$(arg berth.mode)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
# the sanitizer settings of tests/run (the debug build leaks are failures here too)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$SRC/tests/lsan.supp:print_suppressions=0:use_tls=0
cd /
bash "$SRC/tests/vm/checks.sh" "$MODE" >/results/tap 2>/results/stderr
echo "$?" >/results/done
sync
if [ $$ = 1 ]; then reboot -f; else systemctl reboot -ff; fi
