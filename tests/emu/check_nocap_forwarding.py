#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unmodified dpdk-testpmd (DPDK 22.11's PCI bus) forwards through net_opnic
on a Linux 3.6..4.5 vfio-pci (--kernel hole-nocap: no capability chain, the
MSI-X table's pages not mappable), and the doorbells take the path this
layout allows: opnic-testpmd checks packet conservation and counts, this
script the doorbell path and whether vfio_bar had to map the BAR itself.
  check_nocap_forwarding.py BUILD PROFILE PAGE
"""
import os
import re
import subprocess
import sys

# (profile, page) -> (doorbell path, self_mapped) without MSIX_MAPPABLE and
# without SPARSE_MMAP. The table's host page holds the doorbells on
# tight4k; on 64 KiB pages it is all of BAR0 for the three profiles with the
# table in BAR0, and DPDK 22.11's pci_vfio_mmap_bar() fails on them (its
# first mmap, 0..table, overlaps the table page), so vfio_bar maps the BAR
# itself: nothing is mappable, everything goes through region read/write.
EXPECT = {
    ('tight4k', '4k'): ('region-write', 0), ('tight4k', '64k'): ('region-write', 1),
    ('qdma64k', '4k'): ('mapped', 0), ('qdma64k', '64k'): ('region-write', 1),
    ('fpga8k', '4k'): ('mapped', 0), ('fpga8k', '64k'): ('region-write', 1),
    ('separate', '4k'): ('mapped', 0), ('separate', '64k'): ('mapped', 0),
}


def main():
    if len(sys.argv) != 4 or (sys.argv[2], sys.argv[3]) not in EXPECT:
        print('usage: check_nocap_forwarding.py BUILD PROFILE PAGE', file=sys.stderr)
        return 2
    build, profile, page = sys.argv[1:]
    want, self_mapped = EXPECT[(profile, page)]
    r = subprocess.run([os.path.join(build, 'app/opnic-testpmd'), '--profile', profile,
                        '--kernel', 'hole-nocap', '--page-size', page, '--mode', 'io',
                        '--queues', '1', '--seconds', '2', '--warmup', '1'],
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
