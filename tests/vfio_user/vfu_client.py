# SPDX-License-Identifier: BSD-3-Clause
"""A small vfio-user client (QEMU docs/interop/vfio-user.rst) in Python's
standard library, for the tests of the model's vfio-user server: framing,
fds as SCM_RIGHTS, and one helper per command. Raw messages can be sent
too, for the malformed-message checks."""

import array
import errno
import json
import os
import select
import socket
import struct
import time

HDR = struct.Struct('<HHIII')
VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, GET_REGION_INFO, GET_REGION_IO_FDS, \
    GET_IRQ_INFO, SET_IRQS, REGION_READ, REGION_WRITE, DMA_READ, DMA_WRITE, \
    RESET = range(1, 14)
WRITE_MULTI, DEVICE_FEATURE = 15, 16
F_REPLY, F_NO_REPLY, F_ERROR = 0x1, 0x10, 0x20

# <linux/vfio.h>
REGION_READ_F, REGION_WRITE_F, REGION_MMAP_F, REGION_CAPS_F = 1, 2, 4, 8
CAP_SPARSE_MMAP = 1
CONFIG_REGION = 7
MSIX_IRQ = 2
IRQ_DATA_NONE, IRQ_DATA_BOOL, IRQ_DATA_EVENTFD = 1, 2, 4
IRQ_ACTION_MASK, IRQ_ACTION_UNMASK, IRQ_ACTION_TRIGGER = 8, 16, 32
DMA_R, DMA_W = 1, 2
UNMAP_DIRTY, UNMAP_ALL = 1, 2


class VfuError(Exception):
    def __init__(self, cmd, err):
        super().__init__('command %d: error reply %d (%s)'
                         % (cmd, err, os.strerror(err) if err else '-'))
        self.cmd = cmd
        self.errno = err


class Closed(Exception):
    pass


