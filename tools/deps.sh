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
