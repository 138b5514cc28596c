//! What is heard through real sound servers: a private PulseAudio and a
//! headless PipeWire, each with a null sink whose monitor is recorded and
//! stamped on CLOCK_MONOTONIC, the clock of the `--json` events'
//! `monotonic_ms`. Every cue must be heard, in order, none missing, within
//! 100 ms of the moment stretch reported it (a bound only a broken mechanism
//! exceeds; the benchmark measures the real figures). Ignored by default (they
//! need the servers installed); CI runs them, and they fail if a server cannot
//! start.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Sandbox, events};

const RATE: f64 = 48_000.0;
const SINK: &str = "stretch_test";

/// Processes started for a server, stopped (newest first) on drop.
pub(crate) struct Server {
    pub(crate) run: PathBuf,
    pub(crate) children: Vec<Child>,
}

impl Drop for Server {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Server {
    pub(crate) fn spawn(&mut self, s: &Sandbox, program: &str, args: &[&str]) {
        let child = self
            .env(s, Command::new(program))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} starts ({e}); install it (see .ci/run)"));
        self.children.push(child);
    }

    pub(crate) fn env(&self, s: &Sandbox, mut cmd: Command) -> Command {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", s.home())
            .env("XDG_RUNTIME_DIR", &self.run)
            .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}/bus", self.run.display()));
        cmd
    }

    pub(crate) fn wait_for(&self, what: &Path) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !what.exists() {
            assert!(Instant::now() < deadline, "{} did not appear: the server did not start", what.display());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn pactl(&self, s: &Sandbox, args: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = self.env(s, Command::new("pactl")).args(args).output().expect("pactl runs");
            if out.status.success() {
                return;
            }
            assert!(Instant::now() < deadline, "pactl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pulseaudio(s: &Sandbox) -> Server {
        let mut server = Server { run: s.path().join("run"), children: Vec::new() };
        std::fs::create_dir(&server.run).unwrap();
        let script = s.path().join("server.pa");
        let load = format!(
            "load-module module-null-sink sink_name={SINK}\nload-module module-native-protocol-unix\nset-default-sink {SINK}\n"
        );
        std::fs::write(&script, load).unwrap();
        let script = script.to_str().unwrap().to_string();
        server.spawn(s, "pulseaudio", &["-n", "--daemonize=no", "--exit-idle-time=-1", "-F", &script]);
        server.wait_for(&server.run.join("pulse/native"));
        server
    }

    /// Unloads the first module whose line in `pactl list short modules`
    /// holds `matching` (a sink goes away, as unplugged headphones do).
    fn unload(&self, s: &Sandbox, matching: &str) {
        let modules = self.env(s, Command::new("pactl")).args(["list", "short", "modules"]).output().unwrap();
        let module = String::from_utf8_lossy(&modules.stdout)
            .lines()
            .find(|l| l.contains(matching))
            .and_then(|l| l.split_whitespace().next().map(str::to_string))
            .unwrap_or_else(|| panic!("no module with {matching:?} is loaded"));
        self.pactl(s, &["unload-module", &module]);
    }

    /// Kills the server's processes (as a crash would: nothing is cleaned up).
    fn kill(&mut self) {
        for mut child in self.children.drain(..).rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts PulseAudio again after [`kill`](Self::kill), on the same socket.
    fn restart_pulseaudio(&mut self, s: &Sandbox) {
        let socket = self.run.join("pulse/native");
        let _ = std::fs::remove_file(&socket);
        let script = s.path().join("server.pa");
        self.spawn(s, "pulseaudio", &["-n", "--daemonize=no", "--exit-idle-time=-1", "-F", script.to_str().unwrap()]);
        self.wait_for(&socket);
    }

    fn pipewire(s: &Sandbox) -> Server {
        Server::pipewire_with(s, SINK)
    }

    /// PipeWire as it comes (WirePlumber's own configuration: an idle node
    /// suspends after 5 s), its pulse server, and a null sink `sink`, the default.
    pub(crate) fn pipewire_with(s: &Sandbox, sink: &str) -> Server {
        let mut server = Server { run: s.path().join("run"), children: Vec::new() };
        std::fs::create_dir(&server.run).unwrap();
        let bus = format!("--address=unix:path={}/bus", server.run.display());
        server.spawn(s, "dbus-daemon", &["--session", "--nofork", &bus]);
        server.wait_for(&server.run.join("bus"));
        server.spawn(s, "pipewire", &[]);
        server.wait_for(&server.run.join("pipewire-0"));
        server.spawn(s, "wireplumber", &[]);
        // Debian's pipewire-pulse package (which carries pipewire-pulse.conf)
        // removes PulseAudio; the module itself ships with pipewire.
        let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pipewire-pulse.conf");
        server.spawn(s, "pipewire", &["-c", conf.to_str().unwrap()]);
        server.wait_for(&server.run.join("pulse/native"));
        server.pactl(s, &["load-module", "module-null-sink", &format!("sink_name={sink}")]);
        server.pactl(s, &["set-default-sink", sink]);
        server
    }

    /// Stops the process that serves the pulse protocol (PulseAudio; on
    /// PipeWire its pulse server, started last) for `stall`, then lets it go
    /// on: a sink slow to resume, as the client sees it. PipeWire's graph
    /// runs on: its null sink, stopped, would make up the time it lost in
    /// one burst on resuming, playing what was queued then at instants
    /// already past, which no sound card can.
    pub(crate) fn stall(&self, stall: Duration) {
        use nix::sys::signal::{Signal, kill};
        let server = self.children.last().expect("a server was started");
        let pid = nix::unistd::Pid::from_raw(server.id() as i32);
        kill(pid, Signal::SIGSTOP).unwrap();
        std::thread::sleep(stall);
        kill(pid, Signal::SIGCONT).unwrap();
    }
}

/// CLOCK_MONOTONIC in milliseconds.
pub(crate) fn monotonic_ms() -> f64 {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).unwrap();
    t.tv_sec() as f64 * 1e3 + t.tv_nsec() as f64 / 1e6
}

/// The sink's monitor as it plays: samples, and the monotonic time of the first.
struct Recording {
    samples: Vec<i16>,
    first_ms: f64,
}

fn record(server: &Server, s: &Sandbox, play: impl FnOnce()) -> Recording {
    let monitor = Monitor::start(server, s, SINK);
    play();
    let capture = monitor.stop();
    Recording { first_ms: capture.ms(0), samples: capture.samples }
}

/// A capture of the sink's monitor: its samples, and for each read the count
/// of samples so far and when it returned. A read returns once its last
/// sample is captured, so `at - count / RATE` is at or after the instant
/// sample 0 would have been heard had the monitor never paused; the smallest
/// such figure among the reads after a sample places it. A monitor that
/// pauses (its sink suspended) raises the figure for what follows, and
/// places nothing before the pause late or early.
pub(crate) struct Capture {
    pub(crate) samples: Vec<i16>,
    reads: Vec<(usize, f64)>,
}

impl Capture {
    /// Monotonic ms of sample `i`.
    pub(crate) fn ms(&self, i: usize) -> f64 {
        let from = self.reads.partition_point(|&(count, _)| count <= i);
        let base = self.reads[from.min(self.reads.len() - 1)..]
            .iter()
            .map(|&(count, at)| at - count as f64 * 1000.0 / RATE)
            .fold(f64::INFINITY, f64::min);
        base + i as f64 * 1000.0 / RATE
    }
}

/// The sink's monitor, captured while something plays: `parec` at a 5 ms
/// latency, each small read stamped on CLOCK_MONOTONIC as it returns.
pub(crate) struct Monitor {
    parec: Child,
    reader: std::thread::JoinHandle<Capture>,
}

impl Monitor {
    /// Starts capturing `sink`, and gives the capture half a second to settle.
    pub(crate) fn start(server: &Server, s: &Sandbox, sink: &str) -> Monitor {
        let mut parec = server
            .env(s, Command::new("parec"))
            .args(["-d", &format!("{sink}.monitor"), "--raw", "--format=s16le", "--rate=48000", "--channels=1"])
            .arg("--latency-msec=5")
            .stdout(Stdio::piped())
            .spawn()
            .expect("parec starts");
        let mut out = parec.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let (mut bytes, mut reads, mut chunk) = (Vec::new(), Vec::new(), [0u8; 480]);
            while let Ok(n @ 1..) = out.read(&mut chunk) {
                let at = monotonic_ms();
                bytes.extend_from_slice(&chunk[..n]);
                reads.push((bytes.len() / 2, at));
            }
            let samples = bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            Capture { samples, reads }
        });
        std::thread::sleep(Duration::from_millis(500));
        Monitor { parec, reader }
    }

    /// Stops capturing 300 ms on, so the last sound's tail is in.
    pub(crate) fn stop(mut self) -> Capture {
        std::thread::sleep(Duration::from_millis(300));
        let _ = self.parec.kill();
        let _ = self.parec.wait();
        self.reader.join().unwrap()
    }
}

