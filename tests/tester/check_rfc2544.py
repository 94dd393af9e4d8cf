#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The RFC 2544-style search, short steps: it must bracket a zero-loss rate
# (a lossy trial above it, a loss-free trial at it) for an application that
# only forwards.
#   check_rfc2544.py BUILD testpmd|l2fwd
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD testpmd|l2fwd', 'build', 'app')
out = os.path.join(t.scratch('opnic-2544-result'), 'result.json')
try:
    plugin = t.harness.plugin_path(a.build)
except (t.HarnessError, OSError) as e:
    print('opnic-plugin-path: %s' % e, file=sys.stderr)
    sys.exit(1)
if a.app == 'testpmd':
    cmd = ['dpdk-testpmd', '-d', plugin, '--in-memory', '-l', '0,1', '--',
           '--forward-mode=io', '--rxd=2048', '--txd=2048']
elif a.app == 'l2fwd':
    l2fwd = os.path.join(a.build, 'app/dpdk-l2fwd')
    if not os.access(l2fwd, os.X_OK):
        t.skip('dpdk-doc (examples/l2fwd) not installed')
    # One lcore (1) polls both ports; the model has CPU 0 to itself.
    cmd = [l2fwd, '-d', plugin, '--in-memory', '-l', '1', '--', '-p', '0x3', '-q', '2', '-T', '0']
else:
    print('unknown application %s' % a.app)
    sys.exit(2)

rc = t.run_shown([os.path.join(a.build, 'app/opnic-rfc2544'), '--step-seconds', '0.5',
                  '--max-steps', '6', '--json', out, '--'] + cmd, timeout=300)
if rc != 0:
    t.fail('opnic-rfc2544 exit status %d' % rc)

with open(out) as f:
    r = json.load(f)
z, bad = r['zero_loss_pps_per_port'], []
at = [x for x in r['trials'] if x['pps_per_port'] == z]
above = [x for x in r['trials'] if x['pps_per_port'] > z]
if z <= 0:
    bad.append('no zero-loss rate found')
if not at or at[0]['lost'] != 0 or not at[0]['pass']:
    bad.append('no loss-free trial at the reported rate')
if not any(not x['pass'] for x in above):
    bad.append('no lossy trial above the reported rate')
if any(x['corrupted'] for x in r['trials']):
    bad.append('corrupted frames')
print('zero-loss %d pps per port (%.3f Mpps total), %d trials'
      % (z, r['zero_loss_mpps_total'], len(r['trials'])))
for b in bad:
    print('CHECK FAILED: ' + b)
sys.exit(1 if bad else 0)
