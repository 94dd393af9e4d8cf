#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK telemetry answers for net_opnic ports, consistent with the driver
and the device: testpmd (2 queues per port, RSS off so that the traffic
is queue 0's) on the model, then

  /ethdev/list           the ports testpmd has, one per emulated device
  /ethdev/info,N         the device's PCI address, the configured queues,
                         the MAC testpmd shows
  /ethdev/link_status,N  the model's link state, also after opnic-ctl link
                         DEV down / up (an LSC event)
  /ethdev/stats,N        after io forwarding and a drain (rxonly), the
                         model's counters (opnic-ctl status DEV json):
                         opackets = tx_pkts, ipackets = rx_pkts, imissed =
                         rx_no_desc; bytes = 64 x packets (--txpkts=64)
  /ethdev/xstats,N       the driver's own names in its order (read from
                         opnic_stats.c), the device counters equal to the
                         model's, per-queue counters adding up to the stats,
                         queue 0's doorbells no more than the driver rang

and DPDK's own client (usertools/dpdk-telemetry.py) gives the same list.

usage: check_telemetry.py BUILD PROFILE KERNEL PAGE
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'install'))
import opnic_test as t  # noqa: E402
import driver_facts  # noqa: E402

NQ = 2
FRAME = 64
# xstats the device counts (driver name -> opnic-ctl status field).
DEV_XSTATS = {'rx_dev_no_descriptor_drops': 'rx_no_desc', 'rx_dev_filtered': 'rx_filtered',
              'dev_dma_errors': 'dma_errors', 'dev_descriptor_errors': 'desc_errors',
              'dev_link_down_drops': 'link_drops'}

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
run, model, tp = t.testpmd_on_model(
    a, 'opnic-tel', testpmd_args=('--forward-mode=io', '--rxq=%d' % NQ, '--txq=%d' % NQ,
                                  '--txpkts=%d' % FRAME, '--nb-cores=1',
                                  '--disable-rss'))
check = t.Checks()
devs = t.harness.pci_devices(run)


