#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""opnic-pmdinfogen: the PMD info string DPDK's in-tree drivers carry, for
net_opnic, which is built out of tree.

usage: opnic-pmdinfogen.py OUTPUT.c INPUT...

Each INPUT is an ELF relocatable object or a static archive (ar) of them. In
their symbol tables the generator finds what DPDK's registration macros left
(rte_dev.h / dev_driver.h):

  this_pmd_name*                     RTE_PMD_REGISTER_PCI: the driver's name
  __NAME_pci_tbl_export              RTE_PMD_REGISTER_PCI_TABLE: the name of
                                     the struct rte_pci_id table, read from
                                     its symbol until device_id 0
  __NAME_kmod_dep_export             RTE_PMD_REGISTER_KMOD_DEP
  __NAME_param_string_export         RTE_PMD_REGISTER_PARAM_STRING

and writes OUTPUT.c with one

  const char NAME_pmd_info[] __attribute__((used)) =
      "PMD_INFO_STRING= {json}";

per driver, which usertools/dpdk-pmdinfo.py finds in .rodata of the linked
plugin or application. The JSON has DPDK's keys: name, params, kmod, pci_ids
([vendor, device, subsystem vendor, subsystem device] numbers).

Python 3 standard library only: a small ELF reader (32/64-bit, either byte
order) and ar reader. Bad input (not ELF, truncated, a table named but not
defined) is an error naming the file and what is wrong; exit status 1.
"""

import json
import os
import re
import struct
import sys

NAME_PATTERN = re.compile(r'^this_pmd_name[0-9A-Za-z_]+$')
OPTIONS = (('params', '_param_string_export'), ('kmod', '_kmod_dep_export'))
SHN_UNDEF = 0
SHN_LORESERVE = 0xff00
SHT_SYMTAB = 2
SHT_NOBITS = 8


class InputError(Exception):
    """An input that is not what the generator can read; names it."""


class Symbol:
    def __init__(self, name, value, size, shndx):
        self.name = name
        self.value = value
        self.size = size
        self.shndx = shndx


class ElfObject:
    """The symbols of one ELF relocatable object and the bytes they name."""

    def __init__(self, what, data):
        self.what = what
        self.data = data
        if len(data) < 16 or data[:4] != b'\x7fELF':
            raise InputError('%s: not an ELF file' % what)
        cls, enc = data[4], data[5]
        if cls not in (1, 2) or enc not in (1, 2):
            raise InputError('%s: bad ELF class %d or data encoding %d' % (what, cls, enc))
        self.is64 = cls == 2
        self.endian = '<' if enc == 1 else '>'
        if self.is64:
            hdr = self._unpack('16xHHIQQQIHHHHHH', 0)
        else:
            hdr = self._unpack('16xHHIIIIIHHHHHH', 0)
        # type, machine, version, entry, phoff, shoff, flags, ehsize,
        # phentsize, phnum, shentsize, shnum, shstrndx
        shoff, shentsize, shnum = hdr[5], hdr[10], hdr[11]
        if hdr[0] != 1:
            raise InputError('%s: ELF type %d, not a relocatable object (ET_REL): '
                             'run the generator on the objects before linking' % (what, hdr[0]))
        want = 64 if self.is64 else 40
        if shoff == 0 or shnum == 0 or shentsize < want:
            raise InputError('%s: no section headers (offset %d, entry size %d)'
                             % (what, shoff, shentsize))
        self.sections = []
        for i in range(shnum):
            off = shoff + i * shentsize
            if self.is64:
                s = self._unpack('IIQQQQIIQQ', off)
            else:
                s = self._unpack('IIIIIIIIII', off)
            # name, type, flags, addr, offset, size, link, info, align, entsize
            self.sections.append(s)
        self.symbols = self._read_symbols()

    def _unpack(self, fmt, off):
        fmt = self.endian + fmt
        end = off + struct.calcsize(fmt)
        if off < 0 or end > len(self.data):
            raise InputError('%s: truncated at offset %d (%d bytes wanted, file has %d)'
                             % (self.what, off, end - off, len(self.data)))
        return struct.unpack_from(fmt, self.data, off)

    def _section_bytes(self, idx):
        if idx >= len(self.sections):
            raise InputError('%s: section index %d out of range (%d sections)'
                             % (self.what, idx, len(self.sections)))
        s = self.sections[idx]
        if s[1] == SHT_NOBITS:
            return b''
        off, size = s[4], s[5]
        if off + size > len(self.data):
            raise InputError('%s: section %d runs past the end of the file' % (self.what, idx))
        return self.data[off:off + size]

    def _read_symbols(self):
        out = {}
        for idx, s in enumerate(self.sections):
            if s[1] != SHT_SYMTAB:
                continue
            tab = self._section_bytes(idx)
            strtab = self._section_bytes(s[6])
            entsize = s[9] or (24 if self.is64 else 16)
            if entsize < (24 if self.is64 else 16):
                raise InputError('%s: symbol table entry size %d' % (self.what, entsize))
            for off in range(0, len(tab) - entsize + 1, entsize):
                if self.is64:
                    name, _info, _other, shndx, value, size = struct.unpack_from(
                        self.endian + 'IBBHQQ', tab, off)
                else:
                    name, value, size, _info, _other, shndx = struct.unpack_from(
                        self.endian + 'IIIBBH', tab, off)
                if name == 0 or name >= len(strtab):
                    continue
                end = strtab.find(b'\0', name)
                sym = Symbol(strtab[name:end if end >= 0 else len(strtab)].decode('latin-1'),
                             value, size, shndx)
                if shndx == SHN_UNDEF or shndx >= SHN_LORESERVE:
                    continue
                out.setdefault(sym.name, sym)
        return out

    def value(self, sym):
        """The bytes SYM defines (its st_size from its section)."""
        sec = self._section_bytes(sym.shndx)
        if sym.value + sym.size > len(sec):
            raise InputError('%s: symbol %s (%d bytes at %d) runs past its section (%d bytes)'
                             % (self.what, sym.name, sym.size, sym.value, len(sec)))
        return sec[sym.value:sym.value + sym.size]

    def string(self, sym):
        raw = self.value(sym)
        end = raw.find(b'\0')
        if end < 0:
            raise InputError('%s: symbol %s is not a NUL-terminated string'
                             % (self.what, sym.name))
        try:
            return raw[:end].decode('utf-8')
        except UnicodeDecodeError:
            raise InputError('%s: symbol %s is not UTF-8 text' % (self.what, sym.name))


def read_archive(path, data):
    """The members of a System V / GNU ar archive, as (name, bytes). A thin
    archive (meson makes one for a static library it does not install) holds
    only the members' paths, relative to its own directory: read those."""
    thin = data.startswith(b'!<thin>\n')
    members = []
    off = 8
    longnames = b''
    while off < len(data):
        if off + 60 > len(data):
            raise InputError('%s: truncated ar member header at %d' % (path, off))
        hdr = data[off:off + 60]
        if hdr[58:60] != b'`\n':
            raise InputError('%s: bad ar member header at %d' % (path, off))
        name = hdr[0:16].decode('latin-1').rstrip()
        try:
            size = int(hdr[48:58].decode('ascii').strip())
        except ValueError:
            raise InputError('%s: bad ar member size %r at %d' % (path, hdr[48:58], off))
        special = name in ('/', '//', '/SYM64/')
        inside = size if (special or not thin) else 0
        body = data[off + 60:off + 60 + inside]
        if len(body) != inside:
            raise InputError('%s: ar member %s truncated' % (path, name))
        off += 60 + inside + (inside & 1)
        if name == '//':
            longnames = body
            continue
        if special:
            continue  # the symbol index
        if name.startswith('#1/') and name[3:].isdigit():  # BSD: name before the data
            n = int(name[3:])
            members.append((body[:n].rstrip(b'\0').decode('latin-1'), body[n:]))
            continue
        longname = re.match(r'^/(\d+)', name)   # binutils may end it with '/'
        if longname:
            i = int(longname.group(1))
            end = longnames.find(b'/\n', i)
            name = longnames[i:end if end >= 0 else len(longnames)].decode('latin-1')
        name = name.rstrip('/')
        if thin:
            member = os.path.join(os.path.dirname(path), name)
            try:
                with open(member, 'rb') as f:
                    body = f.read()
            except OSError as e:
                raise InputError('%s: thin archive member %s: %s' % (path, member, e.strerror))
        members.append((name, body))
    return members


