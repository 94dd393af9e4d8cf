# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the test drivers in tests/*/check_*.py (on top of the
harness's app/harness/opnic_harness.py, imported from here).

Exit codes follow meson: 0 pass, 1 fail, 77 skip. Everything a test starts
or creates through these helpers is ended or removed when the test exits
(also on SIGTERM from meson's timeout), each process by its own id.
"""

import atexit
import re
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'app', 'harness')))

import opnic_harness as harness  # noqa: E402
from opnic_harness import HarnessError, Interactive, Model, Testpmd  # noqa: E402,F401

SKIP = 77
_cleanups = []
_on_fail = []


def at_exit(fn, *args, **kw):
    """Call FN(*ARGS, **KW) when the test exits (last registered, first
    called)."""
    _cleanups.append((fn, args, kw))
    return fn


def _run_cleanups():
    while _cleanups:
        fn, args, kw = _cleanups.pop()
        try:
            fn(*args, **kw)
        except Exception:  # a cleanup failing must not hide the verdict
            pass


atexit.register(_run_cleanups)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def on_fail(fn):
    """FN() prints context (a log's tail, say) after a FAIL message."""
    _on_fail.append(fn)


def fail(msg):
    print('FAIL: ' + msg, flush=True)
    for fn in _on_fail:
        fn()
    sys.exit(1)


def skip(msg):
    print('SKIP: ' + msg, flush=True)
    sys.exit(SKIP)


def need(*tools):
    """Skip the test unless every tool is on PATH."""
    for t in tools:
        if shutil.which(t) is None:
            skip('%s is not installed' % t)


class Checks:
    """Checks that all run and are all reported; exit() gives the verdict."""

    def __init__(self):
        self.failed = False

    def __call__(self, ok, msg):
        if not ok:
            print('FAIL: ' + msg, flush=True)
            self.failed = True
        return ok

    def exit(self):
        sys.exit(1 if self.failed else 0)


def args(usage, *names, optional=()):
    """The positional arguments NAMES (then OPTIONAL ones, '' when absent)
    as attributes of one object."""
    argv = sys.argv[1:]
    if not len(names) <= len(argv) <= len(names) + len(optional):
        print('usage: %s %s' % (os.path.basename(sys.argv[0]), usage), file=sys.stderr)
        sys.exit(2)
    argv += [''] * (len(names) + len(optional) - len(argv))
    a = type('Args', (), {})()
    for k, v in zip(list(names) + list(optional), argv):
        setattr(a, k, v)
    return a


def scratch(tag):
    """A fresh directory in /dev/shm, removed at exit."""
    d = harness.new_run_dir(tag)
    at_exit(shutil.rmtree, d, True)
    return d


def tail(path_or_text, n, is_path=True):
    """Print the last N lines of a file (or of a text)."""
    if is_path:
        try:
            with open(path_or_text, errors='replace') as f:
                text = f.read()
        except OSError:
            return
    else:
        text = path_or_text
    lines = text.replace('\r\n', '\n').splitlines()
    for line in lines[-n:]:
        print(line)
    sys.stdout.flush()


def start_model(build, run, profile, *model_args, **kw):
    """opnic-model in RUN, ready; stopped at exit. FAIL 'model did not start'
    (after its log) if it does not become ready."""
    m = Model(build, run, profile=profile, args=model_args, **kw)
    return _start(m, m.stop, 'model')


def start_testpmd(build, run, kernel, page, testpmd_args=(), in_memory=True, **kw):
    """dpdk-testpmd -i on the model in RUN (opnic-run), at its prompt; killed
    at exit unless it has quit. Its output goes to RUN/tp.log. With
    in_memory=False it keeps hugepage files under its --file-prefix, so
    that a secondary process can attach."""
    kw.setdefault('log', os.path.join(run, 'tp.log'))
    tp = Testpmd.on_model(build, run, kernel, page, testpmd_args, **kw)
    if not in_memory:
        tp.argv.remove('--in-memory')
    return _start(tp, tp.kill, 'testpmd')


def _start(obj, cleanup, what):
    at_exit(cleanup)
    try:
        obj.start()
    except HarnessError as e:
        print(e)
        fail(what + ' did not start')
    return obj


def ctl_or_fail(model, msg, *args):
    """opnic-ctl ARGS on MODEL; FAIL MSG if it fails."""
    try:
        return model.ctl(*args)
    except HarnessError:
        fail(msg)


def spawn(argv, out=None, env=None):
    """Start ARGV in a process group of its own, stdin /dev/null, stdout and
    stderr together to the file OUT (or a pipe); its group is killed at
    exit if it still runs."""
    f = open(out, 'w') if out else None
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=f or subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=env, start_new_session=True, text=True)
    if f:
        f.close()
    at_exit(kill_group, p)
    return p


def shell_status(rc):
    """A Popen return code as a shell reports it (128+N for signal N)."""
    return 128 - rc if rc < 0 else rc


def run_cmd(argv, timeout=None, env=None, out=None):
    """Run ARGV as spawn() does and wait. A run that exceeds TIMEOUT has its
    group killed and status 124 (like timeout(1)). Returns (status as a
    shell reports it, output)."""
    p = spawn(argv, out, env)
    try:
        text, _ = p.communicate(timeout=timeout)
        rc = shell_status(p.returncode)
    except subprocess.TimeoutExpired:
        kill_group(p)
        text, _ = p.communicate()
        rc = 124
    if out:
        with open(out, errors='replace') as f:
            text = f.read()
    return rc, text


CONFIG_DIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'config'))


