#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Probe an emulated opnic through unmodified DPDK (EAL, bus_pci, VFIO type 1;
# 22.11, 24.11 or 25.11, the one the build found) with opnic-vfio-info and
# assert, for one profile x kernel behaviour x page size, what vfio-pci would
# report, which of the PCI bus's paths mapped the MSI-X BAR and what it
# mapped. The expected values are worked out by hand from Linux vfio-pci
# (4.7..4.15 for 'hole', >= 4.16 for 'mappable') and DPDK's
# drivers/bus/pci/linux/pci_vfio.c of each line; see
# doc/guides/dpdk-versions.md (the table), doc/guides/opnic-run.md and
# doc/vfio-emulation-vs-kernel.md.
#   check_layout.py BUILD PROFILE KERNEL PAGE
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
key = '%s/%s/%s' % (a.profile, a.kernel, a.page)
PROFILES = ('tight4k', 'qdma64k', 'fpga8k', 'separate')
cap, map2, bar0, mmapok, probe = {}, {}, {}, {}, {}
# Capability on the MSI-X BAR.
for p in PROFILES:
    for pg in ('4k', '64k'):
        cap[p + '/mappable/' + pg] = 'cap MSIX_MAPPABLE v1'
        mmapok[p + '/mappable/' + pg] = 'mmap of the table page: ok'
        mmapok[p + '/hole/' + pg] = 'mmap of the table page: Invalid argument'
        probe[p + '/mappable/' + pg] = 'ok'
        bar0[p + '/mappable/' + pg] = 'BAR0 after DPDK probe: 0x00000-0x0ffff:rw-'
cap['tight4k/hole/4k'] = 'cap SPARSE_MMAP v1 areas 2: 0x0+0x3000 0x4000+0xc000'
cap['qdma64k/hole/4k'] = 'cap SPARSE_MMAP v1 areas 2: 0x0+0x4000 0x5000+0xb000'
cap['fpga8k/hole/4k'] = 'cap SPARSE_MMAP v1 areas 2: 0x0+0x2000 0x3000+0xd000'
cap['separate/hole/4k'] = 'cap SPARSE_MMAP v1 areas 1: 0x1000+0xf000'
# 64 KiB pages: the table's page is the whole BAR. Linux 4.6..4.15's
# msix_sparse_mmap_cap() then counts one area and fills none: one area of
# offset 0, size 0 (doc/vfio-emulation-vs-kernel.md).
for p in PROFILES:
    cap[p + '/hole/64k'] = 'cap SPARSE_MMAP v1 areas 1: 0x0+0x0'
bar0['tight4k/hole/4k'] = ('BAR0 after DPDK probe: 0x00000-0x02fff:rw- 0x03000-0x03fff:--- '
                           '0x04000-0x0ffff:rw-')
bar0['qdma64k/hole/4k'] = ('BAR0 after DPDK probe: 0x00000-0x03fff:rw- 0x04000-0x04fff:--- '
                           '0x05000-0x0ffff:rw-')
bar0['fpga8k/hole/4k'] = ('BAR0 after DPDK probe: 0x00000-0x01fff:rw- 0x02000-0x02fff:--- '
                          '0x03000-0x0ffff:rw-')
bar0['separate/hole/4k'] = 'BAR0 after DPDK probe: 0x00000-0x0ffff:rw-'
bar0['separate/hole/64k'] = 'BAR0 after DPDK probe: 0x00000-0x0ffff:rw-'
map2['separate/mappable/4k'] = 'BAR2 after DPDK probe: 0x00000-0x0ffff:rw-'
map2['separate/mappable/64k'] = 'BAR2 after DPDK probe: 0x00000-0x0ffff:rw-'
map2['separate/hole/4k'] = 'BAR2 after DPDK probe: 0x00000-0x00fff:--- 0x01000-0x0ffff:rw-'
map2['separate/hole/64k'] = 'BAR2 after DPDK probe: not mapped'
for p in PROFILES:
    probe[p + '/hole/4k'] = 'ok'
