#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# A device whose MAC address is all zeros or multicast: the PMD must not
# use it. It warns, naming the address, and the port gets a random locally
# administered unicast address instead (the model's --mac sets the
# factory address of each device).
#   check_device_mac.py BUILD PROFILE KERNEL PAGE
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-mac')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 30))
model = t.start_model(a.build, run, a.profile, '--mac', '0=00:00:00:00:00:00',
                      '--mac', '1=01:00:5e:00:00:01')
tp = t.start_testpmd(a.build, run, a.kernel, a.page, ['--forward-mode=io'])
log = tp.text().replace('\r\n', '\n')
rc = tp.quit()
check = t.Checks()
for port, bad, why in ((0, '00:00:00:00:00:00', 'all zeros'),
                       (1, '01:00:5E:00:00:01', 'multicast')):
    m = re.search(r'^Port %d: ([0-9A-F:]{17})' % port, log, re.M)
    mac = m.group(1) if m else ''
    print('port %d MAC %s (device: %s)' % (port, mac, bad))
    check(re.search("the device's MAC address %s is %s; using the random locally "
                    "administered address %s" % (bad, why, mac), log, re.I),
          'port %d: no warning naming %s' % (port, bad))
    first = int(mac[:2], 16) if mac else 1
    check(mac and not first & 1 and first & 2,
          'port %d: MAC %s is not a locally administered unicast address' % (port, mac))
check(rc == 0, 'testpmd exit status %s' % rc)
check.exit()
