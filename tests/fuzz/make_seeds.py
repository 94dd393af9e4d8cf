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
# [0x80] profile text NUL [wire] ops: the model on a profile from the input
for name in ("tight4k", "qdma64k", "fpga8k", "separate"):
    text = open(os.path.join(HERE, "..", "..", "config", name + ".profile"),
                "rb").read()
    write("fuzz_model", f"profile-{name}",
          u8(0x80) + text + b"\0" + model_seed(0, True)[1:])


# ---- fuzz_pmd_rxtx: [cfg: bit0 RX, bit1 shadow, bit2 small pool, bits 3..5
# ring size, bit6 drain with one lost record][free_thresh] then ops (& 7).
def cpl_ok(rx, how=0, ln=46):
    return u8(how) + (u16(ln) if rx else b"") + (u32(0) if how not in (4, 5, 6) else b"")


def complete(rx, items):        # op 0/1: the device completes len(items)
    b = u8(((len(items) - 1) << 3) & 0xf8)
    for it in items:
        b += it
    return b


def rx_burst(n): return u8(2) + u8(n)


def pmd_rx(cfg):
    b = u8(cfg) + u8(0)
    b += complete(1, [cpl_ok(1)] * 8) + rx_burst(32)
    # a lost record, then one done right: the driver skips the lost one
    b += complete(1, [cpl_ok(1, 3), cpl_ok(1)]) + rx_burst(32)
    b += complete(1, [u8(4) + u16(46) + u16(999) + u32(0)])    # wrong index
    b += complete(1, [u8(5) + u16(46) + u16(0xffff) + u32(0)])  # bad length
    b += complete(1, [u8(6) + u16(46) + u8(0) + u32(0)])        # error status
    b += complete(1, [cpl_ok(1, 0x80)] * 4) + rx_burst(64)
    b += u8(6) + rx_burst(64)                  # record for an unposted slot
    b += u8(5) + u32(1) + rx_burst(8)          # shadow: NO_NOTIFY
    return b


def pmd_tx(cfg):
    b = u8(cfg) + u8(0)
    b += u8(2) + u8(16) + (u16(46) + u8(0)) * 16          # send 16
    b += complete(0, [cpl_ok(0)] * 8) + u8(2) + u8(0)
    b += complete(0, [cpl_ok(0, 3), cpl_ok(0)])  # lost, then right
    b += complete(0, [u8(4) + u16(7) + u32(0)])           # wrong index
    b += complete(0, [u8(6) + u8(1) + u32(0)])            # error status
    b += u8(2) + u8(4) + (u16(100) + u8(0x90)) * 4        # two segments each
    b += complete(0, [cpl_ok(0)] * 8) + u8(2) + u8(0)
    b += u8(5) + u32(0) + u8(2) + u8(1) + u16(60) + u8(0)
    return b


for cfg in (0x01, 0x03, 0x05, 0x0b, 0x13, 0x41):
    write("fuzz_pmd_rxtx", f"rx-{cfg:02x}", pmd_rx(cfg))
for cfg in (0x00, 0x02, 0x04, 0x0a, 0x12, 0x40):
    write("fuzz_pmd_rxtx", f"tx-{cfg:02x}", pmd_tx(cfg))


# ---- fuzz_vfio_emu: [cfg: bit0 hole, bit1 64 KiB pages] then ops (& 7).
# Request numbers are the index in the harness's reqs[] table.
R = dict(api=0, ext=1, set_iommu=2, status=3, set_container=4, unset=5,
         device_fd=6, dev_info=7, region_info=8, irq_info=9, set_irqs=10,
         reset=11, iommu_info=12, map=13, unmap=14)


def ioctl_int(req, fd, arg):
    return u8(2) + u8(R[req]) + u8(fd) + u64(arg)


def ioctl_struct(req, fd, body, extra=0, sel=0x80):
    # argsz = minsz + extra; body is the struct after argsz
    return u8(2) + u8(R[req] | sel) + u8(fd) + u16(extra) + u32(0) + body


