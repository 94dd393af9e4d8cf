#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/cross-sysroot.sh ARCH   (ARCH: ppc64le or arm64)
#
# Build a sysroot for ARCH from Debian 12 packages (libdpdk-dev, dpdk,
# dpdk-dev, libnuma-dev, libc6-dev and what they depend on) into
# build/ARCH/sysroot, with a private apt state in build/ARCH/apt so the
# host's apt is untouched, and write the Meson cross file build/ARCH/cross.ini
# from config/cross/ARCH.ini.in. Installs the cross compiler and
# qemu-user-static on the host if missing. Cached: a second run only checks.
# Multiarch (dpkg --add-architecture) does not work for libdpdk-dev on
# Debian 12; this does.
set -eu
arch=${1:-}
case "$arch" in
ppc64le) deb=ppc64el; gcc=powerpc64le-linux-gnu-gcc; qemu=qemu-ppc64le-static ;;
arm64) deb=arm64; gcc=aarch64-linux-gnu-gcc; qemu=qemu-aarch64-static ;;
*) echo "usage: $0 ppc64le|arm64 (not '$arch')" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
base="$top/build/$arch"
sys="$base/sysroot"
state="$base/apt"
stamp="$sys/.complete"

need=""
command -v "$gcc" >/dev/null || need="$need gcc-${gcc%-gcc}"
command -v "$qemu" >/dev/null || need="$need qemu-user-static"
if [ -n "$need" ]; then
	echo "$arch: installing:$need"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null; then
		apt-get update -q >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
	fi
fi

# The private apt state's configuration, written on every run: its paths are
# absolute, and a tree copied from elsewhere (cp -a of build/ARCH) must not
# go on using the original's state (scripts/ppc64le-guest.sh downloads the
# guest's packages through it).
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
[ -f "$state/status" ] || : > "$state/status"
key=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$state/sources.list" <<SRC
deb [arch=$deb signed-by=$key] http://deb.debian.org/debian bookworm main
deb [arch=$deb signed-by=$key] http://deb.debian.org/debian bookworm-updates main
deb [arch=$deb signed-by=$key] http://deb.debian.org/debian-security bookworm-security main
SRC
cat > "$state/apt.conf" <<CONF
APT::Architecture "$deb";
APT::Architectures { "$deb"; };
Dir::State "$state";
Dir::State::status "$state/status";
Dir::Cache "$state/cache";
Dir::Etc::sourcelist "$state/sources.list";
Dir::Etc::sourceparts "-";
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF

if [ ! -f "$stamp" ]; then
	echo "$arch: building the sysroot from Debian $deb packages"
	rm -rf "$sys"
	mkdir -p "$sys"
	: > "$state/status"
	export APT_CONFIG="$state/apt.conf"
	# One index of the security suite has been seen failing with "File has
	# unexpected size"; the main suite is enough, so go on.
	apt-get update -q >/dev/null 2>&1 || echo "$arch: apt-get update reported errors (continuing)"
	apt-get install -q -y --download-only --no-install-recommends \
		libdpdk-dev dpdk dpdk-dev libnuma-dev libc6-dev >/dev/null
	for d in "$state"/cache/archives/*.deb; do
		dpkg -x "$d" "$sys"
	done
	# Absolute symlinks would lead qemu -L and the linker into the host.
	find "$sys" -type l -lname '/*' | while read -r l; do
		t=$(readlink "$l")
		rel=$(realpath -m --relative-to="$(dirname "$l")" "$sys$t")
		ln -sfn "$rel" "$l"
	done
	touch "$stamp"
fi
sed "s|@SYSROOT@|$sys|g" "$top/config/cross/$arch.ini.in" > "$base/cross.ini"
echo "$arch: sysroot $sys, cross file $base/cross.ini"
