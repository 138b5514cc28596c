#!/usr/bin/env python3
"""Benchmarks for `stretch`: timing accuracy, audio placement, cost, start-up,
and the same figures for other terminal timers, measured in one run.

    python3 bench/run.py            # the full run (~20 min): writes BENCHMARKS.md
    python3 bench/run.py --quick    # seconds long: no peers, no thresholds (CI)

Python's standard library, and `cc` for bench/launch.c, the small process
that starts each measured command (see why there). Every figure is the median, min and max over the runs;
the report also records the machine, the versions and the load average, since
a loaded machine makes every timer late.
"""

import argparse
import datetime
import fcntl
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RATE = 48_000
PEERS = {"termdown": "2.0.0", "timer-cli": "0.1.2", "porsmo": "0.3.5"}
# The default routine: 15 s prepare, 3 x 10 s holds, 5 s rests.
FULL_ROUTINE = []
# Quick mode: the same phases, seconds long.
QUICK_ROUTINE = ["--prepare", "1s", "--reps", "2", "--hold", "2s", "--rest", "1s"]
# Window (seconds after start) in which wake-ups are counted: inside the hold.
WAKE_WINDOW = (2.0, 8.0)
# Where the hand-measured part of BENCHMARKS.md begins (kept across runs).
KEPT = "<!-- measured by hand, kept by bench/run.py -->"
PARTS = ["startup", "accuracy", "audio", "servers", "cost", "peers"]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


@dataclass
class Run:
    """One process, measured from just before spawn to its exit."""

    code: int
    wall: float  # seconds, spawn to exit
    cpu: float  # user + sys seconds, from wait4
    maxrss_mb: float
    voluntary: int  # context switches over the whole run
    involuntary: int
    first_output: float | None  # seconds from spawn to the first byte
    lines: list = field(default_factory=list)  # (seconds since spawn, text)
    window_wakeups: float | None = None  # voluntary switches per second in WAKE_WINDOW
    ended: float = 0.0  # seconds from spawn to the end: the exit, or what `end` saw

    @property
    def cpu_pct(self):
        return 100.0 * self.cpu / self.wall


def thread_switches(pid):
    """Voluntary context switches summed over the live threads of `pid`."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def set_controlling_tty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


LAUNCH = None  # the compiled bench/launch.c


def launched(argv, report_fd, **popen):
    """Starts `argv` under the launcher, which reports on `report_fd`."""
    proc = subprocess.Popen([str(LAUNCH), str(report_fd), *argv], pass_fds=(report_fd,), **popen)
    os.close(report_fd)
    return proc


def finish(proc, report):
    """The launcher's final report: (spawn, exit, exit code, cpu, maxrss MB, nvcsw, nivcsw)."""
    line = report.readline().split()
    proc.wait()
    report.close()
    if len(line) != 8:
        raise RuntimeError(f"the launcher failed (exit {proc.returncode})")
    spawn, exited, status = float(line[0]), float(line[1]), int(line[2])
    return (
        spawn,
        exited,
        os.waitstatus_to_exitcode(status),
        float(line[3]) + float(line[4]),
        int(line[5]) / 1024.0,
        int(line[6]),
        int(line[7]),
    )


def stacks(pid):
    """Every thread's stack of the running process `pid` (the kernel's
    `/proc/PID/task/*/stack` and `wchan`, then gdb's backtraces), logged
    before a process that overran is killed, so a hang seen once under load
    can be explained afterwards."""
    lines = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        def read(name):
            try:
                return (task / name).read_text().strip()
            except OSError as e:
                return f"({e.strerror})"
        lines.append(f"thread {task.name} ({read('comm')}) wchan {read('wchan')}")
        lines.extend("    " + line for line in read("stack").splitlines())
    try:
        gdb = subprocess.run(["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt"],
                             capture_output=True, text=True, timeout=60)
        lines.append(gdb.stdout.strip())
    except (OSError, subprocess.TimeoutExpired) as e:
        lines.append(f"(gdb: {e})")
    text = "\n".join(lines)
    log(f"threads of pid {pid}:\n{text}")
    return text


def kill_overrun(proc):
    """Saves `proc`'s stacks, then kills it and waits for it."""
    stacks(proc.pid)
    proc.kill()
    proc.wait()


def spawn(argv, env, *, tty=False, window=None, timeout=120.0, end=None, quit=b"q"):
    """Runs `argv` to its end, its stdout on a pipe (or all of stdin, stdout
    and stderr on a pseudo-terminal with `tty`), timestamping each read on
    the launcher's clock and sampling the threads' wake-ups at `window`.
    A timer that stays up once it has finished is given `end`, which tells
    from its output so far that it has, and is then sent `quit`."""
    rfd, wfd = os.pipe()
    if tty:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        stdio = dict(stdin=slave, stdout=slave, stderr=slave, start_new_session=True, preexec_fn=set_controlling_tty)
    else:
        master, slave = os.pipe()
        stdio = dict(stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.DEVNULL)
    proc = launched(argv, wfd, env=env, **stdio)
    os.close(slave)
    report = os.fdopen(rfd)
    pid = int(report.readline().split()[1])
    began = time.monotonic()
    reads, partial, samples, seen, ended, killed = [], b"", [], b"", None, False
    marks = list(window) if window else []
    while True:
        now = time.monotonic() - began
        if now > timeout and not killed:
            # Shown as exit code -9 in the report; the run goes on.
            log(f"{argv[0]} ran past {timeout} s: killed")
            stacks(pid)
            os.kill(pid, signal.SIGKILL)
            killed = True
        if marks and now >= marks[0]:
            marks.pop(0)
            samples.append((time.monotonic(), thread_switches(pid)))
            continue
        wait = min(marks[0] - now if marks else 0.5, 0.5)
        ready, _, _ = select.select([master], [], [], max(0.0, wait))
        if not ready:
            continue
        at = time.monotonic()
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's last other end closed
            data = b""
        if not data:
            break
        reads.append((at, data))
        if end and ended is None:
            seen += data
            if end(seen):
                ended = at
                os.write(master, quit)
    os.close(master)
    spawned, exited, code, cpu, rss, nvcsw, nivcsw = finish(proc, report)
    lines = []
    for at, data in reads:
        partial += data
        *complete, partial = partial.split(b"\n")
        lines.extend((at - spawned, c.decode(errors="replace")) for c in complete)
    wake = None
    if len(samples) == 2 and None not in (samples[0][1], samples[1][1]):
        (ta, a), (tb, b) = samples
        wake = (b - a) / (tb - ta)
    return Run(
        code=code,
        wall=exited - spawned,
        cpu=cpu,
        maxrss_mb=rss,
        voluntary=nvcsw,
        involuntary=nivcsw,
        first_output=reads[0][0] - spawned if reads else None,
        lines=lines,
        window_wakeups=wake,
        ended=(ended - spawned) if ended is not None else exited - spawned,
    )


