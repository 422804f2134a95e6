#!/bin/bash
# End-to-end tests of `berth ps` (needs root): every --filter of dockerd 20.10 and its refusals,
# the COMMAND and SIZE columns, --format fields (CreatedAt, Size, LocalVolumes, Label "k", json)
# and unknown fields; also `volume ls` filters and `inspect -f` on a missing key. Expected texts
# and exit codes are what dockerd 20.10.24 with its CLI gave for the same commands.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "ps e2e" "needs root"; finish; }
have_busybox || { skip "ps e2e" "no /bin/busybox"; finish; }
new_instance ps
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"
import_busybox bb:ps >/dev/null || { not_ok "import busybox"; finish; }

names() { $B ps "$@" --format '{{.Names}}' 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
# out_rc CMD...: "stdout+stderr rc=N"
out_rc() { local o; o=$("$@" 2>&1); echo "$o rc=$?"; }

# Oldest first: c1 (created), r1 (running), e3 (exited 3), c2 (created, volumes), r2 (running,
# volume vol1), e0 (exited 0), my-app, proj_web.1, web (created).
$B create --name c1 bb:ps >/dev/null
$B run -d --name r1 -l app=front bb:ps sleep 301 >/dev/null
$B run --name e3 bb:ps sh -c 'exit 3' >/dev/null
$B create --name c2 -v /data -v vol1:/v1 bb:ps >/dev/null
$B run -d --name r2 -v vol1:/v1 bb:ps sleep 301 >/dev/null
$B run --name e0 bb:ps true >/dev/null
for n in my-app proj_web.1 web; do $B create --name $n bb:ps >/dev/null; done

# ---- name= is a regular expression on the name with and without its slash ----
expect_eq "name=my-app ('-' is no pattern character)" "my-app" "$(names -a -f name=my-app)"
expect_eq "name=^/web\$ (the name has a leading slash)" "web" "$(names -a -f 'name=^/web$')"
expect_eq "name=^web\$" "web" "$(names -a -f 'name=^web$')"
expect_eq "name=proj_web.1" "proj_web.1" "$(names -a -f name=proj_web.1)"
expect_eq "name=web matches anywhere" "web proj_web.1" "$(names -a -f name=web)"
expect_eq "name=b% is no Lua pattern (and no crash)" " rc=0" "$(out_rc names -a -f 'name=b%')"
expect_eq "name=[ does not compile: matches nothing, as Docker" " rc=0" "$(out_rc names -a -f 'name=[')"
expect_eq "name=r\\d (Go's \\d)" "r2 r1" "$(names -a -f 'name=r\d')"
expect_eq "name= twice: either" "web c1" "$(names -a -f name=^web -f name=c1)"

# ---- id=, before=, since=, status=, exited= ----
id=$($B ps -aq --no-trunc -f name=^c1$)
expect_eq "id= a prefix" "c1" "$(names -a -f id=${id:0:8})"
expect_eq "id= empty matches nothing" "" "$(names -a -f id=)"
expect_eq "before= without -a: running ones" "r1" "$(names -f before=r2)"
expect_eq "before= with -a" "c2 e3 r1 c1" "$(names -a -f before=r2)"
expect_eq "since= with -a" "web proj_web.1 my-app e0 r2" "$(names -a -f since=c2)"
expect_eq "since= and before= together" "r2 c2 e3" "$(names -a -f since=r1 -f before=e0)"
expect_eq "before= of a missing container" "Error response from daemon: no such container nosuch rc=1" \
	"$(out_rc $B ps -f before=nosuch)"
expect_eq "status=exited implies -a" "e0 e3" "$(names -f status=exited)"
expect_eq "status= twice: either" "e0 r2 e3 r1" "$(names -f status=running -f status=exited)"
expect_eq "exited=3 needs -a" "" "$(names -f exited=3)"
expect_eq "exited=3" "e3" "$(names -a -f exited=3)"
expect_eq "exited=0 is not a created container" "e0" "$(names -a -f exited=0)"
expect_eq "-n 2 after the filters" "e0 e3" "$(names -a -n 2 -f name=^e)"

# ---- ancestor=, volume=, network=, health=, is-task=, isolation=, publish=, expose= ----
img=$($B image inspect -f '{{.Id}}' bb:ps)
all="web proj_web.1 my-app e0 r2 c2 e3 r1 c1"
expect_eq "ancestor=NAME:TAG" "$all" "$(names -a -f ancestor=bb:ps)"
expect_eq "ancestor=short image id" "$all" "$(names -a -f ancestor=${img:7:12})"
expect_eq "ancestor=full image id" "$all" "$(names -a -f ancestor=$img)"
expect_eq "ancestor=missing image matches nothing" "" "$(names -a -f ancestor=nosuch)"
$B tag bb:ps bb:other >/dev/null
$B create --name viaother bb:other >/dev/null
expect_eq "ancestor= matches the image, whatever name created the container" "viaother web" \
	"$(names -a -n 2 -f ancestor=bb:ps)"
$B rm viaother >/dev/null
expect_eq "volume=NAME" "r2 c2" "$(names -a -f volume=vol1)"
expect_eq "volume=DESTINATION" "c2" "$(names -a -f volume=/data)"
net=$($B inspect -f '{{.HostConfig.NetworkMode}}' r1)
[ "$net" = default ] && net=none
expect_eq "network= the container's network" "r2 r1" "$(names -f network=$net)"
expect_eq "network= another one" "" "$(names -a -f network=nosuchnet)"
expect_eq "health=none: no healthcheck" "r2 r1" "$(names -f health=none)"
expect_eq "health=healthy" "" "$(names -a -f health=healthy)"
expect_eq "is-task=false" "$all" "$(names -a -f is-task=false)"
expect_eq "is-task=true: no swarm tasks" "" "$(names -a -f is-task=true)"
expect_eq "isolation= is accepted (ignored on Linux)" "r2 r1" "$(names -f isolation=default)"
expect_eq "publish= without published ports" " rc=0" "$(out_rc names -a -f publish=80-90/tcp)"
expect_eq "expose= without exposed ports" " rc=0" "$(out_rc names -a -f expose=80)"

# ---- refusals: Docker's texts, exit 1 ----
expect_eq "bogus=1" "Error response from daemon: Invalid filter 'bogus' rc=1" "$(out_rc $B ps -f bogus=1)"
expect_eq "status=bogus" "Error response from daemon: Invalid filter 'status=bogus' rc=1" "$(out_rc $B ps -f status=bogus)"
expect_eq "exited=abc" 'Error response from daemon: strconv.Atoi: parsing "abc": invalid syntax rc=1' \
	"$(out_rc $B ps -f exited=abc)"
expect_eq "health=bogus" "Error response from daemon: Unrecognised filter value for health: bogus rc=1" \
	"$(out_rc $B ps -f health=bogus)"
expect_eq "is-task=bogus" "Error response from daemon: Invalid filter 'is-task=[bogus]' rc=1" \
	"$(out_rc $B ps -f is-task=bogus)"
expect_eq "expose=80:80" "Error response from daemon: filter for 'expose' should not contain ':': 80:80 rc=1" \
	"$(out_rc $B ps -f expose=80:80)"
expect_eq "publish=abc" 'Error response from daemon: error while looking up for publish abc: strconv.ParseUint: parsing "abc": invalid syntax rc=1' \
	"$(out_rc $B ps -f publish=abc)"
expect_eq "a filter without '=' is the CLI's flag error, 125" "125" "$($B ps -f bogus >/dev/null 2>&1; echo $?)"

# ---- columns ----
$B run --name sq bb:ps sh -c 'exit 3' >/dev/null
expect_eq "COMMAND quotes arguments holding a space" "\"sh -c 'exit 3'\"" "$($B ps -a -f name=sq --format '{{.Command}}')"
out=$($B ps -a -s -f name=sq)
expect_match "ps -s: SIZE column" "^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES +SIZE$" "$(head -1 <<<"$out")"
expect_match "ps -s: writable layer and image size" " sq +0B \(virtual 1\.[0-9]+MB\)$" "$(tail -1 <<<"$out")"
expect_match "{{.CreatedAt}} as Docker prints it" "^20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] [+-][0-9]{4} [A-Z]+$" \
	"$($B ps -a -f name=sq --format '{{.CreatedAt}}')"
expect_match "{{.Size}}" "^0B \(virtual 1\.[0-9]+MB\)$" "$($B ps -a -f name=sq --format '{{.Size}}')"
expect_eq "{{.LocalVolumes}} and {{.Mounts}}" "2 vol1" "$($B ps -a -f name=c2 --format '{{.LocalVolumes}} {{.Mounts}}' | sed 's/^\(2\) [0-9a-f]*…,/\1 /')"
expect_eq '{{.Label "app"}}' "front|" "$($B ps -a -f name=r1 --format '{{.Label "app"}}|{{.Label "nope"}}')"
expect_match "table {{.Label \"app\"}} heads its column with the label" "^app +NAMES$" \
	"$($B ps -a -f name=r1 --format 'table {{.Label "app"}}\t{{.Names}}' | head -1)"
expect_match "{{json .}} has Docker's keys" '^\{"Command":"\\"sleep 301\\"","CreatedAt":"[^"]+","ID":"[0-9a-f]{12}","Image":"bb:ps","Labels":"app=front","LocalVolumes":"0","Mounts":"","Names":"r1","Networks":"[^"]*","Ports":"","RunningFor":"[^"]+","Size":"0B \(virtual [^"]+\)","State":"running","Status":"Up [^"]+"\}$' \
	"$($B ps -f name=r1 --format '{{json .}}')"

# ---- --format errors: Docker's texts, exit 1, even with no container ----
field_err='can'"'"'t evaluate field Nope in type *formatter.ContainerContext'
expect_eq "{{.Nope}}" "failed to execute template: template: :1:2: executing \"\" at <.Nope>: $field_err rc=1" \
	"$(out_rc $B ps --format '{{.Nope}}')"
expect_eq "table {{.Nope}} (position in the raw format)" "failed to execute template: template: :1:8: executing \"\" at <.Nope>: $field_err rc=1" \
	"$(out_rc $B ps -f name=nosuch --format 'table {{.Nope}}')"
expect_eq "{{.Label}} without its argument" 'failed to execute template: template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0 rc=1' \
	"$(out_rc $B ps --format '{{.Label}}')"
expect_eq "{{.ID.Nope}}" 'failed to execute template: template: :1:5: executing "" at <.ID.Nope>: can'"'"'t evaluate field Nope in type string rc=1' \
	"$(out_rc $B ps --format '{{.ID.Nope}}')"
expect_eq "{{foo}}" 'failed to parse template: template: :1: function "foo" not defined rc=1' "$(out_rc $B ps --format '{{foo}}')"
expect_eq "-q checks the format too" "failed to execute template: template: :1:2: executing \"\" at <.Nope>: $field_err rc=1" \
	"$(out_rc $B ps -q --format '{{.Nope}}')"

# ---- inspect -f: a key the object lacks ----
expect_eq "inspect -f {{.Nope}}" 'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope" rc=1' \
	"$(out_rc $B inspect -f '{{.Nope}}' r1 | tr -d '\n')"
expect_eq "container inspect -f {{.State.Nope}}" 'template parsing error: template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope" rc=1' \
	"$(out_rc $B container inspect -f '{{.State.Nope}}' r1 | tr -d '\n')"
expect_eq "inspect -f: a label map's missing key is <no value>" "<no value>" "$($B inspect -f '{{.Config.Labels.nope}}' r1)"
expect_eq "volume inspect -f {{.Nope}}" 'template parsing error: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type types.Volume rc=1' \
	"$(out_rc $B volume inspect -f '{{.Nope}}' vol1 | tr -d '\n')"
expect_eq "inspect -f {{foo}}: exit 64 as Docker's CLI" 'template parsing error: template: :1: function "foo" not defined rc=64' \
	"$(out_rc $B inspect -f '{{foo}}' r1)"

# ---- volume ls ----
$B volume create --label k=1 my-vol >/dev/null
vols() { $B volume ls -q "$@" 2>&1 | grep -v '^[0-9a-f]\{64\}$' | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "volume ls name= is a regular expression" "my-vol" "$(vols -f 'name=^my-v.l$')"
expect_eq "volume ls label=" "my-vol" "$(vols -f label=k=1)"
expect_eq "volume ls dangling=bogus" "Error response from daemon: Invalid filter 'dangling=[bogus]' rc=1" \
	"$(out_rc $B volume ls -f dangling=bogus)"
expect_eq "volume ls bogus=1" "Error response from daemon: Invalid filter 'bogus' rc=1" "$(out_rc $B volume ls -f bogus=1)"
expect_eq "volume ls --format fields and Label" "N/A N/A 1 k=1" \
	"$($B volume ls -f name=my-vol --format '{{.Links}} {{.Size}} {{.Label "k"}} {{.Labels}}')"
expect_eq "volume ls --format {{.Nope}}" 'template parsing error: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.volumeContext rc=1' \
	"$(out_rc $B volume ls --format '{{.Nope}}')"
finish
