#!/bin/bash
# End-to-end tests of mounts and volumes (needs root): --mount bind|volume|tmpfs and its errors,
# --volumes-from, copy-up of image content into new volumes, and rm -v of anonymous volumes.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then skip "volumes e2e" "needs root"; finish; fi
if ! have_busybox; then skip "volumes e2e" "no static busybox"; finish; fi

new_instance volumes
at_exit "for c in \$($B ps -aq); do $B rm -f \$c; done"

# The image: busybox plus /data with content for copy-up (an owned file, a nested dir, a
# symlink out of the rootfs that must be copied as a link, never followed) and /esc, a symlink
# aiming outside the rootfs at a host directory with a secret.
R=$E2E_TMP/img
make_busybox_rootfs "$R"
mkdir -p "$R/data/sub"
echo seed >"$R/data/seed.txt"
chown 1:2 "$R/data/seed.txt"
chmod 640 "$R/data/seed.txt"
echo deep >"$R/data/sub/deep.txt"
ln -s /etc/passwd "$R/data/lnk"
HOSTDIR=$E2E_TMP/hostsecret
mkdir -p "$HOSTDIR"
echo secret >"$HOSTDIR/secret.txt"
ln -s "/../../../../../..$HOSTDIR" "$R/esc"
tar -C "$R" -c . | $B import -c 'ENV PATH=/bin' - img >/dev/null
check "import image with /data" $B image inspect img

vol_dir() { $B volume inspect -f '{{.Mountpoint}}' "$1"; }

# ---- --mount type=bind ----
H=$E2E_TMP/host
mkdir -p "$H"
echo fromhost >"$H/in.txt"
expect_eq "--mount bind rw: reads the host file" "fromhost" \
	"$($B run --rm --mount type=bind,source=$H,target=/h img cat /h/in.txt 2>&1)"
$B run --rm --mount type=bind,src=$H,dst=/h img sh -c 'echo written >/h/out.txt' >/dev/null 2>&1
expect_eq "--mount bind rw: the write reaches the host" "written" "$(cat "$H/out.txt" 2>/dev/null)"
out=$($B run --rm --mount type=bind,src=$H,dst=/h,readonly img sh -c 'echo x >/h/ro.txt 2>/dev/null; echo $?' 2>/dev/null)
expect_eq "--mount bind readonly: write refused" "1" "$out"
check_fails "--mount bind readonly: nothing written on the host" test -e "$H/ro.txt"
out=$($B run --rm --mount type=bind,src=$H,dst=/h,ro=false img sh -c 'echo x >/h/rw.txt; echo $?')
expect_eq "--mount bind ro=false: writable" "0" "$out"
id=$($B create --mount type=bind,src=$H,dst=/h,ro=1,bind-propagation=rslave img true)
expect_eq "inspect: --mount bind" \
	"bind $H /h  false rslave" \
	"$($B inspect -f '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.Mode}} {{.RW}} {{.Propagation}}{{end}}' "$id")"
expect_eq "inspect: HostConfig.Mounts" "bind /h true rslave" \
	"$($B inspect -f '{{range .HostConfig.Mounts}}{{.Type}} {{.Target}} {{.ReadOnly}} {{.BindOptions.Propagation}}{{end}}' "$id")"
$B rm "$id" >/dev/null

# ---- bind-propagation: with rslave a host mount made later under the source shows inside ----
P=$E2E_TMP/prop
mkdir -p "$P/sub"
mount --bind "$P" "$P" && mount --make-shared "$P"
at_exit "umount -l $P/sub; umount -l $P"
slave=$($B run -d --mount type=bind,src=$P,dst=/p,bind-propagation=rslave img sleep 60)
private=$($B run -d --mount type=bind,src=$P,dst=/p img sleep 60)
mount -t tmpfs berthprop "$P/sub" && echo late >"$P/sub/f"
expect_eq "bind-propagation=rslave: a later host mount propagates" "late" "$($B exec "$slave" cat /p/sub/f 2>&1)"
check_fails "default rprivate: it does not" $B exec "$private" cat /p/sub/f
umount "$P/sub"
$B rm -f "$slave" "$private" >/dev/null

# ---- --mount type=volume (named): persists across containers and rm ----
$B run --name w1 --mount type=volume,src=keep,dst=/v img sh -c 'echo persisted >/v/p.txt' >/dev/null 2>&1
$B rm w1 >/dev/null
expect_eq "--mount volume: data persists after rm" "persisted" \
	"$($B run --rm --mount type=volume,src=keep,dst=/v img cat /v/p.txt 2>&1)"
id=$($B create --mount type=volume,src=keep,dst=/v img true)
expect_eq "inspect: --mount volume" "volume keep /v z true local" \
	"$($B inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.Mode}} {{.RW}} {{.Driver}}{{end}}' "$id")"
