#!/bin/bash
# End-to-end checks of the device and cgroup placement flags of run/create (needs root): --device
# and --device-cgroup-rule (the node in the container, the device cgroup, Docker's errors and
# inspect shapes), --cgroup-parent and daemon.json's cgroup-parent (cgroupfs driver), --cgroupns
# and daemon.json's default-cgroupns-mode, the blkio weights and throttles (run, create, update).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "devices e2e" "needs root"; finish; }
have_busybox || { skip "devices e2e" "no /bin/busybox"; finish; }
new_instance devices
import_busybox bb:dev >/dev/null || { not_ok "import busybox"; finish; }
v2=0; [ -e /sys/fs/cgroup/cgroup.controllers ] && v2=1
ncontainers() { $B ps -aq | wc -l; }

# ---- --device ----
out=$($B run --rm --device /dev/zero:/dev/myzero:r bb:dev sh -c 'stat -c "%F %t:%T %a" /dev/myzero; head -c 3 /dev/myzero | od -An -c' 2>&1)
expect_eq "--device HOST:CTR:r: a node with the host's numbers and mode, readable" \
	"character special file 1:5 666
  \\0  \\0  \\0" "$out"
# /dev/zero is in Docker's standard list (c 1:5 rwm): the r of --device does not take w away
expect_eq "--device of a standard node: still writable, as Docker's" ok \
	"$($B run --rm --device /dev/zero:/dev/myzero:r bb:dev sh -c 'echo x >/dev/myzero && echo ok' 2>&1)"
if [ -c /dev/loop-control ]; then
	out=$($B run --rm --device /dev/loop-control:/dev/lc:r bb:dev sh -c \
		'stat -c "%t:%T %a %u" /dev/lc; exec 3</dev/lc && echo read-open; (exec 3>/dev/lc) 2>/dev/null || echo write-refused' 2>&1)
	expect_eq "--device /dev/loop-control:/dev/lc:r: host mode and owner; open for reading, not for writing" \
		"a:ed 600 0
read-open
write-refused" "$out"
	expect_eq "without --device: loop-control cannot be made and opened" refused \
		"$($B run --rm bb:dev sh -c 'mknod /dev/lc c 10 237 && (exec 3</dev/lc) 2>/dev/null || echo refused' 2>&1)"
else
	skip "--device /dev/loop-control:r" "no /dev/loop-control on this host"
fi
expect_eq "--device HOST alone: the same path, rwm" "1:3" \
	"$($B run --rm --device /dev/null bb:dev stat -c %t:%T /dev/null 2>&1)"
expect_eq "--device to a path outside /dev, parents made" "1:7" \
	"$($B run --rm --device /dev/full:/opt/a/full bb:dev stat -c %t:%T /opt/a/full 2>&1)"
# a directory: every node below it, in the same place below the container path
mkdir -p "$E2E_TMP/devdir/sub"
mknod "$E2E_TMP/devdir/null1" c 1 3 && mknod "$E2E_TMP/devdir/sub/zero1" c 1 5
touch "$E2E_TMP/devdir/plain"
expect_eq "--device DIR: the nodes below it, nothing else" "/dev/d/null1 1:3
/dev/d/sub/zero1 1:5" \
	"$($B run --rm --device "$E2E_TMP/devdir:/dev/d" bb:dev sh -c 'for f in $(find /dev/d ! -type d | sort); do echo "$f $(stat -c %t:%T $f)"; done' 2>&1)"
