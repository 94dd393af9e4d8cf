#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Stop/start under traffic, CYCLES times (port stop/start and, every tenth
# cycle, a full reconfigure with a queue count change), then: every mbuf is
# back in the mempool (in_use_count=0 after the ports stop), traffic flowed
# after the last start, and the device saw no descriptor or DMA errors.
#   check_stop_start.sh BUILD PROFILE KERNEL PAGE CYCLES
set -u
build=$1 profile=$2 kernel=$3 page=$4 cycles=$5
pmd=$("$build/app/opnic-plugin-path") || exit 1
run=$(mktemp -d /dev/shm/opnic-ss.XXXXXX)
rmdir "$run"
log="$run.log"
trap 'rm -rf "$run" "$run".*' EXIT
feeder() {
	for i in $(seq 600); do grep -q '^Done' "$log" 2>/dev/null && break; sleep 0.05; done
	for c in $(seq "$cycles"); do
		echo "start tx_first"
		sleep 0.1
		echo "stop"
		echo "port stop all"
		if [ $((c % 10)) -eq 0 ]; then
			q=$(( (c / 10) % 2 + 1 ))
			echo "port config all rxq $q"
			echo "port config all txq $q"
		fi
		echo "port start all"
	done
	echo "start tx_first"
	sleep 1
	echo "stop"
	echo "show port stats all"
	echo "port stop all"
	echo "dump_mempool"
	sleep 0.5
	"$build/app/opnic-ctl" --run-dir "$run" status 0 > "$run.st0"
	"$build/app/opnic-ctl" --run-dir "$run" status 1 > "$run.st1"
	echo "quit"
}
feeder | "$build/app/opnic-run" --run-dir "$run" --profile "$profile" --kernel "$kernel" \
	--page-size "$page" -- stdbuf -oL dpdk-testpmd -d "$pmd" --in-memory -l 0,1 \
	-a 0000:0b:00.0 -a 0000:0b:01.0 -- -i --nb-cores=1 --no-lsc-interrupt --disable-link-check \
	--total-num-mbufs=16384 > "$log" 2>&1
rc=$?
fail=0
[ $rc -eq 0 ] || { echo "FAIL: exit status $rc"; fail=1; }
# rte_mempool_dump: free objects = common_pool_count + total_cache_count.
size=$(sed -n '/^mempool <mb_pool_0>/,/common_pool_count/s/^  size=//p' "$log" | head -1)
pool=$(sed -n '/^mempool <mb_pool_0>/,/common_pool_count/s/^  common_pool_count=//p' "$log" | head -1)
cache=$(sed -n '/^mempool <mb_pool_0>/,/common_pool_count/s/^    total_cache_count=//p' "$log" | head -1)
echo "mempool after port stop: size ${size:-?}, free ${pool:-?} + cached ${cache:-0}"
if [ -z "$size" ] || [ -z "$pool" ] || [ $((pool + ${cache:-0})) -ne "$size" ]; then
	echo "FAIL: mbufs not all back in the mempool"; fail=1
fi
starts=$(grep -c "^Port [01]: " "$log")
echo "port starts seen: $starts"
[ "$starts" -ge $((2 * cycles)) ] || { echo "FAIL: only $starts port starts for $cycles cycles"; fail=1; }
rx=$(grep -E '^ +RX-packets:.*RX-missed' "$log" | tail -2 | awk '{s += $2} END {print s + 0}')
echo "packets received in the last window: $rx"
[ "$rx" -gt 1000 ] || { echo "FAIL: no traffic after the last start"; fail=1; }
for f in "$run.st0" "$run.st1"; do
	cat "$f"
	grep -q "dma_errors 0 desc_errors 0" "$f" || { echo "FAIL: device errors in $f"; fail=1; }
done
grep -E "error|Error|ERR" "$log" | grep -v "RX-errors\|TX-errors\|rx_errors\|tx_errors" | head -5
exit $fail
