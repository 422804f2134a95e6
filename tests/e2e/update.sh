#!/bin/bash
# End-to-end checks of `berth update` (needs root): cgroup files of a running container, the
# stored HostConfig, stopped containers and the restart policy the monitor applies.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "update e2e" "needs root"; finish; }
have_busybox || { skip "update e2e" "no /bin/busybox"; finish; }
new_instance update
import_busybox bb:up >/dev/null || { not_ok "import busybox"; finish; }
cat >"$E2E_TMP/cg.lua" <<'LUA'
local berth = require "berth"
local id, file = ...
local f = io.open(berth.container.cgroup_file(id, file))
io.write(f and f:read("l") or "missing")
LUA
cgread() { $B script "$E2E_TMP/cg.lua" "$1" "$2" 2>&1; }
v2=0; [ -e /sys/fs/cgroup/cgroup.controllers ] && v2=1

id=$($B run -d --name up1 -m 64m bb:up sleep 300)
at_exit "$B rm -f $id"
out=$($B update -m 128m --cpus 0.5 --pids-limit 50 --cpu-shares 512 up1 2>&1)
expect_eq "update prints the container as given" "up1" "$out"
if [ $v2 = 0 ]; then
	expect_eq "update -m writes memory.limit_in_bytes" 134217728 "$(cgread "$id" memory.limit_in_bytes)"
	expect_eq "update --cpus writes cpu.cfs_quota_us" 50000 "$(cgread "$id" cpu.cfs_quota_us)"
	expect_eq "update --cpu-shares writes cpu.shares" 512 "$(cgread "$id" cpu.shares)"
	expect_eq "the container sees its new limit" 134217728 "$($B exec up1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)"
else
	expect_eq "update -m writes memory.max" 134217728 "$(cgread "$id" memory.max)"
	expect_eq "update --cpus writes cpu.max" "50000 100000" "$(cgread "$id" cpu.max)"
fi
expect_eq "update --pids-limit writes pids.max" 50 "$(cgread "$id" pids.max)"
expect_eq "inspect shows the new HostConfig" "134217728 500000000 50 512" \
	"$($B inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}' up1 2>&1)"
$B update -m 32m up1 >/dev/null 2>&1
[ $v2 = 0 ] && expect_eq "update can lower the memory limit below the old swap" 33554432 "$(cgread "$id" memory.limit_in_bytes)"

# a stopped container: stored, then applied at start
$B create --name up2 bb:up sleep 300 >/dev/null
at_exit "$B rm -f up2"
check "update of a created container" $B update --memory 48m up2
$B start up2 >/dev/null
id2=$($B inspect -f '{{.Id}}' up2)
if [ $v2 = 0 ]; then f=memory.limit_in_bytes; else f=memory.max; fi
expect_eq "a stopped container starts with the updated limit" 50331648 "$(cgread "$id2" $f)"

# the restart policy of a running container reaches its monitor
$B run -d --name up3 bb:up sh -c 'sleep 2; exit 3' >/dev/null
at_exit "$B rm -f up3"
$B update --restart on-failure:2 up3 >/dev/null
for i in $(seq 1 40); do [ "$($B inspect -f '{{.RestartCount}}' up3 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.25; done
expect_eq "update --restart on a running container takes effect" "on-failure 1" \
	"$($B inspect -f '{{.HostConfig.RestartPolicy.Name}} {{.RestartCount}}' up3 2>&1)"

out=$($B update -m 1m up1 2>&1); rc=$?
expect_eq "update -m 1m fails" 1 "$rc"
expect_match "update -m 1m: Docker's message" "Minimum memory limit allowed is 6MB" "$out"
out=$($B update up1 2>&1)
expect_match "update without flags: Docker's message" "you must provide one or more flags when using this command" "$out"
out=$($B update -m 64m no-such 2>&1); rc=$?
expect_eq "update of a missing container fails" 1 "$rc"
expect_match "update of a missing container: Docker's message" "No such container: no-such" "$out"
$B run -d --rm --name up4 bb:up sleep 300 >/dev/null
at_exit "$B rm -f up4"
expect_match "update --restart refuses an --rm container" "AutoRemove is enabled" "$($B update --restart always up4 2>&1)"
finish
