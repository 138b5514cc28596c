#!/usr/bin/env python3
"""What the person hears, through real sound servers: a private PulseAudio and
a headless PipeWire, each with a null sink that consumes audio in real time
like a sound card. The sink's monitor is recorded with `parec`, every chunk
stamped on CLOCK_MONOTONIC (the clock of stretch's `monotonic_ms`), and set
against what stretch reported:

- heard − shown: each cue's onset in the monitor against its `--json` event;
- exit after the last sound: the process's exit against the last sound heard;
- pause heard: a space pressed mid-phrase against the end of the sound;
- CPU during a hold: program + server, from `/proc/*/task/*/schedstat` (ns);
- time to first output with sound on, on a pseudo-terminal.

Part of `bench/run.py` (its `servers` part); alone:

    python3 bench/servers.py --binary target/release/stretch [--runs 3]
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import run as harness

RATE = 48_000
SINK = "stretch_bench"
# A chime session: tones that start on their first sample.
CHIME = ["--sounds", "chime", "--volume", "100", "--prepare", "2s", "--reps", "3", "--hold", "3s", "--rest", "2s"]
# A long spoken instruction to pause in the middle of.
PAUSE = ["--sounds", "voice", "--volume", "100", "--prepare", "9s", "--reps", "1", "--hold", "1s", "--rest", "0"]
# One long hold, for the CPU it costs.
HOLD = ["--sounds", "voice", "--prepare", "1s", "--reps", "1", "--hold", "14s", "--rest", "0"]
CPU_WINDOW = (2.0, 12.0)  # seconds after the hold begins



def monotonic_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000


def cpu_ns(pid):
    """CPU nanoseconds of every thread of `pid` (0 once it has gone)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


class Server:
    """A private sound server in its own runtime dir, stopped on exit."""

    name = ""

    def __init__(self, root):
        self.root = Path(root) / self.name
        self.run = self.root / "run"
        self.run.mkdir(parents=True)
        self.procs = []

    def env(self, **extra):
        env = {"PATH": os.environ["PATH"], "HOME": str(self.root), "XDG_RUNTIME_DIR": str(self.run)}
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={self.run}/bus"
        env.update(extra)
        return env

    def spawn(self, *argv):
        log = open(self.root / f"{Path(argv[0]).name}-{len(self.procs)}.log", "w")
        self.procs.append(subprocess.Popen(argv, env=self.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log))

    def wait_for(self, path):
        deadline = time.monotonic() + 10
        while not path.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start: no {path}; logs in {self.root}")
            time.sleep(0.05)

    def pactl(self, *args):
        deadline = time.monotonic() + 10
        while True:
            out = subprocess.run(["pactl", *args], env=self.env(), capture_output=True, text=True)
            if out.returncode == 0:
                return out.stdout
            if time.monotonic() > deadline:
                raise RuntimeError(f"pactl {' '.join(args)}: {out.stderr.strip()}")
            time.sleep(0.1)

    def cpu_ns(self):
        return sum(cpu_ns(p.pid) for p in self.procs)

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                harness.kill_overrun(p)


class PulseAudio(Server):
    name = "pulseaudio"

    def __enter__(self):
        script = self.root / "bench.pa"
        script.write_text(f"load-module module-null-sink sink_name={SINK}\nload-module module-native-protocol-unix\n"
                          f"set-default-sink {SINK}\n")
        self.spawn("pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-F", str(script))
        self.wait_for(self.run / "pulse" / "native")
        self.version = subprocess.run(["pulseaudio", "--version"], capture_output=True, text=True).stdout.strip()
        return self


class PipeWire(Server):
    name = "pipewire"

    def __enter__(self):
        # WirePlumber exits without a session bus.
        self.spawn("dbus-daemon", "--session", "--nofork", f"--address=unix:path={self.run}/bus")
        self.wait_for(self.run / "bus")
        self.spawn("pipewire")
        self.wait_for(self.run / "pipewire-0")
        self.spawn("wireplumber")
        # The tests start the same server.
        self.spawn("pipewire", "-c", str(Path(__file__).resolve().parent.parent / "tests" / "pipewire-pulse.conf"))
        self.wait_for(self.run / "pulse" / "native")
        self.pactl("load-module", "module-null-sink", f"sink_name={SINK}")
        self.pactl("set-default-sink", SINK)
        out = subprocess.run(["pipewire", "--version"], capture_output=True, text=True).stdout
        self.version = "PipeWire " + out.split("libpipewire")[-1].strip()
        return self


