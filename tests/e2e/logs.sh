#!/bin/bash
# End-to-end tests of the `logs` command's output (needs root): stdout and stderr lines in time
# order through a pipe, --details, -t (RFC3339NanoFixed), and a missing container, as dockerd
# 20.10.24 with its CLI prints them. The drivers themselves are tested in logging.sh.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "logs e2e" "needs root"; finish; }
have_busybox || { skip "logs e2e" "no /bin/busybox"; finish; }
new_instance logs
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"
import_busybox bb:lg >/dev/null || { not_ok "import busybox"; finish; }

for drv in json-file local; do
	$B run --name "mix-$drv" --log-driver "$drv" bb:lg sh -c \
		'i=0; while [ $i -lt 4 ]; do echo "line $i"; echo "err $i" >&2; i=$((i+1)); sleep 0.05; done' >/dev/null 2>&1
	expect_eq "logs 2>&1 | cat keeps stdout and stderr in time order ($drv)" \
		"line 0 err 0 line 1 err 1 line 2 err 2 line 3 err 3" "$(echo $($B logs "mix-$drv" 2>&1 | cat))"
	expect_eq "logs --tail 4 2>&1 | cat in time order ($drv)" "line 2 err 2 line 3 err 3" \
		"$(echo $($B logs --tail 4 "mix-$drv" 2>&1 | cat))"
done
expect_eq "logs keeps the streams apart" "line 0 line 1 line 2 line 3" "$(echo $($B logs mix-json-file 2>/dev/null))"
expect_eq "logs --details: a space where the attributes go" "$(printf ' line 3\n err 3')" \
	"$($B logs --details --tail 2 mix-json-file 2>&1 | cat)"
expect_match "logs -t: nine digits of fraction (RFC3339NanoFixed)" \
	'^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{9}Z line 3$' \
	"$($B logs -t --tail 2 mix-json-file 2>/dev/null)"
expect_match "logs -t --details" '^[0-9TZ:.-]{30}  err 3$' "$($B logs -t --details --tail 1 mix-json-file 2>&1)"

out=$($B logs nosuch 2>&1); rc=$?
expect_eq "logs of a missing container: Docker 20.10's text, rc=1" "Error: No such container: nosuch rc=1" "$out rc=$rc"
finish
