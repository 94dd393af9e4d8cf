#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ppc64le under qemu-user: Debian's ppc64el dpdk-testpmd, with our ppc64le
# VFIO emulation (LD_PRELOAD) and net_opnic plugin, forwards through the NIC
# model (the x86 build's opnic-model: the shared-memory layout and the socket
# protocol are the same on both little-endian 64-bit targets). Checks packet
# conservation against the model and the doorbell path the layout implies.
#   check_qemu_user_fwd.sh PPC_BUILD X86_BUILD SYSROOT PROFILE KERNEL PAGE
set -u
ppc=$1 x86=$2 sys=$3 profile=$4 kernel=$5 page=$6
[ -x "$x86/app/opnic-model" ] || { echo "SKIP: no x86 build at $x86"; exit 77; }
command -v qemu-ppc64le-static >/dev/null || { echo "SKIP: qemu-user-static missing"; exit 77; }
run=$(mktemp -d /dev/shm/opnic-ppc.XXXXXX)
plugdir=/run/opnic-ppc-$$
log="$run.log"
trap 'kill $mp 2>/dev/null; rm -rf "$run" "$run".* "$plugdir"' EXIT
"$x86/app/opnic-model" --run-dir "$run" --profile "$profile" --devices 2 2>"$run.model" &
mp=$!
for i in $(seq 100); do [ -f "$run/ready" ] && break; sleep 0.05; done
# EAL refuses plugins below world-writable directories.
mkdir -p "$plugdir" && chmod 700 "$plugdir"
cp "$ppc/drivers/net/opnic/librte_net_opnic.so" "$plugdir/"
pagesize=4096; [ "$page" = 64k ] && pagesize=65536
feeder() {
	# testpmd output is block-buffered here: wait for the model to see
	# both ports' queues running instead.
	for i in $(seq 1200); do
		a=$("$x86/app/opnic-ctl" --run-dir "$run" status 0 2>/dev/null | sed -n 's/^queues_running //p')
		b=$("$x86/app/opnic-ctl" --run-dir "$run" status 1 2>/dev/null | sed -n 's/^queues_running //p')
		[ "${a:-0}" -ge 2 ] && [ "${b:-0}" -ge 2 ] && break
		sleep 0.1
	done
	sleep 1
	echo "start tx_first"
	sleep 6
	echo "stop"
	sleep 1
	echo "show port stats all"
	sleep 1
	"$x86/app/opnic-ctl" --run-dir "$run" status 0 > "$run.st0"
	"$x86/app/opnic-ctl" --run-dir "$run" status 1 > "$run.st1"
	echo "quit"
}
feeder | OPNIC_RUN_DIR="$run" OPNIC_KERNEL="$kernel" OPNIC_PAGE_SIZE=$pagesize \
	SYSFS_PCI_DEVICES="$run/sysfs/bus/pci/devices" \
	timeout 180 qemu-ppc64le-static -L "$sys" \
	-E LD_PRELOAD="$ppc/lib/vfio_emu/libopnic_vfio_emu.so" \
	"$sys/usr/bin/dpdk-testpmd" -d "$plugdir/librte_net_opnic.so" --in-memory \
	-l 0,1 -a 0000:0b:00.0 -a 0000:0b:01.0 -- -i --nb-cores=1 \
	--no-lsc-interrupt --total-num-mbufs=16384 > "$log" 2>&1
rc=$?
grep -E "opnic_dev_init|vfio_bar|RX-packets|TX-packets" "$log"
cat "$run.st0" "$run.st1"
awk -v rc=$rc -v st0="$run.st0" -v st1="$run.st1" -v want="$7" -v self="$8" '
function fail(m) { print "FAIL: " m; bad = 1 }
/NIC statistics for port/ { port = $(NF-1) + 0 }
/RX-packets:/ && /RX-missed:/ { rx[port] = $2 }
/TX-packets:/ && /TX-errors:/ { tx[port] = $2 }
/doorbells region write/ { path = "region-write" }
/doorbells mapped/ { path = "mapped" }
/vfio_bar: .*could not map/ { selfmap = 1 }
END {
	while ((getline l < st0) > 0) dev[0] = dev[0] " " l
	while ((getline l < st1) > 0) dev[1] = dev[1] " " l
	for (p = 0; p < 2; p++) { n = split(dev[p], f, " "); for (i = 1; i < n; i++) d[p, f[i]] = f[i + 1] }
	if (rc != 0) fail("testpmd exit status " rc)
	for (p = 0; p < 2; p++) {
		o = 1 - p
		if (rx[p] + 0 < 1000) fail("port " p " received " rx[p] + 0)
		if (tx[p] + 0 != d[p, "tx_pkts"] + 0) fail("port " p ": PMD sent " tx[p] ", device consumed " d[p, "tx_pkts"])
		if (d[p, "tx_pkts"] + 0 != d[o, "rx_pkts"] + d[o, "rx_no_desc"] + d[o, "rx_filtered"]) fail("wire " p "->" o " does not add up")
	}
	if (path != want) fail("doorbell path " path ", expected " want)
	if (selfmap + 0 != self + 0) fail("self-mapped " selfmap + 0 ", expected " self)
	exit bad
}' "$log"