def load_objects(path):
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise InputError('%s: %s' % (path, e.strerror))
    if data.startswith(b'!<arch>\n') or data.startswith(b'!<thin>\n'):
        return [ElfObject('%s(%s)' % (path, name), body)
                for name, body in read_archive(path, data)]
    return [ElfObject(path, data)]


def find(objects, name):
    for obj in objects:
        sym = obj.symbols.get(name)
        if sym is not None:
            return obj, sym
    return None, None


def pci_ids(objects, table_name, what):
    # The table is static in the object that registers it: look there first.
    obj, sym = find(objects, table_name)
    if sym is None:
        raise InputError('%s: PCI table %s declared (RTE_PMD_REGISTER_PCI_TABLE) '
                         'but not defined' % (what, table_name))
    raw = obj.value(sym)
    fmt = obj.endian + 'IHHHH'   # struct rte_pci_id: class, vendor, device, subsys
    size = struct.calcsize(fmt)
    ids = []
    for off in range(0, len(raw) - size + 1, size):
        _cls, vendor, device, ss_vendor, ss_device = struct.unpack_from(fmt, raw, off)
        if device == 0:
            break
        ids.append([vendor, device, ss_vendor, ss_device])
    return ids


def drivers(objects):
    found = []
    for obj in objects:
        for sym in obj.symbols.values():
            if not NAME_PATTERN.match(sym.name):
                continue
            name = obj.string(sym)
            if not re.match(r'^[A-Za-z_][0-9A-Za-z_]*$', name):
                raise InputError('%s: driver name %r is not a C identifier' % (obj.what, name))
            info = {'name': name}
            near = [obj] + objects   # the registering object first
            for key, suffix in OPTIONS:
                o, s = find(near, '__%s%s' % (name, suffix))
                if s is not None:
                    info[key] = o.string(s)
            o, s = find(near, '__%s_pci_tbl_export' % name)
            info['pci_ids'] = (pci_ids([o] + objects, o.string(s), o.what)
                               if s is not None else [])
            found.append(info)
    return found


