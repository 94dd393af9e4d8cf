#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The opnic behind the real Linux vfio-pci (issue 17). Four NIC models, one
# per profile (tight4k, qdma64k, fpga8k, separate), each serving its two
# devices over vfio-user (opnic-model --vfio-user); one x86 q35 QEMU guest
# (scripts/vfio-user-guest.sh: QEMU 11 from trixie-backports, intel-iommu
# with caching-mode, KVM or TCG) gets all eight as vfio-user-pci devices,
# its Debian kernel binds them to vfio-pci, and the guest's run-cases.py
# runs opnic-vfio-info and Debian's dpdk-testpmd with our plugin on each
# profile's pair. Checked per profile:
#   - the region info and capabilities the real kernel reports, and what
#     DPDK mapped (opnic-vfio-info), equal to the LD_PRELOAD emulation's
#     output for the same profile with the kernel behaviour this kernel has
#     (MSIX_MAPPABLE, 4 KiB pages);
#   - the PMD's doorbell path, register blocks and whether vfio_bar had to
#     map a block itself: equal to the emulation's (opnic-testpmd);
#   - io forwarding between the two ports, both ports receive, and exact
#     conservation against the model's counters (opnic-ctl status): what
#     testpmd sent on a port the device consumed, the other device
#     received or counted as dropped what crossed the wire, and what a
#     device delivered testpmd received but for what was left in the RX
#     ring when forwarding stopped (at most the ring);
#   - an LSC event through the real MSI-X path: the host takes device 0's
#     link down and up (opnic-ctl link), testpmd in the guest sees both
#     events and the link status follows.
# Prints the guest's boot time, the whole case's time and the forwarding
# Mpps in the guest beside the emulation's.
# With PPC64LE_BUILD (the cross build): the same for tight4k on the POWER9
# pseries guest (TCG, 64 KiB pages, sPAPR TCE IOMMU, Debian 13's 64k kernel),
# against the emulation's --page-size 64k.
#   check_vfio_user_guest.py BUILD [SECONDS [PPC64LE_BUILD]]
import difflib
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, os.path.join(TOP, 'app', 'harness'))
import opnic_harness as h  # noqa: E402

PROFILES = ('tight4k', 'qdma64k', 'fpga8k', 'separate')
GUEST = os.path.join(TOP, 'scripts/vfio-user-guest.sh')
PATH_TEXT = {'region-write': 'region-write (pwrite syscall)', 'mapped': 'mapped (MMIO store)',
             '': ''}


def lines_of(text):
    lines = text.split('\n')
    return lines[:-1] if lines and lines[-1] == '' else lines


