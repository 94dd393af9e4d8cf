#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The model's vfio-user server (doc/vfio-user.md) driven by a stdlib
client, no QEMU: negotiation, device/region/IRQ info for PROFILE (the
sparse areas computed here from the profile file), the BAR fd mapped and a
register store seen by REGION_READ (and the other way), DMA_MAP of a memfd
with TX -> loopback wire -> RX frames DMA'd into it, DMA_UNMAP then the
device's access refused and counted (dma_errors), SET_IRQS with an eventfd
fired by an LSC (opnic-ctl link 0 down), DEVICE_RESET, a second client
refused, and a new client after a disconnect.

usage: check_vfio_user.py BUILD PROFILE
"""

import errno
import mmap
import os
import select
import socket
import stat
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import opnic_test as t  # noqa: E402
import vfu_client as vu  # noqa: E402

PAGE = 4096
DIR_MAGIC = 0x5249444f
BLK = {'id': 1, 'mac': 2, 'link': 3, 'qcfg': 4, 'txdb': 5, 'rxdb': 6, 'mbox': 11}
CMD_MEMORY, CMD_MASTER = 0x2, 0x4
IOVA = 0x10000000
DMA_SIZE = 1 << 20
NFRAMES = 8
RING = 64
# struct opnic_msg on model.sock (lib/vfio_emu/opnic_emu_proto.h)
MODEL_MSG_SIZE = 8 + 16 + 3072


def profile_of(name):
    here = os.path.dirname(os.path.abspath(__file__))
    p = {'msix_bar': 0, 'msix_bar_size': 0}
    with open(os.path.join(here, '..', '..', 'config', name + '.profile')) as f:
        for line in f:
            w = line.split('#')[0].split()
            if len(w) == 2 and w[0] != 'name':
                p[w[0]] = int(w[1], 0)
    return p


def expected_areas(size, table, pba, vectors):
    """The BAR minus the pages of the MSI-X table and of the PBA."""
    cuts = []
    for off, n in ((table, vectors * 16), (pba, (vectors + 63) // 64 * 8)):
        cuts.append((off // PAGE * PAGE, (off + n + PAGE - 1) // PAGE * PAGE))
    cuts.sort()
    areas, at = [], 0
    for s, e in cuts:
        if s > at:
            areas.append((at, s - at))
        at = max(at, e)
    if at < size:
        areas.append((at, size - at))
    return areas


def main():
    a = t.args('BUILD PROFILE', 'build', 'profile')
    check = t.Checks()
    prof = profile_of(a.profile)
    run = t.scratch('vfu-' + a.profile)
    model = t.start_model(a.build, run, a.profile, '--vfio-user', devices=1,
                          wire='loopback')
    t.on_fail(lambda: t.tail(model.log, 30))

    # ---- the socket in the run directory
    with open(os.path.join(run, 'vfio-user.list')) as f:
        lines = f.read().split()
    check(len(lines) == 3 and lines[0] == '0', 'vfio-user.list: %r' % lines)
    path = lines[2]
    st = os.stat(path)
    check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600,
          '%s: mode %o, expected a socket 0600' % (path, st.st_mode))

    c = vu.Client(path)
    # Nothing before VERSION.
    err = vu.expect_error(c.device_info, errno.EINVAL)
    check(err is None, 'GET_INFO before VERSION: %s' % err)
    major, minor, caps = c.version()
    cap = caps.get('capabilities', {})
    check((major, minor) == (0, 0), 'version %d.%d' % (major, minor))
    check(cap.get('max_msg_fds') == 8 and cap.get('max_data_xfer_size') == 1 << 20
          and cap.get('pgsizes') == 4096 and 'migration' not in cap
          and 'twin_socket' not in cap and 'write_multiple' not in cap,
          'server capabilities %r' % cap)
    print('negotiated: %r' % caps)

    di = c.device_info()
    check(di == {'argsz': 16, 'flags': 3, 'num_regions': 9, 'num_irqs': 5},
          'device info %r' % di)

    # ---- regions
    msix_bar = prof['msix_bar']
    bar_size = {0: prof['bar0_size']}
    if msix_bar:
        bar_size[msix_bar] = prof['msix_bar_size']
    bar_fd = None
    bar0_off = None
    for idx in range(9):
        if idx == 8:
            err = vu.expect_error(c.region_info, errno.EINVAL, idx)
            check(err is None, 'region 8 (VGA): %s' % err)
            continue
        ri = c.region_info(idx)
        if idx in bar_size:
            want_sparse = (expected_areas(bar_size[idx], prof['msix_table'],
                                          prof['msix_pba'], prof['msix_vectors'])
                           if idx == msix_bar else None)
            if want_sparse is not None:
                # The kernel's size protocol first: the argsz needed, no
                # caps (nor the CAPS flag: QEMU's client would take it
                # for a cap_offset to check), no fd.
                check(ri['argsz'] == 32 + 16 + 16 * len(want_sparse) and
                      ri['cap_offset'] == 0 and ri['fd'] is None and
                      not ri['flags'] & vu.REGION_CAPS_F and ri['len'] == 32,
                      'region %d with argsz 32: %r' % (idx, ri))
                ri = c.region_info(idx, ri['argsz'])
            check(ri['size'] == bar_size[idx] and ri['flags'] & 7 == 7 and
                  bool(ri['flags'] & vu.REGION_CAPS_F) == (want_sparse is not None) and
                  ri['fd'] is not None and ri['sparse'] == want_sparse,
                  'region %d: %r, expected size 0x%x sparse %r'
                  % (idx, ri, bar_size[idx], want_sparse))
            print('region %d: size 0x%x offset 0x%x sparse %s' %
                  (idx, ri['size'], ri['offset'],
                   ['0x%x+0x%x' % x for x in ri['sparse']] if ri['sparse'] else 'none (all)'))
            if idx == 0:
                bar_fd, bar0_off, bar0_sparse = ri['fd'], ri['offset'], ri['sparse']
            elif ri['fd'] is not None:
                os.close(ri['fd'])
        elif idx == vu.CONFIG_REGION:
            check(ri['size'] == 4096 and ri['flags'] == 3 and ri['fd'] is None,
                  'config region %r' % ri)
        else:
            check(ri['size'] == 0 and ri['flags'] == 0 and ri['fd'] is None,
                  'region %d %r: expected empty' % (idx, ri))
    if bar_fd is None:
        t.fail('no BAR0 fd')

    # ---- config space
    vid, did = struct.unpack('<HH', c.read(vu.CONFIG_REGION, 0, 4))
    check((vid, did) == (0x1e0f, 0x0c5e), 'config ids %04x:%04x' % (vid, did))
    c.write(vu.CONFIG_REGION, 4, struct.pack('<H', CMD_MEMORY | CMD_MASTER))
    cmd = struct.unpack('<H', c.read(vu.CONFIG_REGION, 4, 2))[0]
    check(cmd & 6 == 6, 'command 0x%x after writing MEMORY|MASTER' % cmd)

    # ---- the BAR mapped from the fd
    bar = mmap.mmap(bar_fd, prof['bar0_size'], mmap.MAP_SHARED,
                    mmap.PROT_READ | mmap.PROT_WRITE, offset=bar0_off)
    os.close(bar_fd)

    def mm32(off):
        return struct.unpack_from('<I', bar, off)[0]

    def mm_w32(off, v):
        struct.pack_into('<I', bar, off, v)

    check(mm32(0) == DIR_MAGIC and c.read32(0, 0) == DIR_MAGIC,
          'directory magic: mmap 0x%x region read 0x%x' % (mm32(0), c.read32(0, 0)))
    blk = {}
    for i in range(mm32(8)):
        e = 0x10 + 16 * i
        blk[mm32(e) & 0xffff] = mm32(e + 4)
    idb = blk[BLK['id']]
    deadline = time.monotonic() + 5
    while not (c.read32(0, idb + 0x1c) & 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    check(c.read32(0, idb + 0x1c) & 1, 'ID.STATUS never ready')
    mm_w32(idb + 0x20, 0x5eed1234)
    check(c.read32(0, idb + 0x20) == 0x5eed1234,
          'ID.SCRATCH stored through the mmap, REGION_READ gives 0x%x'
          % c.read32(0, idb + 0x20))
    mb = blk[BLK['mbox']]
    c.write32(0, mb + 4, 0xa5a55a5a)
    check(mm32(mb + 4) == 0xa5a55a5a, 'MBOX written by REGION_WRITE, mmap reads 0x%x'
          % mm32(mb + 4))
    # The MSI-X table is hidden as vfio_pci_bar_rw() hides it.
    tab = c.read(msix_bar, prof['msix_table'], 16)
    check(tab == b'\xff' * 16, 'MSI-X table through REGION_READ: %s' % tab.hex())

    # ---- LSC through an eventfd
    ii = c.irq_info(vu.MSIX_IRQ)
    check(ii['count'] == prof['msix_vectors'], 'MSI-X irq info %r' % ii)
    efd = os.eventfd(0, os.EFD_NONBLOCK)
    c.set_irqs(vu.MSIX_IRQ, vu.IRQ_DATA_EVENTFD | vu.IRQ_ACTION_TRIGGER, 0, 1, [efd])
    lk = blk[BLK['link']]
    c.write32(0, lk + 0x0c, 1)             # LINK_INTR_EN
    time.sleep(0.05)
    try:
        os.eventfd_read(efd)                # nothing before the change
    except BlockingIOError:
        pass
    model.ctl('link', 0, 'down')
    r, _, _ = select.select([efd], [], [], 3)
    check(bool(r), 'no MSI-X eventfd signal after opnic-ctl link 0 down')
    if r:
        print('LSC: eventfd fired (count %d)' % os.eventfd_read(efd))
    check(c.read32(0, lk) & 1 == 0, 'LINK.STATUS still up')
    model.ctl('link', 0, 'up')
    time.sleep(0.05)
    c.write32(0, lk + 0x10, 1)              # CAUSE_CLR

    # ---- DMA: a memfd mapped, TX -> loopback -> RX
    mfd = os.memfd_create('vfu-dma', os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(mfd, DMA_SIZE)
    mem = mmap.mmap(mfd, DMA_SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    c.dma_map(IOVA, DMA_SIZE, mfd, 0)
    rx_ring, rx_cpl, tx_ring, tx_cpl = 0x0000, 0x1000, 0x2000, 0x3000
    rx_buf, tx_buf = 0x10000, 0x40000
    mac = blk[BLK['mac']]
    qc = blk[BLK['qcfg']]
    c.write32(0, mac + 0x0c, 1)             # promiscuous
    for i in range(RING):
        struct.pack_into('<QQ', mem, rx_ring + 16 * i, IOVA + rx_buf + 2048 * i, 0)

    def queue(base, ring, cpl, buf_size):
        mm_w32(base + 0x00, (IOVA + ring) & 0xffffffff)
        mm_w32(base + 0x04, (IOVA + ring) >> 32)
        mm_w32(base + 0x08, (IOVA + cpl) & 0xffffffff)
        mm_w32(base + 0x0c, (IOVA + cpl) >> 32)
        mm_w32(base + 0x10, 0)
        mm_w32(base + 0x14, 0)
        mm_w32(base + 0x18, 6)
        mm_w32(base + 0x1c, buf_size)
        mm_w32(base + 0x20, 1)

    queue(qc + 0x800, rx_ring, rx_cpl, 2048)
    queue(qc, tx_ring, tx_cpl, 0)
    deadline = time.monotonic() + 5
    while (mm32(qc + 0x800 + 0x24) & 1 == 0 or mm32(qc + 0x24) & 1 == 0) and \
            time.monotonic() < deadline:
        time.sleep(0.01)
    check(mm32(qc + 0x800 + 0x24) == 1 and mm32(qc + 0x24) == 1,
          'queues not running: rx status %d error %d, tx status %d error %d'
          % (mm32(qc + 0x824), mm32(qc + 0x828), mm32(qc + 0x24), mm32(qc + 0x28)))
    # Doorbells through REGION_WRITE: trapped on tight4k (the MSI-X page),
    # mapped elsewhere; the server takes both.
    c.write32(0, blk[BLK['rxdb']], RING - 1)
    frames = []
    for i in range(NFRAMES):
        f = b'\xff' * 6 + bytes([2, 0, 0x6f, 0x70, 0, 0]) + b'\x88\xb5' + \
            bytes([i]) * (100 - 14)
        frames.append(f)
        mem[tx_buf + 2048 * i: tx_buf + 2048 * i + len(f)] = f
        struct.pack_into('<QHHI', mem, tx_ring + 16 * i, IOVA + tx_buf + 2048 * i,
                         len(f), 0, 0)
    c.write32(0, blk[BLK['txdb']], NFRAMES)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        done = sum(1 for i in range(NFRAMES)
                   if struct.unpack_from('<IHHHHI', mem, rx_cpl + 16 * i)[4] & 1)
        if done == NFRAMES:
            break
        time.sleep(0.01)
    got = 0
    for i in range(NFRAMES):
        _h, idx, ln, status, flags, _r = struct.unpack_from('<IHHHHI', mem, rx_cpl + 16 * i)
        data = bytes(mem[rx_buf + 2048 * idx: rx_buf + 2048 * idx + ln]) if flags & 1 else b''
        if status == 0 and data == frames[i]:
            got += 1
    s = model.status(0)
    check(got == NFRAMES, 'RX: %d of %d frames DMA\'d into the memfd intact' % (got, NFRAMES))
    check(s['tx_pkts'] == NFRAMES and s['rx_pkts'] == NFRAMES and s['dma_errors'] == 0,
          'model counters tx %d rx %d dma_errors %d' % (s['tx_pkts'], s['rx_pkts'],
                                                        s['dma_errors']))
    check(s['owner'] == 'vfio-user' and s['vfu_clients'] == 1 and
          s['vfu_dma_maps'] == 1 and s['vfu_dma_unreachable'] == 0,
          'status: owner %r vfu_clients %r vfu_dma_maps %r'
          % (s.get('owner'), s.get('vfu_clients'), s.get('vfu_dma_maps')))
    print('DMA: %d frames TX -> loopback -> RX through the memfd; model tx %d rx %d'
          % (got, s['tx_pkts'], s['rx_pkts']))

    # ---- DMA_UNMAP: the device's next access is refused and counted
    before = s['dma_errors']
    rep = c.dma_unmap(IOVA, DMA_SIZE)
    check(rep == (24, 0, IOVA, DMA_SIZE), 'unmap reply %r' % (rep,))
    c.write32(0, blk[BLK['txdb']], NFRAMES + 1)
    time.sleep(0.2)
    s = model.status(0)
    check(s['dma_errors'] > before, 'dma_errors %d after the unmap (was %d)'
          % (s['dma_errors'], before))
    check(mm32(qc + 0x28) == 2, 'TX queue error %d after unmap, expected 2 (RING_DMA)'
          % mm32(qc + 0x28))
    print('unmap: dma_errors %d -> %d, queues stopped with RING_DMA'
          % (before, s['dma_errors']))
    # A mapping without an fd: recorded, unreachable; its rings fail.
    c.dma_map(IOVA, DMA_SIZE, None, 0)
    mm_w32(qc + 0x20, 0)
    time.sleep(0.05)
    mm_w32(qc + 0x20, 1)
    deadline = time.monotonic() + 3
    while mm32(qc + 0x28) != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    check(mm32(qc + 0x28) == 2, 'TX ring in an fd-less mapping: queue error %d'
          % mm32(qc + 0x28))
    c.dma_unmap(0, 0, vu.UNMAP_ALL)

    # ---- DEVICE_RESET: the FLR path, registers back to reset values
    resets = model.status(0)['resets']
    c.reset()
    check(c.read32(0, idb + 0x20) == 0 and model.status(0)['resets'] > resets,
          'after DEVICE_RESET: scratch 0x%x resets %d (was %d)'
          % (c.read32(0, idb + 0x20), model.status(0)['resets'], resets))

    # ---- one transport at a time: model.sock's ATTACH (the LD_PRELOAD
    # path's) is refused while the vfio-user client holds the device
    ms = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ms.settimeout(5)
    ms.connect(os.path.join(run, 'model.sock'))
    ms.send(struct.pack('<II', 1, 0).ljust(MODEL_MSG_SIZE, b'\0'))
    status = struct.unpack_from('<i', ms.recv(MODEL_MSG_SIZE), 8)[0]
    check(status == -errno.EBUSY, 'model.sock ATTACH while a vfio-user client '
          'holds the device: status %d, expected -EBUSY' % status)
    # A removed device: BAR access fails with EIO, as the kernel's does.
    model.ctl('fault', 0, 'remove')
    err = vu.expect_error(c.read, errno.EIO, 0, 0, 4)
    check(err is None, 'REGION_READ on a removed device: %s' % err)
    model.ctl('fault', 0, 'restore')

    # ---- one client at a time; a disconnect leaves the model serving
    c2 = vu.Client(path)
    check(c2.closed_within(2), 'a second client was not closed')
    c2.close()
    c.close()
    bar.close()
    time.sleep(0.2)
    c = vu.Client(path)
    c.version()
    check(c.device_info()['num_regions'] == 9, 'a new client after the disconnect')
    check(model.alive(), 'model exited')
    s = model.status(0)
    check(s['queues_running'] == 0, 'queues still running after the release: %d'
          % s['queues_running'])
    c.close()
    # The release happens when the control thread sees the EOF.
    deadline = time.monotonic() + 3
    while model.status(0)['owner'] != 'none' and time.monotonic() < deadline:
        time.sleep(0.02)
    # The other way round: attached on model.sock, a vfio-user client is
    # closed at once; detached, it is served.
    ms.send(struct.pack('<II', 1, 0).ljust(MODEL_MSG_SIZE, b'\0'))
    status = struct.unpack_from('<i', ms.recv(MODEL_MSG_SIZE), 8)[0]
    check(status == 0, 'model.sock ATTACH after the client left: status %d' % status)
    c = vu.Client(path)
    check(c.closed_within(2), 'a vfio-user client while model.sock holds the device')
    c.close()
    ms.close()
    time.sleep(0.2)
    c = vu.Client(path)
    c.version()
    check(c.device_info()['num_regions'] == 9, 'a client after model.sock let go')
    c.close()
    mem.close()
    os.close(mfd)
    os.close(efd)
    check.exit()


if __name__ == '__main__':
    main()
