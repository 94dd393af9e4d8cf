#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A cross build under qemu-user (ppc64le or arm64): Debian's dpdk-testpmd
of that architecture, with the cross build's VFIO emulation (LD_PRELOAD) and
net_opnic plugin, forwards through the NIC model (the x86 build's
opnic-model: the shared-memory layout and the socket protocol are the same
on little-endian 64-bit targets). Checks packet conservation against the
model and the doorbell path the layout implies.

  check_qemu_user_fwd.py CROSS_BUILD X86_BUILD SYSROOT PROFILE KERNEL PAGE PATH SELF_MAPPED

The architecture is the one of the cross build's net_opnic plugin (its ELF
header), which picks qemu-ppc64le-static or qemu-aarch64-static. testpmd
runs under it on a pseudo-terminal (so its output is line-buffered and its
prompt tells when a command is done); its port counters come from DPDK
telemetry, the devices' from `opnic-ctl status DEV json`.
"""

import os
import re
import shutil
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'app', 'harness'))
import opnic_harness as h  # noqa: E402

# ELF e_machine -> (our name for the architecture, its qemu-user binary).
ARCHES = {21: ('ppc64le', 'qemu-ppc64le-static'),
          183: ('arm64', 'qemu-aarch64-static')}


def build_arch(build):
    """The architecture of the build's net_opnic plugin, or an error naming
    the file: a little-endian 64-bit ELF of a machine in ARCHES."""
    so = os.path.join(build, 'drivers/net/opnic/librte_net_opnic.so')
    try:
        with open(so, 'rb') as f:
            hdr = f.read(20)
    except OSError as e:
        raise h.HarnessError('%s: %s' % (so, e.strerror))
    if len(hdr) < 20 or hdr[:4] != b'\x7fELF' or hdr[4] != 2 or hdr[5] != 1:
        raise h.HarnessError('%s: not a little-endian 64-bit ELF file' % so)
    machine = int.from_bytes(hdr[18:20], 'little')
    if machine not in ARCHES:
        raise h.HarnessError('%s: ELF machine %d is neither ppc64le nor arm64'
                             % (so, machine))
    return ARCHES[machine]


def main(argv):
    if len(argv) != 9:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    cross, x86, sysroot, profile, kernel, page, want, self_want = argv[1:]
    try:
        arch, qemu_name = build_arch(cross)
    except h.HarnessError as e:
        print('FAIL: %s' % e)
        return 1
    if not os.access(os.path.join(x86, 'app/opnic-model'), os.X_OK):
        print('SKIP: no x86 build at ' + x86)
        return 77
    qemu = shutil.which(qemu_name)
    if not qemu:
        print('SKIP: %s missing (qemu-user-static)' % qemu_name)
        return 77
    testpmd = os.path.join(sysroot, 'usr/bin/dpdk-testpmd')
    if not os.access(testpmd, os.X_OK):
        print('FAIL: no %s dpdk-testpmd at %s' % (arch, testpmd))
        return 1
    print('%s: %s -L %s' % (arch, qemu_name, sysroot))

    run = h.new_run_dir('opnic-' + arch)
    model = h.Model(x86, run, profile=profile, devices=2, log=run + '.model')
    tp = None
    try:
        model.start()
        # The host's LD_PRELOAD would be loaded into qemu itself; the
        # cross build's emulation library goes to the guest program
        # through -E.
        base = {k: v for k, v in os.environ.items() if k != 'LD_PRELOAD'}
        env = h.emu_env(cross, os.path.join(TOP, 'config'), run, kernel, page, base=base)
        preload = env.pop('LD_PRELOAD')
        prefix = h.file_prefix('opnic-' + arch)
        argv_tp = [qemu, '-L', sysroot, '-E', 'LD_PRELOAD=' + preload, testpmd,
                   '-d', h.plugin_path(cross), '--in-memory', '--file-prefix', prefix,
                   '-l', '0,1']
        for a in h.PCI_ADDRS:
            argv_tp += ['-a', a]
        argv_tp += ['--', '-i', '--nb-cores=1', '--no-lsc-interrupt',
                    '--total-num-mbufs=16384']
        tp = h.Testpmd(argv_tp, prefix, env=env, log=run + '.log')
        # Under qemu-user the EAL start takes tens of seconds.
        tp.start(timeout=150)
        deadline = time.monotonic() + 60
        while True:
            q = [model.status(d)['queues_running'] for d in (0, 1)]
            if min(q) >= 2:
                break
            if time.monotonic() > deadline:
                raise h.HarnessError('queues not running after 60 s: %s' % q)
            time.sleep(0.1)
        time.sleep(1)
        tp.cmd('start tx_first', timeout=30)
        time.sleep(6)
        tp.cmd('stop', timeout=30)
        time.sleep(1)
        port = [tp.stats(p) for p in (0, 1)]
        dev = [model.status(d) for d in (0, 1)]
        rc = tp.quit(timeout=60)
    except h.HarnessError as e:
        print('FAIL: %s' % e)
        return 1
    finally:
        if tp is not None:
            tp.kill()
        model.stop()
        log = tp.text() if tp is not None else ''
        model_log = model.log_text()
        for f in (run + '.log', run + '.model'):
            if os.path.exists(f):
                os.unlink(f)
        shutil.rmtree(run, ignore_errors=True)

    for line in log.replace('\r\n', '\n').split('\n'):
        if re.search(r'opnic_dev_init|vfio_bar', line):
            print(line)
    for p in (0, 1):
        print('port %d: rx %d tx %d (telemetry /ethdev/stats)'
              % (p, port[p]['ipackets'], port[p]['opackets']))
    for d in (0, 1):
        print('dev %d: ' % d + ' '.join('%s %s' % (k, dev[d][k]) for k in
                                        ('tx_pkts', 'rx_pkts', 'rx_no_desc', 'rx_filtered',
                                         'queues_running')))

    bad = []
    if rc != 0:
        bad.append('testpmd exit status %s' % rc)
    for p in (0, 1):
        o = 1 - p
        if port[p]['ipackets'] < 1000:
            bad.append('port %d received %d' % (p, port[p]['ipackets']))
        if port[p]['opackets'] != dev[p]['tx_pkts']:
            bad.append('port %d: PMD sent %d, device consumed %d'
                       % (p, port[p]['opackets'], dev[p]['tx_pkts']))
        if dev[p]['tx_pkts'] != dev[o]['rx_pkts'] + dev[o]['rx_no_desc'] + dev[o]['rx_filtered']:
            bad.append('wire %d->%d does not add up' % (p, o))
    pmd = h.pmd_log_facts(log)
    path, selfmap = pmd['path'], pmd['self_mapped']
    if path != want:
        bad.append('doorbell path %s, expected %s' % (path, want))
    if selfmap != int(self_want):
        bad.append('self-mapped %d, expected %s' % (selfmap, self_want))
    for b in bad:
        print('FAIL: ' + b)
    if bad:
        print('--- testpmd log (tail) ---\n' + log[-3000:])
        print('--- model log ---\n' + model_log)
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
