#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Bad input from the user side gets a clear error naming the value, and a
# clean failure (no crash, no leftover model process).
#   check_bad_input.py BUILD CASE
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

a = t.args('BUILD CASE', 'build', 'case')
build, case = a.build, a.case
tmp = t.scratch('opnic-bad')
pmd = t.harness.plugin_path(build)
run_tool = os.path.join(build, 'app/opnic-run')
model_exe = os.path.join(build, 'app/opnic-model')
ctl_exe = os.path.join(build, 'app/opnic-ctl')
out = ''


def expect(want, pat, argv, env=None, name=None):
    """Run ARGV; WANT 'nonzero' requires a failure; no death by a signal;
    its output must match the regular expression PAT. Everything it starts
    is in its own process group, killed if it is still there after 60 s."""
    global out
    name = name or ' '.join(argv)
    rc, out = t.run_cmd(argv, timeout=60, env=env)
    t.tail('\n'.join(s for s in out.splitlines()
                     if not re.search('log level|open shared lib', s)), 15, is_path=False)
    if rc == 124:
        t.fail("'%s' did not exit within 60 s" % name)
    if want == 'nonzero' and rc == 0:
        t.fail("'%s' succeeded, expected a failure" % name)
    if rc >= 128:
        t.fail("'%s' died with signal %d" % (name, rc - 128))
    if not re.search(pat, out):
        t.fail('no message matching: ' + pat)
    print('ok: ' + pat)


def expect_noport(pat, argv, env=None, name=None):
    """testpmd keeps running without ports: the failure is that no port was
    probed, and the message that says why."""
    expect('any', pat, argv, env, name)
    if 'No probed ethernet devices' not in out:
        t.fail('a port was probed')
    print('ok: no port probed')


def testpmd_on(profile, devargs):
    return [run_tool, '--profile', profile, '--kernel', 'hole', '--', 'dpdk-testpmd', '-d', pmd,
            '--in-memory', '-l', '0,1', '-a', '0000:0b:00.0' + devargs,
            '-a', '0000:0b:01.0' + devargs, '--', '--nb-cores=1', '--no-lsc-interrupt']


def profile_edit(name, src, pattern, repl, extra=''):
    """A copy of config/SRC.profile in TMP with PATTERN replaced (per line)."""
    with open(os.path.join(t.CONFIG_DIR, src + '.profile')) as f:
        text = re.sub(pattern, repl, f.read(), flags=re.M) if pattern else f.read()
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write(text + extra)
    return path


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def model(*args):
    return [model_exe, '--run-dir', os.path.join(tmp, 'r')] + list(args)


PCAP_HDR = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
if case == 'kernel':
    expect('nonzero', "--kernel 'weird': expected 'mappable' or 'hole'",
           [run_tool, '--kernel', 'weird', '--', 'true'])
elif case == 'page':
    expect('nonzero', "--page-size '16k': expected '4k', '64k' or 'native'",
           [run_tool, '--page-size', '16k', '--', 'true'])
elif case == 'profile-name':
    # Every profile in config/ is named (revision 1 and *-v2).
    have = sorted(f[:-len('.profile')] for f in os.listdir(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'config'))
        if f.endswith('.profile'))
    expect('nonzero', r"--profile 'nosuch': unknown \(have: " + re.escape(' '.join(have)),
           [run_tool, '--profile', 'nosuch', '--', 'true'])
elif case == 'no-huge':
    expect('nonzero', '--no-huge gives anonymous private memory',
           [run_tool, '--', 'dpdk-testpmd', '--no-huge', '--', '-i'])
elif case == 'profile-overlap':
    p = profile_edit('overlap.profile', 'tight4k', r'^block mbox .*', 'block mbox 0x0c10 0x0100')
    expect('nonzero', r'overlap.profile: block mbox \(0xc10\+0x100\) overlaps block stats',
           [run_tool, '--profile', p, '--', 'true'])
elif case == 'profile-beyond':
    p = profile_edit('beyond.profile', 'tight4k', r'^block mbox .*', 'block mbox 0xff80 0x0100')
    expect('nonzero', 'beyond.profile: block mbox at 0xff80 size 0x100 lies beyond BAR0',
           [run_tool, '--profile', p, '--', 'true'])
elif case == 'profile-line':
    p = profile_edit('key.profile', 'qdma64k', None, None, extra='msix_vectorz 4\n')
    expect('nonzero', "key.profile:[0-9]+: unknown key 'msix_vectorz'",
           [run_tool, '--profile', p, '--', 'true'])
elif case == 'devarg-value':
    expect_noport("devarg db_suppress='2': accepted '0' or '1'",
                  testpmd_on('tight4k', ',db_suppress=2'))
elif case == 'devarg-regs':
    expect_noport("devarg regs='mmap': accepted 'auto' or 'rw'",
                  testpmd_on('tight4k', ',regs=mmap'))
elif case == 'devarg-lsc':
    expect_noport("devarg lsc='irq': accepted 'intr' or 'poll'",
                  testpmd_on('tight4k', ',lsc=irq'))
