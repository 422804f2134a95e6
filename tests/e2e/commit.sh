#!/bin/bash
# berth commit: a container's changes (without the mount points berth makes in the rw layer)
# as a new image layer with the container's config, -a -c -m -p as Docker's; the image runs with
# berth and, saved and loaded, with Docker; bad input is refused with nothing made. With a
# private dockerd the committed layer's entries are compared with Docker's commit of the same.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "commit" "needs root"; finish; }
have_busybox || { skip "commit" "no /bin/busybox"; finish; }

DK=""
if [ -x /usr/bin/docker ] && start_dockerd; then
	DK="/usr/bin/docker -H $DOCKER_SOCK"
	at_exit 'for c in $($DK ps -aq); do $DK rm -f -v $c; done'
else
	skip "commit checked against Docker" "no private dockerd"
fi

SCRIPT='mkdir -p /tmp/x; echo hi > /tmp/x/f; rm /etc/group; echo >> /etc/passwd; touch /newfile; ln -s ../tmp/x/f /root/lnk'

# layer_entries IMAGE [docker]: the entries of the image's top layer, from `save`.
layer_entries() {
	local d; d=$(mktemp -d "$E2E_TMP/save.XXXX")
	if [ "${2:-}" = docker ]; then $DK save "$1"; else $B save "$1"; fi | tar -C "$d" -x
	tar -tf "$d/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-1])' "$d/manifest.json")" | sed 's|^\./||; s|/$||' | sort
}
# store_state: what a refused commit must leave unchanged.
store_state() { printf '%s|%s' "$($B images -aq --no-trunc | sort | tr '\n' ' ')" "$(ls "$INSTANCE_DIR"/root/storage/*/ | sort | tr '\n' ' ')"; }

for driver in overlay2 vfs; do
	new_instance "commit-$driver" "\"storage-driver\": \"$driver\""
	import_busybox bb:c >/dev/null || { not_ok "$driver: import busybox"; continue; }
	at_exit "for c in \$($B ps -aq); do $B rm -f -v \$c; done"
	$B run --name c1 --network none bb:c sh -c "$SCRIPT"

	out=$($B commit -a 'Ann <ann@x>' -m 'first commit' -c 'ENV FOO=bar' -c 'CMD ["cat", "/tmp/x/f"]' c1 app:1); rc=$?
	expect_eq "$driver: exit 0" 0 "$rc"
	expect_match "$driver: prints the image id" '^sha256:[0-9a-f]{64}$' "$out"
	expect_eq "$driver: tagged" "$out" "$($B image inspect -f '{{.Id}}' app:1 2>&1)"
	expect_eq "$driver: runs with the new CMD" "hi" "$($B run --rm --network none app:1 2>&1)"
	expect_eq "$driver: carries the changes" "bar|hi|../tmp/x/f|no group|1" \
		"$($B run --rm --network none app:1 sh -c 'echo "$FOO|$(cat /root/lnk)|$(readlink /root/lnk)|$(cat /etc/group 2>/dev/null || echo no group)|$(tail -1 /etc/passwd | wc -l)"' 2>&1)"
	expect_eq "$driver: inspect: author, comment, container, parent" \
		"Ann <ann@x>|first commit|$($B inspect -f '{{.Id}}' c1)|$($B image inspect -f '{{.Id}}' bb:c)" \
		"$($B image inspect -f '{{.Author}}|{{.Comment}}|{{.Container}}|{{.Parent}}' app:1)"
	expect_eq "$driver: config: the container's, changes applied; container_config: the container's" \
		'[cat /tmp/x/f]|[PATH=/usr/sbin:/usr/bin:/sbin:/bin FOO=bar]|[sh -c '"$SCRIPT"']|map[]' \
		"$($B image inspect -f '{{.Config.Cmd}}|{{.Config.Env}}|{{.ContainerConfig.Cmd}}|{{.Config.Labels}}' app:1)"
	expect_eq "$driver: one layer more" 2 "$($B image inspect -f '{{len .RootFS.Layers}}' app:1)"
	expect_eq "$driver: history: created by the container's command, with the message" \
		"sh -c $SCRIPT|first commit" "$($B history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' app:1 | head -1)"
	want='etc
