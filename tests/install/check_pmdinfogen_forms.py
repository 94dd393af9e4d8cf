#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""buildtools/opnic-pmdinfogen.py on tests/install/pmdinfo_forms.c (the
registration symbols of DPDK 22.11 and of 24.11/25.11, two drivers in one
object): the library built from its output carries one PMD_INFO_STRING per
driver with what the fixture registers - PCI tables of several entries
with subsystem ids, a devargs string with quotes and a backslash, no kmod
or devargs where none is registered. Read with dpdk-pmdinfo.py when it is
installed, else from the library's bytes.

usage: check_pmdinfogen_forms.py LIBRARY [--no-tool]
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

# What pmdinfo_forms.c registers, as dpdk-pmdinfo.py prints it.
EXPECTED = {
    'net_forms_old': {'name': 'net_forms_old',
                      'kmod': '* igb_uio | uio_pci_generic | vfio-pci',
                      'params': 'mode=<"a"|\\b> n=<int>',
                      'pci_ids': [[0x1234, 0x0001, 0xffff, 0xffff],
                                  [0x1234, 0x00a2, 0x5678, 0x9abc]]},
    'net_forms_new': {'name': 'net_forms_new',
                      'pci_ids': [[0xfeed, 0xbeef, 0xffff, 0xffff]]},
}
FIELDS = ('vendor', 'device', 'subsystem_vendor', 'subsystem_device')


def as_pmdinfo(info):
    """INFO as dpdk-pmdinfo.py shows it: hex strings, 0xffff wildcards out."""
    out = {k: v for k, v in info.items() if k != 'pci_ids'}
    out['pci_ids'] = [{f: '%04x' % v for f, v in zip(FIELDS, ids) if v != 0xffff}
                      for ids in info['pci_ids']]
    return out


def main():
    a = t.args('LIBRARY [--no-tool]', 'lib', optional=('no_tool',))
    if a.no_tool not in ('', '--no-tool'):
        print('check_pmdinfogen_forms.py: unknown option %r' % a.no_tool, file=sys.stderr)
        sys.exit(2)
    with open(a.lib, 'rb') as f:
        raw = re.findall(rb'PMD_INFO_STRING= (\{[^\0]*\})\0', f.read())
    infos = [json.loads(r) for r in raw]
    print('%s: %s' % (a.lib, json.dumps(infos)))
    check = t.Checks()
    got = {i.get('name'): i for i in infos}
    check(len(infos) == len(EXPECTED), '%d info strings, expected %d' % (len(infos), len(EXPECTED)))
    for name, want in EXPECTED.items():
        check(got.get(name) == want, '%s: %s, expected %s' % (name, got.get(name), want))
    tool = shutil.which('dpdk-pmdinfo.py') or '/usr/bin/dpdk-pmdinfo.py'
    if not a.no_tool and os.access(tool, os.X_OK):
        p = subprocess.run([tool, a.lib], capture_output=True, text=True, timeout=60)
        shown = {i['name']: i for i in json.loads(p.stdout or '[]')} if p.returncode == 0 else {}
        print('%s: %s' % (tool, json.dumps(shown)))
        check(p.returncode == 0, '%s: status %d: %s' % (tool, p.returncode, p.stderr.strip()))
        for name, want in EXPECTED.items():
            check(shown.get(name) == as_pmdinfo(want), '%s shows %s: %s, expected %s'
                  % (tool, name, shown.get(name), as_pmdinfo(want)))
    check.exit()


if __name__ == '__main__':
    main()
