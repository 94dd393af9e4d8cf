#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A DPDK secondary process (Debian's dpdk-proc-info) attaches to ports that a
# primary testpmd is forwarding on, and reads stats and xstats -- including
# the device counters, which it reads through its own BAR mappings.
set -u
build=$1 profile=$2 kernel=$3 page=$4
pmd=$("$build/app/opnic-plugin-path") || exit 1
run=$(mktemp -d /dev/shm/opnic-sec.XXXXXX)
rmdir "$run"
prefix="opnic-sec-$$"
fifo="$run.in" plog="$run.prim" slog="$run.sec"
trap 'exec 3>&- 2>/dev/null; rm -rf "$run" "$run".*; rm -f /dev/hugepages/$prefix*' EXIT
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
mkfifo "$fifo"
"$build/app/opnic-run" --run-dir "$run" --profile "$profile" --kernel "$kernel" \
	--page-size "$page" -- dpdk-testpmd -d "$pmd" --file-prefix "$prefix" -l 0,1 \
	-a 0000:0b:00.0 -a 0000:0b:01.0 -- -i --nb-cores=1 --no-lsc-interrupt \
	< "$fifo" > "$plog" 2>&1 &
prim=$!
exec 3>"$fifo"
for i in $(seq 300); do grep -q '^Done' "$plog" && break; sleep 0.05; done
echo "start tx_first" >&3
sleep 1.5
sec() { "$build/app/opnic-run" --run-dir "$run" -- dpdk-proc-info -d "$pmd" \
	--file-prefix "$prefix" -- "$@" 2>&1; }
stats=$(sec --stats); rc1=$?
xstats=$(sec --xstats); rc2=$?
echo "stop" >&3
sleep 0.3
echo "quit" >&3
exec 3>&-
wait $prim
rc3=$?
echo "$stats" | grep -E "attached|RX-packets|TX-packets" | head -6
echo "$xstats" | grep -E "db_|dev_|good" | head -20
fail=0
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || { echo "FAIL: dpdk-proc-info exit status $rc1/$rc2"; fail=1; }
[ $rc3 -eq 0 ] || { echo "FAIL: primary exit status $rc3"; fail=1; }
[ "$(grep -c 'secondary process attached' <<<"$stats")" -eq 2 ] || { echo "FAIL: secondary did not attach to both ports"; fail=1; }
n=$(grep -m1 -E '^ +RX-packets:' <<<"$stats" | awk '{print $2}')
[ "${n:-0}" -gt 1000 ] || { echo "FAIL: secondary sees RX-packets ${n:-none}"; fail=1; }
for x in rx_q0_db_syscall tx_q0_db_suppressed dev_dma_errors rx_dev_no_descriptor_drops; do
	grep -q "^$x: " <<<"$xstats" || { echo "FAIL: xstat $x missing in the secondary"; fail=1; }
done
grep -q "Bye" "$plog" || { echo "FAIL: the primary did not exit cleanly"; fail=1; }
exit $fail
