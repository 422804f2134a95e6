#!/usr/bin/env bash
# Namespaces and what lives in them: --group-add, --sysctl, --uts, --pid and --ipc as Docker 20.10
# has them (effects inside the container, HostConfig, refusals with Docker's texts and 125),
# exec into containers that share a namespace, and nothing left behind once they are removed.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! have_busybox; then
	skip "namespaces" "needs root and busybox-static"
	finish
fi
new_instance ns
import_busybox bb >/dev/null
ROOT="$INSTANCE_DIR/root"
EXEC="$INSTANCE_DIR/exec"
at_exit "kill -9 \$(instance_pgrep 'sleep 51515') 2>/dev/null"
at_exit "$B rm -f \$($B ps -aq) 2>/dev/null"

# expect_fail NAME CODE TEXT CMD...: CMD exits with CODE and prints TEXT (exactly) on stderr
expect_fail() {
	local name=$1 code=$2 text=$3 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null); rc=$?
	expect_eq "$name: exit code" "$code" "$rc"
	expect_eq "$name: message" "$text" "$out"
}
hc() { $B inspect -f "{{json .HostConfig.$2}}" "$1"; }
host_ns() { readlink "/proc/self/ns/$1"; }

# ---- --group-add ----
expect_eq "--group-add: id lists names and numbers" "uid=0(root) gid=0(root) groups=0(root),42,65534(nogroup)" \
	"$($B run --rm --group-add nogroup --group-add 42 bb id)"
expect_eq "--group-add: Groups in /proc/self/status" "0 42 65534" \
	"$($B run --rm --group-add nogroup --group-add 42 bb sh -c 'grep ^Groups: /proc/self/status | cut -f2 | xargs')"
expect_fail "--group-add of an unknown name" 125 "berth: Error response from daemon: Unable to find group nosuch: no matching entries in group file" \
	$B run --rm --group-add nosuch bb true
$B run -d --name ga --group-add 42 bb sleep 515151 >/dev/null
expect_eq "--group-add in HostConfig" '["42"]' "$(hc ga GroupAdd)"
expect_eq "--group-add: exec has the groups too" "uid=0(root) gid=0(root) groups=0(root),42" "$($B exec ga id)"
expect_eq "no --group-add: GroupAdd is null" "null" "$($B create bb true | xargs -I{} $B inspect -f '{{json .HostConfig.GroupAdd}}' {})"

# ---- --sysctl ----
host_shmmax=$(cat /proc/sys/kernel/shmmax)
expect_eq "--sysctl: IPC and net values in the container's namespaces" "1000000 1 64" \
	"$($B run --rm --sysctl kernel.shmmax=1000000 --sysctl net.ipv4.ip_forward=1 --sysctl fs.mqueue.msg_max=64 bb \
		sh -c 'echo $(cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/fs/mqueue/msg_max)')"
expect_eq "--sysctl: the host's value is untouched" "$host_shmmax" "$(cat /proc/sys/kernel/shmmax)"
check_fails "--sysctl: /proc/sys stays read-only" $B run --rm --sysctl kernel.shmmax=1000000 bb sh -c 'echo 5 > /proc/sys/kernel/shmmax'
$B create --name sc --sysctl kernel.shmmni=100 --sysctl net.ipv4.ip_forward=1 bb true >/dev/null
expect_eq "--sysctl in HostConfig" '{"kernel.shmmni":"100","net.ipv4.ip_forward":"1"}' "$(hc sc Sysctls)"
expect_fail "--sysctl outside a container's namespaces" 125 \
	"berth: invalid argument \"vm.swappiness=1\" for \"--sysctl\" flag: sysctl 'vm.swappiness=1' is not allowed
See 'berth run --help'." $B run --rm --sysctl vm.swappiness=1 bb true
expect_fail "--sysctl without a value" 125 \
	"berth: invalid argument \"kernel.shmmax\" for \"--sysctl\" flag: sysctl 'kernel.shmmax' is not allowed
See 'berth run --help'." $B run --rm --sysctl kernel.shmmax bb true
expect_fail "--sysctl net.* with the host's network" 125 \
	"berth: Error response from daemon: sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace" \
	$B run --rm --network host --sysctl net.ipv4.ip_forward=1 bb true
