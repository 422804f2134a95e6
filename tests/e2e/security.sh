#!/usr/bin/env bash
# End-to-end checks of what a container may do and see, against Docker 20.10's answers: the
# capability sets (no inheritable or ambient capabilities: CVE-2022-24769), users and groups
# (-u user:group, supplementary groups), the per-container /etc files under user mounts, --tmpfs
# flags, --privileged, the masked /proc paths and /dev. Each expected value was read from Docker;
# when a private dockerd can start here, Docker is asked again and must still agree.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then skip "security e2e" "needs root"; finish; fi
if ! have_busybox; then skip "security e2e" "no /bin/busybox"; finish; fi

# The image: busybox with users and groups to resolve (alice is in devs and ops, root in ops).
R=$E2E_TMP/rootfs
make_busybox_rootfs "$R"
mkdir -p "$R/home/alice"
printf 'alice:x:1000:1000::/home/alice:/bin/sh\n' >>"$R/etc/passwd"
printf 'alice:x:1000:\ndevs:x:2000:alice\nops:x:2001:root,alice\n' >>"$R/etc/group"
tar -C "$R" -cf "$E2E_TMP/rootfs.tar" .
new_instance sec
if ! $B import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' "$E2E_TMP/rootfs.tar" secbb >/dev/null; then
	not_ok "import the image"; finish
fi
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"

DOCKER=0
if [ "${BERTH_E2E_DOCKER:-1}" = 0 ]; then
	skip "answers checked against docker" "BERTH_E2E_DOCKER=0"
elif start_dockerd && dk import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' "$E2E_TMP/rootfs.tar" secbb >/dev/null 2>&1; then
	DOCKER=1
	at_exit "for c in \$(docker -H $DOCKER_SOCK ps -aq); do docker -H $DOCKER_SOCK rm -f \$c; done"
else
	skip "answers checked against docker" "no private dockerd could start here"
fi

# same NAME EXPECTED CMD...: berth's output of CMD (stdout and stderr; "berth: " and Docker's
# "docker: Error response from daemon: " taken off an error line) must be EXPECTED, and so must
# Docker's when it runs here. CMD starts with the berth/docker subcommand.
strip() { sed -e 's/^berth: //' -e 's/^Error response from daemon: //' -e 's/^docker: Error response from daemon: //' -e '/^$/d' -e "/^Run 'docker/d" -e "/^See 'docker/d"; }
same() {
	local name=$1 want=$2; shift 2
	expect_eq "$name" "$want" "$($B "$@" 2>&1 | strip)"
	if [ $DOCKER = 1 ]; then expect_eq "$name (docker)" "$want" "$(dk "$@" 2>&1 | strip)"; fi
}
# docker_only NAME CMD...: run CMD with docker when it is here (to create what a later check needs).
with_docker() { if [ $DOCKER = 1 ]; then dk "$@" >/dev/null 2>&1; fi; }

RUN="run --rm --network none"

# ---- capabilities: inheritable and ambient stay empty (run and exec) ----
caps='grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status | tr "\t\n" "  "'
same "root: caps" "CapInh: 0000000000000000 CapPrm: 00000000a80425fb CapEff: 00000000a80425fb CapAmb: 0000000000000000 " \
	$RUN secbb sh -c "$caps"
same "-u alice: caps" "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapAmb: 0000000000000000 " \
	$RUN -u alice secbb sh -c "$caps"
same "--cap-add/--cap-drop: caps" "CapInh: 0000000000000000 CapPrm: 00000000a80435fa CapEff: 00000000a80435fa CapAmb: 0000000000000000 " \
	$RUN --cap-add NET_ADMIN --cap-drop CHOWN secbb sh -c "$caps"
$B run -d --name web --network none secbb sleep 300 >/dev/null
with_docker run -d --name web --network none secbb sleep 300
same "exec: caps" "CapInh: 0000000000000000 CapPrm: 00000000a80425fb CapEff: 00000000a80425fb CapAmb: 0000000000000000 " \
	exec web sh -c "$caps"