def bell(output):
    """Whether the terminal bell has rung (a BEL outside an OSC sequence)."""
    return b"\x07" in re.sub(rb"\x1b\][^\x07\x1b]*(\x07|\x1b\\)", b"", output)


def quick_exec(argv, env, out_path):
    """(exit code, wall seconds, peak RSS MB, CPU seconds) of one short
    command, stdin from /dev/null, stdout and stderr to `out_path`."""
    rfd, wfd = os.pipe()
    with open(out_path, "wb") as out:
        proc = launched(argv, wfd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        report = os.fdopen(rfd)
        report.readline()
        spawned, exited, code, cpu, rss, _, _ = finish(proc, report)
    return code, exited - spawned, rss, cpu


class Busy:
    """Two busy processes, one per core on this kind of machine."""

    def __init__(self, n=2):
        self.n = n

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.n)]
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


class PulseServer:
    """A private PulseAudio server whose null sink consumes audio in real
    time, like a sound card; clients reach it through ALSA's pulse plugin."""

    def __init__(self, root):
        self.dir = Path(root) / "pulse"
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "run").mkdir(exist_ok=True)
        self.socket = self.dir / "native"
        self.client_home = self.dir / "home"
        self.client_home.mkdir(exist_ok=True)
        (self.client_home / ".asoundrc").write_text(
            f'pcm.!default {{ type pulse; server "unix:{self.socket}" }}\n'
            f'ctl.!default {{ type pulse; server "unix:{self.socket}" }}\n'
        )

    def __enter__(self):
        script = self.dir / "bench.pa"
        script.write_text(
            "load-module module-null-sink sink_name=bench\n"
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            "set-default-sink bench\n"
        )
        env = dict(os.environ, HOME=str(self.dir), XDG_RUNTIME_DIR=str(self.dir / "run"))
        if self.socket.exists():
            self.socket.unlink()
        # -n: no default.pa; the server stays up however long it idles.
        argv = ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-F", str(script)]
        self.log = open(self.dir / "server.log", "w")
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pulseaudio did not start; see {self.dir / 'server.log'}")
            time.sleep(0.05)
        time.sleep(0.3)
        return self

    def cpu(self):
        """The server's CPU seconds so far (user + sys)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def version(self):
        out = subprocess.run(["pulseaudio", "--version"], capture_output=True, text=True).stdout
        return out.strip()

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            kill_overrun(self.proc)
        self.log.close()


# ---------------------------------------------------------------- statistics


def summary(values):
    """median, min, max of a non-empty list; None when empty."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def p99(values):
    s = sorted(values)
    return s[min(len(s) - 1, int(0.99 * len(s)))]


def fmt(value, unit="", digits=2):
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}{unit}"


def fmt_summary(values, unit="", digits=2):
    s = summary(values)
    if s is None:
        return "n/a"
    med, lo, hi = s
    return f"{med:.{digits}f}{unit} ({lo:.{digits}f} – {hi:.{digits}f})"


