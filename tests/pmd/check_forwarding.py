#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unmodified dpdk-testpmd forwards through net_opnic on the emulated NIC:
packet conservation and counts are checked by opnic-testpmd; here we also
assert which register path the doorbells must take for this layout.
  check_forwarding.py BUILD PROFILE KERNEL PAGE MODE QUEUES [opnic-testpmd args...]
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

# Layouts whose doorbells cannot be mapped on a kernel without
# MSIX_MAPPABLE (hole, and hole-nocap: Linux < 4.6, no capability chain):
# (profile, page) -> vfio_bar maps a block itself. On 64 KiB pages the
# table's page is all of BAR0 for the three profiles with the table there,
# and the bus's map around the table fails (its first mmap overlaps it).
REGION_WRITE = {('tight4k', '4k'): 0, ('tight4k', '64k'): 1,
                ('qdma64k', '64k'): 1, ('fpga8k', '64k'): 1}


def expected(build, profile, kernel, page, extra):
    """(doorbell path, self_mapped) this layout must give."""
    want, self_mapped = 'mapped', 0
    if kernel in ('hole', 'hole-nocap') and (profile, page) in REGION_WRITE:
        want, self_mapped = 'region-write', REGION_WRITE[(profile, page)]
        # DPDK >= 23.07 maps the kernel's one empty SPARSE_MMAP area (hole,
        # 64 KiB pages) and succeeds: vfio_bar has nothing left to map itself.
        if kernel == 'hole' and page == '64k' and t.dpdk_version(build) >= (23, 7):
            self_mapped = 0
    if any('regs=rw' in a for a in extra):
        want = 'region-write'
    return want, self_mapped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    for name in ('build', 'profile', 'kernel', 'page', 'mode', 'queues'):
        ap.add_argument(name)
    ap.add_argument('extra', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    want, self_mapped = expected(a.build, a.profile, a.kernel, a.page, a.extra)
    r = subprocess.run([os.path.join(a.build, 'app/opnic-testpmd'), '--profile', a.profile,
                        '--kernel', a.kernel, '--page-size', a.page, '--mode', a.mode,
                        '--queues', a.queues, '--seconds', '2', '--warmup', '1'] + a.extra,
                       stdout=subprocess.PIPE, text=True)
    print(r.stdout, end='', flush=True)
    fail = r.returncode != 0
    if not re.search('^result profile_path=' + re.escape(want), r.stdout, re.M):
        print('FAIL: doorbell path should be ' + want)
        fail = True
    if not re.search('^self_mapped=%d' % self_mapped, r.stdout, re.M):
        print('FAIL: self_mapped should be %d' % self_mapped)
        fail = True
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