/// Offsets (samples) of each sound that follows at least 40 ms of silence.
fn onsets(samples: &[i16]) -> Vec<usize> {
    let gap = (0.04 * RATE) as usize;
    let (mut found, mut quiet) = (Vec::new(), usize::MAX);
    for (i, &s) in samples.iter().enumerate() {
        if s == 0 {
            quiet = quiet.saturating_add(1);
        } else {
            if quiet >= gap {
                found.push(i);
            }
            quiet = 0;
        }
    }
    found
}

const ARGS: &[&str] = &["--sounds", "chime", "--volume", "100", "--prepare", "1s", "--hold", "2s", "--rest", "1s"];

/// Plays a session into the server's sink and checks each cue heard against
/// its event; `stopped` stops the process for 100 ms (Ctrl-Z, then `fg`)
/// 3.5 s in (the session is under way: a first start on an idle null sink
/// takes PulseAudio 2 s).
fn every_cue_is_heard_when_shown(server: &Server, s: &Sandbox, stopped: bool) {
    // What the track holds: its cues' offsets, from the exported track.
    let wav = s.path().join("track.wav");
    let mut export = vec!["tonight", "--export-audio", wav.to_str().unwrap(), "--reps", "2"];
    export.extend_from_slice(ARGS);
    let (code, _, stderr) = s.run(s.cmd(&export));
    assert_eq!(code, 0, "{stderr}");
    let track: Vec<i16> =
        std::fs::read(&wav).unwrap()[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let planned = onsets(&track);

    // Named, as a person with two outputs would: the sink recorded.
    let mut session = vec!["--json", "--device", SINK];
    session.extend_from_slice(ARGS);
    let mut output = None;
    let recording = record(server, s, || {
        let mut cmd = server.env(s, s.tonight(&session));
        let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        if stopped {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            std::thread::sleep(Duration::from_millis(3500));
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).unwrap();
        }
        output = Some(child.wait_with_output().unwrap());
    });
    let out = output.unwrap();
    let (code, stdout, stderr) = (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("cannot play"), "{stderr}");
    assert_eq!(s.records()[0]["audio"], "device");

    let heard: Vec<f64> =
        onsets(&recording.samples).iter().map(|&i| recording.first_ms + i as f64 * 1000.0 / RATE).collect();
    assert_eq!(heard.len(), planned.len(), "every cue heard once, none missing: heard at {heard:?}");
    let phases: Vec<f64> = events(&stdout).iter().map(|e| e["monotonic_ms"].as_f64().unwrap()).collect();
    let starts: Vec<f64> = events(&stdout).iter().map(|e| e["planned_ms"].as_f64().unwrap()).collect();
    for (shown, planned_ms) in phases.iter().zip(&starts) {
        // The cue heard at this phase's place on the track.
        let i = planned.iter().position(|&p| (p as f64 * 1000.0 / RATE - planned_ms).abs() < 1.0).unwrap();
        let off = heard[i] - shown;
        assert!(off.abs() < 100.0, "the cue at {planned_ms} ms was heard {off:.1} ms after it was shown");
    }
    for pair in heard.windows(2) {
        assert!(pair[0] < pair[1], "in order");
    }
}