same "exec -u alice: caps" "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapAmb: 0000000000000000 " \
	exec -u alice web sh -c "$caps"

# The CVE's reproducer: a non-root user runs a binary with inheritable file capabilities; with
# an inheritable set in the process it would read a root-only file.
if command -v setcap >/dev/null 2>&1; then
	cp /bin/busybox "$E2E_TMP/capbb" && setcap cap_dac_override,cap_chown+ei "$E2E_TMP/capbb"
	mkdir -p "$E2E_TMP/secret" && echo topsecret >"$E2E_TMP/secret/s" && chmod 600 "$E2E_TMP/secret/s" && chmod 700 "$E2E_TMP/secret"
	same "inheritable file caps give a non-root user nothing" \
		"cat: can't open '/secret/s': Permission denied
CapEff:	0000000000000000" \
		$RUN -u alice -v "$E2E_TMP/capbb:/capdir/cat:ro" -v "$E2E_TMP/secret:/secret" secbb \
		sh -c '/capdir/cat /secret/s /proc/self/status 2>&1 | grep -E "^(topsecret|CapEff|cat:)"'
else
	skip "inheritable file caps give a non-root user nothing" "no setcap (apt-get install libcap2-bin)"
fi

# ---- users and groups: -u user:group resolves (it read freed memory), the primary group comes
# first in the supplementary groups, and a named group is the only one ----
ids='id; grep ^Groups: /proc/self/status | sed "s/ *$//"'
same "no -u: id" "uid=0(root) gid=0(root) groups=0(root),2001(ops)
Groups:	0 2001" $RUN secbb sh -c "$ids"
same "-u alice: id" "uid=1000(alice) gid=1000(alice) groups=1000(alice),2000(devs),2001(ops)
Groups:	1000 2000 2001" $RUN -u alice secbb sh -c "$ids"
same "-u 1000: id" "uid=1000(alice) gid=1000(alice) groups=1000(alice),2000(devs),2001(ops)" $RUN -u 1000 secbb id
same "-u nobody: id" "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" $RUN -u nobody secbb id
same "-u 4242 (not in passwd): id" "uid=4242 gid=0(root) groups=0(root)" $RUN -u 4242 secbb id
same "-u 1000:2000: id" "uid=1000(alice) gid=2000(devs) groups=2000(devs)
Groups:	2000" $RUN -u 1000:2000 secbb sh -c "$ids"
same "-u alice:devs: id" "uid=1000(alice) gid=2000(devs) groups=2000(devs)" $RUN -u alice:devs secbb id
same "-u 0:2001: id" "uid=0(root) gid=2001(ops) groups=2001(ops)" $RUN -u 0:2001 secbb id
same "-u root:nogroup: id" "uid=0(root) gid=65534(nogroup) groups=65534(nogroup)" $RUN -u root:nogroup secbb id
same "-u 4242:4242: id" "uid=4242 gid=4242 groups=4242" $RUN -u 4242:4242 secbb id
same "-u 1000:nosuch: the group's name in the error" \
	"unable to find group nosuch: no matching entries in group file" $RUN -u 1000:nosuch secbb id
same "-u bob: the user's name in the error" \
	"unable to find user bob: no matching entries in passwd file" $RUN -u bob secbb id
same "exec -u alice: id" "uid=1000(alice) gid=1000(alice) groups=1000(alice),2000(devs),2001(ops)" exec -u alice web id
same "exec -u 1000:2000: id" "uid=1000(alice) gid=2000(devs) groups=2000(devs)" exec -u 1000:2000 web id
same "exec -u nobody:ops: id" "uid=65534(nobody) gid=2001(ops) groups=2001(ops)" exec -u nobody:ops web id
same "exec: id" "uid=0(root) gid=0(root) groups=0(root),2001(ops)" exec web id

