#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's own dpdk-pmdinfo.py reads net_opnic's PMD info string from the
plugin and from an application linked with the static library (opnic-fwd):
the driver name, the PCI ids of include/opnic_regs.h, the kmod dependency
and devargs string the driver registers in opnic_pci.c (read from the
sources by driver_facts.py, not copied here).

usage: check_pmdinfo.py BUILD_DIR
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opnic_test as t  # noqa: E402
import driver_facts  # noqa: E402


def pmdinfo_tool():
    tool = shutil.which('dpdk-pmdinfo.py') or '/usr/bin/dpdk-pmdinfo.py'
    if not os.access(tool, os.X_OK):
        t.skip('dpdk-pmdinfo.py is not installed (Debian: dpdk-dev)')
    return tool


def main():
    a = t.args('BUILD_DIR', 'build')
    tool = pmdinfo_tool()
    reg = driver_facts.registration()
    vendor, device = driver_facts.pci_ids()
    print('driver registers: %s; PCI %04x:%04x' % (json.dumps(reg), vendor, device))
    check = t.Checks()
    check(reg['name'] == 'net_opnic', 'the driver registers as %s, not net_opnic' % reg['name'])
    check('vfio-pci' in reg['kmod'].split(), 'kmod %r does not name vfio-pci' % reg['kmod'])
    binaries = [os.path.join(a.build, 'drivers', 'net', 'opnic', 'librte_net_opnic.so'),
                os.path.join(a.build, 'app', 'opnic-fwd')]
    for path in binaries:
        p = subprocess.run([tool, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        if p.returncode != 0:
            t.fail('%s %s: status %d: %s' % (tool, path, p.returncode, p.stderr.strip()))
        try:
            infos = json.loads(p.stdout)
        except ValueError as e:
            t.fail('%s %s: not JSON (%s): %r' % (tool, path, e, p.stdout[:200]))
        ours = [i for i in infos if i.get('name') == reg['name']]
        print('%s: %s' % (os.path.basename(path), json.dumps(ours)))
        if not check(len(ours) == 1, '%s: %d entries named %s in %s'
                     % (path, len(ours), reg['name'], [i.get('name') for i in infos])):
            continue
        info = ours[0]
        want_ids = [{'vendor': '%04x' % vendor, 'device': '%04x' % device}]
        check(info.get('pci_ids') == want_ids,
              '%s: pci_ids %s, expected %s' % (path, info.get('pci_ids'), want_ids))
        check(info.get('kmod') == reg['kmod'],
              '%s: kmod %r, the driver registers %r' % (path, info.get('kmod'), reg['kmod']))
        check(info.get('params') == reg['params'],
              '%s: params %r, the driver registers %r' % (path, info.get('params'), reg['params']))
    check.exit()


if __name__ == '__main__':
    main()
