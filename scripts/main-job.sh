#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# README command 1: install what is missing, build, and run the main job:
# Debian's unmodified dpdk-testpmd forwarding 64-byte packets through
# net_opnic on the emulated NIC in the hardest layout -- tight4k (doorbells in
# the MSI-X table's 4 KiB page), a kernel without MSIX_MAPPABLE -- and print
# the rate and which register path the doorbells took.
#   scripts/main-job.sh [opnic-testpmd options, e.g. --seconds 20 --page-size 64k]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/setup.sh || exit 1

echo "main job: dpdk-testpmd io forwarding, 64 B, burst 32, 1 forwarding core,"
echo "          net_opnic on 2 emulated opnic ports (pair wire), profile tight4k,"
echo "          kernel without MSIX_MAPPABLE (hole), 4 KiB pages"
out=$(build/app/opnic-testpmd --profile tight4k --kernel hole --page-size 4k \
	--mode io --seconds 10 "$@")
rc=$?
echo "$out" | sed 's/^/  /'
get() { sed -n "s/^.*\b$1=\([^ ]*\).*$/\1/p" <<<"$out" | head -1; }
echo
echo "forwarded:          $(get mpps) Mpps (both directions, port stats over the measured window)"
echo "forwarding core:    $(get cycles_per_packet) cycles/packet (testpmd --record-core-cycles)"
echo "register path:      doorbells by $(sed -n 's/^result profile_path=//p' <<<"$out")"
echo "doorbell syscalls:  $(get syscalls_per_packet) per packet (doorbell suppression on)"
exit $rc
