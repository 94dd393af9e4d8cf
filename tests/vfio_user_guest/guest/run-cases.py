#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs in the vfio-user guest (issue 17), chrooted into the host's tree
(read-only 9p), on opnic devices bound to the real vfio-pci. For each case
of opnic.cases=PROFILE@BDF0+BDF1,... on the kernel command line:
opnic-vfio-info on the first device, then Debian's dpdk-testpmd with the
net_opnic plugin forwarding (io, start tx_first) between the two ports for
opnic.seconds= seconds, its port stats and xstats, and an LSC round trip
the host drives: the guest prints `SYNC stopped PROFILE`, the host reads
the model's counters and takes device 0's link down; the guest waits for
testpmd's LSC event and prints `LSC PROFILE down ...`; the host brings the
link up; `LSC PROFILE up ...`. testpmd's own output follows between
BEGIN-LOG and END-LOG (the PMD's register-path lines). Everything the host
checks is on the console, one fact a line."""
import os
import re
import sys
import time

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
sys.path.insert(0, os.path.join(TOP, 'app', 'harness'))
import opnic_harness as h  # noqa: E402

LSC_EVENT = b'Port 0: link state change event'


def cmdline(key, default=''):
    with open('/proc/cmdline') as f:
        m = re.search(r'(?:^| )opnic\.%s=(\S*)' % re.escape(key), f.read())
    return m.group(1) if m else default


BUILD = cmdline('build', os.path.join(TOP, 'build'))
# Extra EAL arguments (opnic.eal=, commas for spaces), e.g. --iova-mode=pa.
EAL = [a for a in cmdline('eal').split(',') if a]


def say(line):
    print(line, flush=True)


def vfio_info(profile, bdf):
    import subprocess
    r = subprocess.run([os.path.join(BUILD, 'app/opnic-vfio-info'), '--in-memory', '-l', '0',
                        '--log-level=lib.eal:error'] + EAL + ['-a', bdf],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    say('BEGIN-INFO %s %s' % (profile, bdf))
    sys.stdout.write(r.stdout)
    say('END-INFO %s %s status %d' % (profile, bdf, r.returncode))


def stats(tp, port):
    try:
        return tp.stats(port)
    except (h.HarnessError, OSError, ValueError):
        return {}


def xstats(tp, port):
    try:
        return tp.xstats(port)
    except (h.HarnessError, OSError, ValueError):
        return {}


def link_status(tp):
    try:
        return tp.link(0).get('status', '?')
    except (h.HarnessError, OSError, ValueError):
        return '?'


def wait_lsc(tp, start, timeout):
    try:
        tp.wait_for(LSC_EVENT, timeout, start, what='an LSC event')
        return 1
    except h.HarnessError:
        return 0


def forward(profile, bdfs, seconds):
    """testpmd on the two ports: forwarding window, stats, LSC round trip."""
    prefix = h.file_prefix('opnic-vug')
    argv = ['dpdk-testpmd', '-d', h.plugin_path(BUILD), '--in-memory', '--file-prefix', prefix,
            '-l', '0,1'] + EAL
    for b in bdfs:
        argv += ['-a', b]
    argv += ['--', '-i', '--nb-cores=1', '--forward-mode=io', '--rxq=1', '--txq=1',
             '--burst=32', '--record-core-cycles', '--txpkts=64']
    tp = h.Testpmd(argv, prefix)
    try:
        tp.start(timeout=300)
        tp.cmd('start tx_first', timeout=120)
        time.sleep(1)
        t0, s0 = time.monotonic(), [stats(tp, p) for p in (0, 1)]
        time.sleep(seconds)
        t1, s1 = time.monotonic(), [stats(tp, p) for p in (0, 1)]
        tp.cmd('stop', timeout=120)
        time.sleep(1)
        fin = [stats(tp, p) for p in (0, 1)]
        xs = [xstats(tp, p) for p in (0, 1)]
        n = sum(s1[p].get('ipackets', 0) - s0[p].get('ipackets', 0) for p in (0, 1))
        mpps = n / (t1 - t0) / 1e6 if t1 > t0 else 0.0
        say('FWD %s mpps=%.4f port0_tx=%d port0_rx=%d port1_tx=%d port1_rx=%d'
            % (profile, mpps, fin[0].get('opackets', -1), fin[0].get('ipackets', -1),
               fin[1].get('opackets', -1), fin[1].get('ipackets', -1)))
        xsum = {k: sum(x.get(k, 0) for x in xs) for k in ('lsc_interrupts',)}
        say('XSTATS %s db_mmio=%d db_syscall=%d db_suppressed=%d lsc_interrupts=%d'
            % (profile,
               sum(v for x in xs for k, v in x.items() if '_db_mmio' in k),
               sum(v for x in xs for k, v in x.items() if '_db_syscall' in k),
               sum(v for x in xs for k, v in x.items() if '_db_suppressed' in k),
               xsum['lsc_interrupts']))
        start = tp.mark()
        say('SYNC stopped %s' % profile)
        seen = wait_lsc(tp, start, 120)
        say('LSC %s down event=%d status=%s' % (profile, seen, link_status(tp)))
        start = tp.mark()
        seen = wait_lsc(tp, start, 120)
        time.sleep(0.5)
        x0 = xstats(tp, 0)
        say('LSC %s up event=%d status=%s lsc_interrupts=%d'
            % (profile, seen, link_status(tp), x0.get('lsc_interrupts', 0)))
    except (h.HarnessError, OSError) as e:
        say('ERROR %s %s' % (profile, str(e).replace('\n', ' | ')[:2000]))
    rc = tp.quit(timeout=120) if tp.proc is not None else None
    say('BEGIN-LOG %s' % profile)
    sys.stdout.write(tp.text().replace('\r\n', '\n'))
    say('END-LOG %s status %s' % (profile, rc))


def main():
    seconds = float(cmdline('seconds', '5'))
    for case in filter(None, cmdline('cases').split(',')):
        profile, _, devs = case.partition('@')
        bdfs = devs.split('+')
        say('CASE-BEGIN %s %s' % (profile, ' '.join(bdfs)))
        t = time.monotonic()
        vfio_info(profile, bdfs[0])
        forward(profile, bdfs, seconds)
        say('CASE-END %s %.1f s' % (profile, time.monotonic() - t))
    return 0


if __name__ == '__main__':
    sys.exit(main())
