#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# An x86_64 QEMU guest for the opnic behind the real Linux vfio-pci
# (issue 17): QEMU 11 from Debian 13's trixie-backports in a root of the
# project's own (scripts/debian-root.sh trixie-qemu), q35 with a real
# vIOMMU (intel-iommu, caching-mode=on as vfio needs, interrupt remapping),
# guest RAM in a shared memfd (vfio-user passes it to the device's server),
# Debian 12's kernel and busybox from scripts/x86-guest.sh with an initramfs
# of our own (tests/vfio_user_guest/guest/init: binds every opnic to
# vfio-pci). The guest mounts the host's / read-only over 9p and runs our
# build from there in a chroot, as the e1000e guest does. KVM when /dev/kvm
# works, TCG otherwise; the first line says which.
#   scripts/vfio-user-guest.sh build          -> prints the guest dir
#   scripts/vfio-user-guest.sh run [--tcg] [--mem MB] [--append 'k=v ...']
#       [--cmd GUEST_CMD] [--vfio-user SOCKET]... [--device QEMU_DEVICE]...
#       [--trace QEMU_TRACE_PATTERN]...
#     runs the guest (console on stdout); each --vfio-user adds a
#     vfio-user-pci device on the server SOCKET (a path under /tmp, /run or
#     /dev/shm: those are the host's inside the root), in order from slot 04.0 on.
#   scripts/vfio-user-guest.sh ppc64 PPC_BUILD [--vfio-user SOCKET]...
#       [--append ARGS] [--cmd GUEST_CMD] [--args A,B,...] [--trace PATTERN]
#       [--kernel-deb LINUX_IMAGE_PPC64EL.deb] [--global DRIVER.PROP=VALUE]
#     the same on a POWER9 pseries guest (TCG, 64 KiB pages, sPAPR TCE
#     IOMMU) built on the POWER9 test guest (see ppc64() below).
#   scripts/vfio-user-guest.sh ppc64-kernel   -> prints the trixie 64k kernel .deb
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
g="$top/build/vfio-user-guest"

die() { echo "vfio-user-guest: $*" >&2; exit 2; }

qemu_root() {
	"$top/scripts/debian-root.sh" trixie-qemu trixie --backports qemu-system-x86 qemu-system-ppc
}

