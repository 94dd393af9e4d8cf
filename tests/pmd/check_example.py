#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The example application (net_opnic linked in statically) forwards and
# prints the link events that opnic-ctl causes in the model.
set -u
build=$1 profile=$2 kernel=$3 page=$4
run=$(mktemp -d /dev/shm/opnic-fwd.XXXXXX)
rmdir "$run"
trap 'rm -rf "$run"' EXIT
(
	for i in $(seq 100); do [ -S "$run/model.sock" ] && break; sleep 0.05; done
	sleep 2.5
	"$build/app/opnic-ctl" --run-dir "$run" link 1 down
	sleep 0.5
	"$build/app/opnic-ctl" --run-dir "$run" link 1 up
) &
out=$("$build/app/opnic-run" --run-dir "$run" --profile "$profile" --kernel "$kernel" \
	--page-size "$page" -- "$build/app/opnic-fwd" --in-memory -l 0,1 -- --seconds 4 2>&1)
rc=$?
wait
echo "$out" | grep -v 'log level\|shared lib'
fail=0
for want in "port 0: net_opnic firmware 1.2.0" "link event: port 1 down 0 Mb/s" \
	    "link event: port 1 up 100000 Mb/s" "link events: 2"; do
	grep -qF "$want" <<<"$out" || { echo "FAIL: missing '$want'"; fail=1; }
done
n=$(sed -n 's/^forwarded: port 0 -> 1: \([0-9]*\),.*/\1/p' <<<"$out")
[ "${n:-0}" -gt 1000 ] || { echo "FAIL: forwarded only ${n:-0} frames 0 -> 1"; fail=1; }
[ $rc -eq 0 ] || { echo "FAIL: exit status $rc"; fail=1; }
exit $fail
