#!/bin/bash
# End-to-end tests of how container commands fail (needs root): the texts and exit codes of top,
# pause/unpause, rename, port, rm, stop, kill and wait as dockerd 20.10.24 with its CLI gives them
# (no "berth: " prefix where Docker prints "Error response from daemon:" or "Error:"), and top's
# table (ps's output re-aligned with docker/cli's tabwriter: minimum width 20, padding 3).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "container errors e2e" "needs root"; finish; }
have_busybox || { skip "container errors e2e" "no /bin/busybox"; finish; }
command -v ps >/dev/null || { skip "container errors e2e" "no ps (procps) on the host"; finish; }
new_instance cerr
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"
import_busybox bb:ce >/dev/null || { not_ok "import busybox"; finish; }

# out_rc CMD...: "stdout+stderr rc=N" with the lines joined by spaces
out_rc() { local o rc; o=$("$@" 2>&1); rc=$?; echo "$(printf '%s' "$o" | tr '\n' ' ') rc=$rc"; }

run_id=$($B run -d --name up bb:ce sleep 302)
stopped_id=$($B create --name down bb:ce)

# ---- top ----
pid=$($B inspect -f '{{.State.Pid}}' up)
out=$($B top up)
expect_match "top: -ef's titles, 20 columns wide" "^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD$" "$(head -1 <<<"$out")"
expect_match "top: the container's process" "^root +$pid +[0-9]+ .* sleep 302$" "$(tail -1 <<<"$out")"
expect_eq "top -o pid,comm: aligned as Docker" "$(printf 'PID                 COMMAND\n%-20ssleep' "$pid")" "$($B top up -o pid,comm)"
expect_eq "top -o pid=PID" "$(printf 'PID\n%s' "$pid")" "$($B top up -o pid=PID)"
expect_eq "top of a stopped container: rc=1" "Error response from daemon: Container $stopped_id is not running rc=1" "$(out_rc $B top down)"
expect_eq "top of a missing container: rc=1" "Error response from daemon: No such container: nosuch rc=1" "$(out_rc $B top nosuch)"
expect_eq "top -o user=PID is refused" 'Error response from daemon: specifying "user=PID" is not allowed rc=1' "$(out_rc $B top up -o user=PID)"
expect_eq "top without a PID column" "Error response from daemon: Couldn't find PID field in ps output rc=1" "$(out_rc $B top up -o comm)"
expect_eq "top with an option ps refuses: its first line" "Error response from daemon: ps: error: unknown gnu long option rc=1" \
	"$(out_rc $B top up --bogus)"

# ---- pause, unpause ----
$B pause up >/dev/null
expect_eq "pause of a paused container" "Error response from daemon: Container $run_id is already paused rc=1" "$(out_rc $B pause up)"
$B unpause up >/dev/null
expect_eq "unpause of a running container" "Error response from daemon: Container $run_id is not paused rc=1" "$(out_rc $B unpause up)"
expect_eq "pause of a stopped container" "Error response from daemon: Container $stopped_id is not running rc=1" "$(out_rc $B pause down)"
expect_eq "pause of a missing container" "Error response from daemon: No such container: nosuch rc=1" "$(out_rc $B pause nosuch)"

# ---- rename ----
expect_eq "rename to a name in use" "Error response from daemon: Error when allocating new name: Conflict. The container name \"/up\" is already in use by container \"$run_id\". You have to remove (or rename) that container to be able to reuse that name. Error: failed to rename container named down rc=1" \
	"$(out_rc $B rename down up)"
expect_eq "rename of a missing container" "Error response from daemon: No such container: nosuch Error: failed to rename container named nosuch rc=1" \
	"$(out_rc $B rename nosuch x1)"
expect_eq "rename to the same name" "Error response from daemon: Renaming a container with the same name as its current name Error: failed to rename container named down rc=1" \
	"$(out_rc $B rename down down)"
expect_eq "rename to an invalid name" "Error response from daemon: Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed Error: failed to rename container named down rc=1" \
	"$(out_rc $B rename down 'bad name')"
expect_eq "rename to an empty name" "Error: Neither old nor new names may be empty rc=1" "$(out_rc $B rename down '')"
expect_eq "rename trims spaces" " rc=0" "$(out_rc $B rename down ' down2 ')"
expect_eq "rename: the new name" "down2" "$($B inspect -f '{{.Name}}' "$stopped_id" | sed 's|^/||')"
$B rename down2 down >/dev/null

# ---- port ----
expect_eq "port of an unpublished port names its protocol" "Error: No public port '80/tcp' published for down rc=1" "$(out_rc $B port down 80)"
expect_eq "port of a missing container" "Error: No such container: nosuch rc=1" "$(out_rc $B port nosuch)"

# ---- rm, stop, kill, wait: the names first, the failures after them ----
$B create --name gone bb:ce >/dev/null
expect_eq "rm: the CLI's not-found text, after the names" "gone Error: No such container: nosuch rc=1" "$(out_rc $B rm nosuch gone)"
expect_eq "rm -f of a missing container: mentioned, exit 0" "Error: No such container: nosuch rc=0" "$(out_rc $B rm -f nosuch)"
expect_eq "stop: the names, then the failures" "down Error response from daemon: No such container: nosuch rc=1" "$(out_rc $B stop nosuch down)"
expect_eq "kill: the names, then the failures" "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch Error response from daemon: Cannot kill container: down: Container $stopped_id is not running rc=1" \
	"$(out_rc $B kill nosuch down)"
expect_eq "wait: the codes, then the failures" "0 Error response from daemon: No such container: nosuch rc=1" "$(out_rc $B wait nosuch down)"
finish
