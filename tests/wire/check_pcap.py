#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# pcap wires: a generated pcap (frames of 60..1514 bytes, random payloads,
# IPv4/UDP, VLAN-tagged, ARP) is replayed into port 0's RX; testpmd io
# forwards it to port 1, whose wire records what the port transmits. The
# test byte-compares both files as tcpdump reads them back (-xx, without
# timestamps), frame by frame and in order.
# With "corrupt", the model flips one byte of one frame on its way into RX
# memory; the comparison must then find exactly that one frame changed.
#   check_pcap.sh BUILD PROFILE KERNEL PAGE [FRAMES [corrupt]]
set -u
build=$1 profile=$2 kernel=$3 page=$4 frames=${5:-2000} corrupt=${6:-}
run=$(mktemp -d /dev/shm/opnic-pcap.XXXXXX)
work=$run.work
mkdir -p "$work"
. "$(dirname "$0")/../lib/session.sh"
trap 'session_cleanup; rm -rf "$run" "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/tp.log" ] && tail -20 "$work/tp.log"; exit 1; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed"; exit 77; }

python3 - "$work/in.pcap" "$frames" <<'PY'
import random, struct, sys
random.seed(2026)
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
for i in range(int(sys.argv[2])):
    dst = bytes([random.randrange(256) & 0xfe]) + random.randbytes(5)
    src = bytes([0x02]) + random.randbytes(5)
    kind = i % 4
    if kind == 3:   # ARP request
        f = dst + src + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x800, 6, 4, 1) + \
            src + bytes([10, 0, 0, 1]) + bytes(6) + bytes([10, 0, 0, 2])
        f += bytes(max(0, 60 - len(f)))
    else:
        size = random.randrange(60, 1515)
        vlan = b"\x81\x00" + struct.pack("!H", random.randrange(1, 4095)) if kind == 2 else b""
        l2 = dst + src + vlan + b"\x08\x00"
        plen = size - len(l2) - 28
        if plen < 0: plen = 0
        payload = random.randbytes(plen)
        udp = struct.pack("!HHHH", random.randrange(1024, 65536), 9, 8 + plen, 0) + payload
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0,
                                   64, 17, 0, bytes([10, 1, i >> 8 & 255, i & 255]),
                                   bytes([10, 2, 0, 1])))
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        f = l2 + bytes(ip) + udp
    out.write(struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f)
PY

# 100 kpps: testpmd io drops a burst when the TX ring is full, so the
# replay must not outrun what the recording side drains.
model_start "$profile" --port "0=pcap:rx=$work/in.pcap,pps=100000" --port "1=pcap:tx=$work/out.pcap"
testpmd_start "$kernel" "$page" --forward-mode=io --no-lsc-interrupt
[ -n "$corrupt" ] && ctl fault 0 corrupt 1
echo "start" >&9
# The model waits for RX descriptors while testpmd starts: nothing is lost.
for i in $(seq 200); do
	st=$(ctl status 1 | grep '^wire')
	[ "$(sed -n 's/.* written \([0-9]*\).*/\1/p' <<<"$st")" = "$frames" ] && break
	sleep 0.05
done
ctl status 0 | grep '^wire'
echo "$st"
testpmd_quit
[ $tp_rc -eq 0 ] || fail "testpmd exit status $tp_rc"
ctl quit >/dev/null	# closes out.pcap
sleep 0.3

tcpdump -r "$work/in.pcap" -nn -t -xx -e 2>/dev/null > "$work/in.txt"
tcpdump -r "$work/out.pcap" -nn -t -xx -e 2>/dev/null > "$work/out.txt"
nin=$(tcpdump -r "$work/in.pcap" -nn 2>/dev/null | wc -l)
nout=$(tcpdump -r "$work/out.pcap" -nn 2>/dev/null | wc -l)
echo "tcpdump reads $nin frames replayed, $nout frames recorded"
[ "$nin" = "$frames" ] || fail "tcpdump read $nin frames from the generated file"
[ "$nout" = "$frames" ] || fail "recorded $nout of $frames frames"
if [ -n "$corrupt" ]; then
	# tcpdump -xx prints one header line per frame, then hex lines.
	changed=$(python3 - "$work/in.txt" "$work/out.txt" <<'PY'
import sys
def frames(p):
    out, cur = [], []
    for l in open(p):
        if not l.startswith("\t"):
            if cur: out.append("".join(cur))
            cur = []
        cur.append(l)
    if cur: out.append("".join(cur))
    return out
a, b = frames(sys.argv[1]), frames(sys.argv[2])
print(sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b)))
PY
)
	echo "frames changed by the injected corruption: $changed"
	[ "$changed" = 1 ] || fail "expected exactly one changed frame, found $changed"
	echo PASS
	exit 0
fi
if ! cmp -s "$work/in.txt" "$work/out.txt"; then
	diff "$work/in.txt" "$work/out.txt" | head -20
	fail "recorded frames differ from the replayed ones"
fi
echo "byte-identical: $(wc -l < "$work/in.txt") lines of tcpdump -xx output"
echo PASS