# ---- /etc/hosts, /etc/hostname, /etc/resolv.conf go over the user's mounts (a volume or bind at
# /etc hid them); only a mount of that very path replaces one ----
etcfiles='ls /etc | grep -E "^(hosts|hostname|resolv.conf)$" | tr "\n" " "; cat /etc/hostname; grep -c . /etc/resolv.conf'
same "-v VOLUME:/etc keeps the engine's files" "hostname hosts resolv.conf h1
1" $RUN -h h1 -v secetc:/etc secbb sh -c "$etcfiles"
mkdir -p "$E2E_TMP/hostetc" && echo mine >"$E2E_TMP/hostetc/x"
same "-v DIR:/etc/ keeps the engine's files" "hostname hosts resolv.conf x" \
	$RUN -v "$E2E_TMP/hostetc:/etc/" secbb sh -c 'ls /etc | tr "\n" " " | sed "s/ $//"'
same "--tmpfs /etc keeps the engine's files" "hostname hosts resolv.conf h2
1" $RUN -h h2 --tmpfs /etc secbb sh -c "$etcfiles"
same "--mount type=volume,dst=/etc keeps the engine's files" "hostname hosts resolv.conf h3
1" $RUN -h h3 --mount type=volume,src=secetc2,dst=/etc secbb sh -c "$etcfiles"
echo "10.9.9.9 mine" >"$E2E_TMP/myhosts"
same "-v FILE:/etc/hosts replaces only the hosts file" "10.9.9.9 mine
h4" $RUN -h h4 -v "$E2E_TMP/myhosts:/etc/hosts:ro" secbb sh -c 'cat /etc/hosts /etc/hostname'
same "--read-only: the files over a volume at /etc stay read-only" "1" \
	$RUN --read-only -v secetc3:/etc secbb sh -c 'touch /etc/hosts 2>/dev/null; echo $?'

# ---- --tmpfs and --mount type=tmpfs: nosuid,nodev,noexec by default; flag words are mount flags,
# the rest file system data; an unknown word is refused at create ----
tmpfsline() { echo "grep ' /data ' /proc/self/mountinfo | cut -d' ' -f5-"; }
same "--tmpfs: nosuid,nodev,noexec" "/data rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw" \
	$RUN --tmpfs /data secbb sh -c "$(tmpfsline)"
same "--tmpfs: a program on it cannot run" "126" \
	$RUN --tmpfs /data secbb sh -c 'cp /bin/busybox /data/bb; /data/bb true 2>/dev/null; echo $?'
same "--tmpfs :exec" "/data rw,nosuid,nodev,relatime - tmpfs tmpfs rw" \
	$RUN --tmpfs /data:exec secbb sh -c "$(tmpfsline)"
same "--tmpfs :rw,size=1m,mode=700,noexec" "/data rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=1024k,mode=700" \
	$RUN --tmpfs /data:rw,size=1m,mode=700,noexec secbb sh -c "$(tmpfsline)"
same "--tmpfs :ro is a read-only mount" "/data ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw" \
	$RUN --tmpfs /data:ro secbb sh -c "$(tmpfsline)"
same "--tmpfs :ro,exec,suid,dev" "/data ro,relatime - tmpfs tmpfs rw" \
	$RUN --tmpfs /data:ro,exec,suid,dev secbb sh -c "$(tmpfsline)"
same "--tmpfs :sync,noatime,nodiratime,uid=,gid=,nr_inodes=" \
	"/data rw,nosuid,nodev,noexec,noatime,nodiratime - tmpfs tmpfs rw,sync,nr_inodes=100,uid=1000,gid=2000" \
	$RUN --tmpfs /data:sync,noatime,nodiratime,uid=1000,gid=2000,nr_inodes=100 secbb sh -c "$(tmpfsline)"
