#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs inside the POWER9 guest (busybox sh): for each case, the NIC model,
# the VFIO emulation (no page-size faking: the kernel's 64 KiB pages), the
# net_opnic plugin and Debian's ppc64el dpdk-testpmd, io forwarding with
# --record-core-cycles. Prints RESULT lines for the host to check.
#   run-cases.sh PROFILE:KERNEL ... | null
. /etc/opnic-paths
plugin=$PPC/drivers/net/opnic/librte_net_opnic.so
secs=${OPNIC_GUEST_SECONDS:-6}

result() {	# result CASE LOG [ST0 ST1]
	awk -v c="$1" -v st0="${3:-/dev/null}" -v st1="${4:-/dev/null}" '
	/NIC statistics for port/ { port = $(NF-1) + 0 }
	/RX-packets:/ && /RX-missed:/ { rx[port] = $2 }
	/TX-packets:/ && /TX-errors:/ { tx[port] = $2 }
	/doorbells region write/ { path = "region-write" }
	/doorbells mapped/ { path = "mapped" }
	/vfio_bar: .*could not map/ { selfmap = 1 }
	/CPU cycles\/packet=/ { split($0, a, "="); split(a[2], b, " "); cyc = b[1] }
	/_db_syscall:/ { sys += $2 }
	/register blocks:/ { sub(/.*register blocks: */, ""); gsub(/ /, ""); blocks = $0 }
	END {
		while ((getline l < st0) > 0) d0 = d0 " " l
		while ((getline l < st1) > 0) d1 = d1 " " l
		n = split(d0, f, " "); for (i = 1; i < n; i++) if (f[i] == "tx_pkts" || f[i] == "rx_pkts" || f[i] == "rx_no_desc") dv[0, f[i]] = f[i + 1]
		n = split(d1, f, " "); for (i = 1; i < n; i++) if (f[i] == "tx_pkts" || f[i] == "rx_pkts" || f[i] == "rx_no_desc") dv[1, f[i]] = f[i + 1]
		printf("RESULT case=%s path=%s self_mapped=%d port0_rx=%d port1_rx=%d port0_tx=%d port1_tx=%d", c, path == "" ? "none" : path, selfmap, rx[0], rx[1], tx[0], tx[1])
		printf(" dev0_tx=%d dev0_rx=%d dev0_rx_no_desc=%d dev1_tx=%d dev1_rx=%d dev1_rx_no_desc=%d", dv[0, "tx_pkts"], dv[0, "rx_pkts"], dv[0, "rx_no_desc"], dv[1, "tx_pkts"], dv[1, "rx_pkts"], dv[1, "rx_no_desc"])
		printf(" cycles_per_packet=%s syscalls=%d blocks=%s\n", cyc == "" ? "none" : cyc, sys, blocks)
	}' "$2"
}

feeder() {	# feeder RUN_DIR|- LOG
	run=$1 flog=$2
	i=0
	if [ "$run" != - ] && [ ! -f "$run/ready" ]; then
		echo "GUEST: the NIC model is not running" >&2
		echo quit
		return
	fi
	if [ "$run" != - ]; then
		while [ $i -lt 600 ]; do
			a=$($PPC/app/opnic-ctl --run-dir "$run" status 0 2>/dev/null | sed -n 's/^queues_running //p')
			b=$($PPC/app/opnic-ctl --run-dir "$run" status 1 2>/dev/null | sed -n 's/^queues_running //p')
			[ "${a:-0}" -ge 2 ] && [ "${b:-0}" -ge 2 ] && break
			if grep -q 'No probed\|^Bye' "$flog" 2>/dev/null; then
				echo "GUEST: testpmd failed to start" >&2
				echo quit
				return
			fi
			i=$((i + 1)); sleep 0.2
		done
		echo "GUEST: queues running after $i polls (${a:-?} ${b:-?})" >&2
	else
		sleep 20
	fi
	sleep 1
	echo "start tx_first"
	sleep "$secs"
	echo "stop"
	sleep 2
	echo "show port stats all"
	echo "show port xstats all"
	sleep 2
	if [ "$run" != - ]; then
		$PPC/app/opnic-ctl --run-dir "$run" status 0 > "$run.st0"
		$PPC/app/opnic-ctl --run-dir "$run" status 1 > "$run.st1"
	fi
	echo "quit"
}

for c in "$@"; do
	echo "GUEST: case $c"
	if [ "$c" = null ]; then
		log=/tmp/null.log
		feeder - "$log" | dpdk-testpmd --no-pci --in-memory -l 0,1 --vdev net_null0 --vdev net_null1 \
			-- -i --nb-cores=1 --record-core-cycles > "$log" 2>&1
		result null "$log"
		continue
	fi
	profile=${c%%:*} kernel=${c#*:}
	run=/dev/shm/opnic-$profile-$kernel
	log=/tmp/$profile-$kernel.log
	$PPC/app/opnic-model --run-dir "$run" --profile "$profile" --core 0 2>"$run.model" &
	mp=$!
	i=0; while [ ! -f "$run/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	feeder "$run" "$log" | $PPC/app/opnic-run --run-dir "$run" --kernel "$kernel" --page-size native -- \
		dpdk-testpmd -d "$plugin" --in-memory -l 0,1 -a 0000:0b:00.0 -a 0000:0b:01.0 -- \
		-i --nb-cores=1 --no-lsc-interrupt --record-core-cycles > "$log" 2>&1
	echo "GUEST: testpmd exit status $?"
	grep -E "EAL: Error|opnic_hw_discover|opnic_dev_init|vfio_bar" "$log" | head -8
	result "$c" "$log" "$run.st0" "$run.st1" | tee /tmp/result
	grep -q 'path=none\|port0_rx=0 ' /tmp/result && { echo "GUEST: testpmd log:"; tail -40 "$log"; cat "$run.model"; }
	kill $mp; wait $mp 2>/dev/null
done
