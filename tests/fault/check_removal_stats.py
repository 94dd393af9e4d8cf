#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Stats of a removed device never underflow. imissed is the device's
# RX_NO_DESC since the last stats reset; a removed device reads 0, which
# must not come out as 2^64 - (the count at the reset). testpmd sends
# txonly (RX not polled, so RX_NO_DESC grows), clears the stats, the device
# is removed; with --no-rmv-interrupt the port stays for the query.
#   check_removal_stats.py BUILD PROFILE KERNEL PAGE
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-rmvst')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 30))
model = t.start_model(a.build, run, a.profile)
tp = t.start_testpmd(a.build, run, a.kernel, a.page,
                     ['--forward-mode=txonly', '--no-rmv-interrupt'])
tp.cmd('start')
time.sleep(0.5)
tp.cmd('stop')
nodesc = model.status(0)['rx_no_desc']
print('device 0 rx_no_desc %d' % nodesc)
if nodesc == 0:
    t.fail('no RX_NO_DESC drops to start from')
tp.cmd('clear port stats all')
t.ctl_or_fail(model, 'cannot inject the removal', 'fault', 0, 'remove')
try:
    tp.wait_for(b'device removed; queues stopped', timeout=5)
except t.HarnessError:
    t.fail('the PMD did not notice the removal')
st = tp.stats(0)
xs = tp.xstats(0)
print('port 0 after removal: imissed %d ierrors %d; xstats %s' % (
    st['imissed'], st['ierrors'],
    ' '.join('%s=%d' % kv for kv in sorted(xs.items()) if kv[0].startswith(('rx_dev', 'dev_')))))
check = t.Checks()
check(st['imissed'] < 1 << 40, 'imissed underflowed: %d' % st['imissed'])
for k, v in xs.items():
    check(v < 1 << 48, 'xstat %s underflowed: %d' % (k, v))
rc = tp.quit()
check(rc == 0, 'testpmd exit status %s' % rc)
check.exit()