# paths cleaned as Docker's CLI cleans them (not in the three-part form) and runc makes them
expect_eq "--device HOST:CTR: CTR cleaned, as Docker's CLI" \
	'[{"PathOnHost":"/dev/null","PathInContainer":"/dev/x","CgroupPermissions":"rwm"}] crw-rw-rw- 1:3' \
	"$($B create --device /dev/null:/dev//./y/../x/ bb:dev stat -c '%A %t:%T' /dev/x | xargs -I{} sh -c "$B inspect -f '{{json .HostConfig.Devices}}' {}; $B start -a {}; $B rm {} >/dev/null" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "--device HOST and HOST:MODE: HOST cleaned, as Docker's CLI" \
	'[{"PathOnHost":"/dev/null","PathInContainer":"/dev/null","CgroupPermissions":"rwm"},{"PathOnHost":"/dev/zero","PathInContainer":"/dev/zero","CgroupPermissions":"r"}]' \
	"$($B create --device /dev//null --device /dev/./zero/:r bb:dev true | xargs -I{} sh -c "$B inspect -f '{{json .HostConfig.Devices}}' {}; $B rm {} >/dev/null")"
expect_eq "--device HOST:CTR:MODE: kept as given, the node made at the clean path" \
	'[{"PathOnHost":"/dev/null","PathInContainer":"/dev//./y/../x/","CgroupPermissions":"rw"}] 1:3' \
	"$($B create --device /dev/null:/dev//./y/../x/:rw bb:dev stat -c %t:%T /dev/x | xargs -I{} sh -c "$B inspect -f '{{json .HostConfig.Devices}}' {}; $B start -a {}; $B rm {} >/dev/null" | tr '\n' ' ' | sed 's/ $//')"
out=$($B run --rm --device /dev/null:/dev/ bb:dev stat -c '%F' /dev 2>&1); rc=$?
expect_eq "--device /dev/null:/dev/: the container path is /dev, left as it is (Docker runs it)" "0 directory" "$rc $out"

# inspect: Docker's shapes
id=$($B create --device /dev/zero:/dev/myzero:r --device /dev/null --device-cgroup-rule 'c 1:3 mr' \
	--device-cgroup-rule 'b 7:* rmw' bb:dev true 2>&1)
at_exit "$B rm -f $id"
expect_eq "inspect HostConfig.Devices and DeviceCgroupRules as Docker's" \
	'[{"PathOnHost":"/dev/zero","PathInContainer":"/dev/myzero","CgroupPermissions":"r"},{"PathOnHost":"/dev/null","PathInContainer":"/dev/null","CgroupPermissions":"rwm"}] ["c 1:3 mr","b 7:* rmw"]' \
	"$($B inspect -f '{{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}' $id 2>&1)"
$B rm -f $id >/dev/null
expect_eq "inspect without devices: Devices [] and DeviceCgroupRules null, as Docker's" '[] null' \
	"$($B create bb:dev true | xargs -I{} sh -c "$B inspect -f '{{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}' {}; $B rm {} >/dev/null")"

# errors: Docker's text and exit codes; the node is looked for at start, as Docker's daemon does
before=$(ncontainers)
out=$($B run --rm --device /dev/nonexistent bb:dev true 2>&1); rc=$?
expect_eq "--device of a missing node: Docker's message, exit 127 (its CLI's code for 'no such file')" \
	'127 berth: Error response from daemon: error gathering device information while adding custom device "/dev/nonexistent": no such file or directory' "$rc $out"
out=$($B run --rm --device /etc/hostname bb:dev true 2>&1); rc=$?
expect_eq "--device of a file that is no node: Docker's message, exit 125" \
	'125 berth: Error response from daemon: error gathering device information while adding custom device "/etc/hostname": not a device node' "$rc $out"
out=$($B run --device /dev/zero:/dev/z:rwx bb:dev true 2>&1); rc=$?
expect_eq "--device with a bad mode: Docker's message, exit 125" "125 berth: bad mode specified: rwx" "$rc $out"
out=$($B run --device /dev/zero:z bb:dev true 2>&1); rc=$?
expect_eq "--device to a relative path: Docker's message, exit 125" "125 berth: z is not an absolute path" "$rc $out"
out=$($B create --device-cgroup-rule 'x 1:3 mr' bb:dev true 2>&1); rc=$?
expect_eq "--device-cgroup-rule in a bad format: Docker's message, exit 125" \
	"125 berth: invalid argument \"x 1:3 mr\" for \"--device-cgroup-rule\" flag: invalid device cgroup format 'x 1:3 mr'" \
	"$rc $(head -1 <<<"$out")"
