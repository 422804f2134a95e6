#!/bin/bash
# berth diff: the rw layer's changes as Docker prints them, on overlay2 and vfs, for a stopped
# and a running container, without the mount points berth makes in the rw layer (Docker keeps
# them in its init layer: /etc/hosts, /proc, /dev ...). With a private dockerd each change list
# is also compared with `docker diff` of the same container (sorted: Docker's order is a map's).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "diff" "needs root"; finish; }
have_busybox || { skip "diff" "no /bin/busybox"; finish; }

DK=""
if [ -x /usr/bin/docker ] && start_dockerd; then
	DK="/usr/bin/docker -H $DOCKER_SOCK"
	make_busybox_rootfs "$E2E_TMP/bbroot"
	tar -C "$E2E_TMP/bbroot" -c . | $DK import -c 'CMD ["sh"]' - bb:diff >/dev/null
	mkdir -p "$E2E_TMP/bare/bin" && cp /bin/busybox "$E2E_TMP/bare/bin/"
	tar -C "$E2E_TMP/bare" -c . | $DK import - bare:diff >/dev/null
	at_exit 'for c in $($DK ps -aq); do $DK rm -f -v $c; done'
else
	skip "diff checked against Docker" "no private dockerd"
fi

STOPPED='mkdir -p /tmp/x; echo hi > /tmp/x/f; rm /etc/group; echo >> /etc/passwd; touch /newfile; mkdir /root/d; ln -s /nowhere /tmp/lnk'
RUNNING='echo x > /etc/foo; mkdir -p /var/log; touch /var/log/l; rm -rf /root; sleep 300'
STOPPED_WANT='A /newfile
A /root/d
A /tmp/lnk
A /tmp/x
A /tmp/x/f
C /etc
C /etc/passwd
C /root
C /tmp
D /etc/group'
RUNNING_WANT='A /data
A /etc/foo
A /run
A /var
A /var/log
A /var/log/l
A /wd
A /wd/sub
C /etc
D /root'

# same_as_docker NAME BERTH_OUTPUT ARGS...: the sorted `docker diff` of `docker run ARGS` equals.
same_as_docker() {
	local name=$1 want=$2 c; shift 2
	[ -n "$DK" ] || return 0
	c=$($DK run -d --network none "$@") || { not_ok "$name: docker run"; return; }
	sleep 0.5
	expect_eq "$name: as docker diff" "$($DK diff "$c" | sort)" "$want"
}

for driver in overlay2 vfs; do
	new_instance "diff-$driver" "\"storage-driver\": \"$driver\""
	import_busybox bb:diff >/dev/null || { not_ok "$driver: import busybox"; continue; }
	at_exit "for c in \$($B ps -aq); do $B rm -f -v \$c; done"

	$B run --name stopped --network none bb:diff sh -c "$STOPPED"
	out=$($B diff stopped); rc=$?
	expect_eq "$driver: stopped: exit 0" 0 "$rc"
	expect_eq "$driver: stopped: changes" "$STOPPED_WANT" "$(printf '%s\n' "$out" | sort)"
	# a walk of the tree: each directory before what it holds, names in order within one
	expect_eq "$driver: stopped: a directory comes before its entries" "C /etc" "$(printf '%s\n' "$out" | head -1)"
	[ $driver = overlay2 ] && same_as_docker "$driver: stopped" "$(printf '%s\n' "$out" | sort)" bb:diff sh -c "$STOPPED"

	$B run -d --name running --network none -v /data --tmpfs /run -w /wd/sub bb:diff sh -c "$RUNNING" >/dev/null
	sleep 0.5
	out=$($B container diff running | sort)
	expect_eq "$driver: running: changes (volume and tmpfs mount points, workdir shown)" "$RUNNING_WANT" "$out"
	[ $driver = overlay2 ] && same_as_docker "$driver: running" "$out" -v /data --tmpfs /run -w /wd/sub bb:diff sh -c "$RUNNING"

	$B create --name fresh bb:diff true >/dev/null
	expect_eq "$driver: a created container has no changes" "" "$($B diff fresh)"
	$B start fresh >/dev/null; $B wait fresh >/dev/null
	expect_eq "$driver: after a run that wrote nothing: none (mount points hidden)" "" "$($B diff fresh)"
done

# An image without /etc and /dev: the mount points' parents are hidden too, but shown as
# changed when the container wrote something beside them.
mkdir -p "$E2E_TMP/bare/bin" && cp /bin/busybox "$E2E_TMP/bare/bin/"
tar -C "$E2E_TMP/bare" -c . | $B import - bare:diff >/dev/null
$B run --name bare --network none bare:diff /bin/busybox true
expect_eq "bare image: no changes" "" "$($B diff bare)"
$B run --name bare2 --network none bare:diff /bin/busybox touch /etc/new
out=$($B diff bare2)
expect_eq "bare image: /etc as changed, not added" "C /etc
A /etc/new" "$out"
same_as_docker "bare image" "$(printf '%s\n' "$out" | sort)" bare:diff /bin/busybox touch /etc/new

out=$($B diff nosuch 2>&1); rc=$?
expect_eq "no such container: exit 1" 1 "$rc"
expect_eq "no such container: Docker's message" "Error response from daemon: No such container: nosuch" "$out"
check_fails "no argument" $B diff
check_fails "two arguments" $B diff bare bare2
finish
