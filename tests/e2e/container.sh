#!/bin/bash
# End-to-end tests of the container commands against the real binary (needs root).
# Each check prints "ok - name", "not ok - name" or "skip - name # reason"; exit 1 if one failed.
# Uses its own --data-root/--exec-root under a temp dir. The image is a busybox rootfs imported
# with `berth import`; when import (or a storage driver) is not available yet, the same checks
# run on the rootfs directory itself through `run --rootfs`.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BERTH_BUILD:-$HERE/../../build}
T=$(mktemp -d /tmp/berth-e2e-container.XXXXXX)
B="$BUILD/berth --data-root $T/data --exec-root $T/run"
FAILED=0

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "#   $2" | head -c 2000; echo; FAILED=1; }
skip() { echo "skip - $1 # $2"; }
check() { # name expected actual
	if [ "$2" == "$3" ]; then ok "$1"; else notok "$1" "expected [$2] got [$3]"; fi
}

cleanup() {
	for id in $($B ps -aq 2>/dev/null); do $B rm -f "$id" >/dev/null 2>&1; done
	grep -o "$T[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	skip "container e2e" "needs root"
	exit 0
fi

# ---- the image ----
R=$T/rootfs
mkdir -p "$R/bin" "$R/etc"
cp /bin/busybox "$R/bin/"
for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
if (cd "$R" && tar cf - .) | $B import -c 'ENV PATH=/bin' - bb:test >/dev/null 2>"$T/import.err" &&
	$B run --rm bb:test true 2>>"$T/import.err"; then
	IMG="bb:test"
	RUN="run"
	ok "import busybox image"
else
	skip "import busybox image" "$(head -1 "$T/import.err"); using run --rootfs"
	IMG="$R"
	RUN="run --rootfs"
fi
run() { $B $RUN "$@"; }

# ---- basics and exit codes ----
# --rm: the rw layer is used once, so it is mounted ephemeral (overlay2: volatile, where the
# kernel has it); a kept container's is not
if [ "$IMG" = bb:test ] && $B info 2>/dev/null | grep -q 'Storage Driver: overlay2' && grep -q volatile "$T/data/storage/overlay2/.overlay-checked" 2>/dev/null; then
	check "--rm mounts its layer volatile" "yes" "$(run --rm "$IMG" sh -c 'grep -q " / / .*volatile" /proc/self/mountinfo && echo yes || echo no')"
	check "a kept container's layer is not volatile" "no" "$(run --name keep-sync "$IMG" sh -c 'grep -q " / / .*volatile" /proc/self/mountinfo && echo yes || echo no')"
	$B start -a keep-sync >/dev/null 2>&1; check "and starts again" 0 $?
	$B rm keep-sync >/dev/null
else
	skip "--rm mounts its layer volatile" "not overlay2 on a kernel with volatile overlay mounts"
fi
# the image's init layer holds the mount points (/proc, /dev, /sys, /etc/hosts ...): a container's
# own layer starts empty, as Docker's (its <id>-init layer), and goes with the image
if [ "$IMG" = bb:test ] && $B info 2>/dev/null | grep -q 'Storage Driver: overlay2'; then
	id=$(run -d "$IMG" sleep 100)
	upper=$($B inspect -f '{{.GraphDriver.Data.UpperDir}}' "$id")
	check "a started container's own layer is empty" "" "$(find "$upper" -mindepth 1 2>&1)"
	case "$($B inspect -f '{{.GraphDriver.Data.LowerDir}}' "$id")" in
	*-init/diff:*) ok "LowerDir starts with the image's init layer, as Docker's" ;;
	*) notok "LowerDir starts with the image's init layer, as Docker's" "$($B inspect -f '{{.GraphDriver.Data.LowerDir}}' "$id")" ;;
	esac
	check "ps -s: a started container's layer is 0B" "0B" "$($B ps -s -f id="$id" --format '{{.Size}}' | cut -d' ' -f1)"
	$B rm -f "$id" >/dev/null
	cp -a "$R" "$T/rootfs2" && echo 2 >"$T/rootfs2/second"   # a layer of its own
	(cd "$T/rootfs2" && tar cf - .) | $B import - bb:initlayer >/dev/null
	run --rm bb:initlayer /bin/true
	inits() { ls "$T/data/storage/overlay2" | grep -c -- '-init$'; }
	check "each image has its init layer" 2 "$(inits)"
	$B rmi bb:initlayer >/dev/null
	check "rmi removes the image's init layer" 1 "$(inits)"