expect_eq "no container is left by any of them" "$before" "$(ncontainers)"
# without --rm Docker keeps the container that could not start, its error recorded
out=$($B run --name nodev --device /dev/nonexistent bb:dev true 2>&1); rc=$?
expect_eq "run --device of a missing node: the container stays, created, Docker's State" \
	'127 created 128 error gathering device information while adding custom device "/dev/nonexistent": no such file or directory' \
	"$rc $($B inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' nodev 2>&1)"
$B rm nodev >/dev/null
id=$($B create --device /dev/nonexistent bb:dev true 2>&1); rc=$?
at_exit "$B rm -f $id"
expect_match "create --device of a missing node succeeds, as Docker's" "^0 [0-9a-f]{64}$" "$rc $id"
out=$($B start $id 2>&1); rc=$?
expect_eq "start of it: Docker's message, exit 1" \
	"1 Error response from daemon: error gathering device information while adding custom device \"/dev/nonexistent\": no such file or directory
berth: Error: failed to start containers: $id" "$rc $out"
$B rm -f $id >/dev/null
mknod "$E2E_TMP/gone" c 1 3
id=$($B create --device "$E2E_TMP/gone:/dev/gone" bb:dev true 2>&1)
at_exit "$B rm -f $id"
rm -f "$E2E_TMP/gone"
out=$($B start $id 2>&1); rc=$?
expect_eq "a --device node gone before start: Docker's start error, exit 1" \
	"1 Error response from daemon: error gathering device information while adding custom device \"$E2E_TMP/gone\": no such file or directory
berth: Error: failed to start containers: $id" "$rc $out"
$B rm -f $id >/dev/null

# ---- --device-cgroup-rule ----
if [ -c /dev/loop-control ]; then
	expect_eq "--device-cgroup-rule 'c 10:237 rm': a node the container makes may be read, not written" \
		"read-open
write-refused" \
		"$($B run --rm --device-cgroup-rule 'c 10:237 rm' bb:dev sh -c 'mknod /dev/lc c 10 237; exec 3</dev/lc && echo read-open; (exec 3>/dev/lc) 2>/dev/null || echo write-refused' 2>&1)"
fi
id=$($B run -d --device /dev/zero:/dev/myzero:r --device-cgroup-rule 'c 1:3 mr' --device-cgroup-rule 'b 7:* rmw' bb:dev sleep 300)
at_exit "$B rm -f $id"
if [ $v2 = 0 ]; then
	list=$(cat /sys/fs/cgroup/devices/berth/$id/devices.list 2>&1)
	expect_match "v1 devices.list holds the --device rule" '^c 1:5 rwm$' "$list"
	expect_match "v1 devices.list holds the --device-cgroup-rule rules" '^b 7:\* rwm$' "$list"
	expect_match "v1 devices.list keeps Docker's standard rules" '^c 136:\* rwm$' "$list"
else
	skip "devices.list" "cgroup v2: a BPF program, checked by the open tests above"
fi
$B rm -f $id >/dev/null
# numbers beyond the kernel's 32 bits: refused at start, as Docker's daemon refuses what it cannot
# parse, not truncated (cgroup v2) or left to the kernel (v1)
for rule in 'c 4294967297:3 rwm' 'c 1:99999999999999999999 rwm'; do
	what=major; [ "${rule#c 1:}" != "$rule" ] && what=minor
	out=$($B run --rm --device-cgroup-rule "$rule" bb:dev true 2>&1); rc=$?
	expect_eq "--device-cgroup-rule '$rule': Docker's message, exit 125" \
		"125 berth: Error response from daemon: invalid $what value in device cgroup rule format: '$rule'" "$rc $out"
