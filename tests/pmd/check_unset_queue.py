#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# dev_start with a queue that was configured but never set up returns an
# error and does not crash (the PMD dereferenced the NULL queue); once the
# queue is set up the port starts. opnic-stress --unset-queue does it for
# each RX and TX queue of a two-queue port; every mbuf back afterwards.
#   check_unset_queue.py BUILD PROFILE KERNEL PAGE
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-unsetq')
model = t.start_model(a.build, run, a.profile)
env = t.app_env(a.build, run, a.kernel, a.page)
env['ASAN_OPTIONS'] = (env['ASAN_OPTIONS'] + ':' if env.get('ASAN_OPTIONS') else '') + \
    'verify_asan_link_order=0'
rc, out = t.run_cmd([os.path.join(a.build, 'app/opnic-stress'), '--in-memory', '-l', '0,1',
                     '--', '--unset-queue'], timeout=120, env=env)
t.tail('\n'.join(s for s in out.splitlines() if not re.match('EAL:|.*TELEMETRY', s)),
       30, is_path=False)
if rc >= 128:
    t.fail('opnic-stress died with signal %d' % (rc - 128))
if rc != 0 or not re.search('^checks=passed', out, re.M):
    t.fail('opnic-stress --unset-queue: exit status %d' % rc)
for what in ('0: RX queue 0', '1: TX queue 0', '0: RX queue 1', '0: TX queue 1'):
    if not re.search('port %s was never set up' % what, out):
        t.fail("no message naming %s as never set up" % what)
print('PASS')
