#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""meson install --destdir puts the net_opnic plugin, and only it, into the
directory EAL loads plugins from without -d: the DPDK_PLUGIN_PATH= string
of the librte_eal the plugin links with (independently of the build's
RTE_EAL_PMD_PATH from rte_build_config.h). The installed plugin has no
RPATH/RUNPATH into the build tree, resolves its libraries, and carries the
PMD info string. Never installs outside a scratch directory.

usage: check_meson_install.py BUILD_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

PLUGIN = 'librte_net_opnic.so'


def eal_plugin_dir(plugin):
    """DPDK_PLUGIN_PATH= in the librte_eal that PLUGIN resolves (ldd)."""
    out = subprocess.run(['ldd', plugin], capture_output=True, text=True, check=True).stdout
    m = re.search(r'^\s*librte_eal\.so\S*\s+=>\s+(/\S+)', out, re.M)
    if not m:
        t.fail('%s: no librte_eal in ldd output:\n%s' % (plugin, out))
    with open(os.path.realpath(m.group(1)), 'rb') as f:
        data = f.read()
    found = re.findall(rb'DPDK_PLUGIN_PATH=([^\0]*)\0', data)
    if len(found) != 1:
        t.fail('%s: %d DPDK_PLUGIN_PATH= strings' % (m.group(1), len(found)))
    return m.group(1), found[0].decode()


def main():
    a = t.args('BUILD_DIR', 'build')
    meson = shutil.which('meson')
    if meson is None:
        t.skip('meson is not on PATH')
    built = os.path.join(a.build, 'drivers', 'net', 'opnic', PLUGIN)
    eal, pmd_dir = eal_plugin_dir(built)
    print('%s: DPDK_PLUGIN_PATH=%s' % (eal, pmd_dir))
    dest = t.scratch('opnic-install')
    p = subprocess.run([meson, 'install', '-C', a.build, '--no-rebuild', '--destdir', dest],
                       capture_output=True, text=True, timeout=300)
    print(p.stdout.strip())
    if p.returncode != 0:
        t.fail('meson install: status %d: %s' % (p.returncode, p.stderr.strip()))
    files = sorted(os.path.relpath(os.path.join(r, f), dest)
                   for r, _, fs in os.walk(dest) for f in fs)
    print('installed: %s' % files)
    want = [os.path.relpath(os.path.join(pmd_dir, PLUGIN), '/')]
    check = t.Checks()
    check(files == want, 'installed %s, expected exactly %s' % (files, want))
    inst = os.path.join(dest, want[0])
    if not os.path.isfile(inst):
        t.fail('%s not installed' % inst)
    dyn = subprocess.run(['readelf', '-d', inst], capture_output=True, text=True).stdout
    paths = re.findall(r'\((?:RPATH|RUNPATH)\).*\[(.*)\]', dyn)
    print('RPATH/RUNPATH: %s' % (paths or 'none'))
    check(not any(os.path.realpath(a.build) in os.path.realpath(x) or a.build in x
                  for p in paths for x in p.split(':')),
          'the installed plugin keeps a path into the build tree: %s' % paths)
    ldd = subprocess.run(['ldd', inst], capture_output=True, text=True).stdout
    check('not found' not in ldd, 'the installed plugin has unresolved libraries:\n' + ldd)
    with open(inst, 'rb') as f:
        info = re.findall(rb'PMD_INFO_STRING= (\{[^\0]*\})\0', f.read())
    names = [json.loads(i).get('name') for i in info]
    print('PMD_INFO_STRING drivers: %s' % names)
    check(names == ['net_opnic'], 'installed plugin: PMD info for %s' % names)
    check.exit()


if __name__ == '__main__':
    main()
