#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Debian package in a clean Debian 12: scripts/build-deb.sh builds
opnic_<version>_<arch>.deb; in a debootstrapped bookworm root with Debian's
DPDK (scripts/debian-root.sh; testpmd is in dpdk-dev there), behind an
overlay so that the cached root stays clean, `apt-get install ./DEB`
succeeds and puts the plugin into the root's EAL plugin directory; then
Debian's dpdk-testpmd, started with NO -d, loads it from there, probes
net_opnic on the emulated NIC (the model and the LD_PRELOAD VFIO emulation
from this build, bound into the root) and forwards.

Skips (77) only if the root cannot be made (debootstrap cannot run, no
mirror) or when not run as root.

usage: check_deb.py BUILD_DIR
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
import opnic_test as t  # noqa: E402

SRC = os.path.normpath(os.path.join(HERE, '..', '..'))
ROOT_NAME, SUITE, PACKAGES = 'bookworm', 'bookworm', ['dpdk', 'dpdk-dev']
NS_MARK = 'OPNIC_CHECK_DEB_NS'


def private_mount_namespace():
    """Re-run this test in a mount namespace of its own (same process id):
    the overlay it mounts goes when the test ends, however it ends."""
    if os.environ.get(NS_MARK) == str(os.getpid()):
        return
    os.environ[NS_MARK] = str(os.getpid())
    os.execvp('unshare', ['unshare', '--mount', '--propagation', 'private',
                          sys.executable] + sys.argv)


def plugin_dir(root):
    """DPDK_PLUGIN_PATH= of the root's own librte_eal."""
    import glob
    libs = [p for p in glob.glob(os.path.join(root, 'usr/lib/*/librte_eal.so.*'))
            if not os.path.islink(p)]
    if len(libs) != 1:
        t.fail('%s: librte_eal: %s' % (root, libs or 'none'))
    with open(libs[0], 'rb') as f:
        found = re.findall(rb'DPDK_PLUGIN_PATH=([^\0]*)\0', f.read())
    if len(found) != 1:
        t.fail('%s: %d DPDK_PLUGIN_PATH= strings' % (libs[0], len(found)))
    return found[0].decode()


