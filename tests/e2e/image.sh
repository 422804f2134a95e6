#!/usr/bin/env bash
# End-to-end: the local image commands (import, images, tag, inspect, history, save, load, rmi,
# prune, info) on the real binary, hostile input, crash safety, and the daemon.json/plugin errors.
. "$(dirname "$0")/lib.sh"

if ! have_busybox; then skip "image commands" "no /bin/busybox (apt-get install busybox-static)"; finish; fi

new_instance img '"storage-driver": "vfs"'
IMG_B=$B

# --- import / images / inspect / tag ---------------------------------------------------------
id=$(import_busybox bb:test 2>&1)
expect_match "import prints the full image id" '^sha256:[0-9a-f]{64}$' "$id"
out=$($B images)
expect_match "images has Docker's header" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE' "$(echo "$out" | head -1)"
expect_match "images lists the imported image" "^bb +test +${id:7:12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+[kM]B" "$(echo "$out" | sed -n 2p)"
expect_eq "inspect -f .Id" "$id" "$($B inspect -f '{{.Id}}' bb:test)"
expect_eq "inspect -f json .Config.Env" '["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]' "$($B inspect -f '{{json .Config.Env}}' bb:test)"
expect_eq "inspect -f .RootFS.Type" "layers" "$($B image inspect -f '{{.RootFS.Type}}' bb:test)"
check "inspect prints a JSON array" sh -c "$B inspect bb:test | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"Id\"]==\"$id\"'"
check "tag" $B tag bb:test example.com/team/bb:v1
expect_eq "images -q lists one id for two tags" "${id:7:12}" "$($B images -q | sort -u)"
expect_eq "images reference filter" "example.com/team/bb v1" "$($B images -f reference='example.com/*/*' --format '{{.Repository}} {{.Tag}}')"
expect_eq "images --no-trunc -q" "$id" "$($B images --no-trunc -q | sort -u)"
expect_eq "image ls --format table" "REPOSITORY" "$($B image ls --format 'table {{.Repository}}' | head -1 | tr -d ' ')"
mkdir -p "$E2E_TMP/dkconf"
echo '{"imagesFormat": "{{.Repository}}={{.Tag}}"}' >"$E2E_TMP/dkconf/config.json"
expect_eq "Docker's config.json imagesFormat without --format" "bb=test example.com/team/bb=v1" \
	"$(DOCKER_CONFIG=$E2E_TMP/dkconf BERTH_CONFIG_DIR=$E2E_TMP/none $B images | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "config.json imagesFormat: not for -q" "${id:7:12}" "$(DOCKER_CONFIG=$E2E_TMP/dkconf $B images -q | sort -u)"
check "history shows the import" sh -c "$B history bb:test | grep -q Imported"
err=$($B inspect no-such-image 2>&1); rc=$?
expect_eq "inspect of a missing object exits 1" 1 "$rc"
expect_match "inspect of a missing object says so" 'No such object: no-such-image' "$err"

# --- import from a URL (libcurl), served on loopback --------------------------------------------
mkdir -p "$E2E_TMP/www"
tar -C "$E2E_TMP/bbroot" -czf "$E2E_TMP/www/rootfs.tgz" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$E2E_TMP/www" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1 </dev/null) & web=$!
at_exit "kill $web"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
uid=$($B import -m "from the web" "http://127.0.0.1:$port/rootfs.tgz" url/bb:1 2>&1)
expect_match "import from an http URL" '^sha256:[0-9a-f]{64}$' "$uid"
expect_eq "import -m sets the history comment" "from the web" "$($B inspect -f '{{.Comment}}' url/bb:1)"
err=$($B import "http://127.0.0.1:$port/missing.tar" 2>&1); rc=$?
expect_eq "import of a missing URL fails with exit 1" 1 "$rc"
$B rmi url/bb:1 >/dev/null

