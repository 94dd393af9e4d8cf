#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# opnic-bench (--quick --native-pages) inside the POWER9 guest: net_null and
# net_opnic on qdma64k/tight4k with and without MSIX_MAPPABLE, real 64 KiB
# pages, ratios within the run. Under TCG absolute numbers mean nothing; the
# ratios (cycles/packet vs net_null, fallback vs mapped) are the result.
# Writes BUILD/power9-bench-results.md.
#   check_power9_bench.sh PPC_BUILD_DIR
set -u
ppc=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
g=$("$top/scripts/ppc64le-guest.sh" "$ppc") || { echo "FAIL: cannot build the guest"; exit 1; }
out="$ppc/power9-bench-console.log"
. "$(dirname "$0")/boot_power9.sh"
boot_power9 "$g" "bench" "$out" 1500
rc=$?
res="$ppc/power9-bench-results.md"
{
	echo "<!-- POWER9 guest under QEMU TCG (qemu-system-ppc64 -cpu power9), real 64 KiB"
	echo "     pages, timebase 512 MHz: absolute Mpps and cycles mean nothing here;"
	echo "     compare the ratios. -->"
	sed -n '/GUEST: results.md begin/,/GUEST: results.md end/p' "$out" | sed '1d;$d' | tr -d '\r'
} > "$res"
grep -a 'GUEST:' "$out"
cat "$res"
fail() { echo "FAIL: $*"; exit 1; }
[ $rc -eq 0 ] || fail "qemu exit status $rc (console: $out)"
grep -aq 'GUEST: opnic-bench exit status 0' "$out" || fail "opnic-bench failed in the guest"
grep -aq 'GUEST: page size 64 kB' "$out" || fail "the guest does not run 64 KiB pages"
for c in qdma64k-mappable qdma64k-hole tight4k-mappable tight4k-hole; do
	row=$(grep "^| opnic-$c-native " "$res") || fail "no row for $c"
	awk -F'|' -v c="$c" '{ gsub(/ /, "", $9); gsub(/ /, "", $11); gsub(/ /, "", $14)
		if ($14 != "passed") { print "FAIL: " c ": checks " $14; exit 1 }
		if ($9 + 0 <= 0 || $11 + 0 <= 0) { print "FAIL: " c ": no cycles/packet or ratio"; exit 1 } }' <<<"$row" || exit 1
done
echo PASS
