#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/test-arm64.sh [MESON-TEST-ARGS...]
#
# The arm64 step of the suite (issue 18, doc/guides/arm64.md): installs what
# is missing on the Debian 12 host (gcc-aarch64-linux-gnu, qemu-user-static),
# the arm64 sysroot and cross file (scripts/cross-sysroot.sh arm64, cached),
# builds everything in build/arm64/build with -Werror, then runs the unit
# tests and testpmd forwarding under qemu-aarch64-static:
#   meson test -C build/arm64/build --suite unit --suite qemu-user
# which leaves build/arm64/build/meson-logs/testlog.json. The qemu-user
# tests use the native build's model (build/, set up and built here if
# needed).
# Exit status: meson test's; 1 if a build fails (no testlog then); 77, after
# a line "SKIP arm64: REASON", only if the cross toolchain or the sysroot
# cannot be installed.
set -u
# A step's output goes to LOG, shown only when it fails.
quiet() {
	local log="$1"; shift
	"$@" > "$log" 2>&1 && return 0
	tail -n 40 "$log"
	return 1
}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arm="$top/build/arm64/build"
rm -f "$arm/meson-logs/testlog.json"

if ! scripts/cross-sysroot.sh arm64; then
	echo "SKIP arm64: cross toolchain (gcc-aarch64-linux-gnu, qemu-user-static) or the Debian 12 arm64 sysroot could not be installed"
	exit 77
fi
t_sys=$SECONDS
if [ ! -f build/build.ninja ]; then
	quiet build/arm64/native-setup.log \
		meson setup build -Ddpdk_sdk="$top/build/sdk/include" ||
		{ echo "arm64: native build setup failed"; exit 1; }
fi
quiet build/arm64/native-ninja.log ninja -C build || { echo "arm64: native build (the model) failed"; exit 1; }
if [ ! -f "$arm/build.ninja" ]; then
	quiet build/arm64/setup.log meson setup "$arm" "$top" \
		--cross-file "$top/build/arm64/cross.ini" -Ddpdk_sdk="$top/build/sdk/include" ||
		{ echo "arm64: cross build setup failed"; exit 1; }
fi
quiet build/arm64/ninja.log ninja -C "$arm" || { echo "arm64 cross build failed"; exit 1; }
t_build=$SECONDS
meson test -C "$arm" --print-errorlogs --num-processes 1 --suite unit --suite qemu-user "$@"
rc=$?
echo "arm64: sysroot $t_sys s, builds $((t_build - t_sys)) s, tests $((SECONDS - t_build)) s"
exit $rc