#[test]
#[ignore = "starts a real PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn through_pulseaudio_every_cue_is_heard_when_it_is_shown() {
    let s = Sandbox::new();
    let server = Server::pulseaudio(&s);
    every_cue_is_heard_when_shown(&server, &s, false);
}

#[test]
#[ignore = "starts a real PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn through_pulseaudio_every_cue_is_heard_after_the_process_is_stopped_and_continued() {
    let s = Sandbox::new();
    let server = Server::pulseaudio(&s);
    every_cue_is_heard_when_shown(&server, &s, true);
}

#[test]
#[ignore = "starts a real PipeWire server, WirePlumber and a session bus, and plays in real time; CI runs it (--include-ignored)"]
fn through_pipewire_every_cue_is_heard_when_it_is_shown() {
    let s = Sandbox::new();
    let server = Server::pipewire(&s);
    every_cue_is_heard_when_shown(&server, &s, false);
}

const SHORT: &[&str] = &["--sounds", "chime", "--device", SINK, "--prepare", "0", "--reps", "1", "--rest", "0"];

#[test]
#[ignore = "starts a real PipeWire server, WirePlumber and a session bus, and plays in real time; CI runs it (--include-ignored)"]
fn through_pipewire_a_user_with_no_cookie_yet_is_heard() {
    let s = Sandbox::new();
    let server = Server::pipewire(&s);
    // A new account: no ~/.config/pulse/cookie (pactl made one in the sandbox's home).
    let fresh = s.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    let mut args = SHORT.to_vec();
    args.extend(["--hold", "1s"]);
    let mut cmd = server.env(&s, s.tonight(&args));
    cmd.env("HOME", &fresh);
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("cannot play"), "{stderr}");
    assert_eq!(s.records()[0]["audio"], "device");
}