else
	skip "the image's init layer" "not overlay2"
fi
check "/etc/mtab links to /proc/mounts, as Docker's" "/proc/mounts" "$(run --rm "$IMG" readlink /etc/mtab)"
check "run echo" "hello" "$(run --rm "$IMG" echo hello 2>&1)"
run --rm "$IMG" true; check "exit code 0" 0 $?
run --rm "$IMG" sh -c 'exit 3'; check "exit code 3" 3 $?
run --rm --nosuchflag "$IMG" true 2>/dev/null; check "exit code 125 (bad flag)" 125 $?
run --rm "$IMG" /etc/passwd 2>/dev/null; check "exit code 126 (not executable)" 126 $?
out=$(run --rm "$IMG" nosuchcmd 2>&1); rc=$?
check "exit code 127 (not found)" 127 $rc
case "$out" in *'exec: "nosuchcmd": executable file not found in $PATH'*) ok "127 message";; *) notok "127 message" "$out";; esac
id=$(run -d "$IMG" sleep 100); $B kill "$id" >/dev/null; check "killed: exit 137" 137 "$($B wait "$id")"; $B rm "$id" >/dev/null

# ---- settings visible inside ----
check "-e/-w/-u/-h" "bar /tmp/wd 65534 myhost" \
	"$(run --rm -e FOO=bar -w /tmp/wd -u nobody -h myhost "$IMG" sh -c 'echo $FOO $(pwd) $(id -u) $(hostname)')"
check "default capabilities" "00000000a80425fb" \
	"$(run --rm "$IMG" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')"
check "seccomp filter" "2" "$(run --rm "$IMG" sh -c 'grep "^Seccomp:" /proc/self/status' | awk '{print $2}')"
check "seccomp blocks unshare" "1" "$(run --rm "$IMG" sh -c 'unshare -n true 2>/dev/null; echo $?')"
check "seccomp=unconfined" "0" "$(run --rm --security-opt seccomp=unconfined "$IMG" sh -c 'grep "^Seccomp:" /proc/self/status' | awk '{print $2}')"
check "cap-drop ALL + cap-add" "0000000000001000" \
	"$(run --rm --cap-drop ALL --cap-add NET_ADMIN "$IMG" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')"