expect_eq "inspect: volume Source is its mountpoint" "$(vol_dir keep)" \
	"$($B inspect -f '{{range .Mounts}}{{.Source}}{{end}}' "$id")"
$B rm "$id" >/dev/null
out=$($B run --rm --mount type=volume,src=keep,dst=/v,readonly img sh -c 'echo x >/v/ro 2>/dev/null; echo $?' 2>/dev/null)
expect_eq "--mount volume readonly: write refused" "1" "$out"

# ---- --mount type=tmpfs ----
out=$($B run --rm --mount type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700 img \
	sh -c 'grep " /t " /proc/mounts; stat -c %a /t')
expect_match "--mount tmpfs: a tmpfs inside" '^tmpfs /t tmpfs ' "$out"
expect_match "--mount tmpfs: size honoured" 'size=1024k' "$out"
expect_match "--mount tmpfs: mode honoured" '^700$' "$(printf '%s' "$out" | tail -1)"

# ---- bad --mount values: one line, Docker's words; create exits 125 when the flag is refused,
# 1 when the daemon refuses (as Docker's CLI; run exits 125 for both) ----
bad_mount() { # name expected-message value
	local out rc code=125
	case "$2" in "Error response from daemon: "*) code=1 ;; esac
	out=$($B create --mount "$3" img true 2>&1); rc=$?
	expect_eq "bad --mount ($1): exit $code" $code "$rc"
	expect_eq "bad --mount ($1): message" "berth: $2" "$out"
}
bad_mount "not key=value" 'invalid argument "x" for "--mount" flag: invalid field '"'x'"' must be a key=value pair' x
bad_mount "no target" 'invalid argument "type=bind,src=/tmp" for "--mount" flag: target is required' type=bind,src=/tmp
bad_mount "unknown key" 'invalid argument "foo=bar,dst=/a" for "--mount" flag: unexpected key '"'foo'"' in '"'foo=bar'"'' foo=bar,dst=/a
bad_mount "bad ro" 'invalid argument "type=bind,src=/tmp,dst=/a,ro=maybe" for "--mount" flag: invalid value for ro: maybe' \
	type=bind,src=/tmp,dst=/a,ro=maybe
bad_mount "mixed options" 'invalid argument "type=volume,dst=/a,tmpfs-size=1" for "--mount" flag: cannot mix '"'tmpfs-*'"' options with mount type '"'volume'"'' \
	type=volume,dst=/a,tmpfs-size=1
bad_mount "missing bind source" 'Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /nonexistent-berth' \
	type=bind,src=/nonexistent-berth,dst=/a
bad_mount "relative target" 'Error response from daemon: invalid mount config for type "bind": invalid mount path: '"'a'"' mount path must be absolute' \
	type=bind,src=/tmp,dst=a
bad_mount "unknown type" 'Error response from daemon: invalid mount config for type "foo": mount type unknown' type=foo,dst=/a
bad_mount "bad propagation" 'Error response from daemon: invalid mount config for type "bind": invalid propagation mode: foo' \
	type=bind,src=/tmp,dst=/a,bind-propagation=foo
bad_mount "tmpfs with source" 'Error response from daemon: invalid mount config for type "tmpfs": field Source must not be specified' \
	type=tmpfs,src=/x,dst=/a
expect_eq "bad --mount: no container left behind" "" "$($B ps -aq)"

# ---- --volumes-from ----
$B create --name src1 --mount type=volume,src=shared,dst=/s -v "$H:/h" img true >/dev/null
$B run --rm --mount type=volume,src=shared,dst=/s img sh -c 'echo shareddata >/s/f' >/dev/null 2>&1
expect_eq "--volumes-from: sees the volume's data" "shareddata" "$($B run --rm --volumes-from src1 img cat /s/f 2>&1)"
expect_eq "--volumes-from: sees the bind" "fromhost" "$($B run --rm --volumes-from src1 img cat /h/in.txt 2>&1)"
out=$($B run --rm --volumes-from src1 img sh -c 'echo more >>/s/f; echo $?')
expect_eq "--volumes-from: writable by default" "0" "$out"
out=$($B run --rm --volumes-from src1:ro img sh -c 'echo x >>/s/f 2>/dev/null; echo $?; echo x >/h/x 2>/dev/null; echo $?' 2>/dev/null)
expect_eq "--volumes-from :ro: writes refused" "1 1" "$(echo $out)"
id=$($B create --volumes-from src1:ro img true)
expect_eq "--volumes-from :ro: inspect RW" "/h:false /s:false " \
	"$($B inspect -f '{{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}' "$id")"
$B rm "$id" >/dev/null
out=$($B create --volumes-from src1:xx img true 2>&1); rc=$?
expect_eq "--volumes-from bad mode" "1 berth: Error response from daemon: invalid mode: xx" "$rc $out"
out=$($B create --volumes-from nosuch img true 2>&1); rc=$?
expect_eq "--volumes-from missing container" "1 berth: Error response from daemon: No such container: nosuch" "$rc $out"
out=$($B run --rm --volumes-from nosuch img true 2>&1); rc=$?
expect_eq "run --volumes-from missing container: 125" "125 berth: Error response from daemon: No such container: nosuch" "$rc $out"

