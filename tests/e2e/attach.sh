#!/bin/bash
# End-to-end checks of the detach keys of run/start/attach (needs root): typed on a pty, the
# sequence detaches the client and leaves the container running; a near miss does not.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "attach e2e" "needs root"; finish; }
have_busybox || { skip "attach e2e" "no /bin/busybox"; finish; }
command -v python3 >/dev/null || { skip "attach e2e" "no python3 for a pty"; finish; }
new_instance attach
import_busybox bb:at >/dev/null || { not_ok "import busybox"; finish; }
PTY="python3 $(dirname "$0")/pty_detach.py"
running() { $B inspect -f '{{.State.Running}}' "$1" 2>&1; }

at_exit "$B rm -f at1 at2 at3"
expect_eq "run -it: ctrl-p ctrl-q detaches with status 0" "EXIT 0" "$($PTY 1011 -- $B run -it --name at1 bb:at sh 2>/dev/null)"
expect_eq "run -it: the container keeps running after detaching" true "$(running at1)"
expect_eq "run --detach-keys ctrl-a,x" "EXIT 0" "$($PTY 0178 -- $B run -it --detach-keys ctrl-a,x --name at2 bb:at sh 2>/dev/null)"
expect_eq "run --detach-keys: still running" true "$(running at2)"
# Docker's attach ends a detach with its escape error, exit 1 (run -it and start -ai exit 0)
out=$($PTY 1011 -- $B attach at1 2>&1)
expect_match "attach: ctrl-p ctrl-q detaches with status 1" "EXIT 1" "$out"
expect_match "attach: Docker's 'read escape sequence'" "read escape sequence" "$out"
expect_eq "attach: still running" true "$(running at1)"
expect_eq "attach: ctrl-p then 'a' is typed, not a detach" "TIMEOUT" "$($PTY 1061 -- $B attach at1 2>/dev/null)"
expect_eq "attach --detach-keys ctrl-\\\\ (a single key)" "EXIT 1" "$($PTY 1c -- $B attach --detach-keys 'ctrl-\' at2 2>/dev/null)"
$B create -it --name at3 bb:at sh >/dev/null
expect_eq "start -ai: detach keys" "EXIT 0" "$($PTY 1011 -- $B start -ai at3 2>/dev/null)"
expect_eq "start -ai: still running" true "$(running at3)"
out=$($B run -i --detach-keys ctrl-zz bb:at sh 2>&1 </dev/null); rc=$?   # -it: the TTY check first
expect_eq "run: a bad --detach-keys exits 125" 125 "$rc"
expect_match "run: Docker's message for bad detach keys" "Invalid detach keys \(ctrl-zz\) provided" "$out"
out=$($B attach --no-stdin --detach-keys bad at1 2>&1)
expect_match "attach: Docker's message for bad detach keys" "Invalid detach keys \(bad\) provided" "$out"

# exec -it: the detach keys leave the program running under its supervisor (Docker: exit 1,
# "read escape sequence"); the program is not a child of any berth command
out=$($PTY 1011 -- $B exec -it at1 /bin/ash 2>&1)
expect_match "exec -it: ctrl-p ctrl-q detaches with status 1" "EXIT 1" "$out"
expect_match "exec -it: Docker's 'read escape sequence'" "read escape sequence" "$out"
expect_match "exec -it: the program is still running after the detach" "/bin/ash" "$($B top at1)"
sup=$(pgrep -f "exec -it at1 /bin/ash" | head -1)
if [ -n "$sup" ]; then
	expect_eq "exec -it: its supervisor has let go of the terminal" "/dev/null" "$(readlink /proc/$sup/fd/0)"
	expect_eq "exec -it: its supervisor is outside the container's cgroup" "" \
		"$(grep -l "$($B inspect -f '{{.Id}}' at1)" /proc/$sup/cgroup 2>/dev/null)"
else
	not_ok "exec -it: a supervisor holds the detached program's terminal" "no process found"
fi
expect_eq "exec -it --detach-keys ctrl-a,x" "EXIT 1" "$($PTY 0178 -- $B exec -it --detach-keys ctrl-a,x at1 sh 2>/dev/null)"
expect_eq "exec -it: ctrl-p then 'a' is typed, not a detach" "TIMEOUT" "$($PTY 1061 -- $B exec -it at1 sh 2>/dev/null)"
out=$(printf 'echo a\n\020\021echo b\n' | $B exec -i at1 sh 2>&1); rc=$?
expect_eq "exec -i without -t: the keys are input, not a detach (as Docker)" "127" "$rc"
expect_match "exec -i without -t: what came before ran" "^a" "$out"
$B stop -t 1 at1 >/dev/null
expect_eq "exec -it: the detached program ends with its container" "" "$(pgrep -f "exec -it at1 /bin/ash")"
$B start at1 >/dev/null

