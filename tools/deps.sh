#!/bin/sh
# Installs what berth needs to build, run and test on Debian 12 (as root). Safe to re-run.
set -e
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then echo "deps.sh: run as root" >&2; exit 1; fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	gcc pkg-config scons lua5.4 liblua5.4-dev \
	libseccomp-dev libcap-dev libarchive-dev libcurl4-openssl-dev libssl-dev \
	libnl-3-dev libnl-route-3-dev libsqlite3-dev libdevmapper-dev libjansson-dev libzstd-dev \
	libdeflate-dev zlib1g-dev libsystemd-dev \
	libcmocka-dev lua-busted \
	busybox-static iproute2 util-linux procps tar gzip bzip2 xz-utils zstd curl ca-certificates openssl \
	python3 sqlite3 >/dev/null
# The cgroup v2 VM tests (tests/vm/run.sh): qemu under software emulation boots Debian's kernel
# (fetched there with apt-get download) with systemd as PID 1 for the systemd cgroup driver.
apt-get install -y -qq --no-install-recommends qemu-system-x86 systemd >/dev/null
# The reference implementation and the registry the end-to-end tests talk to.
apt-get install -y -qq docker.io docker-registry apache2-utils >/dev/null
# setcap (libcap2-bin): the e2e check that inheritable file capabilities give a container user nothing.
apt-get install -y -qq --no-install-recommends libcap2-bin >/dev/null
# strace: tests/e2e/faults.sh holds a berth at a chosen system call (strace's delay injection)
# to SIGKILL it at a known point of a create.
apt-get install -y -qq --no-install-recommends strace >/dev/null
# The lean berth-monitor (core/SConscript) is linked statically with musl: a dynamically linked
# glibc process cannot go under ~1.1 MiB VmRSS, and the monitor lives as long as its container.
# Debian ships no musl build of the two libraries it needs, so the build compiles Debian's own
# source tarballs of them with musl-gcc; they are fetched here, checked against the hashes pinned
# below, and unpacked into BERTH_DEPS (SCons' DEPS, the same default), never into git.
apt-get install -y -qq --no-install-recommends musl-tools bzip2 >/dev/null
DEPS=${BERTH_DEPS:-/var/cache/berth-build}
POOL=http://deb.debian.org/debian/pool/main
fetch_source() {   # dir url sha256
	[ -d "$DEPS/$1" ] && return
	mkdir -p "$DEPS"
	tmp=$(mktemp "$DEPS/.fetch.XXXXXX")
	if ! curl -fsS -o "$tmp" "$2"; then
		rm -f "$tmp"; echo "deps.sh: cannot fetch $2" >&2; exit 1
	fi
	if [ "$(sha256sum <"$tmp" | cut -d' ' -f1)" != "$3" ]; then
		rm -f "$tmp"; echo "deps.sh: $2 does not have the pinned sha256 $3; refusing it" >&2; exit 1
	fi
	# unpacked beside and renamed: an interrupted run leaves no half tree that looks done
	rm -rf "$DEPS/.unpack" && mkdir "$DEPS/.unpack"
	tar -C "$DEPS/.unpack" -xf "$tmp"
	mv "$DEPS/.unpack/$1" "$DEPS/$1"
	rm -rf "$tmp" "$DEPS/.unpack"
}
fetch_source jansson-2.14 $POOL/j/jansson/jansson_2.14.orig.tar.gz \
	c739578bf6b764aa0752db9a2fdadcfe921c78f1228c7ec0bb47fa804c55d17b
fetch_source zlib-1.2.13.dfsg $POOL/z/zlib/zlib_1.2.13.dfsg.orig.tar.bz2 \
	71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
