#!/usr/bin/env python3
"""The quick session under load: `stretch tonight --json --sounds off` with
the quick benchmark's 6 s routine, run many times while `stress-ng` loads
the CPU, the disk and memory. A run past its bound is a hang: its threads'
stacks are saved (see run.stacks) before it is killed, so it can be explained.

    python3 bench/stress.py [--runs 300] [--parallel 4] [--bound 30]

Prints the distribution of wall times and every overrun with its stacks.
Needs a release build (`cargo build --release --locked`) and stress-ng.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as harness  # noqa: E402

BINARY = harness.REPO / "target" / "release" / "stretch"


def one(tmp, i, bound):
    """Runs one session; returns (seconds, exit code, stacks if it overran)."""
    home = Path(tmp) / f"home-{i}"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRETCH_")}
    env.update(HOME=str(home), STRETCH_CONFIG_DIR=str(home / "config"), TERM="xterm-256color")
    env.pop("XDG_RUNTIME_DIR", None)
    argv = [str(BINARY), "tonight", "--json", "--sounds", "off", *harness.QUICK_ROUTINE, "--data-dir", str(home / "data")]
    began = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.communicate(timeout=bound)
        return time.monotonic() - began, p.returncode, None
    except subprocess.TimeoutExpired:
        stacks = harness.stacks(p.pid)
        p.kill()
        p.communicate()
        return time.monotonic() - began, p.returncode, stacks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--bound", type=float, default=30.0)
    ap.add_argument("--load", default="--cpu 2 --io 1 --hdd 1 --hdd-bytes 64M --vm 1 --vm-bytes 256M")
    args = ap.parse_args()
    if not BINARY.exists():
        sys.exit(f"no release build at {BINARY}: cargo build --release --locked")
    stress = subprocess.Popen(["stress-ng", *args.load.split(), "--timeout", "3600s", "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results, lock = [], threading.Lock()
    with tempfile.TemporaryDirectory(prefix="stretch-stress-") as tmp:
        counter = iter(range(args.runs))

        def worker():
            for i in counter:
                r = one(tmp, i, args.bound)
                with lock:
                    results.append(r)

        try:
            threads = [threading.Thread(target=worker) for _ in range(args.parallel)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            stress.terminate()
            stress.wait()
    times = sorted(r[0] for r in results)
    failed = [r for r in results if r[1] != 0]
    over = [r for r in results if r[2] is not None]
    print(f"{len(results)} runs of a 6 s session under stress-ng {args.load}, {args.parallel} at a time")
    print(f"wall time: median {statistics.median(times):.2f} s, min {times[0]:.2f} s, "
          f"p99 {times[int(len(times) * 0.99) - 1]:.2f} s, max {times[-1]:.2f} s")
    print(f"non-zero exits: {len(failed)}; overruns past {args.bound:.0f} s: {len(over)}")
    for seconds, code, stacks in over:
        print(f"--- overrun ({seconds:.1f} s, exit {code}):\n{stacks}")
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main())
