#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A reset takes time (doc/spec.md 3.1): ID.RESET reads 1 and STATUS not
ready until the reset is complete, an FLR (VFIO_DEVICE_RESET) returns only
then. With the model's reset made slow (opnic-model --reset-us US) the
driver must still probe every port with the device's own MAC address (it
polls RESET until 0, then STATUS, then reads the MAC) and forward. With
LONG (longer than a driver should wait) a port is either refused with the
driver's "reset did not complete" or probed with the right MAC: never with
a MAC read from a device still in reset.
  check_reset_time.py BUILD PROFILE KERNEL PAGE [US [LONG]]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE [US [LONG]]', 'build', 'profile', 'kernel',
           'page', optional=('us', 'long'))
check = t.Checks()
# opnic-model's default MACs: 02:00:6f:70:00:0N (app/device/opnic-model.c).
MACS = ['02:00:6F:70:00:%02X' % d for d in (0, 1)]


def one(us, must_probe):
    start = time.monotonic()
    _, model, tp = t.testpmd_on_model(a, 'opnic-rst', '--reset-us', str(us))
    took = time.monotonic() - start
    text = tp.text()
    refused = text.count('reset did not complete')
    ports = 0
    for p in (0, 1):
        try:
            info = tp.telemetry('/ethdev/info,%d' % p)
        except Exception:  # no such port: telemetry answers null
            info = None
        if not info:
            continue
        ports += 1
        mac = str(info.get('mac_addr', '')).upper()
        print('reset %d us: port %d mac %s' % (us, p, mac))
        check(mac in MACS, 'reset %d us: port %d has MAC %s, the device %s'
              % (us, p, mac, ' or '.join(MACS)))
    resets = [model.status(d)['resets'] for d in (0, 1)]
    print('reset %d us: testpmd up in %.2f s, %d ports, %d refused, device resets %s'
          % (us, took, ports, refused, resets))
    check(ports + refused >= 2, 'reset %d us: %d ports probed, %d refused'
          % (us, ports, refused))
    if must_probe:
        check(ports == 2 and refused == 0, 'reset %d us: a port was not probed' % us)
        # Per port the bus's FLR and the driver's ID.RESET, one after the
        # other, each at least US long: a device that resets at once (or a
        # driver that does not wait) is faster than that.
        check(took >= 4 * us / 1e6, 'reset %d us: the two ports were up in %.2f s, '
              'less than 4 resets take' % (us, took))
        tp.cmd('start tx_first 4')
        time.sleep(0.5)
        tp.cmd('stop')
        st = tp.stats(1)
        check(st['ipackets'] > 0, 'reset %d us: no frame forwarded' % us)
    rc = tp.quit()
    check(rc == 0, 'reset %d us: testpmd exit status %s' % (us, rc))
    model.stop()


one(int(a.us or 500000), True)
if a.long:
    one(int(a.long), False)
check.exit()
