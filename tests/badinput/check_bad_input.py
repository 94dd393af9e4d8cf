#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Bad input from the user side gets a clear error naming the value, and a
# clean failure (no crash, no leftover model process).
#   check_bad_input.sh BUILD CASE
set -u
build=$1 case=$2
tmp=$(mktemp -d /dev/shm/opnic-bad.XXXXXX)
trap 'rm -rf "$tmp"; pkill -f "opnic-model --run-dir $tmp" 2>/dev/null' EXIT
pmd=$("$build/app/opnic-plugin-path") || exit 1

expect() {	# expect STATUS-OP PATTERN -- command...
	local want=$1 pat=$2
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | grep -v 'log level\|open shared lib' | tail -15
	if [ "$want" = nonzero ] && [ $rc -eq 0 ]; then
		echo "FAIL: '$*' succeeded, expected a failure"; exit 1
	fi
	if [ $rc -ge 128 ]; then
		echo "FAIL: '$*' died with signal $((rc - 128))"; exit 1
	fi
	if ! grep -qE -- "$pat" <<<"$out"; then
		echo "FAIL: no message matching: $pat"; exit 1
	fi
	echo "ok: $pat"
}

# testpmd keeps running without ports: the failure is that no port was
# probed, and the message that says why.
expect_noport() {
	expect any "$1" -- "${@:3}"
	grep -q "No probed ethernet devices" <<<"$out" || { echo "FAIL: a port was probed"; exit 1; }
	echo "ok: no port probed"
}

testpmd_on() {	# testpmd_on PROFILE DEVARGS
	"$build/app/opnic-run" --profile "$1" --kernel hole -- dpdk-testpmd -d "$pmd" \
		--in-memory -l 0,1 -a "0000:0b:00.0$2" -a "0000:0b:01.0$2" -- \
		--nb-cores=1 --no-lsc-interrupt </dev/null
}

case "$case" in
kernel)
	expect nonzero "--kernel 'weird': expected 'mappable' or 'hole'" -- \
		"$build/app/opnic-run" --kernel weird -- true ;;
page)
	expect nonzero "--page-size '16k': expected '4k', '64k' or 'native'" -- \
		"$build/app/opnic-run" --page-size 16k -- true ;;
profile-name)
	expect nonzero "--profile 'nosuch': unknown \(have: fpga8k qdma64k separate tight4k" -- \
		"$build/app/opnic-run" --profile nosuch -- true ;;
no-huge)
	expect nonzero "--no-huge gives anonymous private memory" -- \
		"$build/app/opnic-run" -- dpdk-testpmd --no-huge -- -i ;;
profile-overlap)
	sed 's/^block mbox .*/block mbox 0x0c10 0x0100/' "$build/../config/tight4k.profile" \
		> "$tmp/overlap.profile"
	expect nonzero "overlap.profile: block mbox \(0xc10\+0x100\) overlaps block stats" -- \
		"$build/app/opnic-run" --profile "$tmp/overlap.profile" -- true ;;
profile-beyond)
	sed 's/^block mbox .*/block mbox 0xff80 0x0100/' "$build/../config/tight4k.profile" \
		> "$tmp/beyond.profile"
	expect nonzero "beyond.profile: block mbox at 0xff80 size 0x100 lies beyond BAR0" -- \
		"$build/app/opnic-run" --profile "$tmp/beyond.profile" -- true ;;
profile-line)
	{ cat "$build/../config/qdma64k.profile"; echo "msix_vectorz 4"; } > "$tmp/key.profile"
	expect nonzero "key.profile:[0-9]+: unknown key 'msix_vectorz'" -- \
		"$build/app/opnic-run" --profile "$tmp/key.profile" -- true ;;
devarg-value)
	expect_noport "devarg db_suppress='2': accepted '0' or '1'" -- testpmd_on tight4k ,db_suppress=2 ;;
devarg-regs)
	expect_noport "devarg regs='mmap': accepted 'auto' or 'rw'" -- testpmd_on tight4k ,regs=mmap ;;
devarg-lsc)
	expect_noport "devarg lsc='irq': accepted 'intr' or 'poll'" -- testpmd_on tight4k ,lsc=irq ;;
devarg-empty)
	expect_noport "devarg db_suppress='': accepted '0' or '1'" -- testpmd_on tight4k ,db_suppress= ;;
