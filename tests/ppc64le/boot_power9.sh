# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the POWER9 guest tests: boot_power9 GUEST_DIR CASES CONSOLE TIMEOUT
# boots the guest built by scripts/ppc64le-guest.sh (TCG, 2 CPUs, 3 GiB)
# with opnic.cases=CASES and writes the console to CONSOLE.
boot_power9() {
	timeout "$4" qemu-system-ppc64 \
		-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,cap-hpt-max-page-size=16M \
		-cpu power9 -smp 2 -m 3072 -nographic -no-reboot \
		-kernel "$1/vmlinux" -initrd "$1/initramfs.cpio" \
		-append "console=hvc0 quiet opnic.cases=$2" > "$3" 2>&1
}
