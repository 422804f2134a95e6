#!/usr/bin/env bash
# End-to-end interoperability with Docker 20.10 (the reference): images saved by Docker load into
# berth with the same image ID and layer digests; berth's save loads into Docker with the same ID;
# layer tars survive the round trip byte for byte. Starts a private dockerd (own root, socket, bridge).
. "$(dirname "$0")/lib.sh"

if ! have_busybox; then skip "docker interop" "no /bin/busybox"; finish; fi
if ! start_dockerd; then skip "docker interop" "could not start a private dockerd (apt-get install docker.io)"; finish; fi

# A multi-layer image built by Docker from a busybox rootfs it imported.
make_busybox_rootfs "$E2E_TMP/rootfs"
tar -C "$E2E_TMP/rootfs" -cf "$E2E_TMP/rootfs.tar" .
dk import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' "$E2E_TMP/rootfs.tar" interop/base:1 >/dev/null
mkdir -p "$E2E_TMP/ctx"
cat >"$E2E_TMP/ctx/Dockerfile" <<'D'
FROM interop/base:1
RUN mkdir -p /data/sub && echo hello >/data/sub/file && ln -s /data/sub/file /data/link && ln /data/sub/file /data/hard
RUN rm -rf /data/sub && mkdir /data/sub && echo replaced >/data/sub/new && rm /bin/vi
ENV GREETING=hi
LABEL org.example.k=v
CMD ["sh", "-c", "echo $GREETING"]
D
if ! dk build -q -t interop/app:1 "$E2E_TMP/ctx" >"$E2E_TMP/build.log" 2>&1; then
	not_ok "docker build of the fixture" "$(tail -3 "$E2E_TMP/build.log")"; finish
fi
dk save -o "$E2E_TMP/docker.tar" interop/app:1
did=$(dk inspect -f '{{.Id}}' interop/app:1)
dlayers=$(dk inspect -f '{{json .RootFS.Layers}}' interop/app:1)

for drv in vfs overlay2; do
	if [ $drv = overlay2 ] && ! grep -q overlay /proc/filesystems; then skip "docker -> berth ($drv)" "no overlayfs"; continue; fi
	new_instance "interop-$drv" "\"storage-driver\": \"$drv\""
	check "berth loads docker save output ($drv)" $B load -i "$E2E_TMP/docker.tar"
	expect_eq "same image id after docker -> berth ($drv)" "$did" "$($B inspect -f '{{.Id}}' interop/app:1)"
	expect_eq "same layer digests after docker -> berth ($drv)" "$dlayers" "$($B inspect -f '{{json .RootFS.Layers}}' interop/app:1)"
	check "berth save ($drv)" $B save -o "$E2E_TMP/berth-$drv.tar" interop/app:1
	# each layer tar berth writes hashes to the same diff_id Docker computed
	python3 - "$E2E_TMP/berth-$drv.tar" "$dlayers" >"$E2E_TMP/layers-$drv.txt" <<'P'
import hashlib, json, sys, tarfile
t = tarfile.open(sys.argv[1])
m = json.load(t.extractfile("manifest.json"))[0]
got = ["sha256:" + hashlib.sha256(t.extractfile(p).read()).hexdigest() for p in m["Layers"]]
print("same" if got == json.loads(sys.argv[2]) else "differs: %s" % got)
P
	expect_eq "layer tars are byte-stable through berth ($drv)" "same" "$(cat "$E2E_TMP/layers-$drv.txt")"
	dk rmi -f interop/app:1 >/dev/null
	check "docker loads berth save output ($drv)" dk load -i "$E2E_TMP/berth-$drv.tar"
	expect_eq "same image id after berth -> docker ($drv)" "$did" "$(dk inspect -f '{{.Id}}' interop/app:1)"
	if dk run --rm --net=none interop/app:1 >"$E2E_TMP/run.out" 2>&1; then
		expect_eq "docker runs the image berth saved ($drv)" "hi" "$(cat "$E2E_TMP/run.out")"
	else
		skip "docker runs the image berth saved ($drv)" "docker run failed here: $(tail -1 "$E2E_TMP/run.out")"
	fi
done

# An image berth imported (a single layer) loads into Docker with the same id.
new_instance interop-import '"storage-driver": "vfs"'
bid=$($B import -c 'ENV PATH=/bin' "$E2E_TMP/rootfs.tar" interop/bimp:1)
$B save interop/bimp:1 | dk load >/dev/null
expect_eq "berth-imported image keeps its id in docker" "$bid" "$(dk inspect -f '{{.Id}}' interop/bimp:1)"
finish
