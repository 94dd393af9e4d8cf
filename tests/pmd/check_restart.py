#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The NIC model outlives its applications, like hardware: an application that
# is killed (-9) mid-traffic leaves the model running; the model drops that
# application's DMA mappings and resets the devices; the next application
# probes and forwards on the same model.
set -u
build=$1 profile=$2 kernel=$3 page=$4
run=$(mktemp -d /dev/shm/opnic-rst.XXXXXX)
trap 'kill $mp 2>/dev/null; rm -rf "$run" "$run".*' EXIT
"$build/app/opnic-model" --run-dir "$run" --profile "$profile" --devices 2 2>"$run/model.err" &
mp=$!
for i in $(seq 100); do [ -f "$run/ready" ] && break; sleep 0.05; done
fwd() { "$build/app/opnic-run" --run-dir "$run" --kernel "$kernel" --page-size "$page" -- \
	"$build/app/opnic-fwd" --in-memory -l 0,1 -- --seconds "$1" 2>&1; }
fail=0
# 1: killed in the middle of forwarding.
fwd 30 > "$run.first" &
first=$!
for i in $(seq 200); do
	"$build/app/opnic-ctl" --run-dir "$run" status 0 | grep -q "queues_running 2" && break
	sleep 0.05
done
sleep 1
pkill -9 -f "opnic-fwd --in-memory"
wait $first 2>/dev/null
sleep 0.5
st=$("$build/app/opnic-ctl" --run-dir "$run" status 0)
echo "$st"
kill -0 $mp || { echo "FAIL: the model died with the application"; fail=1; }
grep -q "owner none" <<<"$st" || { echo "FAIL: device still owned after the application died"; fail=1; }
grep -q "queues_running 0" <<<"$st" || { echo "FAIL: queues still running after the application died"; fail=1; }
# 2: the next application probes the same (reset) device and forwards.
out=$(fwd 2)
echo "$out" | grep -E "^port|forwarded"
n=$(sed -n 's/^forwarded: port 0 -> 1: \([0-9]*\),.*/\1/p' <<<"$out")
[ "${n:-0}" -gt 1000 ] || { echo "FAIL: the second application forwarded ${n:-0} frames"; fail=1; }
exit $fail