def app_env(build, run, kernel, page):
    """The environment for a DPDK application run directly (not through
    opnic-run) on the model in RUN: its process id is the application's."""
    return harness.emu_env(build, CONFIG_DIR, run, kernel, page)


def kill_group(p, sig=signal.SIGKILL):
    """End the process group that P (started with start_new_session) leads."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        p.wait()


def fwd_count(out):
    """Frames forwarded 0 -> 1 from opnic-fwd's last line (its own report:
    the application has exited, so only its text is left), or None."""
    m = re.search(r'^forwarded: port 0 -> 1: ([0-9]+),', out, re.M)
    return int(m.group(1)) if m else None


def run_shown(argv, timeout=None, env=None):
    """Run ARGV in a process group of its own, stdin /dev/null, its output
    straight to the test's own (the test log has it as it comes), and wait.
    A run that exceeds TIMEOUT has its group sent SIGTERM, as timeout(1)
    does, and status 124. Returns the status as a shell reports it."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env,
                         start_new_session=True)
    at_exit(kill_group, p)
    try:
        return shell_status(p.wait(timeout))
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            kill_group(p)
        return 124


PCI_COMMAND_MEMORY = 0x2
PCI_COMMAND_MASTER = 0x4
SHM_CFG_OFF = 0x1000    # lib/vfio_emu/opnic_emu_proto.h OPNIC_SHM_CFG_OFF


def pci_command(run, dev):
    """The PCI command register of emulated device DEV in RUN, read from
    its config space in RUN/devN.shm."""
    import struct
    with open(os.path.join(run, 'dev%d.shm' % dev), 'rb') as f:
        f.seek(SHM_CFG_OFF + 4)
        return struct.unpack('<H', f.read(2))[0]


def mempool_avail(dump, name):
    """Objects available in mempool NAME (common pool plus the per-lcore
    caches) from testpmd's `dump_mempool` output."""
    m = re.search(r'mempool <%s>@.*?total_cache_count=([0-9]+).*?'
                  r'common_pool_count=([0-9]+)' % re.escape(name), dump, re.S)
    if not m:
        fail('no mempool %s in the dump_mempool output' % name)
    return int(m.group(1)) + int(m.group(2))


def testpmd_on_model(a, tag, *model_args, testpmd_args=('--forward-mode=io',),
                     tail_lines=30):
    """opnic-model (with MODEL_ARGS) in a fresh run directory and testpmd on
    it, for a test's arguments A (build, profile, kernel, page); the tail of
    testpmd's log is printed after a FAIL. Returns (run, model, testpmd)."""
    run = scratch(tag)
    on_fail(lambda: tail(os.path.join(run, 'tp.log'), tail_lines))
    model = start_model(a.build, run, a.profile, *model_args)
    tp = start_testpmd(a.build, run, a.kernel, a.page, list(testpmd_args))
    return run, model, tp


def dpdk_version(build):
    """The DPDK version the build in BUILD found (meson's libdpdk), as a
    tuple of ints, e.g. (24, 11, 8); tests key per-version expectations on
    it (doc/guides/dpdk-versions.md)."""
    import json
    path = os.path.join(build, 'meson-info', 'intro-dependencies.json')
    try:
        deps = json.load(open(path))
    except (OSError, ValueError) as e:
        fail('cannot read the DPDK version of the build from %s: %s' % (path, e))
    for d in deps:
        if d.get('name') == 'libdpdk':
            m = re.match(r'(\d+)\.(\d+)(?:\.(\d+))?', d.get('version', ''))
            if m:
                return tuple(int(x or 0) for x in m.groups())
    fail('%s names no libdpdk version' % path)


def testpmd_dump(build, what):
    """testpmd's command that dumps WHAT ('mempool', 'memzone' ...) for the
    DPDK the build found: 'dump_mempool' before 25.11, 'dump mempool' from
    25.11 on (cae0444c2e "app/testpmd: use space separator in dump
    commands")."""
    return ('dump %s' if dpdk_version(build) >= (25, 11) else 'dump_%s') % what