# --- save / load round trip inside berth ---------------------------------------------------------
check "save -o" $B save -o "$E2E_TMP/bb.tar" bb:test example.com/team/bb:v1
check "saved tar has manifest.json, index.json and oci-layout" sh -c "tar -tf $E2E_TMP/bb.tar | grep -qx manifest.json && tar -tf $E2E_TMP/bb.tar | grep -qx index.json && tar -tf $E2E_TMP/bb.tar | grep -qx oci-layout"
# the layer tar inside hashes to the diff_id in the config (byte-stable layers)
layer=$(python3 -c "import json,sys,tarfile; t=tarfile.open('$E2E_TMP/bb.tar'); m=json.load(t.extractfile('manifest.json')); print(m[0]['Layers'][0])")
want=$($B inspect -f '{{index .RootFS.Layers 0}}' bb:test)
got=sha256:$(tar -xOf "$E2E_TMP/bb.tar" "$layer" | sha256sum | cut -d' ' -f1)
expect_eq "saved layer tar hashes to its diff_id" "$want" "$got"
new_instance img2 '"storage-driver": "vfs"'
out=$($B load -i "$E2E_TMP/bb.tar" 2>&1)
expect_match "load prints Loaded image" 'Loaded image: bb:test' "$out"
expect_eq "loaded image keeps its id" "$id" "$($B inspect -f '{{.Id}}' example.com/team/bb:v1)"
check "load from stdin (gzip)" sh -c "gzip -c $E2E_TMP/bb.tar | $B load -q"
$B save bb:test | xz -T1 -c >"$E2E_TMP/bb.tar.xz"
new_instance img3 '"storage-driver": "vfs"'
check "load of an xz-compressed save from stdin" sh -c "$B load < $E2E_TMP/bb.tar.xz"
expect_eq "xz load keeps the id" "$id" "$($B inspect -f '{{.Id}}' bb:test)"

# --- rmi semantics -----------------------------------------------------------------------------------
B=$IMG_B
out=$($B rmi example.com/team/bb:v1 2>&1)
expect_eq "rmi of one of two tags only untags" "Untagged: example.com/team/bb:v1" "$out"
$B tag bb:test bb:other
err=$($B rmi "${id:7:12}" 2>&1); rc=$?
expect_match "rmi by id of a multiply-tagged image needs -f" 'must be forced' "$err"
out=$($B rmi -f "${id:7:12}" 2>&1)
expect_match "rmi -f untags all and deletes" "Deleted: $id" "$out"
expect_eq "no images left" "" "$($B images -q)"
err=$($B rmi nothing:here 2>&1); rc=$?
expect_eq "rmi of a missing image exits 1" 1 "$rc"
expect_match "rmi of a missing image says so" 'No such image: nothing:here' "$err"
left=$(find "$INSTANCE_DIR/../img/root/storage/vfs/dir" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
expect_eq "rmi removed the layer from the driver" 0 "$left"

# --- prune -------------------------------------------------------------------------------------------
import_busybox keep:1 >/dev/null
id2=$(import_busybox dangling:1)
$B rmi dangling:1 >/dev/null 2>&1
import_busybox dangling2:1 >/dev/null; $B tag keep:1 dangling2:1   # dangling2's old image loses its tag
out=$($B image prune -f 2>&1)
expect_match "image prune reports reclaimed space" 'Total reclaimed space:' "$out"
expect_eq "image prune keeps tagged images" "dangling2 keep" "$($B images --format '{{.Repository}}' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "image prune removed the untagged images" 1 "$($B images -q | sort -u | wc -l)"

# --- hostile input -----------------------------------------------------------------------------------
python3 "$(dirname "$0")/hostile_tars.py" "$E2E_TMP/hostile" >/dev/null
rm -rf /tmp/SYMESCAPE
new_instance hostile '"storage-driver": "vfs"'
for c in dotdot dotdot_deep symlink_parent symlink_rel_parent hardlink_out hardlink_abs truncated; do
	err=$($B load -i "$E2E_TMP/hostile/$c.archive.tar" 2>&1); rc=$?
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]; then ok "hostile load $c fails with one line"; else not_ok "hostile load $c fails with one line" "rc=$rc" "$err"; fi
	err=$($B import "$E2E_TMP/hostile/$c.layer.tar" 2>&1); rc=$?
	[ "$c" = truncated ] || { [ $rc -ne 0 ] && ok "hostile import $c refused" || not_ok "hostile import $c refused" "$err"; }
