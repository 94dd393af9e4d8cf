#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""QEMU's own vfio-user client on the model's server: qemu-system-x86_64
(>= 10.1, from a Debian root made by scripts/debian-root.sh, never the
host's) realizes vfio-user-pci on opnic-model --vfio-user, SeaBIOS assigns
the BARs, and QEMU's memory tree must show exactly the mmap-able areas the
server's sparse-mmap capability gives for PROFILE (the MSI-X table and PBA
pages trapped, QEMU's MSI-X emulation over the table and PBA), with no
error reply from the server (vfu_errors 0) and no QEMU warning. No guest
kernel: the guest helper's test boots one.

usage: check_qemu_realize.py BUILD PROFILE [ROOT]
ROOT defaults to $OPNIC_QEMU_ROOT or /var/cache/opnic/roots/trixie-qemu;
the test skips when it has no qemu-system-x86_64.
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import opnic_test as t  # noqa: E402
from check_vfio_user import expected_areas, profile_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BIOS_SECONDS = 4


def main():
    a = t.args('BUILD PROFILE [ROOT]', 'build', 'profile', optional=('root',))
    root = a.root or os.environ.get('OPNIC_QEMU_ROOT',
                                    '/var/cache/opnic/roots/trixie-qemu')
    if not os.path.exists(os.path.join(root, 'usr/bin/qemu-system-x86_64')):
        t.skip('no qemu-system-x86_64 in %s (scripts/debian-root.sh trixie-qemu '
               'trixie --backports qemu-system-x86)' % root)
    check = t.Checks()
    prof = profile_of(a.profile)
    run = t.scratch('vfuq-' + a.profile)
    model = t.start_model(a.build, run, a.profile, '--vfio-user', devices=1,
                          wire='loopback')
    t.on_fail(lambda: t.tail(model.log, 20))
    with open(os.path.join(run, 'vfio-user.list')) as f:
        path = f.read().split()[2]
    in_root = os.path.join(HERE, '..', '..', 'scripts', 'in-root.sh')
    dev = '{"driver":"vfio-user-pci","socket":{"path":"%s","type":"unix"}}' % path
    argv = [in_root, root, 'qemu-system-x86_64', '-machine', 'q35,accel=tcg',
            '-nodefaults', '-display', 'none', '-m', '256',
            '-object', 'memory-backend-memfd,id=mem,size=256M,share=on',
            '-machine', 'memory-backend=mem', '-device', dev, '-monitor', 'stdio']
    t0 = time.monotonic()
    q = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    t.at_exit(t.kill_group, q)
    time.sleep(BIOS_SECONDS)      # SeaBIOS enumerates and assigns the BARs
    try:
        out, _ = q.communicate(b'info pci\ninfo mtree -f\nquit\n', timeout=60)
    except subprocess.TimeoutExpired:
        t.fail('QEMU did not quit')
    text = out.decode(errors='replace')
    t.on_fail(lambda: t.tail(text, 40, is_path=False))
    print('QEMU ran %.1f s, exit %d' % (time.monotonic() - t0, q.returncode))
    check(q.returncode == 0, 'QEMU exit status %d' % q.returncode)
    warn = [ln for ln in text.splitlines() if ln.startswith('qemu-system')]
    check(not warn, 'QEMU said: %s' % ' | '.join(warn))
    check('PCI device 1e0f:0c5e' in text, 'no opnic (1e0f:0c5e) in info pci')
    bars = {int(b): int(addr, 16) for b, addr in
            re.findall(r'BAR(\d): 64 bit memory at (0x[0-9a-f]+)', text)}
    mb = prof['msix_bar']
    check(0 in bars and (mb == 0 or mb in bars), 'BARs assigned: %r' % bars)
    sparse = expected_areas(prof['msix_bar_size'] if mb else prof['bar0_size'],
                            prof['msix_table'], prof['msix_pba'],
                            prof['msix_vectors'])
    cases = [(0, sparse)] if mb == 0 else [(0, [(0, prof['bar0_size'])]), (mb, sparse)]
    for bar, want in cases:
        if bar not in bars:
            continue
        got = sorted({(int(s, 16) - bars[bar], int(e, 16) - int(s, 16) + 1) for s, e in
                      re.findall(r'([0-9a-f]{16})-([0-9a-f]{16}) \(prio 0, ramd\): '
                                 r'vfio-user:\S+ BAR %d mmaps' % bar, text)})
        check(got == want, 'BAR%d mapped by QEMU: %s, expected %s' %
              (bar, ['0x%x+0x%x' % x for x in got], ['0x%x+0x%x' % x for x in want]))
        print('BAR%d at 0x%x: QEMU maps %s' % (bar, bars[bar],
                                               ['0x%x+0x%x' % x for x in got]))
    deadline = time.monotonic() + 3     # the release follows QEMU's EOF
    while model.status(0)['owner'] != 'none' and time.monotonic() < deadline:
        time.sleep(0.02)
    s = model.status(0)
    check(s['vfu_clients'] == 1 and s['vfu_errors'] == 0 and s['vfu_msgs'] > 0,
          'server: clients %d msgs %d errors %d' % (s['vfu_clients'], s['vfu_msgs'],
                                                   s['vfu_errors']))
    check(s['owner'] == 'none', 'device still owned after QEMU quit: %r' % s['owner'])
    print('server: %d messages from QEMU, 0 errors; released at its exit' % s['vfu_msgs'])
    check.exit()


main()