def vfio_seed(cfg, dev):
    b = u8(cfg)
    b += u8(0)                                   # container: fds[0]
    b += u8(1 | (dev << 3))                      # group 42 + dev: fds[1]
    b += ioctl_struct("status", 1, u32(0))
    b += u8(2) + u8(R["set_container"]) + u8(1) + u8(0)
    b += ioctl_int("api", 0, 0) + ioctl_int("ext", 0, 3)
    b += ioctl_int("set_iommu", 0, 3)            # VFIO_TYPE1v2_IOMMU
    b += ioctl_struct("iommu_info", 0, u32(0) + u64(0) + u32(0) + u32(0))
    # map 64 KiB of the shared memory at IOVA 1 MiB, read/write
    b += ioctl_struct("map", 0, u32(3) + u64(0) + u64(0x100000) + u64(0x10000),
                      sel=0xe0)
    b += u8(2) + u8(R["device_fd"]) + u8(1) + u8(dev)   # fds[2]
    b += ioctl_struct("dev_info", 2, bytes(20))
    for idx in (0, 2, 7, 8):                     # BAR0, BAR2, config, VGA
        b += ioctl_struct("region_info", 2, u32(0) + u32(idx) + u32(0) +
                          u64(0) + u64(0), extra=0xff)
    b += ioctl_struct("region_info", 2, u32(0) + u32(dev * 2) + bytes(20))
    b += ioctl_struct("irq_info", 2, u32(0) + u32(2) + u32(0))
    # MSI-X vectors 0 and 1 to two new eventfds, fire them, then drop all
    b += ioctl_struct("set_irqs", 2, u32(0x24) + u32(2) + u32(0) + u32(2) +
                      u32(1) + u32(1), extra=8)
    b += ioctl_struct("set_irqs", 2, u32(0x21) + u32(2) + u32(0) + u32(2),
                      extra=0)
    b += ioctl_struct("set_irqs", 2, u32(0x21) + u32(2) + u32(0) + u32(0))
    b += u8(4) + u8(0x90) + u8(2) + u32(0x100) + u16(4) + u32(0x12345678)
    b += u8(4) + u8(0x80) + u8(2) + u32(0x3000) + u16(64)   # MSI-X table
    b += u8(4) + u8(0x87) + u8(2) + u32(0) + u16(64)        # config space
    b += u8(4) + u8(0x97) + u8(2) + u32(0x10) + u16(4) + u32(0xffffffff)
    b += u8(4) + u8(0xb0) + u8(2) + u32(0) + u16(0x1000)    # mmap BAR0
    b += u8(4) + u8(0xb0) + u8(2) + u32(0x3000) + u16(0)    # mmap the table
    b += ioctl_int("reset", 2, 0)
    b += ioctl_struct("unmap", 0, u32(0) + u64(0x100000) + u64(0x10000))
    b += u8(0x86) + u8(22) + ioctl_int("reset", 2, 0)       # model: -EINVAL
    b += u8(0x46) + ioctl_int("reset", 2, 0)                # model hangs up
    b += u8(2) + u8(R["unset"]) + u8(1) + u64(0)
    b += u8(5) + u8(2) + u8(5) + u8(1) + u8(5) + u8(0)      # close all
    return b


for cfg in range(4):
    for dev in range(2):
        write("fuzz_vfio_emu", f"dpdk-open-c{cfg}-d{dev}", vfio_seed(cfg, dev))


# ---- fuzz_vfio_user: [flags] then chunks [fdsel][len u16][bytes]; flags
# bit 0 negotiates first, bits 1-2 the profile. fdsel: (n fds) << 4 | kind
# of the first (0 memfd, 1 eventfd, 2 unsealable memfd, 3 pipe).
def vfu_msg(cmd, payload=b"", msg_id=1, flags=0):
    return u16(msg_id) + u16(cmd) + u32(16 + len(payload)) + u32(flags) + \
        u32(0) + payload