build() {
	local kg init mdir root order i f m
	kg=$("$top/scripts/x86-guest.sh")
	init="$top/tests/vfio_user_guest/guest/init"
	mkdir -p "$g"
	if [ ! -f "$g/initramfs.cpio" ] || [ "$init" -nt "$g/initramfs.cpio" ] ||
	   [ "$kg/vmlinuz" -nt "$g/initramfs.cpio" ]; then
		mdir=$(ls -d "$kg"/kx/lib/modules/*)
		root="$g/root"
		rm -rf "$root"
		mkdir -p "$root"/{bin,dev,proc,sys,host,modules}
		cp "$kg/kx/bin/busybox" "$root/bin/busybox"
		# Each wanted module after the modules it depends on.
		order=()
		add() {
			local m=$1 f dep o
			f=$(find "$mdir/kernel" -name "$m.ko" | head -1)
			[ -n "$f" ] || f=$(find "$mdir/kernel" -name "$(echo "$m" | tr _ -).ko" | head -1)
			[ -n "$f" ] || { echo "vfio-user-guest: module $m not found" >&2; exit 1; }
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
		(cd "$root" && find . | cpio -o -H newc --quiet) > "$g/initramfs.cpio.tmp"
		mv "$g/initramfs.cpio.tmp" "$g/initramfs.cpio"
		cp "$kg/vmlinuz" "$g/vmlinuz"
		rm -rf "$root"
	fi
	echo "$g"
}

# Why KVM cannot run the guest here ('' if it can): /dev/kvm must open, create
# a VM, and be a hardware KVM (kvm_intel or kvm_amd). A kvm_pvm /dev/kvm (the
# pagetable-based virtual machine of nested sandboxes) opens and creates VMs
# but runs only PVM guest kernels: Debian's kernel stops after "Probing EDD".
kvm_problem() {
	[ -c /dev/kvm ] || { echo "no /dev/kvm"; return; }
	python3 - <<'PY' 2>/dev/null || { echo "/dev/kvm does not create a VM"; return; }
import fcntl, os
fd = os.open('/dev/kvm', os.O_RDWR)
assert fcntl.ioctl(fd, 0xAE00) == 12      # KVM_GET_API_VERSION
os.close(fcntl.ioctl(fd, 0xAE01, 0))      # KVM_CREATE_VM
PY
	if [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
		if [ -d /sys/module/kvm_pvm ]; then
			echo "/dev/kvm is kvm_pvm (runs only PVM guest kernels)"
		else
			echo "/dev/kvm is neither kvm_intel nor kvm_amd"
		fi
	fi
}

run() {
	local tcg=0 mem=2048 append="" cmd="" slot=4 devs=() r accel why
	while [ $# -gt 0 ]; do
		case "$1" in
		--tcg) tcg=1; shift;;
		--mem) [ $# -ge 2 ] || die "--mem needs a value"
			case "$2" in ''|*[!0-9]*) die "--mem '$2': expected MiB";; esac
			mem=$2; shift 2;;
		--append) [ $# -ge 2 ] || die "--append needs a value"; append=$2; shift 2;;
		--cmd) [ $# -ge 2 ] || die "--cmd needs a value"
			case "$2" in *[[:space:]]*) die "--cmd '$2': no spaces (kernel command line)";; esac
			cmd=$2; shift 2;;
		--vfio-user) [ $# -ge 2 ] || die "--vfio-user needs a socket path"
			[ -S "$2" ] || die "--vfio-user '$2': not a socket"
			case "$2" in /tmp/*|/run/*|/dev/shm/*) ;; *) die "--vfio-user '$2': not under /tmp, /run or /dev/shm";; esac
			devs+=(-device "{\"driver\":\"vfio-user-pci\",\"addr\":\"$(printf %02x $slot).0\",\"socket\":{\"path\":\"$2\",\"type\":\"unix\"}}")
			slot=$((slot + 1)); shift 2;;
		--device) [ $# -ge 2 ] || die "--device needs a value"; devs+=(-device "$2"); shift 2;;
		--trace) [ $# -ge 2 ] || die "--trace needs a pattern"; devs+=(-trace "$2"); shift 2;;
		*) die "unknown option '$1'";;
		esac
	done
	build >/dev/null
	r=$(qemu_root)
	why="asked"
	[ "$tcg" = 1 ] || why=$(kvm_problem)
	if [ -z "$why" ]; then
		accel=(-accel kvm -cpu host)
		echo "vfio-user-guest: accel kvm"
	else
		accel=(-accel tcg,thread=multi -cpu max)
		echo "vfio-user-guest: accel tcg ($why)"
	fi
	# The host's / inside the root at /host (QEMU exports it over 9p); a
	# private mount namespace of ours, so nothing stays mounted.
	exec unshare --mount --propagation private /bin/bash -c '
		set -e
		r=$1; shift
		mkdir -p "$r/host"
		mount --rbind / "$r/host"
		exec "$@"' sh "$r" "$top/scripts/in-root.sh" "$r" qemu-system-x86_64 \
		-M q35,kernel-irqchip=split,memory-backend=mem "${accel[@]}" \
		-object memory-backend-memfd,id=mem,size=${mem}M,share=on -m ${mem}M -smp 2 \
		-device intel-iommu,intremap=on,caching-mode=on \
		-nographic -no-reboot -nic none \
		-kernel "/host$g/vmlinuz" -initrd "/host$g/initramfs.cpio" \
		-append "console=ttyS0 quiet intel_iommu=on iommu=pt $append opnic.cmd=$cmd" \
		-virtfs local,path=/host,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		"${devs[@]}"
}

# The POWER9 pseries guest (TCG, 64 KiB pages, sPAPR TCE IOMMU): the POWER9
# test guest of scripts/ppc64le-guest.sh with an overlay cpio (appended; the
# kernel unpacks both) carrying tests/vfio_user_guest/guest/init-ppc64 as
# /init, the kernel's vfio modules and run-cases.py at its own path.
ppc64() {
	local ppc="" append="" cmd="" args="" slot=4 devs=() pg r root mdir order i f m kdeb="" kx vmlinux
	[ $# -ge 1 ] || die "ppc64 needs the cross build directory"
	ppc=$(cd "$1" && pwd); shift
	while [ $# -gt 0 ]; do
		case "$1" in
		--append) [ $# -ge 2 ] || die "--append needs a value"; append=$2; shift 2;;
		--cmd) [ $# -ge 2 ] || die "--cmd needs a value"; cmd=$2; shift 2;;
		--args) [ $# -ge 2 ] || die "--args needs a value"; args=$2; shift 2;;
		--kernel-deb) [ $# -ge 2 ] || die "--kernel-deb needs a .deb"
			[ -f "$2" ] || die "--kernel-deb '$2': no such file"
			kdeb=$(realpath "$2"); shift 2;;
		--vfio-user) [ $# -ge 2 ] || die "--vfio-user needs a socket path"
			[ -S "$2" ] || die "--vfio-user '$2': not a socket"
			case "$2" in /tmp/*|/run/*|/dev/shm/*) ;; *) die "--vfio-user '$2': not under /tmp, /run or /dev/shm";; esac
			devs+=(-device "{\"driver\":\"vfio-user-pci\",\"addr\":\"$(printf %02x $slot).0\",\"socket\":{\"path\":\"$2\",\"type\":\"unix\"}}")
			slot=$((slot + 1)); shift 2;;
		--trace) [ $# -ge 2 ] || die "--trace needs a pattern"; devs+=(-trace "$2"); shift 2;;
		--global) [ $# -ge 2 ] || die "--global needs DRIVER.PROP=VALUE"; devs+=(-global "$2"); shift 2;;
		*) die "unknown option '$1'";;
		esac
	done
	pg=$("$top/scripts/ppc64le-guest.sh" "$ppc")
	mkdir -p "$g"
	root="$g/ppc-root"
	rm -rf "$root"
	mkdir -p "$root/modules"
	# Another ppc64el kernel package (its vmlinux and modules) instead of
	# the POWER9 guest's own.
	kx="$pg/kx" vmlinux="$pg/vmlinux"
	if [ -n "$kdeb" ]; then
		kx="$g/ppc-kx-$(basename "$kdeb" .deb)"
		if [ ! -d "$kx" ]; then
			dpkg -x "$kdeb" "$kx.tmp"
			# Debian 13 compresses its modules; busybox insmod takes them plain.
			find "$kx.tmp" -name '*.ko.xz' -exec xz -d {} +
			mv "$kx.tmp" "$kx"
		fi
		vmlinux=$(ls "$kx"/boot/vmlinux-* | head -1)
	fi
	mdir=$(ls -d "$kx"/lib/modules/* "$kx"/usr/lib/modules/* 2>/dev/null | head -1)
	order=()
	addp() {
		local m=$1 f dep o
		f=$(find "$mdir/kernel" -name "$m.ko" | head -1)
		[ -n "$f" ] || f=$(find "$mdir/kernel" -name "$(echo "$m" | tr _ -).ko" | head -1)
		if [ -z "$f" ]; then
			grep -q "/$m.ko" "$mdir/modules.builtin" 2>/dev/null && return
			echo "vfio-user-guest: ppc64 module $m not found" >&2; exit 1
		fi
		for o in "${order[@]}"; do [ "$o" = "$f" ] && return; done
		for dep in $(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
			addp "$dep"
		done
		order+=("$f")
	}
	for m in vfio_iommu_spapr_tce vfio_pci; do addp $m; done
	i=0
	for f in "${order[@]}"; do
		i=$((i + 1))
		cp "$f" "$root/modules/$(printf %02d $i)-$(basename "$f")"
	done
	cp "$top/tests/vfio_user_guest/guest/init-ppc64" "$root/init"
	mkdir -p "$root$top/tests/vfio_user_guest/guest"
	cp "$top/tests/vfio_user_guest/guest/run-cases.py" "$root$top/tests/vfio_user_guest/guest/"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) > "$g/ppc-overlay.cpio"
	cat "$pg/initramfs.cpio" "$g/ppc-overlay.cpio" > "$g/ppc-initramfs.cpio"
	rm -rf "$root"
	r=$(qemu_root)
	echo "vfio-user-guest: ppc64 pseries POWER9, accel tcg"
	# DPDK (22.11 to 24.11) removes the default 32-bit DMA window and wants
	# the window it creates at bus address 0; QEMU puts a second window at
	# dma64_win_addr (default 0x800000000000000), which DPDK refuses
	# ("Received unsupported start address").
	devs=(-global spapr-pci-host-bridge.dma64_win_addr=0 "${devs[@]}")
	exec unshare --mount --propagation private /bin/bash -c '
		set -e
		r=$1; shift
		mkdir -p "$r/host"
		mount --rbind / "$r/host"
		exec "$@"' sh "$r" "$top/scripts/in-root.sh" "$r" qemu-system-ppc64 \
		-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,cap-hpt-max-page-size=16M,usb=off,memory-backend=mem -vga none \
		-cpu power9 -smp 2 -m 3072M -object memory-backend-memfd,id=mem,size=3072M,share=on \
		-nographic -no-reboot -nic none \
		-kernel "/host$vmlinux" -initrd "/host$g/ppc-initramfs.cpio" \
		-append "console=hvc0 quiet $append opnic.cmd=$cmd opnic.args=$args" "${devs[@]}"
}

# Debian 13's ppc64el kernel with 64 KiB pages (linux-image-*-powerpc64le-64k;
# trixie's plain powerpc64le flavour has 4 KiB pages), downloaded with a
# private apt state (the host's apt is untouched), cached in the guest dir;
# prints the .deb. Debian 12's kernel fails vfio-pci's probe on pseries.
ppc64_kernel() {
	local s="$g/ppc-trixie-apt" pkg deb
	mkdir -p "$s/lists/partial" "$s/cache/archives/partial" "$s/debs"
	[ -f "$s/status" ] || : > "$s/status"
	echo "deb [arch=ppc64el signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${OPNIC_MIRROR:-http://deb.debian.org/debian} trixie main" > "$s/sources.list"
	cat > "$s/apt.conf" <<CONF
APT::Architecture "ppc64el";
APT::Architectures { "ppc64el"; };
Dir::State "$s";
Dir::State::status "$s/status";
Dir::Cache "$s/cache";
Dir::Etc::sourcelist "$s/sources.list";
Dir::Etc::sourceparts "-";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
APT::Sandbox::User "root";
CONF
	deb=$(ls "$s"/debs/linux-image-*-powerpc64le-64k_*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		export APT_CONFIG="$s/apt.conf"
		apt-get update -q >/dev/null 2>&1 || echo "vfio-user-guest: apt-get update reported errors (continuing)" >&2
		# Newest first; a dated mirror may lack the newest's file.
		for pkg in $(apt-cache search '^linux-image-[0-9].*-powerpc64le-64k$' | cut -d' ' -f1 | sort -rV); do
			(cd "$s/debs" && apt-get download -q "$pkg" >/dev/null 2>&1) && break
		done
		deb=$(ls "$s"/debs/linux-image-*-powerpc64le-64k_*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] || { echo "vfio-user-guest: no trixie ppc64el 64k kernel could be downloaded" >&2; exit 1; }
	fi
	echo "$deb"
}

case "${1:-}" in
build) build;;
run) shift; run "$@";;
ppc64) shift; ppc64 "$@";;
ppc64-kernel) ppc64_kernel;;
*) echo "usage: $0 build | ppc64-kernel | ppc64 PPC_BUILD [--vfio-user SOCKET]... [--cmd CMD] [--args A,B] | run [--tcg] [--mem MB] [--append ARGS] [--cmd CMD] [--vfio-user SOCKET]... [--device DEV]..." >&2; exit 2;;
esac