same "--tmpfs :strictatime,defaults" "/data rw,nosuid,nodev,noexec - tmpfs tmpfs rw" \
	$RUN --tmpfs /data:strictatime,defaults secbb sh -c "$(tmpfsline)"
same "--mount type=tmpfs: nosuid,nodev,noexec" "/data rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw" \
	$RUN --mount type=tmpfs,dst=/data secbb sh -c "$(tmpfsline)"
same "--mount type=tmpfs,ro,tmpfs-size,tmpfs-mode" "/data ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=1024k,mode=700" \
	$RUN --mount type=tmpfs,dst=/data,ro,tmpfs-size=1m,tmpfs-mode=700 secbb sh -c "$(tmpfsline)"
# Docker refuses these when the container starts; berth already at create, leaving nothing behind
before=$($B ps -aq | wc -l)
same "--tmpfs :bogus" 'invalid tmpfs option ["bogus"]' $RUN --tmpfs /data:bogus secbb true
same "--tmpfs :size=1m,bogus=2" 'invalid tmpfs option ["bogus" "2"]' $RUN --tmpfs /data:size=1m,bogus=2 secbb true
same "--tmpfs :size (no value)" 'invalid tmpfs option ["size"]' $RUN --tmpfs /data:size secbb true
$B run --rm --network none --tmpfs /data:bogus secbb true 2>/dev/null
expect_eq "--tmpfs :bogus: exit 125" 125 $?
$B create --tmpfs /data:bogus secbb true >/dev/null 2>&1
expect_eq "--tmpfs :bogus: create makes nothing" "$before" "$($B ps -aq | wc -l)"

# ---- masked /proc paths come from the container's own /dev/null (the host's devtmpfs showed its
# size and inode count), in runc's order; /dev as Docker's (no /dev/core) ----
mountinfo_awk='$5 != "/" && $9 !~ /^cgroup/ && $5 !~ /^\/sys\/fs\/cgroup/ {
	for (i = 7; $i != "-"; i++) ;
	r = $4; sub(/.*\/containers\/[0-9a-f]+\//, "CDIR/", r)
	fs = $(i + 1)
	if (fs ~ /^(proc|tmpfs|devpts|sysfs|mqueue)$/) print r, $5, $6, fs, $(i + 3); else print r, $5, $6, "(host fs)"
}'
same "mountinfo as Docker's (but the root and the cgroups)" "/ /proc rw,nosuid,nodev,noexec,relatime proc rw
/ /dev rw,nosuid tmpfs rw,size=65536k,mode=755
/ /dev/pts rw,nosuid,noexec,relatime devpts rw,gid=5,mode=620,ptmxmode=666
/ /sys ro,nosuid,nodev,noexec,relatime sysfs ro
/ /dev/mqueue rw,nosuid,nodev,noexec,relatime mqueue rw
/ /dev/shm rw,nosuid,nodev,noexec,relatime tmpfs rw,size=65536k
CDIR/resolv.conf /etc/resolv.conf rw,relatime (host fs)
CDIR/hostname /etc/hostname rw,relatime (host fs)
CDIR/hosts /etc/hosts rw,relatime (host fs)
/bus /proc/bus ro,nosuid,nodev,noexec,relatime proc rw
/fs /proc/fs ro,nosuid,nodev,noexec,relatime proc rw
/irq /proc/irq ro,nosuid,nodev,noexec,relatime proc rw
/sys /proc/sys ro,nosuid,nodev,noexec,relatime proc rw
/ /proc/acpi ro,relatime tmpfs ro
/null /proc/keys rw,nosuid tmpfs rw,size=65536k,mode=755
/null /proc/timer_list rw,nosuid tmpfs rw,size=65536k,mode=755
/ /sys/firmware ro,relatime tmpfs ro" $RUN secbb awk "$mountinfo_awk" /proc/self/mountinfo
same "no host devtmpfs in the mountinfo" "0" $RUN secbb grep -c devtmpfs /proc/self/mountinfo
same "/dev as Docker's" "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " \
	$RUN secbb sh -c 'ls -A /dev | tr "\n" " "'

