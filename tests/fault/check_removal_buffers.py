#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Buffers the device may still write are never freed into the mempool. A
# surprise-removed device (it reads all ones, config space too) cannot
# confirm a queue stop, and its DMA cannot be confirmed cut (the PCI
# command register does not answer): when testpmd stops and closes the
# removed port, the PMD must keep its RX buffers (and rings) instead of
# handing them back to the mempool, and say so. The other port works on.
#   check_removal_buffers.py BUILD PROFILE KERNEL PAGE
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-rmvbuf')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 40))
RXD = 512
model = t.start_model(a.build, run, a.profile)
tp = t.start_testpmd(a.build, run, a.kernel, a.page,
                     ['--forward-mode=io', '--rxd=%d' % RXD, '--txd=%d' % RXD])
tp.cmd('start tx_first 4')
time.sleep(0.5)
tp.cmd('stop')
before = t.mempool_avail(tp.cmd(t.testpmd_dump(a.build, 'mempool')), 'mb_pool_0')
print('mempool available before the removal: %d' % before)
t.ctl_or_fail(model, 'cannot inject the removal', 'fault', 0, 'remove')
try:
    tp.wait_for(b'is detached', timeout=10)
except t.HarnessError:
    t.fail('testpmd did not detach the removed port')
time.sleep(0.5)
after = t.mempool_avail(tp.cmd(t.testpmd_dump(a.build, 'mempool')), 'mb_pool_0')
print('mempool available after the removed port was closed: %d' % after)
tp.cmd('start')
time.sleep(0.5)
tp.cmd('stop')
log = tp.text().replace('\r\n', '\n')
rc = tp.quit()
check = t.Checks()
check(re.search(r'port 0 RX queue 0: stop not confirmed and DMA not cut: '
                r'[0-9]+ buffers and the ring memory are kept', log),
      'the PMD did not say it keeps the removed port\'s RX buffers')
# Without the rule the closed port's RX ring (RXD buffers) comes back.
check(after - before < RXD // 2,
      '%d mbufs of the removed port went back to the mempool' % (after - before))
check(not re.search('segmentation|panic|AddressSanitizer', log, re.I), 'testpmd crashed')
check(rc == 0, 'testpmd exit status %s' % rc)
check.exit()
