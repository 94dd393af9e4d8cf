#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs inside the POWER9 guest: for each case, the NIC model, the VFIO
emulation (no page-size faking: the kernel's 64 KiB pages), the net_opnic
plugin and Debian's ppc64el dpdk-testpmd, io forwarding with
--record-core-cycles. Prints RESULT lines for the host to check
(tests/ppc64le/check_power9_guest.sh).

  run-cases.py PROFILE:KERNEL ... | null

testpmd is driven at its prompt (opnic_harness.Testpmd through a pty); port
counters and xstats come from DPDK telemetry, the devices' counters from
`opnic-ctl status DEV json`.
"""

import os
import re
import shutil
import sys
import time


def paths():
    """PPC (the cross build) and TOP (the source tree), at the same absolute
    paths as on the host; OPNIC_PATHS names another file (a host-side try)."""
    kv = {}
    with open(os.environ.get('OPNIC_PATHS', '/etc/opnic-paths')) as f:
        for line in f:
            if '=' in line:
                k, v = line.rstrip('\n').split('=', 1)
                kv[k] = v
    return kv['PPC'], kv['TOP']


PPC, TOP = paths()
sys.path.insert(0, os.path.join(TOP, 'app', 'harness'))
import opnic_harness as h  # noqa: E402

SECS = float(os.environ.get('OPNIC_GUEST_SECONDS', '6'))
# TCG: EAL start and the first port start take tens of seconds.
START_TIMEOUT = 240
TP_ARGS = ['--nb-cores=1', '--record-core-cycles']


def say(msg):
    print('GUEST: ' + msg, flush=True)


def measure(tp, model, case):
    """start tx_first, a window of SECS, stop; the RESULT line's fields."""
    time.sleep(1)
    tp.cmd('start tx_first', timeout=60)
    time.sleep(SECS)
    stop = tp.cmd('stop', timeout=60)
    time.sleep(2)
    port = [tp.stats(p) for p in (0, 1)]
    xs = [tp.xstats(p) for p in (0, 1)]
    dev = [model.status(d) for d in (0, 1)] if model else [{}, {}]
    cyc, _ = h.core_cycles(stop)
    log = tp.text()
    pmd = h.pmd_log_facts(log)
    path = pmd['path'] or 'none'
    blocks = pmd['blocks'].replace(' ', '')
    r = [('case', case), ('path', path), ('self_mapped', pmd['self_mapped'])]
    r += [('port%d_rx' % p, port[p]['ipackets']) for p in (0, 1)]
    r += [('port%d_tx' % p, port[p]['opackets']) for p in (0, 1)]
    for d in (0, 1):
        r += [('dev%d_tx' % d, dev[d].get('tx_pkts', 0)),
              ('dev%d_rx' % d, dev[d].get('rx_pkts', 0)),
              ('dev%d_rx_no_desc' % d, dev[d].get('rx_no_desc', 0))]
    r += [('cycles_per_packet', ('%.2f' % cyc) if cyc is not None else 'none'),
          ('syscalls', sum(v for x in xs for k, v in x.items() if k.endswith('_db_syscall'))),
          ('blocks', blocks)]
    return r


def run_case(c):
    say('case ' + c)
    model = None
    if c == 'null':
        prefix = h.file_prefix('opnic-null')
        tp = h.Testpmd(['dpdk-testpmd', '--no-pci', '--in-memory', '--file-prefix', prefix,
                        '-l', '0,1', '--vdev', 'net_null0', '--vdev', 'net_null1', '--',
                        '-i'] + TP_ARGS, prefix, log='/tmp/null.log')
    else:
        profile, kernel = c.split(':', 1)
        run = '/dev/shm/opnic-%s-%s' % (profile, kernel)
        model = h.Model(PPC, run, profile=profile, devices=2, core=0,
                        log=run + '.model')
        tp = h.Testpmd.on_model(PPC, run, kernel, 'native',
                                testpmd_args=TP_ARGS + ['--no-lsc-interrupt'],
                                log='/tmp/%s-%s.log' % (profile, kernel))
    result, rc = None, None
    try:
        if model:
            model.start(timeout=60)
        t0 = time.monotonic()
        tp.start(timeout=START_TIMEOUT)
        if model:
            while True:
                q = [model.status(d)['queues_running'] for d in (0, 1)]
                if min(q) >= 2:
                    break
                if time.monotonic() - t0 > START_TIMEOUT:
                    raise h.HarnessError('queues not running (%s)' % q)
                time.sleep(0.2)
            say('queues running %.1f s after the start (%d %d)'
                % (time.monotonic() - t0, q[0], q[1]))
        result = measure(tp, model, c)
        rc = tp.quit(timeout=60)
    except (h.HarnessError, OSError, ValueError, KeyError) as e:
        say('case %s failed: %s' % (c, e))
    finally:
        tp.kill()
        if model:
            model.stop()
            shutil.rmtree(model.run_dir, ignore_errors=True)
    say('testpmd exit status %s' % rc)
    log = tp.text().replace('\r\n', '\n')
    lines = [l for l in log.split('\n')
             if re.search(r'EAL: Error|opnic_hw_discover|opnic_dev_init|vfio_bar', l)]
    if lines:
        print('\n'.join(lines[:8]))
    if result:
        print('RESULT ' + ' '.join('%s=%s' % kv for kv in result), flush=True)
    r = dict(result or [])
    if not result or r['path'] == 'none' and c != 'null' or r['port0_rx'] == 0:
        say('testpmd log:')
        print('\n'.join(log.split('\n')[-40:]))
        if model:
            print(model.log_text())
    sys.stdout.flush()


def main(argv):
    for c in argv[1:]:
        run_case(c)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
