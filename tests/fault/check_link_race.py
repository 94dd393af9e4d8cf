#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A link change is never lost between the driver's CAUSE_CLR and the
device's next look at it (doc/spec.md 3.3): testpmd (LSC interrupts on)
drives both ports while the model toggles each link thousands of times
(opnic-ctl fault DEV link-toggle N, the device loop running between the
changes, and link-flap N, a tight storm), ending the link up in some rounds
and down in others. After each round testpmd's link state (telemetry
/ethdev/link_status: with LSC interrupts the PMD's last interrupt-time
reading) must become the model's (opnic-ctl status json) and stay it.
  check_link_race.py BUILD PROFILE KERNEL PAGE [ROUNDS [TOGGLES]]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE [ROUNDS [TOGGLES]]', 'build', 'profile',
           'kernel', 'page', optional=('rounds', 'toggles'))
rounds = int(a.rounds or 8)
toggles = int(a.toggles or 3000)
run, model, tp = t.testpmd_on_model(a, 'opnic-lrace')
tp.cmd('start')


def tp_link(port):
    return tp.link(port).get('status', '?').lower()


def settle(port, want, timeout=3.0):
    """testpmd's link of PORT once it equals WANT (or the last seen after
    TIMEOUT), then checked again a moment later: a late stale update would
    show there."""
    deadline = time.monotonic() + timeout
    seen = tp_link(port)
    while seen != want and time.monotonic() < deadline:
        time.sleep(0.02)
        seen = tp_link(port)
    if seen == want:
        time.sleep(0.2)
        seen = tp_link(port)
    return seen


check = t.Checks()
finals = {'up': 0, 'down': 0}
for r in range(rounds):
    # Odd toggles: the link ends the other way than it started; even (and
    # link-flap, down/up pairs): it ends where it was. Both final states
    # come up on both ports.
    n = toggles + (r % 2)
    for dev in (0, 1):
        t.ctl_or_fail(model, 'link-toggle refused', 'fault', dev, 'link-toggle', n)
        if r % 3 == 2:
            t.ctl_or_fail(model, 'link-flap refused', 'fault', dev, 'link-flap', n)
    for dev in (0, 1):
        want = model.status(dev)['link']
        seen = settle(dev, want)
        finals[want] += 1
        print('round %d dev %d: %d toggles, model %s, testpmd %s' % (r, dev, n, want, seen),
              flush=True)
        check(seen == want, 'round %d port %d: testpmd says link %s, the device says %s'
              % (r, dev, seen, want))
st = [model.status(d) for d in (0, 1)]
print('irqs_sent %d %d cause_clr_kept %d %d' % (
    st[0]['irqs_sent'], st[1]['irqs_sent'], st[0]['cause_clr_kept'], st[1]['cause_clr_kept']))
check(finals['up'] > 0 and finals['down'] > 0,
      'both final states must be tested: %s' % finals)
check(min(s['irqs_sent'] for s in st) > rounds, 'the link changes raised no interrupts')
rc = tp.quit()
check(rc == 0, 'testpmd exit status %s' % rc)
check.exit()
