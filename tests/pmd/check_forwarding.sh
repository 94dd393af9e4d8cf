#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Unmodified dpdk-testpmd forwards through net_opnic on the emulated NIC:
# packet conservation and counts are checked by opnic-testpmd; here we also
# assert which register path the doorbells must take for this layout.
set -u
build=$1 profile=$2 kernel=$3 page=$4 mode=$5 queues=$6
shift 6

want=mapped self=0
if [ "$kernel" = hole ]; then
	case "$profile/$page" in
	tight4k/4k) want=region-write ;;
	tight4k/64k|qdma64k/64k|fpga8k/64k) want=region-write self=1 ;;
	esac
fi
for a in "$@"; do
	case "$a" in *regs=rw*) want=region-write ;; esac
done

out=$("$build/app/opnic-testpmd" --profile "$profile" --kernel "$kernel" \
	--page-size "$page" --mode "$mode" --queues "$queues" --seconds 2 \
	--warmup 1 "$@")
rc=$?
echo "$out"
fail=0
grep -q "^result profile_path=$want" <<<"$out" || { echo "FAIL: doorbell path should be $want"; fail=1; }
grep -q "^self_mapped=$self" <<<"$out" || { echo "FAIL: self_mapped should be $self"; fail=1; }
[ $rc -eq 0 ] || fail=1
exit $fail
