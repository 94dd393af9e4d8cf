#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A debootstrapped Debian root of the project's own, cached outside the
# repository (clean clones and CI reuse it), for the packages the host must
# never get: another Debian suite's DPDK (issue 18) or QEMU from
# trixie-backports (issue 17).
#   scripts/debian-root.sh NAME SUITE [--backports] PKG...  -> prints the root
# NAME is the cache entry (/var/cache/opnic/roots/NAME, or $OPNIC_ROOTS/NAME);
# SUITE a suite of the mirror apt uses (trixie, sid); --backports installs
# the packages from SUITE-backports. The package list is part of the stamp:
# asking for more packages installs them into the same root. Concurrent
# callers for one root wait for each other (flock). Run programs inside with
# scripts/in-root.sh.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 NAME SUITE [--backports] PKG..." >&2; exit 2; }
name=$1 suite=$2
shift 2
bpo=""
if [ "${1:-}" = "--backports" ]; then bpo="$suite-backports"; shift; fi
case "$name" in *[!A-Za-z0-9._-]*|"") echo "debian-root: bad root name '$name'" >&2; exit 2;; esac
roots=${OPNIC_ROOTS:-/var/cache/opnic/roots}
root="$roots/$name"
mirror=${OPNIC_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$roots"

if ! command -v debootstrap >/dev/null; then
	echo "debian-root: installing debootstrap" >&2
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q debootstrap >/dev/null
fi

exec 9>"$roots/.$name.lock"
flock 9

want=$(printf '%s\n' "$suite" "$bpo" "$@" | sort -u | tr '\n' ' ')
if [ -f "$root/.opnic-root" ] && [ "$(sed -n 1p "$root/.opnic-root")" != "$suite" ]; then
	echo "debian-root: $root holds suite $(sed -n 1p "$root/.opnic-root"), not $suite" >&2
	exit 1
fi
if [ ! -f "$root/.opnic-root" ]; then
	echo "debian-root: debootstrap $suite into $root (once; cached)" >&2
	rm -rf "$root.partial"
	# minbase plus what apt needs to fetch over https mirrors; the log stays
	# in the partial root when it fails.
	if ! debootstrap --variant=minbase --include=ca-certificates \
		"$suite" "$root.partial" "$mirror" > "$roots/$name.debootstrap.log" 2>&1; then
		echo "debian-root: debootstrap $suite failed; see $roots/$name.debootstrap.log" >&2
		tail -5 "$roots/$name.debootstrap.log" >&2
		exit 1
	fi
	mv "$root.partial" "$root"
	printf '%s\n' "$suite" > "$root/.opnic-root"
fi
if [ "$(sed -n 2p "$root/.opnic-root")" != "$want" ]; then
	echo "debian-root: installing into $name ($suite${bpo:+ + $bpo}):$(printf ' %s' "$@")" >&2
	{
		echo "deb $mirror $suite main"
		[ -n "$bpo" ] && echo "deb $mirror $bpo main"
	} > "$root/etc/apt/sources.list"
	# Keep apt's downloads out of the root's size and the host's resolver in.
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	"$(dirname "$0")/in-root.sh" "$root" sh -c '
		set -e
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null
		if [ -n "$1" ]; then t="-t $1"; else t=""; fi
		shift
		apt-get install -y -q --no-install-recommends $t "$@" >/dev/null
		apt-get clean' sh "$bpo" "$@"
	old=$(sed -n 2p "$root/.opnic-root")
	printf '%s\n%s\n' "$suite" "$want" > "$root/.opnic-root"
	[ -n "$old" ] || true
fi
echo "$root"
