#!/bin/bash
# End-to-end checks of the CFS and memory flags of run/create/update (--cpu-period, --cpu-quota,
# --memory-reservation, --memory-swappiness, --oom-kill-disable, --oom-score-adj): the cgroup files
# seen from the host and from inside, oom_score_adj of the init and of exec, inspect's HostConfig,
# and Docker 20.10's messages and exit codes for bad values (needs root).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "limits e2e" "needs root"; finish; }
have_busybox || { skip "limits e2e" "no /bin/busybox"; finish; }
new_instance limits '"network-driver": "none"'
import_busybox bb:lim >/dev/null || { not_ok "import busybox"; finish; }
cat >"$E2E_TMP/cg.lua" <<'LUA'
local berth = require "berth"
local id, file = ...
local f = io.open(berth.container.cgroup_file(id, file))
io.write(f and f:read("l") or "missing")
LUA
cgread() { $B script "$E2E_TMP/cg.lua" "$1" "$2" 2>&1; }
v2=0; [ -e /sys/fs/cgroup/cgroup.controllers ] && v2=1
hc() { $B inspect -f "$1" "$2" 2>&1; }
ncontainers() { $B ps -aq | wc -l; }

# ---- --cpu-period, --cpu-quota ----
id=$($B run -d --name cfs --cpu-period 50000 --cpu-quota 25000 bb:lim sleep 300)
at_exit "$B rm -f cfs"
if [ $v2 = 0 ]; then
	expect_eq "--cpu-period/--cpu-quota: cpu.cfs_period_us and cpu.cfs_quota_us" "50000 25000" \
		"$(cgread "$id" cpu.cfs_period_us) $(cgread "$id" cpu.cfs_quota_us)"
	expect_eq "--cpu-period/--cpu-quota: the container sees them" "50000 25000" \
		"$($B exec cfs sh -c 'echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.cfs_quota_us)' 2>&1)"
else
	expect_eq "--cpu-period/--cpu-quota: cpu.max" "25000 50000" "$(cgread "$id" cpu.max)"
	expect_eq "--cpu-period/--cpu-quota: the container sees them" "25000 50000" \
		"$($B exec cfs cat /sys/fs/cgroup/cpu.max 2>&1)"
fi
expect_eq "--cpu-period/--cpu-quota: inspect" "50000 25000 0" "$(hc '{{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.NanoCpus}}' cfs)"
if [ $v2 = 0 ]; then
	expect_eq "--cpu-quota alone: a quota per the kernel's 100 ms period" "100000 30000" \
		"$($B run --rm --cpu-quota 30000 bb:lim sh -c 'echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.cfs_quota_us)' 2>&1)"
	expect_eq "--cpu-quota -5: Docker takes any negative quota as unlimited" "-1" \
		"$($B run --rm --cpu-quota -5 bb:lim cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>&1)"
else
	expect_eq "--cpu-quota alone: a quota per 100 ms" "30000 100000" \
		"$($B run --rm --cpu-quota 30000 bb:lim cat /sys/fs/cgroup/cpu.max 2>&1)"
	expect_eq "--cpu-quota -5: Docker takes any negative quota as unlimited" "max 100000" \
		"$($B run --rm --cpu-quota -5 bb:lim cat /sys/fs/cgroup/cpu.max 2>&1)"
fi

# ---- --memory-reservation ----
id=$($B run -d --name res -m 64m --memory-reservation 32m bb:lim sleep 300)
at_exit "$B rm -f res"
if [ $v2 = 0 ]; then
	expect_eq "--memory-reservation: memory.soft_limit_in_bytes" 33554432 "$(cgread "$id" memory.soft_limit_in_bytes)"
	expect_eq "--memory-reservation: the container sees it" 33554432 \
		"$($B exec res cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes 2>&1)"
else
	expect_eq "--memory-reservation: memory.low" 33554432 "$(cgread "$id" memory.low)"
fi
expect_eq "--memory-reservation: inspect" "67108864 33554432" "$(hc '{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}}' res)"