bar-small)
	# The kernel reports a BAR0 of 4 KiB; the directory lists blocks
	# beyond it: the driver refuses the device and says which block.
	export OPNIC_EMU_BAR0_SIZE=0x1000
	expect_noport "register block 'qcfg' at 0x1000 size 0x1000 does not fit BAR0 \(0x1000 bytes\)" -- \
		testpmd_on separate "" ;;
devarg-unknown)
	expect_noport "cannot parse devargs 'turbo=1'" -- testpmd_on tight4k ,turbo=1 ;;
block-version)
	sed 's/^block rss \(.*\)$/block rss \1 version=2/' "$build/../config/tight4k.profile" \
		> "$tmp/v2.profile"
	expect_noport "register block 'rss' at BAR0\+0x400 has version 2; this driver knows version 1 only" -- \
		testpmd_on "$tmp/v2.profile" "" ;;
no-model)
	"$build/app/opnic-model" --run-dir "$tmp/run" --devices 2 &
	mp=$!
	for i in $(seq 100); do [ -f "$tmp/run/ready" ] && break; sleep 0.05; done
	kill $mp; wait $mp
	expect_noport "cannot reach the NIC model at $tmp/run/model.sock" -- \
		env OPNIC_RUN_DIR="$tmp/run" OPNIC_KERNEL=hole \
		SYSFS_PCI_DEVICES="$tmp/run/sysfs/bus/pci/devices" \
		LD_PRELOAD="$build/lib/vfio_emu/libopnic_vfio_emu.so" \
		dpdk-testpmd -d "$pmd" --in-memory -l 0,1 -a 0000:0b:00.0 -- -i ;;
model-args)
	expect nonzero "--devices '9': expected 1..8" -- \
		"$build/app/opnic-model" --run-dir "$tmp/r" --devices 9
	expect nonzero "--wire pair needs an even number of devices \(got 3\)" -- \
		"$build/app/opnic-model" --run-dir "$tmp/r" --devices 3
	expect nonzero "--mac '0=zz:00:00:00:00:01': expected N=aa:bb:cc:dd:ee:ff" -- \
		"$build/app/opnic-model" --run-dir "$tmp/r" --mac 0=zz:00:00:00:00:01 ;;
wire-args)
	m() { "$build/app/opnic-model" --run-dir "$tmp/r" "$@"; }
	expect nonzero "--port 0: wire 'warp:1': unknown kind 'warp'" -- m --port 0=warp:1
	expect nonzero "--port 0: tap:'': expected an interface name" -- m --port 0=tap:
	expect nonzero "--port 1: pcap rx '$tmp/none.pcap': No such file" -- \
		m --port 1=pcap:rx=$tmp/none.pcap
	printf 'not a pcap file at all....' > "$tmp/bad.pcap"
	expect nonzero "pcap rx '$tmp/bad.pcap': magic 0x20746f6e is not a pcap file" -- \
		m --port 0=pcap:rx=$tmp/bad.pcap
	# A valid header, then a record claiming 4000 bytes with 10 present.
	python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1)+struct.pack('<IIII',0,0,4000,4000)+bytes(10))" > "$tmp/trunc.pcap"
	expect nonzero "record 1 at byte 24: captured length 4000 \(frame length 4000\) is not a whole frame" -- \
		m --port 0=pcap:rx=$tmp/trunc.pcap
	python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,105))" > "$tmp/wifi.pcap"
	expect nonzero "link type 105, expected 1 \(Ethernet\)" -- m --port 0=pcap:rx=$tmp/wifi.pcap
	expect nonzero "tester: size '10': expected a number from 64 to 9000" -- m --port 0=tester:size=10
	expect nonzero "tester: unknown key 'speed'" -- m --port 0=tester:speed=9
	expect nonzero "--port 5=tap:x: the model runs 2 devices" -- m --port 5=tap:x
	expect nonzero "--random-faults 'lots': expected PPM" -- m --random-faults lots ;;
ctl-args)
	expect nonzero "device '12': expected 0..7" -- \
		"$build/app/opnic-ctl" --run-dir "$tmp" link 12 up
	expect nonzero "cannot reach the model at $tmp/model.sock" -- \
		"$build/app/opnic-ctl" --run-dir "$tmp" status 0 ;;
*)
	echo "unknown case $case"; exit 2 ;;
esac
