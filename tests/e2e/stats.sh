#!/bin/bash
# End-to-end checks of `berth stats` (needs root): numbers come from the container's cgroup.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "stats e2e" "needs root"; finish; }
have_busybox || { skip "stats e2e" "no /bin/busybox"; finish; }
new_instance stats
import_busybox bb:st >/dev/null || { not_ok "import busybox"; finish; }

busy=$($B run -d --name st-busy -m 64m bb:st sh -c 'while :; do :; done')
at_exit "$B rm -f $busy"
fat=$($B run -d --name st-fat bb:st sh -c 'x=$(head -c 30000000 /dev/zero | tr "\0" a); echo held; while :; do sleep 1; done')
at_exit "$B rm -f $fat"
$B create --name st-created bb:st true >/dev/null
at_exit "$B rm -f st-created"
# the fat one is "sleeping" only once it holds its 30 MB: on a loaded machine that takes seconds
for _ in $(seq 100); do $B logs st-fat 2>/dev/null | grep -q held && break; sleep 0.2; done
sleep 1.5
t0=$(date +%s%N)
out=$($B stats --no-stream 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_match "stats: Docker's header" "^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$" "$(head -1 <<<"$out")"
# a behaviour, not a speed: two samples a second apart (how long beyond that depends on the load)
[ "$ms" -ge 1000 ] && ok "stats --no-stream takes one second of sampling (${ms} ms)" || not_ok "stats --no-stream samples for a second" "${ms} ms"
busy_row=$(grep ' st-busy ' <<<"$out")
# one core's worth when the machine is idle; other work on these 2 cores (a parallel build, the
# rest of the suite) takes its share, so the check is "clearly busy", not "100%"
expect_match "stats: a busy loop shows as busy CPU" "^${busy:0:12} +st-busy +([3-9][0-9]|1[01][0-9])\.[0-9]{2}% " "$busy_row"
expect_match "stats: -m 64m is the memory limit" " / 64MiB +[0-9.]+% " "$busy_row"
expect_match "stats: PIDS from pids.current" " 1$" "$busy_row"
fat_row=$(grep ' st-fat ' <<<"$out")
expect_match "stats: a sleeping container shows (almost) no CPU" "^${fat:0:12} +st-fat +[0-9]\.[0-9]{2}% " "$fat_row"
expect_match "stats: memory usage from the cgroup (30 MB held)" " (2[89]|3[0-9]|[4-9][0-9])\.?[0-9]*MiB / [0-9.]+GiB " "$fat_row"
check_fails "stats: stopped containers only with -a" grep -q st-created <<<"$out"
expect_match "stats -a lists the created container with zeros" "st-created +0\.00% +0B / 0B +0\.00% +0B / 0B +0B / 0B +0$" \
	"$($B stats --no-stream -a 2>&1)"
expect_eq "stats --format --no-trunc" "$busy st-busy 1" "$($B stats --no-stream --no-trunc --format '{{.ID}} {{.Name}} {{.PIDs}}' st-busy 2>&1)"
expect_eq "stats --format .Container is the name given" "st-fat" "$($B stats --no-stream --format '{{.Container}}' st-fat 2>&1)"
out=$($B stats --no-stream no-such 2>&1); rc=$?
expect_eq "stats of a missing container exits 1" 1 "$rc"
expect_match "stats of a missing container: Docker's message" "No such container: no-such" "$out"
n=$(timeout 2.6 $B stats st-busy 2>&1 | grep -c '^CONTAINER ID')
expect_eq "stats streams a table a second without a TTY" 2 "$n"
finish
