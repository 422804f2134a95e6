#!/usr/bin/env bash
# End-to-end: push, pull, login/logout, search against a real docker-registry (distribution 2.8)
# on 127.0.0.1 — plain HTTP, and (when htpasswd is installed) TLS with a private CA + Basic auth.
. "$(dirname "$0")/lib.sh"

if ! command -v docker-registry >/dev/null 2>&1; then skip "registry" "no docker-registry (apt-get install docker-registry)"; finish; fi
if ! have_busybox; then skip "registry" "no /bin/busybox (apt-get install busybox-static)"; finish; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_registry NAME [extra yaml]: sets REG (host:port) and REG_DATA (its storage dir).
start_registry() {
	local name=$1 extra=${2:-} port i
	port=$(free_port)
	REG_DATA="$E2E_TMP/$name-data"
	mkdir -p "$REG_DATA"
	cat >"$E2E_TMP/$name.yml" <<-EOF
	version: 0.1
	log:
	  level: error
	storage:
	  filesystem:
	    rootdirectory: $REG_DATA
	http:
	  addr: 127.0.0.1:$port
	$extra
	EOF
	docker-registry serve "$E2E_TMP/$name.yml" >"$E2E_TMP/$name.log" 2>&1 &
	local pid=$!
	at_exit "kill $pid"
	REG=127.0.0.1:$port
	for i in $(seq 1 50); do
		curl -sk -o /dev/null "http://$REG/v2/" && return 0
		curl -sk -o /dev/null "https://$REG/v2/" && return 0
		sleep 0.1
	done
	return 1
}

start_registry plain || { not_ok "docker-registry starts"; finish; }
export BERTH_CONFIG_DIR="$E2E_TMP/userconf"

# --- push ------------------------------------------------------------------------------------
new_instance src '"storage-driver": "vfs"'
SRC=$B
id=$(import_busybox "$REG/test/bb:1" 2>&1)
expect_match "import of the test image" '^sha256:[0-9a-f]{64}$' "$id"
# everything below needs the image: stop here rather than report a cascade of failures
[[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]] || finish
out=$($SRC push "$REG/test/bb:1" 2>&1); rc=$?
expect_eq "push exits 0" 0 "$rc"
expect_match "push names the repository" "^The push refers to repository \[$REG/test/bb\]" "$out"
expect_match "push reports the layer pushed" '^[0-9a-f]{12}: Pushed$' "$out"
expect_match "push prints the digest line" '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$' "$out"
digest=$(printf '%s\n' "$out" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) size.*/\1/p')
expect_match "catalog lists the repository" '"test/bb"' "$(curl -s "http://$REG/v2/_catalog")"
expect_eq "the registry serves the manifest by digest" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REG/v2/test/bb/manifests/$digest")"
out=$($SRC push "$REG/test/bb:1" 2>&1)
expect_match "second push: Layer already exists" '^[0-9a-f]{12}: Layer already exists$' "$out"
check "tag into another repository" $SRC tag "$REG/test/bb:1" "$REG/other/bb:2"
out=$($SRC push "$REG/other/bb:2" 2>&1)
expect_match "push to another repository mounts the blob" '^[0-9a-f]{12}: Mounted from test/bb$' "$out"
out=$($SRC push "$REG/test/nothere:1" 2>&1); rc=$?
expect_eq "push of a missing image exits 1" 1 "$rc"
expect_match "push of a missing image says so" "An image does not exist locally with the tag: $REG/test/nothere" "$out"

# --- pull ------------------------------------------------------------------------------------
new_instance dst '"storage-driver": "vfs"'
DST=$B
out=$($DST pull "$REG/test/bb:1" 2>&1); rc=$?
expect_eq "pull exits 0" 0 "$rc"
expect_match "pull: Pulling from" '^1: Pulling from test/bb$' "$out"
expect_match "pull: Pull complete" '^[0-9a-f]{12}: Pull complete$' "$out"
expect_match "pull: Digest line" "^Digest: $digest\$" "$out"
expect_match "pull: Downloaded newer image" "^Status: Downloaded newer image for $REG/test/bb:1\$" "$out"
expect_eq "pull: canonical reference last" "$REG/test/bb:1" "$(printf '%s\n' "$out" | tail -1)"
expect_eq "pulled image has the pushed image's ID" "$id" "$($DST inspect -f '{{.Id}}' "$REG/test/bb:1" 2>&1)"
expect_match "pulled image records the repo digest" "$REG/test/bb@$digest" "$($DST inspect -f '{{json .RepoDigests}}' "$REG/test/bb:1" 2>&1)"
expect_eq "pulled image has no LastTagTime (as Docker's pull)" '0001-01-01T00:00:00Z' \
	"$($DST inspect -f '{{json .Metadata.LastTagTime}}' "$REG/test/bb:1" 2>&1 | tr -d '"')"
