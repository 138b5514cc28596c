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
- time to first output with sound on, on a pseudo-terminal;
- time to first sound: spawn to the first sample heard in the monitor;
- the default routine, whole: every sound heard, whole, against its event.

Part of `bench/run.py` (its `servers` part); alone:

    python3 bench/servers.py --binary target/release/stretch [--runs 3]
"""

import bisect
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
# The default routine's first words, for the time to first sound.
FIRST = ["--sounds", "voice", "--reps", "1", "--hold", "1s", "--rest", "0"]
FIRST_RUNS = 4
# The default routine as it comes, long silences and all.
DEFAULT = ["--sounds", "voice", "--volume", "100"]



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
    """The sink's monitor, as it plays: samples, and each read's sample count
    and monotonic ms. A read returns once its last sample is captured, so
    `ms - count / RATE` is at or after the instant sample 0 would have been
    heard had the monitor never paused; the least such figure among the reads
    after a sample places it, so a monitor that pauses (a sink suspended and
    resumed) shifts nothing. `--latency-msec=5` keeps the sink rendering at
    most 5 ms ahead of what it plays: a monitor recorded at the default latency
    lets an idle sink render up to 2 s ahead, and positions in such a recording
    shift by as much whenever the sink's latency changes."""

    def __init__(self, server):
        argv = ["parec", "-d", f"{SINK}.monitor", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
                "--latency-msec=5"]
        self.proc = subprocess.Popen(argv, env=server.env(), stdout=subprocess.PIPE)
        self.data, self.reads = bytearray(), []
        self.thread = threading.Thread(target=self.read)
        self.thread.start()
        time.sleep(0.5)

    def read(self):
        while chunk := self.proc.stdout.read1(960):
            now = monotonic_ms()
            self.data += chunk
            self.reads.append((len(self.data) // 2, now))

    def stop(self):
        time.sleep(0.4)
        self.proc.terminate()
        self.proc.wait()
        self.thread.join()
        samples = memoryview(bytes(self.data[: len(self.data) // 2 * 2])).cast("h")
        # The least figure among each read and those after it.
        bases, least = [], float("inf")
        for count, at in reversed(self.reads):
            least = min(least, at - count * 1000 / RATE)
            bases.append((count, least))
        return Heard(list(samples), bases[::-1])


class Heard:
    """A recording, read as sounds and silences (a sample is silent below 1
    LSB: the track's silence is exact zeros)."""

    def __init__(self, samples, bases):
        """`bases`: (sample count after a read, ms of sample 0 by it and the
        reads after it), in order; a number for one base for every sample."""
        self.samples = samples
        self.bases = bases if isinstance(bases, list) else [(len(samples), bases)]
        self.counts = [c for c, _ in self.bases]

    def ms(self, i):
        k = min(bisect.bisect_right(self.counts, i), len(self.bases) - 1)
        return self.bases[k][1] + i * 1000 / RATE

    def sounds(self, join_ms=150):
        """(first, last + 1) sample of each sound, silences shorter than
        join_ms (between a phrase's words) inside it."""
        found, join = [], join_ms * RATE // 1000
        for i, s in enumerate(self.samples):
            if s != 0:
                if found and i - found[-1][1] < join:
                    found[-1][1] = i + 1
                else:
                    found.append([i, i + 1])
        return found

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
            end = min(end, next((i for i in range(end) if self.ms(i) >= before_ms), end))
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
        self.spawned_ms, self.exited_ms = spawned * 1000, exited * 1000
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


def first_sound(bench, server, runs=FIRST_RUNS):
    """Spawn to the first sample of the default routine heard (ms), each run
    with the monitor recorded from 0.5 s before (which wakes a suspended sink
    as an idle one, rendering far ahead) and the previous run a few seconds
    gone, as a person runs it again."""
    out = []
    for _ in range(runs):
        session, heard = play(bench, server, FIRST)
        found = heard.onsets()
        out.append(found[0] - session.spawned_ms if found else None)
        time.sleep(2)
    return out


def whole_routine(bench, server):
    """The default routine through `server`: (errors heard − shown (ms) of
    every sound, sounds missing, the largest difference between a sound's
    heard and planned length (ms)), each sound against its cue's `cue`
    event."""
    # Quick mode (CI) plays one rep: its silences are as long.
    args = DEFAULT + (["--reps", "1"] if getattr(bench, "quick", False) else [])
    wav = bench.tmp / "default.wav"
    subprocess.run([str(bench.binary), "tonight", "--export-audio", str(wav), *args], check=True,
                   capture_output=True, env=dict(os.environ, HOME=str(bench.tmp)))
    with wave.open(str(wav)) as w:
        planned = Heard(list(memoryview(w.readframes(w.getnframes())).cast("h")), 0.0).sounds()
    session, heard = play(bench, server, args)
    found = heard.sounds()
    if len(found) != len(planned):
        return [], abs(len(planned) - len(found)), None
    # Each sound against its cue's event: the last cue to start at or before
    # it (a phrase's later words have none of their own), due on
    # CLOCK_MONOTONIC where the event came, less how late the process woke.
    cues = [(e["planned_ms"], e["monotonic_ms"] - e["actual_ms"] + e["planned_ms"])
            for e in session.events if e["event"] == "cue"]
    ms = lambda i: i * 1000 / RATE
    errors, lengths = [], []
    for (p0, p1), (h0, h1) in zip(planned, found):
        at, due = max(((a, d) for a, d in cues if a <= ms(p0) + 0.1), default=cues[0])
        errors.append(heard.ms(h0) - (due + ms(p0) - at))
        lengths.append(abs((heard.ms(h1) - heard.ms(h0)) - ms(p1 - p0)))
    return errors, 0, max(lengths)


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
    rows, routine_rows, targets, results = [], [], [], {}
    for kind in (PulseAudio, PipeWire):
        with kind(bench.tmp) as server:
            got = measure(bench, server, runs)
            got["first"], rss = first_output(bench, server, runs)
            got["rss"] += rss
            got["sound"] = first_sound(bench, server)
            got["routine"], got["routine_missing"], got["routine_length"] = whole_routine(bench, server)
            harness.log(f"{server.name}: first sound {fmt(got['sound'])} ms; default routine heard − shown "
                        f"{stats(got['routine'], ' ms', True)}, {got['routine_missing']} missing")
            results[server.version] = got
    for name, got in results.items():
        cpu = [p + s for p, s in got["cpu"]]
        rows.append(f"| {name} | {stats(got['errors'], ' ms', True)} | {got['missing']} | {stats(got['exit'], ' ms')} | "
                    f"{stats(got['pause'], ' ms')} | {stats(got['resumed'], ' ms', True)} | "
                    f"{stats([p for p, _ in got['cpu']], '%')} + {stats([s for _, s in got['cpu']], '%')} = {stats(cpu, '%')} | "
                    f"{stats(got['first'], ' ms')} | {stats(got['sound'], ' ms')} | {stats(got['rss'], ' MB')} |")
        worst = max((abs(e) for e in got["routine"]), default=None)
        worst = "—" if worst is None else f"{worst:.1f} ms"
        length = "—" if got["routine_length"] is None else f"{got['routine_length']:.1f} ms"
        routine_rows.append(f"| {name} | {len(got['routine'])} | {got['routine_missing']} | "
                            f"{stats(got['routine'], ' ms', True)} | {worst} | {length} |")
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
    sound = {name: [v for v in got["sound"] if v is not None] for name, got in results.items()}
    targets.append(("time to first sound: spawn to the first sample heard, PulseAudio and PipeWire",
                    f"median of {FIRST_RUNS} ≤ 150 ms",
                    "; ".join(f"{n}: {stats(v, ' ms')}" for n, v in sound.items()),
                    all(v and len(v) == FIRST_RUNS and statistics.median(v) <= 150 for v in sound.values())))
    routine_ok = all(not g["routine_missing"] and g["routine"] and max(abs(e) for e in g["routine"]) <= 30
                     and g["routine_length"] <= 20 for g in results.values())
    targets.append(("the default routine: every sound heard, whole, with its event, PulseAudio and PipeWire",
                    "none missing, each within 30 ms, lengths within 20 ms",
                    "; ".join(f"{n}: {len(g['routine'])} heard, {g['routine_missing']} missing, "
                              f"{stats(g['routine'], ' ms', True)}" for n, g in results.items()), routine_ok))
    rss = every("rss")
    targets.append(("peak RSS, sound on", "≤ 8 MB", f"{max(rss):.1f} MB (largest)" if rss else "—",
                    bool(rss) and max(rss) <= 8))
    body = f"""
`python3 bench/servers.py` (run by `bench/run.py`): a private PulseAudio and a headless PipeWire
(its pulse server), each with a null sink, which consumes audio in real time like a sound card. The
sink's monitor is recorded with `parec --latency-msec=5` (which keeps the sink rendering at most 5 ms
ahead: see Reading these figures), every read stamped on CLOCK_MONOTONIC and each sample placed by
the reads after it (a monitor that pauses moves nothing), and set against `stretch tonight --json --device SINK` (stdin on a pseudo-terminal for its keys), {runs}
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
- **first sound**: spawn to the first sample of `{' '.join(FIRST)}` heard in the monitor, {FIRST_RUNS} runs,
  the monitor recorded from 0.5 s before each (which wakes the sink as an idle sink, rendering up to 2 s ahead).

| server | heard − shown | cues missing | exit after the last sound | pause heard | resumed: heard − shown | CPU in a hold: program + server | first output | first sound | peak RSS |
|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + f"""

The default routine as it comes (`{' '.join(DEFAULT)}`, long silences included), once per server: every
sound in the monitor against its cue's `cue` event (a phrase's later words by the cue they belong
to), and its length against the exported track's.

| server | sounds heard | missing | heard − shown | largest error | largest length difference |
|---|---|---|---|---|---|
""" + "\n".join(routine_rows)
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
