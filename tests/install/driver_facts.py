# SPDX-License-Identifier: BSD-3-Clause
"""What the driver registers with DPDK, read from its sources (not copied
into the tests): the name from RTE_PMD_REGISTER_PCI, the PCI ids of
include/opnic_regs.h, the KMOD_DEP and PARAM_STRING strings of
drivers/net/opnic/opnic_pci.c with their string macros expanded, and the
xstats names of drivers/net/opnic/opnic_stats.c.
"""

import os
import re

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
PCI_C = os.path.join(SRC, 'drivers', 'net', 'opnic', 'opnic_pci.c')
REGS_H = os.path.join(SRC, 'include', 'opnic_regs.h')


def _read(path):
    with open(path) as f:
        # Comments out, so a commented-out registration never counts.
        text = f.read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


def _string_macros(text):
    return dict(re.findall(r'^\s*#\s*define\s+(\w+)\s+("(?:[^"\\]|\\.)*")\s*$', text, re.M))


def _c_string_expr(expr, macros, where):
    """The value of adjacent C string literals and string macros."""
    out = []
    pos = 0
    token = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\w+))')
    expr = expr.strip()
    while pos < len(expr):
        m = token.match(expr, pos)
        if not m:
            raise ValueError('%s: cannot read %r as C string literals' % (where, expr[pos:]))
        if m.group(2) is not None:
            if m.group(2) not in macros:
                raise ValueError('%s: %s is not a string macro' % (where, m.group(2)))
            out.append(_c_string_expr(macros[m.group(2)], macros, where))
        else:
            out.append(bytes(m.group(1), 'ascii').decode('unicode_escape'))
        pos = m.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return ''.join(out)


def _macro_call(text, macro, where):
    """The arguments of the one MACRO(...) call in TEXT, split at the top-level
    commas."""
    calls = [m.start() for m in re.finditer(r'\b%s\s*\(' % macro, text)]
    if len(calls) != 1:
        raise ValueError('%s: %d calls of %s, expected 1' % (where, len(calls), macro))
    i = text.index('(', calls[0]) + 1
    depth, args, cur, in_str = 1, [], '', False
    while depth:
        ch = text[i]
        if in_str:
            if ch == '\\':
                cur += ch + text[i + 1]
                i += 2
                continue
            if ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
            if depth == 0:
                break
        elif ch == ',' and depth == 1:
            args.append(cur.strip())
            cur = ''
            i += 1
            continue
        cur += ch
        i += 1
    args.append(cur.strip())
    return args


def pci_ids():
    text = _read(REGS_H)
    ids = []
    for name in ('OPNIC_PCI_VENDOR_ID', 'OPNIC_PCI_DEVICE_ID'):
        m = re.search(r'^\s*#\s*define\s+%s\s+(0x[0-9A-Fa-f]+|\d+)\b' % name, text, re.M)
        if not m:
            raise ValueError('%s: no #define %s' % (REGS_H, name))
        ids.append(int(m.group(1), 0))
    return tuple(ids)


def registration():
    """{'name', 'kmod', 'params'} as the driver registers them."""
    text = _read(PCI_C)
    macros = _string_macros(text)
    name = _macro_call(text, 'RTE_PMD_REGISTER_PCI', PCI_C)[0]
    out = {'name': name}
    for key, macro in (('kmod', 'RTE_PMD_REGISTER_KMOD_DEP'),
                       ('params', 'RTE_PMD_REGISTER_PARAM_STRING')):
        args = _macro_call(text, macro, PCI_C)
        if args[0] != name:
            raise ValueError('%s: %s names %s, not %s' % (PCI_C, macro, args[0], name))
        out[key] = _c_string_expr(args[1], macros, PCI_C)
    return out


def devarg_keys(params):
    """The keys of a PARAM_STRING: 'regs=auto|rw lsc=intr|poll' -> [regs, lsc]."""
    return [w.split('=', 1)[0] for w in params.split()]


STATS_C = os.path.join(SRC, 'drivers', 'net', 'opnic', 'opnic_stats.c')


def xstat_names(nb_rxq, nb_txq):
    """The driver's own xstats names, in the order opnic_stats.c gives them:
    the device counters of opnic_dev_xstats[], the names copied with
    strlcpy, then per RX queue and per TX queue the opnic_q_xstats[] fields
    ("%s_q%u_%s")."""
    text = re.sub(r'^\s*#\s*define[^\n]*', ' ', _read(STATS_C), flags=re.M)
    dev = re.findall(r'OPNIC_DEV_STAT\(\s*"(\w+)"', text)
    fixed = re.findall(r'strlcpy\(\s*names\[k\+\+\]\.name,\s*"(\w+)"', text)
    per_q = re.findall(r'OPNIC_QSTAT\((\w+)\)', text)
    if not dev or not per_q or '"%s_q%u_%s"' not in text:
        raise ValueError('%s: xstats tables not found (opnic_dev_xstats, '
                         'opnic_q_xstats, "%%s_q%%u_%%s")' % STATS_C)
    names = dev + fixed
    for d, n in (('rx', nb_rxq), ('tx', nb_txq)):
        names += ['%s_q%d_%s' % (d, q, f) for q in range(n) for f in per_q]
    return names
