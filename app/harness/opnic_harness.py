# SPDX-License-Identifier: BSD-3-Clause
"""The harness's shared parts: start a NIC model and wait until it is ready,
drive an interactive DPDK application (testpmd) at its prompt, and read
counters through machine interfaces -- DPDK telemetry (/ethdev/stats,
/ethdev/xstats over the telemetry socket, as DPDK's dpdk-telemetry.py does)
and the model's `opnic-ctl status DEV json`.

Standard library only. Every process this module starts is ended by its own
id; nothing here kills a process it did not start.
"""

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time

PCI_ADDRS = ('0000:0b:00.0', '0000:0b:01.0')
PAGE_SIZES = {'4k': '4096', '64k': '65536', 'native': None}
KERNELS = ('mappable', 'hole', 'hole-nocap')


class HarnessError(Exception):
    """A step of a run failed; the message says which and why."""


def new_run_dir(tag='opnic'):
    """A fresh run directory in /dev/shm (the model's files live there)."""
    return tempfile.mkdtemp(prefix=tag + '.', dir='/dev/shm')


def world_writable_above(path):
    d = os.path.dirname(os.path.abspath(path))
    while True:
        try:
            if os.stat(d).st_mode & 0o002:
                return True
        except OSError:
            return False
        if d == '/':
            return False
        d = os.path.dirname(d)


def plugin_path(build):
    """A path to the net_opnic plugin that EAL accepts with -d: EAL refuses a
    plugin below a world-writable directory, so then a copy in a root-only
    directory under /run is returned."""
    import hashlib
    import shutil
    plugin = os.path.join(build, 'drivers/net/opnic/librte_net_opnic.so')
    if not os.path.isfile(plugin):
        raise HarnessError(plugin + ' not built')
    if not world_writable_above(plugin):
        return plugin
    safe = os.path.join('/run/opnic-plugin',
                        hashlib.md5(plugin.encode()).hexdigest()[:12])
    os.makedirs(safe, exist_ok=True)
    os.chmod('/run/opnic-plugin', 0o700)
    os.chmod(safe, 0o700)
    dst = os.path.join(safe, 'librte_net_opnic.so')
    with open(plugin, 'rb') as f:
        data = f.read()
    try:
        with open(dst, 'rb') as f:
            same = f.read() == data
    except OSError:
        same = False
    if not same:
        shutil.copyfile(plugin, dst + '.tmp')
        os.replace(dst + '.tmp', dst)
    return dst


def emu_env(build, config_dir, run_dir, kernel, page, base=None):
    """The environment under which an unmodified DPDK application sees the
    run directory's devices through the VFIO emulation (LD_PRELOAD)."""
    if kernel not in KERNELS:
        raise HarnessError("--kernel '%s': expected 'mappable' or 'hole' or 'hole-nocap'"
                          % kernel)
    if page not in PAGE_SIZES:
        raise HarnessError("--page-size '%s': expected '4k', '64k' or 'native'" % page)
    env = dict(os.environ if base is None else base)
    env['OPNIC_RUN_DIR'] = run_dir
    env['OPNIC_KERNEL'] = kernel
    if PAGE_SIZES[page] is None:
        env.pop('OPNIC_PAGE_SIZE', None)
    else:
        env['OPNIC_PAGE_SIZE'] = PAGE_SIZES[page]
    env['SYSFS_PCI_DEVICES'] = os.path.join(run_dir, 'sysfs/bus/pci/devices')
    env['OPNIC_CONFIG_DIR'] = config_dir
    emu = os.path.join(build, 'lib/vfio_emu/libopnic_vfio_emu.so')
    env['LD_PRELOAD'] = (env['LD_PRELOAD'] + ':' + emu) if env.get('LD_PRELOAD') else emu
    return env


def profile_error(config_dir, profile):
    """Why PROFILE (a name in CONFIG_DIR or a file path) cannot be used, or
    None if it can."""
    if '/' in profile:
        if not os.path.isfile(profile):
            return "--profile '%s': no such file" % profile
        return None
    if os.path.isfile(os.path.join(config_dir, profile + '.profile')):
        return None
    try:
        have = sorted(f[:-len('.profile')] for f in os.listdir(config_dir)
                      if f.endswith('.profile'))
    except OSError:
        have = []
    return "--profile '%s': unknown (have: %s)" % (profile, ''.join(h + ' ' for h in have))