probe['separate/hole/64k'] = 'ok'
# DPDK 22.11 cannot map BAR0 around a table that is not 64 KiB aligned on
# 64 KiB pages: its first mmap (0x0..table) covers the table page -> EINVAL.
# DPDK >= 23.07 takes the SPARSE_MMAP path for the one (empty) area: the
# probe succeeds with the whole BAR reserved and nothing accessible
# (vfio_bar then uses region read/write for every block).
ver = t.dpdk_version(a.build)
for p in ('tight4k', 'qdma64k', 'fpga8k'):
    if ver >= (23, 7):
        bar0[p + '/hole/64k'] = 'BAR0 after DPDK probe: 0x00000-0x0ffff:---'
        probe[p + '/hole/64k'] = 'ok'
    else:
        probe[p + '/hole/64k'] = 'fail'
if ver >= (23, 7):
    map2['separate/hole/64k'] = 'BAR2 after DPDK probe: 0x00000-0x0ffff:---'

# Which path of the PCI bus maps the MSI-X BAR. DPDK >= 23.07 (f60abf9757)
# maps the kernel's SPARSE_MMAP areas when it reports at least one (also the
# one empty area of 64 KiB pages)
# (pci_vfio_sparse_mmap_bar, silent); else, and always before 23.07, it maps
# around the table (pci_vfio_mmap_bar, which logs 'Trying to map BAR%d that
# contains the MSI-X table'). With MSIX_MAPPABLE the BAR is mapped whole.
sparse_path = ver >= (23, 7) and a.kernel == 'hole'
around = 'Trying to map BAR%d that contains the MSI-X table' % (
    2 if a.profile == 'separate' else 0)

# What EAL and the probe program print is what this test checks.
out = subprocess.run([os.path.join(a.build, 'app/opnic-run'), '--profile', a.profile,
                      '--kernel', a.kernel, '--page-size', a.page, '--',
                      os.path.join(a.build, 'app/opnic-vfio-info'), '--in-memory', '-l', '0',
                      '-a', '0000:0b:00.0', '--log-level=eal,debug',
                      '--log-level=bus.pci,debug'],
                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True, errors='replace').stdout
fails = 0


def expect(line):
    global fails
    if line is None or line not in out:
        print('FAIL %s: expected line: %s' % (key, line if line is not None else ''))
        fails += 1
    else:
        print('ok   %s: %s' % (key, line))


def expect_not(line):
    global fails
    if line in out:
        print('FAIL %s: unexpected line: %s' % (key, line))
        fails += 1
    else:
        print('ok   %s: no line: %s' % (key, line))


print('DPDK %s (from the build): the bus maps the MSI-X BAR %s' % (
    '.'.join(map(str, ver)), 'whole (MSIX_MAPPABLE)' if a.kernel == 'mappable' else
    'by its SPARSE_MMAP areas' if sparse_path else 'around the table'))
if a.kernel == 'mappable' or sparse_path:
    expect_not(around)
elif not (a.profile == 'separate' and a.page == '64k'):
    expect(around)  # (separate/64k: the table page is the BAR; skipped)
if probe.get(key) == 'fail':
    expect('Failed to map pci BAR0')
    expect('dpdk-probe: the PCI bus did not probe the device')
else:
    expect('Probe PCI driver: opnic_vfio_info')
    expect(cap.get(key))
    expect(mmapok.get(key))
    # vfio-pci: region read of table bytes returns all ones, writes dropped.
    expect('(table): 0xffffffff')
    expect('(table end): 0xffffffff')
    expect('(after table): 0x00000000')
    expect('region write 0 to table vector-control, read back: 0xffffffff')
    expect('(pba): 0x00000000')
    expect(bar0.get(key))
    if a.profile == 'separate':
        expect(map2.get(key))
    expect('page-size %s' % ('65536' if a.page == '64k' else '4096'))
    expect("Selected IOVA mode 'VA'")
    expect('IOMMU type 1 (Type 1) is supported')
if fails:
    print('---- output ----')
    t.tail('\n'.join(s for s in out.splitlines()
                     if not re.search('log level|open shared lib', s)), 60, is_path=False)
    sys.exit(1)
