#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The tree on the DPDK LTS lines beside the host's 22.11 (issue 18): for each
# line, Debian's DPDK of it in a debootstrapped root (24.11: trixie, 25.11:
# sid; scripts/debian-root.sh, cached), the tree built there by the root's
# gcc with -Werror in build/lts-<ver>, and the forwarding (with LSC), layout,
# emulation, bad-input and fault suites run inside the root (the model, the
# VFIO emulation and the plugin all from that build).
#   scripts/test-lts.sh [VER...]        VER: 24.11 25.11 (default: both)
#
# DPDK's driver SDK headers, which no Debian libdpdk-dev ships, come from,
# in this order:
#   1. the installed DPDK, if it ships them (meson checks);
#   2. the Debian source package of the installed version (apt-get source
#      inside the root, kept in /var/cache/opnic/dpdk-deb-src/<version>); our
#      mirror answers 404 for trixie's and sid's: "not available";
#   3. a DPDK source tree of that line the user names: $OPNIC_DPDK_SRC_24_11
#      or $OPNIC_DPDK_SRC_25_11, else /var/cache/opnic/dpdk-src/<ver> if it
#      exists (the user names it by putting it there), given to meson as
#      -Ddpdk_src.
# A line whose headers cannot be had is skipped with exactly that reason, as
# a meson testlog.json with one SKIP entry in build/lts-<ver>/meson-logs, so
# scripts/test.sh's summary counts it; a root or build that fails leaves one
# FAIL entry. Prints one result line per line; exits 1 if any failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ $# -gt 0 ] || set -- 24.11 25.11
pkgs="dpdk dpdk-dev libdpdk-dev meson ninja-build pkg-config gcc libnuma-dev libpcap-dev python3 iproute2 tcpdump"
suites="--suite pmd --suite emu --suite layout --suite badinput --suite fault"
results=()
failed=0

# One-entry testlog.json: RESULT (SKIP or FAIL), NAME, the reason.
one_entry_log() {
	mkdir -p "$2/meson-logs"
	python3 - "$2/meson-logs/testlog.json" "$1" "$3" "$4" <<'PY'
import json, sys
path, result, name, why = sys.argv[1:]
with open(path, "w") as f:
    f.write(json.dumps({"name": name, "suite": ["lts"], "result": result,
                        "returncode": 77 if result == "SKIP" else 1,
                        "duration": 0.0, "stdout": why + "\n"}) + "\n")
PY
}

# Headers step 2: the Debian source package of the root's libdpdk-dev,
# unpacked once into the cache. Prints the source tree, or the reason why not
# on stderr (returns 1).
deb_src_tree() {
	local root=$1 suite=$2 ver cache dir
	ver=$(scripts/in-root.sh "$root" dpkg-query -W -f='${Version}' libdpdk-dev)
	cache=/var/cache/opnic/dpdk-deb-src/$ver
	dir=$(find "$cache" -maxdepth 1 -mindepth 1 -type d -name 'dpdk*' 2>/dev/null | head -1)
	if [ -n "$dir" ] && [ -f "$cache/.stamp" ]; then
		echo "$dir"
		return 0
	fi
	rm -rf "$cache"
	mkdir -p "$cache"
	# Only the deb-src list, in the root's /tmp (the host's, private dir).
	local tmp
	tmp=$(mktemp -d /tmp/opnic-deb-src.XXXXXX)
	mkdir -p "$tmp/lists/partial"
	echo "deb-src ${OPNIC_MIRROR:-http://deb.debian.org/debian} $suite main" > "$tmp/src.list"
	if ! scripts/in-root.sh "$root" --bind "$tmp" --bind "$cache" sh -c '
		set -e
		o="-o Dir::Etc::sourcelist=$1/src.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$1/lists"
		apt-get -q $o update >/dev/null 2>&1
		cd "$2" && apt-get -q $o source --download-only "dpdk=$3" >"$1/log" 2>&1
		tar -xf "$2"/dpdk_*.orig.tar.* -C "$2"' sh "$tmp" "$cache" "$ver" 2>/dev/null; then
		local got
		got=$(sed -n 's/^E: Failed to fetch \([^ ]*\) *\([0-9][0-9][0-9]\) *\([A-Za-z ]*[A-Za-z]\).*/\2 \3 for \1/p' "$tmp/log" 2>/dev/null | head -1)
		echo "Debian source package dpdk=$ver not available (${got:-apt-get source or its unpacking failed})" >&2
		rm -rf "$tmp" "$cache"
		return 1
	fi
	rm -rf "$tmp"
	dir=$(find "$cache" -maxdepth 1 -mindepth 1 -type d -name 'dpdk*' | head -1)
	[ -n "$dir" ] || { echo "Debian source package dpdk=$ver: no source tree in it" >&2; return 1; }
	touch "$cache/.stamp"
	echo "$dir"
}