def model_running(run_dir):
    """True if RUN_DIR holds a ready model whose process is alive."""
    try:
        with open(os.path.join(run_dir, 'model.pid')) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    if not os.path.exists(os.path.join(run_dir, 'ready')):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def pci_devices(run_dir):
    """The PCI addresses of the run directory's emulated devices."""
    try:
        return sorted(os.listdir(os.path.join(run_dir, 'sysfs/bus/pci/devices')))
    except OSError:
        return []


def remove_run_dir(run_dir, siblings=False):
    """Remove RUN_DIR; with SIBLINGS also RUN_DIR.* (logs beside it)."""
    import glob
    import shutil
    more = glob.glob(glob.escape(run_dir) + '.*') if siblings else []
    for p in [run_dir] + more:
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.unlink(p)
            except OSError:
                pass


def exit_status(returncode):
    """A shell-style exit status: 128+N for a process ended by signal N."""
    if returncode is None:
        return 1
    return 128 - returncode if returncode < 0 else returncode


def ensure_hugetlbfs(path='/dev/hugepages'):
    """Mount hugetlbfs at PATH unless something is mounted there (DPDK's
    default, file-backed memory mode needs it)."""
    os.makedirs(path, exist_ok=True)
    if not os.path.ismount(path):
        subprocess.run(['mount', '-t', 'hugetlbfs', 'nodev', path], check=False)


def join_option_values(argv, options):
    """ARGV with each `OPT VALUE` of OPTIONS written `OPT=VALUE`, so that
    argparse takes a VALUE that starts with '-' (--testpmd-args '--x')."""
    out = []
    i = 0
    while i < len(argv):
        if argv[i] == '--':
            out += argv[i:]
            break
        if argv[i] in options and i + 1 < len(argv):
            out.append(argv[i] + '=' + argv[i + 1])
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def exit_on_signals(signals=(signal.SIGINT, signal.SIGTERM, signal.SIGHUP)):
    """Turn SIGNALS into SystemExit(128 + N), so that `finally` blocks end
    what this process started before it exits."""
    def handler(signum, frame):
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise SystemExit(128 + signum)
    for sig in signals:
        signal.signal(sig, handler)


class Model:
    """One opnic-model daemon in its run directory."""

    def __init__(self, build, run_dir, profile='tight4k', devices=2,
                 wire='pair', core=None, link_down=False, args=(), log=None):
        self.build = build
        self.run_dir = run_dir
        self.argv = [os.path.join(build, 'app/opnic-model'), '--run-dir', run_dir,
                     '--profile', profile, '--devices', str(devices), '--wire', wire]
        if core is not None:
            self.argv += ['--core', str(core)]
        if link_down:
            self.argv.append('--link-down')
        self.argv += list(args)
        self.log = log or os.path.join(run_dir, 'model.log')
        self.proc = None

    def start(self, timeout=10.0):
        os.makedirs(self.run_dir, exist_ok=True)
        ready = os.path.join(self.run_dir, 'ready')
        if os.path.exists(ready):
            os.unlink(ready)
        with open(self.log, 'wb') as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stderr=err)
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise HarnessError('the NIC model did not start (exit status %d):\n%s'
                                   % (self.proc.returncode, self.log_text()))
            if time.monotonic() > deadline:
                raise HarnessError('the NIC model did not become ready in %g s:\n%s'
                                   % (timeout, self.log_text()))
            time.sleep(0.01)
        return self

    def log_text(self):
        try:
            with open(self.log, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ctl(self, *args, check=True, timeout=10):
        r = subprocess.run([os.path.join(self.build, 'app/opnic-ctl'),
                            '--run-dir', self.run_dir] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise HarnessError('opnic-ctl %s: exit status %d: %s'
                               % (' '.join(map(str, args)), r.returncode,
                                  r.stderr.strip()))
        return r.stdout

    def status(self, dev, tries=3):
        """The device's counters as a dict (opnic-ctl status DEV json); a
        busy model is asked again."""
        for i in range(tries):
            try:
                return json.loads(self.ctl('status', dev, 'json'))
            except (HarnessError, ValueError, subprocess.TimeoutExpired):
                if i == tries - 1:
                    raise
                time.sleep(0.5)

    def wire_status(self, dev):
        return json.loads(self.ctl('wire', dev, 'json'))

    def stop(self, timeout=5.0):
        """End the model this object started (and only that one)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()


class Telemetry:
    """A client of DPDK's telemetry socket (protocol v2: connect, read the
    greeting, then one JSON answer per command)."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.info = json.loads(self.sock.recv(65536).decode())
        self.max_len = int(self.info.get('max_output_len', 16384))

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len + 4096).decode())
        key = cmd.split(',', 1)[0]
        if key not in reply or reply[key] is None:
            raise HarnessError('telemetry %s: no answer (%r)' % (cmd, reply))
        return reply[key]

    def close(self):
        self.sock.close()


