#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tree's rule: the PCIe link is the line through it.

- The device side (lib/: model, wires, VFIO emulation; app/device/: the
  model daemon and its tools) includes no DPDK header (rte_*.h, *_driver.h,
  ethdev_*.h).
- The driver side (drivers/: the PMD and the VFIO BAR library) includes no
  device-side header: of the project's own headers it may include only its
  own and include/opnic_regs.h.

usage: check_sides.py SOURCE_ROOT
Before checking the tree, the checker is run on a small tree with one
violation of each kind and must find both (a check that cannot fail is no
check). Exit status 0: the rule holds; 1: a violation (each one printed).
"""

import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
DPDK_HEADER = re.compile(r'(^|/)(rte_[^/]*|ethdev_[^/]*|[a-z_]*_driver)\.h$')
DEVICE_DIRS = ('lib', 'app/device')
DRIVER_DIRS = ('drivers',)
SHARED = ('include',)   # headers both sides may include: opnic_regs.h
SOURCES = ('.c', '.h')


def sources(root, dirs):
    for d in dirs:
        for top, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if f.endswith(SOURCES):
                    yield os.path.join(top, f)


def includes(path):
    with open(path, errors='replace') as f:
        return INCLUDE.findall(f.read())


def violations(root):
    bad = []
    for path in sources(root, DEVICE_DIRS):
        for h in includes(path):
            if DPDK_HEADER.search(h):
                bad.append('%s: device side includes DPDK header <%s>'
                           % (os.path.relpath(path, root), h))
    device_headers = {os.path.basename(p) for p in sources(root, DEVICE_DIRS)
                      if p.endswith('.h')}
    driver_headers = {os.path.basename(p) for p in sources(root, DRIVER_DIRS)
                      if p.endswith('.h')}
    shared = {os.path.basename(p) for p in sources(root, SHARED)}
    for path in sources(root, DRIVER_DIRS):
        for h in includes(path):
            name = os.path.basename(h)
            if name in driver_headers or name in shared:
                continue
            if name in device_headers:
                bad.append('%s: driver side includes device-side header "%s"'
                           % (os.path.relpath(path, root), h))
    return bad


def self_test():
    """The checker finds one planted violation of each kind."""
    with tempfile.TemporaryDirectory() as t:
        files = {
            'lib/model/m.h': '#include <stdint.h>\n',
            'lib/model/m.c': '#include "m.h"\n#include <rte_mbuf.h>\n',
            'include/opnic_regs.h': '\n',
            'drivers/net/x/x.h': '#include "opnic_regs.h"\n',
            'drivers/net/x/x.c': '#include "x.h"\n#include <rte_ethdev.h>\n'
                                 '#include "m.h"\n',
        }
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(t, name)), exist_ok=True)
            with open(os.path.join(t, name), 'w') as f:
                f.write(text)
        found = violations(t)
        want = ['lib/model/m.c: device side includes DPDK header <rte_mbuf.h>',
                'drivers/net/x/x.c: driver side includes device-side header "m.h"']
        if sorted(found) != sorted(want):
            print('FAIL: checker self-test: found %r, expected %r' % (found, want))
            return False
    return True


def main():
    if len(sys.argv) != 2:
        print('usage: check_sides.py SOURCE_ROOT', file=sys.stderr)
        return 2
    root = sys.argv[1]
    if not self_test():
        return 1
    bad = violations(root)
    n_dev = sum(1 for _ in sources(root, DEVICE_DIRS))
    n_drv = sum(1 for _ in sources(root, DRIVER_DIRS))
    for b in bad:
        print('FAIL: ' + b)
    if not bad:
        print('sides apart: %d device-side and %d driver-side files checked'
              % (n_dev, n_drv))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
