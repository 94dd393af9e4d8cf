#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The example application (net_opnic linked in statically) forwards and
# prints the link events that opnic-ctl causes in the model.
#   check_example.py BUILD PROFILE KERNEL PAGE
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-fwd')
model = t.start_model(a.build, run, a.profile)
# opnic-fwd has no prompt: it is watched at its output, and its last line
# says that both ports are up.
app = t.Interactive([os.path.join(a.build, 'app/opnic-fwd'), '--in-memory', '-l', '0,1',
                     '--', '--seconds', '4'], 'port 1: ',
                    env=t.app_env(a.build, run, a.kernel, a.page),
                    log=os.path.join(run, 'fwd.log'))
t.at_exit(app.kill)
try:
    app.start(timeout=30)
    time.sleep(1)               # forwarding with both links up
    model.ctl('link', 1, 'down')
    time.sleep(0.5)             # port 1's link stays down this long
    model.ctl('link', 1, 'up')
    app.wait_for(b'link event: port 1 up', timeout=2.5)
except t.HarnessError as e:
    print(e)                    # what is missing is reported below
rc = app.wait(30)
app.close()
out = app.text().replace('\r\n', '\n')
print('\n'.join(s for s in out.splitlines() if not re.search('log level|shared lib', s)))
check = t.Checks()
# The application's report is its text (it has exited: no telemetry left).
for want in ('port 0: net_opnic firmware 1.2.0', 'link event: port 1 down 0 Mb/s',
             'link event: port 1 up 100000 Mb/s', 'link events: 2'):
    check(want in out, "missing '%s'" % want)
n = t.fwd_count(out)
check((n or 0) > 1000, 'forwarded only %d frames 0 -> 1' % (n or 0))
check(rc == 0, 'exit status %s' % rc)
check.exit()