def telemetry_path(prefix):
    return '/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix


class Interactive:
    """A program driven at its prompt through a pseudo-terminal (so its
    output is line-buffered as on a terminal). Everything it prints is kept
    and copied to a log file; `cmd` sends a line and returns what was
    printed until the next prompt."""

    def __init__(self, argv, prompt, env=None, log=None, cwd=None):
        self.argv = list(argv)
        self.prompt = prompt.encode() if prompt is not None else None
        self.env = env
        self.cwd = cwd
        self.log_path = log
        self.buf = bytearray()
        self.lock = threading.Condition()
        self.proc = None
        self.master = None
        self.reader = None
        self.eof = False

    def start(self, timeout=60.0):
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave,
                                     stderr=slave, env=self.env, cwd=self.cwd,
                                     close_fds=True, start_new_session=True)
        os.close(slave)
        self.master = master
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if self.prompt is not None:
            self.wait_for(self.prompt, timeout, what='its prompt')
        return self

    def _read(self):
        log = open(self.log_path, 'ab') if self.log_path else None
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.2)
                if not r:
                    if self.proc.poll() is not None:
                        # Drain what is left, then stop.
                        r = [self.master]
                    else:
                        continue
                data = os.read(self.master, 65536)
            except OSError:
                data = b''
            if not data:
                break
            if log:
                log.write(data)
                log.flush()
            with self.lock:
                self.buf += data
                self.lock.notify_all()
        if log:
            log.close()
        with self.lock:
            self.eof = True
            self.lock.notify_all()

    def text(self, start=0):
        with self.lock:
            return bytes(self.buf[start:]).decode(errors='replace')

    def mark(self):
        with self.lock:
            return len(self.buf)

    def wait_for(self, pattern, timeout=30.0, start=0, what=None):
        """Wait until PATTERN (bytes or a compiled regex) appears after
        offset START; return the offset just past it."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                if isinstance(pattern, bytes):
                    i = self.buf.find(pattern, start)
                    if i >= 0:
                        return i + len(pattern)
                else:
                    m = pattern.search(bytes(self.buf), start)
                    if m:
                        return m.end()
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    break
                self.lock.wait(min(left, 0.2))
        why = 'exited (status %s)' % self.proc.poll() if self.eof else \
            'timed out after %g s' % timeout
        raise HarnessError('%s: %s waiting for %s; last output:\n%s'
                           % (os.path.basename(self.argv[0]), why,
                              what or pattern, self.text(max(0, len(self.buf) - 3000))))

    def cmd(self, line, timeout=30.0):
        start = self.mark()
        os.write(self.master, line.encode() + b'\n')
        end = self.wait_for(self.prompt, timeout, start, what="the prompt after '%s'" % line)
        out = self.text(start)[:end - start - len(self.prompt)]
        out = out.replace('\r\n', '\n')
        # Drop the echoed command line.
        return out.split('\n', 1)[1] if '\n' in out else ''

    def send(self, line):
        os.write(self.master, line.encode() + b'\n')

    def wait(self, timeout=30.0):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def interrupt(self, sig=signal.SIGINT, timeout=10.0):
        """Send SIG to the process group this object started and wait for
        it to exit; killed if it does not within TIMEOUT. The exit status
        (negative: the signal that ended it)."""
        if self._signal_group(sig) and self.wait(timeout) is None:
            self.kill()
        rc = self.proc.wait() if self.proc is not None else None
        self.close()
        return rc

    def _signal_group(self, sig):
        """Send SIG to the process group this object started, if its
        process still runs; True if it did."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        return True

    def kill(self, sig=signal.SIGKILL):
        """End the process group this object started."""
        if self._signal_group(sig):
            self.proc.wait()
        self.close()

    def close(self):
        if self.reader is not None:
            self.reader.join(2)
            self.reader = None
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.kill()


_prefix_seq = [0]


