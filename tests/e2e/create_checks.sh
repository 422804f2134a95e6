#!/bin/bash
# End-to-end checks that run/create refuse bad input before anything exists (QA report finding 9):
# Docker's message, exit 125, and no container, layer, directory or volume left, even with --rm;
# Docker's state after a failed start; -p stored with a warning; resolv.conf as Docker writes it;
# --pull never; update -m against the memory+swap limit. With a private dockerd (20.10's CLI at
# /usr/bin/docker) each message marked "same" is also checked against what Docker prints.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "create checks" "needs root"; finish; }
have_busybox || { skip "create checks" "no /bin/busybox"; finish; }
new_instance create
import_busybox bb:cc >/dev/null || { not_ok "import busybox"; finish; }
at_exit 'for c in $($B ps -aq); do $B rm -f -v $c; done'

DK=""
if [ -x /usr/bin/docker ] && start_dockerd; then
	DK="/usr/bin/docker -H $DOCKER_SOCK"
	tar -C "$E2E_TMP/bbroot" -c . | $DK import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' - bb:cc >/dev/null
	at_exit 'for c in $($DK ps -aq); do $DK rm -f -v $c; done'
else
	skip "messages checked against Docker" "no private dockerd with Docker 20.10's CLI (/usr/bin/docker)"
fi

# Everything a create could leave behind, as files: container dirs (made before the row), volume
# dirs, layers (`ps -a` and `volume ls` are compared around the whole table below).
snapshot() {
	printf '%s|%s|%s' "$(ls "$INSTANCE_DIR/root/containers" 2>/dev/null | tr '\n' ' ')" \
		"$(ls "$INSTANCE_DIR/root/volumes" 2>/dev/null | tr '\n' ' ')" \
		"$(ls "$INSTANCE_DIR"/root/storage/*/ 2>/dev/null | sort | tr '\n' ' ')"
}
listing() { printf '%s|%s' "$($B ps -aq --no-trunc | sort | tr '\n' ' ')" "$($B volume ls -q | sort | tr '\n' ' ')"; }

