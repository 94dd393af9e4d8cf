#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The PCI command register of every probed function has Memory Space and
# Bus Master Enable set while testpmd drives it (on real hardware a port
# without Bus Master never passes a packet), on DPDK's bus mapping path and
# on the one where vfio_bar sets the device up itself (64 KiB pages, no
# MSIX_MAPPABLE); Bus Master is off again after testpmd quits (close).
# The register is read from the emulated device's config space in the run
# directory (devN.shm, config at 0x1000), as lspci would show it.
#   check_bus_master.py BUILD PROFILE KERNEL PAGE [self|bus]
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE [self|bus]', 'build', 'profile', 'kernel',
           'page', optional=('path',))
run = t.scratch('opnic-bme')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 30))
model = t.start_model(a.build, run, a.profile)
kernel = a.kernel
if a.path == 'self' and kernel == 'hole' and t.dpdk_version(a.build) >= (23, 7):
    # DPDK >= 23.07 maps 4.6..4.15's one empty SPARSE_MMAP area and
    # succeeds; the self path needs a kernel without the capability.
    kernel = 'hole-nocap'
    print('DPDK >= 23.07: vfio_bar maps the device itself only without '
          'SPARSE_MMAP: kernel hole-nocap')
tp = t.start_testpmd(a.build, run, kernel, a.page, ['--forward-mode=io'])
facts = t.harness.pmd_log_facts(tp.text())
print('vfio_bar mapped the device itself: %d' % facts['self_mapped'])
if a.path == 'self' and not facts['self_mapped']:
    t.fail('expected the path where vfio_bar maps the device itself')
if a.path == 'bus' and facts['self_mapped']:
    t.fail("expected DPDK's bus to map the device")
check = t.Checks()
for dev in (0, 1):
    cmd = t.pci_command(run, dev)
    print('dev%d PCI command 0x%04x while probed' % (dev, cmd))
    check(cmd & t.PCI_COMMAND_MEMORY, 'dev%d: Memory Space Enable is off' % dev)
    check(cmd & t.PCI_COMMAND_MASTER, 'dev%d: Bus Master Enable is off' % dev)
tp.cmd('start tx_first 4')
tp.cmd('stop')
st = tp.stats(1)
print('port 1 ipackets %d' % st['ipackets'])
check(st['ipackets'] > 0, 'no frame forwarded')
rc = tp.quit()
check(rc == 0, 'testpmd exit status %s' % rc)
for dev in (0, 1):
    cmd = t.pci_command(run, dev)
    print('dev%d PCI command 0x%04x after close' % (dev, cmd))
    check(not cmd & t.PCI_COMMAND_MASTER, 'dev%d: Bus Master still on after close' % dev)
check.exit()