done
expect_eq "nothing escaped the store" "" "$(ls -d /tmp/SYMESCAPE "$E2E_TMP"/escape-* "$INSTANCE_DIR"/root/escape-* "$INSTANCE_DIR"/root/storage/escape-* 2>/dev/null)"
expect_eq "no hostile image was stored" "" "$($B images -q)"
expect_eq "no temp files left" "" "$(ls -A "$INSTANCE_DIR/root/tmp" 2>/dev/null)"
err=$(echo "not a tar" | $B load 2>&1); rc=$?
expect_eq "load of garbage exits 1" 1 "$rc"

# --- crash safety and concurrency --------------------------------------------------------------------
new_instance crash '"storage-driver": "vfs"'
mkdir -p "$E2E_TMP/bigroot"; make_busybox_rootfs "$E2E_TMP/bigroot"
head -c 60000000 /dev/urandom >"$E2E_TMP/bigroot/blob"
tar -C "$E2E_TMP/bigroot" -cf "$E2E_TMP/big.tar" .
# the tar arrives in two halves with a pause between, so the kill lands mid-layer every time
{ head -c 30000000 "$E2E_TMP/big.tar"; sleep 3; tail -c +30000001 "$E2E_TMP/big.tar"; } | $B import - big:1 >/dev/null 2>&1 & pid=$!
sleep 1.5; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
expect_eq "SIGKILL during import leaves no image" "" "$($B images -q)"
check "the store still works after the kill" $B import "$E2E_TMP/big.tar" big:1
($B load -i "$E2E_TMP/bb.tar" >/dev/null 2>&1; echo $? >"$E2E_TMP/c1") & l1=$!
($B load -i "$E2E_TMP/bb.tar" >/dev/null 2>&1; echo $? >"$E2E_TMP/c2") & l2=$!
wait $l1 $l2
expect_eq "two concurrent loads both succeed" "0 0" "$(cat "$E2E_TMP/c1") $(cat "$E2E_TMP/c2")"
expect_eq "concurrent loads make one image" "$id" "$($B inspect -f '{{.Id}}' bb:test)"
check "integrity check of berth.db" sh -c "sqlite3 $INSTANCE_DIR/root/berth.db 'PRAGMA integrity_check' | grep -qx ok"

# --- config and plugins --------------------------------------------------------------------------------
printf '{\n  "debug": true,\n  "mtu": 1500,,\n}\n' >"$E2E_TMP/bad.json"
err=$($BERTH_BIN --config-file "$E2E_TMP/bad.json" images 2>&1); rc=$?
expect_match "malformed daemon.json names line and column" 'bad.json: line 3, column [0-9]+' "$err"
expect_eq "malformed daemon.json exits 125" 125 "$rc"
printf '{"mtu": "big"}' >"$E2E_TMP/type.json"
err=$($BERTH_BIN --config-file "$E2E_TMP/type.json" images 2>&1)
expect_match "wrong type names the key" '"mtu" must be an integer' "$err"
mkdir -p "$E2E_TMP/badplugins/storage"
cp "$E2E_ROOT/build/tests/plugins/bad_major.so" "$E2E_TMP/badplugins/storage/"
new_instance badplug "\"storage-driver\": \"bad_major\", \"plugin-dirs\": [\"$E2E_TMP/badplugins\"]"
err=$($B info 2>&1); rc=$?
expect_match "a plugin of another ABI major is refused by name" 'plugin bad_major .* built for berth ABI 2\.0, but this berth has ABI 1\.[0-9]+' "$err"
expect_eq "refused plugin exits 125" 125 "$rc"

# --- storage driver switch: nothing silently lost ------------------------------------------------------
new_instance switch '"storage-driver": "vfs"'
import_busybox onvfs:1 >/dev/null
printf '{"data-root": "%s/root", "exec-root": "%s/exec", "storage-driver": "overlay2"}' "$INSTANCE_DIR" "$INSTANCE_DIR" >"$INSTANCE_DIR/daemon.json"
if grep -q overlay /proc/filesystems; then
	out=$($B info 2>&1)
	expect_match "info names the driver in use" 'Storage Driver: overlay2' "$out"
	expect_match "info reports images under the other driver" 'vfs' "$(echo "$out" | grep -i 'other storage driver')"
else
	skip "driver switch" "no overlayfs in this kernel"
fi
out=$($B info 2>&1)
expect_match "info lists loaded plugins with ABI versions" 'overlay2.*1\.[0-9]|1\.[0-9].*overlay2' "$out"

finish
