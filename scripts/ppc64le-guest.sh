#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A POWER9 guest for the ppc64le tests: Debian's ppc64el kernel (real 64 KiB
# pages) and an initramfs with busybox-static, Debian's python3.11 (the
# harness: opnic-bench, opnic-testpmd, opnic-run, the guest's run-cases.py and
# app/harness/opnic_harness.py), bash and coreutils, the sysroot's runtime
# (DPDK 22.11 libraries, PMDs and dpdk-testpmd, from scripts/ppc64le-sysroot.sh),
# and the cross-built opnic model, VFIO emulation, PMD plugin and tools.
# Everything comes from Debian packages and our build; nothing prebuilt is
# committed. Cached in build/ppc64le/guest; the initramfs is rebuilt when
# the cross build changed.
#   scripts/ppc64le-guest.sh PPC_BUILD_DIR        -> prints the guest dir
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ppc=$(cd "$1" && pwd)
base="$top/build/ppc64le"
sys="$base/sysroot"
g="$base/guest"
[ -f "$sys/.complete" ] || { echo "ppc64le-guest: run scripts/ppc64le-sysroot.sh first" >&2; exit 1; }
command -v qemu-system-ppc64 >/dev/null && command -v cpio >/dev/null || {
	echo "ppc64le-guest: installing qemu-system-ppc cpio" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-ppc cpio >/dev/null
}
mkdir -p "$g/debs"
# python3.11 (interpreter, its minimal and full standard library): the
# harness is Python; the libraries these need (libexpat1, zlib1g, libssl3,
# libffi8, ...) are in the sysroot already (DPDK depends on them). bash and
# coreutils for the shell parts (init's tools, opnic-ctl callers).
py_pkgs="python3.11-minimal libpython3.11-minimal libpython3.11-stdlib"
extra_pkgs="busybox-static bash coreutils libattr1 libgmp10 $py_pkgs"
if ! ls "$g"/debs/linux-image-*.deb >/dev/null 2>&1 || ! ls "$g"/debs/coreutils_*.deb >/dev/null 2>&1 ||
   ! ls "$g"/debs/libpython3.11-stdlib_*.deb >/dev/null 2>&1; then
	export APT_CONFIG="$base/apt/apt.conf"
	kpkg=$(apt-cache depends linux-image-powerpc64le 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	[ -n "$kpkg" ] || { echo "ppc64le-guest: no ppc64el kernel package found" >&2; exit 1; }
	(cd "$g/debs" && apt-get download -q "$kpkg" $extra_pkgs >/dev/null)
fi
if [ ! -f "$g/vmlinux" ] || [ ! -x "$g/kx/bin/bash" ] || [ ! -x "$g/kx/usr/bin/python3.11" ]; then
	rm -rf "$g/kx" && mkdir "$g/kx"
	for d in "$g"/debs/*.deb; do dpkg -x "$d" "$g/kx"; done
	cp "$g"/kx/boot/vmlinux-* "$g/vmlinux"
fi

ours=("$ppc/app/opnic-model" "$ppc/app/opnic-ctl" "$ppc/app/opnic-run"
      "$ppc/app/opnic-vfio-info" "$ppc/lib/vfio_emu/libopnic_vfio_emu.so"
      "$ppc/drivers/net/opnic/librte_net_opnic.so" "$ppc/app/opnic-bench"
      "$ppc/app/opnic-testpmd" "$ppc/app/opnic-plugin-path"
      "$ppc/app/opnic-model-bench")
# The harness module, imported from the source tree (@HARNESS_DIR@).
harness=("$top"/app/harness/*.py)
stamp="$g/initramfs.cpio"
fresh=1
[ -f "$stamp" ] || fresh=0
for f in "${ours[@]}" "${harness[@]}" "$top"/tests/ppc64le/guest/* "$top"/config/*.profile; do
	[ -e "$f" ] || { echo "ppc64le-guest: missing $f (cross build incomplete?)" >&2; exit 1; }
	[ "$fresh" = 1 ] && [ "$f" -nt "$stamp" ] && fresh=0
done
if [ "$fresh" = 0 ]; then
	root="$g/root"
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,usr/bin,usr/lib,dev/shm,var/run}
	cp "$g/kx/bin/busybox" "$root/bin/busybox"
	# The runtime of dpdk-testpmd; symlinks stay symlinks (librte_*.so.23
	# -> dpdk/pmds-23.0: copies would load every PMD twice).
	cp -a "$sys/lib" "$sys/lib64" "$root/"
	mkdir -p "$root/usr/lib/powerpc64le-linux-gnu"
	(cd "$sys/usr/lib/powerpc64le-linux-gnu" && tar cf - --exclude='*.a' --exclude=pkgconfig .) |
		(cd "$root/usr/lib/powerpc64le-linux-gnu" && tar xf -)
	cp "$sys/usr/bin/dpdk-testpmd" "$root/usr/bin/"
	# Debian's bash (/bin/bash), coreutils (/usr/bin, ahead of busybox in
	# PATH) and python3.11 (/usr/bin/python3; the harness is Python).
	cp -a "$g"/kx/bin/* "$root/usr/bin/"
	cp -a "$g"/kx/usr/bin/* "$root/usr/bin/"
	rm -f "$root/usr/bin/busybox"
	mv "$root/usr/bin/bash" "$root/bin/bash"
	ln -sf python3.11 "$root/usr/bin/python3"
	for d in lib/powerpc64le-linux-gnu usr/lib/powerpc64le-linux-gnu usr/libexec \
		 usr/lib/python3.11 etc/python3.11; do
		mkdir -p "$root/$d"
		[ -d "$g/kx/$d" ] && cp -a "$g/kx/$d/." "$root/$d/"
	done
	# Our build at the same absolute paths (opnic-run has them built in).
	for f in "${ours[@]}"; do
		mkdir -p "$root$(dirname "$f")"
		cp "$f" "$root$f"
	done
	mkdir -p "$root$top/config" "$root$top/app/harness"
	cp "$top"/config/*.profile "$root$top/config/"
	cp "${harness[@]}" "$root$top/app/harness/"
	cp "$top"/tests/ppc64le/guest/init "$root/init"
	cp "$top"/tests/ppc64le/guest/run-cases.py "$root/run-cases.py"
	chmod +x "$root/init" "$root/run-cases.py"
	printf 'PPC=%s\nTOP=%s\n' "$ppc" "$top" > "$root/etc/opnic-paths"
	(cd "$root" && find . | cpio -o -H newc --quiet) > "$stamp.tmp"
	mv "$stamp.tmp" "$stamp"
	rm -rf "$root"
fi
echo "$g"
