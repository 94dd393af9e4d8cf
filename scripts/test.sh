#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# README command 2: the whole test suite. Sets up and builds what is missing
# (scripts/setup.sh), runs every meson test in build/, runs the unit suite
# again under AddressSanitizer/UBSan in build/asan, the fuzz suite in
# build/fuzz (clang, libFuzzer), the ppc64le and arm64 cross suites, the
# other DPDK LTS lines in debootstrapped roots (scripts/test-lts.sh), and ends with the line
# 'N passed, N failed[, N skipped]'.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if ! scripts/setup.sh; then
	echo "setup failed"
	echo "0 passed, 1 failed"
	exit 1
fi

asan="$top/build/asan"
if [ ! -f "$asan/build.ninja" ]; then
	meson setup "$asan" "$top" -Ddpdk_sdk="$top/build/sdk/include" \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
if ! ninja -C "$asan" >/dev/null; then
	echo "ASan build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

meson test -C build --print-errorlogs --num-processes 1 --no-suite vfio-user-guest-power9 "$@"
rc1=$?
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C "$asan" --print-errorlogs --suite unit --suite asan
rc2=$?

# ppc64le: cross build of everything with -Werror, unit tests under
# qemu-user (issue 7). Skipped, with the reason, only if the cross toolchain
# or the ppc64el sysroot cannot be installed.
ppc="$top/build/ppc64le/build"
ppc_skip=""
rm -f "$ppc/meson-logs/testlog.json"
rc3=0
if scripts/ppc64le-sysroot.sh; then
	if [ ! -f "$ppc/build.ninja" ]; then
		meson setup "$ppc" "$top" --cross-file "$top/build/ppc64le/cross.ini" \
			-Ddpdk_sdk="$top/build/sdk/include" >/dev/null || rc3=1
	fi
	if [ $rc3 -eq 0 ] && ninja -C "$ppc" >/dev/null; then
		meson test -C "$ppc" --print-errorlogs --suite unit --suite qemu-user --suite power9
		rc3=$?
	else
		echo "ppc64le cross build failed"
		rc3=1
	fi
else
	ppc_skip="ppc64le: cross toolchain or sysroot could not be installed"
	echo "SKIP $ppc_skip"
fi
# The POWER9 pseries guest's real vfio-pci on the model's vfio-user server
# (issue 17) needs that cross build; its own testlog (it skips, with the
# reason, without the build or QEMU's root).
p9log="$top/build/meson-logs/power9-guest.json"
rm -f "$p9log"
meson test -C build --print-errorlogs --num-processes 1 --suite vfio-user-guest-power9 \
	--logbase power9-guest
rc7=$?

# Fuzzing (issue 15): the libFuzzer harnesses, built with clang in
# build/fuzz (cached), a few seconds each over their seed corpora
# (doc/fuzzing.md). A build that fails leaves no testlog: counted as failed.
fuzz="$top/build/fuzz"
rc4=0
missing=""
for p in clang libclang-rt-14-dev; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "test: installing:$missing"
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
rm -f "$fuzz/meson-logs/testlog.json"
if [ ! -f "$fuzz/build.ninja" ]; then
	CC=clang meson setup "$fuzz" "$top" -Ddpdk_sdk="$top/build/sdk/include" \
		-Dfuzz=true -Db_lundef=false >/dev/null || rc4=1
fi
if [ $rc4 -eq 0 ] && ninja -C "$fuzz" >/dev/null; then
	meson test -C "$fuzz" --print-errorlogs --suite fuzz
	rc4=$?
else
	echo "fuzz build (clang, build/fuzz) failed"
	rc4=1
fi

# arm64 (issue 18): cross build, unit tests and testpmd forwarding under
# qemu-user; exit 77 (SKIP, reason printed) only when the toolchain or
# sysroot cannot be installed.
arm="$top/build/arm64/build"
rm -f "$arm/meson-logs/testlog.json"
scripts/test-arm64.sh
rc5=$?
arm_skip=""
if [ $rc5 -eq 77 ]; then arm_skip=1; rc5=0; fi

# The other DPDK LTS lines (issue 18): the tree built and the forwarding,
# layout, emulation, bad-input and fault suites run inside debootstrapped
# roots (24.11: trixie, 25.11: sid). A line without SDK headers leaves a
# testlog with one SKIP naming why (doc/guides/dpdk-versions.md).
lts_logs=()
for v in 24.11 25.11; do
	rm -f "$top/build/lts-$v/meson-logs/testlog.json"
	lts_logs+=("$top/build/lts-$v/meson-logs/testlog.json")
done
scripts/test-lts.sh
rc6=$?

# Summary over every testlog; a step's missing testlog counts as one failure,
# a skipped step (ppc64le, arm64) as one skip.
python3 - "$top/build/meson-logs/testlog.json" "$asan/meson-logs/testlog.json" \
	"$fuzz/meson-logs/testlog.json" "$p9log" \
	"${ppc_skip:+skip:}$ppc/meson-logs/testlog.json" \
	"${arm_skip:+skip:}$arm/meson-logs/testlog.json" "${lts_logs[@]}" <<'PY'
import json, sys
p = f = s = 0
for path in sys.argv[1:]:
    if path.startswith("skip:"):
        s += 1
        continue
    try:
        lines = open(path).read().splitlines()
    except OSError:
        f += 1
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print(f"{p} passed, {f} failed" + (f", {s} skipped" if s else ""))
PY
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ] && [ $rc4 -eq 0 ] && \
	[ $rc5 -eq 0 ] && [ $rc6 -eq 0 ] && [ $rc7 -eq 0 ]