def qemu_usable():
    """'' if the QEMU root can be made and has vfio-user-pci, else why not."""
    r = subprocess.run([os.path.join(TOP, 'scripts/debian-root.sh'), 'trixie-qemu', 'trixie',
                        '--backports', 'qemu-system-x86', 'qemu-system-ppc'],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        return 'cannot make the QEMU root: ' + r.stderr.strip()[-300:]
    root = r.stdout.strip()
    r = subprocess.run([os.path.join(TOP, 'scripts/in-root.sh'), root, 'qemu-system-x86_64',
                        '-device', 'help'], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    if r.returncode != 0 or '"vfio-user-pci"' not in r.stdout + r.stderr:
        return 'QEMU in %s has no vfio-user-pci device' % root
    return ''


def bdf(slot):
    return '0000:00:%02x.0' % slot


class Guest:
    """The guest's QEMU, its console read line by line; SYNC and LSC lines
    drive the host's side of each case."""

    def __init__(self, build, models, seconds, log, ppc=None):
        self.models = models
        self.log = log
        self.lines = []
        self.status = {}
        self.t_boot = None
        self.t_qemu = None
        self.err = []
        cases, socks, slot = [], [], 4
        for p in models:
            cases.append('%s@%s+%s' % (p, bdf(slot), bdf(slot + 1)))
            slot += 2
            with open(os.path.join(models[p].run_dir, 'vfio-user.list')) as f:
                for line in f:
                    socks += ['--vfio-user', line.split()[2]]
        runner = os.path.join(TOP, 'tests/vfio_user_guest/guest/run-cases.py')
        if ppc is None:
            self.argv = [GUEST, 'run', '--mem', '2048'] + socks + [
                '--append', 'opnic.cases=%s opnic.seconds=%g opnic.build=%s'
                % (','.join(cases), seconds, os.path.abspath(build)), '--cmd', runner]
        else:
            # POWER9: DPDK's sPAPR window must start at 0, which it only
            # gets in IOVA-as-PA mode (doc/guides/ppc64le.md).
            self.argv = [GUEST, 'ppc64', ppc[0], '--kernel-deb', ppc[1]] + socks + [
                '--append', 'opnic.cases=%s opnic.seconds=%g opnic.build=%s '
                'opnic.eal=--iova-mode=pa' % (','.join(cases), seconds, ppc[0]),
                '--cmd', 'python3', '--args', runner]

    def run(self, timeout):
        self.t0 = time.monotonic()
        out = open(self.log, 'wb')
        p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        timer = threading.Timer(timeout, lambda: t.kill_group(p))
        timer.start()
        try:
            for raw in p.stdout:
                out.write(raw)
                out.flush()
                line = raw.decode(errors='replace').replace('\r', '').rstrip('\n')
                line = re.sub(r'^.*?(GUEST: |SYNC |LSC |FWD |XSTATS |CASE-|ERROR )', r'\1', line)
                self.lines.append(line)
                self.react(line)
        finally:
            timer.cancel()
            rc = p.wait()
            out.close()
        self.t_end = time.monotonic()
        return rc

    def react(self, line):
        if line.startswith('vfio-user-guest: ') and 'accel' in line and self.t_qemu is None:
            self.t_qemu = time.monotonic() - self.t0
        if line.startswith('GUEST: running') and self.t_boot is None:
            self.t_boot = time.monotonic() - self.t0 - (self.t_qemu or 0)
        if line.startswith('vfio-user-guest: ') or line.startswith('GUEST: ') or \
                line.startswith('CASE-') or line.startswith('FWD ') or line.startswith('LSC '):
            print(line, flush=True)
        m = re.match(r'SYNC stopped (\S+)', line)
        if m and m.group(1) in self.models:
            model = self.models[m.group(1)]
            try:
                self.status[m.group(1)] = [model.status(0), model.status(1)]
                model.ctl('link', 0, 'down')
            except (h.HarnessError, OSError, ValueError) as e:
                self.err.append('%s: %s' % (m.group(1), e))
        m = re.match(r'LSC (\S+) down', line)
        if m and m.group(1) in self.models:
            try:
                self.models[m.group(1)].ctl('link', 0, 'up')
            except (h.HarnessError, OSError) as e:
                self.err.append('%s: %s' % (m.group(1), e))

    def block(self, begin, end):
        out, inside = [], False
        for line in self.lines:
            if not inside and line.startswith(begin):
                inside = True
            elif inside:
                if line.startswith(end):
                    return out, line
                out.append(line)
        return out, ''

    def fact(self, prefix):
        for line in self.lines:
            if line.startswith(prefix):
                return line
        return ''


def kv(line):
    return dict(re.findall(r'(\w+)=(\S+)', line))


def info_view(lines):
    """opnic-vfio-info's lines without the device's address."""
    return [re.sub(r'^device \S+ ', 'device BDF ', s) for s in lines
            if not s.startswith('TELEMETRY:') and s.strip()]


def emulation(build, profile, seconds, page):
    """The same profile under the LD_PRELOAD emulation (MSIX_MAPPABLE,
    4 KiB pages): opnic-vfio-info's lines and opnic-testpmd's results."""
    rc, info = t.run_cmd([
        os.path.join(build, 'app/opnic-run'), '--profile', profile, '--kernel', 'mappable',
        '--page-size', page, '--devices', '1', '--wire', 'loopback', '--',
        os.path.join(build, 'app/opnic-vfio-info'), '--in-memory', '-l', '0',
        '--log-level=lib.eal:error', '-a', '0000:0b:00.0'], timeout=300)
    info = [s for s in lines_of(info) if not s.startswith('opnic-run:')]
    rc2, fwd = t.run_cmd([
        os.path.join(build, 'app/opnic-testpmd'), '--profile', profile, '--kernel', 'mappable',
        '--page-size', page, '--mode', 'io', '--lsc-test', '--seconds', '%g' % seconds,
        '--warmup', '1'], timeout=300)
    return rc, info, rc2, fwd


def check_profile(g, build, profile, seconds, ok, page):
    """Every check of one profile; the emulation's side run here."""
    print('== %s' % profile, flush=True)
    info, end = g.block('BEGIN-INFO %s ' % profile, 'END-INFO %s ' % profile)
    ok(end.endswith('status 0'), '%s: opnic-vfio-info in the guest: %s' % (profile, end or 'no output'))
    erc, einfo, frc, fwd = emulation(build, profile, seconds, page)
    ok(erc == 0, '%s: opnic-vfio-info under the emulation failed' % profile)
    rv, ev = info_view(info), info_view(einfo)
    diff = list(difflib.unified_diff(rv, ev, 'vfio-pci.guest', 'emulation', lineterm=''))
    if diff:
        print('\n'.join(diff))
    ok(not diff and len(rv) >= 10, '%s: region info/capabilities/DPDK mapping differ from the '
       'emulation (%d lines)' % (profile, len(rv)))
    if not diff:
        print('%s: region info, capabilities, MSI-X and DPDK mapping: %d lines, equal to the '
              'emulation' % (profile, len(rv)))
    # The PMD's register path in the guest and under the emulation.
    log, lend = g.block('BEGIN-LOG %s' % profile, 'END-LOG %s' % profile)
    gf = h.pmd_log_facts('\n'.join(log))
    ef = kv('\n'.join(s for s in lines_of(fwd) if s.startswith(('result', 'register_blocks',
                                                                   'self_mapped', 'mpps',
                                                                   'lsc_events'))))
    eblocks = re.search(r'^register_blocks=(.*)$', fwd, re.M)
    eblocks = eblocks.group(1) if eblocks else ''
    epath = re.search(r'^result profile_path=(.*)$', fwd, re.M)
    epath = epath.group(1) if epath else ''
    print('%s: guest path=%s blocks=%s self_mapped=%d' % (profile, gf['path'], gf['blocks'],
                                                          gf['self_mapped']))
    print('%s: emulation path=%s blocks=%s self_mapped=%s' % (profile, epath, eblocks,
                                                              ef.get('self_mapped')))
    ok(gf['path'] != '', '%s: the PMD in the guest did not say its doorbell path' % profile)
    ok(PATH_TEXT[gf['path']] == epath, '%s: doorbell path differs' % profile)
    ok(gf['blocks'] == eblocks, '%s: register blocks differ' % profile)
    ok(str(gf['self_mapped']) == ef.get('self_mapped'), '%s: vfio_bar self-mapping differs'
       % profile)
    ok(frc == 0, '%s: opnic-testpmd under the emulation failed its own checks (status %d):\n%s'
       % (profile, frc, fwd))
    # Forwarding and conservation against the model's counters.
    f = kv(g.fact('FWD %s ' % profile))
    err = g.fact('ERROR %s ' % profile)
    ok(not err, err)
    ok(f != {}, '%s: no forwarding result from the guest' % profile)
    d = g.status.get(profile)
    ok(d is not None, '%s: the host did not read the model counters' % profile)
    if f and d:
        ptx = [int(f['port0_tx']), int(f['port1_tx'])]
        prx = [int(f['port0_rx']), int(f['port1_rx'])]
        print('%s: guest mpps=%s port tx=%s rx=%s; devices tx=%s rx=%s rx_no_desc=%s' % (
            profile, f['mpps'], ptx, prx, [x.get('tx_pkts') for x in d],
            [x.get('rx_pkts') for x in d], [x.get('rx_no_desc') for x in d]))
        ok(prx[0] > 0 and prx[1] > 0, '%s: a port received nothing' % profile)
        for p in (0, 1):
            o = 1 - p
            ok(ptx[p] == d[p].get('tx_pkts'), '%s: port %d sent %d, device consumed %s'
               % (profile, p, ptx[p], d[p].get('tx_pkts')))
            # Delivered but still in the RX ring when forwarding stopped:
            # at most the ring (testpmd's default 1024 descriptors).
            ring = d[p].get('rx_pkts', 0) - prx[p]
            ok(0 <= ring <= 1024, '%s: port %d received %d, device delivered %s'
               % (profile, p, prx[p], d[p].get('rx_pkts')))
            arrived = sum(d[o].get(k, 0) for k in ('rx_pkts', 'rx_no_desc', 'rx_filtered',
                                                   'dma_errors'))
            ok(d[p].get('tx_pkts', -1) == arrived + d[p].get('link_drops', 0),
               '%s: device %d sent %s; device %d took %d, link drops %s'
               % (profile, p, d[p].get('tx_pkts'), o, arrived, d[p].get('link_drops')))
            ok(d[p].get('dma_errors', 0) == 0, '%s: device %d DMA errors %s'
               % (profile, p, d[p].get('dma_errors')))
    down = kv(g.fact('LSC %s down' % profile))
    up = kv(g.fact('LSC %s up' % profile))
    ok(down.get('event') == '1' and down.get('status') == 'DOWN',
       '%s: no LSC event with the link down in the guest (%s)' % (profile, down))
    ok(up.get('event') == '1' and up.get('status') == 'UP',
       '%s: no LSC event with the link up in the guest (%s)' % (profile, up))
    ok(int(up.get('lsc_interrupts', 0)) >= 2, '%s: fewer than 2 LSC interrupts (%s)'
       % (profile, up.get('lsc_interrupts')))
    ok(re.search(r'^lsc_events=2 link_down_seen=1', fwd, re.M) is not None,
       '%s: the emulation did not see the LSC round trip' % profile)
    return float(f.get('mpps', 0)), float(ef.get('mpps', 0))


def main():
    a = t.args('BUILD [SECONDS [PPC64LE_BUILD]]', 'build', optional=('seconds', 'ppc'))
    seconds = float(a.seconds or 5)
    why = qemu_usable()
    if why:
        t.skip(why)
    profiles, page, ppc = PROFILES, '4k', None
    if a.ppc:
        # The POWER9 case: tight4k (doorbells in the MSI-X page) on real
        # 64 KiB pages, against the emulation's 64k view.
        if not os.path.isfile(os.path.join(a.ppc, 'app/opnic-vfio-info')):
            t.skip('no ppc64le cross build in %s (doc/guides/ppc64le.md)' % a.ppc)
        r = subprocess.run([GUEST, 'ppc64-kernel'], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
        if r.returncode != 0:
            t.fail('no ppc64el 64k kernel: ' + r.stderr.strip())
        profiles, page = ('tight4k',), '64k'
        ppc = (os.path.abspath(a.ppc), r.stdout.strip())
    start = time.monotonic()
    models = {}
    for p in profiles:
        run = h.new_run_dir('opnic-vug-' + p)
        t.at_exit(h.remove_run_dir, run)
        m = h.Model(a.build, run, profile=p, devices=2, wire='pair', args=['--vfio-user'])
        t.at_exit(m.stop)
        m.start()
        models[p] = m
    g = Guest(a.build, models, seconds, os.path.join(
        a.build, 'vfio-user-guest-%sconsole.log' % ('ppc64-' if ppc else '')), ppc)
    rc = g.run(timeout=1800)
    if g.t_boot is not None:
        print('guest boot time: %.1f s (QEMU start to the guest running its cases; '
              'guest build and root check before it: %.1f s)' % (g.t_boot, g.t_qemu or 0),
              flush=True)
    if rc != 0:
        t.fail('the guest exited with status %d (console: %s)' % (rc, g.log))
    if not any(s.startswith('GUEST: done') for s in g.lines):
        t.fail('the guest did not finish (console: %s)' % g.log)
    accel = next((s for s in g.lines if s.startswith('vfio-user-guest: ') and 'accel' in s), '')
    for e in g.err:
        print('host side: ' + e)
    c = t.Checks()
    rates = {}
    for p in profiles:
        rates[p] = check_profile(g, a.build, p, seconds, c, page)
    for p in profiles:
        s = models[p].stop()
        c(s == 0, '%s: the model exited with status %s:\n%s' % (p, s, models[p].log_text()))
    print('case time: %.1f s (guest %.1f s, %s)' % (time.monotonic() - start,
                                                  g.t_end - g.t0, accel.split(': ', 1)[-1]))
    for p in profiles:
        print('io forwarding %s: %.3f Mpps in the guest (%s) vs %.3f Mpps under the LD_PRELOAD '
              'emulation' % (p, rates[p][0], accel.split('accel ', 1)[-1], rates[p][1]))
    c.exit()


if __name__ == '__main__':
    main()