expect_fail "--sysctl of IPC with the host's IPC" 125 \
	"berth: Error response from daemon: sysctl \"fs.mqueue.msg_max\" is not allowed in the hosts ipc namespace" \
	$B run --rm --ipc host --sysctl fs.mqueue.msg_max=64 bb true

# ---- --uts ----
expect_eq "--uts host: the host's UTS namespace" "$(host_ns uts) $(hostname)" \
	"$($B run --rm --uts host bb sh -c 'echo $(readlink /proc/self/ns/uts) $(hostname)')"
expect_eq "no --uts: a UTS namespace of its own" "no" \
	"$($B run --rm bb readlink /proc/self/ns/uts | grep -qx "$(host_ns uts)" && echo yes || echo no)"
expect_fail "--uts host with -h" 125 "berth: Error response from daemon: conflicting options: hostname and the UTS mode" \
	$B run --rm --uts host -h foo bb true
expect_fail "--uts of an unknown mode" 125 "berth: --uts: invalid UTS mode" $B run --rm --uts bogus bb true

# ---- --pid ----
expect_eq "--pid host: the host's pid namespace, the init is not pid 1" "$(host_ns pid) no" \
	"$($B run --rm --pid host bb sh -c 'echo $(readlink /proc/self/ns/pid) $([ $$ = 1 ] && echo yes || echo no)')"
$B run -d --name donor bb sleep 515151 >/dev/null
dpid=$($B exec donor readlink /proc/self/ns/pid)
expect_eq "--pid container:NAME: its pid namespace and processes" "$dpid 1" \
	"$($B run --rm --pid container:donor bb sh -c 'echo $(readlink /proc/self/ns/pid) $(for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = sleep ] && echo ${p#/proc/}; done)')"
$B run -d --name pj --pid container:donor bb sh -c 'sleep 515151 & exec sleep 515152' >/dev/null
expect_eq "--pid container: in HostConfig (by id)" "\"container:$($B inspect -f '{{.Id}}' donor)\"" "$(hc pj PidMode)"
expect_eq "--pid container: exec enters that namespace" "$dpid" "$($B exec pj readlink /proc/self/ns/pid)"
$B run -d --name ph --pid host --uts host bb sleep 515151 >/dev/null
expect_eq "exec into --pid host --uts host" "$(host_ns pid) $(host_ns uts)" \
	"$($B exec ph sh -c 'echo $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/uts)')"
expect_eq "--pid/--uts host in HostConfig" '"host" "host"' "$(hc ph PidMode) $(hc ph UTSMode)"
# the init of pj is not its namespace's pid 1: stopping it must still end its background sleep
pjid=$($B inspect -f '{{.Id}}' pj)
$B rm -f pj >/dev/null
sleep 0.3
expect_eq "rm of a --pid container: kills every process of its cgroup" "" \
	"$(pgrep -f 'sleep 515151' | while read -r p; do grep -q "$pjid" /proc/$p/cgroup 2>/dev/null && echo $p; done)"
expect_eq "the donor survives its joiner" "running" "$($B inspect -f '{{.State.Status}}' donor)"
$B create --name stopped bb true >/dev/null
sid=$($B inspect -f '{{.Id}}' stopped)
expect_fail "--pid container: of a stopped container" 125 "berth: Error response from daemon: container $sid is not running" \
	$B run --rm --pid container:stopped bb true
expect_fail "--pid container: of no container" 125 "berth: Error response from daemon: No such container: nosuch" \
	$B run --rm --pid container:nosuch bb true
expect_fail "--pid of an unknown mode" 125 "berth: --pid: invalid PID mode" $B run --rm --pid bogus bb true

# ---- --ipc ----
expect_eq "default IpcMode is private" '"private"' "$(hc donor IpcMode)"
expect_eq "--ipc private: own namespace and /dev/shm" "no shm" \
	"$($B run --rm bb sh -c 'echo $([ "$(readlink /proc/self/ns/ipc)" = "'"$(host_ns ipc)"'" ] && echo yes || echo no) $(grep " /dev/shm " /proc/self/mountinfo | cut -d" " -f9)')"
