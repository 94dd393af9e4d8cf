#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The NIC model outlives its applications, like hardware: an application that
# is killed (-9) mid-traffic leaves the model running; the model drops that
# application's DMA mappings and resets the devices; the next application
# probes and forwards on the same model.
#   check_restart.py BUILD PROFILE KERNEL PAGE
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-rst')
model = t.start_model(a.build, run, a.profile, devices=2)
env = t.app_env(a.build, run, a.kernel, a.page)


def fwd(seconds, out):
    """opnic-fwd on the model, started directly: its pid is the application's."""
    return t.spawn([os.path.join(a.build, 'app/opnic-fwd'), '--in-memory', '-l', '0,1',
                    '--', '--seconds', str(seconds)], out=out, env=env)


check = t.Checks()
# 1: killed in the middle of forwarding.
first = fwd(30, os.path.join(run, 'first.log'))
for i in range(200):
    if model.status(0)['queues_running'] == 2:
        break
    time.sleep(0.05)
time.sleep(1)                   # forwarding before the crash
os.kill(first.pid, signal.SIGKILL)
first.wait()
time.sleep(0.5)                 # the model notices the application's end
st = model.status(0)
print(st)
check(model.alive(), 'the model died with the application')
check(st['owner'] == 'none', 'device still owned after the application died')
check(st['queues_running'] == 0, 'queues still running after the application died')
# 2: the next application probes the same (reset) device and forwards.
second = fwd(2, os.path.join(run, 'second.log'))
second.wait(60)
with open(os.path.join(run, 'second.log'), errors='replace') as f:
    out = f.read()
print('\n'.join(s for s in out.splitlines() if s.startswith(('port', 'forwarded'))))
n = t.fwd_count(out)
check((n or 0) > 1000, 'the second application forwarded %d frames' % (n or 0))
check.exit()