# refused NAME MESSAGE same|differs FLAGS...: `run --rm FLAGS bb:cc true` exits 125 with
# "berth: MESSAGE" and makes nothing; with "same", Docker prints MESSAGE too.
refused() {
	local name=$1 msg=$2 dsame=$3 before after out rc
	shift 3
	before=$(snapshot)
	out=$($B run --rm "$@" bb:cc true 2>&1 >/dev/null); rc=$?
	after=$(snapshot)
	expect_eq "$name: exit 125" 125 "$rc"
	expect_eq "$name: message" "berth: $msg" "$(printf '%s\n' "$out" | head -1)"
	expect_eq "$name: nothing made" "$before" "$after"
	if [ -n "$DK" ] && [ "$dsame" = same ]; then
		out=$($DK run --rm --network none "$@" bb:cc true 2>&1 >/dev/null | head -1)
		out=${out#docker: }
		expect_eq "$name: Docker says the same" "$msg" "${out%.}"
	fi
}

ncpu=$(nproc)
mkdir -p "$E2E_TMP/src" "$E2E_TMP/envdir"
printf 'a b=1\n' >"$E2E_TMP/env-space"
printf '=x\n' >"$E2E_TMP/env-noname"
cpus=$(cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset.cpus.effective 2>/dev/null || cat /sys/devices/system/cpu/online)
mems=$(cat /sys/fs/cgroup/cpuset/cpuset.mems 2>/dev/null || cat /sys/fs/cgroup/cpuset.mems.effective 2>/dev/null || echo 0)

listed=$(listing)
refused "--stop-signal BOGUS" "Error response from daemon: Invalid signal: BOGUS" same --stop-signal BOGUS
refused "--stop-signal 0" "Error response from daemon: Invalid signal: 0" same --stop-signal 0
refused "--ulimit soft > hard" 'invalid argument "nofile=2048:1024" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 2048 > 1024' same --ulimit nofile=2048:1024
refused "--ulimit bogus type" 'invalid argument "bogus=1" for "--ulimit" flag: invalid ulimit type: bogus' same --ulimit bogus=1
refused "--ulimit bad number" 'invalid argument "nofile=abc" for "--ulimit" flag: strconv.ParseInt: parsing "abc": invalid syntax' same --ulimit nofile=abc
refused "--add-host bad IP" 'invalid argument "foo:bad" for "--add-host" flag: invalid IP address in add-host: "bad"' same --add-host foo:bad
refused "--dns bad IP" 'invalid argument "bad" for "--dns" flag: bad is not an ip address' same --dns bad
refused "--dns leading zero" 'invalid argument "01.2.3.4" for "--dns" flag: 01.2.3.4 is not an ip address' same --dns 01.2.3.4
refused "-w relative" "Error response from daemon: the working directory 'rel' is invalid, it needs to be an absolute path" same -w rel
refused "-v empty destination" "Error response from daemon: invalid volume specification: '/x:'" same -v /x:
refused "-v bad mode" "Error response from daemon: invalid mode: bogus" same -v "$E2E_TMP/src:/x:bogus"
refused "-v two rw modes" "Error response from daemon: invalid mode: ro,rw" same -v "$E2E_TMP/src:/x:ro,rw"
refused "-v relative target" "Error response from daemon: invalid volume specification: '/tmp:rel': invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute" same -v /tmp:rel
refused "-v nocopy on a bind" "Error response from daemon: invalid volume specification: '/tmp:/x:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified" same -v /tmp:/x:nocopy
refused "-v bad volume name (and the good one before it is not made)" "Error response from daemon: create b@d: \"b@d\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" same -v goodvol:/g -v b@d:/x
refused "--memory-swap without -m" "Error response from daemon: You should always set the Memory limit when using Memoryswap limit, see usage" same --memory-swap 128m
refused "--memory-swap below -m" "Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage" same -m 64m --memory-swap 32m
refused "--cpus above the host" "Error response from daemon: Range of CPUs is from 0.01 to $ncpu.00, as there are only $ncpu CPUs available" same --cpus 100
refused "--cpus negative" "Error response from daemon: Range of CPUs is from 0.01 to $ncpu.00, as there are only $ncpu CPUs available" same --cpus -1
refused "--cpus not a number" 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number' same --cpus abc
# Docker takes these and fails at start with runc's words; berth refuses them before creating
refused "--cpu-shares below 2" "Error response from daemon: the minimum allowed cpu-shares is 2" differs --cpu-shares 1
refused "--cpu-shares above 262144" "Error response from daemon: the maximum allowed cpu-shares is 262144" differs --cpu-shares 1000000
refused "--shm-size not a size" 'invalid argument "abc" for "--shm-size" flag: invalid size: '"'abc'" same --shm-size abc
refused "--cpuset-cpus not on this host" "Error response from daemon: Requested CPUs are not available - requested 99, available: $cpus" same --cpuset-cpus 99
refused "--cpuset-cpus bad format" "Error response from daemon: Invalid value abc for cpuset cpus: invalid format: abc" same --cpuset-cpus abc
refused "--cpuset-mems not on this host" "Error response from daemon: Requested memory nodes are not available - requested 99, available: $mems" same --cpuset-mems 99
refused "--log-driver unknown" "Error response from daemon: error looking up logging plugin bogus: plugin \"bogus\" not found" same --log-driver bogus
refused "--log-opt unknown key (json-file)" "Error response from daemon: unknown log opt 'bogus' for json-file log driver" same --log-opt bogus=1
# Docker finds these when the container starts, and leaves the container behind
refused "--log-opt max-size not a size" "Error response from daemon: failed to initialize logging driver: invalid size: 'abc'" same --log-opt max-size=abc
refused "--log-opt max-file 0" "Error response from daemon: failed to initialize logging driver: max-file cannot be less than 1" same --log-opt max-file=0
refused "--log-opt unknown key (local)" "Error response from daemon: unknown log opt 'bogus' for log driver local" same --log-driver local --log-opt bogus=1
refused "--log-opt max-size (local)" "Error response from daemon: failed to initialize logging driver: invalid value for max-size: abc: invalid size: 'abc'" same --log-driver local --log-opt max-size=abc
refused "--log-opt syslog-facility" "Error response from daemon: invalid syslog facility" same --log-driver syslog --log-opt syslog-facility=bogus
refused "--log-opt unknown key (syslog)" "Error response from daemon: unknown log opt 'bogus' for syslog log driver" same --log-driver syslog --log-opt bogus=1
# Docker's CLI says this one without the daemon's prefix
refused "--log-opt with the none driver" "Error response from daemon: invalid logging opts for driver none" differs --log-driver none --log-opt max-size=1m
refused "-e without a name" 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x' same -e =x
# Docker 20.10's CLI takes any --pull value; this is the message of its later CLIs
refused "--pull bogus" "invalid pull option: 'bogus': must be one of \"always\", \"missing\" or \"never\"" differs --pull bogus
refused "--env-file missing" "open $E2E_TMP/nonexist: no such file or directory" same --env-file "$E2E_TMP/nonexist"
refused "--env-file a directory" "read $E2E_TMP/envdir: is a directory" same --env-file "$E2E_TMP/envdir"
refused "--env-file name with a space" "poorly formatted environment: variable 'a b' contains whitespaces" same --env-file "$E2E_TMP/env-space"
refused "--env-file line without a name" "poorly formatted environment: no variable name on line '=x'" same --env-file "$E2E_TMP/env-noname"
refused "-p bad container port" "Invalid containerPort: abc" same -p abc
refused "-p bad host IP" "Invalid ip address: 80" same -p 80:80:80
refused "-p bad host port" "Invalid hostPort: 70000" same -p 70000:80
refused "--restart with --rm" "Conflicting options: --restart and --rm" differs --restart always
# Docker finds an unknown network at start; berth has no such driver to start it with
refused "--network unknown" "Error response from daemon: network bogus not found" differs --network bogus
expect_eq "no container or volume listed after the refusals" "$listed" "$(listing)"
$B create --name netowner bb:cc sleep 1 >/dev/null
[ -n "$DK" ] && $DK create --name netowner --network none bb:cc sleep 1 >/dev/null
refused "--network container: with -p" "Error response from daemon: conflicting options: port publishing and the container type network mode" differs --network container:netowner -p 80:80
refused "--network container: with --dns" "Error response from daemon: conflicting options: dns and the network mode" differs --network container:netowner --dns 1.1.1.1

# accepted forms of the values checked above
for s in SIGUSR1 usr1 10 RTMIN+3; do
	check "--stop-signal $s is accepted" $B create --stop-signal "$s" bb:cc true
done
check "--add-host with an IPv6 address" $B create --add-host "v6:::1" bb:cc true
check "--dns with an IPv6 address" $B create --dns 2001:db8::1 bb:cc true
check "--ulimit soft:hard with hard unlimited" $B create --ulimit core=0:-1 bb:cc true
check "--cpuset-cpus of this host" $B create --cpuset-cpus "${cpus%%[-,]*}" bb:cc true

# a container that cannot be made takes the volumes made for it along
$B create --name taken bb:cc true >/dev/null
before=$($B volume ls -q | sort | tr '\n' ' ')
out=$($B run --rm --name taken -v madefor:/m -v /anon bb:cc true 2>&1); rc=$?
expect_eq "taken name: exit 125" 125 "$rc"
expect_match "taken name: Docker's conflict message" "Conflict. The container name \"/taken\" is already in use" "$out"
expect_eq "taken name: its new volumes are removed" "$before" "$($B volume ls -q | sort | tr '\n' ' ')"

# many flags (the Lua stack of main once overflowed past ~20 arguments and lost the command)
args=()
for i in $(seq 1 40); do args+=(-e "V$i=$i"); done
expect_eq "40 flags: the command survives" "40 hello" "$($B run --rm "${args[@]}" bb:cc sh -c 'echo $V40 hello')"

# a start that fails leaves the container created, with Docker's code and error
state() { $1 inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.FinishedAt}}' "$2" 2>&1; }
$B run --name sf-user -u bob bb:cc true >/dev/null 2>&1; rc=$?
expect_eq "unknown user: run exits 125" 125 "$rc"
expect_eq "unknown user: created, exit code 128" "created 128 0001-01-01T00:00:00Z" "$(state "$B" sf-user)"
expect_eq "unknown user: the error is recorded" "unable to find user bob: no matching entries in passwd file" \
	"$($B inspect -f '{{.State.Error}}' sf-user)"
