#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build a ppc64el sysroot from Debian 12 packages (libdpdk-dev, dpdk, dpdk-dev,
# libnuma-dev, libc6-dev and what they depend on) into build/ppc64le/sysroot,
# with a private apt state so the host's apt is untouched, and write the Meson
# cross file build/ppc64le/cross.ini. Cached: a second run only checks.
# Multiarch (dpkg --add-architecture) does not work for libdpdk-dev on
# Debian 12; this does.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
base="$top/build/ppc64le"
sys="$base/sysroot"
state="$base/apt"
stamp="$sys/.complete"

need=""
command -v powerpc64le-linux-gnu-gcc >/dev/null || need="$need gcc-powerpc64le-linux-gnu"
command -v qemu-ppc64le-static >/dev/null || need="$need qemu-user-static"
if [ -n "$need" ]; then
	echo "ppc64le: installing:$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
fi

# The private apt state's configuration, written on every run: its paths are
# absolute, and a tree copied from elsewhere (cp -a of build/ppc64le) must
# not go on using the original's state (scripts/ppc64le-guest.sh downloads
# the guest's packages through it).
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
[ -f "$state/status" ] || : > "$state/status"
cat > "$state/sources.list" <<SRC
deb [arch=ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [arch=ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [arch=ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
SRC
cat > "$state/apt.conf" <<CONF
APT::Architecture "ppc64el";
APT::Architectures { "ppc64el"; };
Dir::State "$state";
Dir::State::status "$state/status";
Dir::Cache "$state/cache";
Dir::Etc::sourcelist "$state/sources.list";
Dir::Etc::sourceparts "-";
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF

if [ ! -f "$stamp" ]; then
	echo "ppc64le: building the sysroot from Debian ppc64el packages"
	rm -rf "$sys"
	mkdir -p "$sys"
	: > "$state/status"
	export APT_CONFIG="$state/apt.conf"
	# One index of the security suite has been seen failing with "File has
	# unexpected size"; the main suite is enough, so go on.
	apt-get update -q >/dev/null 2>&1 || echo "ppc64le: apt-get update reported errors (continuing)"
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
sed "s|@SYSROOT@|$sys|g" "$top/config/cross/ppc64le.ini.in" > "$base/cross.ini"
echo "ppc64le: sysroot $sys, cross file $base/cross.ini"
