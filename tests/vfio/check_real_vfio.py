#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The VFIO emulation against the real thing (issue 9). A q35 QEMU guest
# (TCG, intel-iommu, Debian's kernel) binds QEMU's e1000e, vmxnet3 and
# virtio-net-pci to the real vfio-pci and runs opnic-vfio-info on each; then
# the emulation runs opnic-vfio-info on opnic devices whose MSI-X BAR has the
# same layout (tests/vfio/profiles/like-*.profile) with the kernel behaviour
# this kernel has (MSIX_MAPPABLE, 4 KiB pages). The MSI-X BAR's lines (region
# info and capability chain, MSI-X capability, region read/write of table
# and PBA, mmap of the table page, what DPDK mapped) must be identical once
# the BAR number is normalised, and so must the generic lines (the VGA region
# error). Then vfio_bar's region read/write path on the real e1000e: PBA,
# table, and a write/read-back/restore of RDBAL0 (BAR0+0x2800).
#   check_real_vfio.sh BUILD
set -u
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /dev/shm/opnic-realvfio.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
g=$("$top/scripts/x86-guest.sh") || fail "cannot build the guest"
log="$build/real-vfio-guest-console.log"
timeout 900 qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 2048 -smp 2 -nographic \
	-no-reboot -device intel-iommu -kernel "$g/vmlinuz" -initrd "$g/initramfs.cpio" \
	-append "console=ttyS0 intel_iommu=on quiet opnic.bind=0000:00:04.0,0000:00:05.0,0000:00:06.0 opnic.bartest=0000:00:04.0@0:0x2800 opnic.cmd=$top/tests/vfio/guest/run-info.sh" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-device e1000e,addr=04.0 -device vmxnet3,addr=05.0 -device virtio-net-pci,addr=06.0 \
	-nic none > "$log" 2>&1 || fail "qemu exit status $? (console: $log)"
tr -d '\r' < "$log" | grep -a 'GUEST:'
grep -aq 'GUEST: done' "$log" || fail "the guest did not finish (console: $log)"

# Keep what belongs to the MSI-X BAR, with its number replaced by M, plus
# the generic region lines that do not depend on the device.
msix_view() {
	awk '
	/^  msix: / { for (i = 1; i <= NF; i++) if ($i ~ /^BAR[0-9]\+/) { m = substr($i, 4, 1); break } }
	{ line[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++) {
			l = line[i]
			if (l ~ "^  region " m ":") { keep = 1 }
			else if (l ~ /^  region [0-9]+:/) { keep = 0 }
			if (l ~ /^  region 8: error/) { print l; continue }
			if (keep && (l ~ /^  region [0-9]+:/ || l ~ /^    cap /)) { gsub("region " m ":", "region M:", l); gsub("offset-index " m, "offset-index M", l); print l; continue }
			if (l ~ /^  msix: / || l ~ /^  region (read|write)/ || l ~ /^  mmap of the table page/ || l ~ "^  BAR" m " after DPDK probe") {
				gsub("BAR" m, "BARM", l); print l
			}
		}
	}'
}
rc=0
for pair in 0000:00:04.0:like-e1000e 0000:00:05.0:like-vmxnet3 0000:00:06.0:like-virtio-net; do
	bdf=${pair%:*} prof=${pair##*:}
	tr -d '\r' < "$log" | sed -n "/^BEGIN-INFO $bdf/,/^END-INFO $bdf/p" > "$work/real.txt"
	grep -q "^END-INFO $bdf status 0" "$work/real.txt" || { cat "$work/real.txt"; fail "opnic-vfio-info failed on $bdf in the guest"; }
	"$build/app/opnic-run" --profile "$top/tests/vfio/profiles/$prof.profile" --kernel mappable \
		--page-size 4k --devices 1 --wire loopback -- "$build/app/opnic-vfio-info" \
		--in-memory -l 0 --log-level=lib.eal:error -a 0000:0b:00.0 > "$work/emu.txt" 2>&1 ||
		{ cat "$work/emu.txt"; fail "opnic-vfio-info failed under the emulation ($prof)"; }
	msix_view < "$work/real.txt" > "$work/real.view"
	msix_view < "$work/emu.txt" > "$work/emu.view"
	echo "== $bdf ($(sed -n 's/^device [^ ]* id \([^ ]*\).*/\1/p' "$work/real.txt")) vs emulation $prof: $(wc -l < "$work/real.view") lines"
	if ! diff -u "$work/real.view" "$work/emu.view"; then
		echo "FAIL: the emulation differs from vfio-pci for $bdf"
		rc=1
	fi
	[ "$(wc -l < "$work/real.view")" -ge 12 ] || { cat "$work/real.view"; fail "too little to compare for $bdf"; }
done
bt=$(tr -d '\r' < "$log" | grep -a 'vfio_bar')
echo "$bt"
grep -q 'vfio_bar region-rw BAR3+0x2000 (pba): pread 0x0000000000000000' <<<"$bt" || fail "vfio_bar did not read the e1000e PBA by region read"
grep -q 'vfio_bar region-rw BAR3+0x0 (table): pread 0xffffffff' <<<"$bt" || fail "vfio_bar table read is not all ones"
grep -q 'vfio_bar region-rw BAR0+0x2800: pread/pwrite .*: ok' <<<"$bt" || fail "vfio_bar region write/read-back on e1000e BAR0 failed"
[ $rc -eq 0 ] || exit 1
echo PASS