$B run --name sf-entry --entrypoint /nonexist bb:cc >/dev/null 2>&1; rc=$?
expect_eq "missing entrypoint: run exits 127" 127 "$rc"
expect_eq "missing entrypoint: created, exit code 127" "created 127 0001-01-01T00:00:00Z" "$(state "$B" sf-entry)"
$B run -d --name sf-cmd bb:cc nosuchcmd >/dev/null 2>&1; rc=$?
expect_eq "missing command with -d: exit 127" 127 "$rc"
expect_eq "missing command with -d: created, exit code 127" "created 127" "$($B inspect -f '{{.State.Status}} {{.State.ExitCode}}' sf-cmd)"
expect_match "ps shows the failed start as Created" "sf-user" "$($B ps -a --filter status=created --format '{{.Names}}')"
if [ -n "$DK" ]; then
	$DK run --name sf-user --network none -u bob bb:cc true >/dev/null 2>&1
	$DK run --name sf-entry --network none --entrypoint /nonexist bb:cc >/dev/null 2>&1
	expect_eq "unknown user: Docker's state is the same" "$(state "$DK" sf-user)" "$(state "$B" sf-user)"
	expect_eq "missing entrypoint: Docker's state is the same" "$(state "$DK" sf-entry)" "$(state "$B" sf-entry)"
