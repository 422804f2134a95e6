#!/bin/bash
# berth cp: Docker's copy rules in and out of created, exited and running containers (a file or a
# directory onto a missing path, an existing directory, "/." contents, trailing "/"), "-" tar
# streams, -L, ownership with and without -a, volumes and binds (read-only ones refused), a
# --read-only rootfs, symlinks and "../" tar entries that must stay inside the container's root,
# Docker's error texts and exit codes, and no mount left behind. With a private dockerd each case
# runs against Docker too and the results (trees, owners, messages, exit codes) are compared.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "cp" "needs root"; finish; }
have_busybox || { skip "cp" "no /bin/busybox"; finish; }

W=$E2E_TMP/w
mkdir -p "$W/b" "$W/d" "$W/bind-b" "$W/bind-d" "$W/ro-b" "$W/ro-d"
echo ro >"$W/ro-b/in"
echo ro >"$W/ro-d/in"

new_instance cp '"storage-driver": "overlay2"'
import_busybox bb:cp >/dev/null || { not_ok "import busybox"; finish; }
at_exit "for c in \$($B ps -aq); do $B rm -f -v \$c; done"
DK=""
if [ -x /usr/bin/docker ] && start_dockerd; then
	DK="/usr/bin/docker -H $DOCKER_SOCK"
	tar -C "$E2E_TMP/bbroot" -c . | $DK import -c 'CMD ["sh"]' - bb:cp >/dev/null
	at_exit 'for c in $($DK ps -aq); do $DK rm -f -v $c; done'
else
	skip "cp compared with Docker" "no private dockerd"
fi

# The same containers in both engines (E: berth or docker command line, S: bind suffix).
make_containers() {
	local E=$1 S=$2
	$E create --name st --network none -v /vol -v "$W/bind-$S:/bind" -v "$W/ro-$S:/ro:ro" bb:cp sleep 300 >/dev/null
	$E run -d --name run --network none -v /rvol bb:cp sleep 300 >/dev/null
	$E create --name rofs --network none --read-only -v /rw bb:cp sleep 300 >/dev/null
	$E run --name ex --network none bb:cp sh -c 'mkdir /made; echo made >/made/f' >/dev/null
	$E create --name usr --network none -u 7:8 bb:cp sleep 300 >/dev/null
	$E create --name usrn --network none -u nobody bb:cp sleep 300 >/dev/null
}
make_containers "$B" b
[ -n "$DK" ] && make_containers "$DK" d

# Fixture content, put in with a tar stream on stdin: owners, a directory, symlinks out of the tree.
python3 - "$E2E_TMP/fixture.tar" <<'EOF'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], 'w', format=tarfile.USTAR_FORMAT)
def add(name, kind=tarfile.REGTYPE, data=b'', link='', uid=0, gid=0, mode=0o644):
    i = tarfile.TarInfo(name); i.type = kind; i.uid = uid; i.gid = gid; i.mode = mode
    i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0; i.mtime = 1600000000
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
add('tmp/dd', tarfile.DIRTYPE, mode=0o755)
add('tmp/dd/q', data=b'q\n', uid=42, gid=43)
add('tmp/dd/sub', tarfile.DIRTYPE, mode=0o750, uid=5, gid=6)
add('tmp/dd/sub/z', data=b'z\n')
add('tmp/own', data=b'own\n', uid=42, gid=43, mode=0o600)
add('tmp/etclink', tarfile.SYMTYPE, link='/etc')
add('tmp/up', tarfile.SYMTYPE, link='../../..')
add('tmp/ownlink', tarfile.SYMTYPE, link='/tmp/own')
add('tmp/ddlink', tarfile.SYMTYPE, link='dd')
add('tmp/.wh.plain', data=b'not a whiteout\n')
t.close()
EOF
for E in "$B" ${DK:+"$DK"}; do
	for c in st run ex; do $E cp - $c:/ <"$E2E_TMP/fixture.tar" || not_ok "fixture into $c"; done
done

