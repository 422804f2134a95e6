#!/bin/bash
# End-to-end checks of the logging drivers other than json-file (needs root): syslog.
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
out=$($B run --rm --log-driver syslog --log-opt syslog-format=bogus bb:log true 2>&1)
expect_match "bad syslog-format is an error" "Invalid syslog format: bogus" "$out"

# the daemon.json default
new_instance logdefault "\"log-driver\": \"syslog\", \"log-opts\": {\"syslog-address\": \"udp://127.0.0.1:$U\", \"tag\": \"dflt\"}"
import_busybox bb:log >/dev/null
$B run --rm bb:log echo from-default >/dev/null; sleep 0.3
expect_match "daemon.json log-driver/log-opts are the default" "dflt\[[0-9]+\]: from-default" "$(cat "$E2E_TMP/udp.log")"
finish