fi
check_fails "a failed start fails again on start" $B start sf-cmd
expect_eq "... and the container stays created" "created 127" "$($B inspect -f '{{.State.Status}} {{.State.ExitCode}}' sf-cmd)"
before=$(snapshot)
$B run --rm -u bob bb:cc true >/dev/null 2>&1
expect_eq "--rm: a failed start leaves nothing" "$before" "$(snapshot)"

# -p: kept in PortBindings and ExposedPorts as Docker keeps them, with a warning
out=$($B create --name ports -p 127.0.0.1:8081:80/udp -p 9000-9001:90-91 -p 8080:80 --expose 7000 bb:cc 2>&1 >/dev/null)
expect_eq "-p without a driver that publishes: one warning" \
	"WARNING: Published ports are discarded: the none network driver does not publish ports" "$out"
pb=$($B inspect -f '{{json .HostConfig.PortBindings}} {{json .Config.ExposedPorts}}' ports)
expect_eq "-p: PortBindings and ExposedPorts" \
	'{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"80/udp":[{"HostIp":"127.0.0.1","HostPort":"8081"}],"90/tcp":[{"HostIp":"","HostPort":"9000"}],"91/tcp":[{"HostIp":"","HostPort":"9001"}]} {"7000/tcp":{},"80/tcp":{},"80/udp":{},"90/tcp":{},"91/tcp":{}}' "$pb"
out=$($B create --network host -p 8080:80 bb:cc 2>&1 >/dev/null)
expect_eq "-p with --network host: Docker's warning" "WARNING: Published ports are discarded when using host network mode" "$out"
if [ -n "$DK" ]; then
	$DK create --name ports --network none -p 127.0.0.1:8081:80/udp -p 9000-9001:90-91 -p 8080:80 --expose 7000 bb:cc >/dev/null
	expect_eq "-p: Docker keeps the same" "$($DK inspect -f '{{json .HostConfig.PortBindings}} {{json .Config.ExposedPorts}}' ports)" "$pb"
	expect_eq "-p with --network host: Docker's warning is the same" "$($DK create --network host -p 8080:80 bb:cc 2>&1 >/dev/null)" "$out"
fi

# resolv.conf: search, nameserver, options (Docker's order); the host's values fill the rest
for flags in "--dns 1.2.3.4 --dns-search example.com --dns-option ndots:2" "--dns-search example.com" \
	"--dns-option ndots:3 --dns-opt use-vc" "--dns 9.9.9.9"; do
	# shellcheck disable=SC2086
	got=$($B run --rm $flags bb:cc cat /etc/resolv.conf 2>&1)
	if [ -n "$DK" ]; then
		# shellcheck disable=SC2086
		expect_eq "resolv.conf with $flags: as Docker writes it" "$($DK run --rm --network none $flags bb:cc cat /etc/resolv.conf 2>&1)" "$got"
	fi
done
expect_eq "resolv.conf: search before nameserver, then options" "search example.com|nameserver 1.2.3.4|options ndots:2" \
	"$($B run --rm --dns 1.2.3.4 --dns-search example.com --dns-option ndots:2 bb:cc cat /etc/resolv.conf | tr '\n' '|' | sed 's/|$//')"
expect_eq "--dns-option is stored as DnsOptions" '["ndots:2","use-vc"]' \
	"$($B inspect -f '{{json .HostConfig.DnsOptions}}' "$($B create --dns-option ndots:2 --dns-opt use-vc bb:cc)")"