def c_string(text):
    out = []
    for ch in text:
        if ch in '"\\':
            out.append('\\' + ch)
        elif ' ' <= ch <= '~':
            out.append(ch)
        else:
            out.append('\\%03o' % ord(ch))
    return ''.join(out)


def render(infos, generator):
    lines = ['/* Generated by %s: PMD info strings for dpdk-pmdinfo.py. */'
             % os.path.basename(generator)]
    for info in infos:
        text = 'PMD_INFO_STRING= ' + json.dumps(info, ensure_ascii=True)
        lines.append('const char %s_pmd_info[] __attribute__((used)) =\n\t"%s";'
                     % (info['name'], c_string(text)))
    return '\n'.join(lines) + '\n'


def main(argv):
    if len(argv) < 3:
        sys.stderr.write('usage: opnic-pmdinfogen.py OUTPUT.c INPUT...\n')
        return 2
    output, inputs = argv[1], argv[2:]
    try:
        objects = []
        for path in inputs:
            objects += load_objects(path)
        infos = drivers(objects)
        if not infos:
            raise InputError('%s: no driver registered (no this_pmd_name* symbol)'
                             % ' '.join(inputs))
        names = [i['name'] for i in infos]
        dup = sorted(set(n for n in names if names.count(n) > 1))
        if dup:
            raise InputError('driver %s registered more than once' % ', '.join(dup))
    except InputError as e:
        print('opnic-pmdinfogen: %s' % e, file=sys.stderr)
        return 1
    text = render(infos, argv[0])
    tmp = output + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, output)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
