#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The VFIO emulation against the real thing (issue 9). A q35 QEMU guest
# (TCG, intel-iommu, Debian's kernel) binds QEMU's e1000e, vmxnet3 and
# virtio-net-pci to the real vfio-pci and runs opnic-vfio-info on each; then
# the emulation runs opnic-vfio-info on opnic devices whose MSI-X BAR has the
# same layout (tests/vfio/profiles/like-*.profile) with the kernel behaviour
# this kernel has (MSIX_MAPPABLE, 4 KiB pages). The MSI-X BAR's lines (region
# info and capability chain, MSI-X capability, region read/write of table
# and PBA, mmap of the table page, what DPDK mapped) must be identical once
# the BAR number is normalised, and so must the generic lines (the VGA region
# error). Then vfio_bar's region read/write path on the real e1000e: PBA,
# table, and a write/read-back/restore of RDBAL0 (BAR0+0x2800).
#   check_real_vfio.py BUILD
import difflib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import opnic_test as t  # noqa: E402

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
PAIRS = (('0000:00:04.0', 'like-e1000e'), ('0000:00:05.0', 'like-vmxnet3'),
         ('0000:00:06.0', 'like-virtio-net'))


def lines_of(text):
    """TEXT's lines as awk and sed see them (split at newlines only)."""
    lines = text.split('\n')
    return lines[:-1] if lines[-1] == '' else lines


def msix_view(text):
    """What belongs to the MSI-X BAR, with its number replaced by M, plus
    the generic region lines that do not depend on the device: a list of
    lines. The MSI-X BAR is the digit of the last BARn+... word on an
    `  msix: ` line."""
    lines = lines_of(text)
    m = ''
    for line in lines:
        if re.search(r'^  msix: ', line):
            for f in line.split():
                if re.search(r'^BAR[0-9]\+', f):
                    m = f[3]
                    break
    view, keep = [], False
    for line in lines:
        if re.search('^  region ' + m + ':', line):
            keep = True
        elif re.search(r'^  region [0-9]+:', line):
            keep = False
        if re.search(r'^  region 8: error', line):
            view.append(line)
            continue
        if keep and (re.search(r'^  region [0-9]+:', line) or re.search(r'^    cap ', line)):
            line = line.replace('region ' + m + ':', 'region M:')
            view.append(line.replace('offset-index ' + m, 'offset-index M'))
            continue
        if (re.search(r'^  msix: ', line) or re.search(r'^  region (read|write)', line)
                or re.search(r'^  mmap of the table page', line)
                or re.search('^  BAR' + m + ' after DPDK probe', line)):
            view.append(line.replace('BAR' + m, 'BARM'))
    return view


def info_block(log, bdf):
    """The guest's opnic-vfio-info output for BDF: the lines from
    BEGIN-INFO BDF to END-INFO BDF (as sed -n '/BEGIN/,/END/p')."""
    out, inside = [], False
    for line in lines_of(log):
        if not inside and line.startswith('BEGIN-INFO ' + bdf):
            inside = True
            out.append(line)
        elif inside:
            out.append(line)
            if line.startswith('END-INFO ' + bdf):
                inside = False
    return ''.join(line + '\n' for line in out)


def compare(bdf, prof, real, emu):
    """Compare the MSI-X views of the guest's (REAL) and the emulation's
    (EMU) opnic-vfio-info output; print the diff. False if they differ;
    FAIL if there is too little to compare."""
    real_view, emu_view = msix_view(real), msix_view(emu)
    ids = re.findall(r'^device [^ ]* id ([^ ]*).*$', real, re.M)
    print('== %s (%s) vs emulation %s: %d lines' % (bdf, '\n'.join(ids), prof, len(real_view)))
    diff = list(difflib.unified_diff([s + '\n' for s in real_view], [s + '\n' for s in emu_view],
                                     'real.view', 'emu.view'))
    same = not diff
    if not same:
        sys.stdout.writelines(s if s.endswith('\n') else s + '\n' for s in diff)
        print('FAIL: the emulation differs from vfio-pci for %s' % bdf)
    if len(real_view) < 12:
        sys.stdout.writelines(s + '\n' for s in real_view)
        t.fail('too little to compare for %s' % bdf)
    sys.stdout.flush()
    return same


