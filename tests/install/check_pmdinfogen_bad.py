#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""buildtools/opnic-pmdinfogen.py on bad input: a missing file, an empty
one, garbage, a truncated object, a truncated archive, an object that
registers no driver. Each is exit status 1 with one error line naming the
file, no Python traceback, and no output file.

usage: check_pmdinfogen_bad.py BUILD_DIR
"""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                   'buildtools', 'opnic-pmdinfogen.py')


def main():
    a = t.args('BUILD_DIR', 'build')
    objs = sorted(glob.glob(os.path.join(a.build, 'drivers', 'net', 'opnic',
                                         'libtmp_rte_net_opnic.a.p', '*.o')))
    pci_o = [o for o in objs if o.endswith('opnic_pci.c.o')]
    rss_o = [o for o in objs if o.endswith('opnic_rss.c.o')]
    if not pci_o or not rss_o:
        t.fail('no driver objects in %s (build first)' % a.build)
    d = t.scratch('pmdinfogen-bad')
    with open(pci_o[0], 'rb') as f:
        obj = f.read()
    cases = {
        'missing': None,
        'empty': b'',
        'garbage': b'this is not an object file\n' * 10,
        'elf-header-only': obj[:64],
        'elf-truncated': obj[:len(obj) // 2],
        'archive-truncated': b'!<arch>\n' + b'x.o/' + b' ' * 20,
        'thin-archive-member-missing': (b'!<thin>\n' + b'gone.o/'.ljust(16) + b'0'.ljust(12)
                                        + b'0'.ljust(6) + b'0'.ljust(6) + b'644'.ljust(8)
                                        + b'100'.ljust(10) + b'`\n'),
    }
    check = t.Checks()
    for name, data in cases.items():
        path = os.path.join(d, name + '.o')
        if data is not None:
            with open(path, 'wb') as f:
                f.write(data)
        check_one(check, name, [path], d)
    check_one(check, 'no-driver', [rss_o[0]], d, names=rss_o[0])
    check.exit()


def check_one(check, name, inputs, d, names=None):
    out = os.path.join(d, name + '.pmd.c')
    p = subprocess.run([sys.executable, GEN, out] + inputs, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    err = p.stderr.strip()
    print('%s: status %d: %s' % (name, p.returncode, err))
    check(p.returncode == 1, '%s: status %d, expected 1' % (name, p.returncode))
    check('Traceback' not in err, '%s: a Python traceback: %s' % (name, err))
    check(err.startswith('opnic-pmdinfogen: ') and (names or inputs[0]) in err,
          '%s: the error does not name %s: %r' % (name, names or inputs[0], err))
    check(not os.path.exists(out) and not os.path.exists(out + '.tmp'),
          '%s: an output file was written' % name)


if __name__ == '__main__':
    main()
