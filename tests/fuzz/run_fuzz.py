#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run one libFuzzer harness over its seed corpus for a bounded time.

    run_fuzz.py [--fresh] HARNESS CORPUS SECONDS ARTIFACT_DIR [LIBFUZZER_ARG...]

The seed corpus (checked in, tests/fuzz/corpus/<harness>/) is read, never
written: new inputs go to ARTIFACT_DIR/corpus, which the next run replays
and goes on from; --fresh (the suite) empties it first, so that a run
takes the same time every time. Any crash, leak, UB report,
timeout or out-of-memory fails the test; the input is saved in ARTIFACT_DIR
and printed (hex and Python repr) with the command that reproduces it.
SECONDS 0 only replays the corpus (every input once). Also used for the
long runs (doc/fuzzing.md): SECONDS 3600, plus e.g. -jobs=2 -workers=2.
"""
import os
import shutil
import subprocess
import sys
import time

PREFIXES = ("crash-", "leak-", "timeout-", "oom-", "slow-unit-")


def show(path):
    data = open(path, "rb").read()
    print(f"---- {path} ({len(data)} bytes)")
    for off in range(0, min(len(data), 4096), 16):
        chunk = data[off:off + 16]
        hexs = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        print(f"{off:08x}  {hexs:<47}  {text}")
    if len(data) > 4096:
        print("... (truncated)")
    print(f"repr: {data[:512]!r}")


def main():
    args = sys.argv[1:]
    fresh = bool(args) and args[0] == "--fresh"
    if fresh:
        args = args[1:]
    if len(args) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    harness, corpus, secs, art = args[:4]
    extra = args[4:]
    secs = int(secs)
    work = os.path.join(art, "corpus")
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    before = {f for f in os.listdir(art) if f.startswith(PREFIXES)}
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS",
                   "detect_leaks=1:abort_on_error=1:allocator_may_return_null=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    cmd = [harness, f"-artifact_prefix={art}/", "-timeout=10",
           "-rss_limit_mb=2048", "-print_final_stats=1"]
    if secs > 0:
        cmd += [f"-max_total_time={secs}", work, corpus]
    else:
        inputs = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
        cmd += ["-runs=1"] + inputs
    cmd = cmd[:1] + extra + cmd[1:]
    print("run:", " ".join(cmd), flush=True)
    t0 = time.monotonic()
    # Passed through as it comes; the last input a replay started is the
    # one that failed (libFuzzer saves no copy of an input it was given).
    last = None
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    for raw in proc.stdout:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        if raw.startswith(b"Running: "):
            last = raw[len(b"Running: "):].strip().decode(errors="replace")
    rc = proc.wait()
    took = time.monotonic() - t0
    new = sorted(f for f in os.listdir(art)
                 if f.startswith(PREFIXES) and f not in before)
    print(f"{os.path.basename(harness)}: exit {rc} after {took:.1f} s, "
          f"{len(os.listdir(work))} inputs in {work}")
    if rc == 0 and not new:
        return 0
    for f in new:
        path = os.path.join(art, f)
        show(path)
        print(f"reproduce: {harness} {path}")
        print(f"keep as a regression input once fixed: cp {path} {corpus}/")
    if not new and secs == 0 and last is not None:
        show(last)
        print(f"reproduce: {harness} {last}")
    elif not new:
        print("the harness failed without saving an input (see above)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
