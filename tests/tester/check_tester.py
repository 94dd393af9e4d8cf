#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The traffic tester wire (doc/tester.md), checked against an application
# that does not generate traffic itself.
#   check_tester.sh BUILD CASE PROFILE KERNEL PAGE
# CASE:
#   rxonly    tester on port 0 injects exactly 100000 frames as fast as the
#             ring takes them; testpmd rxonly must count exactly that many.
#   io        both ports. testers at 5 kpps, 16 flows over 2 RSS queues,
#             testpmd io: zero loss, nothing corrupted, duplicated or
#             reordered within a flow, sane latency (0 < min <= avg <= max,
#             one sample per delivered frame).
#   corrupt   as io, while the model flips a byte in 7 received frames:
#             the testers count exactly 7 corrupted frames.
set -u
build=$1 case=$2 profile=$3 kernel=$4 page=$5
run=$(mktemp -d /dev/shm/opnic-tester.XXXXXX)
work=$run.work
mkdir -p "$work"
. "$(dirname "$0")/../lib/session.sh"
trap 'session_cleanup; rm -rf "$run" "$work"' EXIT
fail() { echo "FAIL: $*"; tail -20 "$work/tp.log"; exit 1; }
jget() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

case "$case" in
rxonly)
	ports=(--port "0=tester:run=0,pps=0,count=100000,size=128")
	tp_args=(--forward-mode=rxonly) ;;
io|corrupt)
	t="tester:run=0,pps=5000,flows=16,size=256"
	ports=(--port "0=$t" --port "1=$t")
	tp_args=(--forward-mode=io --rxq=2 --txq=2 --rxd=4096 --txd=4096) ;;
*) echo "unknown case $case"; exit 2 ;;
esac
model_start "$profile" --core 0 "${ports[@]}"
testpmd_start "$kernel" "$page" --no-lsc-interrupt "${tp_args[@]}"
echo "start" >&9
sleep 1
ctl wire 0 reset >/dev/null || fail "no tester on port 0"

case "$case" in
rxonly)
	ctl wire 0 set run=1 >/dev/null
	for i in $(seq 100); do
		j=$(ctl wire 0 json)
		[ "$(jget "$j" offered)" = 100000 ] && break
		sleep 0.1
	done
	sleep 0.5
	echo "show port stats 0" >&9
	sleep 0.5
	j=$(ctl wire 0 json); echo "$j"
	rx=$(awk '/RX-packets:/ && /RX-missed:/ {v=$2} END {print v}' "$work/tp.log")
	echo "tester injected $(jget "$j" injected) of $(jget "$j" offered) offered; testpmd rxonly counted ${rx:-none}"
	[ "$(jget "$j" offered)" = 100000 ] || fail "tester offered $(jget "$j" offered), want 100000"
	[ "$(jget "$j" injected)" = 100000 ] || fail "tester injected $(jget "$j" injected) (input drops $(jget "$j" input_drops))"
	[ "${rx:-0}" = 100000 ] || fail "testpmd counted ${rx:-0} frames, the tester injected 100000" ;;
io|corrupt)
	ctl wire 0 set run=1 >/dev/null; ctl wire 1 set run=1 >/dev/null
	sleep 0.5
	[ "$case" = corrupt ] && { ctl fault 0 corrupt 7 || fail "cannot inject"; }
	sleep 2
	ctl wire 0 set run=0 >/dev/null; ctl wire 1 set run=0 >/dev/null
	sleep 0.5
	ctl wire 0 status; ctl wire 1 status
	python3 - "$(ctl wire 0 json)" "$(ctl wire 1 json)" "$case" <<'PY' || fail "tester results"
import json, sys
t = [json.loads(x) for x in sys.argv[1:3]]
case, bad = sys.argv[3], []
off = sum(x["offered"] for x in t); lost = sum(x["lost"] for x in t)
cor = sum(x["corrupted"] for x in t)
if off < 2 * 5000 * 2: bad.append("only %d frames offered" % off)
if case == "io":
    if lost: bad.append("%d of %d frames lost at 5 kpps" % (lost, off))
    if cor: bad.append("%d frames corrupted" % cor)
else:
    if cor != 7: bad.append("%d corrupted frames counted, 7 injected" % cor)
    if lost != 7: bad.append("%d frames not delivered intact, want the 7 corrupted" % lost)
for x in t:
    if x["reordered"] or x["duplicates"]:
        bad.append("generator %d: %d reordered, %d duplicates" % (x["generator"], x["reordered"], x["duplicates"]))
    if not (0 < x["lat_min_ns"] <= x["lat_avg_ns"] <= x["lat_max_ns"]):
        bad.append("latency not ordered: %d/%d/%d" % (x["lat_min_ns"], x["lat_avg_ns"], x["lat_max_ns"]))
    if x["lat_samples"] != x["received"] - x["corrupted"] or sum(x["hist"]) != x["lat_samples"]:
        bad.append("latency samples %d, histogram %d, received %d" % (x["lat_samples"], sum(x["hist"]), x["received"]))
print("offered %d lost %d corrupted %d" % (off, lost, cor))
for b in bad: print("CHECK FAILED: " + b)
sys.exit(1 if bad else 0)
PY
	;;
esac
testpmd_quit
[ $tp_rc -eq 0 ] || fail "testpmd exit status $tp_rc"
echo PASS