def until(fn, want, timeout=10.0):
    """FN() until it returns WANT (or TIMEOUT); its last value. The caller
    checks that value: a counter that never agrees fails there."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v == want or time.monotonic() > deadline:
            return v
        time.sleep(0.1)


# /ethdev/list
ports = tp.telemetry('/ethdev/list')
print('/ethdev/list: %s (devices %s)' % (ports, devs))
if not check(ports == list(range(len(devs))), '/ethdev/list %s, expected one port per device %s'
             % (ports, devs)):
    t.fail('no ports to check')

# /ethdev/info,N against testpmd's own view of the port
for p in ports:
    info = tp.telemetry('/ethdev/info,%d' % p)
    shown = tp.cmd('show port info %d' % p)
    mac = re.search(r'MAC address: ([0-9A-Fa-f:]{17})', shown)
    drv = re.search(r'Driver name: (\S+)', shown)
    print('/ethdev/info,%d: name %s rxq %s txq %s mac %s started %s; testpmd: driver %s mac %s'
          % (p, info.get('name'), info.get('nb_rx_queues'), info.get('nb_tx_queues'),
             info.get('mac_addr'), info.get('dev_started'),
             drv.group(1) if drv else None, mac.group(1) if mac else None))
    check(info.get('name') == devs[p], 'port %d: name %s, expected %s' % (p, info.get('name'), devs[p]))
    check(info.get('nb_rx_queues') == NQ and info.get('nb_tx_queues') == NQ,
          'port %d: queues %s/%s, expected %d' % (p, info.get('nb_rx_queues'),
                                                  info.get('nb_tx_queues'), NQ))
    check(info.get('dev_started') == 1, 'port %d: not started' % p)
    check(drv is not None and drv.group(1) == driver_facts.registration()['name'],
          'port %d: testpmd shows driver %s' % (p, drv.group(1) if drv else None))
    check(mac is not None and str(info.get('mac_addr')).upper() == mac.group(1).upper(),
          'port %d: telemetry MAC %s, testpmd %s' % (p, info.get('mac_addr'),
                                                    mac.group(1) if mac else None))

# /ethdev/link_status,N follows the model's link
for p in ports:
    st = model.status(p)
    link = tp.link(p)
    print('/ethdev/link_status,%d: %s (model: %s)' % (p, link, st['link']))
    check(link.get('status') == st['link'].upper(), 'port %d: link %s, model %s'
          % (p, link.get('status'), st['link']))
for state in ('down', 'up'):
    model.ctl('link', 0, state)
    got = until(lambda: tp.link(0).get('status'), state.upper())
    print('opnic-ctl link 0 %s -> /ethdev/link_status,0 %s (model: %s)'
          % (state, got, model.status(0)['link']))
    check(got == state.upper(), 'link %s: telemetry says %s' % (state, got))

# Forward; then wait until each device has sent what its port queued, and
# drain what the devices wrote into the RX rings (rxonly transmits nothing)
# until the driver has seen every frame: the counters settle, under any load.
tp.cmd('start tx_first')
time.sleep(1.0)
tp.cmd('stop')


def settled(driver_key, model_key):
    return lambda: all(tp.stats(p)[driver_key] == model.status(p)[model_key] for p in ports)


until(settled('opackets', 'tx_pkts'), True)
tp.cmd('set fwd rxonly')
tp.cmd('start')
until(settled('ipackets', 'rx_pkts'), True)
tp.cmd('stop')

xnames = driver_facts.xstat_names(NQ, NQ)
for p in ports:
    s = tp.stats(p)
    xs = tp.xstats(p)
    st = model.status(p)
    print('/ethdev/stats,%d: ipackets %d opackets %d ibytes %d obytes %d imissed %d ierrors %d '
          'oerrors %d; model rx_pkts %d tx_pkts %d rx_no_desc %d'
          % (p, s['ipackets'], s['opackets'], s['ibytes'], s['obytes'], s['imissed'],
             s['ierrors'], s['oerrors'], st['rx_pkts'], st['tx_pkts'], st['rx_no_desc']))
    # More than tx_first's burst of 32 per port: frames went round the ports.
    check(s['ipackets'] > 64, 'port %d: only %d packets received' % (p, s['ipackets']))
    check(s['opackets'] == st['tx_pkts'], 'port %d: opackets %d, the device sent %d'
          % (p, s['opackets'], st['tx_pkts']))
    check(s['ipackets'] == st['rx_pkts'], 'port %d: ipackets %d, the device received %d'
          % (p, s['ipackets'], st['rx_pkts']))
    check(s['imissed'] == st['rx_no_desc'], 'port %d: imissed %d, the device dropped %d'
          % (p, s['imissed'], st['rx_no_desc']))
    check(s['ibytes'] == FRAME * s['ipackets'] and s['obytes'] == FRAME * s['opackets'],
          'port %d: bytes %d/%d for %d/%d frames of %d B' % (p, s['ibytes'], s['obytes'],
                                                           s['ipackets'], s['opackets'], FRAME))
    check(s['ierrors'] == 0 and s['oerrors'] == 0, 'port %d: errors %d/%d'
          % (p, s['ierrors'], s['oerrors']))
    for k in ('q_ipackets', 'q_opackets'):
        total = 'ipackets' if k == 'q_ipackets' else 'opackets'
        check(sum(s[k][:NQ]) == s[total] and not any(s[k][NQ:]),
              'port %d: %s %s do not add up to %s %d' % (p, k, s[k], total, s[total]))

    keys = list(xs)
    tail = keys[-len(xnames):]
    print('/ethdev/xstats,%d: %d names, the driver\'s %d: %s'
          % (p, len(keys), len(xnames), {k: xs[k] for k in xnames if xs.get(k)}))
    check(tail == xnames, 'port %d: the driver\'s xstats are %s, opnic_stats.c gives %s'
          % (p, tail, xnames))
    for x, f in DEV_XSTATS.items():
        check(xs.get(x) == st[f], 'port %d: xstat %s %s, the device counts %s %d'
              % (p, x, xs.get(x), f, st[f]))
    check(xs.get('rx_good_packets') == s['ipackets'] and xs.get('tx_good_packets') == s['opackets'],
          'port %d: rx/tx_good_packets %s/%s, stats %d/%d'
          % (p, xs.get('rx_good_packets'), xs.get('tx_good_packets'), s['ipackets'], s['opackets']))
    for d in ('rx', 'tx'):
        for q in range(NQ):
            x = xs.get('%s_q%d_packets' % (d, q))
            want = s['q_%spackets' % ('i' if d == 'rx' else 'o')][q]
            check(x == want, 'port %d: %s_q%d_packets %s, stats %d' % (p, d, q, x, want))
        for q in range(NQ):
            rings = sum(xs.get('%s_q%d_db_%s' % (d, q, w), 0) for w in ('mmio', 'syscall'))
            dev = st.get('%sq%d_doorbells' % (d, q))
            print('  %s queue %d: doorbells the driver rang %d, the device saw %s'
                  % (d, q, rings, 'no count' if dev is None else dev))
            # opnic-ctl status counts queue 0's doorbells as the device saw
            # them: a new value at its poll (writes between two polls count
            # once). So at most what the driver rang, and some if it rang.
            check(dev is None or (dev <= rings and (dev > 0) == (rings > 0)),
                  'port %d: %s queue %d: the driver rang %d doorbells, the device saw %s'
                  % (p, d, q, rings, dev))
    if p == 0:
        check(xs.get('lsc_interrupts', 0) >= 2, 'port 0: lsc_interrupts %s after a link down '
              'and up' % xs.get('lsc_interrupts'))

# DPDK's own client gives the same list.
client = shutil.which('dpdk-telemetry.py') or '/usr/bin/dpdk-telemetry.py'
if os.access(client, os.X_OK):
    r = subprocess.run([client, '-f', tp.prefix], input='/ethdev/list\n',
                       capture_output=True, text=True, timeout=30)
    answers = [json.loads(line) for line in r.stdout.splitlines() if line.startswith('{')]
    lists = [x['/ethdev/list'] for x in answers if '/ethdev/list' in x]
    print('%s -f %s: /ethdev/list %s' % (client, tp.prefix, lists))
    check(lists == [ports], '%s: /ethdev/list %s, expected %s (stderr %s)'
          % (client, lists, ports, r.stderr.strip()[-200:]))
else:
    print('dpdk-telemetry.py not installed: the harness client only')

rc = tp.quit()
check(rc == 0, 'testpmd exit status %s' % rc)
check.exit()
