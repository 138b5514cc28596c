#!/usr/bin/env python3
"""What is heard, against what stretch shows: plays a session into a sound
server's null sink, records the sink's monitor with `parec`, stamping every
chunk on CLOCK_MONOTONIC (the clock of stretch's `monotonic_ms`), and prints
each cue's |heard - shown| and how long stretch took to exit after its last
sound. The server must already run (XDG_RUNTIME_DIR or PULSE_SERVER).

    heard.py SINK STRETCH [ARGS...]   -> one JSON object on stdout
"""
import json
import os
import subprocess
import sys
import threading
import time

RATE = 48000
CHUNK = 240  # 5 ms of s16 mono


def record(sink, out, stop):
    p = subprocess.Popen(
        ["parec", "-d", sink + ".monitor", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
         "--latency-msec=5"], stdout=subprocess.PIPE)
    total = 0
    stamps = []
    data = bytearray()
    while not stop.is_set():
        chunk = p.stdout.read1(CHUNK * 2)
        if not chunk:
            break
        now = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000
        data += chunk
        total += len(chunk) // 2
        stamps.append((total, now))
    p.terminate()
    p.wait()
    out["samples"] = data
    out["stamps"] = stamps


def onsets(samples, base, threshold=1, gap_ms=40):
    """Monotonic ms of each sound that follows at least gap_ms of silence."""
    import array
    a = array.array("h")
    a.frombytes(bytes(samples[: len(samples) // 2 * 2]))
    found, quiet = [], 10**9
    gap = gap_ms * RATE // 1000
    for i, s in enumerate(a):
        if abs(s) < threshold:
            quiet += 1
        else:
            if quiet >= gap:
                found.append(base + i * 1000 / RATE)
            quiet = 0
    last = max((i for i, s in enumerate(a) if abs(s) >= threshold), default=0)
    return found, base + last * 1000 / RATE


def main():
    sink, cmd = sys.argv[1], sys.argv[2:]
    rec, stop = {}, threading.Event()
    t = threading.Thread(target=record, args=(sink, rec, stop))
    t.start()
    time.sleep(0.5)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    exited = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000
    time.sleep(0.3)
    stop.set()
    t.join()
    # The first sample's time: each read returns at the earliest when its last
    # sample has been captured, so the least-delayed read gives the base.
    base = min(now - n * 1000 / RATE for n, now in rec["stamps"])
    heard, last = onsets(rec["samples"], base)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    shown = [e["monotonic_ms"] for e in events if e["event"] == "phase" and "monotonic_ms" in e]
    print(json.dumps({"code": proc.returncode, "stderr": proc.stderr[-300:], "heard": heard, "shown": shown,
                      "exit_after_last_sound_ms": exited - last}))


if __name__ == "__main__":
    main()