out=$($DST pull "$REG/test/bb:1" 2>&1)
expect_match "re-pull: Image is up to date" "^Status: Image is up to date for $REG/test/bb:1\$" "$out"
out=$($DST pull "$REG/test/bb@$digest" 2>&1); rc=$?
expect_eq "pull by digest exits 0" 0 "$rc"
out=$($DST pull -q "$REG/test/bb:1" 2>&1)
expect_eq "pull -q prints only the reference" "$REG/test/bb:1" "$out"
out=$($DST pull "$REG/test/bb:nope" 2>&1); rc=$?
expect_eq "pull of a missing tag exits 1" 1 "$rc"
expect_eq "pull of a missing tag: Docker's message" \
	"Error response from daemon: manifest for $REG/test/bb:nope not found: manifest unknown: manifest unknown" "$out"
out=$($DST pull "127.0.0.1:1/x/y:1" 2>&1); rc=$?
expect_eq "pull from an unreachable registry exits 1" 1 "$rc"
expect_match "unreachable registry: clear message" 'Error response from daemon: Get "https?://127.0.0.1:1/v2/": .*(connect|Connection)' "$out"
out=$($DST pull -a "$REG/other/bb" 2>&1); rc=$?
expect_eq "pull -a exits 0" 0 "$rc"
expect_match "pull -a pulls each tag" '^2: Pulling from other/bb$' "$out"

# a corrupted blob in the registry's storage is refused and leaves no image
new_instance bad '"storage-driver": "vfs"'
BAD=$B
blob=$(ls "$REG_DATA"/docker/registry/v2/blobs/sha256/*/*/data | while read -r f; do
	[ "$(stat -c %s "$f")" -gt 100000 ] && echo "$f"; done | head -1)
if [ -n "$blob" ]; then
	cp "$blob" "$E2E_TMP/blob.orig"
	printf 'XXXX' | dd of="$blob" bs=1 seek=1000 conv=notrunc 2>/dev/null
	out=$($BAD pull "$REG/test/bb:1" 2>&1); rc=$?
	expect_eq "corrupted blob: pull exits 1" 1 "$rc"
	expect_match "corrupted blob: digest error" 'verification failed for digest sha256:' "$out"
	check_fails "corrupted blob: no image left" $BAD inspect "$REG/test/bb:1"
	expect_eq "corrupted blob: no tag row" "" "$($BAD images -q 2>/dev/null)"
	cp "$E2E_TMP/blob.orig" "$blob"
else
	not_ok "corrupted blob" "no layer blob found under $REG_DATA"
fi