class Client:
    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.msg_id = 0

    def close(self):
        self.sock.close()

    def send_raw(self, data, fds=()):
        anc = []
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))]
        n = self.sock.sendmsg([data], anc)
        if n < len(data):       # the fds went with the first part
            self.sock.sendall(data[n:])

    def send(self, cmd, payload=b'', fds=(), flags=0, size=None, msg_id=None):
        if msg_id is None:
            self.msg_id = (self.msg_id + 1) & 0xffff
            msg_id = self.msg_id
        hdr = HDR.pack(msg_id, cmd, size if size is not None else 16 + len(payload),
                       flags, 0)
        self.send_raw(hdr + payload, fds)
        return msg_id

    def _read(self, n, fds):
        buf = b''
        while len(buf) < n:
            data, anc, _flags, _ = self.sock.recvmsg(
                n - len(buf), socket.CMSG_SPACE(8 * 4))
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    a = array.array('i')
                    a.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                    fds.extend(a)
            if not data:
                raise Closed('server closed the connection')
            buf += data
        return buf

    def recv(self):
        """(msg_id, cmd, flags, error, payload, fds) of the next message."""
        fds = []
        hdr = self._read(16, fds)
        msg_id, cmd, size, flags, err = HDR.unpack(hdr)
        if size < 16:
            raise ValueError('reply size %d' % size)
        payload = self._read(size - 16, fds) if size > 16 else b''
        return msg_id, cmd, flags, err, payload, fds

    def call(self, cmd, payload=b'', fds=(), flags=0, size=None):
        """Send a command and return (payload, fds) of its reply; an error
        reply raises VfuError."""
        mid = self.send(cmd, payload, fds, flags, size)
        rid, rcmd, rflags, err, rpay, rfds = self.recv()
        if rid != mid or rcmd != cmd or (rflags & 0xf) != F_REPLY:
            raise ValueError('reply id %d cmd %d flags 0x%x to id %d cmd %d'
                             % (rid, rcmd, rflags, mid, cmd))
        if rflags & F_ERROR:
            for fd in rfds:
                os.close(fd)
            if rpay:
                raise ValueError('error reply with %d payload bytes' % len(rpay))
            raise VfuError(cmd, err)
        return rpay, rfds

    def closed_within(self, seconds):
        """True if the server closes the connection within SECONDS (what
        it sends before, an error reply say, is read and dropped)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return False
            try:
                if self.sock.recv(4096) == b'':
                    return True
            except OSError:
                return True

    # ---- commands

    def version(self, caps=None, major=0, minor=0, raw_json=None):
        if raw_json is None:
            raw_json = json.dumps({'capabilities': caps if caps is not None else
                                   {'max_msg_fds': 8,
                                    'max_data_xfer_size': 1048576,
                                    'pgsizes': 4096}}).encode() + b'\0'
        rep, _ = self.call(VERSION, struct.pack('<HH', major, minor) + raw_json)
        rmaj, rmin = struct.unpack_from('<HH', rep)
        text = rep[4:]
        if not text.endswith(b'\0'):
            raise ValueError('version reply JSON not NUL-terminated')
        return rmaj, rmin, json.loads(text[:-1])

    def device_info(self):
        rep, _ = self.call(GET_INFO, struct.pack('<IIII', 16, 0, 0, 0))
        return dict(zip(('argsz', 'flags', 'num_regions', 'num_irqs'),
                        struct.unpack('<IIII', rep)))

    def region_info(self, index, argsz=32):
        rep, fds = self.call(GET_REGION_INFO,
                             struct.pack('<IIIIQQ', argsz, 0, index, 0, 0, 0))
        a, flags, idx, cap_off, size, off = struct.unpack_from('<IIIIQQ', rep)
        info = {'argsz': a, 'flags': flags, 'index': idx, 'cap_offset': cap_off,
                'size': size, 'offset': off, 'fd': fds[0] if fds else None,
                'nfds': len(fds), 'sparse': None, 'len': len(rep)}
        for fd in fds[1:]:
            os.close(fd)
        at = cap_off
        while at and at + 8 <= len(rep):
            cid, _ver, nxt = struct.unpack_from('<HHI', rep, at)
            if cid == CAP_SPARSE_MMAP:
                n, _ = struct.unpack_from('<II', rep, at + 8)
                info['sparse'] = [struct.unpack_from('<QQ', rep, at + 16 + 16 * i)
                                  for i in range(n)]
            at = nxt
        return info

    def irq_info(self, index):
        rep, _ = self.call(GET_IRQ_INFO, struct.pack('<IIII', 16, 0, index, 0))
        return dict(zip(('argsz', 'flags', 'index', 'count'),
                        struct.unpack('<IIII', rep)))

    def set_irqs(self, index, flags, start, count, fds=(), data=b''):
        self.call(SET_IRQS, struct.pack('<IIIII', 20 + len(data), flags, index,
                                        start, count) + data, fds)

    def read(self, region, offset, count):
        rep, _ = self.call(REGION_READ, struct.pack('<QII', offset, region, count))
        off, reg, cnt = struct.unpack_from('<QII', rep)
        if (off, reg, cnt) != (offset, region, count) or len(rep) != 16 + count:
            raise ValueError('region read reply %r for %r' % ((off, reg, cnt, len(rep)),
                                                              (offset, region, count)))
        return rep[16:]

    def write(self, region, offset, data):
        rep, _ = self.call(REGION_WRITE, struct.pack('<QII', offset, region, len(data))
                           + data)
        if struct.unpack_from('<QII', rep) != (offset, region, len(data)):
            raise ValueError('region write reply %r' % (rep,))

    def read32(self, region, offset):
        return struct.unpack('<I', self.read(region, offset, 4))[0]

    def write32(self, region, offset, value):
        self.write(region, offset, struct.pack('<I', value))

    def dma_map(self, iova, size, fd=None, offset=0, flags=DMA_R | DMA_W):
        self.call(DMA_MAP, struct.pack('<IIQQQ', 32, flags, offset, iova, size),
                  [fd] if fd is not None else [])

    def dma_unmap(self, iova, size, flags=0):
        rep, _ = self.call(DMA_UNMAP, struct.pack('<IIQQ', 24, flags, iova, size))
        return struct.unpack('<IIQQ', rep)

    def reset(self):
        self.call(RESET)


def expect_error(fn, want, *args, **kw):
    """Run FN; return None if it failed with errno WANT, else a message."""
    try:
        fn(*args, **kw)
    except VfuError as e:
        if e.errno == want:
            return None
        return 'error %d (%s), expected %d (%s)' % (e.errno, errno.errorcode.get(e.errno),
                                                    want, errno.errorcode.get(want))
    return 'succeeded, expected error %d (%s)' % (want, errno.errorcode.get(want))
