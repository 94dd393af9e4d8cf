#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs in the x86 guest, chrooted into the host's tree (read-only 9p): for
# each vfio-pci bound device, opnic-vfio-info from our build; with
# opnic.bartest=BDF@BAR:OFF also the vfio_bar region read/write test.
top=$(cd "$(dirname "$0")/../../.." && pwd)
bt=$(sed -n 's/.*opnic\.bartest=\([^ ]*\).*/\1/p' /proc/cmdline)
for bdf in $(sed -n 's/.*opnic\.bind=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' '); do
	extra=
	[ "${bt%@*}" = "$bdf" ] && extra="--bar-test ${bt#*@}"
	echo "BEGIN-INFO $bdf"
	"$top/build/app/opnic-vfio-info" --in-memory -l 0 --log-level=lib.eal:error $extra -a "$bdf" 2>&1
	echo "END-INFO $bdf status $?"
done