done
# what the CLI does not check (the Lua API, the Engine API) meets the daemon's grammar: one space
# each, nothing after the access
cat >"$E2E_TMP/rule.lua" <<'L'
local berth = require "berth"
local ref, rule = ...
local doc = berth.container.inspect(ref)
doc.Id, doc.Name, doc.State = nil, nil, nil
doc.HostConfig.DeviceCgroupRules = { rule }
local ok, err = pcall(function()
  local id = berth.container.create(doc)
  local started, serr = pcall(berth.container.start, id, { attach = false })
  berth.container.remove(id, { force = true })
  if not started then error(serr, 0) end
end)
print(ok and "accepted" or (type(err) == "table" and err.message or tostring(err)))
L
tmpl=$($B create bb:dev true)
at_exit "$B rm -f $tmpl"
for rule in 'c1:3 rwm' 'c 1:3rwm' 'c 1:3 rwm x' 'c  1:3 rwm'; do
	expect_eq "a device cgroup rule '$rule' through the Lua API: the daemon's message" \
		"invalid device cgroup rule format: '$rule'" "$($B script "$E2E_TMP/rule.lua" $tmpl "$rule" 2>&1)"
done
expect_eq "a device cgroup rule in the daemon's grammar through the Lua API runs" accepted \
	"$($B script "$E2E_TMP/rule.lua" $tmpl 'c 1:3 rrr' 2>&1)"
$B rm -f $tmpl >/dev/null

