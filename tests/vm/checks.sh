#!/bin/bash
# The cgroup v2 checks the test VM runs (tests/vm/run.sh boots it; guest-init.sh starts this):
# the real build/berth on a pure unified hierarchy, one TAP line per check.
#   checks.sh cgroupfs   a shell is PID 1: berth's default driver is cgroupfs (berth/<id>)
#   checks.sh systemd    systemd is PID 1: the default is the systemd driver (berth-<id>.scope)
#   checks.sh systemd-v1 systemd on cgroup v1 (hybrid), the systemd driver chosen in daemon.json:
#                        a shorter list, checks-v1.sh
MODE=${1:-cgroupfs}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$MODE" = systemd-v1 ]; then exec bash "$HERE/checks-v1.sh"; fi
. "$HERE/../e2e/lib.sh"
[ -e /sys/fs/cgroup/cgroup.controllers ] || { not_ok "the guest has a pure cgroup v2 hierarchy"; finish; }

new_instance vm '"network-driver": "none"'
if ! $B import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - bb:vm </results/busybox.tar >/dev/null; then
	not_ok "import the busybox image"; finish
fi
expect_eq "info: cgroup version 2, the $MODE driver by default" "2 $MODE" \
	"$($B info -f '{{.CgroupVersion}} {{.CgroupDriver}}' 2>&1)"

# where each driver puts a container's cgroup
cgdir() {
	if [ "${2:-$MODE}" = systemd ]; then echo "/sys/fs/cgroup/system.slice/berth-$1.scope"; else echo "/sys/fs/cgroup/berth/$1"; fi
}
cgread() { cat "$(cgdir "$1" "${3:-$MODE}")/$2" 2>&1; }
pid_of() { $B inspect -f '{{.State.Pid}}' "$1" 2>&1; }
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
IDS=()
# gone NAME ID [DRIVER]: after rm, nothing of the container is left on the host
gone() {
	local name=$1 id=$2 left=""
	[ -e "$(cgdir "$id" "${3:-$MODE}")" ] && left="$left cgroup dir;"
	grep -q "$id" /proc/self/mountinfo && left="$left mounts;"
	grep -qs "$id" /proc/[0-9]*/cgroup && left="$left processes;"
	if [ "${3:-$MODE}" = systemd ]; then
		systemctl status "berth-$id.scope" >/dev/null 2>&1; [ $? = 4 ] || left="$left scope unit;"
	fi
	expect_eq "$name: nothing left after rm (cgroup, mounts, processes$([ "${3:-$MODE}" = systemd ] && echo ', scope unit'))" "" "$left"
}

# ---- limits set at creation, as the host and the container see them ----
id=$($B run -d --name lim -m 64m --memory-swap 96m --cpus 1.5 --cpu-shares 512 --pids-limit 20 \
	bb:vm sleep 600 2>&1)
IDS+=("$id")
at_exit "$B rm -f lim"
d=$(cgdir "$id")
check "run -d makes the container's cgroup $(cgdir '<id>')" test -d "$d"
expect_eq "-m 64m: memory.max" 67108864 "$(cgread "$id" memory.max)"
expect_eq "--memory-swap 96m: memory.swap.max is the swap part (32m)" 33554432 "$(cgread "$id" memory.swap.max)"
expect_eq "--cpus 1.5: cpu.max" "150000 100000" "$(cgread "$id" cpu.max)"
expect_eq "--cpu-shares 512: cpu.weight (runc's mapping)" 20 "$(cgread "$id" cpu.weight)"
expect_eq "--pids-limit 20: pids.max" 20 "$(cgread "$id" pids.max)"
lim_pid=$(pid_of lim)
expect_eq "the init is the cgroup's one process" "$lim_pid" "$(cgread "$id" cgroup.procs)"
expect_eq "the container sees its cgroup as / and its limits in /sys/fs/cgroup" \
	"0::/ 0::/ 67108864 20 150000 100000" \
	"$($B exec lim sh -c 'cat /proc/1/cgroup /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max' 2>&1 | tr '\n' ' ' | sed 's/ $//')"