def main():
    a = t.args('BUILD_DIR', 'build')
    build = os.path.realpath(a.build)
    if os.geteuid() != 0:
        t.skip('needs root (debootstrapped root, mount namespace, chroot)')
    private_mount_namespace()

    rc, out = t.run_cmd([os.path.join(SRC, 'scripts', 'build-deb.sh'), build], timeout=300)
    print(out.strip())
    if rc != 0:
        t.fail('scripts/build-deb.sh: status %d' % rc)
    deb = os.path.realpath(out.strip().splitlines()[-1])
    if not re.match(r'^opnic_[0-9][^_]*_[a-z0-9]+\.deb$', os.path.basename(deb)):
        t.fail('package name %s is not opnic_<version>_<arch>.deb' % os.path.basename(deb))

    p = subprocess.run([os.path.join(SRC, 'scripts', 'debian-root.sh'), ROOT_NAME, SUITE]
                       + PACKAGES, capture_output=True, text=True, timeout=1500)
    if p.returncode != 0:
        t.skip('no Debian %s root (scripts/debian-root.sh: status %d): %s'
               % (SUITE, p.returncode, p.stderr.strip()[-400:]))
    lower = p.stdout.strip().splitlines()[-1]
    print('Debian %s root: %s (cached, kept clean under an overlay)' % (SUITE, lower))

    d = t.scratch('opnic-deb')
    upper, work, root = (os.path.join(d, x) for x in ('upper', 'work', 'root'))
    for x in (upper, work, root):
        os.mkdir(x)
    subprocess.run(['mount', '-t', 'overlay', 'overlay', '-o',
                    'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, work), root],
                   check=True)
    t.at_exit(subprocess.run, ['umount', '-l', root])
    in_root = [os.path.join(SRC, 'scripts', 'in-root.sh'), root]
    binds = []
    for b in sorted({SRC, build, os.path.dirname(deb)}):
        if not any(b == x or b.startswith(x + '/') for x in binds):
            binds.append(b)
    for b in binds:
        in_root += ['--bind', b]

    # apt-get install ./DEB: its dependencies come from the root's DPDK.
    rc, out = t.run_cmd(in_root + ['env', 'DEBIAN_FRONTEND=noninteractive',
                                   'apt-get', 'install', '-y', '--no-install-recommends', deb],
                        timeout=300)
    print(out.strip()[-1500:])
    if rc != 0:
        t.fail('apt-get install %s in the %s root: status %d' % (deb, SUITE, rc))
    pmd_dir = plugin_dir(root)
    rc, listed = t.run_cmd(in_root + ['dpkg', '-L', 'opnic'], timeout=60)
    plugin = os.path.join(pmd_dir, 'librte_net_opnic.so')
    print('dpkg -L opnic:\n' + listed.strip())
    check = t.Checks()
    check(rc == 0 and plugin in listed.split(), 'dpkg -L opnic does not list %s' % plugin)
    check(os.path.isfile(root + plugin), '%s not in the root' % plugin)

    # Debian's testpmd, no -d, on the model: the plugin comes from pmd_dir.
    run = t.scratch('opnic-deb-run')
    t.on_fail(lambda: t.tail(os.path.join(run, 'tp.log'), 40))
    t.start_model(build, run, 'tight4k')
    env = t.harness.emu_env(build, t.CONFIG_DIR, run, 'hole', '4k', base={})
    prefix = t.harness.file_prefix('opnic-deb')
    argv = in_root + ['env'] + ['%s=%s' % kv for kv in sorted(env.items())] + [
        '/usr/bin/dpdk-testpmd', '--in-memory', '--file-prefix', prefix, '-l', '0,1',
        '--log-level=lib.eal:debug']
    for dev in t.harness.pci_devices(run):
        argv += ['-a', dev]
    argv += ['--', '-i', '--forward-mode=io', '--nb-cores=1']
    check('-d' not in argv, 'testpmd started with -d')
    tp = t.Testpmd(argv, prefix, log=os.path.join(run, 'tp.log'))
    t.at_exit(tp.kill)
    try:
        tp.start(timeout=120)
    except t.HarnessError as e:
        print(e)
        t.fail('testpmd in the %s root did not start' % SUITE)
    text = tp.text()
    loaded = re.findall(r'open shared lib (\S*librte_net_opnic\S*)', text)
    print('EAL loaded: %s' % loaded)
    check(loaded == [plugin], 'EAL loaded %s, expected %s from its plugin directory'
          % (loaded, plugin))
    probed = re.findall(r'Probe PCI driver: (\S+) \(([0-9a-f]+):([0-9a-f]+)\) device: (\S+)', text)
    print('probed: %s' % probed)
    ours = [x for x in probed if x[0] == 'net_opnic']
    check(len(ours) == 2, 'net_opnic probed %d devices (%s), expected 2' % (len(ours), probed))
    shown = tp.cmd('show port info 0')
    drv = re.search(r'Driver name: (\S+)', shown)
    check(drv is not None and drv.group(1) == 'net_opnic',
          'port 0 driver %s' % (drv.group(1) if drv else None))
    tp.cmd('start tx_first')
    time.sleep(1.0)
    tp.cmd('stop')
    rx = [tp.stats(port)['ipackets'] for port in (0, 1)]
    print('forwarded: ipackets %s' % rx)
    # More than tx_first's burst of 32 per port: frames went round the ports.
    check(min(rx) > 64, 'no forwarding through the installed plugin: ipackets %s' % rx)
    rc = tp.quit()
    check(rc == 0, 'testpmd exit status %s' % rc)
    check.exit()


if __name__ == '__main__':
    main()
