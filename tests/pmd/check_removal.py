#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Surprise removal while testpmd forwards: the model makes device 0 read
# all ones (BARs and config space) and fails region read/write. The PMD's
# watchdog must notice within a second, stop touching the device, report
# the link down and raise INTR_RMV; testpmd then detaches the port on its
# own and keeps running. The device is then hot-added again ("restore") and
# attached with "port attach": it probes, starts and forwards again.
#   check_removal.sh BUILD PROFILE KERNEL PAGE
set -u
build=$1 profile=$2 kernel=$3 page=$4
run=$(mktemp -d /dev/shm/opnic-rmv.XXXXXX)
work=$run.work
mkdir -p "$work"
. "$(dirname "$0")/../lib/session.sh"
trap 'session_cleanup; rm -rf "$run" "$work"' EXIT
fail() { echo "FAIL: $*"; tail -40 "$work/tp.log"; exit 1; }

model_start "$profile"
testpmd_start "$kernel" "$page" --forward-mode=io
echo "start tx_first 4" >&9
sleep 1
ctl fault 0 remove || fail "cannot inject the removal"
ctl status 0 | grep -o 'removed [01]'
sleep 2
echo "show port stats 1" >&9
echo "stop" >&9
sleep 0.5
ctl fault 0 restore || fail "cannot restore the device"
echo "port attach 0000:0b:00.0" >&9
sleep 1
echo "port start all" >&9
sleep 1
echo "start tx_first 4" >&9
sleep 1
echo "show port stats all" >&9
testpmd_quit
rc=$tp_rc

grep -E 'device removed|removal event|is detached|is attached|Link status' "$work/tp.log" | sort | uniq -c
grep -q 'device removed; queues stopped, link down' "$work/tp.log" ||
	fail "the PMD did not report the removal"
grep -qi 'device removal event' "$work/tp.log" || fail "testpmd got no INTR_RMV event"
grep -q 'is detached' "$work/tp.log" || fail "testpmd did not detach the removed port"
grep -q 'is attached' "$work/tp.log" || fail "the restored device did not attach"
grep -qi 'segmentation\|panic\|AddressSanitizer' "$work/tp.log" && fail "testpmd crashed"
# After the re-attach every port forwards again.
last=$(awk '/NIC statistics for port/ {p=$(NF-1)} /RX-packets:/ && /RX-missed:/ {rx[p]=$2} END {for (p in rx) print p, rx[p]}' "$work/tp.log")
echo "RX-packets after re-attach: $(echo $last)"
while read -r p n; do
	[ "${n:-0}" -gt 0 ] || fail "port $p received nothing after the re-attach"
done <<<"$last"
[ $rc -eq 0 ] || fail "testpmd exit status $rc"
echo PASS
