#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The RFC 2544-style search, short steps: it must bracket a zero-loss rate
# (a lossy trial above it, a loss-free trial at it) for an application that
# only forwards.
#   check_rfc2544.sh BUILD testpmd|l2fwd
set -u
build=$1 app=$2
out=$(mktemp /dev/shm/opnic-2544.XXXXXX.json)
trap 'rm -f "$out"' EXIT
plugin=$("$build/app/opnic-plugin-path") || exit 1
case "$app" in
testpmd) cmd=(dpdk-testpmd -d "$plugin" --in-memory -l 0,1 -- --forward-mode=io
		--rxd=2048 --txd=2048) ;;
l2fwd)	[ -x "$build/app/dpdk-l2fwd" ] || { echo "SKIP: dpdk-doc (examples/l2fwd) not installed"; exit 77; }
	# One lcore (1) polls both ports; the model has CPU 0 to itself.
	cmd=("$build/app/dpdk-l2fwd" -d "$plugin" --in-memory -l 1 -- -p 0x3 -q 2 -T 0) ;;
*) echo "unknown application $app"; exit 2 ;;
esac
timeout 300 "$build/app/opnic-rfc2544" --step-seconds 0.5 --max-steps 6 --json "$out" \
	-- "${cmd[@]}" || { echo "FAIL: opnic-rfc2544 exit status $?"; exit 1; }
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
z, bad = r["zero_loss_pps_per_port"], []
at = [t for t in r["trials"] if t["pps_per_port"] == z]
above = [t for t in r["trials"] if t["pps_per_port"] > z]
if z <= 0: bad.append("no zero-loss rate found")
if not at or at[0]["lost"] != 0 or not at[0]["pass"]: bad.append("no loss-free trial at the reported rate")
if not any(not t["pass"] for t in above): bad.append("no lossy trial above the reported rate")
if any(t["corrupted"] for t in r["trials"]): bad.append("corrupted frames")
print("zero-loss %d pps per port (%.3f Mpps total), %d trials" % (z, r["zero_loss_mpps_total"], len(r["trials"])))
for b in bad: print("CHECK FAILED: " + b)
sys.exit(1 if bad else 0)
PY