def file_prefix(tag='opnic-tp'):
    """A DPDK --file-prefix of this process's own (its telemetry socket)."""
    _prefix_seq[0] += 1
    return '%s-%d-%d' % (tag, os.getpid(), _prefix_seq[0])


class Testpmd(Interactive):
    """dpdk-testpmd -i, driven at its prompt; counters through telemetry."""

    PROMPT = 'testpmd> '

    def __init__(self, argv, prefix, env=None, log=None):
        super().__init__(argv, self.PROMPT, env=env, log=log)
        self.prefix = prefix
        self._tel = None

    @classmethod
    def on_model(cls, build, run_dir, kernel, page, testpmd_args=(),
                 devargs='', eal_args=('-l', '0,1'), log=None, prefix=None,
                 wrapper=(), addrs=PCI_ADDRS):
        """testpmd on the model in RUN_DIR, started through opnic-run."""
        prefix = prefix or file_prefix()
        argv = list(wrapper) + [
            os.path.join(build, 'app/opnic-run'), '--run-dir', run_dir,
            '--kernel', kernel, '--page-size', page, '--',
            'dpdk-testpmd', '-d', plugin_path(build), '--in-memory',
            '--file-prefix', prefix] + list(eal_args)
        for a in addrs:
            argv += ['-a', a + devargs]
        argv += ['--', '-i'] + list(testpmd_args)
        return cls(argv, prefix, log=log)

    @classmethod
    def on_vdevs(cls, vdevs, testpmd_args=(), eal_args=('-l', '0,1'),
                 log=None, prefix=None, env=None):
        """Plain testpmd (no emulation) on DPDK virtual devices, each VDEVS
        entry a --vdev argument. A file prefix rather than --in-memory: memif
        needs the multi-process channel (and then hugetlbfs)."""
        prefix = prefix or file_prefix('opnic-peer')
        argv = ['dpdk-testpmd', '--no-pci', '--file-prefix', prefix] + list(eal_args)
        for v in vdevs:
            argv += ['--vdev', v]
        argv += ['--', '-i'] + list(testpmd_args)
        return cls(argv, prefix, env=env, log=log)

    def start(self, timeout=60.0):
        super().start(timeout)
        return self

    def telemetry(self, cmd):
        if self._tel is None:
            self._tel = Telemetry(telemetry_path(self.prefix))
        return self._tel.query(cmd)

    def stats(self, port):
        """rte_eth_stats of PORT (/ethdev/stats)."""
        return self.telemetry('/ethdev/stats,%d' % port)

    def xstats(self, port):
        """The PMD's extended statistics of PORT (/ethdev/xstats)."""
        return self.telemetry('/ethdev/xstats,%d' % port)

    def link(self, port):
        return self.telemetry('/ethdev/link_status,%d' % port)

    def quit(self, timeout=30.0):
        """stop, quit and wait: the exit status (None if it hung; then it is
        killed)."""
        if self._tel is not None:
            self._tel.close()
            self._tel = None
        if self.proc.poll() is None:
            try:
                self.cmd('stop', timeout=10)
            except HarnessError:
                pass
            try:
                self.send('quit')
            except OSError:
                pass
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
            return None
        self.close()
        return rc

    def __exit__(self, *exc):
        if self._tel is not None:
            self._tel.close()
            self._tel = None
        self.kill()


CYCLES_RE = re.compile(r'CPU cycles/packet=([0-9.]+).*?at ([0-9]+) MHz')


def core_cycles(stop_output):
    """(cycles per packet, TSC MHz) from the output of testpmd's `stop` with
    --record-core-cycles, or (None, None)."""
    m = CYCLES_RE.search(stop_output)
    return (float(m.group(1)), int(m.group(2))) if m else (None, None)


def pmd_log_facts(log):
    """What net_opnic's own log says about the register path of a run: the
    doorbell path ('region-write', 'mapped' or '' when the PMD never said),
    the register-block list of the last probe, and whether vfio_bar had to
    map a block itself (DPDK's bus could not)."""
    f = {'path': '', 'blocks': '', 'self_mapped': 0}
    for line in log.replace('\r', '').split('\n'):
        if 'doorbells region write' in line:
            f['path'] = 'region-write'
        if 'doorbells mapped' in line:
            f['path'] = 'mapped'
        if 'register blocks:' in line:
            f['blocks'] = re.sub('.*register blocks: *', '', line)
        if re.search('vfio_bar: .*could not map', line):
            f['self_mapped'] = 1
    return f