# exec -dt: a terminal nobody reads, drained by the supervisor until the program exits
$B exec -dt at2 sh -c 'tty >/tmp/tty; yes | head -c 300000; touch /tmp/done'
for i in $(seq 50); do $B exec at2 test -e /tmp/done && break; sleep 0.2; done
expect_match "exec -dt: the program has a terminal and is never blocked on it" "^/dev/pts/[0-9]+ done$" \
	"$($B exec at2 sh -c 'echo $(cat /tmp/tty) $(ls /tmp/done 2>/dev/null | sed s,/tmp/,,)')"

# config.json's detachKeys when --detach-keys is not given: berth's own file, else Docker's
mkdir -p "$E2E_TMP/dkconf" "$E2E_TMP/bconf"
echo '{"detachKeys": "ctrl-a,x"}' >"$E2E_TMP/dkconf/config.json"
echo '{}' >"$E2E_TMP/bconf/config.json"
export DOCKER_CONFIG=$E2E_TMP/dkconf BERTH_CONFIG_DIR=$E2E_TMP/bconf
expect_eq "config.json detachKeys: exec -it" "EXIT 1" "$($PTY 0178 -- $B exec -it at2 sh 2>/dev/null)"
expect_eq "config.json detachKeys: attach" "EXIT 1" "$($PTY 0178 -- $B attach at2 2>/dev/null)"
expect_eq "config.json detachKeys: ctrl-p ctrl-q no longer detaches" "TIMEOUT" "$($PTY 1011 -- $B attach at2 2>/dev/null)"
echo '{"detachKeys": "ctrl-b"}' >"$E2E_TMP/bconf/config.json"
expect_eq "config.json detachKeys: berth's own file first" "EXIT 0" "$($PTY 02 -- $B run -it --name at4 bb:at sh 2>/dev/null)"
$B create -it --name at5 bb:at sh >/dev/null
expect_eq "config.json detachKeys: the flag wins" "EXIT 0" "$($PTY 1011 -- $B start -ai --detach-keys ctrl-p,ctrl-q at5 2>/dev/null)"
unset DOCKER_CONFIG BERTH_CONFIG_DIR
at_exit "$B rm -f at4 at5"