# ---- --cgroup-parent ----
# cgroup_dirs ID PARENT: the container's dirs below PARENT, in every hierarchy (v1) or the one (v2)
cgroup_dirs() {
	if [ $v2 = 0 ]; then ls -d /sys/fs/cgroup/*/"$2/$1" 2>/dev/null; else ls -d /sys/fs/cgroup/"$2/$1" 2>/dev/null; fi
}
# the parents stay after rm, as Docker's: remove them at the end (deepest first)
at_exit "rmdir /sys/fs/cgroup/*/berth-e2e-cgp/sub /sys/fs/cgroup/*/berth-e2e-cgp /sys/fs/cgroup/*/berth-e2e-dflt /sys/fs/cgroup/berth-e2e-cgp/sub /sys/fs/cgroup/berth-e2e-cgp /sys/fs/cgroup/berth-e2e-dflt"
id=$($B run -d --cgroup-parent /berth-e2e-cgp/sub --cgroupns host -m 64m bb:dev sleep 300 2>&1)
at_exit "$B rm -f $id"
if [ $v2 = 0 ]; then want=$(ls -d /sys/fs/cgroup/*/berth/ 2>/dev/null | wc -l); else want=1; fi
expect_eq "--cgroup-parent: the container's cgroup is PARENT/<id> in every hierarchy" "$want" "$(cgroup_dirs $id berth-e2e-cgp/sub | wc -l)"
expect_eq "--cgroup-parent: nothing below berth/" "" "$(cgroup_dirs $id berth)"
expect_eq "--cgroup-parent: inspect shows it as given" /berth-e2e-cgp/sub "$($B inspect -f '{{.HostConfig.CgroupParent}}' $id 2>&1)"
if [ $v2 = 0 ]; then
	expect_eq "--cgroup-parent: the limits are in that cgroup" 67108864 \
		"$(cat /sys/fs/cgroup/memory/berth-e2e-cgp/sub/$id/memory.limit_in_bytes 2>&1)"
fi
expect_match "--cgroup-parent: top finds the processes" "sleep 300" "$($B top $id 2>&1)"
expect_match "--cgroup-parent: stats reads the cgroup" "64MiB" "$($B stats --no-stream --format '{{.MemUsage}}' $id 2>&1)"
check "--cgroup-parent: pause" $B pause $id
expect_eq "--cgroup-parent: paused is frozen" paused "$($B inspect -f '{{.State.Status}}' $id 2>&1)"
check "--cgroup-parent: unpause" $B unpause $id
check "--cgroup-parent: update" $B update -m 128m $id
if [ $v2 = 0 ]; then
	expect_eq "--cgroup-parent: update writes that cgroup" 134217728 \
		"$(cat /sys/fs/cgroup/memory/berth-e2e-cgp/sub/$id/memory.limit_in_bytes 2>&1)"
fi
expect_eq "--cgroup-parent: exec joins that cgroup" "/berth-e2e-cgp/sub/$id" \
	"$($B exec $id sh -c "grep -E '^[0-9]+:(pids)?:' /proc/self/cgroup | head -1 | cut -d: -f3" 2>&1)"
$B rm -f $id >/dev/null
expect_eq "--cgroup-parent: rm removes the container's cgroup dirs" "" "$(cgroup_dirs $id berth-e2e-cgp/sub)"
$B run --name cgp-oom --cgroup-parent /berth-e2e-cgp -m 8m bb:dev sh -c 'x=$(head -c 50000000 /dev/zero | tr "\0" a)' >/dev/null 2>&1
expect_eq "--cgroup-parent: an OOM kill is recorded" "true 137" "$($B inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' cgp-oom 2>&1)"
$B rm cgp-oom >/dev/null 2>&1
id=$($B run -d --cgroup-parent berth-e2e-cgp bb:dev sleep 300 2>&1)
at_exit "$B rm -f $id"
expect_eq "--cgroup-parent, relative: taken from the root of each hierarchy" "$want" "$(cgroup_dirs $id berth-e2e-cgp | wc -l)"
$B rm -f $id >/dev/null
# ".." never climbs out of a hierarchy (runc's CleanPath): ../memory/P is /memory/P in each one,
# and the devices cgroup still confines the container
id=$($B run -d --cgroup-parent ../../berth-e2e-cgp/../../berth-e2e-cgp/./sub bb:dev sleep 300 2>&1)
at_exit "$B rm -f $id"
expect_eq "--cgroup-parent with '..': cleaned, inside each hierarchy" "$want" "$(cgroup_dirs $id berth-e2e-cgp/sub | wc -l)"
$B rm -f $id >/dev/null
if [ $v2 = 0 ]; then
	at_exit "rmdir /sys/fs/cgroup/*/memory/berth-e2e-esc /sys/fs/cgroup/*/memory"
	out=$($B run --rm --cgroup-parent ../memory/berth-e2e-esc bb:dev sh -c 'mknod /tmp/l b 7 0 && exec 3</tmp/l && echo opened' 2>&1)
	expect_eq "--cgroup-parent ../memory/P: the devices cgroup still refuses a node off the list" "" "$(echo "$out" | grep opened)"
fi
expect_eq "--cgroup-parent: run --rm leaves no cgroup dir" "ran " \
	"$($B run --rm --cgroup-parent berth-e2e-cgp bb:dev sh -c 'echo ran' 2>&1) $(ls /sys/fs/cgroup/memory/berth-e2e-cgp 2>/dev/null | grep -E '^[0-9a-f]{64}$')"

new_instance devices_dflt '"cgroup-parent": "berth-e2e-dflt"'
import_busybox bb:dev >/dev/null
id=$($B run -d bb:dev sleep 300 2>&1)
at_exit "$B rm -f $id"
expect_eq "daemon.json cgroup-parent: the container's cgroup goes below it" "$want" "$(cgroup_dirs $id berth-e2e-dflt | wc -l)"
expect_eq "daemon.json cgroup-parent: inspect's CgroupParent stays empty, as Docker's" "" \
	"$($B inspect -f '{{.HostConfig.CgroupParent}}' $id 2>&1)"
id2=$($B run -d --cgroup-parent /berth-e2e-cgp bb:dev sleep 300 2>&1)
at_exit "$B rm -f $id2"
expect_eq "--cgroup-parent wins over daemon.json's" "$want" "$(cgroup_dirs $id2 berth-e2e-cgp | wc -l)"
$B rm -f $id $id2 >/dev/null
expect_eq "daemon.json cgroup-parent: rm removes the container's dirs" "" "$(cgroup_dirs $id berth-e2e-dflt)$(cgroup_dirs $id2 berth-e2e-cgp)"

# ---- --cgroupns ----
new_instance devices_ns
import_busybox bb:dev >/dev/null
if [ $v2 = 0 ]; then dflt=host; else dflt=private; fi
id=$($B create bb:dev true 2>&1)
expect_eq "no --cgroupns: Docker's default for cgroup v$((v2 + 1)) in inspect" "$dflt" "$($B inspect -f '{{.HostConfig.CgroupnsMode}}' $id 2>&1)"
$B rm $id >/dev/null
id=$($B run -d --cgroupns host -m 64m bb:dev sleep 300 2>&1)
at_exit "$B rm -f $id"
expect_eq "--cgroupns host: inspect" host "$($B inspect -f '{{.HostConfig.CgroupnsMode}}' $id 2>&1)"
if [ $v2 = 0 ]; then
	expect_eq "--cgroupns host: /proc/self/cgroup shows the host's path of the container's cgroup" \
		"8:pids:/berth/$id" "$($B exec $id sh -c "grep ':pids:' /proc/self/cgroup | sed 's/^[0-9]*:/8:/'" 2>&1)"
	expect_eq "--cgroupns host: /sys/fs/cgroup/memory is the container's own cgroup" 67108864 \
		"$($B exec $id cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)"
else
	expect_eq "--cgroupns host: /proc/self/cgroup shows the host's path of the container's cgroup" \
		"0::/berth/$id" "$($B exec $id cat /proc/self/cgroup 2>&1)"
	expect_eq "--cgroupns host: /sys/fs/cgroup is the container's own cgroup" 67108864 \
		"$($B exec $id cat /sys/fs/cgroup/memory.max 2>&1)"
fi
expect_match "--cgroupns host: /sys/fs/cgroup is read-only" "Read-only file system" \
	"$($B exec $id sh -c 'mkdir /sys/fs/cgroup/pids/x || mkdir /sys/fs/cgroup/x' 2>&1)"
$B rm -f $id >/dev/null
expect_eq "--cgroupns private: the container's cgroup is its root" "/" \
	"$($B run --rm --cgroupns private bb:dev sh -c "grep -E '^[0-9]+:(pids)?:' /proc/self/cgroup | head -1 | cut -d: -f3" 2>&1)"
out=$($B run --rm --cgroupns bogus bb:dev true 2>&1); rc=$?
expect_eq "--cgroupns with a bad mode: Docker's message, exit 125" "125 berth: --cgroupns: invalid CGROUP mode" "$rc $out"
new_instance devices_ns_private '"default-cgroupns-mode": "private"'
import_busybox bb:dev >/dev/null
expect_eq "daemon.json default-cgroupns-mode private: the container's own namespace" "private /" \
	"$($B create bb:dev true | xargs -I{} $B inspect -f '{{.HostConfig.CgroupnsMode}}' {}) $($B run --rm bb:dev sh -c "grep -E '^[0-9]+:(pids)?:' /proc/self/cgroup | head -1 | cut -d: -f3" 2>&1)"
new_instance devices_ns_host '"default-cgroupns-mode": "host"'
import_busybox bb:dev >/dev/null
expect_match "daemon.json default-cgroupns-mode host: the host's namespace" "^host /berth/[0-9a-f]{64}$" \
	"$($B create bb:dev true | xargs -I{} $B inspect -f '{{.HostConfig.CgroupnsMode}}' {}) $($B run --rm bb:dev sh -c "grep -E '^[0-9]+:(pids)?:' /proc/self/cgroup | head -1 | cut -d: -f3" 2>&1)"
new_instance devices_ns_bad '"default-cgroupns-mode": "bogus"'
import_busybox bb:dev >/dev/null
out=$($B run --rm bb:dev true 2>&1); rc=$?
expect_eq "daemon.json default-cgroupns-mode invalid: Docker's message, exit 125" \
	"125 berth: Error response from daemon: Default cgroup namespace mode (bogus) is invalid. Use \"host\" or \"private\"." "$rc $out"

# ---- blkio ----
new_instance devices_blkio
import_busybox bb:dev >/dev/null
# a block device of this host (a disk, not a partition)
bdev=
for d in /sys/block/*; do
	n=${d##*/}
	case $n in loop*|ram*) continue ;; esac
	[ -b /dev/$n ] && { bdev=/dev/$n; break; }