def boot_guest(build):
    """Boot the guest; its console log (with the opnic-vfio-info output)."""
    r = subprocess.run([os.path.join(TOP, 'scripts/x86-guest.sh')], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        t.fail('cannot build the guest')
    g = r.stdout.rstrip('\n')
    log = os.path.join(build, 'real-vfio-guest-console.log')
    cmdline = ('console=ttyS0 intel_iommu=on quiet '
               'opnic.bind=0000:00:04.0,0000:00:05.0,0000:00:06.0 '
               'opnic.bartest=0000:00:04.0@0:0x2800 '
               'opnic.cmd=%s/tests/vfio/guest/run-info.sh' % TOP)
    rc, _ = t.run_cmd([
        'qemu-system-x86_64', '-M', 'q35', '-accel', 'tcg', '-cpu', 'max', '-m', '2048',
        '-smp', '2', '-nographic', '-no-reboot', '-device', 'intel-iommu',
        '-kernel', g + '/vmlinuz', '-initrd', g + '/initramfs.cpio', '-append', cmdline,
        '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,'
        'multidevs=remap',
        '-device', 'e1000e,addr=04.0', '-device', 'vmxnet3,addr=05.0',
        '-device', 'virtio-net-pci,addr=06.0', '-nic', 'none'], timeout=900, out=log)
    if rc != 0:
        t.fail('qemu exit status %d (console: %s)' % (rc, log))
    with open(log, 'rb') as f:
        raw = f.read().decode(errors='replace')
    text = raw.replace('\r', '')
    for line in lines_of(text):
        if 'GUEST:' in line:
            print(line)
    if 'GUEST: done' not in raw:
        t.fail('the guest did not finish (console: %s)' % log)
    return text


def emulation_info(build, prof):
    """opnic-vfio-info on one opnic device with profile PROF under the
    emulation (MSIX_MAPPABLE, 4 KiB pages): its output."""
    rc, out = t.run_cmd([
        os.path.join(build, 'app/opnic-run'),
        '--profile', os.path.join(TOP, 'tests/vfio/profiles/%s.profile' % prof),
        '--kernel', 'mappable', '--page-size', '4k', '--devices', '1', '--wire', 'loopback',
        '--', os.path.join(build, 'app/opnic-vfio-info'), '--in-memory', '-l', '0',
        '--log-level=lib.eal:error', '-a', '0000:0b:00.0'])
    if rc != 0:
        print(out, end='')
        t.fail('opnic-vfio-info failed under the emulation (%s)' % prof)
    return out


def bar_test(log):
    """vfio_bar's region read/write on the real e1000e, from the console."""
    bt = [line for line in lines_of(log) if 'vfio_bar' in line]
    print('\n'.join(bt), flush=True)
    if not any('vfio_bar region-rw BAR3+0x2000 (pba): pread 0x0000000000000000' in s for s in bt):
        t.fail('vfio_bar did not read the e1000e PBA by region read')
    if not any('vfio_bar region-rw BAR3+0x0 (table): pread 0xffffffff' in s for s in bt):
        t.fail('vfio_bar table read is not all ones')
    if not any(re.search(r'vfio_bar region-rw BAR0\+0x2800: pread/pwrite .*: ok', s) for s in bt):
        t.fail('vfio_bar region write/read-back on e1000e BAR0 failed')


def main():
    a = t.args('BUILD', 'build')
    log = boot_guest(a.build)
    ok = True
    for bdf, prof in PAIRS:
        real = info_block(log, bdf)
        if not re.search('^END-INFO %s status 0' % re.escape(bdf), real, re.M):
            print(real, end='')
            t.fail('opnic-vfio-info failed on %s in the guest' % bdf)
        ok = compare(bdf, prof, real, emulation_info(a.build, prof)) and ok
    bar_test(log)
    if not ok:
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