# ---- --memory-swappiness ----
if [ $v2 = 0 ]; then
	expect_eq "--memory-swappiness 10: memory.swappiness" 10 \
		"$($B run --rm --memory-swappiness 10 bb:lim cat /sys/fs/cgroup/memory/memory.swappiness 2>&1)"
	expect_eq "--memory-swappiness 0 is a value, not unset" 0 \
		"$($B run --rm --memory-swappiness 0 bb:lim cat /sys/fs/cgroup/memory/memory.swappiness 2>&1)"
	parent=$(cat /sys/fs/cgroup/memory/memory.swappiness)
	expect_eq "no --memory-swappiness: the kernel's (the parent's) value" "$parent" \
		"$($B run --rm bb:lim cat /sys/fs/cgroup/memory/memory.swappiness 2>&1)"
	$B create --name swp --memory-swappiness 10 bb:lim true >/dev/null 2>&1
	at_exit "$B rm -f swp"
	expect_eq "--memory-swappiness: inspect" 10 "$(hc '{{json .HostConfig.MemorySwappiness}}' swp)"
else
	out=$($B create --name swp --memory-swappiness 10 bb:lim true 2>&1 >/dev/null)
	at_exit "$B rm -f swp"
	expect_eq "--memory-swappiness on cgroup v2: Docker's warning" "WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded." "$out"
	expect_eq "--memory-swappiness on cgroup v2: discarded (null)" null "$(hc '{{json .HostConfig.MemorySwappiness}}' swp)"
fi
$B create --name swp0 bb:lim true >/dev/null 2>&1
at_exit "$B rm -f swp0"
expect_eq "no --memory-swappiness (-1): null in inspect" null "$(hc '{{json .HostConfig.MemorySwappiness}}' swp0)"
$B create --name swp1 --memory-swappiness -1 bb:lim true >/dev/null 2>&1
at_exit "$B rm -f swp1"
expect_eq "--memory-swappiness -1: null in inspect, as Docker's daemon stores it" null "$(hc '{{json .HostConfig.MemorySwappiness}}' swp1)"

# ---- --oom-kill-disable ----
if [ $v2 = 0 ]; then
	expect_eq "--oom-kill-disable: memory.oom_control" "oom_kill_disable 1" \
		"$($B run --rm -m 64m --oom-kill-disable bb:lim head -1 /sys/fs/cgroup/memory/memory.oom_control 2>&1)"
	expect_eq "no --oom-kill-disable: the OOM killer stays" "oom_kill_disable 0" \
		"$($B run --rm -m 64m bb:lim head -1 /sys/fs/cgroup/memory/memory.oom_control 2>&1)"
	out=$($B run --rm --oom-kill-disable bb:lim true 2>&1)
	expect_eq "run --oom-kill-disable without -m: the CLI's warning, then the daemon's" \
		"WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.
WARNING: OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources." "$out"
	out=$($B create --name oomc --oom-kill-disable bb:lim true 2>&1 >/dev/null)
	at_exit "$B rm -f oomc"
	expect_eq "create --oom-kill-disable without -m: the daemon's warning only" \
		"WARNING: OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources." "$out"
	expect_eq "--oom-kill-disable: inspect" true "$(hc '{{.HostConfig.OomKillDisable}}' oomc)"
	expect_eq "-m with --oom-kill-disable: no warning" "" "$($B run --rm -m 64m --oom-kill-disable bb:lim true 2>&1)"
else
	out=$($B create --name oomc --oom-kill-disable bb:lim true 2>&1 >/dev/null)
	at_exit "$B rm -f oomc"
	expect_eq "--oom-kill-disable on cgroup v2: Docker's warning" \
		"WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded." "$out"
	expect_eq "--oom-kill-disable on cgroup v2: discarded" false "$(hc '{{.HostConfig.OomKillDisable}}' oomc)"
fi

# ---- --oom-score-adj ----
$B run -d --name oom --oom-score-adj 500 bb:lim sleep 300 >/dev/null
at_exit "$B rm -f oom"
expect_eq "--oom-score-adj: the init's oom_score_adj" 500 "$($B exec oom cat /proc/1/oom_score_adj 2>&1)"
expect_eq "--oom-score-adj: exec gets it too (as runc's)" 500 "$($B exec oom cat /proc/self/oom_score_adj 2>&1)"
expect_eq "--oom-score-adj: inspect" 500 "$(hc '{{.HostConfig.OomScoreAdj}}' oom)"
expect_eq "no --oom-score-adj: 0" 0 "$($B run --rm bb:lim cat /proc/self/oom_score_adj 2>&1)"
# lowering it takes CAP_SYS_RESOURCE, which a sandboxed host may not hold itself
if grep -q '^CapEff:' /proc/self/status && (( 0x$(awk '/^CapEff:/ { print $2 }' /proc/self/status) >> 24 & 1 )); then
	expect_eq "--oom-score-adj -500" -500 "$($B run --rm --oom-score-adj -500 bb:lim cat /proc/self/oom_score_adj 2>&1)"
