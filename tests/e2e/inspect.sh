#!/bin/bash
# End-to-end checks of the top-level `berth inspect` (containers, images, volumes) (needs root).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "inspect e2e" "needs root"; finish; }
have_busybox || { skip "inspect e2e" "no /bin/busybox"; finish; }
new_instance inspect
import_busybox bb:insp >/dev/null || { not_ok "import busybox"; finish; }
at_exit "$B rm -f ic1"
$B create --name ic1 bb:insp true >/dev/null
$B volume create iv1 >/dev/null

out=$($B inspect -f '{{.Name}}' ic1); expect_eq "container found" "/ic1" "$out"
out=$($B inspect -f '{{.RepoTags}}' bb:insp); expect_eq "image found" "[bb:insp]" "$out"
out=$($B inspect -f '{{.Name}} {{.Driver}}' iv1); expect_eq "volume found" "iv1 local" "$out"
out=$($B inspect ic1 bb:insp iv1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "one JSON array of all objects" 3 "$out"
out=$($B inspect ic1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Args"])')
expect_eq "empty Args is a JSON array" "[]" "$out"
out=$($B inspect -f '{{.Name}}' ic1 nosuchthing 2>"$E2E_TMP/err"); rc=$?
expect_eq "missing name: exit 1" 1 "$rc"
expect_eq "missing name: found ones still printed" "/ic1" "$out"
expect_eq "missing name: Docker's message" "Error: No such object: nosuchthing" "$(cat "$E2E_TMP/err")"
$B inspect --type volume ic1 >/dev/null 2>"$E2E_TMP/err"; rc=$?
expect_eq "--type volume skips containers" "1 Error: No such volume: ic1" "$rc $(cat "$E2E_TMP/err")"
out=$($B inspect --type container -f '{{.Name}}' ic1); expect_eq "--type container" "/ic1" "$out"
$B inspect --type bogus ic1 >/dev/null 2>&1; expect_eq "--type bogus fails" 1 $?
$B run --name ic2 bb:insp sh -c 'dd if=/dev/zero of=/f bs=1k count=100 2>/dev/null'
at_exit "$B rm -f ic2"
out=$($B inspect -s -f '{{.SizeRw}}' ic2); expect_eq "-s gives SizeRw" 102400 "$out"
out=$($B inspect -s -f '{{if gt .SizeRootFs .SizeRw}}bigger{{end}}' ic2); expect_eq "-s SizeRootFs includes the image" bigger "$out"
out=$($B inspect -f '{{.SizeRw}}' ic2); expect_eq "no -s, no SizeRw" "<no value>" "$out"
finish
