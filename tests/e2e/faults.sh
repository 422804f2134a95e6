#!/usr/bin/env bash
# Faults: berth processes killed half-way, monitors SIGKILLed, commands racing on one container.
# After each, the store says what is true and nothing is left behind: no container directory or
# rw layer without a row, no process, mount, cgroup or netns file of a removed container.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! have_busybox; then
	skip "faults" "needs root and busybox-static"
	finish
fi
new_instance faults
import_busybox bb >/dev/null
ROOT="$INSTANCE_DIR/root"
EXEC="$INSTANCE_DIR/exec"
at_exit "kill -9 \$(instance_pgrep 'sleep 424242') 2>/dev/null"
at_exit "$B rm -f \$($B ps -aq) 2>/dev/null"

# leftovers ID: what a removed container ID still holds (empty when nothing)
leftovers() {
	local id=$1
	[ -e "$ROOT/containers/$id" ] && echo "dir $ROOT/containers/$id"
	[ -e "$EXEC/containers/$id" ] && echo "rundir $EXEC/containers/$id"
	[ -e "$EXEC/netns/$id" ] && echo "netns $EXEC/netns/$id"
	ls -d "$ROOT"/storage/*/"$id" 2>/dev/null | sed 's/^/layer /'
	grep -F "$id" /proc/self/mountinfo | sed 's/^/mount /'
	find /sys/fs/cgroup -maxdepth 4 -type d -name "*$id*" 2>/dev/null | sed 's/^/cgroup /'
	pgrep -f "berth-monitor.*--id $id" | sed 's/^/monitor pid /'
	return 0
}
# orphans: container directories, staging directories and rw layers that no row names, read
# from the store with sqlite3 (a berth would tidy them up before answering)
orphans() {
	local known d
	known=$(sqlite3 -readonly "$ROOT/berth.db" 'SELECT id FROM containers')
	for d in "$ROOT"/containers/* "$ROOT"/containers/.new-*; do
		[ -e "$d" ] || continue
		printf '%s\n' "$known" | grep -qx "$(basename "$d")" || echo "dir $d"
	done
	# the storage driver's directories: image layers and their init layers (the store's layers
	# table) and rw layers
	known="$known
$(sqlite3 -readonly "$ROOT/berth.db" 'SELECT cache_id FROM layers UNION SELECT init_layer FROM layers WHERE init_layer IS NOT NULL')"
	for d in "$ROOT"/storage/overlay2/*; do
		[ -e "$d/diff" ] || continue
		printf '%s\n' "$known" | grep -qx "$(basename "$d")" || echo "layer $d"
	done
	return 0
}
monitor_of() { ps -o ppid= -p "$($B inspect -f '{{.State.Pid}}' "$1")" | tr -d ' '; }

# ---- rm -f racing run -d: the rm waits for the start, then kills what it started ----
ghosts=""
for i in 1 2 3 4 5 6 7 8; do
	$B run -d --name race bb sleep 424242 >/dev/null 2>&1 &
	sleep "0.0$((i * 2))"
	$B rm -f race >/dev/null 2>&1
	wait
	$B rm -f race >/dev/null 2>&1
done
sleep 0.3
ghosts=$(instance_pgrep 'sleep 424242')
expect_eq "rm -f racing run -d: no container process outlives its container" "" "$ghosts"
expect_eq "rm -f racing run -d: nothing listed" "" "$($B ps -aq)"
expect_eq "rm -f racing run -d: no orphans" "" "$(orphans)"

# ---- a berth's orphan collection racing a create: the container it did not know of stays ----
# Every berth that opens the store collects orphans: it reads the rows, then lists the container
# directories. A create that puts its row in between (and drops its claim) must not look
# orphaned: that removed the directory and rw layer of a container whose start had already run,
# leaving its process running and a row that rm -f could no longer remove. strace holds a ps at
# the listing (its third getdents64 there: the fold of live records lists it twice first) while
# a run -d makes and starts a container.

# held: strace's log shows the ps in its third getdents64 on the containers directory, entered
# and not returned (strace writes a call's entry before it holds it)
held() {
	local log="$E2E_TMP/strace.collect"
	[ "$(grep -c getdents64 "$log" 2>/dev/null)" = 3 ] && ! tail -n 1 "$log" | grep -q ' = '
}
if command -v strace >/dev/null; then
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq --seccomp-bpf -e signal=none -o "$E2E_TMP/strace.collect" \
		-P "$ROOT/containers" -e trace=getdents64 -e inject=getdents64:delay_enter=8000000:when=3 \
		$B ps -aq >/dev/null 2>&1 &
	sp=$!
	for i in $(seq 1 100); do
		held && break
		sleep 0.05
	done
	id=$($B run -d --name collected bb sleep 424242)
	# the run is done and the ps has not listed the directory yet: the window is open
	held && window=1 || window=""
	wait "$sp"
	if [ -n "$window" ]; then
		expect_eq "collection racing a create: the container runs on, whole" "running yes" \
			"$($B inspect -f '{{.State.Status}}' collected 2>&1) $([ -d "$ROOT/containers/$id" ] && echo yes)"
		check "collection racing a create: rm -f removes it" $B rm -f collected
		expect_eq "collection racing a create: its process is gone with it" "" "$(instance_pgrep 'sleep 424242')"
		expect_eq "collection racing a create: nothing left" "" "$(leftovers "$id")"
	else
		not_ok "collection racing a create" "strace did not hold the ps at its listing until the run was done"
	fi
	$B rm -f collected >/dev/null 2>&1
else
	skip "collection racing a create" "strace is not installed"
fi

# ---- a create SIGKILLed half-way: the next berth removes what it left ----
# strace holds the create at a chosen syscall (delay_exit) while we SIGKILL it: a real kill at a
# known point, not a simulated one.
kill_create_at() {
	local name=$1 sp pid i
	shift
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$E2E_TMP/strace.$name" "$@" $B create --name "$name" bb true >/dev/null 2>&1 &
	sp=$!
	for i in $(seq 1 100); do
		grep -q DELAYED "$E2E_TMP/strace.$name" 2>/dev/null && break
		sleep 0.1
	done
	pid=$(awk '/DELAYED/ { print $1; exit }' "$E2E_TMP/strace.$name")
	[ -n "$pid" ] && kill -9 "$pid"
	wait "$sp" 2>/dev/null
	[ -n "$pid" ]
}
if command -v strace >/dev/null; then
	hold="delay_exit=10000000:when=1"
	# "dir": the first rename, the container's directory put in place, no rw layer yet;
	# "layer": the first write to the store's WAL, the INSERT of the row, after the rw layer
	for at in dir layer; do
		case $at in
		dir) args=(-e trace=rename -e inject=rename:$hold) ;;
		layer) args=(-P "$ROOT/berth.db-wal" -e trace=pwrite64 -e inject=pwrite64:$hold) ;;
		esac
		if kill_create_at "killed-$at" "${args[@]}"; then
			# what the kill left, seen before any other berth tidies up
			left=$(ls -A "$ROOT/containers" | grep -v '^\.' | wc -l)
			[ "$left" -ge 1 ] && ok "create killed at '$at' left a directory behind" || \
				not_ok "create killed at '$at' left a directory behind" "the kill came too late to test anything"
			if [ $at = layer ]; then
				[ -n "$(orphans)" ] && ok "create killed at 'layer' left an rw layer behind" || \
					not_ok "create killed at 'layer' left an rw layer behind" "nothing to tidy: the test tests nothing"
			fi
			$B ps -a >/dev/null
			expect_eq "create killed at '$at': the next berth removes what it left" "" "$(orphans)"
			check "create killed at '$at': the name is free" $B create --name "killed-$at" bb true
			$B rm "killed-$at" >/dev/null 2>&1
		else
			not_ok "create killed at '$at'" "strace never held the create"
		fi
	done
	# "init": the first create on an image makes its init layer; killed with that layer mounted,
	# half-filled and not recorded, the next create makes it again
	make_busybox_rootfs "$E2E_TMP/rootfs-init" && echo init >"$E2E_TMP/rootfs-init/second"
	tar -C "$E2E_TMP/rootfs-init" -cf - . | $B import - bb-init >/dev/null
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$E2E_TMP/strace.init" -e trace=mount -e inject=mount:$hold \
		$B create --name killed-init bb-init true >/dev/null 2>&1 &
	sp=$!
	for i in $(seq 1 100); do grep -q DELAYED "$E2E_TMP/strace.init" 2>/dev/null && break; sleep 0.1; done
	pid=$(awk '/DELAYED/ { print $1; exit }' "$E2E_TMP/strace.init")
	[ -n "$pid" ] && kill -9 "$pid"
	wait "$sp" 2>/dev/null
	if [ -n "$pid" ] && grep -q -- '-init/merged' /proc/self/mountinfo; then
		ok "create killed while making the init layer: it is left mounted, unrecorded"
		check "create killed while making the init layer: the next create works" \
			$B run --name init-again bb-init true
		upper=$($B inspect -f '{{.GraphDriver.Data.UpperDir}}' init-again)
		expect_eq "create killed while making the init layer: made again whole (a container's layer stays empty)" \
			"" "$(find "$upper" -mindepth 1 2>&1)"
		$B rm init-again >/dev/null
		expect_eq "create killed while making the init layer: nothing left mounted" "" \
			"$(grep -- '-init/merged' /proc/self/mountinfo)"
		expect_eq "create killed while making the init layer: no orphans" "" "$(orphans)"
	else
		not_ok "create killed while making the init layer" "strace never held the create in the init layer's mount"
	fi
	$B rmi bb-init >/dev/null 2>&1
else
	skip "create killed half-way" "strace is not installed"
fi

# ---- SIGKILL of the CLI during run -d: the container is whole (created or running) or absent ----
for d in 0.05 0.1 0.2 0.4; do
	$B run -d --name cli-killed bb sleep 424242 >/dev/null 2>&1 &
	sleep "$d"
	kill -9 $! 2>/dev/null
	wait 2>/dev/null
	st=$($B inspect -f '{{.State.Status}}' cli-killed 2>/dev/null)
	case "$st" in
	""|created|running) ok "run -d killed after ${d}s: container is '${st:-absent}'" ;;
	*) not_ok "run -d killed after ${d}s: container is whole" "state: $st" ;;
	esac
	id=$($B inspect -f '{{.Id}}' cli-killed 2>/dev/null)
	$B rm -f cli-killed >/dev/null 2>&1
	[ -n "$id" ] && expect_eq "run -d killed after ${d}s: rm -f leaves nothing" "" "$(leftovers "$id")"
done
$B ps -a >/dev/null
expect_eq "runs killed half-way: no orphans" "" "$(orphans)"

# ---- a monitor SIGKILLed: the next berth records the exit and acts on it as Docker's daemon ----
$B run -d --name pol-always --restart always bb sleep 424242 >/dev/null
$B run -d --name pol-none bb sleep 424242 >/dev/null
rm_id=$($B run -d --rm bb sleep 424242)
for c in pol-always pol-none "$rm_id"; do kill -9 "$(monitor_of "$c")"; done
sleep 0.3
expect_eq "monitor killed, no policy: exited 137 with the reason" "exited 137 the container's monitor died" \
	"$($B inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' pol-none)"
expect_eq "monitor killed, --restart always: restarted once" "running 1" \
	"$($B inspect -f '{{.State.Status}} {{.RestartCount}}' pol-always)"
check "monitor killed, --restart always: a new monitor supervises it" test -n "$(monitor_of pol-always)"
check "monitor killed, --restart always: the container works" $B exec pol-always true
check_fails "monitor killed, --rm: the container is removed" $B inspect "$rm_id"
expect_eq "monitor killed, --rm: nothing left" "" "$(leftovers "$rm_id")"
for c in pol-always pol-none; do
	id=$($B inspect -f '{{.Id}}' $c)
	$B rm -f $c >/dev/null
	expect_eq "rm of $c leaves nothing" "" "$(leftovers "$id")"
done

# ---- SIGKILL of the container's init: its monitor records it ----
$B run -d --name init-killed bb sleep 424242 >/dev/null
kill -9 "$($B inspect -f '{{.State.Pid}}' init-killed)"
$B wait init-killed >/dev/null
expect_eq "init SIGKILLed: exited 137" "exited 137" "$($B inspect -f '{{.State.Status}} {{.State.ExitCode}}' init-killed)"
$B rm init-killed >/dev/null

# ---- restart of a --rm container keeps it (Docker's daemon lifts AutoRemove for the stop) ----
rid=$($B run -d --rm bb sleep 424242)
check "restart of a --rm container" $B restart -t 0 "$rid"
expect_eq "restart of a --rm container: it runs again" "running" "$($B inspect -f '{{.State.Status}}' "$rid" 2>&1)"
$B stop -t 0 "$rid" >/dev/null 2>&1
check_fails "a --rm container stopped after its restart is removed" $B inspect "$rid"

expect_eq "no orphans at the end" "" "$(orphans)"
expect_eq "no container process left" "" "$(instance_pgrep 'sleep 424242')"
finish