#[test]
#[ignore = "starts a real PipeWire server, WirePlumber and a session bus, and plays in real time; CI runs it (--include-ignored)"]
fn through_pipewire_a_sink_removed_mid_session_does_not_hold_the_exit() {
    let s = Sandbox::new();
    let server = Server::pipewire(&s);
    let mut args = SHORT.to_vec();
    args.extend(["--hold", "3s"]);
    let started = Instant::now();
    let mut child = server.env(&s, s.tonight(&args)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    server.unload(&s, "module-null-sink");
    let status = crate::support::exit_within(&mut child, Duration::from_secs(15), "a 3 s routine whose sink went away");
    assert!(status.success());
    assert!(started.elapsed() < Duration::from_secs(10), "exited after {:?}", started.elapsed());
    assert_eq!(s.records().len(), 1);
}

#[test]
#[ignore = "starts a real PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn doctor_fails_a_configured_device_the_server_does_not_have() {
    let s = Sandbox::new();
    let server = Server::pulseaudio(&s);
    let config = s.home().join(".config/stretch");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "device = \"nosuch\"\n").unwrap();
    let (code, stdout, _) = s.run(server.env(&s, s.cmd(&["doctor"])));
    assert_eq!(code, 1, "{stdout}");
    let line = stdout.lines().find(|l| l.contains("audio output")).unwrap();
    assert!(line.starts_with("FAIL") && line.contains("\"nosuch\"") && line.contains(SINK), "{line}");
}