# --- search / Lua API --------------------------------------------------------------------------
out=$($DST search "$REG/bb" 2>&1)
expect_match "search: Docker's header" '^NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED' "$(echo "$out" | head -1)"
expect_match "search lists matches from _catalog" "^$REG/other/bb" "$(echo "$out" | sed -n 2p)"
cat >"$E2E_TMP/api.lua" <<EOF
local berth = require "berth"
local events = 0
local tags = berth.registry.tags("$REG/test/bb")
local cat = berth.registry.catalog("$REG")
local id = berth.registry.pull("$REG/test/bb:1", { on_progress = function(ev) events = events + 1 end })
print(table.concat({ tags[1], #cat, tostring(id == "$id"), tostring(events > 0) }, " "))
EOF
expect_eq "Lua: registry.tags/catalog/pull" "1 2 true true" "$($DST script "$E2E_TMP/api.lua" 2>&1)"

PLAIN=$REG   # the plain-HTTP registry; later sections start others

# --- interop with Docker (the reference) ------------------------------------------------------
if start_dockerd; then
	out=$(dk pull "$REG/test/bb:1" 2>&1); rc=$?
	expect_eq "docker pulls what berth pushed" 0 "$rc"
	expect_eq "docker pull: same manifest digest" "$REG/test/bb@$digest" "$(dk inspect -f '{{join .RepoDigests " "}}' "$REG/test/bb:1" 2>&1)"
	expect_eq "docker pull: same image ID" "$id" "$(dk inspect -f '{{.Id}}' "$REG/test/bb:1" 2>&1)"
	out=$(dk run --rm --net=none "$REG/test/bb:1" true 2>&1); rc=$?
	if [ $rc -ne 0 ] && printf '%s' "$out" | grep -qiE 'runc|oci runtime|cgroup|mount'; then
		skip "docker runs the image berth pushed" "docker run cannot work here: $(printf '%s' "$out" | head -1)"
	else
		expect_eq "docker runs the image berth pushed" 0 "$rc"
	fi
	mkdir -p "$E2E_TMP/dkctx"
	printf 'FROM %s\nRUN echo hi >/hello\nCMD ["cat", "/hello"]\n' "$REG/test/bb:1" >"$E2E_TMP/dkctx/Dockerfile"
	DOCKER_BUILDKIT=0 dk build -q -t "$REG/dk/app:1" "$E2E_TMP/dkctx" >/dev/null 2>&1
	dkid=$(dk inspect -f '{{.Id}}' "$REG/dk/app:1" 2>&1)
	out=$(dk push "$REG/dk/app:1" 2>&1); rc=$?
	expect_eq "docker pushes a two-layer image" 0 "$rc"
	dkdigest=$(printf '%s\n' "$out" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) size.*/\1/p')
	out=$($DST pull "$REG/dk/app:1" 2>&1); rc=$?
	expect_eq "berth pulls what docker pushed" 0 "$rc"
	expect_match "berth pull: base layer already there" '^[0-9a-f]{12}: Already exists$' "$out"
	expect_eq "berth pull: same manifest digest" "$REG/dk/app@$dkdigest" "$($DST inspect -f '{{join .RepoDigests " "}}' "$REG/dk/app:1" 2>&1)"
	expect_match "docker's digest is a digest" '^sha256:[0-9a-f]{64}$' "$dkdigest"
	expect_eq "berth pull: same image ID" "$dkid" "$($DST inspect -f '{{.Id}}' "$REG/dk/app:1" 2>&1)"
	check "berth runs the image docker pushed" $DST run --rm --net=none "$REG/dk/app:1" true
	expect_eq "berth runs its CMD" "hi" "$($DST run --rm --net=none "$REG/dk/app:1" 2>&1)"
	expect_eq "catalog lists exactly what was pushed" '{"repositories":["dk/app","other/bb","test/bb"]}' \
		"$(curl -s "http://$REG/v2/_catalog")"
	# run of an image not here pulls it first, reporting on stderr as Docker does
	new_instance runpull '"storage-driver": "vfs"'
	$B run --rm --net=none "$REG/dk/app:1" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"; rc=$?
	expect_eq "run of a missing image exits 0" 0 "$rc"
	expect_eq "run of a missing image: container output on stdout" "hi" "$(cat "$E2E_TMP/run.out")"
	expect_eq "run: Unable to find image first on stderr" "Unable to find image '$REG/dk/app:1' locally" "$(head -1 "$E2E_TMP/run.err")"
	expect_match "run: pull progress on stderr" "^Status: Downloaded newer image for $REG/dk/app:1\$" "$(cat "$E2E_TMP/run.err")"
	new_instance runquiet '"storage-driver": "vfs"'
	$B run -q --rm --net=none "$REG/dk/app:1" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"; rc=$?
	expect_eq "run -q of a missing image: pulled, nothing on stderr" "0|hi|" "$rc|$(cat "$E2E_TMP/run.out")|$(cat "$E2E_TMP/run.err")"
	out=$($B run --rm --net=none "$REG/dk/app:nope" 2>&1); rc=$?
	expect_eq "run of a missing tag exits 125" 125 "$rc"
	expect_match "run of a missing tag: Docker's message" "Error response from daemon: manifest for $REG/dk/app:nope not found: manifest unknown" "$out"
else
	skip "interop with Docker" "dockerd could not be started"
fi

# --- registry-mirrors ---------------------------------------------------------------------------
# In a private network namespace (its own 127.0.0.1, no route out): the mirror is the only place
# a docker.io image can come from, and a fallback to Docker Hub cannot leave the machine.
MNS=berthmir$$
if ip netns add "$MNS" 2>/dev/null; then
	at_exit "ip netns del $MNS"
	ip netns exec "$MNS" ip link set lo up
	cat >"$E2E_TMP/mirror.yml" <<-EOF
	version: 0.1
	log:
	  level: error
	storage:
	  filesystem:
	    rootdirectory: $E2E_TMP/mirror-data
	http:
	  addr: 127.0.0.1:5000
	EOF
	ip netns exec "$MNS" docker-registry serve "$E2E_TMP/mirror.yml" >"$E2E_TMP/mirror.log" 2>&1 &
	at_exit "kill $!"
	for i in $(seq 1 50); do ip netns exec "$MNS" curl -s -o /dev/null http://127.0.0.1:5000/v2/ && break; sleep 0.1; done
	check "tag for the mirror" $SRC tag "$PLAIN/test/bb:1" 127.0.0.1:5000/library/bbmirror:latest
	out=$(ip netns exec "$MNS" $SRC push 127.0.0.1:5000/library/bbmirror:latest 2>&1); rc=$?
	expect_eq "push library/bbmirror to the mirror" 0 "$rc"
	new_instance nomirror '"storage-driver": "vfs"'
	out=$(ip netns exec "$MNS" $B pull bbmirror 2>&1); rc=$?
	expect_eq "without registry-mirrors: docker.io is unreachable" 1 "$rc"
	new_instance mirrored '"storage-driver": "vfs", "registry-mirrors": ["http://127.0.0.1:5000"]'
	out=$(ip netns exec "$MNS" $B pull bbmirror 2>&1); rc=$?
	expect_eq "mirror: pull bbmirror exits 0" 0 "$rc"
	expect_match "mirror: Pulling from library/bbmirror" '^latest: Pulling from library/bbmirror$' "$out"
	expect_match "mirror: Status names the familiar reference" '^Status: Downloaded newer image for bbmirror:latest$' "$out"
	expect_eq "mirror: canonical reference last" "docker.io/library/bbmirror:latest" "$(printf '%s\n' "$out" | tail -1)"
	expect_eq "mirror: tagged bbmirror:latest with the pushed ID" "$id [bbmirror:latest]" \
		"$(ip netns exec "$MNS" $B inspect -f '{{.Id}} {{.RepoTags}}' bbmirror 2>&1)"
	expect_match "mirror: repo digest under the docker.io name" '^\[bbmirror@sha256:[0-9a-f]{64}\]$' \
		"$(ip netns exec "$MNS" $B inspect -f '{{.RepoDigests}}' bbmirror 2>&1)"
	out=$(ip netns exec "$MNS" $B pull bbnothere 2>&1); rc=$?
	expect_eq "mirror without the image: falls back to Docker Hub, which fails" 1 "$rc"
	expect_match "mirror fallback: Docker Hub's error is the answer" 'registry-1\.docker\.io' "$out"
	out=$(ip netns exec "$MNS" $B pull 127.0.0.1:5000/library/bbmirror:latest 2>&1); rc=$?
	expect_eq "mirrors are not used for other registries (direct pull works)" 0 "$rc"
else
	skip "registry-mirrors" "cannot create a network namespace"
fi

# --- robustness: retries with Range resume, 429 + Retry-After, SIGKILL mid-download ---------------
# flaky_proxy.py sits in front of the plain registry and misbehaves on the first GET of each blob.
NPROXY=0
start_proxy() {   # start_proxy MODE: a fresh proxy; sets PROXY (host:port) and PROXY_LOG
	NPROXY=$((NPROXY + 1))
	local f="$E2E_TMP/proxy-$NPROXY-$1"
	PROXY_LOG="$f.log"
	python3 "$(dirname "$0")/flaky_proxy.py" "$PLAIN" "$f.port" "$PROXY_LOG" "$1" 2>"$f.err" &
	at_exit "kill $!"
	for i in $(seq 1 50); do [ -s "$f.port" ] && break; sleep 0.1; done
	PROXY=127.0.0.1:$(cat "$f.port")
}
mkdir -p "$E2E_TMP/bigroot"
cp -a "$E2E_TMP/bbroot/." "$E2E_TMP/bigroot/"
head -c 4000000 /dev/urandom >"$E2E_TMP/bigroot/random.bin"
bigid=$(tar -C "$E2E_TMP/bigroot" -c . | $SRC import - "$PLAIN/test/big:1" 2>&1)
out=$($SRC push "$PLAIN/test/big:1" 2>&1); rc=$?
expect_eq "push a 4 MB image" 0 "$rc"

start_proxy cut
new_instance once '"storage-driver": "vfs", "max-download-attempts": 1'
out=$($B pull "$PROXY/test/big:1" 2>&1); rc=$?
expect_eq "max-download-attempts 1: a cut download fails the pull" 1 "$rc"
expect_eq "max-download-attempts 1: no image left" "" "$($B images -q 2>/dev/null)"
start_proxy cut
new_instance resume '"storage-driver": "vfs", "max-download-attempts": 2'
out=$($B pull "$PROXY/test/big:1" 2>&1); rc=$?
expect_eq "cut download: pull retries and exits 0" 0 "$rc"
expect_match "cut download: Docker's Retrying line" '^[0-9a-f]{12}: Retrying in 5 seconds$' "$out"
expect_match "cut download: resumed with a Range request" '^GET /v2/test/big/blobs/sha256:[0-9a-f]{64} bytes=[1-9][0-9]*-$' "$(cat "$PROXY_LOG")"
expect_eq "cut download: same image ID" "$bigid" "$($B inspect -f '{{.Id}}' "$PROXY/test/big:1" 2>&1)"

start_proxy 429
new_instance ratelimited '"storage-driver": "vfs"'
t0=$(date +%s%N)
out=$($B pull "$PROXY/test/big:1" 2>&1); rc=$?
t1=$(date +%s%N)
expect_eq "429: pull exits 0" 0 "$rc"
expect_match "429: waits as Retry-After says" '^[0-9a-f]{12}: Retrying in 1 second$' "$out"
expect_eq "429: waited at least 1 s and less than Docker's 5 s" 1 "$(( (t1 - t0) >= 1000000000 && (t1 - t0) < 5000000000 ))"

start_proxy slow
new_instance killed '"storage-driver": "vfs"'
$B pull "$PROXY/test/big:1" >"$E2E_TMP/killed.out" 2>&1 &
pullpid=$!
for i in $(seq 1 100); do [ "$(cat "$PROXY_LOG" 2>/dev/null | grep -c "^GET /v2/test/big/blobs/")" -ge 2 ] && break; sleep 0.05; done
sleep 0.5
kill -9 "$pullpid"
wait "$pullpid" 2>/dev/null
expect_match "SIGKILL: the pull was mid-download" 'Pulling fs layer' "$(cat "$E2E_TMP/killed.out")"
check_fails "SIGKILL: no image left" $B inspect "$PROXY/test/big:1"
expect_eq "SIGKILL: no tag row" "" "$($B images -q 2>/dev/null)"
out=$($B pull "$PROXY/test/big:1" 2>&1); rc=$?
expect_eq "SIGKILL: a second pull completes" 0 "$rc"
expect_eq "SIGKILL: second pull gives the image" "$bigid" "$($B inspect -f '{{.Id}}' "$PROXY/test/big:1" 2>&1)"

# --- token auth (a Bearer token issuer as Docker Hub's) ------------------------------------------
if python3 -c 'import cryptography' 2>/dev/null; then
	TOK="$E2E_TMP/tok"
	mkdir -p "$TOK"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-token-signer -keyout "$TOK/tok.key" -out "$TOK/tok.crt" 2>/dev/null
	python3 "$(dirname "$0")/token_issuer.py" "$TOK/tok.key" "$TOK/tok.crt" 0 "$TOK/port" 2>"$TOK/log" &
	at_exit "kill $!"
	for i in $(seq 1 50); do [ -s "$TOK/port" ] && break; sleep 0.1; done
	start_registry token "auth:
  token:
    realm: http://127.0.0.1:$(cat "$TOK/port")/token
    service: berth-test-registry
    issuer: berth-test-issuer
    rootcertbundle: $TOK/tok.crt" || not_ok "token registry starts"
	TREG=$REG
	expect_match "token registry challenges with Bearer" 'Bearer realm=' "$(curl -si "http://$TREG/v2/" | grep -i '^www-authenticate')"
	check "tag for the token registry" $SRC tag "$PLAIN/test/bb:1" "$TREG/tok/bb:1"
	out=$($SRC push "$TREG/tok/bb:1" 2>&1); rc=$?
	expect_eq "token: anonymous push exits 1" 1 "$rc"
	expect_eq "token: anonymous push is denied" "denied: requested access to the resource is denied" "$(printf '%s\n' "$out" | tail -1)"
	out=$(echo wrong | $SRC login -u alice --password-stdin "$TREG" 2>&1); rc=$?
	expect_eq "token: login with a wrong password exits 1" 1 "$rc"
	expect_eq "token: wrong password gives the issuer's message" \
		"Error response from daemon: Get \"http://$TREG/v2/\": unauthorized: incorrect username or password (berth-test issuer)" "$out"
	if [ -n "$DOCKER_SOCK" ]; then
		dkout=$(echo wrong | DOCKER_CONFIG="$E2E_TMP/dkconf" dk login -u alice --password-stdin "$TREG" 2>&1)
		expect_eq "token: wrong password: same text as docker login" "$dkout" "$out"
	fi
	out=$(echo s3cret | $SRC login -u alice --password-stdin "$TREG" 2>&1); rc=$?
	expect_eq "token: login exits 0" 0 "$rc"
	out=$($SRC push "$TREG/tok/bb:1" 2>&1); rc=$?
	expect_eq "token: push after login" 0 "$rc"
	expect_match "token: the layer is pushed" '^[0-9a-f]{12}: Pushed$' "$out"
	check "tag into a second repository" $SRC tag "$PLAIN/test/bb:1" "$TREG/tok/two:1"
	out=$($SRC push "$TREG/tok/two:1" 2>&1)
	expect_match "token: cross-repository mount (two scopes in one token)" '^[0-9a-f]{12}: Mounted from tok/bb$' "$out"
	new_instance tokdst '"storage-driver": "vfs"'
	out=$($B pull "$TREG/tok/bb:1" 2>&1); rc=$?
	expect_eq "token: pull after login" 0 "$rc"
	expect_eq "token: pulled image has the pushed ID" "$id" "$($B inspect -f '{{.Id}}' "$TREG/tok/bb:1" 2>&1)"
	out=$(BERTH_CONFIG_DIR="$E2E_TMP/nologin" $B pull "$TREG/tok/two:1" 2>&1); rc=$?
	expect_eq "token: anonymous pull exits 1" 1 "$rc"
	expect_eq "token: anonymous pull is denied with Docker's message" \
		"Error response from daemon: pull access denied for $TREG/tok/two, repository does not exist or may require 'docker login': denied: requested access to the resource is denied" "$out"
	expect_match "token: the issuer was asked for pull,push" 'scope=repository%3Atok%2Fbb%3Apull%2Cpush|scope=repository:tok/bb:pull,push' "$(cat "$TOK/log")"
else
	skip "token auth" "python3 cryptography missing (apt-get install python3-cryptography)"
fi

# --- TLS + Basic auth --------------------------------------------------------------------------
if ! command -v htpasswd >/dev/null 2>&1; then
	skip "TLS registry with Basic auth" "htpasswd missing (apt-get install apache2-utils)"
	finish
fi
CA="$E2E_TMP/ca"
mkdir -p "$CA"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-ca -keyout "$CA/ca.key" -out "$CA/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$CA/srv.key" -out "$CA/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$CA/ext"
openssl x509 -req -in "$CA/srv.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" -CAcreateserial -days 2 -extfile "$CA/ext" -out "$CA/srv.crt" 2>/dev/null
htpasswd -Bbn alice s3cret >"$CA/htpasswd"
start_registry tls "  tls:
    certificate: $CA/srv.crt
    key: $CA/srv.key
auth:
  htpasswd:
    realm: berth-test
    path: $CA/htpasswd" || { not_ok "TLS registry starts"; finish; }
mkdir -p "$E2E_TMP/certs.d/$REG"
cp "$CA/ca.crt" "$E2E_TMP/certs.d/$REG/ca.crt"
export BERTH_CERTS_DIR="$E2E_TMP/certs.d"
check "tag for the TLS registry" $SRC tag "$PLAIN/test/bb:1" "$REG/secure/bb:1"
out=$($SRC push "$REG/secure/bb:1" 2>&1); rc=$?
expect_eq "push without login is refused" 1 "$rc"
out=$(echo wrong | $SRC login -u alice --password-stdin "$REG" 2>&1); rc=$?
expect_eq "login with a wrong password exits 1" 1 "$rc"
out=$(echo s3cret | $SRC login -u alice --password-stdin "$REG" 2>&1); rc=$?
expect_eq "login exits 0" 0 "$rc"
expect_match "login: Login Succeeded" '^Login Succeeded$' "$out"
expect_eq "auths file is mode 0600" 600 "$(stat -c %a "$BERTH_CONFIG_DIR/config.json")"
expect_match "auths file has Docker's format" "\"$REG\"" "$(cat "$BERTH_CONFIG_DIR/config.json")"
out=$($SRC push "$REG/secure/bb:1" 2>&1); rc=$?
expect_eq "push over TLS with Basic auth" 0 "$rc"
new_instance tlsdst '"storage-driver": "vfs"'
out=$($B pull "$REG/secure/bb:1" 2>&1); rc=$?
expect_eq "pull over TLS with Basic auth" 0 "$rc"
expect_eq "TLS pull gives the same ID" "$id" "$($B inspect -f '{{.Id}}' "$REG/secure/bb:1" 2>&1)"
out=$($SRC logout "$REG" 2>&1)
expect_eq "logout" "Removing login credentials for $REG" "$out"
out=$($B pull "$REG/secure/bb:1" 2>&1); rc=$?
expect_eq "pull after logout is refused" 1 "$rc"

# --- certificate verification -------------------------------------------------------------------
# Every loopback registry is insecure (127.0.0.0/8, ::1 and localhost, as Docker), so
# TLS verification is only exercised on an address outside it: 10.123.0.1 on the loopback
# device of a private network namespace, where the registry and berth both run.
NS=berthreg$$
if ip netns add "$NS" 2>/dev/null; then
	at_exit "ip netns del $NS"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" ip addr add 10.123.0.1/32 dev lo
	openssl req -newkey rsa:2048 -nodes -subj /CN=10.123.0.1 -keyout "$CA/ns.key" -out "$CA/ns.csr" 2>/dev/null
	printf 'subjectAltName=IP:10.123.0.1\n' >"$CA/ns.ext"
	openssl x509 -req -in "$CA/ns.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" -CAcreateserial -days 2 -extfile "$CA/ns.ext" -out "$CA/ns.crt" 2>/dev/null
	cat >"$E2E_TMP/ns.yml" <<-EOF
	version: 0.1
	log:
	  level: error
	storage:
	  filesystem:
	    rootdirectory: $E2E_TMP/ns-data
	http:
	  addr: 10.123.0.1:5443
	  tls:
	    certificate: $CA/ns.crt
	    key: $CA/ns.key
	EOF
	ip netns exec "$NS" docker-registry serve "$E2E_TMP/ns.yml" >"$E2E_TMP/ns.log" 2>&1 &
	at_exit "kill $!"
	for i in $(seq 1 50); do ip netns exec "$NS" curl -sk -o /dev/null https://10.123.0.1:5443/v2/ && break; sleep 0.1; done
	NSREG=10.123.0.1:5443
	inns() { ip netns exec "$NS" env BERTH_CERTS_DIR="$E2E_TMP/ns-certs.d" "$@"; }
	mkdir -p "$E2E_TMP/ns-certs.d"
	check "tag for the verified registry" $SRC tag "$PLAIN/test/bb:1" "$NSREG/v/bb:1"
	out=$(inns $SRC push "$NSREG/v/bb:1" 2>&1); rc=$?
	expect_eq "unknown CA: push exits 1" 1 "$rc"
	expect_match "unknown CA: certificate error" "Get \"https://$NSREG/v2/\": SSL certificate problem" "$out"
	mkdir -p "$E2E_TMP/ns-certs.d/$NSREG"
	cp "$CA/ca.crt" "$E2E_TMP/ns-certs.d/$NSREG/ca.crt"
	out=$(inns $SRC push "$NSREG/v/bb:1" 2>&1); rc=$?
	expect_eq "CA from certs.d: push verifies and succeeds" 0 "$rc"
	new_instance nsdst '"storage-driver": "vfs"'
	out=$(inns $B pull "$NSREG/v/bb:1" 2>&1); rc=$?
	expect_eq "CA from certs.d: pull succeeds" 0 "$rc"
	rm -r "$E2E_TMP/ns-certs.d/$NSREG"
	new_instance nsinsecure "\"storage-driver\": \"vfs\", \"insecure-registries\": [\"10.123.0.0/16\"]"
	out=$(inns $B pull "$NSREG/v/bb:1" 2>&1); rc=$?
	expect_eq "insecure-registries CIDR: pull without the CA" 0 "$rc"
else
	skip "certificate verification" "cannot create a network namespace"
fi
finish
