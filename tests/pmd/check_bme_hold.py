#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The model obeys Bus Master Enable end to end (doc/spec.md 1.1): testpmd
forwards a looping burst through both ports; Bus Master is then cleared in
both functions' command register from outside, as `setpci COMMAND` would
on a real NIC (config space of RUN/devN.shm), and the device must stop all
DMA (no frame sent or received, the model counts held polls) without
dropping anything; set again, the same frames flow on. On the layout where
vfio_bar maps the device itself this also shows the driver set Bus Master
(frames flow before the clear).
  check_bme_hold.py BUILD PROFILE KERNEL PAGE
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run, model, tp = t.testpmd_on_model(a, 'opnic-bmehold')
print('vfio_bar mapped the device itself: %d'
      % t.harness.pmd_log_facts(tp.text())['self_mapped'])


def set_bme(dev, on):
    """Read-modify-write of the command register in the device's config
    space, from outside the application (what setpci does)."""
    with open(os.path.join(run, 'dev%d.shm' % dev), 'r+b') as f:
        f.seek(t.SHM_CFG_OFF + 4)
        cmd = struct.unpack('<H', f.read(2))[0]
        cmd = cmd | t.PCI_COMMAND_MASTER if on else cmd & ~t.PCI_COMMAND_MASTER
        f.seek(t.SHM_CFG_OFF + 4)
        f.write(struct.pack('<H', cmd))


def counters():
    s = [model.status(d) for d in (0, 1)]
    return {k: s[0][k] + s[1][k] for k in
            ('tx_pkts', 'rx_pkts', 'rx_no_desc', 'bme_held_polls', 'bme_rx_refused',
             'dma_errors')}


def window(label, settle, span):
    """The counters SETTLE s from now and SPAN s after that."""
    time.sleep(settle)
    first = counters()
    time.sleep(span)
    last = counters()
    print('%s %s' % (label, last))
    return first, last


check = t.Checks()
tp.cmd('start tx_first 4')
c0, c1 = window('bus master on: ', 0.5, 0.3)
check(c1['tx_pkts'] > c0['tx_pkts'], 'no frames flow with Bus Master on')
for dev in (0, 1):
    set_bme(dev, False)
c2, c3 = window('bus master off:', 0.3, 0.5)
check(c3['tx_pkts'] == c2['tx_pkts'] and c3['rx_pkts'] == c2['rx_pkts'],
      'frames moved with Bus Master off: tx %d -> %d, rx %d -> %d'
      % (c2['tx_pkts'], c3['tx_pkts'], c2['rx_pkts'], c3['rx_pkts']))
check(c3['bme_held_polls'] > c2['bme_held_polls'], 'the model did not hold DMA')
check(c3['rx_no_desc'] == c2['rx_no_desc'] and c3['dma_errors'] == c1['dma_errors'],
      'frames dropped or DMA errors while Bus Master was off: %s -> %s' % (c2, c3))
# The two functions are cleared one after the other: frames the second still
# sends meet the first with Bus Master off. Those, and only those, are
# dropped (spec 1.1: a frame from the wire cannot wait).
check(c3['rx_no_desc'] - c1['rx_no_desc'] == c3['bme_rx_refused'] - c1['bme_rx_refused'],
      'a drop that is not a frame meeting Bus Master off: %s -> %s' % (c1, c3))
for dev in (0, 1):
    set_bme(dev, True)
c4, c5 = window('bus master on: ', 0.5, 0.3)
check(c5['tx_pkts'] > c4['tx_pkts'], 'the held frames did not flow again')
check(c5['rx_no_desc'] - c1['rx_no_desc'] == c5['bme_rx_refused'] - c1['bme_rx_refused'],
      'frames dropped after Bus Master came back: %s -> %s' % (c1, c5))
tp.cmd('stop')
st = [tp.stats(p) for p in (0, 1)]
print('testpmd ipackets %d %d opackets %d %d' % (
    st[0]['ipackets'], st[1]['ipackets'], st[0]['opackets'], st[1]['opackets']))
rc = tp.quit()
check(rc == 0, 'testpmd exit status %s' % rc)
check.exit()
