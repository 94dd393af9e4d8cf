#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The VFIO emulation answers exactly as Linux vfio-pci did, kernel by kernel.

Runs tests/emu/vfio_kernel_answers.c (plain VFIO calls, no DPDK) on the
emulated device of PROFILE with the kernel behaviour KERNEL and page size PAGE,
and compares every line it prints -- each region's GET_REGION_INFO (flags,
size, the argsz protocol, the capability chain field by field) and the result
of every mmap it tries -- with the answers below. They were worked out by hand
from the kernel sources (doc/vfio-emulation-vs-kernel.md cites the lines):

  mappable    Linux >= 4.16: msix_mmappable_cap(); vfio_pci_mmap() maps any
              whole-page range of the BAR rounded up to a page.
  hole        Linux 4.6..4.15: msix_sparse_mmap_cap(); vfio_pci_mmap() refuses
              (EINVAL) a range overlapping the bytes of the MSI-X table.
  hole-nocap  Linux 3.6..4.5: no capability chain; the same refusal; a BAR
              smaller than a page is neither MMAP nor mmap-able.

  check_kernel_answers.py BUILD PROFILE KERNEL PAGE [--bar0-size SIZE]
"""
import argparse
import os
import subprocess
import sys

PAGE = {'4k': 0x1000, '64k': 0x10000}
INFO = 32               # sizeof(struct vfio_region_info)
BDF = '0000:0b:00.0'

# The devices of config/*.profile as vfio-pci sees them: memory BARs and
# their sizes, and the BAR holding the MSI-X table.
DEVICES = {
    'tight4k': ({0: 0x10000}, 0),
    'qdma64k': ({0: 0x10000}, 0),
    'fpga8k': ({0: 0x10000}, 0),
    'separate': ({0: 0x10000, 2: 0x10000}, 2),
}

# msix_sparse_mmap_cap() of Linux 4.6..4.15 on each layout: (nr_areas,
# areas). With 4 KiB pages the table's page is cut out. With 64 KiB pages
# the table's page is the whole BAR: the count test ("table page starts the
# BAR") says 1, neither filling test holds, so the one area stays zeroed.
SPARSE = {
    ('tight4k', '4k'): (2, [(0x0, 0x3000), (0x4000, 0xc000)]),
    ('qdma64k', '4k'): (2, [(0x0, 0x4000), (0x5000, 0xb000)]),
    ('fpga8k', '4k'): (2, [(0x0, 0x2000), (0x3000, 0xd000)]),
    ('separate', '4k'): (1, [(0x1000, 0xf000)]),
    ('tight4k', '64k'): (1, [(0x0, 0x0)]),
    ('qdma64k', '64k'): (1, [(0x0, 0x0)]),
    ('fpga8k', '64k'): (1, [(0x0, 0x0)]),
    ('separate', '64k'): (1, [(0x0, 0x0)]),
}

# vfio_pci_mmap() before 4.16: the pages of the MSI-X BAR whose one-page
# mmap overlaps the table's bytes (tight4k 0x3000+0x40, qdma64k 0x4000+0x80,
# fpga8k 0x2000+0x40, separate BAR2 0x0+0x40).
TABLE_PAGES = {
    ('tight4k', '4k'): {0x3000}, ('qdma64k', '4k'): {0x4000},
    ('fpga8k', '4k'): {0x2000}, ('separate', '4k'): {0x0},
    ('tight4k', '64k'): {0x0}, ('qdma64k', '64k'): {0x0},
    ('fpga8k', '64k'): {0x0}, ('separate', '64k'): {0x0},
}


def flags(names):
    return '|'.join(names) if names else '0'


def mmap_line(what, off, length, ok):
    return '  mmap %s 0x%05x+0x%x: %s' % (what, off, length, 'ok' if ok else 'EINVAL')


def bar_lines(a, idx, size, msix_bar, page):
    """What the kernel answers for memory BAR idx of size bytes."""
    # bar_mmap_supported: >= 4.8 a sub-page BAR that starts on a page maps
    # (ours start on 64 KiB); before, only size >= PAGE_SIZE.
    mmap_ok = a.kernel != 'hole-nocap' or size >= page
    caps = []
    if idx == msix_bar and mmap_ok:
        if a.kernel == 'mappable':
            caps = [(8, '  cap MSIX_MAPPABLE v1 next 0x0')]
        elif a.kernel == 'hole':
            nr, areas = SPARSE[(a.profile, a.page)]
            caps = [(16 + 16 * nr,
                     '  cap SPARSE_MMAP v1 next 0x0 nr_areas %d reserved 0 areas:%s'
                     % (nr, ''.join(' 0x%x+0x%x' % ar for ar in areas)))]
    names = ['READ', 'WRITE'] + (['MMAP'] if mmap_ok else []) + (['CAPS'] if caps else [])
    capsz = sum(c[0] for c in caps)
    out = ['region %d: size 0x%x flags %s argsz %d cap_offset 0'
           % (idx, size, flags(names), INFO + capsz)]
    if caps:
        out.append('  argsz %d: flags %s argsz %d cap_offset %d'
                   % (INFO + capsz, flags(names), INFO + capsz, INFO))
        out += [c[1] for c in caps]
    refused = TABLE_PAGES[(a.profile, a.page)] if (
        idx == msix_bar and a.kernel != 'mappable') else set()
    whole = (size + page - 1) // page * page
    for off in range(0, whole, page):
        out.append(mmap_line('page', off, page, mmap_ok and off not in refused))
    out.append(mmap_line('whole', 0, whole, mmap_ok and not refused))
    out.append(mmap_line('past-end', whole, page, False))
    out.append(mmap_line('private', 0, page, False))
    out.append(mmap_line('zero-length', 0, 0, False))
    out.append(mmap_line('unaligned', page // 2, page, False))
    return out


def expected(a):
    page = PAGE[a.page]
    bars, msix_bar = DEVICES[a.profile]
    bars = dict(bars)
    if a.bar0_size:
        bars[0] = int(a.bar0_size, 0)
    out = ['page 0x%x' % page]
    for idx in range(6):
        if idx in bars:
            out += bar_lines(a, idx, bars[idx], msix_bar, page)
        else:   # no BAR (or a 64-bit BAR's upper half): size 0, never maps
            out += ['region %d: size 0x0 flags 0 argsz 32 cap_offset 0' % idx,
                    mmap_line('page', 0, page, False)]
    # ROM (none), config space (PCIe: 4 KiB, read/write, never mmap), VGA
    # (not a VGA device), past the last region.
    out += ['region 6: size 0x0 flags 0 argsz 32 cap_offset 0', mmap_line('page', 0, page, False),
            'region 7: size 0x1000 flags READ|WRITE argsz 32 cap_offset 0',
            mmap_line('page', 0, page, False),
            'region 8: EINVAL', 'region 9: EINVAL']
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('build')
    ap.add_argument('profile', choices=sorted(DEVICES))
    ap.add_argument('kernel', choices=['mappable', 'hole', 'hole-nocap'])
    ap.add_argument('page', choices=sorted(PAGE))
    ap.add_argument('--bar0-size', default='')
    a = ap.parse_args()
    env = dict(os.environ)
    if a.bar0_size:
        env['OPNIC_EMU_BAR0_SIZE'] = a.bar0_size
    r = subprocess.run([os.path.join(a.build, 'app/opnic-run'), '--profile', a.profile,
                        '--kernel', a.kernel, '--page-size', a.page, '--',
                        os.path.join(a.build, 'tests/vfio-kernel-answers'), BDF],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors='replace', env=env,
                       timeout=50)
    got = [s for s in r.stdout.splitlines() if not s.startswith('opnic-run: ')]
    want = expected(a)
    key = '%s/%s/%s%s' % (a.profile, a.kernel, a.page,
                          ' bar0=' + a.bar0_size if a.bar0_size else '')
    fails = 0
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else '<missing>'
        w = want[i] if i < len(want) else '<nothing more expected>'
        if g != w:
            print('FAIL %s line %d:\n  expected: %s\n  got:      %s' % (key, i + 1, w, g))
            fails += 1
    if r.returncode != 0:
        print('FAIL %s: vfio-kernel-answers exited %d' % (key, r.returncode))
        fails += 1
    if fails:
        print('---- output ----\n' + r.stdout)
        return 1
    print('ok   %s: %d lines as the kernel answers' % (key, len(want)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