else
	out=$($B run --rm --oom-score-adj -500 bb:lim cat /proc/self/oom_score_adj 2>&1); rc=$?
	expect_eq "--oom-score-adj -500 without CAP_SYS_RESOURCE on the host: exit 125, one line" \
		"125 berth: Error response from daemon: write -500 to /proc/self/oom_score_adj: Permission denied" "$rc $out"
fi

# ---- bad values: Docker's messages and exit codes (run 125; create 1 for the daemon's) ----
before=$(ncontainers)
bad() {   # bad NAME CODE MESSAGE ARGS...: fails with CODE and MESSAGE on stderr's first line
	local name=$1 code=$2 msg=$3 out rc; shift 3
	out=$($B "$@" bb:lim true 2>&1); rc=$?
	expect_eq "$name" "$code berth: $msg" "$rc $(head -1 <<<"$out")"
}
D="Error response from daemon:"
bad "--cpus with --cpu-period (run)" 125 "$D Conflicting options: Nano CPUs and CPU Period cannot both be set" run --rm --cpus 1 --cpu-period 50000
bad "--cpus with --cpu-period (create)" 1 "$D Conflicting options: Nano CPUs and CPU Period cannot both be set" create --cpus 1 --cpu-period 50000
bad "--cpus with --cpu-quota" 125 "$D Conflicting options: Nano CPUs and CPU Quota cannot both be set" run --rm --cpus 1 --cpu-quota 50000
bad "--cpu-period below 1ms" 125 "$D CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)" run --rm --cpu-period 999
bad "--cpu-period above 1s" 125 "$D CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)" run --rm --cpu-period 1000001
bad "--cpu-quota below 1ms" 1 "$D CPU cfs quota can not be less than 1ms (i.e. 1000)" create --cpu-quota 999
bad "--cpu-period not a number" 125 'invalid argument "abc" for "--cpu-period" flag: strconv.ParseInt: parsing "abc": invalid syntax' run --cpu-period abc
bad "--cpu-quota not a number" 125 'invalid argument "1.5" for "--cpu-quota" flag: strconv.ParseInt: parsing "1.5": invalid syntax' create --cpu-quota 1.5
bad "--memory-reservation above -m" 125 "$D Minimum memory limit can not be less than memory reservation limit, see usage" run --rm -m 64m --memory-reservation 128m
bad "--memory-reservation below 6MB" 1 "$D Minimum memory reservation allowed is 6MB" create --memory-reservation 1m
bad "--memory-reservation not a size" 125 "invalid argument \"xyz\" for \"--memory-reservation\" flag: invalid size: 'xyz'" run --memory-reservation xyz
bad "--memory-swappiness 101 (the CLI's check: 125 for create too)" 125 "invalid value: 101. Valid memory swappiness range is 0-100" create --memory-swappiness 101
bad "--memory-swappiness -2" 125 "invalid value: -2. Valid memory swappiness range is 0-100" run --rm --memory-swappiness -2
bad "--memory-swappiness not a number" 125 'invalid argument "x" for "--memory-swappiness" flag: strconv.ParseInt: parsing "x": invalid syntax' run --memory-swappiness x
bad "--oom-score-adj 1001 (run)" 125 "$D Invalid value 1001, range for oom score adj is [-1000, 1000]" run --rm --oom-score-adj 1001
bad "--oom-score-adj -1001 (create)" 1 "$D Invalid value -1001, range for oom score adj is [-1000, 1000]" create --oom-score-adj -1001
bad "--oom-score-adj not a number" 125 'invalid argument "z" for "--oom-score-adj" flag: strconv.ParseInt: parsing "z": invalid syntax' run --oom-score-adj z
bad "--oom-kill-disable=maybe" 125 'invalid argument "maybe" for "--oom-kill-disable" flag: strconv.ParseBool: parsing "maybe": invalid syntax' run --oom-kill-disable=maybe
expect_eq "refused values make no container" "$before" "$(ncontainers)"

# ---- update ----
id=$($B run -d --name upd -m 64m bb:lim sleep 300)
at_exit "$B rm -f upd"
check "update --cpu-period --cpu-quota --memory-reservation" $B update --cpu-period 40000 --cpu-quota 20000 --memory-reservation 16m upd
if [ $v2 = 0 ]; then
	expect_eq "update writes the CFS files and the soft limit" "40000 20000 16777216" \
		"$(cgread "$id" cpu.cfs_period_us) $(cgread "$id" cpu.cfs_quota_us) $(cgread "$id" memory.soft_limit_in_bytes)"
	$B update --cpu-period 200000 upd >/dev/null 2>&1
	expect_eq "update --cpu-period alone keeps the quota" "200000 20000" \
		"$(cgread "$id" cpu.cfs_period_us) $(cgread "$id" cpu.cfs_quota_us)"
	$B update --cpu-period 0 upd >/dev/null 2>&1
	expect_eq "update --cpu-period 0 changes nothing (Docker's rule)" "200000 20000" \
		"$(cgread "$id" cpu.cfs_period_us) $(cgread "$id" cpu.cfs_quota_us)"
