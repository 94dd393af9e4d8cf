#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The net_opnic plugin as a Debian package, from `meson install --destdir`
# of a built tree: BUILD/deb/opnic_<version>_<arch>.deb, the plugin in the
# DPDK's EAL plugin directory (RTE_EAL_PMD_PATH), so that DPDK applications
# probe net_opnic without -d.
#   scripts/build-deb.sh [BUILD_DIR]      (default: build; build it first)
# Prints the package's path. Depends: what dpkg-shlibdeps finds for the
# plugin, with each DPDK library package (librte-*) at least at the version
# installed here: the driver SDK headers the plugin was built with are that
# version's (the driver uses DPDK's internal driver API).
set -eu
build=${1:-build}
die() { echo "build-deb: $*" >&2; exit 1; }

[ -f "$build/meson-info/meson-info.json" ] || die "$build: not a meson build directory"
for tool in dpkg-deb dpkg-shlibdeps dpkg-query python3 meson; do
	command -v "$tool" >/dev/null || die "$tool is not installed (dpkg-dev, meson)"
done
plugin="$build/drivers/net/opnic/librte_net_opnic.so"
[ -f "$plugin" ] || die "$plugin: not built (ninja -C $build)"

version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' \
	"$build/meson-info/intro-projectinfo.json")
case "$version" in [0-9]*) ;; *) die "project version '$version' does not start with a digit" ;; esac
# ELF class, byte order and machine: the plugin's must be dpkg's own (a
# cross build's libraries are not the host's, which dpkg-shlibdeps reads).
elf_id() { od -An -tx1 -j4 -N2 "$1" | tr -d ' \n'; od -An -tx1 -j18 -N2 "$1" | tr -d ' \n'; }
[ "$(elf_id "$plugin")" = "$(elf_id "$(command -v dpkg)")" ] ||
	die "$plugin is not built for this machine (a cross build?): package it natively"
arch=$(dpkg --print-architecture)

work=$(mktemp -d "${TMPDIR:-/tmp}/opnic-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
meson install -C "$build" --no-rebuild --quiet --destdir "$root" >/dev/null ||
	die "meson install -C $build --destdir failed"
outside=$(cd "$root" && find . -type f ! -path './usr/*' -o -type f -path './usr/local/*')
[ -z "$outside" ] || die "files installed outside /usr (configure with --prefix=/usr): $outside"
mapfile -t files < <(cd "$root" && find . -type f -printf '%P\n' | sort)
[ ${#files[@]} -gt 0 ] || die "meson install put nothing into $root"

# Depends: dpkg-shlibdeps reads debian/control from its working directory.
mkdir -p "$work/src/debian"
printf 'Source: opnic\n\nPackage: opnic\nArchitecture: any\n' > "$work/src/debian/control"
elves=()
for f in "${files[@]}"; do
	[ "$(head -c 4 "$root/$f" | od -An -c | tr -d ' ')" = '177ELF' ] && elves+=("$root/$f")
done
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O "${elves[@]}" 2>/dev/null) ||
	die "dpkg-shlibdeps failed on ${elves[*]}"
depends="" dpdk=""
IFS=',' read -ra deps <<< "${shlibs#shlibs:Depends=}"
for d in "${deps[@]}"; do
	d=$(echo "$d" | sed 's/^ *//; s/ *$//')
	pkg=${d%% *}
	case "$pkg" in
	librte-*)
		v=$(dpkg-query -W -f '${Version}' "$pkg:$arch" 2>/dev/null || dpkg-query -W -f '${Version}' "$pkg") ||
			die "$pkg: not installed, yet the plugin links with its library"
		d="$pkg (>= $v)"
		case "$pkg" in librte-eal*) dpdk="$v" ;; esac ;;
	esac
	depends="$depends${depends:+, }$d"
done

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
[ -n "$dpdk" ] || die "the plugin does not link with librte_eal: ${shlibs#shlibs:Depends=}"
cat > "$root/DEBIAN/control" <<EOF
Package: opnic
Version: $version
Architecture: $arch
Maintainer: ${OPNIC_DEB_MAINTAINER:-opnic developers <opnic@localhost>}
Installed-Size: $size
Depends: $depends
Section: libs
Priority: optional
Description: DPDK poll-mode driver net_opnic (plugin)
 The net_opnic PMD for the opnic NIC, built against DPDK $dpdk
 (Debian version) and
 installed into the EAL plugin directory: DPDK applications probe opnic
 devices bound to vfio-pci without -d.
EOF
(cd "$root" && md5sum "${files[@]}") > "$root/DEBIAN/md5sums"

mkdir -p "$build/deb"
out="$build/deb/opnic_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out.tmp" >/dev/null ||
	die "dpkg-deb --build failed"
mv "$out.tmp" "$out"
echo "$out"