def vfu_chunk(data, nfd=0, kind=0):
    return u8(nfd << 4 | kind) + u16(len(data)) + data


def vfu_rw(off, region, count, data=b""):
    return u64(off) + u32(region) + u32(count) + data


def vfu_seed(profile, negotiated):
    b = u8((1 if negotiated else 0) | profile << 1)
    if not negotiated:
        caps = b'{"capabilities":{"max_msg_fds":8,"pgsizes":4096,' \
               b'"write_multiple":true,"migration":{"pgsize":4096}}}\0'
        b += vfu_chunk(vfu_msg(1, u16(0) + u16(0) + caps))
    b += vfu_chunk(vfu_msg(4, u32(16) + bytes(12)))                 # info
    for idx in range(9):                                            # regions
        b += vfu_chunk(vfu_msg(5, u32(80) + u32(0) + u32(idx) + bytes(20)))
    b += vfu_chunk(vfu_msg(7, u32(16) + u32(0) + u32(2) + u32(0)))  # irq info
    b += vfu_chunk(vfu_msg(9, vfu_rw(0, 7, 64)))                    # config
    b += vfu_chunk(vfu_msg(10, vfu_rw(4, 7, 2, u16(6))))            # MEM|MASTER
    b += vfu_chunk(vfu_msg(9, vfu_rw(0, 0, 256)))                   # directory
    # DMA map of the memfd, then the RX queue 0 and TX queue 0 of tight4k's
    # qcfg (0x1000) on it, doorbells, polls happen after every chunk.
    b += vfu_chunk(vfu_msg(2, u32(32) + u32(3) + u64(0) + u64(0x100000) +
                           u64(0x40000)), 1, 0)
    for base, ring, cpl, bs in ((0x1800, 0x100000, 0x101000, 2048),
                                (0x1000, 0x102000, 0x103000, 0)):
        regs = u32(ring) + u32(0) + u32(cpl) + u32(0) + u32(0) + u32(0) + \
            u32(6) + u32(bs) + u32(1)
        b += vfu_chunk(vfu_msg(10, vfu_rw(base, 0, len(regs), regs)))
    b += vfu_chunk(vfu_msg(10, vfu_rw(0x3e00, 0, 4, u32(63))))      # rxdb
    b += vfu_chunk(vfu_msg(10, vfu_rw(0x3c00, 0, 4, u32(4))))       # txdb
    # MSI-X vector 0 to the eventfd, fired by the client, then dropped
    b += vfu_chunk(vfu_msg(8, u32(20) + u32(0x24) + u32(2) + u32(0) + u32(1)), 1, 1)
    b += vfu_chunk(vfu_msg(8, u32(21) + u32(0x22) + u32(2) + u32(0) + u32(1) + u8(1)))
    b += vfu_chunk(vfu_msg(15, u64(1) + vfu_rw(0x2000, 0, 4, u64(7))))   # multi
    b += vfu_chunk(vfu_msg(3, u32(24) + u32(0) + u64(0x100000) + u64(0x40000)))
    b += vfu_chunk(vfu_msg(2, u32(32) + u32(1) + u64(0) + u64(0x200000) +
                           u64(0x1000)))                            # no fd
    b += vfu_chunk(vfu_msg(13))                                     # reset
    b += vfu_chunk(vfu_msg(8, u32(20) + u32(0x21) + u32(2) + u32(0) + u32(0)))
    b += vfu_chunk(vfu_msg(3, u32(24) + u32(2) + u64(0) + u64(0)))  # unmap all
    # a message split over two chunks, then garbage with fds
    m = vfu_msg(9, vfu_rw(0, 0, 4))
    b += vfu_chunk(m[:10]) + vfu_chunk(m[10:])
    b += vfu_chunk(vfu_msg(2, bytes(32)), 3, 2)
    return b


for prof in range(4):
    for neg in (0, 1):
        write("fuzz_vfio_user", f"session-p{prof}-n{neg}", vfu_seed(prof, neg))
