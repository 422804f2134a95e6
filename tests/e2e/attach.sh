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
expect_eq "attach: ctrl-p ctrl-q detaches" "EXIT 0" "$($PTY 1011 -- $B attach at1 2>/dev/null)"
expect_eq "attach: still running" true "$(running at1)"
expect_eq "attach: ctrl-p then 'a' is typed, not a detach" "TIMEOUT" "$($PTY 1061 -- $B attach at1 2>/dev/null)"
expect_eq "attach --detach-keys ctrl-\\\\ (a single key)" "EXIT 0" "$($PTY 1c -- $B attach --detach-keys 'ctrl-\' at2 2>/dev/null)"
$B create -it --name at3 bb:at sh >/dev/null
expect_eq "start -ai: detach keys" "EXIT 0" "$($PTY 1011 -- $B start -ai at3 2>/dev/null)"
expect_eq "start -ai: still running" true "$(running at3)"
out=$($B run -it --detach-keys ctrl-zz bb:at sh 2>&1); rc=$?
expect_eq "run: a bad --detach-keys exits 125" 125 "$rc"
expect_match "run: Docker's message for bad detach keys" "Invalid detach keys \(ctrl-zz\) provided" "$out"
out=$($B attach --detach-keys bad at1 2>&1)
expect_match "attach: Docker's message for bad detach keys" "Invalid detach keys \(bad\) provided" "$out"
out=$($B exec --detach-keys ctrl-1 at1 true 2>&1)
expect_match "exec: Docker's message for bad detach keys" "Invalid escape keys \(ctrl-1\) provided" "$out"
finish
