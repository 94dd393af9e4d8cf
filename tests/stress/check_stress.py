#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Robustness under a hostile device, with the PMD built under ASan/UBSan
# when BUILD is build/asan (opnic-stress links net_opnic statically).
#   check_stress.sh BUILD bursts N PROFILE KERNEL PAGE
#       N receive bursts while the model injects random completion and DMA
#       faults (--random-faults), one port's RX left alone now and then so
#       its ring runs dry (completions for unposted descriptors); every mbuf
#       back in the mempool after close, and the faults the model injected
#       show up in the PMD's xstats.
#   check_stress.sh BUILD cycles N PROFILE KERNEL PAGE
#       N probe/configure/start/forward/stop/close/remove cycles; no mbuf,
#       heap byte, memzone or file descriptor lost (opnic-stress checks).
set -u
build=$1 mode=$2 count=$3 profile=$4 kernel=$5 page=$6
ppm=5000
run=$(mktemp -d /dev/shm/opnic-stress.XXXXXX)
log=$run.log
trap 'kill $model 2>/dev/null; wait 2>/dev/null; rm -rf "$run" "$run".*' EXIT
fail() { echo "FAIL: $*"; exit 1; }

margs=()
[ "$mode" = bursts ] && margs=(--random-faults "$ppm,$RANDOM")
"$build/app/opnic-model" --run-dir "$run" --profile "$profile" "${margs[@]}" 2>"$run.model" &
model=$!
for i in $(seq 200); do [ -f "$run/ready" ] && break; sleep 0.05; done
[ -f "$run/ready" ] || { cat "$run.model"; fail "model did not start"; }

# The VFIO emulation is preloaded ahead of the ASan runtime: tell ASan that
# this order is intended (it still intercepts everything it needs).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	timeout 900 "$build/app/opnic-run" --run-dir "$run" --kernel "$kernel" \
	--page-size "$page" -- "$build/app/opnic-stress" --in-memory -l 0,1 \
	--log-level=pmd.net.opnic:warning -- "--$mode" "$count" >"$log" 2>&1
rc=$?
grep -v '^EAL:\|TELEMETRY' "$log" | tail -20
grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' "$log" &&
	fail "sanitizer report (see above)"
[ $rc -eq 0 ] || fail "opnic-stress exit status $rc"
grep -q '^checks=passed' "$log" || fail "opnic-stress checks did not pass"

if [ "$mode" = bursts ]; then
	inj=0 dma=0 unposted=0
	for d in 0 1; do
		st=$("$build/app/opnic-ctl" --run-dir "$run" status $d) || fail "no model status"
		echo "$st" | grep injected_
		for k in cpl_len cpl_idx cpl_phase cpl_dup; do
			v=$(echo "$st" | sed -n "s/.*injected_$k \([0-9]*\).*/\1/p")
			inj=$((inj + ${v:-0}))
		done
		v=$(echo "$st" | sed -n 's/.*injected_dma \([0-9]*\).*/\1/p')
		dma=$((dma + ${v:-0}))
		v=$(echo "$st" | sed -n 's/.*injected_cpl_unposted \([0-9]*\).*/\1/p')
		unposted=$((unposted + ${v:-0}))
	done
	read -r bad err <<<"$(sed -n 's/.* bad_cpl \([0-9]*\) cpl_errors \([0-9]*\).*/\1 \2/p' "$log")"
	echo "model injected: $inj completion faults, $dma DMA faults, $unposted completions for unposted descriptors; PMD counted bad_cpl $bad, cpl_errors $err"
	# Completions for unposted descriptors are never read (or, once the slot
	# is posted, look like that descriptor's own): not counted as faults, but
	# they must have happened while the PMD ran under ASan.
	[ "$unposted" -gt 0 ] || fail "no completion for an unposted descriptor was injected"
	[ "$inj" -gt 100 ] || fail "only $inj completion faults injected"
	[ "$dma" -gt 10 ] || fail "only $dma DMA faults injected"
	# Two faults can hit one completion and a stale-phase record at the very
	# end is never followed, so the PMD may count a little less, never more.
	total=$((inj + dma)) counted=$((bad + err))
	[ "$counted" -le "$total" ] || fail "PMD counted $counted faulty completions, model injected $total"
	[ $((counted * 100)) -ge $((total * 95)) ] || fail "PMD counted $counted of $total injected faults"
	[ "$err" -le "$dma" ] || fail "$err error completions for $dma DMA faults"
fi
echo "PASS"
