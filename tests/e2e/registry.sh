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
print(tags[1], #cat, id == "$id", events > 0)
EOF
expect_eq "Lua: registry.tags/catalog/pull" "1 2 true true" "$($DST script "$E2E_TMP/api.lua" 2>&1)"

# --- TLS + Basic auth --------------------------------------------------------------------------
if ! command -v htpasswd >/dev/null 2>&1; then
	skip "TLS registry with Basic auth" "htpasswd missing (apt-get install apache2-utils)"
	finish
fi
PLAIN=$REG
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
finish
