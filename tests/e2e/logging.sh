#!/bin/bash
# End-to-end checks of the logging drivers (needs root): syslog, local, and the compression of
# rotated files (local by default, json-file with compress=true) as Docker's.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "logging e2e" "needs root"; finish; }
have_busybox || { skip "logging e2e" "no /bin/busybox"; finish; }
command -v python3 >/dev/null || { skip "logging e2e" "no python3 for a syslog listener"; finish; }
new_instance logging
import_busybox bb:log >/dev/null || { not_ok "import busybox"; finish; }

# a UDP and a TCP syslog listener on 127.0.0.1 that write what they get to files
listen() { # proto file -> prints the port
	python3 - "$1" "$2" >/dev/null 2>&1 <<'PY' &
import socket, sys
proto, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
open(out + ".port", "w").write(str(s.getsockname()[1]))
if proto == "tcp":
    s.listen(1); s, _ = s.accept()
with open(out, "ab", buffering=0) as f:
    while True:
        d = s.recv(65536) if proto == "tcp" else s.recvfrom(65536)[0]
        if not d: break
        f.write(d if proto == "tcp" else d + b"\n")
PY
	echo $! >"$2.pid"
	for i in $(seq 50); do [ -s "$2.port" ] && break; sleep 0.1; done
	cat "$2.port"
}
U=$(listen udp "$E2E_TMP/udp.log")
at_exit "kill $(cat "$E2E_TMP/udp.log.pid")"
id=$($B run -d --log-driver syslog --log-opt syslog-address=udp://127.0.0.1:$U bb:log sh -c 'echo out-line; echo err-line >&2')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null; sleep 0.3
got=$(cat "$E2E_TMP/udp.log")
expect_match "syslog udp rfc3164: stdout is daemon.info" "^<30>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} ${id:0:12}\[[0-9]+\]: out-line$" "$(grep out-line <<<"$got")"
expect_match "syslog udp rfc3164: stderr is daemon.err" "^<27>.* ${id:0:12}\[[0-9]+\]: err-line$" "$(grep err-line <<<"$got")"
out=$($B logs "$id" 2>&1); rc=$?
[ "$rc" != 0 ] && ok "logs on syslog fails" || not_ok "logs on syslog fails"
expect_match "logs on syslog: Docker's message" "configured logging driver does not support reading$" "$out"

T2=$(listen tcp "$E2E_TMP/tcp.log")
at_exit "kill $(cat "$E2E_TMP/tcp.log.pid")"
id=$($B run -d --log-driver syslog --log-opt syslog-address=tcp://127.0.0.1:$T2 --log-opt syslog-format=rfc5424micro \
	--log-opt syslog-facility=local3 --log-opt tag=web bb:log echo hello)
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null; sleep 0.3
expect_match "syslog tcp rfc5424micro: octet-counted, local3.info, tag" \
	"^[0-9]+ <158>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z [^ ]+ web [0-9]+ - - hello$" "$(cat "$E2E_TMP/tcp.log")"

out=$($B run --rm --log-driver syslog --log-opt syslog-address=udp://10.1.2.3:514 bb:log true 2>&1); rc=$?
expect_eq "syslog to another host is refused" 125 "$rc"
expect_match "syslog refusal says why" "only 127.0.0.1" "$out"
# a syslog that cannot be reached fails the start before the command runs, as Docker's
mkdir -p "$E2E_TMP/mark"
out=$($B run --name nolog -v "$E2E_TMP/mark:/m" --log-driver syslog --log-opt syslog-address=tcp://127.0.0.1:1 \
	bb:log touch /m/ran 2>&1); rc=$?
at_exit "$B rm -f nolog"
expect_eq "syslog unreachable: Docker's message, exit 125" \
	"125 berth: Error response from daemon: failed to initialize logging driver: dial tcp 127.0.0.1:1: connect: connection refused" "$rc $out"
expect_eq "syslog unreachable: nothing of the command ran" "" "$(ls "$E2E_TMP/mark")"
expect_eq "syslog unreachable: Docker's State (created, 128, the error)" \
	"created 128 failed to initialize logging driver: dial tcp 127.0.0.1:1: connect: connection refused" \
	"$($B inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' nolog 2>&1)"
out=$($B start nolog 2>&1); rc=$?
expect_eq "syslog unreachable: start fails as Docker's, exit 1" \
	"1 Error response from daemon: failed to initialize logging driver: dial tcp 127.0.0.1:1: connect: connection refused
berth: Error: failed to start containers: nolog" "$rc $out"
expect_eq "syslog unreachable: still nothing ran, no attach socket left" "|" \
	"$(ls "$E2E_TMP/mark")|$(ls "$INSTANCE_DIR"/exec/containers/*/attach.sock 2>/dev/null)"
$B rm nolog >/dev/null
python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("'"$E2E_TMP/dead.sock"'")'
out=$($B run --rm --log-driver syslog --log-opt syslog-address=unix://$E2E_TMP/dead.sock bb:log true 2>&1); rc=$?
expect_eq "syslog socket nobody listens on: Docker's message, exit 125" \
	"125 berth: Error response from daemon: failed to initialize logging driver: dial unix $E2E_TMP/dead.sock: connect: connection refused" "$rc $out"
out=$($B run --rm --log-driver syslog --log-opt syslog-address=unix:///nonexistent bb:log true 2>&1); rc=$?
expect_eq "syslog socket missing: Docker's message at create, exit 127 (its CLI's for 'no such file')" \
	"127 berth: Error response from daemon: stat /nonexistent: no such file or directory" "$rc $out"
out=$($B run --rm --log-driver syslog --log-opt syslog-format=bogus bb:log true 2>&1)
expect_match "bad syslog-format: Docker's message" "Error response from daemon: Invalid syslog format" "$out"

# a json-file log that cannot be opened (daemon.json's log-opts, read at start): nothing runs either
new_instance logbadopts '"log-opts": {"compress": "bogus"}'
import_busybox bb:log >/dev/null
rm -f "$E2E_TMP/mark"/*
out=$($B run --rm -v "$E2E_TMP/mark:/m" bb:log touch /m/ran 2>&1); rc=$?
expect_eq "json-file that cannot open: Docker's wording, exit 125, nothing ran" \
	"125 berth: Error response from daemon: failed to initialize logging driver: strconv.ParseBool: parsing \"bogus\": invalid syntax|" \
	"$rc $out|$(ls "$E2E_TMP/mark")"

# the daemon.json default
new_instance logdefault "\"log-driver\": \"syslog\", \"log-opts\": {\"syslog-address\": \"udp://127.0.0.1:$U\", \"tag\": \"dflt\"}"
import_busybox bb:log >/dev/null
$B run --rm bb:log echo from-default >/dev/null; sleep 0.3
expect_match "daemon.json log-driver/log-opts are the default" "dflt\[[0-9]+\]: from-default" "$(cat "$E2E_TMP/udp.log")"

# ---- the local driver: compact binary records, rotation, seeking tail/since ----
new_instance loglocal
import_busybox bb:log >/dev/null
cdir() { echo "$INSTANCE_DIR/root/containers/$1"; }
id=$($B run -d --log-driver local bb:log sh -c 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "out-$i"; echo "err-$i" >&2; done')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_eq "local: the log is a binary file under local-logs/" "BERTHLG1" "$(head -c 8 "$(cdir "$id")/local-logs/container.log" 2>&1)"
expect_eq "local: stdout round trips on stdout" "$(seq 1 300 | sed 's/^/out-/')" "$($B logs "$id" 2>/dev/null)"
expect_eq "local: stderr round trips on stderr" "$(seq 1 300 | sed 's/^/err-/')" "$($B logs "$id" 2>&1 >/dev/null)"
id=$($B run -d --log-driver local bb:log sh -c 'seq 1 1000 | sed s/^/line-/')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_eq "local: --tail 5 is exactly the last five lines" "$(seq 996 1000 | sed 's/^/line-/')" "$($B logs --tail 5 "$id" 2>&1)"
expect_eq "local: --tail 0 prints nothing" "" "$($B logs --tail 0 "$id" 2>&1)"
expect_eq "local: --tail more than there is prints all" 1000 "$($B logs --tail 5000 "$id" 2>&1 | wc -l)"
# since: 150 kB before a pause so the sparse index (one entry per 32 KiB) is used
id=$($B run -d --log-driver local bb:log sh -c 'seq 1 20000 | sed s/^/early-/; sleep 1.2; echo late-1; echo late-2')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
ts=$($B logs -t --tail 2 "$id" 2>&1 | head -1 | cut -d' ' -f1)
expect_eq "local: --since the time of a record starts at that record" "late-1 late-2" "$($B logs --since "$ts" "$id" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
ix="$(cdir "$id")/local-logs/container.log.idx"
[ "$(stat -c %s "$ix" 2>/dev/null || echo 0)" -ge 64 ] && ok "local: a sparse time index is kept beside the log" || not_ok "local: a sparse time index is kept beside the log" "$(ls -l "$ix" 2>&1)"
expect_eq "local: --since before everything prints all" 20002 "$($B logs --since 2000-01-01T00:00:00Z "$id" 2>&1 | wc -l)"
# rotation: max-size/max-file keep at most max-file files, and reading spans them
id=$($B run -d --log-driver local --log-opt max-size=10k --log-opt max-file=3 bb:log sh -c 'seq 1 5000 | sed s/^/rot-/')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
n=$(ls "$(cdir "$id")/local-logs/" | grep -cv '\.idx$')
expect_eq "local: rotation keeps max-file=3 files" 3 "$n"
# Docker's local driver compresses rotated files by default: container.log.N.gz
ll="$(cdir "$id")/local-logs"
expect_eq "local: rotated files are gzipped, as Docker's (compress defaults to true)" \
	"container.log container.log.1.gz container.log.2.gz container.log.idx" "$(ls "$ll" | tr '\n' ' ' | sed 's/ $//')"
check "local: the rotated files are valid gzip" gzip -t "$ll/container.log.1.gz" "$ll/container.log.2.gz"
out=$($B logs "$id" 2>&1)
expect_eq "local: rotated logs end with the last line" "rot-5000" "$(tail -1 <<<"$out")"
c=$(wc -l <<<"$out"); [ "$c" -gt 500 ] && [ "$c" -lt 5000 ] && ok "local: logs span the rotated files ($c lines)" || not_ok "local: logs span the rotated files" "$c lines"
expect_eq "local: --tail across rotated files" "$(seq 4501 5000 | sed 's/^/rot-/')" "$($B logs --tail 500 "$id" 2>&1)"
# compressed generations: tail counts them from their header, since skips or inflates them
id=$($B run -d --name gz1 --log-driver local --log-opt max-size=100k --log-opt max-file=5 bb:log sh -c 'seq 1 3000 | sed s/^/early-/; sleep 1.2; seq 1 6000 | sed s/^/late-/')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_match "local: several compressed generations" "container.log.2.gz" "$(ls "$(cdir "$id")/local-logs")"
expect_eq "local: all of it through the compressed files, in order" "$( (seq 1 3000 | sed s/^/early-/; seq 1 6000 | sed s/^/late-/) | md5sum)" "$($B logs "$id" 2>&1 | md5sum)"
expect_eq "local: --tail spanning compressed files" "$( (seq 2001 3000 | sed s/^/early-/; seq 1 6000 | sed s/^/late-/) | md5sum)" "$($B logs --tail 7000 "$id" 2>&1 | md5sum)"
ts=$($B logs -t "$id" 2>&1 | grep -m1 ' late-1$' | cut -d' ' -f1)
expect_eq "local: --since inside a compressed file" "late-1 6000" "$($B logs --since "$ts" "$id" 2>&1 | head -1) $($B logs --since "$ts" "$id" 2>&1 | wc -l)"
expect_eq "local: --until inside a compressed file" "early-3000" "$($B logs --until "$ts" "$id" 2>&1 | grep -v late | tail -1)"
# follow across rotations while the writer compresses behind it (json-file: more than one
# rotation between two polls); max-file leaves room for all of it, so a follower slowed by a
# loaded machine never has a file dropped under it
id=$($B run -d --name gz2 --log-driver local --log-opt max-size=10k --log-opt max-file=20 bb:log sh -c 'i=0; while [ $i -lt 2000 ]; do echo "f-$i"; i=$((i+1)); [ $((i % 200)) = 0 ] && sleep 0.2; done')
at_exit "$B rm -f $id"
expect_eq "local: logs -f reads every line across compressed rotations" "$(seq 0 1999 | sed s/^/f-/ | md5sum)" "$(timeout 30 $B logs -f "$id" 2>&1 | md5sum)"
id=$($B run -d --name gz3 --log-driver local --log-opt compress=false --log-opt max-size=10k --log-opt max-file=3 bb:log sh -c 'seq 1 3000')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_eq "local: compress=false keeps plain rotated files" "container.log.1 container.log.2" "$(ls "$(cdir "$id")/local-logs" | grep -E '^container.log.[0-9]+$' | tr '\n' ' ' | sed 's/ $//')"
out=$($B run --rm --name gzr1 --log-driver local --log-opt max-file=1 bb:log true 2>&1); rc=$?
expect_eq "local: max-file=1 with compression is refused, as Docker's" "125" "$rc"
expect_match "local: Docker's message for it" "compression cannot be enabled when max file count is 1" "$out"
expect_eq "local: max-file=1 with compress=false" "one" "$($B run --rm --name gzr2 --log-driver local --log-opt max-file=1 --log-opt compress=false bb:log echo one 2>&1)"
expect_match "local: a bad compress value: Docker's message" 'error reading compress log option: strconv.ParseBool: parsing "maybe": invalid syntax' \
	"$($B run --rm --name gzr3 --log-driver local --log-opt compress=maybe bb:log true 2>&1)"
# json-file: compress is off by default (as Docker's); compress=true gzips <id>-json.log.N.gz
id=$($B run -d --name gz4 --log-driver json-file --log-opt max-size=10k --log-opt max-file=3 bb:log sh -c 'seq 1 3000')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_eq "json-file: rotated files stay plain by default" "$id-json.log.1 $id-json.log.2" "$(ls "$(cdir "$id")" | grep -E 'json.log.[0-9]' | tr '\n' ' ' | sed 's/ $//')"
id=$($B run -d --name gz5 --log-driver json-file --log-opt compress=true --log-opt max-size=100k --log-opt max-file=10 bb:log sh -c 'seq 1 3000 | sed s/^/early-/; sleep 1.2; seq 1 4000 | sed s/^/late-/')
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_match "json-file compress=true: <id>-json.log.N.gz, as Docker's" "^$id-json.log.1.gz $id-json.log.2.gz $id-json.log.3.gz" "$(ls "$(cdir "$id")" | grep -E 'json.log.[0-9]' | tr '\n' ' ')"
expect_eq "json-file compress=true: no plain rotated file left" "0" "$(ls "$(cdir "$id")" | grep -cE 'json.log.[0-9]+$')"
expect_match "json-file compress=true: valid gzip of Docker's lines" '^\{"log":"early-1\\n","stream":"stdout","time":"' \
	"$(zcat "$(cdir "$id")/$(ls "$(cdir "$id")" | grep 'json.log.[0-9]*.gz$' | sort -t. -k3 -n | tail -1)" | head -1)"
expect_eq "json-file compress=true: all of it, in order" "$( (seq 1 3000 | sed s/^/early-/; seq 1 4000 | sed s/^/late-/) | md5sum)" "$($B logs "$id" 2>&1 | md5sum)"
expect_eq "json-file compress=true: --tail spanning compressed files" "$( (seq 2501 3000 | sed s/^/early-/; seq 1 4000 | sed s/^/late-/) | md5sum)" "$($B logs --tail 4500 "$id" 2>&1 | md5sum)"
ts=$($B logs -t "$id" 2>&1 | grep -m1 ' late-1$' | cut -d' ' -f1)
expect_eq "json-file compress=true: --since inside a compressed file" "late-1 4000" "$($B logs --since "$ts" "$id" 2>&1 | head -1) $($B logs --since "$ts" "$id" 2>&1 | wc -l)"
id=$($B run -d --name gz6 --log-driver json-file --log-opt compress=true --log-opt max-size=10k --log-opt max-file=20 bb:log sh -c 'i=0; while [ $i -lt 2000 ]; do echo "f-$i"; i=$((i+1)); [ $((i % 200)) = 0 ] && sleep 0.2; done')
at_exit "$B rm -f $id"
expect_eq "json-file compress=true: logs -f across compressed rotations" "$(seq 0 1999 | sed s/^/f-/ | md5sum)" "$(timeout 30 $B logs -f "$id" 2>&1 | md5sum)"
expect_match "json-file: a bad compress value: Docker's message" 'strconv.ParseBool: parsing "maybe": invalid syntax' \
	"$($B run --rm --name gzr4 --log-driver json-file --log-opt compress=maybe bb:log true 2>&1)"
expect_match "json-file: compress with max-file 1 is refused, as Docker's" "compress cannot be true when max-file is less than 2 or max-size is not set" \
	"$($B run --rm --name gzr5 --log-driver json-file --log-opt compress=true --log-opt max-file=1 bb:log true 2>&1)"

# smaller than json-file for the same output
jid=$($B run -d --log-driver json-file bb:log sh -c 'seq 1 1000 | sed s/^/line-/')
lid=$($B run -d --log-driver local bb:log sh -c 'seq 1 1000 | sed s/^/line-/')
at_exit "$B rm -f $jid $lid"
$B wait "$jid" >/dev/null; $B wait "$lid" >/dev/null
js=$(stat -c %s "$(cdir "$jid")/$jid-json.log"); ls=$(stat -c %s "$(cdir "$lid")/local-logs/container.log")
[ -n "$ls" ] && [ "$ls" -gt 0 ] && [ "$ls" -lt "$js" ] && ok "local: smaller than json-file ($ls < $js bytes)" ||
	not_ok "local: smaller than json-file" "local $ls, json-file $js" "ids: $jid / $lid" "$(ls -la "$(cdir "$lid")" "$(cdir "$lid")/local-logs" 2>&1)" "$($B inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.HostConfig.LogConfig.Type}}' "$lid" 2>&1)"
# follow: prints what comes later and returns when the container exits
id=$($B run -d --log-driver local bb:log sh -c 'echo first; sleep 1; echo second')
at_exit "$B rm -f $id"
expect_eq "local: logs -f follows until the container exits" "first second" "$(timeout 10 $B logs -f "$id" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
# daemon.json default
new_instance loglocaldefault '"log-driver": "local", "log-opts": {"max-file": "2"}'
import_busybox bb:log >/dev/null
id=$($B run -d bb:log echo from-local-default)
at_exit "$B rm -f $id"
$B wait "$id" >/dev/null
expect_eq "local: daemon.json log-driver local" "from-local-default" "$($B logs "$id" 2>&1)"
expect_eq "local: inspect shows the local driver" "local" "$($B inspect -f '{{.HostConfig.LogConfig.Type}}' "$id" 2>&1)"
finish