# ---------------------------------------------------------------- the program


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.runs = args.runs or (2 if self.quick else 5)
        self.scratch = Path(args.scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix="stretch-bench-"))
        self.routine = QUICK_ROUTINE if self.quick else FULL_ROUTINE
        self.targets = []  # (figure, target, measured, met)
        self.sections = []
        self.loads = []
        self.binary = None
        self.peak_rss = []

    # -- setup

    def build(self, *, binary=True):
        """Builds the program (unless `--binary` gave one) and the journal
        generator, with the chosen profile."""
        profile = "dev" if self.args.debug else "release"
        log(f"building the {profile} {'binary' if binary else 'journal generator'}")
        cmd = ["cargo", "build", "--locked", "--profile", profile, "--example", "gen_journal"]
        subprocess.run(cmd + (["--bin", "stretch"] if binary else []), cwd=REPO, check=True)
        meta = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        built = Path(json.loads(meta.stdout)["target_directory"]) / ("debug" if profile == "dev" else "release")
        if binary:
            self.binary = built / "stretch"
            self.profile = profile
        self.gen_journal = built / "examples" / "gen_journal"

    def given_binary(self):
        """`--binary`: that program; the generator beside it if it was built
        there, else built here."""
        self.binary = Path(self.args.binary).resolve()
        self.profile = "given"
        beside = self.binary.parent / "examples" / "gen_journal"
        if beside.exists():
            self.gen_journal = beside
        else:
            self.build(binary=False)

    def env(self, home=None):
        """A clean environment: nothing of the user's config or journal."""
        home = home or (self.tmp / "home")
        Path(home).mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRETCH_")}
        env.update(HOME=str(home), STRETCH_CONFIG_DIR=str(self.tmp / "config"), TERM="xterm-256color")
        env.pop("XDG_RUNTIME_DIR", None)
        if getattr(self, "pulse_ok", False) and home == self.pulse.client_home:
            # The bench's server, for clients of its protocol (ALSA's plugin reads .asoundrc).
            env["PULSE_SERVER"] = f"unix:{self.pulse.socket}"
        return env

    def data_dir(self):
        d = Path(tempfile.mkdtemp(prefix="data-", dir=self.tmp))
        return ["--data-dir", str(d)]

    def stretch(self, *args):
        return [str(self.binary), *args]

    def alsa_binary(self):
        """A build with the `alsa` feature, for the capture through ALSA's
        file plugin (the default build talks to a sound server only); built
        once, in a target directory of its own so the default build stays."""
        if getattr(self, "_alsa", None) is None:
            profile = "dev" if self.args.debug else "release"
            target = REPO / "target" / "bench-alsa"
            log(f"building the {profile} binary with the alsa feature")
            subprocess.run(
                ["cargo", "build", "--locked", "--profile", profile, "--features", "alsa", "--bin", "stretch",
                 "--target-dir", str(target)],
                cwd=REPO,
                check=True,
            )
            self._alsa = target / ("debug" if profile == "dev" else "release") / "stretch"
        return self._alsa

    def load(self, label):
        self.loads.append((label, os.getloadavg()))

    def target(self, figure, target, measured, met):
        """`met` is True, False, or None when the figure could not be taken."""
        if not self.quick:
            verdict = "not measured" if met is None else "met" if met else "**missed**"
            self.targets.append((figure, target, measured, verdict))

    def section(self, title, body):
        self.sections.append(f"## {title}\n\n{body.strip()}\n")

    # -- timing accuracy

    def accuracy_runs(self, label, busy):
        runs = []
        for i in range(self.runs):
            argv = self.stretch("tonight", "--json", "--sounds", "off", *self.routine, *self.data_dir())
            if busy:
                with Busy():
                    run = spawn(argv, self.env())
            else:
                run = spawn(argv, self.env())
            if run.code != 0:
                raise RuntimeError(f"stretch tonight exited {run.code}")
            runs.append(run)
            log(f"accuracy ({label}) run {i + 1}/{self.runs}: {run.wall:.3f} s")
        return runs

    @staticmethod
    def lateness(run):
        """Per deadline (every phase after the first), in ms: from the
        program's events, and from each line's arrival at the harness,
        anchored on the first event's arrival."""
        events = [(t, json.loads(text)) for t, text in run.lines if text.startswith("{")]
        phases = [(t, e) for t, e in events if e["event"] == "phase"]
        t_first, _ = phases[0]
        own, seen = [], []
        for t, e in phases[1:]:
            own.append(e["actual_ms"] - e["planned_ms"])
            seen.append((t - t_first) * 1000.0 - e["planned_ms"])
        t_done, done = phases[-1]
        total_own = done["actual_ms"] - done["planned_ms"]
        total_seen = (t_done - t_first) * 1000.0 - done["planned_ms"]
        return own, seen, total_own, total_seen, phases

    def accuracy(self):
        self.load("timing accuracy (idle), start")
        idle = self.accuracy_runs("idle", busy=False)
        self.load("timing accuracy (idle), end")
        self.idle_runs = idle
        loaded = []
        if not self.args.skip_loaded:
            self.load("timing accuracy (2 busy processes), start")
            loaded = self.accuracy_runs("loaded", busy=True)
        rows = []
        verdicts = {}
        for label, runs in (("idle", idle), ("2 busy processes", loaded)):
            if not runs:
                continue
            own_all, seen_all, tot_own, tot_seen = [], [], [], []
            per_run_med_own, per_run_max_own, per_run_med_seen, per_run_max_seen = [], [], [], []
            for r in runs:
                own, seen, t_own, t_seen, _ = self.lateness(r)
                own_all += own
                seen_all += seen
                tot_own.append(t_own)
                tot_seen.append(t_seen)
                per_run_med_own.append(statistics.median(own))
                per_run_max_own.append(max(own))
                per_run_med_seen.append(statistics.median(seen))
                per_run_max_seen.append(max(seen))
            for source, every, med, mx, tot in (
                ("program's events", own_all, per_run_med_own, per_run_max_own, tot_own),
                ("line arrival at the harness", seen_all, per_run_med_seen, per_run_max_seen, tot_seen),
            ):
                rows.append(
                    f"| {label} | {source} | {len(every)} | {fmt(statistics.median(every), ' ms', 3)} | "
                    f"{fmt(p99(every), ' ms', 3)} | {fmt(max(every), ' ms', 3)} | "
                    f"{fmt_summary(med, ' ms', 3)} | {fmt_summary(mx, ' ms', 3)} | {fmt_summary(tot, ' ms', 3)} |"
                )
            # From spawn to exit, start-up and the journal's write included.
            over = [r.wall * 1000 - self.lateness(r)[4][-1][1]["planned_ms"] for r in runs]
            rows.append(f"| {label} | spawn to exit − planned length | | | | | | | {fmt_summary(over, ' ms', 3)} |")
            verdicts[label] = (own_all, seen_all, tot_own, tot_seen)
        n_deadlines = len(self.lateness(idle[0])[0])
        body = f"""
`stretch tonight --json --sounds off {' '.join(self.routine) or '(the default routine)'}`, {self.runs} runs
each, one at a time, stdout on a pipe. Each run has {n_deadlines} deadlines (every phase start after the
first: holds, rests and the end). Lateness = actual − planned time of each phase start. It is
computed twice: from the program's own `actual_ms`, and from the moment each event line reached
the harness (monotonic clock, anchored on the arrival of the first event, so it includes the
write, the pipe and the harness's wake-up). "Total session error" is the lateness of the last
event (`done`), the end of the routine. The pooled columns take every deadline of every run
(p99 of {n_deadlines * self.runs} values is, in effect, their maximum); the per-run columns give the
median, min and max over runs of each run's median and maximum.

| machine | source | deadlines | median | p99 | max | per-run median | per-run max | total session error |
|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows)
        self.section("Timing accuracy", body)
        if "idle" in verdicts:
            own, seen, tot_own, tot_seen = verdicts["idle"]
            med, mx = statistics.median(own), max(own)
            smed, smx = statistics.median(seen), max(seen)
            self.target(
                "per-deadline lateness, idle machine",
                "median ≤ 1 ms, max ≤ 5 ms",
                f"events: median {med:.3f} ms, max {mx:.3f} ms; arrival: median {smed:.3f} ms, max {smx:.3f} ms",
                med <= 1 and mx <= 5 and smed <= 1 and smx <= 5,
            )
            worst = max(max(abs(x) for x in tot_own), max(abs(x) for x in tot_seen))
            self.target(
                "total session error",
                "≤ 5 ms",
                f"median {statistics.median(tot_own):.3f} ms (events), "
                f"{statistics.median(tot_seen):.3f} ms (arrival); worst {worst:.3f} ms",
                worst <= 5,
            )

    # -- cost

    def cost(self):
        off = self.idle_runs
        body = f"""