#[test]
#[ignore = "needs pulseaudio"]
fn sink_names_and_descriptions_from_the_server_are_shown_escaped() {
    let s = Sandbox::new();
    let server = Server::pulseaudio(&s);
    // Any program of the user (or a Bluetooth device) names a sink.
    let description = "device.description='Speakers\x1b]0;owned\x07\x1b[2J'";
    server.pactl(&s, &["load-module", "module-null-sink", "sink_name=evil", &format!("sink_properties={description}")]);
    let (_, stdout, stderr) = s.run(server.env(&s, s.cmd(&["doctor"])));
    let line = stdout.lines().find(|l| l.contains("audio output")).unwrap();
    assert!(line.contains("Speakers\\x1b]0;owned\\x07\\x1b[2J"), "{line}");
    assert!(!stdout.contains('\x1b') && !stderr.contains('\x1b'), "{stdout}{stderr}");
}

/// Runs a 9 s session through PulseAudio, killing the server 0.6 s in (in
/// the getting-ready phase, too short for the stream to rest, so the stream
/// is open and the hold's chime is missed) and, if `back`, starting it again
/// 1 s later; returns stderr.
fn session_through_a_server_crash(s: &Sandbox, back: bool) -> String {
    let mut server = Server::pulseaudio(s);
    let args = ["--sounds", "chime", "--prepare", "1s", "--reps", "1", "--hold", "8s", "--rest", "0"];
    let child = server.env(s, s.tonight(&args)).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    server.kill();
    if back {
        std::thread::sleep(Duration::from_secs(1));
        server.restart_pulseaudio(s);
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
#[ignore = "starts a real PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn through_pulseaudio_a_server_that_restarts_mid_session_is_heard_again_and_said() {
    let s = Sandbox::new();
    let stderr = session_through_a_server_crash(&s, true);
    let line = stderr.lines().find(|l| l.contains("went away")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.starts_with("stretch: warning: the sound output went away 0:0") && line.contains("came back at 0:0"),
        "{line}"
    );
    assert_eq!(s.records()[0]["audio"], "device", "heard to the end");
}

#[test]
#[ignore = "starts a real PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn through_pulseaudio_a_server_gone_for_good_is_said_and_recorded() {
    let s = Sandbox::new();
    let stderr = session_through_a_server_crash(&s, false);
    assert!(stderr.contains("went away 0:0") && stderr.contains("did not come back"), "{stderr}");
    assert_eq!(s.records()[0]["audio"], "lost");
}

#[test]
#[ignore = "starts a real PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn through_pulseaudio_a_named_sink_that_goes_away_gives_way_to_the_default() {
    let s = Sandbox::new();
    let server = Server::pulseaudio(&s);
    server.pactl(&s, &["load-module", "module-null-sink", "sink_name=stretch_headphones"]);
    let args =
        ["--sounds", "chime", "--volume", "100", "--device", "stretch_headphones", "--prepare", "1s", "--reps", "2"];
    let mut session = args.to_vec();
    session.extend(["--hold", "3s", "--rest", "2s"]);
    let mut output = None;
    // The default sink is recorded: nothing plays there until the named one goes.
    let recording = record(&server, &s, || {
        let mut cmd = server.env(&s, s.tonight(&session));
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(2500));
        server.unload(&s, "stretch_headphones");
        output = Some(child.wait_with_output().unwrap());
    });
    let out = output.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("went away"), "{stderr}");
    assert!(onsets(&recording.samples).len() >= 3, "the later cues are heard on the default sink");
    assert_eq!(s.records()[0]["audio"], "device");
}

#[test]
#[ignore = "starts a real PipeWire server, WirePlumber and a session bus, and plays in real time; CI runs it (--include-ignored)"]
fn through_pipewire_a_mistyped_device_is_named_not_played_elsewhere() {
    let s = Sandbox::new();
    let server = Server::pipewire(&s);
    let (code, _, stderr) = s.run(server.env(&s, s.tonight(&["--sounds", "chime", "--device", "stretch_tset"])));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("the sound server has no sink named \"stretch_tset\"; `stretch doctor` lists them"),
        "{stderr}"
    );
    assert_eq!(s.records()[0]["audio"], "none");
}
