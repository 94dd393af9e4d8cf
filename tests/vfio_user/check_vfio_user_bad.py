#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Malformed vfio-user messages (doc/vfio-user.md): each one in the table
gets an error reply with its errno and changes nothing; after each, the
same connection still answers GET_INFO. Then the cases that end a
connection (a size the stream cannot be framed by, a stall mid-message,
bad negotiation) on connections of their own, the model serving a new
client after every one.

usage: check_vfio_user_bad.py BUILD PROFILE
"""

import errno
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import opnic_test as t  # noqa: E402
import vfu_client as vu  # noqa: E402

E = errno


def memfd(size, sealing=True):
    fd = os.memfd_create('vfu-bad', os.MFD_CLOEXEC |
                         (os.MFD_ALLOW_SEALING if sealing else 0))
    os.ftruncate(fd, size)
    return fd


def raw(c, cmd, payload=b'', fds=(), flags=0, size=None):
    """A command built by hand; returns its reply's errno (0: success)."""
    try:
        c.call(cmd, payload, fds, flags, size)
        return 0
    except vu.VfuError as e:
        return e.errno


def main():
    a = t.args('BUILD PROFILE', 'build', 'profile')
    check = t.Checks()
    run = t.scratch('vfub-' + a.profile)
    model = t.start_model(a.build, run, a.profile, '--vfio-user', devices=1,
                          wire='loopback')
    t.on_fail(lambda: t.tail(model.log, 30))
    with open(os.path.join(run, 'vfio-user.list')) as f:
        path = f.read().split()[2]

    def client(negotiate=True):
        c = vu.Client(path)
        if negotiate:
            c.version()
        return c

    c = client()
    mfd = memfd(1 << 20)
    small = memfd(4096)
    unsealable = memfd(1 << 20, sealing=False)
    c.dma_map(0x100000, 0x10000, mfd, 0)
    efd = os.eventfd(0)
    rw = struct.Struct('<QII')
    dm = struct.Struct('<IIQQQ')
    du = struct.Struct('<IIQQ')
    irq = struct.Struct('<IIIII')
    table = [
        ('unknown command 99', E.EINVAL, lambda: raw(c, 99)),
        ('command 0', E.EINVAL, lambda: raw(c, 0)),
        ('reply flag on a command', E.EINVAL, lambda: raw(c, vu.GET_INFO, b'\0' * 16, flags=1)),
        ('unknown flag bits', E.EINVAL, lambda: raw(c, vu.GET_INFO, struct.pack('<IIII', 16, 0, 0, 0), flags=0x40)),
        ('VERSION again', E.EINVAL, lambda: raw(c, vu.VERSION, b'\0\0\0\0')),
        ('GET_INFO short payload', E.EINVAL, lambda: raw(c, vu.GET_INFO, b'\x10\0\0\0')),
        ('GET_INFO argsz 8', E.EINVAL, lambda: raw(c, vu.GET_INFO, struct.pack('<IIII', 8, 0, 0, 0))),
        ('REGION_INFO index 8 (VGA)', E.EINVAL, lambda: raw(c, vu.GET_REGION_INFO, struct.pack('<IIIIQQ', 32, 0, 8, 0, 0, 0))),
        ('REGION_INFO index 2^32-1', E.EINVAL, lambda: raw(c, vu.GET_REGION_INFO, struct.pack('<IIIIQQ', 32, 0, 0xffffffff, 0, 0, 0))),
        ('REGION_INFO argsz 16', E.EINVAL, lambda: raw(c, vu.GET_REGION_INFO, struct.pack('<IIIIQQ', 16, 0, 0, 0, 0, 0))),
        ('REGION_INFO 33-byte payload', E.EINVAL, lambda: raw(c, vu.GET_REGION_INFO, struct.pack('<IIIIQQ', 64, 0, 0, 0, 0, 0) + b'x')),
        ('REGION_READ past BAR0', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(0xfffe, 0, 4))),
        ('REGION_READ offset 2^64-4', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(2**64 - 4, 0, 8))),
        ('REGION_READ count 0', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(0, 0, 0))),
        ('REGION_READ count 2 MiB', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(0, 0, 2 << 20))),
        ('REGION_READ config 4094+4', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(4094, 7, 4))),
        ('REGION_READ region 1 (no BAR)', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(0, 1, 4))),
        ('REGION_READ region 99', E.EINVAL, lambda: raw(c, vu.REGION_READ, rw.pack(0, 99, 4))),
        ('REGION_WRITE count > data', E.EINVAL, lambda: raw(c, vu.REGION_WRITE, rw.pack(0x20, 0, 8) + b'\0' * 4)),
        ('REGION_WRITE count < data', E.EINVAL, lambda: raw(c, vu.REGION_WRITE, rw.pack(0x20, 0, 2) + b'\0' * 4)),
        ('REGION_WRITE short header', E.EINVAL, lambda: raw(c, vu.REGION_WRITE, b'\0' * 8)),
        ('WRITE_MULTI not negotiated', E.EINVAL, lambda: raw(c, vu.WRITE_MULTI, struct.pack('<Q', 1) + rw.pack(0, 0, 4) + b'\0' * 8)),
        ('DMA_MAP unaligned iova', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x200100, 0x1000), [mfd])),
        ('DMA_MAP size 0', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x200000, 0), [mfd])),
        ('DMA_MAP wrapping', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 2**64 - 0x1000, 0x2000), [mfd])),
        ('DMA_MAP overlapping', E.EEXIST, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x108000, 0x10000), [mfd])),
        ('DMA_MAP two fds', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x200000, 0x1000), [mfd, mfd])),
        ('DMA_MAP past the file', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x200000, 0x10000), [small])),
        ('DMA_MAP offset 2^63', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 2**63, 0x200000, 0x1000), [mfd])),
        ('DMA_MAP unsealable memfd', E.EPERM, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x200000, 0x1000), [unsealable])),
        ('DMA_MAP an eventfd', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 3, 0, 0x200000, 0x1000), [efd])),
        ('DMA_MAP unknown flags', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(32, 7, 0, 0x200000, 0x1000), [mfd])),
        ('DMA_MAP argsz 8', E.EINVAL, lambda: raw(c, vu.DMA_MAP, dm.pack(8, 3, 0, 0x200000, 0x1000), [mfd])),
        ('DMA_UNMAP splitting a mapping', E.EINVAL, lambda: raw(c, vu.DMA_UNMAP, du.pack(24, 0, 0x100000, 0x1000))),
        ('DMA_UNMAP all with an address', E.EINVAL, lambda: raw(c, vu.DMA_UNMAP, du.pack(24, vu.UNMAP_ALL, 0x100000, 0))),
        ('DMA_UNMAP dirty bitmap', E.ENOTSUP, lambda: raw(c, vu.DMA_UNMAP, du.pack(24, vu.UNMAP_DIRTY, 0x100000, 0x10000))),
        ('DMA_UNMAP wrapping', E.EINVAL, lambda: raw(c, vu.DMA_UNMAP, du.pack(24, 0, 2**64 - 0x1000, 0x2000))),
        ('DMA_UNMAP with an fd', E.EINVAL, lambda: raw(c, vu.DMA_UNMAP, du.pack(24, 0, 0x100000, 0x10000), [mfd])),
        ('SET_IRQS index 9', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x21, 9, 0, 0))),
        ('SET_IRQS start+count wraps', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x24, 2, 0xffffffff, 2), [efd, efd])),
        ('SET_IRQS past the vectors', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x24, 2, 0, 64), [efd])),
        ('SET_IRQS two data types', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x26, 2, 0, 1), [efd])),
        ('SET_IRQS no action', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x04, 2, 0, 1), [efd])),
        ('SET_IRQS 2 vectors, 1 fd', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x24, 2, 0, 2), [efd])),
        ('SET_IRQS bools missing', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x22, 2, 0, 2))),
        ('SET_IRQS MSI-X mask', E.ENOTTY, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x09, 2, 0, 1))),
        ('SET_IRQS MSI (none)', E.EINVAL, lambda: raw(c, vu.SET_IRQS, irq.pack(20, 0x24, 1, 0, 1), [efd])),
        ('SET_IRQS short', E.EINVAL, lambda: raw(c, vu.SET_IRQS, b'\0' * 12)),
        ('IRQ_INFO index 5', E.EINVAL, lambda: raw(c, vu.GET_IRQ_INFO, struct.pack('<IIII', 16, 0, 5, 0))),
        ('RESET with a payload', E.EINVAL, lambda: raw(c, vu.RESET, b'\0' * 4)),
        ('DEVICE_FEATURE', E.ENOTTY, lambda: raw(c, vu.DEVICE_FEATURE, b'\0' * 8)),
        ('GET_REGION_IO_FDS', E.ENOTSUP, lambda: raw(c, vu.GET_REGION_IO_FDS, b'\0' * 16)),
        ('DMA_READ from the client', E.ENOTSUP, lambda: raw(c, vu.DMA_READ, b'\0' * 16)),
        ('message size 1 MiB + 8 KiB', E.E2BIG, lambda: raw(c, vu.GET_INFO, b'\0' * ((1 << 20) + 8192))),
    ]
    for name, want, fn in table:
        got = fn()
        check(got == want, '%s: errno %d (%s), expected %d (%s)'
              % (name, got, E.errorcode.get(got), want, E.errorcode.get(want)))
        try:
            ok = c.device_info()['num_regions'] == 9
        except Exception as e:  # the connection must still serve
            ok = False
            print('after %s: %s' % (name, e))
        check(ok, 'after %s: GET_INFO failed' % name)
    print('%d malformed messages: each refused with its errno, the connection '
          'serving after each' % len(table))
    # The mapping made before the table is still there: the refused maps
    # changed nothing (an exact unmap of it succeeds, a second one finds
    # nothing to split).
    check(c.dma_unmap(0x100000, 0x10000) == (24, 0, 0x100000, 0x10000),
          'the first mapping did not survive')
    c.close()

    # ---- connections the server closes, each followed by a new client
    def ends(name, fn, want=None):
        c = client(negotiate=name.startswith('after version'))
        try:
            got = fn(c)
        except vu.VfuError as e:
            got = e.errno
        if want is not None:
            check(got == want, '%s: errno %r, expected %d' % (name, got, want))
        closed = c.closed_within(4)
        c.close()
        c = client()
        ok = c.device_info()['num_regions'] == 9
        c.close()
        return closed, ok

    cases = [
        ('size 8 (below the header)', lambda c: c.send_raw(struct.pack('<HHIII', 1, 4, 8, 0, 0)), True),
        ('size 64 MiB', lambda c: c.send_raw(struct.pack('<HHIII', 1, 4, 64 << 20, 0, 0)), True),
        ('stall mid-message', lambda c: c.send_raw(struct.pack('<HHIII', 1, 4, 100, 0, 0) + b'\0' * 10), True),
        ('EOF mid-header', lambda c: (c.send_raw(b'\1\0\4\0'), c.sock.shutdown(1)), True),
    ]
    for name, fn, want_closed in cases:
        closed, ok = ends(name, fn)
        check(closed == want_closed, '%s: connection %s' % (name, 'closed' if closed else 'kept'))
        check(ok, '%s: no new client served after it' % name)
    # Negotiation refused: an error reply, the connection kept (the client
    # decides), nothing else allowed on it.
    for name, kw, want in [
            ('major 1', dict(major=1), E.ENOTSUP),
            ('JSON not terminated', dict(raw_json=b'{}'), E.EINVAL),
            ('JSON malformed', dict(raw_json=b'{"capabilities":{"max_msg_fds":}}\0'), E.EINVAL),
            ('JSON trailing bytes', dict(raw_json=b'{} {}\0'), E.EINVAL),
            ('JSON too deep', dict(raw_json=b'[' * 40 + b']' * 40 + b'\0'), E.EINVAL),
            ('pgsizes without 4 KiB', dict(caps={'pgsizes': 65536}), E.EINVAL),
            ('max_msg_fds negative', dict(caps={'max_msg_fds': -1}), E.EINVAL),
            ('max_data_xfer_size a string', dict(caps={'max_data_xfer_size': '1'}), E.EINVAL),
            ('NUL inside the JSON', dict(raw_json=b'{}\0{}\0'), E.EINVAL)]:
        c = client(negotiate=False)
        err = vu.expect_error(c.version, want, **kw)
        check(err is None, 'version %s: %s' % (name, err))
        c.version()     # a good one after the refused one
        check(c.device_info()['num_regions'] == 9, 'version %s: not serving after' % name)
        c.close()
    print('negotiation: 9 bad VERSION messages refused, each connection then negotiated')
    # write_multiple, negotiated: writes land; a bad entry changes nothing.
    c = client(negotiate=False)
    _, _, caps = c.version(caps={'max_msg_fds': 8, 'write_multiple': True})
    check(caps['capabilities'].get('write_multiple') is True, 'write_multiple not granted')
    wone = struct.Struct('<QII8s')
    blk_mbox = None
    for i in range(c.read32(0, 8)):
        if c.read32(0, 0x10 + 16 * i) & 0xffff == 11:
            blk_mbox = c.read32(0, 0x14 + 16 * i)
    msg = struct.pack('<Q', 2) + wone.pack(blk_mbox, 0, 4, struct.pack('<Q', 0x11)) + \
        wone.pack(blk_mbox + 4, 0, 4, struct.pack('<Q', 0x22))
    c.call(vu.WRITE_MULTI, msg)
    check((c.read32(0, blk_mbox), c.read32(0, blk_mbox + 4)) == (0x11, 0x22),
          'write multi did not land')
    bad = struct.pack('<Q', 2) + wone.pack(blk_mbox, 0, 4, struct.pack('<Q', 0x33)) + \
        wone.pack(blk_mbox + 4, 0, 9, struct.pack('<Q', 0x44))
    check(raw(c, vu.WRITE_MULTI, bad) == E.EINVAL and c.read32(0, blk_mbox) == 0x11,
          'a bad write-multi entry: not refused whole')
    c.close()
    check(model.alive(), 'model exited')
    for fd in (mfd, small, unsealable, efd):
        os.close(fd)
    check.exit()


main()
