#!/bin/bash
# The VM checks of the systemd driver on cgroup v1 (tests/vm/run.sh systemd-v1: systemd as PID 1
# on a hybrid hierarchy, as Debian 10 and CentOS 7 boot). Docker's default there is cgroupfs, so
# daemon.json names the driver. systemd makes the scope in the hierarchies it manages; berth adds
# cpuset and freezer, and gives systemd the device list (it rewrites v1 device files itself).
. "$(dirname "$0")/../e2e/lib.sh"
[ ! -e /sys/fs/cgroup/cgroup.controllers ] && [ -d /sys/fs/cgroup/memory ] ||
	{ not_ok "the guest has a cgroup v1 hierarchy"; finish; }

new_instance vm '"network-driver": "none", "exec-opts": ["native.cgroupdriver=systemd"]'
if ! $B import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - bb:vm </results/busybox.tar >/dev/null; then
	not_ok "import the busybox image"; finish
fi
expect_eq "info: cgroup version 1, the systemd driver from daemon.json" "1 systemd" \
	"$($B info -f '{{.CgroupVersion}} {{.CgroupDriver}}' 2>&1)"

cgdir() { echo "/sys/fs/cgroup/$2/system.slice/berth-$1.scope"; }
cgread() { cat "$(cgdir "$1" "${2%%.*}")/$2" 2>&1; }
pid_of() { $B inspect -f '{{.State.Pid}}' "$1" 2>&1; }
wait_for() {
	local n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
gone() {
	local name=$1 id=$2 left="" c
	for c in memory cpu pids cpuset freezer devices blkio systemd; do
		[ -e "$(cgdir "$id" $c)" ] && left="$left $c dir;"
	done
	grep -q "$id" /proc/self/mountinfo && left="$left mounts;"
	grep -qs "$id" /proc/[0-9]*/cgroup && left="$left processes;"
	systemctl status "berth-$id.scope" >/dev/null 2>&1; [ $? = 4 ] || left="$left scope unit;"
	expect_eq "$name: nothing left after rm (cgroup dirs, mounts, processes, scope unit)" "" "$left"
}

id=$($B run -d --name lim -m 64m --cpus 1.5 --cpu-shares 512 --pids-limit 20 --cpuset-cpus 1 bb:vm sleep 600 2>&1)
at_exit "$B rm -f lim"
unit=berth-$id.scope
check "systemd: the scope unit is active" systemctl is-active --quiet "$unit"
expect_eq "limits: memory.limit_in_bytes cpu.cfs_quota_us cpu.shares pids.max cpuset.cpus" \
	"67108864 150000 512 20 1" \
	"$(cgread "$id" memory.limit_in_bytes) $(cgread "$id" cpu.cfs_quota_us) $(cgread "$id" cpu.shares) $(cgread "$id" pids.max) $(cgread "$id" cpuset.cpus)"
pid=$(pid_of lim)
n=0
for c in memory cpu pids cpuset freezer devices; do grep -qx "$pid" "$(cgdir "$id" $c)/cgroup.procs" 2>/dev/null && n=$((n + 1)); done
expect_eq "the init is in the scope of every controller (cpuset and freezer made by berth)" 6 "$n"
expect_eq "the container sees its own memory limit" 67108864 \
	"$($B exec lim cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)"
devtest='rm -f /tmp/k; mknod /tmp/k c 1 11 && echo made; head -c 1 /tmp/k >/dev/null 2>&1 && echo opened || echo denied'
expect_eq "devices: mknod of any node, no opening one off Docker's list" "made denied" \
	"$($B exec lim sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
$B update -m 128m lim >/dev/null 2>&1
systemctl daemon-reload
expect_eq "after daemon-reload: systemd kept the updated limit and the device rules" "134217728 made denied" \
	"$(cgread "$id" memory.limit_in_bytes) $($B exec lim sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "devices: --privileged has none" "made opened" \
	"$($B run --rm --privileged bb:vm sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
$B pause lim >/dev/null 2>&1
expect_eq "pause: freezer.state FROZEN, inspect paused" "FROZEN paused" \
	"$(cgread "$id" freezer.state) $($B inspect -f '{{.State.Status}}' lim 2>&1)"
$B unpause lim >/dev/null 2>&1
expect_eq "unpause: THAWED, running" "THAWED running" \
	"$(cgread "$id" freezer.state) $($B inspect -f '{{.State.Status}}' lim 2>&1)"
$B rm -f lim >/dev/null 2>&1
gone "rm -f" "$id"

id=$($B run -d --name cfs --cpu-period 50000 --cpu-quota 25000 -m 64m --memory-reservation 32m \
	--memory-swappiness 10 --oom-kill-disable bb:vm sleep 600 2>&1)
at_exit "$B rm -f cfs"
$B update --cpu-period 100000 cfs >/dev/null 2>&1
systemctl daemon-reload
expect_eq "CFS period/quota, soft limit, swappiness, OOM switch (updated, after daemon-reload)" \
	"100000 25000 33554432 10 oom_kill_disable 1" \
	"$(cgread "$id" cpu.cfs_period_us) $(cgread "$id" cpu.cfs_quota_us) $(cgread "$id" memory.soft_limit_in_bytes) $(cgread "$id" memory.swappiness) $(head -1 "$(cgdir "$id" memory)/memory.oom_control")"
$B rm -f cfs >/dev/null 2>&1
gone "rm -f of a container with a CFS period" "$id"

$B run --name oom -m 16m --memory-swap 16m bb:vm sh -c 'x=$(head -c 50000000 /dev/zero | tr "\0" a); echo survived' >/dev/null 2>&1
oid=$($B inspect -f '{{.Id}}' oom 2>&1)
expect_eq "OOM: inspect shows OOMKilled and exit 137" "true 137" "$($B inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom 2>&1)"
$B rm oom >/dev/null 2>&1
gone "rm of an OOM-killed container" "$oid"
expect_eq "no berth unit left at all" "" "$(systemctl list-units --all --plain --no-legend 'berth-*' 2>&1)"
finish
