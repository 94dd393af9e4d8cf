#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# pcap wires: a generated pcap (frames of 60..1514 bytes, random payloads,
# IPv4/UDP, VLAN-tagged, ARP) is replayed into port 0's RX; testpmd io
# forwards it to port 1, whose wire records what the port transmits. The
# test byte-compares both files as tcpdump reads them back (-xx, without
# timestamps), frame by frame and in order.
# With "corrupt", the model flips one byte of one frame on its way into RX
# memory; the comparison must then find exactly that one frame changed.
#   check_pcap.py BUILD PROFILE KERNEL PAGE [FRAMES [corrupt]]
import difflib
import os
import random
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE [FRAMES [corrupt]]',
           'build', 'profile', 'kernel', 'page', optional=('frames', 'corrupt'))
frames = int(a.frames or 2000)
run = t.scratch('opnic-pcap')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 20))
t.need('tcpdump')


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def write_pcap(path, n):
    random.seed(2026)
    with open(path, 'wb') as out:
        out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            dst = bytes([random.randrange(256) & 0xfe]) + random.randbytes(5)
            src = bytes([0x02]) + random.randbytes(5)
            kind = i % 4
            if kind == 3:   # ARP request
                f = dst + src + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x800, 6, 4, 1) + \
                    src + bytes([10, 0, 0, 1]) + bytes(6) + bytes([10, 0, 0, 2])
                f += bytes(max(0, 60 - len(f)))
            else:
                size = random.randrange(60, 1515)
                vlan = b'\x81\x00' + struct.pack('!H', random.randrange(1, 4095)) \
                    if kind == 2 else b''
                l2 = dst + src + vlan + b'\x08\x00'
                plen = max(0, size - len(l2) - 28)
                payload = random.randbytes(plen)
                udp = struct.pack('!HHHH', random.randrange(1024, 65536), 9, 8 + plen, 0) + payload
                ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0,
                                           64, 17, 0, bytes([10, 1, i >> 8 & 255, i & 255]),
                                           bytes([10, 2, 0, 1])))
                ip[10:12] = struct.pack('!H', csum(bytes(ip)))
                f = l2 + bytes(ip) + udp
            out.write(struct.pack('<IIII', 1700000000 + i, 0, len(f), len(f)) + f)


inp, outp = os.path.join(run, 'in.pcap'), os.path.join(run, 'out.pcap')
write_pcap(inp, frames)
# 100 kpps: testpmd io drops a burst when the TX ring is full, so the
# replay must not outrun what the recording side drains.
model = t.start_model(a.build, run, a.profile, '--port', '0=pcap:rx=%s,pps=100000' % inp,
                      '--port', '1=pcap:tx=' + outp)
tp = t.start_testpmd(a.build, run, a.kernel, a.page, ['--forward-mode=io', '--no-lsc-interrupt'])
if a.corrupt:
    model.ctl('fault', 0, 'corrupt', 1)
tp.cmd('start')
# The model waits for RX descriptors while testpmd starts: nothing is lost.
for i in range(200):
    w1 = model.status(1)['wire']
    if w1['written'] == frames:
        break
    time.sleep(0.05)
print('port 0 wire: %s' % model.status(0)['wire'])
print('port 1 wire: %s' % w1)
rc = tp.quit()
if rc != 0:
    t.fail('testpmd exit status %s' % rc)
model.ctl('quit')               # closes out.pcap
model.proc.wait(10)


# tcpdump is the independent reader of both files: its text is compared.
def tcpdump(path, *opts):
    return subprocess.run(['tcpdump', '-r', path, '-nn'] + list(opts),
                          capture_output=True, text=True).stdout


in_txt, out_txt = tcpdump(inp, '-t', '-xx', '-e'), tcpdump(outp, '-t', '-xx', '-e')
nin = len(tcpdump(inp).splitlines())
nout = len(tcpdump(outp).splitlines())
print('tcpdump reads %d frames replayed, %d frames recorded' % (nin, nout))
if nin != frames:
    t.fail('tcpdump read %d frames from the generated file' % nin)
if nout != frames:
    t.fail('recorded %d of %d frames' % (nout, frames))
if a.corrupt:
    # tcpdump -xx prints one header line per frame, then hex lines.
    def split_frames(text):
        out, cur = [], []
        for line in text.splitlines(True):
            if not line.startswith('\t'):
                if cur:
                    out.append(''.join(cur))
                cur = []
            cur.append(line)
        if cur:
            out.append(''.join(cur))
        return out
    fa, fb = split_frames(in_txt), split_frames(out_txt)
    changed = sum(1 for x, y in zip(fa, fb) if x != y) + abs(len(fa) - len(fb))
    print('frames changed by the injected corruption: %d' % changed)
    if changed != 1:
        t.fail('expected exactly one changed frame, found %d' % changed)
    print('PASS')
    sys.exit(0)
if in_txt != out_txt:
    diff = difflib.unified_diff(in_txt.splitlines(), out_txt.splitlines(), lineterm='')
    print('\n'.join(list(diff)[:20]))
    t.fail('recorded frames differ from the replayed ones')
print('byte-identical: %d lines of tcpdump -xx output' % len(in_txt.splitlines()))
print('PASS')