done
if [ -z "$bdev" ]; then
	skip "blkio throttles" "no block device on this host"
else
	majmin=$(stat -c '%t:%T' $bdev | { IFS=: read a b; echo $((16#$a)):$((16#$b)); })
	id=$($B run -d --device-read-bps $bdev:1mb --device-write-bps $bdev:2048 --device-read-iops $bdev:100 \
		--device-write-iops $bdev:200 bb:dev sleep 300 2>&1)
	at_exit "$B rm -f $id"
	expect_eq "blkio throttles in inspect, Docker's shapes" \
		"[{\"Path\":\"$bdev\",\"Rate\":1048576}] [{\"Path\":\"$bdev\",\"Rate\":2048}] [{\"Path\":\"$bdev\",\"Rate\":100}] [{\"Path\":\"$bdev\",\"Rate\":200}]" \
		"$($B inspect -f '{{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteBps}} {{json .HostConfig.BlkioDeviceReadIOps}} {{json .HostConfig.BlkioDeviceWriteIOps}}' $id 2>&1)"
	if [ $v2 = 0 ]; then
		expect_eq "blkio throttles: the container's blkio.throttle files (v1)" \
			"$majmin 1048576 $majmin 2048 $majmin 100 $majmin 200" \
			"$($B exec $id sh -c 'cd /sys/fs/cgroup/blkio && cat blkio.throttle.read_bps_device blkio.throttle.write_bps_device blkio.throttle.read_iops_device blkio.throttle.write_iops_device' 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	else
		expect_eq "blkio throttles: the container's io.max (v2)" "$majmin rbps=1048576 wbps=2048 riops=100 wiops=200" \
			"$($B exec $id cat /sys/fs/cgroup/io.max 2>&1)"
	fi
	$B rm -f $id >/dev/null
fi
expect_eq "inspect without blkio settings: Docker's zero values" "0 [] [] [] [] []" \
	"$($B create bb:dev true | xargs -I{} $B inspect -f '{{json .HostConfig.BlkioWeight}} {{json .HostConfig.BlkioWeightDevice}} {{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteBps}} {{json .HostConfig.BlkioDeviceReadIOps}} {{json .HostConfig.BlkioDeviceWriteIOps}}' {})"
# the weight: only where the kernel weighs (CFQ's blkio.weight or BFQ's on v1, the io controller on v2)
weighs=0
if [ $v2 = 0 ]; then
	[ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ] && weighs=1
else
	grep -qw io /sys/fs/cgroup/cgroup.controllers && weighs=1
fi
if [ $weighs = 1 ]; then
	id=$($B run -d --blkio-weight 300 bb:dev sleep 300 2>&1)
	at_exit "$B rm -f $id"
	if [ $v2 = 0 ]; then
		w=$($B exec $id sh -c 'cat /sys/fs/cgroup/blkio/blkio.weight 2>/dev/null || cat /sys/fs/cgroup/blkio/blkio.bfq.weight' 2>&1)
		expect_eq "--blkio-weight: the container's blkio weight (v1)" 300 "$w"
	else
		w=$($B exec $id sh -c 'cat /sys/fs/cgroup/io.bfq.weight 2>/dev/null || cat /sys/fs/cgroup/io.weight' 2>&1)
		expect_match "--blkio-weight: the container's io weight (v2: BFQ's 300, or io.weight's 2030)" "^(default )?(300|2030)$" "$w"
	fi
	check "update --blkio-weight" $B update --blkio-weight 500 $id
	expect_eq "update --blkio-weight: inspect" 500 "$($B inspect -f '{{.HostConfig.BlkioWeight}}' $id 2>&1)"
	out=$($B run --rm --blkio-weight 5 bb:dev true 2>&1); rc=$?
	expect_eq "--blkio-weight out of range: Docker's message, exit 125" \
		"125 berth: Error response from daemon: Range of blkio weight is from 10 to 1000" "$rc $out"
	$B rm -f $id >/dev/null
else
	out=$($B run --rm --blkio-weight 300 bb:dev true 2>&1); rc=$?
	expect_eq "--blkio-weight where the kernel cannot weigh: Docker's warning, the weight discarded" \
		"0 WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded." "$rc $out"
	id=$($B run -d bb:dev sleep 300 2>&1)
	at_exit "$B rm -f $id"
	out=$($B update --blkio-weight 300 $id 2>&1); rc=$?
	expect_eq "update --blkio-weight where the kernel cannot weigh: Docker's warning after the name, unchanged" \
		"0 $id
Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded. 0" \
		"$rc $out $($B inspect -f '{{.HostConfig.BlkioWeight}}' $id)"
	$B rm -f $id >/dev/null
fi
out=$($B run --rm --blkio-weight x bb:dev true 2>&1); rc=$?
expect_eq "--blkio-weight not a uint16: pflag's message, exit 125" \
	'125 berth: invalid argument "x" for "--blkio-weight" flag: strconv.ParseUint: parsing "x": invalid syntax' "$rc $(head -1 <<<"$out")"
before=$(ncontainers)
out=$($B run --rm --device-read-bps /dev/nonexistent:1mb bb:dev true 2>&1); rc=$?
expect_eq "a throttle on a missing device: Docker's message at create, exit 127 as its CLI's" \
	"127 berth: Error response from daemon: stat /dev/nonexistent: no such file or directory" "$rc $out"
out=$($B run --rm --device-read-bps vda:1mb bb:dev true 2>&1); rc=$?
expect_eq "a throttle on a path outside /dev: Docker's message" \
	'125 berth: invalid argument "vda:1mb" for "--device-read-bps" flag: bad format for device path: vda:1mb' "$rc $(head -1 <<<"$out")"
out=$($B run --rm --device-read-iops /dev/vda:1.5 bb:dev true 2>&1); rc=$?
expect_eq "a bad IOPS rate: Docker's message" \
	'125 berth: invalid argument "/dev/vda:1.5" for "--device-read-iops" flag: invalid rate for device: /dev/vda:1.5. The correct format is <device-path>:<number>. Number must be a positive integer' "$rc $(head -1 <<<"$out")"
out=$($B run --rm --blkio-weight-device /dev/vda:5 bb:dev true 2>&1); rc=$?
expect_eq "a device weight out of range: Docker's message" \
	'125 berth: invalid argument "/dev/vda:5" for "--blkio-weight-device" flag: invalid weight for device: /dev/vda:5' "$rc $(head -1 <<<"$out")"
expect_eq "no container is left by any of them" "$before" "$(ncontainers)"

new_instance devices_sd '"exec-opts": ["native.cgroupdriver=systemd"]'
import_busybox bb:dev >/dev/null
before=$(ncontainers)
out=$($B run --cgroup-parent /x bb:dev true 2>&1); rc=$?
expect_match "systemd driver: --cgroup-parent refused clearly, exit 125" \
	"^125 berth: Error response from daemon: a cgroup parent is not supported with the systemd cgroup driver" "$rc $out"
expect_eq "systemd driver: no container left" "$before" "$(ncontainers)"

finish
