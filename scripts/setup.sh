#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs what opnic needs on Debian 12 (as root), fetches DPDK's driver SDK
# headers from the Debian source package of the *installed* DPDK version into
# build/sdk (never into the repository), reserves hugepages and configures the
# build directory. Idempotent: a second run only checks and returns.
# The headers come, in this order, from the installed DPDK if it ships them,
# the Debian source package, or OPNIC_DPDK_SRC=DIR, a DPDK source tree of the
# installed line (meson -Ddpdk_src; doc/guides/dpdk-versions.md). Other
# Debian releases: their DPDK builds in scripts/test-lts.sh's roots.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
sdk="$build/sdk"

need_pkgs="libdpdk-dev dpdk-dev dpdk libnuma-dev meson ninja-build pkg-config gcc dpkg-dev libpcap-dev gnuplot-nox python3 dpdk-doc tcpdump iputils-ping iproute2"
missing=""
for p in $need_pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi

ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
stamp="$sdk/.stamp-$ver"
sdk_opt="-Ddpdk_sdk=$sdk/include"
if ls /usr/include/dpdk/ethdev_driver.h /usr/include/*/dpdk/ethdev_driver.h >/dev/null 2>&1; then
	sdk_opt=""
elif [ -n "${OPNIC_DPDK_SRC:-}" ]; then
	[ -d "$OPNIC_DPDK_SRC" ] || { echo "setup: error: OPNIC_DPDK_SRC=$OPNIC_DPDK_SRC: not a directory" >&2; exit 1; }
	sdk_opt="-Ddpdk_src=$(realpath "$OPNIC_DPDK_SRC")"
elif [ ! -f "$stamp" ]; then
	echo "setup: fetching DPDK driver SDK headers for libdpdk-dev $ver"
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	src=/etc/apt/sources.list.d/opnic-deb-src.sources
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && \
	   ! grep -qs '^deb-src' /etc/apt/sources.list; then
		cat > "$src" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		apt-get update -q
	fi
	rm -rf "$sdk"
	mkdir -p "$sdk/src" "$sdk/include"
	if ! (cd "$sdk/src" && apt-get source -q "dpdk=$ver" >/dev/null); then
		echo "setup: error: the Debian source package dpdk=$ver is not available" \
		     "from the mirror; name a DPDK $(echo "$ver" | cut -d. -f1,2) source tree:" \
		     "OPNIC_DPDK_SRC=DIR $0" >&2
		exit 1
	fi
	d=$(find "$sdk/src" -maxdepth 1 -mindepth 1 -type d -name 'dpdk*' | head -1)
	if [ -z "$d" ]; then
		echo "setup: error: 'apt-get source dpdk=$ver' produced no source tree" >&2
		exit 1
	fi
	ln -sfn "src/$(basename "$d")" "$sdk/dpdk"
	for h in lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_pci.h \
		 lib/ethdev/ethdev_vdev.h lib/eal/include/bus_driver.h \
		 lib/eal/include/dev_driver.h drivers/bus/pci/bus_pci_driver.h \
		 lib/eal/include/rte_test.h; do
		cp "$d/$h" "$sdk/include/"
	done
	touch "$stamp"
fi

# Hugepages: DPDK's --in-memory mode backs its heap with memfd on hugepages,
# which the NIC model process can map for DMA.
hp=$(cat /proc/sys/vm/nr_hugepages)
if [ "$hp" -lt 1024 ]; then
	echo 1024 > /proc/sys/vm/nr_hugepages || true
fi

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" $sdk_opt >/dev/null
fi
ninja -C "$build" >/dev/null