mem=$(run --rm -m 64m "$IMG" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')
check "-m in the cgroup" "67108864" "$mem"
check "--pids-limit" "50" "$(run --rm --pids-limit 50 "$IMG" sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')"
check "network none: only lo" "1" "$(run --rm --network none "$IMG" sh -c 'ls /sys/class/net | wc -l')"
check "read-only rootfs" "1" "$(run --rm --read-only "$IMG" sh -c 'touch /x 2>/dev/null; echo $?')"
check "ulimit clamped to the hard limit" "$(ulimit -Hn)" "$(run --rm --ulimit nofile=99999999:99999999 "$IMG" sh -c 'ulimit -Hn' 2>/dev/null)"
check "masked /proc/keys" "0" "$(run --rm "$IMG" sh -c 'wc -c < /proc/keys')"

# ---- bind mounts ----
mkdir -p "$T/vol" && echo from-host > "$T/vol/f"
check "-v bind mount" "from-host" "$(run --rm -v "$T/vol:/data" "$IMG" sh -c 'cat /data/f; echo new > /data/g')"
check "-v writes reach the host" "new" "$(cat "$T/vol/g" 2>/dev/null)"
check "-v :ro" "1" "$(run --rm -v "$T/vol:/data:ro" "$IMG" sh -c 'touch /data/x 2>/dev/null; echo $?')"
check "stdin with -i" "piped" "$(echo piped | run --rm -i "$IMG" cat)"

# ---- volumes ----
check "volume create" "data" "$($B volume create data)"
run --rm -v data:/d "$IMG" sh -c 'echo persisted > /d/f'
check "named volume persists" "persisted" "$(run --rm -v data:/d:ro "$IMG" cat /d/f)"
check "volume ls" "data" "$($B volume ls -q)"
check "volume inspect" "local $T/data/volumes/data/_data" "$($B volume inspect -f '{{.Driver}} {{.Mountpoint}}' data)"
run --name withanon -v /anon "$IMG" true
check "anonymous volume created" "2" "$($B volume ls -q | wc -l)"
$B volume rm data >/dev/null 2>&1 && ok "volume rm" || notok "volume rm"
$B rm -v withanon >/dev/null
check "rm -v removes anonymous volumes" "" "$($B volume ls -q)"
run --rm -v /anon2 "$IMG" true
check "--rm removes anonymous volumes" "" "$($B volume ls -q)"
$B volume create keep >/dev/null; $B volume prune -f >/dev/null
check "volume prune" "" "$($B volume ls -q)"

# ---- --rm ----
before=$($B ps -aq | wc -l)
run --rm "$IMG" true
check "--rm leaves nothing" "$before" "$($B ps -aq | wc -l)"

# ---- detached life cycle ----
id=$(run -d --name web "$IMG" sh -c 'trap "exit 0" TERM; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done')
check "-d prints the full id" 64 "${#id}"
sleep 0.5
case "$($B ps)" in *"${id:0:12}"*web*) ok "ps shows it";; *) notok "ps shows it" "$($B ps)";; esac
check "ps --format" "web running" "$($B ps --format '{{.Names}} {{.State}}')"
check "ps -q" "${id:0:12}" "$($B ps -q)"
mkdir -p "$T/conf"
echo '{"psFormat": "{{.Names}}/{{.State}}"}' >"$T/conf/config.json"
check "config.json psFormat without --format (as Docker's CLI)" "web/running" "$(BERTH_CONFIG_DIR=$T/conf $B ps)"
check "config.json psFormat: --format wins" "web" "$(BERTH_CONFIG_DIR=$T/conf $B ps --format '{{.Names}}')"
check "config.json psFormat: not for -q" "${id:0:12}" "$(BERTH_CONFIG_DIR=$T/conf $B ps -q)"
check "logs --tail 1" "1" "$($B logs --tail 1 web | wc -l)"
case "$($B logs web | head -1)" in "line 0") ok "logs";; *) notok "logs" "$($B logs web | head -3)";; esac
grep -q '"log":"line 0\\n","stream":"stdout","time":"' "$T/data/containers/$id/$id-json.log" && ok "json-file format" || notok "json-file format"
PID=$($B container inspect -f '{{.State.Pid}}' web)
nsenter -t "$PID" -m -u -i -n -p true && ok "nsenter into .State.Pid" || notok "nsenter into .State.Pid"
check "inspect .Name" "/web" "$($B container inspect -f '{{.Name}}' web)"
check "exec" "in-exec 00000000a80425fb" "$($B exec web sh -c 'echo in-exec $(grep CapEff /proc/self/status | cut -f2)')"
$B exec web sh -c 'exit 5'; check "exec exit code" 5 $?
$B pause web >/dev/null && check "pause" "paused" "$($B container inspect -f '{{.State.Status}}' web)"
$B unpause web >/dev/null && check "unpause" "running" "$($B container inspect -f '{{.State.Status}}' web)"
$B stop -t 5 web >/dev/null
check "stop (SIGTERM honoured)" "exited 0" "$($B container inspect -f '{{.State.Status}} {{.State.ExitCode}}' web)"
$B rm web >/dev/null
check "rm" "" "$($B ps -aq)"
check "nothing mounted after rm" "0" "$(grep -c "$T" /proc/self/mountinfo)"
ls /sys/fs/cgroup/*/berth/"$id" >/dev/null 2>&1 && notok "cgroups removed" || ok "cgroups removed"
check "no container dirs left" "" "$(ls "$T/data/containers" "$T/run/containers" 2>/dev/null | grep -v ':$' | grep .)"

# ---- monitor killed: the container must not look running forever ----
id=$(run -d --name mon "$IMG" sleep 300)
mon=$(pgrep -f "berth-monitor.*--id $id")
init=$($B container inspect -f '{{.State.Pid}}' mon)
kill -9 $mon
sleep 0.3
check "SIGKILLed monitor -> not running" "exited" "$($B container inspect -f '{{.State.Status}}' mon)"
# this container's init, by pid: other instances on the host may run sleep 300 too
st=$(awk '/^State:/{print $2}' /proc/"$init"/status 2>/dev/null)
[ -n "$st" ] && [ "$st" != Z ] && notok "container process gone" "state $st" || ok "container process gone"
$B rm mon >/dev/null

# ---- more run/exec options ----
$B run -d --name ex "$IMG" sleep 30 >/dev/null
check "exec -u -e -w" "65534 b /etc" "$($B exec -u nobody -e A=b -w /etc ex sh -c 'echo $(id -u) $A $(pwd)')"
check "exec -i" "from-stdin" "$(echo 'echo from-stdin' | $B exec -i ex sh)"
$B exec ex nosuchcmd 2>/dev/null; check "exec of a missing command: 126" 126 $?
check "exec without -i: the program gets no stdin" "" "$(echo leaked | $B exec ex cat)"
start=$(date +%s%N)
out=$($B exec -d ex sh -c 'sleep 1; echo late >/exec-d' 2>&1); rc=$?
check "exec -d: returns at once, status 0, prints nothing" "0 fast" "$rc $( [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 900 ] && echo fast || echo slow)$out"
check "exec -d: the program is not there yet" "" "$($B exec ex cat /exec-d 2>/dev/null)"
sleep 1.5
check "exec -d: the program ran on in the background" "late" "$($B exec ex cat /exec-d 2>&1)"
$B exec -u nouser ex true 2>/dev/null; check "exec -u of an unknown user: 126 (as Docker)" 126 $?
$B exec -w /nonexist ex true 2>/dev/null; check "exec -w of a missing dir: 126 (as Docker)" 126 $?
$B pause ex >/dev/null
check "exec in a paused container: Docker's message" \
	"berth: Error response from daemon: Container ex is paused, unpause the container before exec" "$($B exec ex true 2>&1)"
$B unpause ex >/dev/null
$B rm -f ex >/dev/null
run --rm --init "$IMG" sh -c 'exit 5'; check "--init passes the exit code" 5 $?
check "--init: the command is not pid 1" "2" "$(run --rm --init "$IMG" sh -c 'echo $$')"
# Docker's ps in a --init container: "1 /sbin/docker-init -- CMD", bound read-only
check "--init: pid 1 is /sbin/docker-init -- CMD, as Docker's" "/sbin/docker-init -- cat /proc/1/cmdline" \
	"$(run --rm --init "$IMG" cat /proc/1/cmdline | tr '\0' ' ' | sed 's/ $//')"
check "--init: /sbin/docker-init is a read-only bind" "ro" \
	"$(run --rm --init "$IMG" sh -c 'grep " /sbin/docker-init " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1')"
run --rm --init "$IMG" sh -c 'kill -9 $$'; check "--init: a command killed by signal 9 gives 137" 137 $?
out=$(run --rm --init "$IMG" nosuchcmd 2>&1); rc=$?
check "--init: a missing command still fails the start with 127" "127 1" "$rc $(printf '%s' "$out" | grep -c 'executable file not found')"
run -d --init --name in1 "$IMG" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' >/dev/null
sleep 0.5
$B stop -t 5 in1 >/dev/null
check "--init forwards stop's SIGTERM to the command" 42 "$($B inspect -f '{{.State.ExitCode}}' in1)"
$B rm in1 >/dev/null
# an orphan the command never waits for: pid 1 reaps it (without --init it stays a zombie)
for init in --init ""; do
	run -d $init --name in2 "$IMG" sh -c 'sh -c "sleep 0.2 &"; exec sleep 5' >/dev/null
	sleep 1
	zombies=$($B exec in2 ps -o stat | grep -c Z)
	$B rm -f in2 >/dev/null
	if [ -n "$init" ]; then check "--init reaps orphans" 0 "$zombies"; else check "(without --init the orphan stays a zombie)" 1 "$zombies"; fi
done
run --name oom -m 8m "$IMG" sh -c 'x=$(head -c 50000000 /dev/zero | tr "\0" a)' >/dev/null 2>&1
check "OOM kill recorded" "true 137" "$($B container inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)"
$B rm oom >/dev/null
check "--network host" "$(readlink /proc/self/ns/net)" "$(run --rm --network host "$IMG" readlink /proc/self/ns/net)"
$B run -d --name n1 "$IMG" sleep 30 >/dev/null 2>&1 || run -d --name n1 "$IMG" sleep 30 >/dev/null
check "--network container:" "$(readlink /proc/$($B container inspect -f '{{.State.Pid}}' n1)/ns/net)" \
	"$(run --rm --network container:n1 "$IMG" readlink /proc/self/ns/net)"
$B rm -f n1 >/dev/null
check "--add-host/--dns" "1.2.3.4	db nameserver 9.9.9.9" \
	"$(run --rm --add-host db:1.2.3.4 --dns 9.9.9.9 "$IMG" sh -c 'echo "$(grep db /etc/hosts) $(cat /etc/resolv.conf)"')"
id=$(run -d --log-opt max-size=1k --log-opt max-file=3 "$IMG" sh -c 'i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done')
$B wait "$id" >/dev/null
check "log rotation keeps max-file files" "3" "$(ls "$T/data/containers/$id/" | grep -c json.log)"
check "logs --tail across rotated files" "line197 line198 line199" "$($B logs --tail 3 "$id" | tr '\n' ' ' | sed 's/ $//')"
$B rm "$id" >/dev/null
$B create --name c1 "$IMG" echo created-then-started >/dev/null
check "create + start -a" "created-then-started" "$($B start -a c1)"
$B rename c1 c2 && check "rename" "c2" "$($B ps -a --format '{{.Names}}' -f name=c2)"
$B rm c2 >/dev/null

# ---- exit codes and one-line messages as Docker's (compared with dockerd 20.10.24 + CLI 28.2:
# create exits 125 when its flags are refused but 1 when the daemon refuses, run 125 on both) ----
expect() { # name code message-regex cmd...: the exit code and a line of the output
	local name=$1 code=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$code" ] && printf '%s' "$out" | grep -qE -- "$re"; then ok "$name"
	else notok "$name" "exit $rc: $(printf '%s' "$out" | head -3)"; fi
}
if [ "$RUN" = run ]; then
	$B create --name dup "$IMG" true >/dev/null
	for c in create run; do
		daemon=1; [ $c = run ] && daemon=125
		expect "$c: unknown flag" 125 "^berth: unknown flag: --bogus" $B $c --bogus "$IMG" true
		expect "$c: bad -m" 125 "invalid argument \"abc\" for \"-m, --memory\" flag: invalid size: 'abc'" $B $c -m abc "$IMG" true
		expect "$c: -m below the minimum" $daemon "^berth: Error response from daemon: Minimum memory limit allowed is 6MB" $B $c -m 1 "$IMG" true
		expect "$c: bad --mount" $daemon "^berth: Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: $T/nosuchdir\$" \
			$B $c --mount type=bind,source=$T/nosuchdir,target=/x "$IMG" true
		expect "$c: name conflict" $daemon '^berth: Error response from daemon: Conflict. The container name "/dup" is already in use' \
			$B $c --name dup "$IMG" true
		expect "$c: missing image, no registry" $daemon '^berth: Error response from daemon: Get "http://127.0.0.1:1/v2/"' \
			$B $c 127.0.0.1:1/nosuch true
		expect "$c --pull never: missing image" $daemon "^berth: Error response from daemon: No such image: nosuch:latest" \
			$B $c --pull never nosuch
	done
	check "a refused create leaves no container" "dup" "$($B ps -a --format '{{.Names}}')"
	$B rm dup >/dev/null
	for c in start stop wait; do
		expect "$c of a missing container" 1 "^(berth: )?Error response from daemon: No such container: nosuch" $B $c nosuch
	done
	expect "rm of a missing container" 1 "^Error: No such container: nosuch" $B rm nosuch
	expect "kill of a missing container" 1 "^Error response from daemon: Cannot kill container: nosuch: No such container: nosuch" $B kill nosuch
	expect "top of a missing container" 1 "^Error response from daemon: No such container: nosuch" $B top nosuch
	expect "logs of a missing container" 1 "^Error: No such container: nosuch" $B logs nosuch
	expect "exec in a missing container" 1 "^berth: Error: No such container: nosuch" $B exec nosuch true
	expect "inspect of a missing object" 1 "^Error: No such object: nosuch" $B inspect nosuch
	check "container inspect of a missing one prints []" "[]" "$($B container inspect nosuch 2>/dev/null)"
	$B create --name stopped "$IMG" true >/dev/null
	expect "exec in a stopped container" 1 "^berth: Error response from daemon: Container [0-9a-f]{64} is not running" $B exec stopped true
	expect "kill of a stopped container" 1 "^Error response from daemon: Cannot kill container: stopped: Container [0-9a-f]{64} is not running" $B kill stopped
	$B rm stopped >/dev/null
fi

# ---- names ----
run --name same "$IMG" true 2>/dev/null & run --name same "$IMG" true 2>/dev/null & wait
check "same --name twice: exactly one wins" "1" "$($B ps -a --format '{{.Names}}' | grep -c '^same$')"
$B rm same >/dev/null 2>&1

# ---- restart policy ----
run -d --name rs --restart on-failure:2 "$IMG" sh -c 'echo run; exit 1' >/dev/null
sleep 2
check "restart on-failure:2" "3" "$($B logs rs | grep -c run)"
$B rm -f rs >/dev/null

# ---- stop timeouts: the TERM trap takes 3 s and exits 7; a SIGKILL before that gives 137 ----
slow='trap "sleep 3; exit 7" TERM; while :; do sleep 0.1; done'
$B run -d --name st1 --stop-timeout 1 "$IMG" sh -c "$slow" >/dev/null
sleep 0.5
$B stop st1 >/dev/null
check "stop without -t uses the container's --stop-timeout" 137 "$($B inspect -f '{{.State.ExitCode}}' st1)"
check "inspect shows Config.StopTimeout" 1 "$($B inspect -f '{{.Config.StopTimeout}}' st1)"
$B start st1 >/dev/null
sleep 0.5
$B stop -t 10 st1 >/dev/null
check "stop -t overrides --stop-timeout" 7 "$($B inspect -f '{{.State.ExitCode}}' st1)"
$B rm st1 >/dev/null
$B run -d --name st2 "$IMG" sh -c "$slow" >/dev/null
sleep 0.5
$B stop --timeout 1 st2 >/dev/null
check "stop --timeout (later Docker CLIs' spelling)" 137 "$($B inspect -f '{{.State.ExitCode}}' st2)"
# restart: the trap leaves a mark in a bind mount if it was not killed first
late='trap "sleep 3; touch /v/late; exit 7" TERM; while :; do sleep 0.1; done'
mkdir -p "$T/st2" "$T/st3"
$B rm st2 >/dev/null
$B run -d --name st2 -v "$T/st2:/v" "$IMG" sh -c "$late" >/dev/null
$B run -d --name st3 -v "$T/st3:/v" --stop-timeout 1 "$IMG" sh -c "$late" >/dev/null
sleep 0.5
$B restart st2 st3 >/dev/null
check "restart without -t: the default 10 s let the trap finish" yes "$([ -e "$T/st2/late" ] && echo yes)"
check "restart without -t uses the container's --stop-timeout" no "$([ -e "$T/st3/late" ] && echo yes || echo no)"
check "restarted" "running running" "$($B inspect -f '{{.State.Status}}' st2) $($B inspect -f '{{.State.Status}}' st3)"
$B rm -f st2 st3 >/dev/null

# ---- a row whose directory is lost (a crash, a hand) still goes with rm ----
id=$($B create --name lostdir "$IMG" true)
rm -rf "$T/data/containers/$id"
$B rm lostdir >/dev/null 2>&1; rc=$?
check "rm of a container without its directory: exit 0" 0 "$rc"
check "rm of a container without its directory: gone" "" "$($B ps -aq --filter name=lostdir)"

# ---- nothing left behind ----
check "no berth processes left" "" "$(pgrep -f "berth-monitor.*$T" )"
check "no mounts left" "0" "$(grep -c "$T" /proc/self/mountinfo)"

exit $FAILED
