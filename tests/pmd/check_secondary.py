#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# A DPDK secondary process (Debian's dpdk-proc-info) attaches to ports that a
# primary testpmd is forwarding on, and reads stats and xstats -- including
# the device counters, which it reads through its own BAR mappings.
#   check_secondary.py BUILD PROFILE KERNEL PAGE
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run = t.scratch('opnic-sec')
prefix = 'opnic-sec-%d' % os.getpid()


def remove_hugepage_files():
    for f in glob.glob('/dev/hugepages/%s*' % prefix):
        os.unlink(f)


t.at_exit(remove_hugepage_files)
os.makedirs('/dev/hugepages', exist_ok=True)
if subprocess.run(['mountpoint', '-q', '/dev/hugepages']).returncode != 0:
    subprocess.run(['mount', '-t', 'hugetlbfs', 'nodev', '/dev/hugepages'])
t.start_model(a.build, run, a.profile)
# Not --in-memory: the secondary attaches through the primary's files.
tp = t.start_testpmd(a.build, run, a.kernel, a.page, ['--nb-cores=1', '--no-lsc-interrupt'],
                     in_memory=False, prefix=prefix)
tp.cmd('start tx_first')
time.sleep(1.5)                 # traffic for the secondary to see
pmd = t.harness.plugin_path(a.build)


def sec(*args):
    # The secondary sees the kernel and page size the primary sees (as on
    # a real host): the bus maps from the primary's shared record of them.
    return t.run_cmd([os.path.join(a.build, 'app/opnic-run'), '--run-dir', run,
                      '--kernel', a.kernel, '--page-size', a.page, '--',
                      'dpdk-proc-info', '-d', pmd, '--file-prefix', prefix, '--'] + list(args),
                     timeout=60)


# What the secondary prints is what this test checks: its text is read.
rc1, stats = sec('--stats')
rc2, xstats = sec('--xstats')
rc3 = tp.quit()
print('\n'.join([s for s in stats.splitlines()
                 if re.search('attached|RX-packets|TX-packets', s)][:6]))
print('\n'.join([s for s in xstats.splitlines() if re.search('db_|dev_|good', s)][:20]))
check = t.Checks()
check(rc1 == 0 and rc2 == 0, 'dpdk-proc-info exit status %d/%d' % (rc1, rc2))
check(rc3 == 0, 'primary exit status %s' % rc3)
check(stats.count('secondary process attached') == 2,
      'secondary did not attach to both ports')
m = re.search(r'^ +RX-packets: +([0-9]+)', stats, re.M)
n = int(m.group(1)) if m else None
check((n or 0) > 1000, 'secondary sees RX-packets %s' % (n if n is not None else 'none'))
for x in ('rx_q0_db_syscall', 'tx_q0_db_suppressed', 'dev_dma_errors',
          'rx_dev_no_descriptor_drops'):
    check(re.search('^%s: ' % x, xstats, re.M), 'xstat %s missing in the secondary' % x)
check('Bye' in tp.text(), 'the primary did not exit cleanly')
check.exit()
