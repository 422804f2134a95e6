#!/bin/bash
# End-to-end checks of the device and cgroup placement flags of run/create (needs root): --device
# and --device-cgroup-rule (the node in the container, the device cgroup, Docker's errors and
# inspect shapes).
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

# errors: Docker's text, exit 125, nothing made
before=$(ncontainers)
out=$($B run --rm --device /dev/nonexistent bb:dev true 2>&1); rc=$?
expect_eq "--device of a missing node: Docker's message, exit 125" \
	'125 berth: Error response from daemon: error gathering device information while adding custom device "/dev/nonexistent": no such file or directory' "$rc $out"
out=$($B run --device /etc/hostname bb:dev true 2>&1); rc=$?
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

finish
