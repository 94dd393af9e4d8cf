#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the hand-made seed inputs of the operation-program harnesses into
tests/fuzz/corpus/<harness>/seed-*. The encodings follow the harnesses'
decoders (read them together). Run after changing a decoder:

    python3 tests/fuzz/make_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- fuzz_model: [profile][wire] then ops (low nibble % 10 = kind).
def iova0(off):               # pick_iova: how 0, offset in host buffer 0
    return u8(0) + u16(off)


def model_seed(profile, shadow):
    b = u8(profile) + u8(0)
    b += u8(8) + u8(4) + u32(1)                 # misc: MSI-X enable
    sel_rx, sel_tx = 0x01, 0x00
    if shadow:
        sel_rx |= 0x80
        sel_tx |= 0x80
    # RX queue 0: ring 0x0000, cpl 0x1000, 64 entries [, shadow 0x7000]
    b += u8(3) + u8(sel_rx) + iova0(0x0000) + iova0(0x1000)
    if shadow:
        b += iova0(0x7000)
    b += u8(0)
    # TX queue 0: ring 0x2000, cpl 0x3000 [, shadow 0x7040]
    b += u8(3) + u8(sel_tx) + iova0(0x2000) + iova0(0x3000)
    if shadow:
        b += iova0(0x7040)
    b += u8(0)
    for i in range(8):                          # RX buffers at 0x8000 + i KiB
        b += u8(4) + u8(0x02) + u16(i * 16) + iova0(0x8000 + i * 0x400) + u16(0)
    if shadow:                                  # drv_prod = 8 in the shadow
        b += u8(4) + u8(0x30) + u16(0x7000) + u32(8)
    b += u8(5) + u8(1) + u16(8)                 # RX doorbell: 8
    frame = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0]) + bytes(2)
    b += u8(4) + u8(0xf0) + u16(0x4000) + frame  # frame bytes at 0x4000
    for i in range(2):                          # TX descriptors: 60 bytes
        b += u8(4) + u8(0x02) + u16(0x2000 + i * 16) + iova0(0x4000) + u16(46)
    if shadow:
        b += u8(4) + u8(0x30) + u16(0x7040) + u32(2)
    b += u8(5) + u8(0) + u16(2)                 # TX doorbell: 2
    b += u8(0x36)                               # 4 polls
    b += u8(7) + u16(50) + u8(2) + bytes(range(64))   # a frame from the wire
    b += u8(0x86)                               # polls until TX idle
    if not shadow:
        b += u8(8) + u8(9) + u32(0)             # unmap buffer 0
    b += u8(0x16)                               # polls
    return b


for p in range(4):
    write("fuzz_model", f"queues-p{p}", model_seed(p, False))
    write("fuzz_model", f"queues-shadow-p{p}", model_seed(p, True))