expect_eq "--ipc host: the host's namespace and /dev/shm" "$(host_ns ipc) $(stat -c %i /dev/shm)" \
	"$($B run --rm --ipc host bb sh -c 'echo $(readlink /proc/self/ns/ipc) $(stat -c %i /dev/shm)')"
expect_eq "--ipc none: no /dev/shm" "absent" "$($B run --rm --ipc none bb sh -c '[ -e /dev/shm ] && echo present || echo absent')"
$B run -d --name ihost --ipc host bb sleep 515151 >/dev/null
expect_eq "exec into an --ipc host one" "$(host_ns ipc)" "$($B exec ihost readlink /proc/self/ns/ipc)"
$B run -d --name inone --ipc none bb sleep 515151 >/dev/null
expect_eq "exec into an --ipc none one: its own namespace, no /dev/shm" "no absent" \
	"$($B exec inone sh -c 'echo $([ "$(readlink /proc/self/ns/ipc)" = "'"$(host_ns ipc)"'" ] && echo yes || echo no) $([ -e /dev/shm ] && echo present || echo absent)')"
$B run -d --name shr --ipc shareable bb sleep 515151 >/dev/null
sipc=$($B exec shr readlink /proc/self/ns/ipc)
expect_eq "--ipc container: joins a shareable one, /dev/shm is the donor's" "$sipc hello" \
	"$($B run --rm --ipc container:shr bb sh -c 'echo hello > /dev/shm/note; echo $(readlink /proc/self/ns/ipc)') $($B exec shr cat /dev/shm/note)"
$B run -d --name ij --ipc container:shr bb sleep 515151 >/dev/null
expect_eq "exec into a --ipc container: one" "$sipc hello" "$($B exec ij sh -c 'echo $(readlink /proc/self/ns/ipc) $(cat /dev/shm/note)')"
expect_eq "--ipc shareable in HostConfig" '"shareable"' "$(hc shr IpcMode)"
did=$($B inspect -f '{{.Id}}' donor)
expect_fail "--ipc container: of a private one" 125 \
	"berth: Error response from daemon: can't join IPC of container $did: non-shareable IPC (hint: use IpcMode:shareable for the donor container)" \
	$B run --rm --ipc container:donor bb true
expect_fail "--ipc container: of a stopped one" 125 \
	"berth: Error response from daemon: can't join IPC of container $sid: container $sid is not running" $B run --rm --ipc container:stopped bb true
expect_fail "--ipc of an unknown mode" 125 "berth: Error response from daemon: Invalid IPC mode: bogus" \
	$B run --rm --ipc bogus bb true

# ---- daemon.json's default-ipc-mode ----
new_instance nsdef '"default-ipc-mode": "shareable"'
import_busybox bb >/dev/null
$B create --name d bb true >/dev/null
expect_eq "default-ipc-mode shareable" '"shareable"' "$($B inspect -f '{{json .HostConfig.IpcMode}}' d)"
$B rm d >/dev/null
new_instance nsbad '"default-ipc-mode": "host"'
import_busybox bb >/dev/null
expect_fail "default-ipc-mode host is refused" 125 \
	"berth: Error response from daemon: IPC mode \"host\" is not supported as default value; use \"shareable\" or \"private\"" \
	$B run --rm bb true
new_instance ns
B="$BERTH_BIN --config-file $INSTANCE_DIR/daemon.json"

# ---- nothing left behind ----
ids=$($B ps -aq --no-trunc)
$B rm -f $ids >/dev/null
sleep 0.3
left=""
for id in $ids; do
	[ -e "$ROOT/containers/$id" ] && left="$left dir:$id"
	[ -e "$EXEC/containers/$id" ] && left="$left rundir:$id"
	grep -qF "$id" /proc/self/mountinfo && left="$left mount:$id"
	[ -n "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*$id*" 2>/dev/null)" ] && left="$left cgroup:$id"
done
expect_eq "rm leaves no directory, mount (shm included) or cgroup" "" "$left"
expect_eq "rm leaves no process" "" "$(pgrep -f 'sleep 51515')"
finish