if [ "$MODE" = systemd ]; then
	unit=berth-$id.scope
	check "systemd: the scope unit is active while the container runs" systemctl is-active --quiet "$unit"
	check "systemd: systemctl status shows the init in the scope" sh -c "systemctl status --no-pager $unit | grep -qw $lim_pid"
	expect_eq "systemd: the scope is in system.slice, delegated" "system.slice yes" \
		"$(systemctl show -p Slice --value "$unit") $(systemctl show -p Delegate --value "$unit")"
	expect_eq "systemd: the limits are the unit's own settings" "67108864 33554432 20 20 1.500000s" \
		"$(systemctl show -p MemoryMax --value "$unit") $(systemctl show -p MemorySwapMax --value "$unit") $(systemctl show -p TasksMax --value "$unit") $(systemctl show -p CPUWeight --value "$unit") $(systemctl show -p CPUQuotaPerSecUSec --value "$unit")"
fi

# ---- exec, top, stats ----
$B exec -d lim sleep 777 >/dev/null 2>&1
n=0
for p in $(cgread "$id" cgroup.procs); do [ "$(tr '\0' ' ' <"/proc/$p/cmdline")" = "sleep 777 " ] && n=$((n + 1)); done
expect_eq "exec: the new process joins the container's cgroup" 1 "$n"
out=$($B top lim 2>&1)
expect_match "top: lists the init" "sleep 600" "$out"
expect_match "top: lists the exec'd process" "sleep 777" "$out"
expect_match "stats: memory usage (not zero) / the -m limit, and the pids of the cgroup" \
	"^[1-9][0-9.]*(B|KiB|MiB) / 64MiB 2$" "$($B stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' lim 2>&1)"

# ---- update of the running container ----
check "update -m --memory-swap --cpus --cpu-shares --pids-limit of a running container" \
	$B update -m 128m --memory-swap 256m --cpus 0.5 --cpu-shares 1024 --pids-limit 50 lim
expect_eq "update: memory.max memory.swap.max cpu.max cpu.weight pids.max" \
	"134217728 134217728 50000 100000 39 50" \
	"$(cgread "$id" memory.max) $(cgread "$id" memory.swap.max) $(cgread "$id" cpu.max) $(cgread "$id" cpu.weight) $(cgread "$id" pids.max)"
expect_eq "update: the container sees its new memory limit" 134217728 "$($B exec lim cat /sys/fs/cgroup/memory.max 2>&1)"
if [ "$MODE" = systemd ]; then
	expect_eq "systemd: update changed the unit's settings" "134217728 50 500ms" \
		"$(systemctl show -p MemoryMax --value "$unit") $(systemctl show -p TasksMax --value "$unit") $(systemctl show -p CPUQuotaPerSecUSec --value "$unit")"
	systemctl daemon-reload
	expect_eq "systemd: the updated limits survive daemon-reload" "134217728 50000 100000 50" \
		"$(cgread "$id" memory.max) $(cgread "$id" cpu.max) $(cgread "$id" pids.max)"
fi
$B update --pids-limit -1 --cpus 0 lim >/dev/null 2>&1
expect_eq "update --pids-limit -1 --cpus 0: back to unlimited" "max max 100000" \
	"$(cgread "$id" pids.max) $(cgread "$id" cpu.max)"