CPU = user + sys seconds of the process (from `wait4`) over its wall time, spawn to exit.
Sounds off: the idle timing-accuracy runs above (`--json --sounds off`, stdout on a pipe, so no
live display). Peak RSS is `ru_maxrss`.

| run | wall | CPU time | CPU % of wall | peak RSS |
|---|---|---|---|---|
| sounds off | {fmt_summary([r.wall for r in off], ' s', 3)} | {fmt_summary([r.cpu * 1000 for r in off], ' ms', 1)} | \
{fmt_summary([r.cpu_pct for r in off], '%', 3)} | {fmt_summary([r.maxrss_mb for r in off], ' MB', 1)} |
"""
        self.target(
            "CPU as % of wall, sounds off",
            "≤ 0.2%",
            fmt_summary([r.cpu_pct for r in off], "%", 3),
            statistics.median([r.cpu_pct for r in off]) <= 0.2,
        )
        rss = [r.maxrss_mb for r in off]
        if self.pulse_ok:
            on, server = [], []
            self.load("cost (sounds on), start")
            for i in range(self.runs):
                argv = self.stretch("tonight", "--json", *self.routine, *self.data_dir())
                before = self.pulse.cpu()
                run = spawn(argv, self.env(self.pulse.client_home))
                server.append(self.pulse.cpu() - before)
                if run.code != 0:
                    raise RuntimeError(f"stretch tonight (sounds on) exited {run.code}")
                on.append(run)
                log(f"cost (sounds on) run {i + 1}/{self.runs}: {run.wall:.3f} s, server {server[-1]:.2f} s")
            total_pct = [100 * (r.cpu + s) / r.wall for r, s in zip(on, server)]
            body += (
                f"| sounds on (voice), program | {fmt_summary([r.wall for r in on], ' s', 3)} | "
                f"{fmt_summary([r.cpu * 1000 for r in on], ' ms', 1)} | {fmt_summary([r.cpu_pct for r in on], '%', 3)} | "
                f"{fmt_summary([r.maxrss_mb for r in on], ' MB', 1)} |\n"
                f"| sounds on, PulseAudio server's share | | {fmt_summary([s * 1000 for s in server], ' ms', 0)} | "
                f"{fmt_summary([100 * s / r.wall for r, s in zip(on, server)], '%', 3)} | |\n"
                f"| sounds on, program + server | | | {fmt_summary(total_pct, '%', 3)} | |\n"
            )
            body += (
                "\nSounds on: the default voice through the private PulseAudio server's null sink, which "
                "consumes audio in real time like a sound card; the server's CPU is read from "
                "`/proc/<pid>/stat` before and after each run (clock-tick resolution, 10 ms). "
                "The wall time includes the 3 s of closing words.\n"
            )
            self.target(
                "CPU as % of wall, sounds on (program + server)",
                "≤ 0.8%",
                fmt_summary(total_pct, "%", 3),
                statistics.median(total_pct) <= 0.8,
            )
            rss += [r.maxrss_mb for r in on]
        else:
            body += "\nSounds on: not measured (no PulseAudio server in this mode).\n"
        self.peak_rss += rss
        self.section("Cost", body)

    # -- audio placement

    @staticmethod
    def onsets(samples, gap):
        found, zeros = [], gap
        for i, s in enumerate(samples):
            if s == 0:
                zeros += 1
            else:
                if zeros >= gap:
                    found.append(i)
                zeros = 0
        return found

    @staticmethod
    def plan(events, countdown=3):
        """Planned cue samples: every phase start, and a countdown tick at
        each of the last `countdown` whole seconds of each hold."""
        cues = []
        for e in events:
            start = round(e["planned_ms"] * RATE / 1000)
            cues.append(start)
            if e["phase"] == "hold":
                end = start + round(e["length_ms"] * RATE / 1000)
                # Only the seconds inside the hold: a 2 s hold has one tick.
                cues += [end - k * RATE for k in range(1, countdown + 1) if end - k * RATE > start]
        return sorted(cues)

    @staticmethod
    def match(found, planned):
        """Each planned cue's error (found − planned, samples) against the
        nearest onset found; and how many onsets match no cue."""
        errors = []
        for p in planned:
            nearest = min(found, key=lambda f: abs(f - p)) if found else None
            errors.append(None if nearest is None or abs(nearest - p) > RATE // 2 else nearest - p)
        extra = len(found) - sum(e is not None for e in errors)
        return errors, extra

    def audio(self):
        self.load("audio placement, start")
        chime = ["--sounds", "chime", "--volume", "100"]
        captures = []
        procs = []
        # Sample placement does not depend on timing (the track is rendered
        # once and streamed), so the captures run side by side.
        for i in range(self.runs):
            home = self.tmp / f"capture-{i}"
            home.mkdir()
            raw = home / "out.raw"
            (home / ".asoundrc").write_text(
                f'pcm.!default {{ type file; slave.pcm "null"; file "{raw}"; format "raw" }}\n'
            )
            argv = [str(self.alsa_binary()), "tonight", "--json", *chime, *self.routine, "--no-log"]
            procs.append((raw, subprocess.Popen(argv, env=self.env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
        for raw, p in procs:
            try:
                out, err = p.communicate(timeout=180)
            except subprocess.TimeoutExpired:
                kill_overrun(p)
                raise
            if p.returncode != 0 or b"cannot play" in err:
                raise RuntimeError(f"capture run failed ({p.returncode}): {err.decode(errors='replace')}")
            events = [json.loads(x) for x in out.decode().splitlines() if x.startswith("{")]
            planned = self.plan([e for e in events if e["event"] == "phase"])
            data = raw.read_bytes()
            left = [v for v in struct.unpack(f"<{len(data) // 4}f", data)][0::2]
            first = next(i for i, v in enumerate(left) if v != 0.0)
            found = [o - first for o in self.onsets(left, 2400)]
            captures.append(self.match(found, planned) + (len(planned),))
        exports = []
        for i in range(self.runs):
            wav = self.tmp / f"export-{i}.wav"
            argv = self.stretch("tonight", "--export-audio", str(wav), *chime, *self.routine)
            subprocess.run(argv, env=self.env(), check=True, capture_output=True)
            data = wav.read_bytes()
            samples = struct.unpack(f"<{(len(data) - 44) // 2}h", data[44:])
            # The plan of the same routine, from the last capture run's events.
            exports.append(self.match(self.onsets(samples, 4800), planned) + (len(planned),))
        rows = []
        exact = True
        for label, results in (("captured from the device (ALSA file plugin)", captures), ("exported WAV", exports)):
            errs = [e for errors, _, _ in results for e in errors]
            missing = sum(e is None for e in errs)
            extra = sum(x for _, x, _ in results)
            nonzero = [abs(e) for e in errs if e is not None]
            worst = max(nonzero) if nonzero else None
            exact &= missing == 0 and extra == 0 and worst == 0
            rows.append(
                f"| {label} | {len(results)} | {results[0][2]} | {len(errs) - missing} | {missing} | {extra} | "
                f"{fmt_summary([max(abs(e) for e in er if e is not None) for er, _, _ in results], '', 0)} | "
                f"{worst if worst is not None else 'n/a'} |"
            )
        body = f"""
