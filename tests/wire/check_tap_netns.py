#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Real peers through the emulated NIC: each opnic port's wire is a TAP
# interface in a network namespace this test creates (A: 10.77.0.1 on port
# 0, B: 10.77.0.2 on port 1). testpmd forwards io between the ports, so the
# Linux stacks in A and B talk only through net_opnic and the model:
#   - ping A -> B gets every reply; tcpdump in B sees well-formed ARP/ICMP;
#   - a 16 MiB TCP transfer A -> B arrives byte-identical (sha256), B's
#     kernel counts no checksum errors and tcpdump -vv finds every TCP
#     checksum correct.
#   check_tap_netns.sh BUILD PROFILE KERNEL PAGE
set -u
build=$1 profile=$2 kernel=$3 page=$4
tag=$$
nsa=opnic-a-$tag nsb=opnic-b-$tag
tapa=opta$tag tapb=optb$tag
run=$(mktemp -d /dev/shm/opnic-tap.XXXXXX)
work=$run.work
mkdir -p "$work"
. "$(dirname "$0")/../lib/session.sh"
dump=
cleanup() {
	[ -n "$dump" ] && kill "$dump" 2>/dev/null
	session_cleanup
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$run" "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$work/tp.log" ] && tail -20 "$work/tp.log"; exit 1; }

for t in ip tcpdump ping python3; do
	command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
model_start "$profile" --port "0=tap:$tapa" --port "1=tap:$tapb"

ip netns add "$nsa" && ip netns add "$nsb" || fail "cannot create namespaces"
ip link set "$tapa" netns "$nsa" && ip link set "$tapb" netns "$nsb" ||
	fail "cannot move the TAP interfaces"
ip -n "$nsa" addr add 10.77.0.1/24 dev "$tapa"
ip -n "$nsb" addr add 10.77.0.2/24 dev "$tapb"
for n in "$nsa:$tapa" "$nsb:$tapb"; do
	ip -n "${n%%:*}" link set lo up
	ip -n "${n%%:*}" link set "${n#*:}" up
	# No router solicitations or DAD noise: only the test's traffic.
	ip netns exec "${n%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

# testpmd, io forwarding port 0 <-> port 1.
testpmd_start "$kernel" "$page" --forward-mode=io --no-lsc-interrupt
echo "start" >&9
sleep 0.5

ip netns exec "$nsb" tcpdump -i "$tapb" -U -s 0 -w "$work/b.pcap" 2>"$work/dump.log" &
dump=$!
sleep 1

echo "== ping 10.77.0.1 -> 10.77.0.2 through net_opnic"
ip netns exec "$nsa" ping -c 10 -i 0.2 -W 2 10.77.0.2 | tee "$work/ping.log"
grep -q ' 0% packet loss' "$work/ping.log" || fail "ping lost packets"

echo "== TCP transfer A -> B"
head -c $((16 << 20)) /dev/urandom > "$work/data"
want=$(sha256sum < "$work/data" | cut -d' ' -f1)
ip netns exec "$nsb" nstat -n >/dev/null 2>&1
ip netns exec "$nsb" python3 - "$work/got" <<'PY' &
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 5201)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(60); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    h.update(b); n += len(b)
open(sys.argv[1], "w").write("%s %d\n" % (h.hexdigest(), n))
PY
server=$!
sleep 0.5
start=$(date +%s.%N)
ip netns exec "$nsa" python3 - "$work/data" <<'PY' || fail "TCP client failed"
import socket, sys
s = socket.create_connection(("10.77.0.2", 5201), timeout=60)
with open(sys.argv[1], "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
PY
wait $server
end=$(date +%s.%N)
read -r got bytes < "$work/got" || fail "the server saw no data"
echo "sent sha256 $want, received sha256 $got ($bytes bytes) in $(echo "$end - $start" | bc 2>/dev/null || echo '?') s"
[ "$got" = "$want" ] || fail "the data changed on the way"
csum=$(ip netns exec "$nsb" nstat -az TcpInCsumErrors 2>/dev/null | awk '/TcpInCsumErrors/ {print $2}')
echo "B: TcpInCsumErrors ${csum:-?}"
[ "${csum:-0}" = 0 ] || fail "B's kernel counted $csum TCP checksum errors"

sleep 0.5
kill "$dump"; wait "$dump" 2>/dev/null; dump=
tcpdump -r "$work/b.pcap" -nn -e -vv 2>/dev/null > "$work/dump.txt"
arp=$(grep -c 'ARP.*who-has\|ARP.*is-at' "$work/dump.txt")
echo_req=$(grep -c 'ICMP echo request' "$work/dump.txt")
echo_rep=$(grep -c 'ICMP echo reply' "$work/dump.txt")
tcp_ok=$(grep -c 'cksum 0x[0-9a-f]* (correct)' "$work/dump.txt")
bad=$(grep -ci 'incorrect\|truncated\|bad hdr\|malformed' "$work/dump.txt")
echo "tcpdump in B: $arp ARP, $echo_req echo requests, $echo_rep echo replies, $tcp_ok checksums verified correct, $bad malformed"
[ "$echo_req" -ge 10 ] && [ "$echo_rep" -ge 10 ] || fail "tcpdump did not see the pings"
[ "$tcp_ok" -gt 1000 ] || fail "tcpdump verified only $tcp_ok checksums"
[ "$bad" = 0 ] || { grep -i 'incorrect\|truncated\|bad hdr\|malformed' "$work/dump.txt" | head; fail "malformed frames"; }

echo "show port stats all" >&9
testpmd_quit
grep -q 'doorbells' "$work/tp.log" && grep 'doorbells' "$work/tp.log" | head -1
awk '/RX-packets:/ {print "testpmd port RX-packets " $2}' "$work/tp.log" | tail -2
[ $tp_rc -eq 0 ] || fail "testpmd exit status $tp_rc"
ctl status 0 | grep '^wire'
echo PASS