for v in "$@"; do
	case "$v" in
	24.11) suite=trixie; envname=OPNIC_DPDK_SRC_24_11;;
	25.11) suite=sid; envname=OPNIC_DPDK_SRC_25_11;;
	*) echo "test-lts: '$v': not an LTS line this script knows (24.11, 25.11)" >&2; exit 2;;
	esac
	b="build/lts-$v"
	name="lts-dpdk-$v"
	start=$(date +%s)
	mkdir -p "$b/meson-logs"
	rm -f "$b/meson-logs/testlog.json"
	if ! root=$(scripts/debian-root.sh "$suite" "$suite" $pkgs); then
		one_entry_log FAIL "$b" "$name" "the Debian $suite root could not be made (scripts/debian-root.sh)"
		results+=("DPDK $v: FAIL (no $suite root)"); failed=1
		continue
	fi
	dver=$(scripts/in-root.sh "$root" pkg-config --modversion libdpdk)

	# The SDK headers, in the order above.
	opt="" from="" why=""
	if scripts/in-root.sh "$root" sh -c 'ls /usr/include/dpdk/ethdev_driver.h /usr/include/*/dpdk/ethdev_driver.h' >/dev/null 2>&1; then
		from="the installed DPDK"
	elif dsrc=$(deb_src_tree "$root" "$suite" 2>"$b/meson-logs/deb-src.err"); then
		opt="-Ddpdk_src=$dsrc" from="Debian's source package ($dsrc)"
	else
		why=$(cat "$b/meson-logs/deb-src.err")
		usrc=${!envname:-}
		[ -n "$usrc" ] || { [ -d "/var/cache/opnic/dpdk-src/$v" ] && usrc=/var/cache/opnic/dpdk-src/$v; }
		if [ -n "$usrc" ]; then
			opt="-Ddpdk_src=$(realpath "$usrc")" from="$usrc"
		fi
	fi
	if [ -z "$from" ]; then
		reason="DPDK $dver ($suite): no driver SDK headers: not in the installed DPDK; $why; no source tree named (\$$envname, /var/cache/opnic/dpdk-src/$v)"
		echo "SKIP $reason"
		one_entry_log SKIP "$b" "$name" "$reason"
		results+=("DPDK $v: SKIP ($reason)")
		continue
	fi
	echo "test-lts: DPDK $dver in $root, SDK headers from $from"

	binds=(--bind "$top")
	[ -n "$opt" ] && binds+=(--bind "${opt#-Ddpdk_src=}")
	if [ -f "$b/build.ninja" ] && ! grep -qs -- "dpdk_src=${opt#-Ddpdk_src=}\$" "$b/.opnic-lts-setup"; then
		rm -rf "$b"
		mkdir -p "$b/meson-logs"
	fi
	if [ ! -f "$b/build.ninja" ]; then
		if ! scripts/in-root.sh "$root" "${binds[@]}" sh -c 'cd "$1" && meson setup "$2" $3 >"$2.setup.log" 2>&1' sh "$top" "$b" "$opt"; then
			tail -5 "$b.setup.log"
			one_entry_log FAIL "$b" "$name" "meson setup failed in the $suite root: see $b.setup.log"
			results+=("DPDK $v: FAIL (meson setup; $b.setup.log)"); failed=1
			continue
		fi
		echo "dpdk_src=${opt#-Ddpdk_src=}" > "$b/.opnic-lts-setup"
	fi
	if ! scripts/in-root.sh "$root" "${binds[@]}" sh -c 'cd "$1" && ninja -C "$2" >"$2/meson-logs/ninja.log" 2>&1' sh "$top" "$b"; then
		grep -E 'error|FAILED' "$b/meson-logs/ninja.log" | head -10
		one_entry_log FAIL "$b" "$name" "the build failed in the $suite root (gcc -Werror): see $b/meson-logs/ninja.log"
		results+=("DPDK $v: FAIL (build; $b/meson-logs/ninja.log)"); failed=1
		continue
	fi
	scripts/in-root.sh "$root" "${binds[@]}" sh -c 'cd "$1" && meson test -C "$2" --print-errorlogs --num-processes 1 '"$suites" sh "$top" "$b"
	rc=$?
	counts=$(python3 - "$b/meson-logs/testlog.json" <<'PY'
import json, sys
c = {"OK": 0, "FAIL": 0, "SKIP": 0}
try:
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result")
        k = r if r in ("OK", "SKIP") else ("OK" if r == "EXPECTEDFAIL" else "FAIL")
        c[k] += 1
except OSError:
    c["FAIL"] += 1
print("%d passed, %d failed, %d skipped" % (c["OK"], c["FAIL"], c["SKIP"]))
PY
)
	secs=$(( $(date +%s) - start ))
	[ $rc -eq 0 ] || failed=1
	results+=("DPDK $v ($dver, headers from $from): $counts in ${secs}s")
done

echo "---- DPDK LTS lines"
for r in "${results[@]}"; do echo "$r"; done
exit $failed
