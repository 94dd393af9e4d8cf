#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# README command 2: the whole test suite. Sets up and builds what is missing
# (scripts/setup.sh), runs every meson test in build/, runs the unit suite
# again under AddressSanitizer/UBSan in build/asan, and ends with the line
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

# Stale models of an interrupted run would steal the CPU from this one.
pkill -x opnic-model 2>/dev/null || true

meson test -C build --print-errorlogs --num-processes 1 "$@"
rc1=$?
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C "$asan" --print-errorlogs --suite unit --suite asan
rc2=$?

python3 - "$top/build/meson-logs/testlog.json" "$asan/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for path in sys.argv[1:]:
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
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]