else
	expect_eq "update writes cpu.max and memory.low" "20000 40000 16777216" "$(cgread "$id" cpu.max) $(cgread "$id" memory.low)"
	$B update --cpu-period 200000 upd >/dev/null 2>&1
	expect_eq "update --cpu-period alone keeps the quota" "20000 200000" "$(cgread "$id" cpu.max)"
fi
expect_eq "update: inspect" "200000 20000 16777216" \
	"$(hc '{{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.MemoryReservation}}' upd)"
upd_fail() {   # upd_fail NAME MESSAGE ARGS...: update exits 1 with MESSAGE
	local name=$1 msg=$2 out rc; shift 2
	out=$($B update "$@" 2>&1); rc=$?
	expect_eq "$name" "1 berth: $msg" "$rc $out"
}
upd_fail "update --cpus over a CFS period: Docker's conflict" \
	"$D Cannot update container $id: Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set" --cpus 1 upd
upd_fail "update --cpus with --cpu-quota" "$D Conflicting options: Nano CPUs and CPU Quota cannot both be set" --cpus 1 --cpu-quota 50000 upd
upd_fail "update --cpu-quota below 1ms" "$D CPU cfs quota can not be less than 1ms (i.e. 1000)" --cpu-quota 10 upd
upd_fail "update --memory-reservation below 6MB" "$D Minimum memory reservation allowed is 6MB" --memory-reservation 1m upd
upd_fail "update -m below --memory-reservation" "$D Minimum memory limit can not be less than memory reservation limit, see usage" \
	-m 32m --memory-reservation 48m upd
out=$($B update --cpu-period x upd 2>&1); rc=$?
expect_eq "update --cpu-period x: the flag's error, 125" "125 berth: invalid argument \"x\" for \"--cpu-period\" flag: strconv.ParseInt: parsing \"x\": invalid syntax" \
	"$rc $(head -1 <<<"$out")"
nid=$($B run -d --name updn --cpus 0.5 bb:lim sleep 300)
at_exit "$B rm -f updn"
upd_fail "update --cpu-period over --cpus: Docker's conflict" \
	"$D Cannot update container $nid: Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set" --cpu-period 50000 updn
upd_fail "update --cpu-quota over --cpus: Docker's conflict" \
	"$D Cannot update container $nid: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set" --cpu-quota 50000 updn
$B create --name updc bb:lim sleep 300 >/dev/null
at_exit "$B rm -f updc"
$B update --cpu-quota 25000 --memory-reservation 24m updc >/dev/null 2>&1
$B start updc >/dev/null
cid=$($B inspect -f '{{.Id}}' updc)
if [ $v2 = 0 ]; then
	expect_eq "a created container starts with its updated quota and soft limit" "25000 25165824" \
		"$(cgread "$cid" cpu.cfs_quota_us) $(cgread "$cid" memory.soft_limit_in_bytes)"
else
	expect_eq "a created container starts with its updated quota and soft limit" "25000 100000 25165824" \
		"$(cgread "$cid" cpu.max) $(cgread "$cid" memory.low)"
fi

# ---- help: Docker's texts ----
help=$($B run --help)
for l in "--cpu-period int +Limit CPU CFS \(Completely Fair Scheduler\) period" \
	"--cpu-quota int +Limit CPU CFS \(Completely Fair Scheduler\) quota" \
	"--memory-reservation bytes +Memory soft limit" \
	"--memory-swappiness int +Tune container memory swappiness \(0 to 100\) \(default -1\)" \
	"--oom-kill-disable +Disable OOM Killer" \
	"--oom-score-adj int +Tune host's OOM preferences \(-1000 to 1000\)"; do
	expect_match "run --help: ${l%% *}" "^ +$l$" "$(grep -- "${l%% *} " <<<"$help")"
done
help=$($B update --help)
for l in "--cpu-period int" "--cpu-quota int" "--memory-reservation bytes"; do
	expect_match "update --help: ${l%% *}" "^ +$l +" "$(grep -- "${l%% *} " <<<"$help")"
done
finish