class Recorder:
    """The sink's monitor, as it plays: samples, and the monotonic ms of the
    first (the least delayed read places it: a read returns at the earliest
    once its last sample is captured)."""

    def __init__(self, server):
        argv = ["parec", "-d", f"{SINK}.monitor", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
                "--latency-msec=5"]
        self.proc = subprocess.Popen(argv, env=server.env(), stdout=subprocess.PIPE)
        self.data, self.first_ms = bytearray(), float("inf")
        self.thread = threading.Thread(target=self.read)
        self.thread.start()
        time.sleep(0.5)

    def read(self):
        while chunk := self.proc.stdout.read1(480):
            now = monotonic_ms()
            self.data += chunk
            self.first_ms = min(self.first_ms, now - len(self.data) // 2 * 1000 / RATE)

    def stop(self):
        time.sleep(0.4)
        self.proc.terminate()
        self.proc.wait()
        self.thread.join()
        samples = memoryview(bytes(self.data[: len(self.data) // 2 * 2])).cast("h")
        return Heard(list(samples), self.first_ms)


class Heard:
    """A recording, read as sounds and silences (a sample is silent below 1
    LSB: the track's silence is exact zeros)."""

    def __init__(self, samples, first_ms):
        self.samples, self.first_ms = samples, first_ms

    def ms(self, i):
        return self.first_ms + i * 1000 / RATE

    def onsets(self, gap_ms=40):
        """Monotonic ms of each sound after at least gap_ms of silence."""
        found, quiet, gap = [], 10**9, gap_ms * RATE // 1000
        for i, s in enumerate(self.samples):
            if s == 0:
                quiet += 1
            else:
                if quiet >= gap:
                    found.append(self.ms(i))
                quiet = 0
        return found

    def last_sound(self, before_ms=float("inf")):
        """Monotonic ms just after the last sounding sample before `before_ms`."""
        end = len(self.samples)
        if before_ms != float("inf"):
            end = min(end, int((before_ms - self.first_ms) * RATE / 1000))
        i = next((i for i in range(end - 1, -1, -1) if self.samples[i] != 0), None)
        return None if i is None else self.ms(i + 1)


class Session:
    """One `stretch tonight --json` played into the sink: stdin on a
    pseudo-terminal (for keys), stdout's events stamped as they arrive."""

    def __init__(self, bench, server, args, keys=(), cpu_window=None):
        self.events, self.cpu = [], None
        master, slave = os.openpty()
        rfd, wfd = os.pipe()
        data = tempfile.mkdtemp(prefix="data-", dir=bench.tmp)
        argv = [str(bench.binary), "tonight", "--json", "--device", SINK, "--data-dir", data, *args]
        env = server.env(STRETCH_CONFIG_DIR=str(bench.tmp / "config"), TERM="xterm-256color")
        proc = harness.launched(argv, wfd, env=env, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, preexec_fn=harness.set_controlling_tty)
        os.close(slave)
        report = os.fdopen(rfd)
        pid = int(report.readline().split()[1])
        pending = []  # (monotonic ms, action)
        for line in proc.stdout:
            event = json.loads(line)
            self.events.append(event)
            for when, key in keys:
                if when(event):
                    pending.append((event["monotonic_ms"] + key[0], lambda k=key[1]: os.write(master, k)))
            if cpu_window and event["event"] == "phase" and event["phase"] == "hold":
                self.cpu_at = []
                for s in cpu_window:
                    pending.append((event["monotonic_ms"] + s * 1000, lambda: self.cpu_at.append(
                        (monotonic_ms(), cpu_ns(pid), server.cpu_ns()))))
            pending.sort(key=lambda p: p[0])
            while pending:
                time.sleep(max(0.0, pending[0][0] - monotonic_ms()) / 1000)
                pending.pop(0)[1]()
        self.stderr = proc.stderr.read().decode(errors="replace")
        spawned, exited, self.code, _, self.rss, _, _ = harness.finish(proc, report)
        self.exited_ms = exited * 1000
        os.close(master)
        if cpu_window and len(self.cpu_at) == 2:
            (t0, p0, s0), (t1, p1, s1) = self.cpu_at
            self.cpu = (100 * (p1 - p0) / 1e6 / (t1 - t0), 100 * (s1 - s0) / 1e6 / (t1 - t0))

    def phases(self):
        return [e for e in self.events if e["event"] == "phase"]


def track_onsets(bench, args):
    """Offsets (ms) of each sound on the exported track of `args`."""
    wav = bench.tmp / "track.wav"
    subprocess.run([str(bench.binary), "tonight", "--export-audio", str(wav), *args], check=True,
                   capture_output=True, env=dict(os.environ, HOME=str(bench.tmp)))
    with wave.open(str(wav)) as w:
        samples = memoryview(w.readframes(w.getnframes())).cast("h")
    return Heard(list(samples), 0.0).onsets()


def heard_minus_shown(session, heard, planned):
    """Each phase's error, heard − shown (ms): its cue's onset on the track,
    lead silence included, against its `monotonic_ms`."""
    errors = []
    found = heard.onsets()
    for event in session.phases():
        onset = min((p for p in planned if p >= event["planned_ms"] - 1), default=None)
        if onset is None or onset - event["planned_ms"] > 500:
            continue  # a phase with no cue of its own
        expected = event["monotonic_ms"] + onset - event["planned_ms"]
        nearest = min(found, key=lambda f: abs(f - expected), default=None)
        errors.append(None if nearest is None or abs(nearest - expected) > 500 else nearest - expected)
    return errors


def play(bench, server, args, **how):
    recorder = Recorder(server)
    session = Session(bench, server, args, **how)
    heard = recorder.stop()
    if session.code != 0:
        raise RuntimeError(f"stretch exited {session.code} on {server.name}: {session.stderr[-400:]}")
    return session, heard


def measure(bench, server, runs):
    """The figures through one server, each over `runs` sessions."""
    planned = track_onsets(bench, CHIME)
    out = {"errors": [], "missing": 0, "exit": [], "pause": [], "resumed": [], "cpu": [], "rss": []}
    for i in range(runs):
        session, heard = play(bench, server, CHIME)
        errors = heard_minus_shown(session, heard, planned)
        out["missing"] += sum(e is None for e in errors)
        out["errors"] += [e for e in errors if e is not None]
        out["exit"].append(session.exited_ms - heard.last_sound())
        out["rss"].append(session.rss)
        # Space mid-phrase, and again 1.5 s later.
        at = 1000 + 150 * i
        is_prepare = lambda e: e["event"] == "phase" and e["phase"] == "prepare"
        keys = [(is_prepare, (at, b" ")), (is_prepare, (at + 1500, b" "))]
        session, heard = play(bench, server, PAUSE, keys=keys)
        prepare = session.phases()[0]["monotonic_ms"]
        pressed = prepare + at
        stopped = heard.last_sound(pressed + 1400)
        # Only a key pressed while the voice sounds says when the pause is heard.
        if stopped is not None and heard.last_sound(pressed) is not None and heard.last_sound(pressed) > pressed - 20:
            out["pause"].append(max(0.0, stopped - pressed))
        resumed = [e for e in session.events if e["event"] == "resumed"]
        onset = min((o for o in heard.onsets(300) if o > pressed + 200), default=None)
        if resumed and onset:
            out["resumed"].append(onset - resumed[0]["monotonic_ms"])
        # Not recorded: a monitor read every 5 ms would keep the server busy.
        session = Session(bench, server, HOLD, cpu_window=CPU_WINDOW)
        if session.cpu:
            out["cpu"].append(session.cpu)
        harness.log(f"{server.name} run {i + 1}/{runs}: heard − shown {fmt(errors)}, exit {out['exit'][-1]:.0f} ms, "
                    f"pause {fmt(out['pause'][-1:])} ms, cpu {session.cpu}")
    return out


def first_output(bench, server, runs):
    """Spawn to the first byte on a terminal, sound on (ms), and peak RSS (MB)
    of the default routine with its voice, cut to one short hold (its
    getting-ready words and closing tip, the longest clips, still play)."""
    argv = [str(bench.binary), "tonight", "--no-log", "--device", SINK, "--reps", "1", "--hold", "1s", "--rest", "0"]
    env = server.env(STRETCH_CONFIG_DIR=str(bench.tmp / "config"), TERM="xterm-256color")
    out = [harness.spawn(argv, env, tty=True) for _ in range(runs)]
    return [r.first_output * 1000 for r in out if r.first_output is not None], [r.maxrss_mb for r in out]


def fmt(values):
    return " ".join("—" if v is None else f"{v:+.1f}" for v in values)


def stats(values, unit="", signed=False):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    f = (lambda v: f"{v:+.1f}{unit}") if signed else (lambda v: f"{v:.1f}{unit}")
    return f"{f(statistics.median(values))} ({f(min(values))} – {f(max(values))})"


def report(bench, runs):
    """Both servers measured: the report's section, and its targets as
    (figure, target, measured, met)."""
    rows, targets, results = [], [], {}
    for kind in (PulseAudio, PipeWire):
        with kind(bench.tmp) as server:
            got = measure(bench, server, runs)
            got["first"], rss = first_output(bench, server, runs)
            got["rss"] += rss
            results[server.version] = got
    for name, got in results.items():
        cpu = [p + s for p, s in got["cpu"]]
        rows.append(f"| {name} | {stats(got['errors'], ' ms', True)} | {got['missing']} | {stats(got['exit'], ' ms')} | "
                    f"{stats(got['pause'], ' ms')} | {stats(got['resumed'], ' ms', True)} | "
                    f"{stats([p for p, _ in got['cpu']], '%')} + {stats([s for _, s in got['cpu']], '%')} = {stats(cpu, '%')} | "
                    f"{stats(got['first'], ' ms')} | {stats(got['rss'], ' MB')} |")
    every = lambda key: [v for got in results.values() for v in got[key] if v is not None]
    errors = every("errors")
    worst = {name: max(abs(e) for e in got["errors"]) for name, got in results.items() if got["errors"]}
    med = {name: abs(statistics.median(got["errors"])) for name, got in results.items() if got["errors"]}
    missing = sum(got["missing"] for got in results.values())
    targets.append(("heard − shown, every cue, PulseAudio and PipeWire null sinks", "median ≤ 5 ms, max ≤ 15 ms",
                    "; ".join(f"{n}: median {stats(g['errors'], ' ms', True)}" for n, g in results.items())
                    + (f"; {missing} cues not heard" if missing else ""),
                    bool(errors) and not missing and max(med.values()) <= 5 and max(worst.values()) <= 15))
    exits = every("exit")
    targets.append(("a device session exits after its last sound is heard", "≤ 100 ms", stats(exits, " ms"),
                    bool(exits) and max(exits) <= 100))
    pauses = every("pause")
    targets.append(("pause heard after the key", "≤ 100 ms", stats(pauses, " ms"), bool(pauses) and max(pauses) <= 100))
    cpu = [p + s for got in results.values() for p, s in got["cpu"]]
    targets.append(("program + sound server CPU during a hold", "≤ 0.6% of a core", stats(cpu, "%"),
                    bool(cpu) and statistics.median(cpu) <= 0.6))
    first = every("first")
    targets.append(("time to first output, sound on", "≤ 5 ms", stats(first, " ms"),
                    bool(first) and statistics.median(first) <= 5))
    rss = every("rss")
    targets.append(("peak RSS, sound on", "≤ 8 MB", f"{max(rss):.1f} MB (largest)" if rss else "—",
                    bool(rss) and max(rss) <= 8))
    body = f"""
`python3 bench/servers.py` (run by `bench/run.py`): a private PulseAudio and a headless PipeWire
(its pulse server), each with a null sink, which consumes audio in real time like a sound card. The
sink's monitor is recorded with `parec --latency-msec=5`, every chunk stamped on CLOCK_MONOTONIC, and
set against `stretch tonight --json --device SINK` (stdin on a pseudo-terminal for its keys), {runs}
run(s) per server:

- **heard − shown**: `{' '.join(CHIME)}`; each phase's cue onset in the monitor against its event's
  `monotonic_ms` (the cue's lead silence on the exported track added). A null sink's monitor hears a
  sample when the sink renders it, up to its latency (50 ms on PulseAudio) before the sink plays
  it: PulseAudio's figures sit a few ms early for that reason.
- **exit**: the process's exit (reaped by `bench/launch.c`) after the last sound in the monitor.
- **pause**: `{' '.join(PAUSE)}`; space pressed mid-phrase, 1.0 s + 150 ms × run into the getting-ready
  words; the key's write against the end of the sound in the monitor. **resumed**: space again 1.5 s
  later; the sound's return against the `resumed` event.
- **CPU**: `{' '.join(HOLD)}`, not recorded; CPU time of every thread of stretch and of the server's
  processes (`/proc/*/task/*/schedstat`, nanoseconds) from {CPU_WINDOW[0]:.0f} s to {CPU_WINDOW[1]:.0f} s into the hold,
  over the wall time. The hold's words end at about 0.4 s, its countdown begins at 11 s.
- **first output**: spawn to the first byte on a pseudo-terminal, `tonight --reps 1 --hold 1s --rest 0`
  (the default routine's voice, its longest clips included); **peak RSS** over every run above (`wait4`).

| server | heard − shown | cues missing | exit after the last sound | pause heard | resumed: heard − shown | CPU in a hold: program + server | first output | peak RSS |
|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows)
    return body, targets


def main():
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()

    class Bench:
        binary = Path(args.binary).resolve()
        tmp = Path(tempfile.mkdtemp(prefix="stretch-servers-"))

    harness.LAUNCH = Bench.tmp / "launch"
    subprocess.run(["cc", "-O2", "-o", str(harness.LAUNCH), str(Path(__file__).parent / "launch.c")], check=True)
    try:
        body, targets = report(Bench, args.runs)
        print(body.strip() + "\n\n" + "\n".join(f"| {a} | {b} | {c} | {'met' if d else '**missed**'} |" for a, b, c, d in targets))
    finally:
        shutil.rmtree(Bench.tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