# The result of one engine's run of a case, for comparison: "rc: stderr".
run_cp() { # E DIR ARGS...
	local E=$1 dir=$2 out rc
	shift 2
	out=$(cd "$dir" && $E cp "$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	printf '%s: %s' "$rc" "$out"
}
# err_case NAME EXPECTED ARGS...: berth fails as EXPECTED ("1: message"), and Docker the same way.
err_case() {
	local name=$1 want=$2
	shift 2
	expect_eq "$name" "$want" "$(run_cp "$B" "$W/b" "$@")"
	[ -n "$DK" ] && expect_eq "$name: Docker says the same" "$want" "$(run_cp "$DK" "$W/d" "$@")"
}
# A tree as it can be compared: path, type, owner, mode, and file contents.
tree() { (cd "$1" && find . -mindepth 1 -printf '%p %y %U:%G %m\n' | sort && find . -type f -exec md5sum {} + | sort); }
# out_case NAME ARGS...: copy out in both engines (dest paths relative to $W/b and $W/d), compare.
out_case() {
	local name=$1
	shift
	expect_eq "$name: exit 0" "0: " "$(run_cp "$B" "$W/b" "$@")"
	[ -n "$DK" ] && { run_cp "$DK" "$W/d" "$@" >/dev/null; expect_eq "$name: as Docker" "$(tree "$W/d")" "$(tree "$W/b")"; }
}
# A container's tree under PATH as the tar stream shows it (names, types, owners, modes).
ctree() { $1 cp "$2" - 2>/dev/null | tar -tvf - --numeric-owner | awk '{print $1, $2, $6, $7, $8}' | sort; }
in_case() { # NAME CHECKPATH ARGS...
	local name=$1 chk=$2
	shift 2
	expect_eq "$name: exit 0" "0: " "$(run_cp "$B" "$W/b" "$@")"
	[ -n "$DK" ] && { run_cp "$DK" "$W/d" "$@" >/dev/null; expect_eq "$name: as Docker" "$(ctree "$DK" "$chk")" "$(ctree "$B" "$chk")"; }
}

# --- errors ---
touch "$W/b/file" "$W/d/file"
mkdir -p "$W/b/adir" "$W/d/adir"
err_case "a missing path" "1: Error: No such container:path: st:/nope" st:/nope x
err_case "a missing container" "1: Error: No such container:path: nosuch:/etc" nosuch:/etc x
err_case "a missing container, into it" "1: Error: No such container:path: nosuch:/" file nosuch:/etc
err_case "a missing container, a stream into it" "1: destination \"nosuch:/etc\" must be a directory" - nosuch:/etc
err_case "-L to a missing path" "1: Error: No such container:path: st:/tmp/nolink" -L st:/tmp/nolink x
err_case "between containers" "1: copying between containers is not supported" st:/etc run:/x
err_case "no container" "1: must specify at least one container source" a b
err_case "a file to a missing dir/" "1: no such directory" st:/etc/passwd nodir/
err_case "a missing output directory" "1: invalid output path: directory \"$W/b/newdir\" does not exist" st:/etc/passwd "$W/b/newdir/x"
err_case "a directory out onto a file" "1: cannot copy directory" st:/etc file
err_case "a directory in onto a file" "1: cannot copy directory" adir st:/etc/passwd
err_case "a file into a missing dir/" "1: no such directory" file st:/nodir/
err_case "a file into a missing parent" "1: Error: No such container:path: st:/nodir" file st:/nodir/x
err_case "a tar stream onto a file" "1: destination \"st:/etc/passwd\" must be a directory" - st:/etc/passwd
err_case "a read-only rootfs" "1: Error response from daemon: container rootfs is marked read-only" file rofs:/etc/x
err_case "a read-only bind" "1: Error response from daemon: mounted volume is marked read-only" file st:/ro/x
mkdir -p "$W/b/t1/own" "$W/d/t1/own" "$W/b/t2" "$W/d/t2"
echo >"$W/b/t2/dd"
echo >"$W/d/t2/dd"
err_case "a directory onto a file inside" "1: Error response from daemon: Error processing tar file(exit status 1): cannot overwrite non-directory \"/tmp/own\" with directory \"/tmp\"" t1/. st:/tmp/
err_case "a file onto a directory inside" "1: Error response from daemon: Error processing tar file(exit status 1): cannot overwrite directory \"/tmp/dd\" with non-directory \"/tmp\"" t2/. st:/tmp/
mkdir -p "$W/b/l" "$W/d/l"
ln -s ../../../.. "$W/b/l/bad"
ln -s ../../../.. "$W/d/l/bad"
err_case "a symlink leaving the destination, in" "1: Error response from daemon: Error processing tar file(exit status 1): invalid symlink \"/tmp/l/bad\" -> \"../../../..\"" l st:/tmp/l
expect_eq "a symlink leaving the destination, out" "1: invalid symlink \"$W/b/upx\" -> \"../../..\"" "$(run_cp "$B" "$W/b" st:/tmp/up upx)"
[ -n "$DK" ] && expect_eq "a symlink leaving the destination, out: Docker too" "1: invalid symlink \"$W/d/upx\" -> \"../../..\"" "$(run_cp "$DK" "$W/d" st:/tmp/up upx)"
expect_eq "a missing local parent of a /. destination" "1: stat $W/b/nosuchdir: no such file or directory" "$(run_cp "$B" "$W/b" st:/tmp/dd nosuchdir/.)"
[ -n "$DK" ] && expect_eq "a missing local parent of a /. destination: Docker too" "1: stat $W/d/nosuchdir: no such file or directory" "$(run_cp "$DK" "$W/d" st:/tmp/dd nosuchdir/.)"
expect_match "a path through a file" '^1: Error response from daemon: lstat .*/etc/passwd/: not a directory$' "$(run_cp "$B" "$W/b" st:/etc/passwd/ x)"
err_case "no source" "1: source can not be empty" "" x
expect_match "no arguments" '^1: "berth cp" requires exactly 2 arguments' "$(run_cp "$B" "$W/b")"

# --- out of the container ---
for c in st ex run; do
	rm -rf "$W/b/o" "$W/d/o"; mkdir "$W/b/o" "$W/d/o"
	out_case "$c: a file to a missing name" $c:/tmp/own o/own2
	out_case "$c: a file into a directory" $c:/tmp/own o
	out_case "$c: a file onto a file" $c:/tmp/dd/q o/own2
	out_case "$c: a directory to a missing name" $c:/tmp/dd o/newdd
	out_case "$c: a directory into a directory" $c:/tmp/dd o/newdd
	out_case "$c: a directory's contents (/.)" $c:/tmp/dd/. o
	out_case "$c: a symlink as it is" $c:/tmp/etclink o/el
	out_case "$c: -L follows it" -L $c:/tmp/ownlink o/
	out_case "$c: a trailing / follows it" $c:/tmp/ddlink/ o/dls
	out_case "$c: -a keeps the caller's ids out (Docker ignores it there)" -a $c:/tmp/own o/own_a
	out_case "$c: a whiteout-like name is a file" $c:/tmp/.wh.plain o
done
expect_eq "ex: the exited container's own file" "made" "$($B cp ex:/made/f - | tar -xOf -)"
expect_eq "a symlink to /etc stays in the root" "$($B cp st:/etc/passwd - | tar -xOf -)" "$($B cp st:/tmp/etclink/passwd - | tar -xOf -)"
expect_eq "../../.. stays in the root" "$($B cp st:/etc/passwd - | tar -xOf -)" "$($B cp st:/tmp/up/etc/passwd - | tar -xOf -)"
expect_match "not the host's passwd" '^root:x:0:0:root:/root:/bin/sh' "$($B cp -L st:/tmp/up/etc/passwd - | tar -xOf -)"
for p in /tmp/dd /tmp/dd/. /tmp/etclink /tmp/own /; do
	b=$($B cp st:$p - | tar -tf - 2>/dev/null | head -20)
	expect_match "stream of $p: a tar" . "$b"
	[ -n "$DK" ] && expect_eq "stream of $p: names as Docker's" "$($DK cp st:$p - | tar -tf - 2>/dev/null | grep -v dockerenv | head -20)" "$b"
done
b=$($B cp -L st:/tmp/ownlink - | tar -tvf - --numeric-owner | awk '{print $2, $6}')
expect_eq "-L to a stream: the target, named as it" "42/43 own" "$b"

# --- no mount left behind by a stopped container ---
before=$(grep -F "$INSTANCE_DIR" /proc/self/mountinfo | cut -d' ' -f5 | sort)
$B cp st:/tmp/dd "$W/b/leak" && $B cp "$W/b/file" st:/tmp/leak && $B cp st:/vol - >/dev/null &&
	$B cp -L ex:/tmp/ownlink - >/dev/null
expect_eq "copies with stopped containers: exit 0" 0 $?
expect_eq "no mount left after copies with stopped containers" "$before" \
	"$(grep -F "$INSTANCE_DIR" /proc/self/mountinfo | cut -d' ' -f5 | sort)"

# --- into the container ---
mkdir -p "$W/src/d/e"
echo hi >"$W/src/f"
echo deep >"$W/src/d/e/g"
ln -s /etc "$W/src/d/lnk"
chown -R 1234:5678 "$W/src"
for c in st ex run; do
	in_case "$c: a file to a missing name" $c:/tmp/f1 "$W/src/f" $c:/tmp/f1
	in_case "$c: a file into a directory" $c:/tmp/dd "$W/src/f" $c:/tmp/dd
	in_case "$c: a file onto a file" $c:/tmp/f1 "$W/src/d/e/g" $c:/tmp/f1
	in_case "$c: a directory to a missing name" $c:/tmp/nd "$W/src/d" $c:/tmp/nd
	in_case "$c: a directory into a directory" $c:/tmp/nd "$W/src/d" $c:/tmp/nd
	in_case "$c: a directory's contents (/.)" $c:/tmp/dd "$W/src/d/." $c:/tmp/dd
	in_case "$c: -a (no user configured: the source's ids)" $c:/tmp/fa -a "$W/src/f" $c:/tmp/fa
	in_case "$c: through a symlink to /etc" $c:/etc/f "$W/src/f" $c:/tmp/etclink
done
expect_eq "the host's /etc untouched" "no" "$([ -e /etc/f ] && echo yes || echo no)"
ln -s "$W/src/d" "$W/srclink"
ln -s /etc "$W/srclink2"
in_case "a local symlink as it is" st:/tmp/sl "$W/srclink2" st:/tmp/sl
in_case "-L: a local symlink's target, named as the link" st:/tmp/sl2 -L "$W/srclink" st:/tmp/sl2
in_case "-L into a directory: named as the link" st:/tmp/dd -L "$W/srclink" st:/tmp/dd
in_case "a --read-only container's volume takes files" rofs:/rw "$W/src/f" rofs:/rw
$B exec run cat /tmp/f1 >"$E2E_TMP/seen" 2>&1
expect_eq "running: the file is there at once" "deep" "$(cat "$E2E_TMP/seen")"
$B cp "$W/src/f" usr:/tmp/ua
$B cp -a "$W/src/f" usr:/tmp/ub
expect_eq "-a: the container's user (-u 7:8)" "1234/5678 7/8" \
	"$(for f in ua ub; do $B cp usr:/tmp/$f - | tar -tvf - --numeric-owner | awk '{print $2}'; done | xargs)"
in_case "-a: a named --user, from the container's passwd" usrn:/tmp/un -a "$W/src/f" usrn:/tmp/un
expect_eq "-a: nobody's ids" "65534/65534" "$($B cp usrn:/tmp/un - | tar -tvf - --numeric-owner | awk '{print $2}')"

# --- volumes and binds ---
$B cp "$W/src/f" st:/vol/x
vol=$($B inspect -f '{{range .Mounts}}{{if eq .Destination "/vol"}}{{.Source}}{{end}}{{end}}' st)
expect_eq "into a volume: in the volume's directory" "hi" "$(cat "$vol/x" 2>&1)"
$B cp "$W/src/f" st:/bind/y
expect_eq "into a bind: in the host directory" "hi" "$(cat "$W/bind-b/y" 2>&1)"
expect_eq "out of a read-only bind" "ro" "$($B cp st:/ro/in - | tar -xOf -)"
$B cp "$W/src/f" run:/rvol/z
expect_eq "into a running container's volume" "hi" "$($B exec run cat /rvol/z 2>&1)"

# the /etc files a run binds in, as Docker's NetworkMounts (Docker fills them at the first start)
expect_eq "running: /etc/hostname is the one the container sees" "$($B inspect -f '{{.Config.Hostname}}' run)" \
	"$($B cp run:/etc/hostname - | tar -xOf -)"
[ -n "$DK" ] && expect_eq "running: /etc/hostname: Docker too" "$($DK inspect -f '{{.Config.Hostname}}' run)" \
	"$($DK cp run:/etc/hostname - | tar -xOf -)"

# --- hostile tar streams ---
python3 - "$E2E_TMP" <<'EOF'
import io, sys, tarfile
d = sys.argv[1]
t = tarfile.open(d + '/dotdot.tar', 'w')
i = tarfile.TarInfo('../../../../../../..' + d + '/escaped'); i.size = 1; t.addfile(i, io.BytesIO(b'x')); t.close()
t = tarfile.open(d + '/through.tar', 'w')
i = tarfile.TarInfo('lnk'); i.type = tarfile.SYMTYPE; i.linkname = d + '/outside'; t.addfile(i)
i = tarfile.TarInfo('lnk/file'); i.size = 1; t.addfile(i, io.BytesIO(b'y')); t.close()
EOF
mkdir -p "$E2E_TMP/outside"
r=$(cd "$W/b" && { $B cp - st:/tmp <"$E2E_TMP/dotdot.tar" 2>&1; echo "rc=$?"; } | tr '\n' ' ')
expect_match "a ../ entry is refused" "is outside of \"/tmp\".*rc=1" "$r"
expect_eq "nothing written outside by ../" "no" "$([ -e "$E2E_TMP/escaped" ] && echo yes || echo no)"
r=$(cd "$W/b" && $B cp - st:/tmp <"$E2E_TMP/through.tar" 2>&1; echo "rc=$?")
expect_match "an entry below a symlink is refused" "rc=1" "$r"
expect_eq "nothing written through the symlink" "" "$(ls "$E2E_TMP/outside")"
for c in st run; do
	r=$($B cp "$W/src/f" $c:/tmp/up/ 2>&1; echo "rc=$?")
	expect_eq "$c: into ../../.. lands in the root" "rc=0 hi" "$r $($B cp $c:/f - | tar -xOf -)"
done
expect_eq "the host's / untouched" "no" "$([ -e /f ] && [ "$(cat /f)" = hi ] && echo yes || echo no)"

# --- vfs: the same copies where the storage driver's mount is a plain directory ---
new_instance cp-vfs '"storage-driver": "vfs"'
import_busybox bb:cp >/dev/null || not_ok "vfs: import busybox"
at_exit "for c in \$($B ps -aq); do $B rm -f -v \$c; done"
$B create --name st --network none -v /vol bb:cp sleep 300 >/dev/null
$B cp - st:/ <"$E2E_TMP/fixture.tar"
$B cp "$W/src/d" st:/tmp/nd && $B cp "$W/src/f" st:/vol/x
expect_eq "vfs: copies in, exit 0" 0 $?
expect_eq "vfs: a stream in, owners and modes kept" "-rw-r--r-- 0/0 dd/sub/z  |-rw-r--r-- 42/43 dd/q  |drwxr-x--- 5/6 dd/sub/  |drwxr-xr-x 0/0 dd/  " \
	"$(ctree "$B" st:/tmp/dd | paste -sd'|')"
expect_eq "vfs: a directory copied in" "-rw-r--r-- 1234/5678 nd/e/g  |drwxr-xr-x 1234/5678 nd/  |drwxr-xr-x 1234/5678 nd/e/  |lrwxrwxrwx 1234/5678 nd/lnk -> /etc" \
	"$(ctree "$B" st:/tmp/nd | paste -sd'|')"
expect_eq "vfs: into the volume" "hi" "$($B cp st:/vol/x - | tar -xOf -)"
rm -rf "$W/v"; mkdir "$W/v"
$B cp st:/tmp/dd/. "$W/v"
expect_eq "vfs: a directory's contents out" "./q ./sub ./sub/z" "$(cd "$W/v" && find . -mindepth 1 | sort | xargs)"
expect_eq "vfs: escapes stay in the root" "$($B cp st:/etc/passwd - | tar -xOf -)" "$($B cp st:/tmp/up/etc/passwd - | tar -xOf -)"

finish
