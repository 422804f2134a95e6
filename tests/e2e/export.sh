#!/bin/bash
# berth export: the container's whole file system (image and rw layer merged) as one tar, for a
# running and a stopped container on overlay2 and vfs: no /proc or volume content, mount points
# as empty entries; -o writes a file atomically; a terminal is refused with Docker's message.
# With a private dockerd the entry list is compared with `docker export` of the same container.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "export" "needs root"; finish; }
have_busybox || { skip "export" "no /bin/busybox"; finish; }

DK=""
if [ -x /usr/bin/docker ] && start_dockerd; then
	DK="/usr/bin/docker -H $DOCKER_SOCK"
	make_busybox_rootfs "$E2E_TMP/bbroot"
	tar -C "$E2E_TMP/bbroot" -c . | $DK import -c 'CMD ["sh"]' - bb:exp >/dev/null
	at_exit 'for c in $($DK ps -aq); do $DK rm -f -v $c; done'
else
	skip "export checked against Docker" "no private dockerd"
fi

RUNNING='echo x > /etc/foo; echo vol > /data/v; rm -rf /root; ln -s /nowhere /tmp/lnk; mkdir -p /var/log; touch /var/log/l; echo ready; sleep 300'
# What Docker's init layer adds that berth's containers do not have in their file system.
DOCKER_ONLY='.dockerenv
dev/console
dev/pts/
dev/shm/'

for driver in overlay2 vfs; do
	new_instance "export-$driver" "\"storage-driver\": \"$driver\""
	import_busybox bb:exp >/dev/null || { not_ok "$driver: import busybox"; continue; }
	at_exit "for c in \$($B ps -aq); do $B rm -f -v \$c; done"

	$B run -d --name running --network none -v /data bb:exp sh -c "$RUNNING" >/dev/null
	for i in $(seq 50); do [ "$($B logs running 2>/dev/null)" = ready ] && break; sleep 0.1; done
	$B export running >"$E2E_TMP/run.tar"; rc=$?
	expect_eq "$driver: running: exit 0" 0 "$rc"
	list=$(tar -tf "$E2E_TMP/run.tar" | grep -v '^bin/.')
	expect_eq "$driver: running: the merged file system" 'bin/
data/
dev/
etc/
etc/foo
etc/group
etc/hostname
etc/hosts
etc/mtab
etc/passwd
etc/resolv.conf
proc/
sys/
tmp/
tmp/lnk
var/
var/log/
var/log/l' "$list"
	expect_eq "$driver: every busybox applet" "$(ls "$E2E_TMP/bbroot/bin" | wc -l)" "$(tar -tf "$E2E_TMP/run.tar" | grep -c '^bin/.')"
	expect_eq "$driver: a changed file's content" x "$(tar -xOf "$E2E_TMP/run.tar" etc/foo)"
	expect_eq "$driver: a symlink kept as it is" "/nowhere" "$(tar -tvf "$E2E_TMP/run.tar" tmp/lnk | sed 's/.* -> //')"
	if [ $driver = overlay2 ] && [ -n "$DK" ]; then
		c=$($DK run -d --network none -v /data bb:exp sh -c "$RUNNING")
		for i in $(seq 50); do [ "$($DK logs "$c" 2>/dev/null)" = ready ] && break; sleep 0.1; done
		expect_eq "$driver: running: Docker's entries but its init layer's" \
			"$(printf '%s\n%s\n' "$list" "$DOCKER_ONLY" | sort)" "$($DK export "$c" | tar -t | grep -v '^bin/.' | sort)"
	fi

	$B stop -t 0 running >/dev/null
	check "$driver: stopped: -o FILE" $B container export -o "$E2E_TMP/out.tar" running
	expect_eq "$driver: stopped: the same entries" "$list" "$(tar -tf "$E2E_TMP/out.tar" | grep -v '^bin/.')"
	# the export is a root file system Docker's import takes back
	id=$($B import "$E2E_TMP/out.tar" reimported:1)
	expect_eq "$driver: the export imports and runs" x "$($B run --rm --network none reimported:1 /bin/cat /etc/foo 2>&1)"
done

out=$(script -qc "$B export running" /dev/null | tr -d '\r'); rc=$?
expect_eq "a terminal is refused" "berth: cowardly refusing to save to a terminal. Use the -o flag or redirect" "$out"
script -qec "$B export running" /dev/null >/dev/null; rc=$?
expect_eq "a terminal: exit 1" 1 "$rc"
out=$($B export -o "$E2E_TMP/nodir/x.tar" running 2>&1); rc=$?
expect_eq "-o into a missing directory: exit 1" 1 "$rc"
expect_match "-o into a missing directory: says why" '^berth: failed to export container: .*No such file or directory' "$out"
out=$($B export nosuch 2>&1); rc=$?
expect_eq "no such container" "1|Error response from daemon: No such container: nosuch" "$rc|$out"
check_fails "no argument" $B export
finish
