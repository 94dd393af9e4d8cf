#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Stop/start under traffic, CYCLES times (port stop/start and, every tenth
# cycle, a full reconfigure with a queue count change), then: every mbuf is
# back in the mempool (in_use_count=0 after the ports stop), traffic flowed
# after the last start, and the device saw no descriptor or DMA errors.
#   check_stop_start.py BUILD PROFILE KERNEL PAGE CYCLES
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD PROFILE KERNEL PAGE CYCLES', 'build', 'profile', 'kernel', 'page', 'cycles')
cycles = int(a.cycles)
run = t.scratch('opnic-ss')
model = t.start_model(a.build, run, a.profile)
tp = t.start_testpmd(a.build, run, a.kernel, a.page,
                     ['--nb-cores=1', '--no-lsc-interrupt', '--disable-link-check',
                      '--total-num-mbufs=16384'])
for c in range(1, cycles + 1):
    tp.cmd('start tx_first')
    time.sleep(0.1)             # traffic while the ports run
    tp.cmd('stop')
    tp.cmd('port stop all')
    if c % 10 == 0:
        q = (c // 10) % 2 + 1
        tp.cmd('port config all rxq %d' % q)
        tp.cmd('port config all txq %d' % q)
    tp.cmd('port start all')
tp.cmd('start tx_first')
time.sleep(1)                   # the last window of traffic
tp.cmd('stop')
rx = sum(tp.stats(p)['ipackets'] for p in (0, 1))
tp.cmd('port stop all')
# The mempool's free counts exist only in testpmd's dump_mempool text
# (telemetry's /mempool/info has no free or in-use count).
dump = tp.cmd(t.testpmd_dump(a.build, 'mempool'))
status = [model.status(d) for d in (0, 1)]
rc = tp.quit()

check = t.Checks()
check(rc == 0, 'exit status %s' % rc)


def field(name):
    """NAME=VALUE from rte_mempool_dump's section of mb_pool_0."""
    sect = re.search(r'^mempool <mb_pool_0>.*?common_pool_count=[0-9]+', dump, re.M | re.S)
    m = re.search(r'^ +%s=([0-9]+)' % name, sect.group(0), re.M) if sect else None
    return int(m.group(1)) if m else None


# rte_mempool_dump: free objects = common_pool_count + total_cache_count.
size, pool, cache = field('size'), field('common_pool_count'), field('total_cache_count')
print('mempool after port stop: size %s, free %s + cached %s'
      % (size if size is not None else '?', pool if pool is not None else '?', cache or 0))
check(size is not None and pool is not None and pool + (cache or 0) == size,
      'mbufs not all back in the mempool')
# testpmd prints a port's MAC address line ("Port 0: 02:...") at each start;
# there is no counter of starts to read.
starts = len(re.findall(r'^Port [01]: ', tp.text(), re.M))
print('port starts seen: %d' % starts)
check(starts >= 2 * cycles, 'only %d port starts for %d cycles' % (starts, cycles))
print('packets received in the last window: %d' % rx)
check(rx > 1000, 'no traffic after the last start')
for d, st in enumerate(status):
    print('device %d: dma_errors %s desc_errors %s' % (d, st['dma_errors'], st['desc_errors']))
    check(st['dma_errors'] == 0 and st['desc_errors'] == 0,
          'device errors in the status of device %d' % d)
errors = [line for line in tp.text().replace('\r\n', '\n').splitlines()
          if re.search('error|Error|ERR', line)
          and not re.search('RX-errors|TX-errors|rx_errors|tx_errors', line)]
print('\n'.join(errors[:5]))
check.exit()
