#!/bin/bash
# End-to-end checks of the shape of `inspect` for containers (QA report finding 8): every field
# Docker 20.10 has, in Docker's order, with Docker's zero values, [] and null where Docker has
# them, omitempty members out of the JSON but visible to templates. With a private dockerd the
# key sets, order and JSON types of equivalent containers are compared key by key
# (inspect_diff.py); without one, the same properties are checked against Docker's known output.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "inspect shape" "needs root"; finish; }
have_busybox || { skip "inspect shape" "no /bin/busybox"; finish; }
HERE=$(cd "$(dirname "$0")" && pwd)
new_instance shape
import_busybox bb:shape >/dev/null || { not_ok "import busybox"; finish; }
at_exit 'for c in $($B ps -aq); do $B rm -f -v $c; done'
mkdir -p "$E2E_TMP/src"

# berth.json: the kinds an empty table can have
cat >"$E2E_TMP/json.lua" <<'LUA'
local j = require("berth").json
io.write(j.encode({ a = j.array({}), n = j.array({}, { empty = "null" }), f = j.array({ 1 }, { empty = "null" }),
  m = j.object({}), z = j.object({}, nil, { empty = "null" }),
  s = j.object({ B = 2, A = "", C = 0, D = "x" }, { "D", "B", "A", "C" }, { omitempty = { "A", "C", "D" } }) }))
LUA
expect_eq "json: [] / null / {} / struct order / omitempty" \
	'{"a":[],"f":[1],"m":{},"n":null,"s":{"D":"x","B":2},"z":null}' "$($B script "$E2E_TMP/json.lua" 2>&1)"

$B create --name plain bb:shape true >/dev/null
$B run -d --name full --network none -v nv1:/n -v /anon -v "$E2E_TMP/src:/b:ro" --mount type=tmpfs,dst=/t2 \
	-p 8080:80 --dns 1.2.3.4 --dns-search example.com --dns-option ndots:2 --cap-add NET_ADMIN \
	--ulimit nofile=100:200 --pids-limit 50 --restart on-failure:2 -l a=b --log-opt max-size=1m -m 64m \
	--add-host h:1.2.3.4 --security-opt no-new-privileges bb:shape sleep 300 >/dev/null 2>&1
f() { $B inspect -f "$1" "$2" 2>&1; }

# lists: [] where the daemon fills them, null for nil ones (Docker 20.10 with its current CLI)
expect_eq "Mounts of a container without mounts is []" "[]" "$(f '{{json .Mounts}}' plain)"
expect_eq "Binds/CapAdd/CapDrop/ExtraHosts/SecurityOpt are null" "null null null null null" \
	"$(f '{{json .HostConfig.Binds}} {{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} {{json .HostConfig.ExtraHosts}} {{json .HostConfig.SecurityOpt}}' plain)"
expect_eq "Dns/DnsOptions/DnsSearch/Ulimits are []" "[] [] [] []" \
	"$(f '{{json .HostConfig.Dns}} {{json .HostConfig.DnsOptions}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.Ulimits}}' plain)"
expect_eq "a nil list prints [] in a template, as Go's nil slice" "[] 0" "$(f '{{.HostConfig.Binds}} {{len .HostConfig.CapAdd}}' plain)"
expect_eq "Tmpfs is left out when empty, yet a template sees map[]" "false map[]" \
	"$($B inspect plain | python3 -c 'import json,sys; print(str("Tmpfs" in json.load(sys.stdin)[0]["HostConfig"]).lower())') $(f '{{.HostConfig.Tmpfs}}' plain)"
expect_eq "PidsLimit unset is null" "null <nil>" "$(f '{{json .HostConfig.PidsLimit}} {{.HostConfig.PidsLimit}}' plain)"
expect_eq "PidsLimit set" "50" "$(f '{{.HostConfig.PidsLimit}}' full)"
expect_eq "State in Docker's order" '{"Status":"created","Running":false,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"","StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}' \
	"$(f '{{json .State}}' plain)"
expect_eq "Ulimits entries: Name, Hard, Soft" '[{"Name":"nofile","Hard":200,"Soft":100}]' "$(f '{{json .HostConfig.Ulimits}}' full)"
expect_eq "run -d: not attached" "false false false" "$(f '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}' full)"
expect_eq "create: stdout and stderr attached" "false true true" "$(f '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}' plain)"
expect_eq "-v NAME:/n has Mode z" "z" "$(f '{{range .Mounts}}{{if eq .Destination "/n"}}{{.Mode}}{{end}}{{end}}' full)"
expect_eq "-v /anon is in Config.Volumes" '{"/anon":{}}' "$(f '{{json .Config.Volumes}}' full)"
expect_eq "Config.Volumes without volumes is null" "null" "$(f '{{json .Config.Volumes}}' plain)"
expect_eq "bind and tmpfs mounts: Name and Driver empty in templates" "/b:| /t2:|" \
	"$(f '{{range .Mounts}}{{if ne .Type "volume"}}{{.Destination}}:{{.Name}}|{{.Driver}} {{end}}{{end}}' full | sed 's/ $//')"
