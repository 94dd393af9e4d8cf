#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Surprise removal while testpmd forwards: the model makes device 0 read
# all ones (BARs and config space) and fails region read/write. The PMD's
# watchdog must notice within a second, stop touching the device, report
# the link down and raise INTR_RMV; testpmd then detaches the port on its
# own and keeps running. The device is then hot-added again ("restore") and
# attached with "port attach": it probes, starts and forwards again.
#   check_removal.py BUILD PROFILE KERNEL PAGE
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-rmv')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 40))
model = t.start_model(a.build, run, a.profile)
tp = t.start_testpmd(a.build, run, a.kernel, a.page, ['--forward-mode=io'])
tp.cmd('start tx_first 4')
time.sleep(1)                   # forwarding before the removal
t.ctl_or_fail(model, 'cannot inject the removal', 'fault', 0, 'remove')
print('removed %d' % model.status(0)['removed'])
# The watchdog's notice, the INTR_RMV event and testpmd's detach follow on
# their own (what is missing is reported below); testpmd's removal handler
# then restarts forwarding on the ports left, and prints its forwarding
# configuration: 'stop' only after that, or it races the restart. (The
# shell version's window was 2 s, with its checks 2 s later still; 15 s
# here: on a loaded machine a restart after 'stop' raced the re-attach and
# testpmd 25.11 crashed in the forwarding it had restarted.)
try:
    detached = tp.wait_for(b'is detached', timeout=15)
    tp.wait_for(b'packets/burst=', timeout=15, start=detached)
except t.HarnessError:
    pass
tp.cmd('stop')
t.ctl_or_fail(model, 'cannot restore the device', 'fault', 0, 'restore')
tp.cmd('port attach 0000:0b:00.0')
tp.cmd('port start all')
tp.cmd('start tx_first 4')
time.sleep(1)                   # forwarding after the re-attach
ports = tp.telemetry('/ethdev/list')
last = [(p, tp.stats(p)['ipackets']) for p in ports]
rc = tp.quit()

# The PMD's and testpmd's messages exist only as log text.
log = tp.text().replace('\r\n', '\n')
seen = collections.Counter(s for s in log.splitlines() if re.search(
    'device removed|removal event|is detached|is attached|Link status', s))
for s, n in sorted(seen.items()):
    print('%7d %s' % (n, s))
if 'device removed; queues stopped, link down' not in log:
    t.fail('the PMD did not report the removal')
if not re.search('device removal event', log, re.I):
    t.fail('testpmd got no INTR_RMV event')
if 'is detached' not in log:
    t.fail('testpmd did not detach the removed port')
if 'is attached' not in log:
    t.fail('the restored device did not attach')
if re.search('segmentation|panic|AddressSanitizer', log, re.I):
    t.fail('testpmd crashed')
# After the re-attach every port forwards again.
print('RX-packets after re-attach: %s' % ' '.join('%d %d' % pn for pn in last))
for p, n in last:
    if n <= 0:
        t.fail('port %d received nothing after the re-attach' % p)
if rc != 0:
    t.fail('testpmd exit status %s' % rc)
print('PASS')
