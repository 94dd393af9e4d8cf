#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""buildtools/opnic-pmdinfogen.py reads 32- and 64-bit ELF objects of
either byte order: tests/install/pmdinfo_forms.c compiled by each cross
compiler found (ppc64le's can also make 32- and 64-bit big-endian objects,
aarch64's big-endian ones) gives the same info strings as the native
object. Skips when no cross compiler can compile it.

usage: check_pmdinfogen_elf_kinds.py     (CC: the native compiler, default cc)
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
import opnic_test as t  # noqa: E402

GEN = os.path.join(HERE, '..', '..', 'buildtools', 'opnic-pmdinfogen.py')
FIXTURE = os.path.join(HERE, 'pmdinfo_forms.c')
# compiler, flags, what the object is
KINDS = [
    ('powerpc64le-linux-gnu-gcc', [], 'ELF64 little-endian (ppc64le)'),
    ('powerpc64le-linux-gnu-gcc', ['-mbig-endian', '-ffreestanding'], 'ELF64 big-endian (ppc64)'),
    ('powerpc64le-linux-gnu-gcc', ['-m32', '-mbig-endian', '-ffreestanding'], 'ELF32 big-endian (ppc)'),
    ('aarch64-linux-gnu-gcc', [], 'ELF64 little-endian (aarch64)'),
    ('aarch64-linux-gnu-gcc', ['-mbig-endian', '-ffreestanding'], 'ELF64 big-endian (aarch64_be)'),
]


def info_lines(c_file):
    """The generated declarations (the first line names the generator)."""
    with open(c_file) as f:
        return f.read().splitlines()[1:]


def generate(d, tag, obj):
    out = os.path.join(d, tag + '.pmd.c')
    p = subprocess.run([sys.executable, GEN, out, obj], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        t.fail('%s: generator status %d: %s' % (obj, p.returncode, p.stderr.strip()))
    return info_lines(out)


def main():
    t.args('')
    d = t.scratch('pmdinfogen-kinds')
    cc = os.environ.get('CC', 'cc')
    native_obj = os.path.join(d, 'native.o')
    subprocess.run([cc, '-O2', '-c', FIXTURE, '-o', native_obj], check=True)
    want = generate(d, 'native', native_obj)
    check = t.Checks()
    tried = 0
    for i, (compiler, flags, what) in enumerate(KINDS):
        if shutil.which(compiler) is None:
            print('%s: %s not installed' % (what, compiler))
            continue
        obj = os.path.join(d, 'kind%d.o' % i)
        p = subprocess.run([compiler, '-O2'] + flags + ['-c', FIXTURE, '-o', obj],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            print('%s: %s %s cannot compile it: %s' % (what, compiler, ' '.join(flags),
                                                      p.stderr.strip().splitlines()[-1:]))
            continue
        tried += 1
        got = generate(d, 'kind%d' % i, obj)
        print('%s: %s' % (what, 'same as native' if got == want else got))
        check(got == want, '%s: info strings differ from the native object\'s' % what)
    if tried == 0:
        t.skip('no cross compiler (powerpc64le-linux-gnu-gcc, aarch64-linux-gnu-gcc) '
               'compiles %s' % FIXTURE)
    check.exit()


if __name__ == '__main__':
    main()