# ---- pause / unpause: cgroup.freeze ----
pz=$($B run -d --name pz bb:vm sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.2; done' 2>&1)
IDS+=("$pz")
at_exit "$B rm -f pz"
pz_pid=$(pid_of pz)
wait_for 10 test -s "/proc/$pz_pid/root/tmp/n"
$B pause pz >/dev/null 2>&1
expect_eq "pause: cgroup.freeze is 1 and the kernel says frozen" "1 frozen 1" \
	"$(cgread "$pz" cgroup.freeze) $(grep frozen "$(cgdir "$pz")/cgroup.events")"
expect_eq "pause: inspect shows it paused" "paused true" "$($B inspect -f '{{.State.Status}} {{.State.Paused}}' pz 2>&1)"
expect_match "pause: ps shows (Paused)" "\(Paused\)$" "$($B ps --filter name=pz --format '{{.Status}}' 2>&1)"
n1=$(cat "/proc/$pz_pid/root/tmp/n"); sleep 1; n2=$(cat "/proc/$pz_pid/root/tmp/n")
expect_eq "pause: the container does not run" "$n1" "$n2"
$B unpause pz >/dev/null 2>&1
expect_eq "unpause: cgroup.freeze is 0, running again" "0 frozen 0 running false" \
	"$(cgread "$pz" cgroup.freeze) $(grep frozen "$(cgdir "$pz")/cgroup.events") $($B inspect -f '{{.State.Status}} {{.State.Paused}}' pz 2>&1)"
check "unpause: the container runs again" wait_for 10 sh -c "[ \$(cat /proc/$pz_pid/root/tmp/n) -gt $n2 ]"
$B pause pz >/dev/null 2>&1
$B rm -f pz >/dev/null 2>&1
gone "rm -f of a paused container" "$pz"

# ---- the pids limit stops a fork bomb ----
bomb=$($B run -d --name bomb --pids-limit 20 bb:vm sh -c 'b() { b | b & }; b; sleep 600' 2>&1)
IDS+=("$bomb")
at_exit "$B rm -f bomb"
sleep 2
cur=$(cgread "$bomb" pids.current)
expect_match "fork bomb: never more than pids.max (20) processes" "^([0-9]|1[0-9]|20)$" "$cur"
expect_match "fork bomb: the kernel refused forks (pids.events max)" "^max [1-9]" "$(cgread "$bomb" pids.events)"
$B rm -f bomb >/dev/null 2>&1
gone "rm -f of a fork bomb" "$bomb"

# ---- --cpuset-cpus, --cpuset-mems ----
out=$($B run --rm --cpuset-cpus 1 --cpuset-mems 0 bb:vm sh -c 'cat /sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/cpuset.mems; grep Cpus_allowed_list /proc/self/status' 2>&1 | tr -s '\t\n' '  ')
expect_eq "--cpuset-cpus 1 --cpuset-mems 0: cpuset.cpus, cpuset.mems, the cpus it may run on" \
	"1 0 Cpus_allowed_list: 1 " "$out"

# ---- --cpu-period/--cpu-quota and --memory-reservation; v2 has no swappiness or OOM switch ----
cq=$($B run -d --name cq --cpu-period 50000 --cpu-quota 25000 -m 64m --memory-reservation 32m bb:vm sleep 600 2>&1)
IDS+=("$cq")
at_exit "$B rm -f cq"
expect_eq "--cpu-period 50000 --cpu-quota 25000 --memory-reservation 32m: cpu.max, memory.low" \
	"25000 50000 33554432" "$(cgread "$cq" cpu.max) $(cgread "$cq" memory.low)"
expect_eq "--cpu-period/--cpu-quota: the container sees cpu.max" "25000 50000" "$($B exec cq cat /sys/fs/cgroup/cpu.max 2>&1)"
if [ "$MODE" = systemd ]; then
	expect_eq "systemd: CPUQuotaPerSecUSec, CPUQuotaPeriodUSec and MemoryLow are the unit's own" "500ms 50ms 33554432" \
		"$(systemctl show -p CPUQuotaPerSecUSec --value "berth-$cq.scope") $(systemctl show -p CPUQuotaPeriodUSec --value "berth-$cq.scope") $(systemctl show -p MemoryLow --value "berth-$cq.scope")"
fi
check "update --cpu-quota --memory-reservation of a running container" $B update --cpu-quota 40000 --memory-reservation 48m cq
if [ "$MODE" = systemd ]; then systemctl daemon-reload; fi
expect_eq "update: cpu.max keeps the period, memory.low$([ "$MODE" = systemd ] && echo ', after daemon-reload')" \
	"40000 50000 50331648" "$(cgread "$cq" cpu.max) $(cgread "$cq" memory.low)"
$B rm -f cq >/dev/null 2>&1
gone "rm -f of a container with a CFS period" "$cq"
out=$($B create --name swo --memory-swappiness 10 --oom-kill-disable -m 64m bb:vm true 2>&1 >/dev/null)
at_exit "$B rm -f swo"
expect_eq "--memory-swappiness and --oom-kill-disable on v2: Docker's warnings" \
	"WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.
WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded." "$out"
expect_eq "--memory-swappiness and --oom-kill-disable on v2: discarded, as Docker's daemon does" "null false" \
	"$($B inspect -f '{{json .HostConfig.MemorySwappiness}} {{.HostConfig.OomKillDisable}}' swo 2>&1)"
$B rm -f swo >/dev/null 2>&1
expect_eq "--oom-score-adj 500 on v2" 500 "$($B run --rm --oom-score-adj 500 bb:vm cat /proc/self/oom_score_adj 2>&1)"

# ---- --memory-swap: Docker's meaning (memory+swap) as v2's swap alone ----
for sw in "-:33554432" "-1:max" "32m:0"; do
	if [ "${sw%%:*}" = - ]; then flag=""; else flag="--memory-swap ${sw%%:*}"; fi
	expect_eq "-m 32m ${flag:-without --memory-swap}: memory.swap.max ${sw#*:}" "${sw#*:}" \
		"$($B run --rm -m 32m $flag bb:vm cat /sys/fs/cgroup/memory.swap.max 2>&1)"
done

# ---- the cgroup namespace ----
out=$($B run --rm bb:vm sh -c 'cat /proc/self/cgroup; ls /sys/fs/cgroup | grep -cE "^(berth|system.slice|init.scope)$"; head -1 /sys/fs/cgroup/cgroup.procs; mkdir /sys/fs/cgroup/x 2>/dev/null || echo ro' 2>&1 | tr '\n' ' ')
expect_eq "cgroup namespace: / is the container's own cgroup (its init first), nothing of the host's, read-only" \
	"0::/ 0 1 ro " "$out"

# ---- the device filter: no device cgroup files on v2, a BPF program does their job ----
devtest='rm -f /tmp/k; mknod /tmp/k c 1 11 && echo made; head -c 1 /tmp/k >/dev/null 2>&1 && echo opened || echo denied'
expect_eq "devices (BPF): mknod of any node, but no opening one off Docker's list (/dev/kmsg)" "made denied" \
	"$($B run --rm bb:vm sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "devices (BPF): the standard nodes open" "ok" \
	"$($B run --rm bb:vm sh -c 'head -c 1 /dev/zero >/dev/null && head -c 1 /dev/urandom >/dev/null && echo x >/dev/null && echo ok' 2>&1)"
expect_eq "devices: --privileged has no filter" "made opened" \
	"$($B run --rm --privileged bb:vm sh -c "$devtest" 2>&1 | tr '\n' ' ' | sed 's/ $//')"

# ---- an OOM kill is recorded ----
$B run --name oom -m 16m --memory-swap 16m bb:vm sh -c 'x=$(head -c 50000000 /dev/zero | tr "\0" a); echo survived' >/dev/null 2>&1
oid=$($B inspect -f '{{.Id}}' oom 2>&1)
IDS+=("$oid")
expect_eq "OOM: inspect shows OOMKilled and exit 137" "true 137" "$($B inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom 2>&1)"
$B rm oom >/dev/null 2>&1
gone "rm of an OOM-killed container" "$oid"

# ---- restarts: the cgroup (the scope) is made again each time ----
rs=$($B run -d --name rs --restart on-failure:2 bb:vm sh -c 'sleep 0.5; exit 3' 2>&1)
IDS+=("$rs")
at_exit "$B rm -f rs"
wait_for 60 sh -c "[ \"\$($B inspect -f '{{.RestartCount}} {{.State.Status}}' rs)\" = '2 exited' ]"
expect_eq "restart on-failure:2: restarted twice, exited 3" "2 exited 3" \
	"$($B inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' rs 2>&1)"
wait_for 10 test ! -e "$(cgdir "$rs")"
check "restart: no cgroup left once it stopped" test ! -e "$(cgdir "$rs")"
$B rm rs >/dev/null 2>&1

$B rm -f lim >/dev/null 2>&1
gone "rm -f of a running container" "$id"

if [ "$MODE" = systemd ]; then
	# the cgroupfs driver on a systemd host, chosen in daemon.json
	B0=$B
	new_instance fs '"network-driver": "none", "exec-opts": ["native.cgroupdriver=cgroupfs"]'
	$B import -c 'ENV PATH=/bin' - bb:vm </results/busybox.tar >/dev/null 2>&1
	fs=$($B run -d -m 48m bb:vm sleep 600 2>&1)
	at_exit "$B rm -f $fs"
	expect_eq "exec-opts cgroupfs on a systemd host: berth/<id>, no unit" "50331648 4 cgroupfs" \
		"$(cgread "$fs" memory.max cgroupfs) $(systemctl status "berth-$fs.scope" >/dev/null 2>&1; echo $?) $($B info -f '{{.CgroupDriver}}')"
	$B rm -f "$fs" >/dev/null 2>&1
	gone "cgroupfs driver on a systemd host" "$fs" cgroupfs
	B=$B0
	expect_eq "systemd: no berth unit left at all" "" \
		"$(systemctl list-units --all --plain --no-legend 'berth-*' 2>&1)"
fi
expect_eq "no container cgroup left" "" \
	"$(find /sys/fs/cgroup/berth -mindepth 1 -type d 2>/dev/null; ls -d /sys/fs/cgroup/system.slice/berth-* 2>/dev/null)"
finish
