#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The traffic tester wire (doc/tester.md), checked against an application
# that does not generate traffic itself.
#   check_tester.py BUILD CASE PROFILE KERNEL PAGE
# CASE:
#   rxonly    tester on port 0 injects exactly 100000 frames as fast as the
#             ring takes them; testpmd rxonly must count exactly that many.
#   io        both ports. testers at 5 kpps, 16 flows over 2 RSS queues,
#             testpmd io: zero loss, nothing corrupted, duplicated or
#             reordered within a flow, sane latency (0 < min <= avg <= max,
#             one sample per delivered frame).
#   corrupt   as io, while the model flips a byte in 7 received frames:
#             the testers count exactly 7 corrupted frames.
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD CASE PROFILE KERNEL PAGE', 'build', 'case', 'profile', 'kernel', 'page')
if a.case == 'rxonly':
    ports = ['--port', '0=tester:run=0,pps=0,count=100000,size=128']
    tp_args = ['--forward-mode=rxonly']
elif a.case in ('io', 'corrupt'):
    w = 'tester:run=0,pps=5000,flows=16,size=256'
    ports = ['--port', '0=' + w, '--port', '1=' + w]
    tp_args = ['--forward-mode=io', '--rxq=2', '--txq=2', '--rxd=4096', '--txd=4096']
else:
    print('unknown case %s' % a.case)
    sys.exit(2)
run = t.scratch('opnic-tester')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 20))
model = t.start_model(a.build, run, a.profile, *ports, core=0)
tp = t.start_testpmd(a.build, run, a.kernel, a.page, ['--no-lsc-interrupt'] + tp_args)
tp.cmd('start')
t.ctl_or_fail(model, 'no tester on port 0', 'wire', 0, 'reset')

if a.case == 'rxonly':
    model.ctl('wire', 0, 'set', 'run=1')
    for i in range(100):
        if model.wire_status(0)['offered'] == 100000:
            break
        time.sleep(0.1)
    time.sleep(0.5)             # the last frames through testpmd's RX
    rx = tp.stats(0)['ipackets']
    j = model.wire_status(0)
    print(j)
    print('tester injected %d of %d offered; testpmd rxonly counted %d'
          % (j['injected'], j['offered'], rx))
    if j['offered'] != 100000:
        t.fail('tester offered %d, want 100000' % j['offered'])
    if j['injected'] != 100000:
        t.fail('tester injected %d (input drops %d)' % (j['injected'], j['input_drops']))
    if rx != 100000:
        t.fail('testpmd counted %d frames, the tester injected 100000' % rx)
else:
    model.ctl('wire', 0, 'set', 'run=1')
    model.ctl('wire', 1, 'set', 'run=1')
    time.sleep(0.5)             # traffic before the corruption
    if a.case == 'corrupt':
        t.ctl_or_fail(model, 'cannot inject', 'fault', 0, 'corrupt', 7)
    time.sleep(2)               # the measured window
    model.ctl('wire', 0, 'set', 'run=0')
    model.ctl('wire', 1, 'set', 'run=0')
    time.sleep(0.5)             # frames in flight arrive
    # The testers' human-readable status, for the log only.
    print(model.ctl('wire', 0, 'status') + model.ctl('wire', 1, 'status'), end='')
    w = [model.wire_status(0), model.wire_status(1)]
    bad = []
    off = sum(x['offered'] for x in w)
    lost = sum(x['lost'] for x in w)
    cor = sum(x['corrupted'] for x in w)
    if off < 2 * 5000 * 2:
        bad.append('only %d frames offered' % off)
    if a.case == 'io':
        if lost:
            bad.append('%d of %d frames lost at 5 kpps' % (lost, off))
        if cor:
            bad.append('%d frames corrupted' % cor)
    else:
        if cor != 7:
            bad.append('%d corrupted frames counted, 7 injected' % cor)
        if lost != 7:
            bad.append('%d frames not delivered intact, want the 7 corrupted' % lost)
    for x in w:
        if x['reordered'] or x['duplicates']:
            bad.append('generator %d: %d reordered, %d duplicates'
                       % (x['generator'], x['reordered'], x['duplicates']))
        if not (0 < x['lat_min_ns'] <= x['lat_avg_ns'] <= x['lat_max_ns']):
            bad.append('latency not ordered: %d/%d/%d'
                       % (x['lat_min_ns'], x['lat_avg_ns'], x['lat_max_ns']))
        if x['lat_samples'] != x['received'] - x['corrupted'] or \
                sum(x['hist']) != x['lat_samples']:
            bad.append('latency samples %d, histogram %d, received %d'
                       % (x['lat_samples'], sum(x['hist']), x['received']))
    print('offered %d lost %d corrupted %d' % (off, lost, cor))
    for b in bad:
        print('CHECK FAILED: ' + b)
    if bad:
        t.fail('tester results')
rc = tp.quit()
if rc != 0:
    t.fail('testpmd exit status %s' % rc)
print('PASS')