`--sounds chime --volume 100` (tones that start on their first sample, so each onset is unambiguous),
{' '.join(self.routine) or 'the default routine'}. The plan: every phase start from the run's `--json`
events, plus the countdown ticks 3, 2 and 1 s before each hold ends. The device capture goes
through ALSA's `file` plugin over `null` (f32 stereo 48 kHz) and is aligned on its first non-zero
sample (the first cue, at 0); `--export-audio` writes 16-bit mono 48 kHz. An onset is the first
non-zero sample after ≥ 50 ms (capture) or ≥ 100 ms (WAV) of exact zeros; error = onset − plan.

| track | runs | cues planned | cues found | cues missing | extra onsets | worst error per run (samples) | worst error (samples) |
|---|---|---|---|---|---|---|---|
""" + "\n".join(rows)
        self.section("Audio placement", body)
        self.target("cue placement in the track", "exact to the sample", "exact" if exact else "not exact", exact)

    # -- through sound servers

    def servers(self):
        import servers

        self.load("through sound servers, start")
        body, targets = servers.report(self, 1 if self.quick else self.runs)
        for figure in targets:
            self.target(*figure)
        self.section("Through sound servers", body)

    # -- start-up

    def journal(self, path, years=11, per_day=4):
        """About 15,000 records, from the project's own generator
        (`examples/gen_journal/`); returns how many records it wrote."""
        path.parent.mkdir(parents=True, exist_ok=True)
        args = ["--years", str(years), "--per-day", str(per_day), "--end", "2026-11-26", "--seed", "1"]
        with open(path, "w") as out:
            subprocess.run([str(self.gen_journal), *args], stdout=out, check=True)
        with open(path) as lines:
            return sum(1 for _ in lines)

    def foreign(self, path, to):
        """The same records as another JSON writer spells them: keys in
        another order (reversed), a space after every `:` and `,`."""
        with open(path) as src, open(to, "w") as out:
            for line in src:
                record = json.loads(line)
                out.write(json.dumps(dict(reversed(list(record.items()))), ensure_ascii=False) + "\n")

    def startup(self):
        self.load("start-up, start")
        n = 10 if self.quick else 30
        out = self.tmp / "startup.out"
        env = self.env()
        data = self.tmp / "log-data"
        records = self.journal(data / "journal.jsonl")
        foreign = self.tmp / "log-foreign"
        foreign.mkdir(parents=True, exist_ok=True)
        self.foreign(data / "journal.jsonl", foreign / "journal.jsonl")
        os.chmod(foreign / "journal.jsonl", 0o600)
        env_log = dict(env, STRETCH_DATA_DIR=str(data))
        env_foreign = dict(env, STRETCH_DATA_DIR=str(foreign))
        has_log = quick_exec(self.stretch("log", "--help"), env, out)[0] == 0
        cases = [("(harness floor) `/bin/true`", ["/bin/true"], env), ("`stretch --version`", self.stretch("--version"), env)]
        cases.append(("`stretch routines`", self.stretch("routines"), env))
        grep = shutil.which("grep") or "/bin/grep"
        journals = (("stretch's", data, env_log), ("another writer's", foreign, env_foreign))
        if has_log:
            for name, where, e in journals:
                cases.append((f"`grep -c` ({records} records, {name} formatting)", [grep, "-c", "id", str(where / "journal.jsonl")], e))
                cases.append((f"`stretch log` ({records} records, {name} formatting)", self.stretch("log"), e))
                cases.append((f"`stretch log --json` ({records} records, {name} formatting)", self.stretch("log", "--json"), e))
        # Interleaved: each round runs every command once, so a machine that
        # gets busier or quieter during the part moves every figure alike.
        for label, argv, e in cases:
            quick_exec(argv, e, out)  # warm the page cache (and the journal's cache)
        walls = {label: [] for label, _, _ in cases}
        cpus = {label: [] for label, _, _ in cases}
        rss = {label: [] for label, _, _ in cases}
        for _ in range(n):
            for label, argv, e in cases:
                code, wall, mb, cpu = quick_exec(argv, e, out)
                if code != 0:
                    raise RuntimeError(f"{label} exited {code}: {out.read_text()[:500]}")
                walls[label].append(wall * 1000)
                cpus[label].append(cpu * 1000)
                rss[label].append(mb)
        rows, results, cpu_results = [], walls, cpus
        for label, _, _ in cases:
            rows.append(
                f"| {label} | {fmt_summary(walls[label], ' ms', 2)} | {fmt_summary(cpus[label], ' ms', 2)} | "
                f"{fmt_summary(rss[label], ' MB', 1)} |"
            )
        if not has_log:
            rows.append(f"| `stretch log`, `stretch log --json` ({records} records) | not available in this build | | |")
        body = f"""