# --pull never: only Docker's message
out=$($B run --pull never nosuchimage 2>&1); rc=$?
expect_eq "--pull never, missing image: exit 125" 125 "$rc"
expect_eq "--pull never, missing image: only Docker's message" "berth: Error response from daemon: No such image: nosuchimage:latest" "$out"
if [ -n "$DK" ]; then
	out=$($DK run --pull never nosuchimage 2>&1 | head -1)
	out=${out#docker: }
	expect_eq "--pull never: Docker says the same" "Error response from daemon: No such image: nosuchimage:latest" "${out%.}"
fi

# update -m above the memory+swap limit already set: refused, the limit is not raised
id=$($B create -m 100m --memory-swap 200m bb:cc true)
out=$($B update -m 300m "$id" 2>&1); rc=$?
expect_eq "update -m above memory-swap: exit 1" 1 "$rc"
expect_eq "update -m above memory-swap: Docker's message" "berth: Error response from daemon: Cannot update container $id: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time" "$out"
expect_eq "update -m above memory-swap: nothing changed" "104857600 209715200" "$($B inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' "$id")"
check "update -m with --memory-swap" $B update -m 300m --memory-swap 600m "$id"
id2=$($B create -m 100m bb:cc true)
expect_eq "-m alone: swap as much as memory, shown (Docker's default)" "104857600 209715200" "$($B inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' "$id2")"
out=$($B update -m 300m "$id2" 2>&1)
expect_match "update -m above the default swap is refused too" "Memory limit should be smaller than already set memoryswap limit" "$out"
if [ -n "$DK" ]; then
	did=$($DK create --network none -m 100m --memory-swap 200m bb:cc true)
	out=$($DK update -m 300m "$did" 2>&1)
	expect_eq "update -m: Docker says the same" "Error response from daemon: Cannot update container $did: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time" "$out"
fi
# --cidfile and --label-file, as Docker's CLI
CID="$E2E_TMP/cid"
id=$($B run -d --cidfile "$CID" bb:cc sleep 30)
expect_eq "--cidfile: the container's id, without a newline" "$id" "$(cat "$CID")"
before=$($B ps -aq | wc -l)
out=$($B run --cidfile "$CID" bb:cc true 2>&1); rc=$?
expect_eq "--cidfile that exists: Docker's message, run exits 125" \
	"berth: container ID file found, make sure the other container isn't running or delete $CID|125" "$out|$rc"
$B create --cidfile "$CID" bb:cc true >/dev/null 2>&1; rc=$?
expect_eq "--cidfile that exists: create exits 1, as Docker's" 1 "$rc"
expect_eq "--cidfile that exists: no container made, the file kept" "$before $id" "$($B ps -aq | wc -l) $(cat "$CID")"
out=$($B run --cidfile "$E2E_TMP/no/dir/cid" bb:cc true 2>&1); rc=$?
expect_eq "--cidfile in a missing directory: Docker's message, and its 127" \
	"berth: failed to create the container ID file: open $E2E_TMP/no/dir/cid: no such file or directory|127" "$out|$rc"
rm -f "$CID"
$B run --pull never --cidfile "$CID" bb:nope true >/dev/null 2>&1
check_fails "--cidfile: removed again when no container is made" test -e "$CID"
printf 'a=1\n# a comment\n\nb\n  c=x y\nd=file\n' >"$E2E_TMP/labels"
$B create --name lf1 --label-file "$E2E_TMP/labels" -l d=flag bb:cc true >/dev/null
labels=$($B inspect -f '{{json .Config.Labels}}' lf1)
expect_eq "--label-file: K=V, comments and blank lines, a bare K dropped (Docker's); --label wins" '{"a":"1","c":"x y","d":"flag"}' "$labels"
printf 'b c\n' >"$E2E_TMP/labels2"
out=$($B create --label-file "$E2E_TMP/labels2" bb:cc true 2>&1); rc=$?
expect_eq "--label-file with a bad key: Docker's message, 125" \
	"berth: poorly formatted environment: variable 'b c' contains whitespaces|125" "$out|$rc"
if [ -n "$DK" ]; then
	did=$($DK create --label-file "$E2E_TMP/labels" -l d=flag bb:cc true)
	expect_eq "--label-file: Docker makes the same labels" "$labels" "$($DK inspect -f '{{json .Config.Labels}}' "$did")"
	rm -f "$E2E_TMP/dcid"
	did=$($DK create --cidfile "$E2E_TMP/dcid" bb:cc true)
	expect_eq "--cidfile: Docker writes it the same way" "$did" "$(cat "$E2E_TMP/dcid")"
fi
finish
