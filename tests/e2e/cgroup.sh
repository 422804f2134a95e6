#!/bin/bash
# End-to-end checks of the cgroup driver choice on this host (exec-opts native.cgroupdriver in
# daemon.json, what info reports, the systemd driver refused where systemd is not PID 1). The
# limits themselves: container.sh, update.sh, stats.sh here (v1), cgroup_vm.sh in a VM (v2).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "cgroup e2e" "needs root"; finish; }
have_busybox || { skip "cgroup e2e" "no /bin/busybox"; finish; }

v2=0; [ -e /sys/fs/cgroup/cgroup.controllers ] && v2=1
[ -d /run/systemd/system ] && sd=1 || sd=0
if [ $v2 = 1 ] && [ $sd = 1 ]; then want=systemd; else want=cgroupfs; fi
[ -e /sys/fs/cgroup/cgroup.controllers ] && ver=2 || ver=1

new_instance plain
expect_eq "info: the default driver is Docker's for this host (cgroup v$ver, systemd PID 1: $sd)" \
	"$want $ver" "$($B info -f '{{.CgroupDriver}} {{.CgroupVersion}}' 2>&1)"

new_instance fs '"exec-opts": ["native.cgroupdriver=cgroupfs"]'
expect_eq "exec-opts native.cgroupdriver=cgroupfs" cgroupfs "$($B info -f '{{.CgroupDriver}}' 2>&1)"

new_instance bad '"exec-opts": ["native.cgroupdriver=systemdd"]'
out=$($B ps 2>&1); rc=$?
expect_eq "exec-opts with an unknown cgroup driver: one line, exit 125" \
	"125 berth: $INSTANCE_DIR/daemon.json: native.cgroupdriver option systemdd not supported" "$rc $out"

new_instance odd '"exec-opts": ["native.umask=normal"]'
out=$($B info -f '{{.CgroupDriver}}' 2>&1)
expect_match "exec-opts berth does not know: a warning" 'warning: .*exec-opts: unknown option "native.umask=normal" ignored' "$out"
expect_match "exec-opts berth does not know: the command still runs" "^$want$" "$(tail -1 <<<"$out")"

new_instance dev '"network-driver": "none"'
import_busybox bb:dev >/dev/null || { not_ok "import busybox"; finish; }
devtest='rm -f /tmp/k; mknod /tmp/k c 1 11 && echo made; head -c 1 /tmp/k >/dev/null 2>&1 && echo opened || echo denied'
expect_eq "devices: mknod of any node, but no opening one off Docker's list (/dev/kmsg)" "made denied" \
	"$($B run --rm bb:dev sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "devices: --privileged has no device rules" "made opened" \
	"$($B run --rm --privileged bb:dev sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"

# daemon.json's cgroup-parent changed while a container runs: the container stays where its start
# put it, and every command finds it there (the reference recorded at start, not today's)
new_instance cgp '"network-driver": "none", "cgroup-parent": "berth-e2e-chg1"'
import_busybox bb:cgp >/dev/null
at_exit "rmdir /sys/fs/cgroup/*/berth-e2e-chg1 /sys/fs/cgroup/*/berth-e2e-chg2 /sys/fs/cgroup/berth-e2e-chg1 /sys/fs/cgroup/berth-e2e-chg2"
id=$($B run -d -m 64m bb:cgp sleep 300 2>&1)
at_exit "$B rm -f $id"
sed -i 's/berth-e2e-chg1/berth-e2e-chg2/' "$INSTANCE_DIR/daemon.json"
check "cgroup-parent changed: pause" $B pause $id
expect_eq "cgroup-parent changed: paused" paused "$($B inspect -f '{{.State.Status}}' $id 2>&1)"
check "cgroup-parent changed: unpause" $B unpause $id
expect_match "cgroup-parent changed: top finds the processes" "sleep 300" "$($B top $id 2>&1)"
expect_match "cgroup-parent changed: stats reads the cgroup" "64MiB" "$($B stats --no-stream --format '{{.MemUsage}}' $id 2>&1)"
check "cgroup-parent changed: update" $B update -m 128m $id
expect_match "cgroup-parent changed: update writes the container's cgroup" "128MiB" \
	"$($B stats --no-stream --format '{{.MemUsage}}' $id 2>&1)"
expect_eq "cgroup-parent changed: exec joins the container's cgroup" "/berth-e2e-chg1/$id" \
	"$($B exec $id sh -c "grep -E '^[0-9]+:(pids)?:' /proc/self/cgroup | head -1 | cut -d: -f3" 2>&1)"
check "cgroup-parent changed: restart" $B restart -t 1 $id
expect_eq "cgroup-parent changed: after the restart, the new parent and nothing left below the old" \
	"/berth-e2e-chg2/$id " \
	"$($B exec $id sh -c "grep -E '^[0-9]+:(pids)?:' /proc/self/cgroup | head -1 | cut -d: -f3" 2>&1) $(ls -d /sys/fs/cgroup/*/berth-e2e-chg1/$id /sys/fs/cgroup/berth-e2e-chg1/$id 2>/dev/null)"
$B rm -f $id >/dev/null

if [ $sd = 0 ]; then
	new_instance sd '"network-driver": "none", "exec-opts": ["native.cgroupdriver=systemd"]'
	import_busybox bb:cg >/dev/null || { not_ok "import busybox"; finish; }
	expect_eq "exec-opts native.cgroupdriver=systemd" systemd "$($B info -f '{{.CgroupDriver}}' 2>&1)"
	out=$($B run --name nosd bb:cg true 2>&1); rc=$?
	at_exit "$B rm -f nosd"
	expect_eq "the systemd driver without systemd as PID 1: run fails with 125" 125 "$rc"
	expect_match "the systemd driver without systemd as PID 1: a message that says what to do" \
		'^berth: Error response from daemon: cgroup: the systemd cgroup driver needs systemd as PID 1 .*native.cgroupdriver=cgroupfs' "$out"
	id=$($B inspect -f '{{.Id}}' nosd 2>&1)
	expect_match "the failed start is recorded (State.Error, not running)" "^(created|exited) [0-9]+ .*systemd cgroup driver needs systemd" \
		"$($B inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' nosd 2>&1)"
	left=$(ls -d /sys/fs/cgroup/*/berth/"$id" /sys/fs/cgroup/*/system.slice/berth-"$id".scope \
		/sys/fs/cgroup/berth/"$id" 2>/dev/null; grep -c "$id" /proc/self/mountinfo | grep -v '^0$'; \
		grep -ls "$id" /proc/[0-9]*/cgroup)
	expect_eq "the failed start leaves no cgroup, mount or process" "" "$left"
else
	skip "the systemd driver without systemd as PID 1" "systemd is PID 1 here"
fi
finish
