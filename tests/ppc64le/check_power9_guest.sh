#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The seed's problem with real 64 KiB pages: a POWER9 guest (qemu-system-ppc64,
# TCG) boots Debian's ppc64el kernel; inside it the cross-built opnic-model,
# the VFIO emulation (no page-size faking), the net_opnic plugin and
# Debian's ppc64el dpdk-testpmd forward on qdma64k and tight4k, with and
# without MSIX_MAPPABLE, then net_null for the cycles/packet ratio.
# Checks: the guest's page size is 64 kB; every case forwards both ways and
# its counts match the model's; without MSIX_MAPPABLE the 64 KiB hole puts
# the doorbells on the region-write path (self-mapped device), with it they
# are mapped. Writes the ratios to BUILD/power9-guest-results.txt.
#   check_power9_guest.sh PPC_BUILD_DIR
set -u
ppc=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
g=$("$top/scripts/ppc64le-guest.sh" "$ppc") || { echo "FAIL: cannot build the guest"; exit 1; }
out="$ppc/power9-guest-console.log"
cases="qdma64k:hole,qdma64k:mappable,tight4k:hole,tight4k:mappable,null"
. "$(dirname "$0")/boot_power9.sh"
boot_power9 "$g" "$cases" "$out" 1200
rc=$?
grep -a 'GUEST:\|RESULT\|opnic_dev_init' "$out"
[ $rc -eq 0 ] || { echo "FAIL: qemu exit status $rc (console: $out)"; tail -30 "$out"; exit 1; }
awk -v res="$ppc/power9-guest-results.txt" '
function fail(m) { print "FAIL: " m; bad = 1 }
/GUEST: page size/ { page = $4 " " $5; sub(/,$/, "", page) }
/GUEST: done/ { done = 1 }
/^RESULT/ {
	delete r
	for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
	c = r["case"]; seen[c] = 1; cyc[c] = r["cycles_per_packet"]
	if (c == "null") next
	want = c ~ /:hole$/ ? "region-write" : "mapped"
	self = c ~ /:hole$/ ? 1 : 0
	if (r["path"] != want) fail(c ": doorbell path " r["path"] ", expected " want)
	if (r["self_mapped"] + 0 != self) fail(c ": self_mapped " r["self_mapped"] ", expected " self)
	for (p = 0; p < 2; p++) {
		o = 1 - p
		if (r["port" p "_rx"] + 0 < 1000) fail(c ": port " p " received " r["port" p "_rx"])
		if (r["port" p "_tx"] != r["dev" p "_tx"]) fail(c ": port " p " PMD sent " r["port" p "_tx"] ", device consumed " r["dev" p "_tx"])
		if (r["dev" p "_tx"] + 0 != r["dev" o "_rx"] + r["dev" o "_rx_no_desc"]) fail(c ": wire " p "->" o " does not add up")
	}
}
END {
	if (page != "64 kB") fail("guest page size " page ", expected 64 kB")
	if (!done) fail("the guest did not finish")
	split("qdma64k:hole qdma64k:mappable tight4k:hole tight4k:mappable null", want_cases, " ")
	for (i in want_cases) if (!seen[want_cases[i]]) fail("no result for " want_cases[i])
	if (cyc["null"] + 0 <= 0) fail("no net_null cycles/packet")
	printf("POWER9 guest (TCG), 64 kB pages, testpmd io, 64 B, burst 32; cycles are timebase ticks (512 MHz)\n") > res
	printf("%-20s %10s %12s\n", "case", "cycles/pkt", "vs net_null") > res
	for (i = 1; i <= 5; i++) { c = want_cases[i]; printf("%-20s %10s %12.2f\n", c, cyc[c], cyc["null"] > 0 ? cyc[c] / cyc["null"] : 0) > res }
	printf("fallback/mapped qdma64k %.2f, tight4k %.2f\n",
	       cyc["qdma64k:mappable"] > 0 ? cyc["qdma64k:hole"] / cyc["qdma64k:mappable"] : 0,
	       cyc["tight4k:mappable"] > 0 ? cyc["tight4k:hole"] / cyc["tight4k:mappable"] : 0) > res
	close(res)
	exit bad
}' "$out" || exit 1
cat "$ppc/power9-guest-results.txt"
echo PASS