expect_eq "bind mounts: no Name or Driver in the JSON" "False False" \
	"$($B inspect full | python3 -c 'import json,sys; m=[x for x in json.load(sys.stdin)[0]["Mounts"] if x["Type"]=="bind"][0]; print("Name" in m, "Driver" in m)')"
id=$(f '{{.Id}}' full)
expect_eq "SandboxKey is the netns berth binds" "$INSTANCE_DIR/exec/netns/$id" "$(f '{{.NetworkSettings.SandboxKey}}' full)"
expect_eq "Networks has the none network" "none" "$(f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' full)"
expect_eq "NetworkSettings.IPAddress is an empty string" "[]" "$(f '[{{.NetworkSettings.IPAddress}}]' full)"
expect_eq "HostConfig.Mounts entry as Docker's mount.Mount" '[{"Type":"tmpfs","Target":"/t2"}]' "$(f '{{json .HostConfig.Mounts}}' full)"

# Docker's fields in Docker's order (moby@20.10 api/types: ContainerJSON, HostConfig, Config)
top='Id Created Path Args State Image ResolvConfPath HostnamePath HostsPath LogPath Name RestartCount Driver Platform MountLabel ProcessLabel AppArmorProfile ExecIDs HostConfig GraphDriver Mounts Config NetworkSettings'
expect_eq "top-level keys in Docker's order" "$top" \
	"$($B inspect plain | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[0]))')"
expect_eq "inspect -s puts SizeRw and SizeRootFs after GraphDriver" "GraphDriver SizeRw SizeRootFs Mounts" \
	"$($B inspect -s plain | python3 -c 'import json,sys; k=list(json.load(sys.stdin)[0]); i=k.index("GraphDriver"); print(" ".join(k[i:i+4]))')"
expect_eq "Config keys in Docker's order" "Hostname Domainname User AttachStdin AttachStdout AttachStderr Tty OpenStdin StdinOnce Env Cmd Image Volumes WorkingDir Entrypoint OnBuild Labels" \
	"$($B inspect plain | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[0]["Config"]))')"

if ! start_dockerd; then
	skip "key-by-key comparison with Docker" "could not start a private dockerd (apt-get install docker.io)"
	finish
fi
tar -C "$E2E_TMP/bbroot" -c . | dk import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' - bb:shape >/dev/null
at_exit 'for c in $(dk ps -aq); do dk rm -f -v $c; done'
# compare NAME FLAGS...: the same container made by both (`berth FLAGS`, `docker FLAGS`); its
# inspect has the same keys, order and types, and the same values where berth can match them
compare() {
	local name=$1 out
	shift
	$B "$@" >/dev/null 2>&1
	dk "$@" >/dev/null 2>&1
	$B inspect "$name" >"$E2E_TMP/b-$name.json"
	dk inspect "$name" >"$E2E_TMP/d-$name.json"
	if out=$(python3 "$HERE/inspect_diff.py" "$E2E_TMP/d-$name.json" "$E2E_TMP/b-$name.json" --ignore GraphDriver.Data \
		--values HostConfig.PortBindings --values Config.ExposedPorts --values Config.Volumes \
		--values HostConfig.LogConfig --values HostConfig.RestartPolicy --values HostConfig.Ulimits \
		--values HostConfig.Dns --values HostConfig.DnsSearch --values HostConfig.DnsOptions \
		--values Config.AttachStdout --values Config.AttachStderr --values Config.AttachStdin --values Config.StdinOnce \
		--values HostConfig.PidsLimit --values HostConfig.MemorySwap --values HostConfig.Tmpfs --values HostConfig.Mounts); then
		ok "$name: same keys, order and types as Docker's"
	else
		not_ok "$name: same keys, order and types as Docker's" "$out"
	fi
}
compare c-created create --name c-created --network none bb:shape true
compare c-full run -d --name c-full --network none -v nv2:/n -v /anon -v "$E2E_TMP/src:/b:ro" --tmpfs /t \
	--mount type=tmpfs,dst=/t2 -p 8080:80 --dns 1.2.3.4 --dns-search example.com --dns-option ndots:2 \
	--ulimit nofile=100:200 --pids-limit 50 --restart on-failure:2 -l a=b \
	--log-opt max-size=1m -m 64m --add-host h:1.2.3.4 --security-opt no-new-privileges bb:shape sleep 300
compare c-exited run --name c-exited --network none bb:shape true
compare c-host run -d --name c-host --network host bb:shape sleep 300
compare c-it create -it --name c-it --network none -e A=1 -w /tmp --entrypoint sh bb:shape
compare c-volumes create --name c-volumes --network none -v nv3:/n:ro -v nv4:/m:nocopy -v "$E2E_TMP/src:/b" \
	-v "$E2E_TMP/src:/c:rw,slave" -v "$E2E_TMP/src:/x:ro" bb:shape true
finish