etc/.wh.group
etc/passwd
newfile
root
root/lnk
tmp
tmp/x
tmp/x/f'
	expect_eq "$driver: the layer holds the changes only (no /etc/hosts, /proc, /dev ...)" "$want" "$(layer_entries app:1)"

	# nothing changed: an empty layer, as Docker's
	$B create --name fresh bb:c true >/dev/null
	id=$($B commit fresh)
	expect_eq "$driver: no changes: no layer" 1 "$($B image inspect -f '{{len .RootFS.Layers}}' "$id")"
	expect_eq "$driver: no changes: untagged" "<none>:<none>" "$($B images -a --format '{{.Repository}}:{{.Tag}} {{.ID}}' | grep "${id:7:12}" | cut -d' ' -f1)"

	# a running container is frozen meanwhile and running afterwards; -p=false leaves it alone
	long=$(printf 'n%.0s' $(seq 150))   # a PAX header: the layer filter keeps it with its entry
	$B run -d --name busy --network none bb:c sh -c "echo run > /run.txt; mkdir -p /d/$long; echo deep > /d/$long/f; sleep 300" >/dev/null
	sleep 0.5
	check "$driver: commit of a running container" $B container commit busy app:running
	expect_eq "$driver: running again afterwards" running "$($B inspect -f '{{.State.Status}}' busy)"
	expect_eq "$driver: its files are in the image (a long name too)" "run deep" \
		"$($B run --rm --network none app:running sh -c "echo \$(cat /run.txt /d/$long/f)" 2>&1)"
	check "$driver: --pause=false" $B commit --pause=false busy
	$B pause busy >/dev/null
	check "$driver: commit of a paused container" $B commit busy
	expect_eq "$driver: a paused container stays paused" paused "$($B inspect -f '{{.State.Status}}' busy)"
	$B unpause busy >/dev/null

	before=$(store_state)
	out=$($B commit -c 'RUN echo' c1 app:bad 2>&1); rc=$?
	expect_eq "$driver: bad change: exit 1" 1 "$rc"
	expect_eq "$driver: bad change: Docker's message" "Error response from daemon: run is not a valid change command" "$out"
	out=$($B commit c1 Bad:Ref 2>&1); rc=$?
	expect_eq "$driver: bad reference: exit 1 and the message" "1|berth: invalid reference format: repository name must be lowercase" "$rc|$out"
	out=$($B commit c1 "app@sha256:$(printf '0%.0s' $(seq 64))" 2>&1); rc=$?
	expect_eq "$driver: digest reference refused" "1|berth: refusing to create a tag with a digest reference" "$rc|$out"
	out=$($B commit nosuch 2>&1); rc=$?
	expect_eq "$driver: no such container" "1|Error response from daemon: No such container: nosuch" "$rc|$out"
	check_fails "$driver: no argument" $B commit
	expect_eq "$driver: refusals made nothing" "$before" "$(store_state)"
done

# The image Docker runs: saved by berth, loaded by Docker (the last instance's, vfs).
if [ -n "$DK" ]; then
	$B save app:1 | $DK load >/dev/null
	expect_eq "docker runs the committed image" "hi" "$($DK run --rm --network none app:1 2>&1)"
	expect_eq "docker sees the changes" "bar|../tmp/x/f" "$($DK run --rm --network none app:1 sh -c 'echo "$FOO|$(readlink /root/lnk)"' 2>&1)"
	tar -C "$E2E_TMP/bbroot" -c . | $DK import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' - bb:c >/dev/null
	$DK run --name c1 --network none bb:c sh -c "$SCRIPT"
	$DK commit c1 dapp:1 >/dev/null
	expect_eq "the layer's entries are Docker's" "$(layer_entries dapp:1 docker)" "$(layer_entries app:1)"
fi
finish