Wall time from `posix_spawn` to `wait4` and CPU time (user + system, from `wait4`), {n} rounds
after one warm-up run of each command; each round runs every command once, in turn (interleaved),
stdin from `/dev/null`, stdout and stderr to a file. The journal for `stretch log` comes from
`examples/gen_journal/`: {records} records, up to four sessions a day for eleven years, with
missed days and partial sessions, in Europe/Berlin with its daylight-saving changes. The same
records are also timed as another JSON writer spells them (keys in reverse order, a space after
every `:` and `,`); `grep -c id` over each file, in the same rounds, is the floor of reading it.
The warm-up run leaves `stretch log`'s cache of the journal's reading in place, as any second run
finds it. Every command's output goes to a file: GNU grep stops at its first match when its
output is `/dev/null` (`grep -c id` over this journal: 1.33 ms to `/dev/null`, 3.02 ms to a
file, 2.96 ms to a pipe, medians of 30 from a Python loop), which would measure nothing of
reading the file; hyperfine's default `--output=null` does the same, `--output=pipe` does not.

| command | wall time | CPU time | peak RSS |
|---|---|---|---|
""" + "\n".join(rows)
        self.section("Start-up", body)
        v = statistics.median(results["`stretch --version`"])
        self.target("`stretch --version`", "≤ 5 ms", f"{v:.2f} ms", v <= 5)
        for name, _, _ in journals:
            floor = f"`grep -c` ({records} records, {name} formatting)"
            for command, limit in (("`stretch log`", 3), ("`stretch log --json`", 4)):
                label = f"{command} ({records} records, {name} formatting)"
                figure = f"{command} over 15,000 records ({name} formatting), against `grep -c`"
                if label in results:
                    ratio = statistics.median(results[label]) / statistics.median(results[floor])
                    cpu = statistics.median(cpu_results[label]) / statistics.median(cpu_results[floor])
                    shown = (
                        f"wall {ratio:.1f}x ({statistics.median(results[label]):.2f} ms against "
                        f"{statistics.median(results[floor]):.2f} ms); CPU {cpu:.1f}x "
                        f"({statistics.median(cpu_results[label]):.2f} ms against {statistics.median(cpu_results[floor]):.2f} ms)"
                    )
                    self.target(figure, f"≤ {limit}x", shown, ratio <= limit and cpu <= limit)
                else:
                    self.target(figure, f"≤ {limit}x", "`stretch log` is not in this build", None)

    # -- peers

    def install_peers(self):
        root = self.scratch / "peers"
        venv = root / "venv"
        py = venv / "bin" / "python"
        if not py.exists():
            log("creating the peers' virtualenv")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        want = [f"termdown=={PEERS['termdown']}", f"timer-cli=={PEERS['timer-cli']}"]
        check = subprocess.run([str(py), "-m", "pip", "show", "termdown", "timer-cli"], capture_output=True, text=True)
        versions = {l.split(": ")[1] for l in check.stdout.splitlines() if l.startswith("Version: ")}
        if check.returncode != 0 or versions != {PEERS["termdown"], PEERS["timer-cli"]}:
            log("installing termdown and timer-cli")
            subprocess.run([str(py), "-m", "pip", "install", "-q", *want], check=True)
        porsmo = root / "porsmo" / "bin" / "porsmo"
        if not porsmo.exists():
            log("installing porsmo (a few minutes)")
            cmd = ["cargo", "install", "--locked", "--root", str(root / "porsmo"), "porsmo", "--version", PEERS["porsmo"]]
            env = dict(os.environ, CARGO_TARGET_DIR=str(root / "build"))
            subprocess.run(cmd, check=True, env=env)
        return {"termdown": [str(venv / "bin" / "termdown")], "timer-cli": [str(venv / "bin" / "timer")], "porsmo": [str(porsmo)]}

    def peer_runs(self, label, argv, env, *, pulse=False, **how):
        """`self.runs` runs in a terminal; with `pulse`, each with the sound
        server's CPU seconds over it."""
        runs, server = [], []
        for i in range(self.runs):
            before = self.pulse.cpu() if pulse else 0.0
            run = spawn(argv, env, tty=True, window=None if self.quick else WAKE_WINDOW, timeout=40, **how)
            server.append(self.pulse.cpu() - before if pulse else None)
            runs.append(run)
            log(f"{label} run {i + 1}/{self.runs}: ended after {run.ended:.3f} s, exit {run.code}")
        return runs, server if pulse else None

    def peers(self):
        planned = 1.0 if self.quick else 10.0
        hold = f"{planned:.0f}s"
        one_hold = ["tonight", "--prepare", "0s", "--reps", "1", "--hold", hold]
        self.load("peers, start")
        table = []  # (label, runs, planned seconds, sound server's CPU seconds per run)
        wrapper = ["/bin/sh", "-c", f"echo start; exec sleep {planned:.0f}"]
        table.append(("(method floor) `sh -c 'echo start; exec sleep 10'`", *self.peer_runs("floor", wrapper, self.env()), planned))
        argv = self.stretch(*one_hold, "--sounds", "off", *self.data_dir())
        off, _ = self.peer_runs("stretch, sounds off", argv, self.env())
        table.append((f"`stretch {' '.join(one_hold)} --sounds off`", off, None, planned))
        if not self.quick:
            # With a device, the closing words (3 s) play after the hold: they are part of its plan.
            argv = self.stretch(*one_hold, *self.data_dir())
            on = self.peer_runs("stretch, voice", argv, self.env(self.pulse.client_home), pulse=True)
            table.append((f"`stretch {' '.join(one_hold)}` (voice; its plan: + 3 s of closing words)", *on, planned + 3))
            floor = self.sound_floor(planned)
            if floor:
                table.append(floor)
            bins = self.install_peers()
            runs = self.peer_runs("termdown", bins["termdown"] + ["10"], self.env())
            table.append((f"termdown {PEERS['termdown']}: `termdown 10` (exits at the end)", *runs, planned))
            runs = self.peer_runs("timer-cli", bins["timer-cli"] + ["10s"], self.env(), end=bell, quit=b"\x03")
            label = f"timer-cli {PEERS['timer-cli']}: `timer 10s` (end: its bell; then Ctrl-C)"
            table.append((label, *runs, planned))
            ended = lambda out: b"Timer has ended" in out
            porsmo = bins["porsmo"] + ["timer", "10s"]
            runs = self.peer_runs("porsmo", porsmo, self.env(self.pulse.client_home), pulse=True, end=ended, quit=b"q")
            label = f"porsmo {PEERS['porsmo']}: `porsmo timer 10s` (end: \"Timer has ended\"; then q)"
            table.append((label, *runs, planned))
        self.compare(table)
        rows = []
        for label, runs, server, plan in table:
            over = [(r.ended - plan) * 1000 for r in runs]
            srv = fmt_summary([100 * s / r.wall for r, s in zip(runs, server)], "%", 2) if server else ""
            first = [r.first_output * 1000 if r.first_output is not None else None for r in runs]
            rows.append(
                f"| {label} | {fmt_summary(over, ' ms', 1)} | {fmt_summary([r.cpu_pct for r in runs], '%', 2)} | {srv} | "
                f"{fmt_summary([r.maxrss_mb for r in runs], ' MB', 1)} | {fmt_summary([r.window_wakeups for r in runs], '', 1)} | "
                f"{fmt_summary([r.voluntary / r.wall for r in runs], '', 1)} | {fmt_summary(first, ' ms', 1)} | "
                f"{', '.join(str(c) for c in sorted({r.code for r in runs}))} |"
            )
        body = f"""
A {planned:.0f}-second countdown in each program, each run {self.runs} times in a pseudo-terminal
(80×24, `TERM=xterm-256color`, the harness reading everything written to it), one after another.
Overshoot = the moment the program ended its countdown − spawn − the planned length; the end is the
exit, or, for a timer that stays up once finished, the arrival of the output that says so (it is
then told to quit). CPU = user + sys of the process (`wait4`) over its wall time, spawn to exit;
where a program plays sound through the PulseAudio server, the server's share is given beside it.
Wake-ups per second: voluntary context switches of all the process's threads
(`/proc/<pid>/task/*/status`) between {WAKE_WINDOW[0]:.0f} s and {WAKE_WINDOW[1]:.0f} s after spawn (inside the
hold), and, beside it, over the whole run (`wait4`). Time to first output: spawn to the first byte
on the terminal. The first row is the floor of the method itself, to subtract: a shell that prints
a line and becomes `sleep`.

| program | overshoot | CPU % of wall | sound server's CPU % | peak RSS | wake-ups/s (in hold) | wake-ups/s (whole run) | time to first output | exit codes |
|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows)
        self.section("Side by side with other terminal timers", body)
        over = [(r.ended - planned) * 1000 for r in off]
        wake = [r.window_wakeups for r in off]
        first = [r.first_output * 1000 for r in off if r.first_output is not None]
        self.target(
            "overshoot past the planned end (one 10 s hold, sounds off, on a terminal)",
            "≤ 5 ms",
            fmt_summary(over, " ms", 1),
            statistics.median(over) <= 5,
        )
        floor = [r.first_output * 1000 for r in table[0][1] if r.first_output is not None]
        limit = statistics.median(floor) + 0.5 if floor else None
        self.target(
            "time to first output, sounds off",
            f"≤ method floor + 0.5 ms ({limit:.1f} ms in this run)" if limit else "≤ method floor + 0.5 ms",
            fmt_summary(first, " ms", 1),
            bool(first and limit) and statistics.median(first) <= limit,
        )
        self.target(
            "wake-ups per second during a hold on a terminal, sounds off",
            "≤ 12",
            fmt_summary(wake, "", 1),
            None not in wake and statistics.median(wake) <= 12,
        )
        self.peak_rss += [r.maxrss_mb for label, runs, _, _ in table if label.startswith("`stretch") for r in runs]

    def sound_floor(self, seconds):
        """`paplay` of a silent WAV through the same server: how late any
        client's sound ends there. None where paplay is not installed."""
        if not shutil.which("paplay"):
            return None
        wav = self.tmp / "silence.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(b"\0\0" * int(seconds * RATE))
        argv = ["paplay", "--server", f"unix:{self.pulse.socket}", str(wav)]
        runs, server = self.peer_runs("paplay", argv, self.env(), pulse=True)
        return (f"(sound server floor) `paplay` of {seconds:.0f} s of silence", runs, server, seconds)

    def compare(self, table):
        """Whether `stretch` beats each peer on each figure (medians)."""
        rows = {label: (runs, server, plan) for label, runs, server, plan in table}

        def figures(label):
            runs, server, plan = rows[label]
            med = lambda xs: statistics.median(xs)
            cpu = med([100 * (r.cpu + (s or 0.0)) / r.wall for r, s in zip(runs, server or [None] * len(runs))])
            return {
                "overshoot": med([r.ended - plan for r in runs]),
                "CPU (with its sound server's)": cpu,
                "peak RSS": med([r.maxrss_mb for r in runs]),
                "wake-ups/s": med([r.window_wakeups for r in runs]),
                "time to first output": med([r.first_output for r in runs]),
            }

        ours = [k for k in rows if k.startswith("`stretch")]
        peers = [k for k in rows if not k.startswith(("`stretch", "("))]
        for mine in ours:
            lost = []
            for peer in peers:
                a, b = figures(mine), figures(peer)
                lost += [f"{fig} ({peer.split(':')[0]})" for fig in a if not a[fig] < b[fig]]
            self.target(
                f"beside the peers: `stretch`, one hold, {'sounds off' if '--sounds off' in mine else 'voice'}",
                "beats each on every figure",
                "beats each" if not lost else "behind on: " + ", ".join(lost),
                not lost,
            )

    # -- report

    def machine(self):
        cpu = "unknown"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
        version = subprocess.run(self.stretch("--version"), capture_output=True, text=True).stdout.strip()
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        lines = [
            f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
            f"{int(mem) / 1024 / 1024:.1f} GiB",
            f"- `stretch`: {version}, commit {commit}{' (with uncommitted changes)' if dirty else ''}, {self.profile} build",
            f"- Toolchain: {rustc}; harness: Python {platform.python_version()}",
        ]
        if not self.quick:
            lines.append(f"- Sound server: {self.pulse.version()} (null sink, private instance)")
            lines.append(
                f"- Peers: termdown {PEERS['termdown']}, timer-cli {PEERS['timer-cli']} (PyPI, in a scratch virtualenv), "
                f"porsmo {PEERS['porsmo']} (crates.io, `cargo install`)"
            )
        lines.append(f"- Runs per figure: {self.runs}")
        lines.append("- Load average (1, 5, 15 min) as each part began:")
        lines += [f"  - {label}: {a:.2f}, {b:.2f}, {c:.2f}" for label, (a, b, c) in self.loads]
        return "\n".join(lines)

    def report(self):
        head = "# Benchmarks\n\n"
        head += (
            "Written by `python3 bench/run.py` (see the README). "
            + ("**Quick mode**: a seconds-long smoke run of the harness; its figures mean nothing.\n\n" if self.quick else "\n\n")
        )
        head += "## Machine and versions\n\n" + self.machine() + "\n\n"
        if not self.quick:
            rss = max(self.peak_rss or [0.0])
            self.target("peak RSS (`stretch tonight`)", "≤ 12 MB", f"{rss:.1f} MB (largest of all runs)", rss <= 12)
            head += "## Targets\n\n| figure | target | measured (median (min – max) unless said) | |\n|---|---|---|---|\n"
            head += "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.targets) + "\n\n"
            notes = REPO / "bench" / "NOTES.md"
            if notes.exists():
                head += notes.read_text().strip() + "\n\n"
        return head + "\n".join(self.sections)

    def compile_launcher(self):
        global LAUNCH
        source = REPO / "bench" / "launch.c"
        LAUNCH = self.scratch / "launch"
        if not LAUNCH.exists() or LAUNCH.stat().st_mtime < source.stat().st_mtime:
            subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-o", str(LAUNCH), str(source)], check=True)

    def main(self):
        started = time.monotonic()
        self.compile_launcher()
        if self.args.binary:
            self.given_binary()
        else:
            self.build()
        self.load("start")
        self.pulse_ok = False
        try:
            if not self.quick:
                self.pulse = PulseServer(self.tmp).__enter__()
                self.pulse_ok = True
            parts = self.args.parts.split(",")
            for part in PARTS:
                if part in parts or (part == "accuracy" and "cost" in parts):
                    getattr(self, part)()
        finally:
            if self.pulse_ok:
                self.pulse.__exit__(None, None, None)
        self.load("end")
        out = Path(self.args.out or (self.scratch / "BENCHMARKS.quick.md" if self.quick else REPO / "BENCHMARKS.md"))
        # A section measured by hand (the binary's size and the build's time)
        # starts at KEPT and is carried over from the report this one replaces.
        kept = out.read_text().partition(KEPT)[1:] if out.exists() else ("", "")
        out.write_text(self.report().rstrip("\n") + ("\n\n" + "".join(kept) if kept[0] else "\n"))
        shutil.rmtree(self.tmp, ignore_errors=True)
        log(f"wrote {out} in {time.monotonic() - started:.0f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="seconds long: no peers, no sound server, no targets")
    p.add_argument("--runs", type=int, help="runs per figure (default 5; 2 in quick mode)")
    p.add_argument("--debug", action="store_true", help="measure the debug build instead of the release build")
    p.add_argument("--binary", help="measure this stretch binary instead of building one")
    p.add_argument("--skip-loaded", action="store_true", help="skip the timing runs under CPU load")
    p.add_argument("--parts", default=",".join(PARTS), help=f"which parts to run (default: all of {','.join(PARTS)})")
    p.add_argument("--out", help="where to write the report (default BENCHMARKS.md; quick: in the scratch dir)")
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO / "target")
    p.add_argument("--scratch", default=str(Path(target) / "bench"), help="where peers are installed (default: target/bench)")
    Bench(p.parse_args()).main()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # bench/servers.py imports this file as `run`: the same module, not a copy.
    sys.modules.setdefault("run", sys.modules["__main__"])
    main()
