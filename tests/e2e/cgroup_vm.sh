#!/bin/bash
# cgroup v2 (cgroupfs driver) and the systemd cgroup driver, checked in a qemu VM on Debian's own
# kernel, since this host has cgroup v1 and no systemd as PID 1: see tests/vm/run.sh. Each guest
# check is one TAP line; without qemu or the kernel package the checks are skipped with the reason.
# Modes: v2 + cgroupfs, v2 + systemd, v1 + systemd (BERTH_VM_MODES picks some).
# shellcheck disable=SC2086
exec bash "$(dirname "$0")/../vm/run.sh" ${BERTH_VM_MODES:-cgroupfs systemd systemd-v1}
