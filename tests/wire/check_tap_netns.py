#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Real peers through the emulated NIC: each opnic port's wire is a TAP
# interface in a network namespace this test creates (A: 10.77.0.1 on port
# 0, B: 10.77.0.2 on port 1). testpmd forwards io between the ports, so the
# Linux stacks in A and B talk only through net_opnic and the model:
#   - ping A -> B gets every reply; tcpdump in B sees well-formed ARP/ICMP;
#   - a 16 MiB TCP transfer A -> B arrives byte-identical (sha256), B's
#     kernel counts no checksum errors and tcpdump -vv finds every TCP
#     checksum correct.
#   check_tap_netns.py BUILD PROFILE KERNEL PAGE
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

SERVER = r'''
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 5201)); s.listen(1); s.settimeout(60)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(60); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    h.update(b); n += len(b)
open(sys.argv[1], "w").write("%s %d\n" % (h.hexdigest(), n))
'''
CLIENT = r'''
import socket, sys
s = socket.create_connection(("10.77.0.2", 5201), timeout=60)
with open(sys.argv[1], "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
'''

a = t.args('BUILD PROFILE KERNEL PAGE', 'build', 'profile', 'kernel', 'page')
t.need('ip', 'tcpdump', 'ping', 'python3')
tag = os.getpid()
nsa, nsb = 'opnic-a-%d' % tag, 'opnic-b-%d' % tag
tapa, tapb = 'opta%d' % tag, 'optb%d' % tag
run = t.scratch('opnic-tap')
t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 20))


def sh(*argv, ns=None, **kw):
    """ARGV (in namespace NS): its exit status (output shown unless captured)."""
    pre = ['ip', 'netns', 'exec', ns] if ns else []
    return subprocess.run(pre + list(argv), **kw).returncode


model = t.start_model(a.build, run, a.profile, '--port', '0=tap:' + tapa, '--port', '1=tap:' + tapb)
for ns in (nsb, nsa):           # deleted at exit, as created
    t.at_exit(sh, 'ip', 'netns', 'del', ns, stderr=subprocess.DEVNULL)
if sh('ip', 'netns', 'add', nsa) or sh('ip', 'netns', 'add', nsb):
    t.fail('cannot create namespaces')
if sh('ip', 'link', 'set', tapa, 'netns', nsa) or sh('ip', 'link', 'set', tapb, 'netns', nsb):
    t.fail('cannot move the TAP interfaces')
sh('ip', '-n', nsa, 'addr', 'add', '10.77.0.1/24', 'dev', tapa)
sh('ip', '-n', nsb, 'addr', 'add', '10.77.0.2/24', 'dev', tapb)
for ns, tap in ((nsa, tapa), (nsb, tapb)):
    sh('ip', '-n', ns, 'link', 'set', 'lo', 'up')
    sh('ip', '-n', ns, 'link', 'set', tap, 'up')
    # No router solicitations or DAD noise: only the test's traffic.
    sh('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', ns=ns)

# testpmd, io forwarding port 0 <-> port 1.
tp = t.start_testpmd(a.build, run, a.kernel, a.page, ['--forward-mode=io', '--no-lsc-interrupt'])
tp.cmd('start')

# tcpdump in B, capturing once it says so.
bpcap = os.path.join(run, 'b.pcap')
dump = t.Interactive(['ip', 'netns', 'exec', nsb, 'tcpdump', '-i', tapb, '-U', '-s', '0',
                      '-w', bpcap], 'listening on', log=os.path.join(run, 'dump.log'))
t.at_exit(dump.kill)
dump.start(timeout=10)

print('== ping 10.77.0.1 -> 10.77.0.2 through net_opnic', flush=True)
ping = subprocess.run(['ip', 'netns', 'exec', nsa, 'ping', '-c', '10', '-i', '0.2', '-W', '2',
                       '10.77.0.2'], capture_output=True, text=True)
print(ping.stdout, end='', flush=True)
if ' 0% packet loss' not in ping.stdout:
    t.fail('ping lost packets')

print('== TCP transfer A -> B', flush=True)
data, got_file = os.path.join(run, 'data'), os.path.join(run, 'got')
with open(data, 'wb') as f:
    f.write(os.urandom(16 << 20))
with open(data, 'rb') as f:
    want = hashlib.sha256(f.read()).hexdigest()
sh('nstat', '-n', ns=nsb, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
server = t.Interactive(['ip', 'netns', 'exec', nsb, 'python3', '-c', SERVER, got_file],
                       'listening')
t.at_exit(server.kill)
server.start(timeout=10)
start = time.monotonic()
if sh('python3', '-c', CLIENT, data, ns=nsa) != 0:
    t.fail('TCP client failed')
server.wait(70)
end = time.monotonic()
try:
    with open(got_file) as f:
        got, nbytes = f.read().split()
except (OSError, ValueError):
    t.fail('the server saw no data')
print('sent sha256 %s, received sha256 %s (%s bytes) in %.3f s' % (want, got, nbytes, end - start))
if got != want:
    t.fail('the data changed on the way')
ns_out = subprocess.run(['ip', 'netns', 'exec', nsb, 'nstat', '-az', 'TcpInCsumErrors'],
                        capture_output=True, text=True).stdout
m = re.search(r'TcpInCsumErrors +([0-9]+)', ns_out)
csum = m.group(1) if m else None
print('B: TcpInCsumErrors %s' % (csum or '?'))
if (csum or '0') != '0':
    t.fail("B's kernel counted %s TCP checksum errors" % csum)

time.sleep(0.5)                 # the last frames reach tcpdump
dump.kill(signal.SIGTERM)
# tcpdump -vv is the independent judge of the frames: its text is read.
txt = subprocess.run(['tcpdump', '-r', bpcap, '-nn', '-e', '-vv'], capture_output=True,
                     text=True).stdout
arp = len(re.findall(r'ARP.*(who-has|is-at)', txt))
echo_req = txt.count('ICMP echo request')
echo_rep = txt.count('ICMP echo reply')
tcp_ok = len(re.findall(r'cksum 0x[0-9a-f]* \(correct\)', txt))
bad_lines = [s for s in txt.splitlines()
             if re.search('incorrect|truncated|bad hdr|malformed', s, re.I)]
print('tcpdump in B: %d ARP, %d echo requests, %d echo replies, %d checksums verified correct, '
      '%d malformed' % (arp, echo_req, echo_rep, tcp_ok, len(bad_lines)))
if echo_req < 10 or echo_rep < 10:
    t.fail('tcpdump did not see the pings')
if tcp_ok <= 1000:
    t.fail('tcpdump verified only %d checksums' % tcp_ok)
if bad_lines:
    print('\n'.join(bad_lines[:10]))
    t.fail('malformed frames')

for p in (0, 1):
    print('testpmd port %d RX-packets %d' % (p, tp.stats(p)['ipackets']))
rc = tp.quit()
if rc != 0:
    t.fail('testpmd exit status %s' % rc)
print('port 0 wire: %s' % model.status(0).get('wire'))
print('PASS')