# ---- Two-process peers (issue 16): the measured testpmd's ports are
# virtual devices whose other end is a second testpmd process, the backend,
# busy on the other core, as the NIC model is for net_opnic.

TWO_PROCESS_PEERS = ('virtio-user', 'memif-2proc')


def peer_pair_vdevs(kind, run_dir, queue_size=1024):
    """(backend vdevs, measured vdevs) of a two-process peer KIND: two ports
    on each side, port N of the measured testpmd cabled to port N of the
    backend through a socket in RUN_DIR."""
    s = [os.path.join(run_dir, '%s%d.sock' % ('vhost' if kind == 'virtio-user' else 'memif', p))
         for p in (0, 1)]
    if kind == 'virtio-user':
        # Packed ring, in-order, no mergeable RX buffers (the fastest
        # virtio-net layout DPDK 22.11's scalar path has); queue_size as
        # opnic's --rxd/--txd, since virtio ignores testpmd's nb_desc
        # beyond the ring the device offers.
        return (['net_vhost%d,iface=%s,queues=1,client=0' % (p, s[p]) for p in (0, 1)],
                ['net_virtio_user%d,path=%s,queues=1,packed_vq=1,in_order=1,mrg_rxbuf=0,'
                 'queue_size=%d' % (p, s[p], queue_size) for p in (0, 1)])
    if kind == 'memif-2proc':
        # Sockets as files in RUN_DIR (22.11 defaults to the abstract
        # namespace); rsize 2^10 = 1024 slots, as opnic's rings.
        a = 'socket-abstract=no,rsize=%d' % (queue_size.bit_length() - 1)
        return (['net_memif%d,role=server,id=0,socket=%s,%s' % (p, s[p], a) for p in (0, 1)],
                ['net_memif%d,role=client,id=0,socket=%s,%s' % (p, s[p], a) for p in (0, 1)])
    raise HarnessError("two-process peer '%s': expected one of %s"
                       % (kind, ', '.join(TWO_PROCESS_PEERS)))


def start_failure(text):
    """What a DPDK program's output says about why it did not start: its
    first error line (EAL's FATAL line if it has one) and, if it exited,
    the Cause line; else its last line."""
    lines = [ln.strip() for ln in text.replace('\r', '').split('\n') if ln.strip()]
    err = r'(?i)(error|cannot|fail|no free|not enough|invalid|refus)'
    first = [ln for ln in lines if 'FATAL' in ln] or \
        [ln for ln in lines if re.search(err, ln) and 'Unregistering' not in ln]
    cause = [ln for ln in lines if ln.startswith('Cause: ')]
    said = (first[:1] + [c for c in cause[-1:] if c not in first[:1]]) or lines[-1:]
    return '; '.join(said)[:240] if said else 'no output'


def remove_prefix_files(prefix, huge_dir='/dev/hugepages'):
    """Remove what a finished DPDK process of file prefix PREFIX leaves: its
    hugetlbfs files and its runtime directory (only those of PREFIX)."""
    import glob
    import shutil
    for p in glob.glob(os.path.join(huge_dir, glob.escape(prefix)) + 'map_*'):
        try:
            os.unlink(p)
        except OSError:
            pass
    rt = os.path.join('/var/run/dpdk', prefix)
    if prefix and os.path.isdir(rt):
        shutil.rmtree(rt, ignore_errors=True)