# The end of a client's stdin (Docker's CopyStreams): it closes the container's stdin only with
# StdinOnce (run -i, start -ai of create -i); else the container keeps reading, and that client
# gets no more output but still waits for the exit code
T="timeout -s KILL 20"
$B run -d -i --name at6 bb:at sh -c 'read a; read b; echo "$a $b"; exit 3' >/dev/null
at_exit "$B rm -f at6 at7 at8 at9 at10 at11 at12"
echo one | $T $B attach at6 >"$E2E_TMP/at6.out" 2>&1 &
first=$!
sleep 1
expect_eq "attach to run -d -i: the container's stdin stays open after the client's EOF" true "$(running at6)"
out=$( (echo two; sleep 1) | $T $B attach at6 2>&1); rc=$?
expect_eq "attach to run -d -i: a second attach feeds the same stdin" "one two|3" "$out|$rc"
wait $first; rc=$?
expect_eq "attach: after its EOF a client waits for the exit, without the output" "|3" "$(cat "$E2E_TMP/at6.out")|$rc"
out=$(echo one | $T $B run -i --rm bb:at sh -c 'cat; sleep 0.5; echo after' 2>&1)
expect_eq "run -i: EOF closes the container's stdin, the output goes on" "one after" "$(echo $out)"
$B create -i --name at7 bb:at sh -c 'cat; sleep 0.5; echo after' >/dev/null
expect_eq "start -ai of create -i: the same" "one after" "$(echo $(echo one | $T $B start -ai at7 2>&1))"
# a client that goes away without an EOF (SIGKILL) ends its stdin all the same (Docker's copy of
# it ends with the connection): a StdinOnce container sees EOF, another one keeps its stdin
fifo=$E2E_TMP/at-fifo; mkfifo "$fifo"
sleep 30 >"$fifo" &
holder=$!
$B run -i --name at15 bb:at sh -c 'cat; echo "cat ended"; exit 5' <"$fifo" >/dev/null 2>&1 &
client=$!
at_exit "$B rm -f at15 at16; kill $holder 2>/dev/null"
for _ in $(seq 50); do [ "$(running at15)" = true ] && break; sleep 0.1; done
sleep 0.3
kill -9 $client; wait $client 2>/dev/null
out=$($T $B wait at15 2>&1)
expect_eq "run -i, client killed: the StdinOnce container's stdin ends (cat exits)" 5 "$out"
expect_match "run -i, client killed: the container ran on to its end" "cat ended" "$($B logs at15 2>&1)"
# ... also when it is killed during the start, before it pumps anything: stopped as soon as the
# monitor is forked (its log made), killed once the container runs
cat >"$E2E_TMP/stop_in_start.py" <<'PY'
import os, signal, subprocess, sys, time
cdir, stdin, cmd = sys.argv[1] + "/containers", sys.argv[2], sys.argv[3:]
ls = lambda: os.listdir(cdir) if os.path.isdir(cdir) else []
before = set(ls())
p = subprocess.Popen(cmd, stdin=open(stdin), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
end = time.time() + 20
while time.time() < end and not any(d not in before and os.path.exists(cdir + "/" + d + "/monitor.log")
                                    for d in ls()):
    pass
p.send_signal(signal.SIGSTOP)
print(p.pid)
PY
client=$(python3 "$E2E_TMP/stop_in_start.py" "$INSTANCE_DIR/root" "$fifo" \
	$B run -i --name at17 bb:at sh -c 'cat; echo "cat ended"; exit 7')
at_exit "$B rm -f at17"
for _ in $(seq 50); do [ "$(running at17)" = true ] && break; sleep 0.1; done
kill -9 $client
out=$($T $B wait at17 2>&1)
expect_eq "run -i, client killed during the start: the StdinOnce container's stdin ends" 7 "$out"
$B run -d -i --name at16 bb:at sh -c 'cat; exit 6' >/dev/null
$B attach at16 <"$fifo" >/dev/null 2>&1 &
client=$!
sleep 1
kill -9 $client; wait $client 2>/dev/null
sleep 0.5
expect_eq "attach to run -d -i, client killed: the container keeps its stdin" true "$(running at16)"
kill $holder 2>/dev/null

# a tty: the container's stdin stays open, the client's output ends (start -ai has no TTY check)
$B create -it --name at8 bb:at sh -c 'sleep 1; echo hi; exit 4' >/dev/null
out=$($T $B start -ai at8 </dev/null 2>&1); rc=$?
expect_eq "start -ai of a tty container from /dev/null: no output after the EOF, its exit code" "|4" "$out|$rc"

# the attach socket is bound before the command may run: a start that cannot bind it runs nothing
mkdir -p "$E2E_TMP/mark"
id=$($B create -v "$E2E_TMP/mark:/m" bb:at touch /m/ran)
at_exit "$B rm -f $id"
touch "$INSTANCE_DIR/exec/containers/$id"   # where its run directory goes
out=$($B start $id 2>&1); rc=$?
expect_match "no attach socket: the start fails, exit 1" "^1 Error response from daemon: .*$id: Not a directory" "$rc $out"
expect_eq "no attach socket: nothing of the command ran; created, the error recorded" "|created 128" \
	"$(ls "$E2E_TMP/mark")|$($B inspect -f '{{.State.Status}} {{.State.ExitCode}}' $id 2>&1)"
rm "$INSTANCE_DIR/exec/containers/$id"
check "with its run directory back, it starts" $B start -a $id
expect_eq "and the command ran" ran "$(ls "$E2E_TMP/mark")"
$B rm -f $id >/dev/null

# Docker's CLI refuses to attach where nothing runs: exit 1, its texts without "berth: "
$B create --name at9 bb:at true >/dev/null
STOPPED="You cannot attach to a stopped container, start it first"
out=$($B attach at9 2>&1); rc=$?
expect_eq "attach to a created container" "$STOPPED|1" "$out|$rc"
$B start at9 >/dev/null; $B wait at9 >/dev/null
out=$($B attach --no-stdin at9 2>&1); rc=$?
expect_eq "attach to an exited container" "$STOPPED|1" "$out|$rc"
$B run -d --name at10 bb:at sleep 60 >/dev/null; $B pause at10 >/dev/null
out=$($B attach at10 </dev/null 2>&1); rc=$?
expect_eq "attach to a paused container" "You cannot attach to a paused container, unpause it first|1" "$out|$rc"
$B unpause at10 >/dev/null
out=$($B attach at-nosuch 2>&1); rc=$?
expect_eq "attach to a missing container" "Error response from daemon: No such container: at-nosuch|1" "$out|$rc"
$B run -d --restart always --name at11 bb:at false >/dev/null
for i in $(seq 50); do [ "$(running at11)" = false ] && [ "$($B inspect -f '{{.State.Status}}' at11)" = restarting ] && break; sleep 0.2; done
out=$($T $B attach at11 </dev/null 2>&1); rc=$?
expect_eq "attach to a restarting container" "You cannot attach to a restarting container, wait until it is running|1" "$out|$rc"
$B rm -f at11 >/dev/null

# A tty container's stdin needs a terminal: Docker's CLI fails before anything is made
out=$($T $B run -it --name at12 bb:at true </dev/null 2>&1); rc=$?
expect_eq "run -it from /dev/null: Docker's message, exit 1" "the input device is not a TTY|1" "$out|$rc"
check_fails "run -it from /dev/null: no container is left" $B inspect at12
out=$($T $B run -t -a stdin bb:at true </dev/null 2>&1); rc=$?
expect_eq "run -t -a stdin from /dev/null: the same" "the input device is not a TTY|1" "$out|$rc"
expect_eq "run -t without stdin needs no terminal" "hi" "$($T $B run -t --rm bb:at echo hi </dev/null | tr -d '\r')"
expect_eq "run -dit needs no terminal" true "$($B run -dit --name at12 bb:at sh >/dev/null </dev/null && running at12)"
out=$($T $B attach at12 </dev/null 2>&1); rc=$?
expect_eq "attach to a tty container from /dev/null" "the input device is not a TTY|1" "$out|$rc"
$B run -td --name at13 bb:at sh -c 'sleep 1; echo bye' >/dev/null
at_exit "$B rm -f at13"
out=$($T $B attach --no-stdin at13 </dev/null 2>&1); rc=$?
expect_eq "attach --no-stdin to a tty container needs no terminal" "bye|0" "$(echo $out | tr -d '\r')|$rc"

out=$($B exec --detach-keys ctrl-1 at1 true 2>&1)
expect_match "exec: Docker's message for bad detach keys" "Invalid escape keys \(ctrl-1\) provided" "$out"
# sig-proxy: an attached client without a tty forwards the signals it gets to the container's
# init (Docker's ForwardAllSignals), USR1 as well as TERM; --sig-proxy=false and a tty do not
wait_line() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
SP=$(mktemp -d)
at_exit "rm -rf $SP"
at_exit "$B rm -f sp1 sp2 sp3 sp4"
TRAP='trap "echo got-usr1; exit 7" USR1; trap "echo got-term; exit 8" TERM; echo ready; while :; do sleep 0.1; done'
$B run --name sp1 bb:at sh -c "$TRAP" >"$SP/1" 2>&1 &
bp=$!
wait_line "$SP/1" ready
kill -USR1 $bp
wait $bp; rc=$?
expect_eq "sig-proxy: run forwards USR1 to the container" "got-usr1|7" "$(grep got "$SP/1")|$rc"
$B create --name sp2 bb:at sh -c "$TRAP" >/dev/null
$B start -a sp2 >"$SP/2" 2>&1 &
bp=$!
wait_line "$SP/2" ready
kill -TERM $bp
wait $bp; rc=$?
expect_eq "sig-proxy: start -a forwards TERM" "got-term|8" "$(grep got "$SP/2")|$rc"
$B run --sig-proxy=false --name sp3 bb:at sh -c "$TRAP" >"$SP/3" 2>&1 &
bp=$!
wait_line "$SP/3" ready
kill -USR1 $bp
{ wait $bp; } 2>/dev/null; rc=$?
sleep 0.3
expect_eq "--sig-proxy=false: USR1 ends berth, not the container" "138|true|" \
	"$rc|$(running sp3)|$($B logs sp3 | grep got)"
$B attach sp3 >"$SP/3a" 2>&1 &
bp=$!
sleep 0.5
kill -USR1 $bp
wait $bp; rc=$?
expect_eq "attach forwards USR1" "7|got-usr1" "$rc|$(grep got "$SP/3a")"
$B run -t --name sp4 bb:at sh -c "$TRAP" >"$SP/4" 2>&1 </dev/null &
bp=$!
wait_line "$SP/4" ready
kill -TERM $bp
{ wait $bp; } 2>/dev/null; rc=$?
sleep 0.3
expect_eq "sig-proxy: none with a tty (Docker's CLI), the container runs on" "143|true" "$rc|$(running sp4)"
finish
