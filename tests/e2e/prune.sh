#!/bin/bash
# End-to-end tests of `container prune` and `volume prune` (needs root): their --filter values
# (Docker 20.10: label, label!, until for containers; label, label! for volumes), with the texts
# and exit codes dockerd 20.10.24 gives for bad ones. A prune must never remove what a filter spares.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "prune e2e" "needs root"; finish; }
have_busybox || { skip "prune e2e" "no /bin/busybox"; finish; }
new_instance prune
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"
import_busybox bb:pr >/dev/null || { not_ok "import busybox"; finish; }

names() { $B ps -a --format '{{.Names}}' | sort | tr '\n' ' ' | sed 's/ $//'; }
vols() { $B volume ls -q | sort | tr '\n' ' ' | sed 's/ $//'; }
# out_rc CMD...: "stdout+stderr rc=N" of a command
out_rc() { local o; o=$("$@" 2>&1); echo "$o rc=$?"; }

# ---- container prune ----
mk() { $B rm -f pa pb pab pnone prun >/dev/null 2>&1
	$B create --name pa -l a=1 bb:pr >/dev/null; $B create --name pb -l b=1 bb:pr >/dev/null
	$B create --name pab -l a=1 -l b=1 bb:pr >/dev/null; $B create --name pnone bb:pr >/dev/null
	$B run -d --name prun -l a=1 bb:pr sleep 60 >/dev/null; }

mk
$B container prune -f --filter label=a=1 >/dev/null
expect_eq "container prune label=a=1: only stopped ones labelled a=1" "pb pnone prun" "$(names)"
mk
$B container prune -f --filter label=nosuch >/dev/null
expect_eq "container prune label=nosuch removes nothing" "pa pab pb pnone prun" "$(names)"
mk
$B container prune -f --filter label=a --filter label=b >/dev/null
expect_eq "container prune: every label= must match" "pa pb pnone prun" "$(names)"
mk
$B container prune -f --filter 'label!=a' >/dev/null
expect_eq "container prune label!=a: spares what has a" "pa pab prun" "$(names)"
mk
$B container prune -f --filter 'label!=a' --filter 'label!=b' >/dev/null
expect_eq "container prune label!=a label!=b: spares only what has both (Docker's rule)" "pab prun" "$(names)"
mk
$B container prune -f --filter 'label!=a=2' >/dev/null
expect_eq "container prune label!=a=2" "prun" "$(names)"
mk
out=$($B container prune -f --filter until=1h)
expect_eq "container prune until=1h: nothing is an hour old" "pa pab pb pnone prun" "$(names)"
expect_eq "container prune: nothing deleted, Docker's report" "Total reclaimed space: 0B" "$out"
sleep 2   # a second of margin: the containers before must be older than 1s when prune runs, under load too
$B create --name pnew bb:pr >/dev/null
$B container prune -f --filter until=1s >/dev/null
expect_eq "container prune until=1s: only the older ones" "pnew prun" "$(names)"
$B rm -f pnew >/dev/null

mk
expect_eq "container prune bogus=1: Docker's refusal, rc=1" \
	"Error response from daemon: Invalid filter 'bogus' rc=1" "$(out_rc $B container prune -f --filter bogus=1)"
expect_eq "container prune until=bogus" \
	"Error response from daemon: failed to parse value as time or duration: \"bogus\" rc=1" \
	"$(out_rc $B container prune -f --filter until=bogus)"
expect_eq "container prune: two until" "Error response from daemon: more than one until filter specified rc=1" \
	"$(out_rc $B container prune -f --filter until=1h --filter until=2h)"
expect_eq "container prune: a refused filter removes nothing" "pa pab pb pnone prun" "$(names)"

$B run --name pw bb:pr sh -c 'head -c 5000 /dev/zero >/f' >/dev/null
out=$($B container prune -f --filter label!=a --filter label!=b)
expect_match "container prune lists what it deleted" "^Deleted Containers:" "$out"
expect_eq "container prune: the space is the writable layers' (5000 bytes written)" \
	"Total reclaimed space: 5kB" "$(tail -1 <<<"$out")"
$B rm -f prun >/dev/null

# ---- volume prune ----
mkv() { for v in $(vols); do $B volume rm -f "$v" >/dev/null; done
	$B volume create --label keep=1 pv1 >/dev/null; $B volume create pv2 >/dev/null
	$B volume create --label keep=2 pv3 >/dev/null; }
mkv
$B volume prune -f --filter label=keep=1 >/dev/null
expect_eq "volume prune label=keep=1" "pv2 pv3" "$(vols)"
mkv
$B volume prune -f --filter 'label!=keep' >/dev/null
expect_eq "volume prune label!=keep" "pv1 pv3" "$(vols)"
mkv
$B volume prune -f --filter label=keep >/dev/null
expect_eq "volume prune label=keep" "pv2" "$(vols)"
mkv
expect_eq "volume prune bogus=1: Docker's refusal, rc=1" \
	"Error response from daemon: Invalid filter 'bogus' rc=1" "$(out_rc $B volume prune -f --filter bogus=1)"
expect_eq "volume prune until= is not a volume filter in Docker 20.10" \
	"Error response from daemon: Invalid filter 'until' rc=1" "$(out_rc $B volume prune -f --filter until=1h)"
expect_eq "volume prune: a refused filter removes nothing" "pv1 pv2 pv3" "$(vols)"
$B create --name vu -v pv1:/x bb:pr >/dev/null
$B volume prune -f >/dev/null
expect_eq "volume prune keeps a volume in use" "pv1" "$(vols)"
$B rm -f vu >/dev/null
finish