class TwoProcessPeer:
    """One measurement of a two-process peer: the backend testpmd (io
    forwarding between its two ports, both lcores pinned to BACKEND_CPU:
    it receives what the measured side sent on one port and sends it on the
    other, as the model's wire pair does) and the measured testpmd (main
    lcore on BACKEND_CPU, forwarding lcore on FWD_CPU), with the same
    testpmd options as opnic-testpmd's cases. `run` returns a dict: mpps,
    cycles, tsc, and 'error' (why a side could not start or forward) if
    it did not measure. Both processes are stopped and waited for by their
    own ids; their sockets and logs live in RUN_DIR, their file prefixes are
    named after it and their files removed afterwards."""

    def __init__(self, kind, run_dir, backend_cpu=0, fwd_cpu=1, pkt_len=64,
                 desc=1024, burst=32):
        self.kind = kind
        self.run_dir = run_dir
        self.backend_vdevs, self.measured_vdevs = peer_pair_vdevs(kind, run_dir, desc)
        tag = os.path.basename(run_dir.rstrip('/'))
        self.prefixes = (tag + '-backend', tag + '-measured')
        common = ['--nb-cores=1', '--forward-mode=io', '--rxq=1', '--txq=1',
                  '--rxd=%d' % desc, '--txd=%d' % desc, '--burst=%d' % burst,
                  '--no-lsc-interrupt', '--txpkts=%d' % pkt_len]
        # One hugetlbfs file per memory segment list: vhost-user shares the
        # front-end's memory by file descriptor, at most 8 regions.
        seg = ['--single-file-segments']
        # The backend's links are down until the measured side connects:
        # no 9-second link check at its start.
        # The backend's two lcores share one CPU: testpmd needs a
        # forwarding lcore besides its main one, which waits at the prompt.
        self.backend = Testpmd.on_vdevs(
            self.backend_vdevs, common + ['--disable-link-check'], prefix=self.prefixes[0],
            eal_args=['--lcores', '0@%d,1@%d' % (backend_cpu, backend_cpu)] + seg,
            log=os.path.join(run_dir, 'backend.log'))
        self.measured = Testpmd.on_vdevs(
            self.measured_vdevs, common + ['--record-core-cycles'], prefix=self.prefixes[1],
            eal_args=['--lcores', '0@%d,1@%d' % (backend_cpu, fwd_cpu)] + seg,
            log=os.path.join(run_dir, 'measured.log'))

    def _wait_files(self, paths, timeout):
        deadline = time.monotonic() + timeout
        while not all(os.path.exists(p) for p in paths):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _wait_links(self, timeout):
        """True once both measured ports report their link up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(self.measured.link(p).get('status') == 'UP' for p in (0, 1)):
                    return True
            except (HarnessError, OSError, ValueError):
                pass
            time.sleep(0.1)
        return False

    def _snapshot(self):
        t = time.monotonic()
        return t, [self.measured.stats(p) for p in (0, 1)]

    def _measure(self, seconds, warmup, r):
        """Both sides started: the same session as opnic-testpmd's."""
        try:
            self.backend.start()
        except HarnessError:
            r['error'] = 'backend testpmd did not start: ' + start_failure(self.backend.text())
            return
        if self.kind == 'virtio-user' and not self._wait_files(
                [os.path.join(self.run_dir, 'vhost%d.sock' % p) for p in (0, 1)], 5.0):
            r['error'] = 'backend made no vhost-user sockets in %s within 5 s' % self.run_dir
            return
        self.backend.cmd('start')
        try:
            self.measured.start()
        except HarnessError:
            r['error'] = 'measured testpmd did not start: ' + start_failure(self.measured.text())
            return
        ports = self.measured.telemetry('/ethdev/list')
        if len(ports) != 2:
            r['error'] = 'measured testpmd has %d ports, not 2: %s' % (
                len(ports), start_failure(self.measured.text()))
            return
        if not self._wait_links(10.0):
            r['error'] = 'measured ports never reported link up: ' + start_failure(
                self.measured.text())
            return
        self.measured.cmd('start tx_first')
        time.sleep(warmup)
        w0 = self._snapshot()
        time.sleep(seconds)
        w1 = self._snapshot()
        stop = self.measured.cmd('stop')
        r['backend_stop'] = self.backend.cmd('stop')
        n = sum(w1[1][p].get('ipackets', 0) - w0[1][p].get('ipackets', 0) for p in (0, 1))
        r['mpps'] = n / (w1[0] - w0[0]) / 1e6 if w1[0] > w0[0] else 0.0
        r['cycles'], r['tsc'] = core_cycles(stop)
        if r['cycles'] is None or n == 0:
            r['error'] = 'no traffic forwarded (%d packets in the window)' % n
        r['rx'] = [w1[1][p].get('ipackets', 0) for p in (0, 1)]

    def run(self, seconds=3.0, warmup=1.5):
        r = {'kind': self.kind, 'mpps': 0.0, 'cycles': None, 'tsc': None}
        try:
            self._measure(seconds, warmup, r)
        except (HarnessError, OSError, ValueError) as e:
            r.setdefault('error', str(e).split('\n', 1)[0])
        finally:
            self.stop()
        return r

    def stop(self):
        """Quit the measured side first (the front-end leaves), then the
        backend; each waited for, killed only if it hangs."""
        for tp in (self.measured, self.backend):
            if tp.proc is not None:
                tp.quit(timeout=15.0)
        for p in self.prefixes:
            remove_prefix_files(p)
