#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# An x86_64 QEMU guest with the real Linux vfio-pci (issue 9): Debian's
# linux-image-amd64 kernel and a busybox-static initramfs carrying the
# kernel modules vfio-pci and 9p need (dependency order read from the
# modules themselves). The guest mounts the host's / read-only over 9p and
# runs our build from there (chroot), so it uses the same DPDK. Cached in
# build/x86-guest; nothing prebuilt is committed.
#   scripts/x86-guest.sh            -> prints the guest dir
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
g="$top/build/x86-guest"
need=""
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
command -v cpio >/dev/null || need="$need cpio"
if [ -n "$need" ]; then
	echo "x86-guest: installing$need" >&2
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q $need >/dev/null
fi
mkdir -p "$g/debs"
if ! ls "$g"/debs/linux-image-*.deb >/dev/null 2>&1 || ! ls "$g"/debs/busybox-static*.deb >/dev/null 2>&1; then
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	[ -n "$kpkg" ] || { echo "x86-guest: no amd64 kernel package found" >&2; exit 1; }
	(cd "$g/debs" && apt-get download -q "$kpkg" busybox-static >/dev/null 2>&1)
fi
if [ ! -f "$g/vmlinuz" ]; then
	rm -rf "$g/kx" && mkdir "$g/kx"
	for d in "$g"/debs/*.deb; do dpkg -x "$d" "$g/kx"; done
	cp "$g"/kx/boot/vmlinuz-* "$g/vmlinuz"
fi
init="$top/tests/vfio/guest/init"
if [ ! -f "$g/initramfs.cpio" ] || [ "$init" -nt "$g/initramfs.cpio" ]; then
	mdir=$(ls -d "$g"/kx/lib/modules/*)
	root="$g/root"
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,host,modules}
	cp "$g/kx/bin/busybox" "$root/bin/busybox"
	# Each wanted module after the modules it depends on.
	order=()
	add() {
		local m=$1 f dep
		f=$(find "$mdir/kernel" -name "$m.ko" | head -1)
		[ -n "$f" ] || f=$(find "$mdir/kernel" -name "$(echo "$m" | tr _ -).ko" | head -1)
		[ -n "$f" ] || { echo "x86-guest: module $m not found" >&2; exit 1; }
		for o in "${order[@]}"; do [ "$o" = "$f" ] && return; done
		for dep in $(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
			add "$dep"
		done
		order+=("$f")
	}
	for m in virtio_pci 9pnet_virtio 9p vfio_iommu_type1 vfio_pci; do add $m; done
	i=0
	for f in "${order[@]}"; do
		i=$((i + 1))
		cp "$f" "$root/modules/$(printf %02d $i)-$(basename "$f")"
	done
	cp "$init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) > "$g/initramfs.cpio"
	rm -rf "$root"
fi
echo "$g"
