#!/bin/bash
# End-to-end tests of `berth restart` (needs root): stop with the stop signal and -t/--time, then
# start; several containers; a stopped or paused one; errors as dockerd 20.10.24 gives them.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "restart e2e" "needs root"; finish; }
have_busybox || { skip "restart e2e" "no /bin/busybox"; finish; }
new_instance restart
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"
import_busybox bb:rs >/dev/null || { not_ok "import busybox"; finish; }

state() { $B inspect -f '{{.State.Status}} {{.State.Pid}} {{.State.StartedAt}}' "$1"; }

$B run -d --name trap1 bb:rs sh -c 'trap "echo got TERM; exit 7" TERM; echo up; while :; do sleep 0.2; done' >/dev/null
before=$(state trap1)
out=$($B restart trap1 2>&1); rc=$?
expect_eq "restart prints the name, rc=0" "trap1 rc=0" "$out rc=$rc"
after=$(state trap1)
expect_match "restart: running again" "^running [1-9]" "$after"
[ "${before#* }" != "${after#* }" ] && ok "restart: a new pid and StartedAt" || not_ok "restart: a new pid and StartedAt" "$before" "$after"
sleep 0.3
expect_eq "restart: the stop signal reached the command, which ran again" "up got TERM up" "$(echo $($B logs trap1))"

# a container that ignores SIGTERM is killed after -t seconds
$B run -d --name hang bb:rs sh -c 'trap "" TERM; while :; do sleep 0.2; done' >/dev/null
pid0=$($B inspect -f '{{.State.Pid}}' hang)
t0=$(date +%s%N)
expect_eq "restart -t 1" "hang" "$($B restart -t 1 hang 2>&1)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 900 ] && [ "$ms" -lt 8000 ] && ok "restart -t 1 waits about a second before SIGKILL (${ms} ms)" || \
	not_ok "restart -t 1 waits about a second before SIGKILL" "${ms} ms"
[ "$($B inspect -f '{{.State.Pid}}' hang)" != "$pid0" ] && ok "restart -t 1: a new pid" || not_ok "restart -t 1: a new pid"
expect_eq "restart --time=0" "hang" "$($B restart --time=0 hang 2>&1)"
expect_eq "restart --time 1" "hang" "$($B restart --time 1 hang 2>&1)"
expect_match "restart --time: running" "^running " "$(state hang)"

# several at once, a stopped one, a paused one, and a missing one among them
$B create --name created1 bb:rs sleep 60 >/dev/null
$B run --name exited1 bb:rs sh -c 'echo ran; exit 3' >/dev/null
$B pause hang >/dev/null
out=$($B restart -t 1 trap1 created1 nosuch exited1 hang 2>&1); rc=$?
expect_eq "restart several: the names, then the missing one's error, rc=1" \
	"trap1 created1 exited1 hang Error response from daemon: No such container: nosuch rc=1" "$(echo $out) rc=$rc"
for c in trap1 created1 hang; do
	expect_match "restart several: $c running" "^running " "$(state $c)"
done
$B wait exited1 >/dev/null
expect_eq "restart of an exited container ran it again" "ran ran" "$(echo $($B logs exited1))"

out=$($B restart 2>&1); rc=$?
expect_eq "restart without a container: rc=125" 125 "$rc"
expect_match "restart without a container: Docker's text" '"berth restart" requires at least 1 argument' "$out"
out=$($B restart -t x hang 2>&1); rc=$?
expect_eq "restart -t x: rc=125" 125 "$rc"
expect_match "restart -t x: Docker's text" 'invalid argument "x" for "-t, --time" flag' "$out"

# ---- while a restart policy waits (back-off), Docker's inspect says Running and Restarting ----
$B run -d --name flap --restart always bb:rs false >/dev/null
st=""
for i in $(seq 1 60); do
	st=$($B inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Restarting}}' flap 2>&1)
	case "$st" in restarting*) break ;; esac
	sleep 0.05
done
expect_eq "restarting: Running and Restarting both true, as Docker's" "restarting true true" "$st"
$B rm -f flap >/dev/null
finish