elif case == 'devarg-empty':
    expect_noport("devarg db_suppress='': accepted '0' or '1'",
                  testpmd_on('tight4k', ',db_suppress='))
elif case == 'devarg-novalue':
    # A key with no '=value': DPDK's kvargs hands the PMD a NULL value.
    for key, want in (('regs', "regs=auto or regs=rw"),
                      ('db_suppress', "db_suppress=0 or db_suppress=1"),
                      ('lsc', "lsc=intr or lsc=poll")):
        expect_noport('devarg %s given without a value: expected %s' % (key, want),
                      testpmd_on('tight4k', ',' + key))
elif case == 'devarg-twice':
    expect_noport(r"devarg regs given 2 times in 'regs=rw,regs=auto': give it once",
                  testpmd_on('tight4k', ',regs=rw,regs=auto'))
elif case == 'bar-small':
    # The kernel reports a BAR0 of 4 KiB; the directory lists blocks
    # beyond it: the driver refuses the device and says which block.
    env = dict(os.environ, OPNIC_EMU_BAR0_SIZE='0x1000')
    expect_noport(r"register block 'qcfg' at 0x1000 size 0x1000 does not fit BAR0 \(0x1000 bytes\)",
                  testpmd_on('separate', ''), env=env)
elif case == 'devarg-unknown':
    expect_noport("cannot parse devargs 'turbo=1'", testpmd_on('tight4k', ',turbo=1'))
elif case == 'block-version':
    p = profile_edit('v2.profile', 'tight4k', r'^block rss (.*)$', r'block rss \1 version=2')
    expect_noport(r"register block 'rss' at BAR0\+0x400 has version 2; "
                  'this driver knows version 1 only', testpmd_on(p, ''))
elif case == 'no-model':
    run = os.path.join(tmp, 'run')
    t.start_model(build, run, 'tight4k', devices=2).stop()
    env = dict(os.environ, OPNIC_RUN_DIR=run, OPNIC_KERNEL='hole',
               SYSFS_PCI_DEVICES=os.path.join(run, 'sysfs/bus/pci/devices'),
               LD_PRELOAD=os.path.join(build, 'lib/vfio_emu/libopnic_vfio_emu.so'))
    expect_noport('cannot reach the NIC model at %s/model.sock' % run,
                  ['dpdk-testpmd', '-d', pmd, '--in-memory', '-l', '0,1', '-a', '0000:0b:00.0',
                   '--', '-i'], env=env)
elif case == 'model-args':
    expect('nonzero', "--devices '9': expected 1..8", model('--devices', '9'))
    expect('nonzero', r'--wire pair needs an even number of devices \(got 3\)',
           model('--devices', '3'))
    expect('nonzero', "--mac '0=zz:00:00:00:00:01': expected N=aa:bb:cc:dd:ee:ff",
           model('--mac', '0=zz:00:00:00:00:01'))
elif case == 'wire-args':
    expect('nonzero', "--port 0: wire 'warp:1': unknown kind 'warp'", model('--port', '0=warp:1'))
    expect('nonzero', "--port 0: tap:'': expected an interface name", model('--port', '0=tap:'))
    none = os.path.join(tmp, 'none.pcap')
    expect('nonzero', "--port 1: pcap rx '%s': No such file" % none,
           model('--port', '1=pcap:rx=' + none))
    bad = write('bad.pcap', b'not a pcap file at all....')
    expect('nonzero', "pcap rx '%s': magic 0x20746f6e is not a pcap file" % bad,
           model('--port', '0=pcap:rx=' + bad))
    # A valid header, then a record claiming 4000 bytes with 10 present.
    trunc = write('trunc.pcap', PCAP_HDR + struct.pack('<IIII', 0, 0, 4000, 4000) + bytes(10))
    expect('nonzero', r'record 1 at byte 24: captured length 4000 \(frame length 4000\) '
           'is not a whole frame', model('--port', '0=pcap:rx=' + trunc))
    wifi = write('wifi.pcap', struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
    expect('nonzero', r'link type 105, expected 1 \(Ethernet\)', model('--port', '0=pcap:rx=' + wifi))
    expect('nonzero', "tester: size '10': expected a number from 64 to 9000",
           model('--port', '0=tester:size=10'))
    expect('nonzero', "tester: unknown key 'speed'", model('--port', '0=tester:speed=9'))
    expect('nonzero', '--port 5=tap:x: the model runs 2 devices', model('--port', '5=tap:x'))
    expect('nonzero', "--random-faults 'lots': expected PPM", model('--random-faults', 'lots'))
elif case == 'ctl-args':
    expect('nonzero', "device '12': expected 0..7", [ctl_exe, '--run-dir', tmp, 'link', '12', 'up'])
    expect('nonzero', 'cannot reach the model at %s/model.sock' % tmp,
           [ctl_exe, '--run-dir', tmp, 'status', '0'])
else:
    print('unknown case %s' % case)
    sys.exit(2)
