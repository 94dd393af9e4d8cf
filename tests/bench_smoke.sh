#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# opnic-bench --quick runs and its output parses: every case has numbers, the
# opnic cases passed their own packet checks, the targets table exists, and
# the two-process peers (virtio-user/vhost-user, memif) started and measured.
set -u
build=$1
out=$(mktemp -d /dev/shm/opnic-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$build/app/opnic-bench" --quick --out "$out" || { echo "FAIL: opnic-bench exit status"; exit 1; }
fail=0
lines=$(tail -n +2 "$out/results.csv" | wc -l)
[ "$lines" -ge 4 ] || { echo "FAIL: only $lines cases in results.csv"; fail=1; }
while IFS=, read -r name pmd prof kern page supp len mpps cyc sys db chk; do
	awk -v m="$mpps" -v c="$cyc" 'BEGIN { exit !(m > 0 && c > 0) }' ||
		{ echo "FAIL: $name: mpps '$mpps' cycles '$cyc'"; fail=1; }
	[ "$pmd" != opnic ] || [ "$chk" = passed ] || { echo "FAIL: $name checks $chk"; fail=1; }
done < <(tail -n +2 "$out/results.csv")
# The DPDK line results.md names is the installed libdpdk-dev's (22.11 on the
# host, 24.11 / 25.11 in scripts/test-lts.sh's roots).
dpdk=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null | cut -d. -f1,2)
[ -n "$dpdk" ] || { echo "FAIL: no libdpdk-dev installed (dpkg-query)"; exit 1; }
for want in "## Targets" "fallback Mpps >= 0.95" "model >= 1.5 x one PMD core" "- DPDK: Debian libdpdk-dev $dpdk"; do
	grep -qF -- "$want" "$out/results.md" || { echo "FAIL: results.md lacks '$want'"; fail=1; }
done
# The peers whose device sits on the other core (issue 16) ran and measured.
for peer in virtio-user-64 memif-2proc-64; do
	grep -q "^$peer,.*,n/a\$" "$out/results.csv" ||
		{ echo "FAIL: peer $peer: $(grep -F "| $peer |" "$out/results.md" || echo 'no row')"; fail=1; }
done
grep -qF "| net_opnic mapped / virtio-user |" "$out/results.md" ||
	{ echo "FAIL: results.md lacks the issue 16 ratios"; fail=1; }
exit $fail
