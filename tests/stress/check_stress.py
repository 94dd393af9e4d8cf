#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Robustness under a hostile device, with the PMD built under ASan/UBSan
# when BUILD is build/asan (opnic-stress links net_opnic statically).
#   check_stress.py BUILD bursts N PROFILE KERNEL PAGE
#       N receive bursts while the model injects random completion and DMA
#       faults (--random-faults), one port's RX left alone now and then so
#       its ring runs dry (completions for unposted descriptors); every mbuf
#       back in the mempool after close, and the faults the model injected
#       show up in the PMD's xstats.
#   check_stress.py BUILD cycles N PROFILE KERNEL PAGE
#       N probe/configure/start/forward/stop/close/remove cycles; no mbuf,
#       heap byte, memzone or file descriptor lost (opnic-stress checks).
import os
import random
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD bursts|cycles N PROFILE KERNEL PAGE',
           'build', 'mode', 'count', 'profile', 'kernel', 'page')
ppm = 5000
run = t.scratch('opnic-stress')
log = os.path.join(run, 'stress.log')
margs = ['--random-faults', '%d,%d' % (ppm, random.randrange(32768))] \
    if a.mode == 'bursts' else []
model = t.start_model(a.build, run, a.profile, *margs)

# The VFIO emulation is preloaded ahead of the ASan runtime: tell ASan that
# this order is intended (it still intercepts everything it needs).
env = t.app_env(a.build, run, a.kernel, a.page)
env['ASAN_OPTIONS'] = (env['ASAN_OPTIONS'] + ':' if env.get('ASAN_OPTIONS') else '') + \
    'verify_asan_link_order=0'
rc, out = t.run_cmd([os.path.join(a.build, 'app/opnic-stress'), '--in-memory', '-l', '0,1',
                     '--log-level=pmd.net.opnic:warning', '--', '--' + a.mode, a.count],
                    timeout=900, env=env, out=log)
t.tail('\n'.join(s for s in out.splitlines() if not re.match('EAL:|.*TELEMETRY', s)),
       20, is_path=False)
# Sanitizer reports and opnic-stress's own verdict exist only as its text.
if re.search('ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer', out):
    t.fail('sanitizer report (see above)')
if rc != 0:
    t.fail('opnic-stress exit status %d' % rc)
if not re.search('^checks=passed', out, re.M):
    t.fail('opnic-stress checks did not pass')

if a.mode == 'bursts':
    inj = dma = unposted = 0
    for d in (0, 1):
        try:
            st = model.status(d)
        except t.HarnessError:
            t.fail('no model status')
        print(' '.join('%s %s' % (k, v) for k, v in st.items() if k.startswith('injected_')))
        inj += sum(st['injected_' + k] for k in ('cpl_len', 'cpl_idx', 'cpl_phase', 'cpl_dup'))
        dma += st['injected_dma']
        unposted += st['injected_cpl_unposted']
    # What the PMD counted: opnic-stress's summary line (its xstats, read
    # before it closed the ports; the application has exited since).
    m = re.search(r' bad_cpl ([0-9]+) cpl_errors ([0-9]+)', out)
    bad, err = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    print('model injected: %d completion faults, %d DMA faults, %d completions for unposted '
          'descriptors; PMD counted bad_cpl %d, cpl_errors %d' % (inj, dma, unposted, bad, err))
    # Completions for unposted descriptors are never read (or, once the slot
    # is posted, look like that descriptor's own): not counted as faults, but
    # they must have happened while the PMD ran under ASan.
    if unposted <= 0:
        t.fail('no completion for an unposted descriptor was injected')
    if inj <= 100:
        t.fail('only %d completion faults injected' % inj)
    if dma <= 10:
        t.fail('only %d DMA faults injected' % dma)
    # Two faults can hit one completion and a stale-phase record at the very
    # end is never followed, so the PMD may count a little less, never more.
    total, counted = inj + dma, bad + err
    if counted > total:
        t.fail('PMD counted %d faulty completions, model injected %d' % (counted, total))
    if counted * 100 < total * 95:
        t.fail('PMD counted %d of %d injected faults' % (counted, total))
    if err > dma:
        t.fail('%d error completions for %d DMA faults' % (err, dma))
print('PASS')