# ---- --privileged: the host's devices, rw /sys and cgroups (Docker's; runc cannot run it here:
# the host's bounding set lacks a capability, so these are berth's alone) ----
devlist='find /dev \( -path /dev/pts -o -path /dev/shm -o -path /dev/mqueue -o -path /dev/fd -o -name .lxc -o -name .lxd-mounts -o -name .udev \) -prune -o \( -type c -o -type b \) ! -name console ! -path /dev/ptmx -print | sort | xargs stat -c "%n %A %t:%T %u:%g"'
expect_eq "--privileged: every host device node, same mode and owner" "$(sh -c "$devlist")" \
	"$($B $RUN --privileged secbb sh -c "$devlist" 2>&1)"
expect_eq "--privileged: /dev/ptmx is still the container's pts/ptmx" "pts/ptmx" \
	"$($B $RUN --privileged secbb readlink /dev/ptmx 2>&1)"
if [ -e /dev/loop-control ]; then
	expect_eq "--privileged: the device cgroup lets a host device open" "opened" \
		"$($B $RUN --privileged secbb sh -c ': </dev/loop-control && echo opened' 2>&1)"
else
	skip "--privileged: the device cgroup lets a host device open" "no /dev/loop-control on this host"
fi
expect_eq "--privileged: /sys and the cgroup mounts are writable" "" \
	"$($B $RUN --privileged secbb sh -c 'grep -E " /sys( |/fs/cgroup)" /proc/self/mountinfo | cut -d" " -f5-6 | grep -v " rw,"' 2>&1)"
expect_eq "--privileged: a cgroup can be made" "made" \
	"$($B $RUN --privileged secbb sh -c 'd=/sys/fs/cgroup/pids/x; [ -d /sys/fs/cgroup/pids ] || d=/sys/fs/cgroup/x; mkdir $d && rmdir $d && echo made' 2>&1)"
same "not privileged: /sys and the cgroup mounts stay read-only" "" \
	$RUN secbb sh -c 'grep -E " /sys( |/fs/cgroup/)" /proc/self/mountinfo | cut -d" " -f5-6 | grep -v " ro,"'

# ---- exec gets the container's --ulimit values (it kept the caller's, nproc unbounded) ----
$B run -d --name lim --network none --ulimit nofile=100:200 --ulimit nproc=50:60 secbb sleep 300 >/dev/null
with_docker run -d --name lim --network none --ulimit nofile=100:200 --ulimit nproc=50:60 secbb sleep 300
# (Docker's exec has the soft nofile at the hard one: runc's Go runtime raises it; not compared)
same "exec: the container's nproc and hard nofile" "Max processes 50 60 processes
200" exec lim sh -c 'grep "Max processes" /proc/self/limits | tr -s " " | sed "s/ $//"; ulimit -Hn'
same "exec -u alice: the container's nproc" "Max processes 50 60 processes" \
	exec -u alice lim sh -c 'grep "Max processes" /proc/self/limits | tr -s " " | sed "s/ $//"'

# ---- exec --privileged: every capability berth holds, under the container's seccomp profile ----
# (libcontainer's exec takes the seccomp config from the container; Docker 20.10 cannot run it
# on this host: runc fails "unable to apply caps", so this is not compared)
expect_eq "exec --privileged: all the capabilities berth holds" "$(grep CapBnd /proc/self/status | cut -f2)" \
	"$($B exec --privileged lim grep CapEff /proc/self/status | cut -f2)"
expect_eq "exec --privileged: still the container's seccomp filter" "2" \
	"$($B exec --privileged lim grep Seccomp: /proc/self/status | cut -f2)"
check_fails "exec --privileged: the container's profile still refuses mount" \
	$B exec --privileged lim sh -c 'mkdir -p /m && mount -t tmpfs t /m'

finish