# ---- copy-up ----
$B run --rm -v fresh:/data img true >/dev/null 2>&1
D=$(vol_dir fresh)
expect_eq "copy-up: a new named volume gets the image's file" "seed" "$(cat "$D/seed.txt" 2>/dev/null)"
expect_eq "copy-up: owner and mode kept" "1:2 640" "$(stat -c '%u:%g %a' "$D/seed.txt" 2>/dev/null)"
expect_eq "copy-up: nested directories" "deep" "$(cat "$D/sub/deep.txt" 2>/dev/null)"
expect_eq "copy-up: symlinks copied as links" "/etc/passwd" "$(readlink "$D/lnk" 2>/dev/null)"
expect_eq "copy-up: visible in the container" "seed" "$($B run --rm -v fresh:/data img cat /data/seed.txt 2>&1)"
$B run --rm --mount type=volume,src=fresh2,dst=/data img true >/dev/null 2>&1
expect_eq "copy-up: --mount volume too" "seed" "$(cat "$(vol_dir fresh2)/seed.txt" 2>/dev/null)"
$B volume create hasdata >/dev/null
echo mine >"$(vol_dir hasdata)/own.txt"
$B run --rm -v hasdata:/data img true >/dev/null 2>&1
expect_eq "copy-up: a volume with data is left alone" "own.txt" "$(ls "$(vol_dir hasdata)")"
echo changed >"$D/seed.txt"
$B run --rm -v fresh:/data img true >/dev/null 2>&1
expect_eq "copy-up: only the first time" "changed" "$(cat "$D/seed.txt")"
$B run --rm --mount type=volume,src=nocopy1,dst=/data,volume-nocopy img true >/dev/null 2>&1
expect_eq "copy-up: not with volume-nocopy" "" "$(ls -A "$(vol_dir nocopy1)")"
$B run --rm -v nocopy2:/data:nocopy img true >/dev/null 2>&1
expect_eq "copy-up: not with -v ...:nocopy" "" "$(ls -A "$(vol_dir nocopy2)")"
E=$E2E_TMP/emptybind
mkdir -p "$E"
$B run --rm -v "$E:/data" img true >/dev/null 2>&1
expect_eq "copy-up: never into a bind mount" "" "$(ls -A "$E")"
$B run --rm -v escape:/esc img true >/dev/null 2>&1
expect_eq "copy-up: a symlinked target never reads the host" "" "$(ls -A "$(vol_dir escape)")"
id=$($B create -v /data img true)
anon=$($B inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "$id")
expect_eq "copy-up: an anonymous volume too" "seed" "$(cat "$(vol_dir "$anon")/seed.txt" 2>/dev/null)"

# ---- rm -v: the anonymous volume goes, a named one stays ----
$B rm "$id" >/dev/null
check "rm without -v keeps the anonymous volume" $B volume inspect "$anon"
id=$($B create -v /data -v named1:/n img true)
anon=$($B inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "$id")
check "anonymous volume exists" $B volume inspect "$anon"
$B rm -v "$id" >/dev/null
check_fails "rm -v removes the anonymous volume" $B volume inspect "$anon"
check "rm -v keeps the named volume" $B volume inspect named1
id=$($B create --mount type=volume,dst=/data img true)
anon=$($B inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "$id")
$B rm -v "$id" >/dev/null
check_fails "rm -v removes a --mount anonymous volume" $B volume inspect "$anon"


# ---- volume rm: Docker's texts (dockerd 20.10.24) ----
$B volume create inuse >/dev/null
u1=$($B create --name vrm1 -v inuse:/x img true)
u2=$($B create --name vrm2 -v inuse:/y img true)
out=$($B volume rm inuse 2>&1); rc=$?
expect_eq "volume rm in use: the users' ids, rc=1" \
	"Error response from daemon: remove inuse: volume is in use - [$u1, $u2] rc=1" "$out rc=$rc"
out=$($B volume rm nosuchvol 2>&1); rc=$?
expect_eq "volume rm of a missing volume" "Error: No such volume: nosuchvol rc=1" "$out rc=$rc"
$B volume create gone1 >/dev/null
out=$($B volume rm nosuchvol gone1 2>&1); rc=$?
expect_eq "volume rm: names first, then the errors" "gone1 Error: No such volume: nosuchvol rc=1" "$(echo $out) rc=$rc"
expect_eq "volume rm -f of a missing volume prints its name" "nosuchvol rc=0" "$($B volume rm -f nosuchvol 2>&1) rc=$?"
$B rm vrm1 vrm2 >/dev/null
expect_eq "volume rm once unused" "inuse" "$($B volume rm inuse 2>&1)"

finish
