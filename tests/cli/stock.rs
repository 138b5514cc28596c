//! What is heard through a sound server as desktops run it: PulseAudio on
//! its own `default.pa` (idle suspend, stream-restore, role-cork, a 44.1 kHz
//! null sink), with the default routine and the relief routine and their long
//! silences.
//!
//! The sink's monitor is captured with every read stamped on CLOCK_MONOTONIC,
//! and each sample placed by the reads that follow it (see [`Capture`]), so
//! a monitor that pauses (a sink suspended and resumed) shifts nothing. Each
//! planned sound must be heard, in order, whole (its length within 20 ms of
//! the exported track's), within 30 ms of where its phase's `--json` event
//! puts it, with no drift from the first to the last.
//!
//! The scenarios run at once, each on its own private server, in one test
//! of about a minute. Ignored by default
//! (they need the servers); CI runs them, and they fail if a server cannot
//! start.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::servers::{Server, monotonic_ms};
use crate::support::Sandbox;

const RATE: f64 = 48_000.0;
const SINK: &str = "stretch_stock";

/// Silences shorter than this belong to the sound around them (the pauses
/// between a phrase's words).
const JOIN: usize = (0.15 * RATE) as usize;

/// PulseAudio as a desktop starts it: its own `default.pa`, no `-n`.
fn pulseaudio(s: &Sandbox) -> Server {
    let mut server = Server { run: s.path().join("run"), children: Vec::new() };
    std::fs::create_dir(&server.run).unwrap();
    server.spawn(s, "pulseaudio", &["--daemonize=no", "--exit-idle-time=-1"]);
    server.wait_for(&server.run.join("pulse/native"));
    server.pactl(s, &["load-module", "module-null-sink", &format!("sink_name={SINK}"), "rate=44100"]);
    server.pactl(s, &["set-default-sink", SINK]);
    server
}

/// A capture of the sink's monitor: its samples, and for each read the count
/// of samples so far and when it returned. A read returns once its last
/// sample is captured, so `at - count / RATE` is at or after the instant
/// sample 0 would have been heard had the monitor never paused; the smallest
/// such figure among the reads after a sample places it. A monitor that
/// pauses (its sink suspended) raises the figure for what follows, and
/// places nothing before the pause late or early.
struct Capture {
    samples: Vec<i16>,
    reads: Vec<(usize, f64)>,
}

impl Capture {
    /// Monotonic ms of sample `i`.
    fn ms(&self, i: usize) -> f64 {
        let from = self.reads.partition_point(|&(count, _)| count <= i);
        let base = self.reads[from.min(self.reads.len() - 1)..]
            .iter()
            .map(|&(count, at)| at - count as f64 * 1000.0 / RATE)
            .fold(f64::INFINITY, f64::min);
        base + i as f64 * 1000.0 / RATE
    }
}

/// The sounds in `samples`: (first, last + 1) sample of each.
fn sounds(samples: &[i16]) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (i, _) in samples.iter().enumerate().filter(|(_, s)| **s != 0) {
        match found.last_mut() {
            Some((_, end)) if i - *end < JOIN => *end = i + 1,
            _ => found.push((i, i + 1)),
        }
    }
    found
}

/// How a scenario is played.
struct Scenario {
    name: &'static str,
    server: fn(&Sandbox) -> Server,
    args: &'static [&'static str],
}

const DEFAULT: &[&str] = &["--sounds", "voice", "--volume", "100"];
const RELIEF: &[&str] = &["--routine", "cramp-relief", "--sounds", "voice", "--volume", "100", "--reps", "1"];

/// Plays `scenario`; every way what was heard differs from the plan.
fn play(scenario: &Scenario) -> Vec<String> {
    let s = Sandbox::new();
    let server = (scenario.server)(&s);
    let wav = s.path().join("track.wav");
    let mut export = vec!["tonight", "--export-audio", wav.to_str().unwrap()];
    export.extend_from_slice(scenario.args);
    let (code, _, stderr) = s.run(s.cmd(&export));
    assert_eq!(code, 0, "{stderr}");
    let track: Vec<i16> =
        std::fs::read(&wav).unwrap()[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let planned = sounds(&track);
    let ms = |i: usize| i as f64 * 1000.0 / RATE;

    let mut parec = server
        .env(&s, Command::new("parec"))
        .args(["-d", &format!("{SINK}.monitor"), "--raw", "--format=s16le", "--rate=48000", "--channels=1"])
        .arg("--latency-msec=5")
        .stdout(Stdio::piped())
        .spawn()
        .expect("parec starts");
    let mut out = parec.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut bytes, mut reads, mut chunk) = (Vec::new(), Vec::new(), [0u8; 960]);
        while let Ok(n @ 1..) = out.read(&mut chunk) {
            let at = monotonic_ms();
            bytes.extend_from_slice(&chunk[..n]);
            reads.push((bytes.len() / 2, at));
        }
        let samples = bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        Capture { samples, reads }
    });
    std::thread::sleep(Duration::from_millis(500));

    let data = s.data();
    let mut args = vec!["tonight", "--json", "--device", SINK, "--data-dir", data.to_str().unwrap()];
    args.extend_from_slice(scenario.args);
    let mut child = server.env(&s, s.cmd(&args)).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (lines, events) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let collector = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let status = child.wait().unwrap();
    collector.join().unwrap();
    let stdout: Vec<String> = events.try_iter().collect();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let _ = parec.kill();
    let _ = parec.wait();
    let capture = reader.join().unwrap();
    assert!(status.success(), "{}: {stderr}", scenario.name);
    assert!(!stderr.contains("cannot play") && !stderr.contains("went away"), "{}: {stderr}", scenario.name);

    let phases: Vec<(f64, f64)> = stdout
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "phase")
        .map(|e| (e["planned_ms"].as_f64().unwrap(), e["monotonic_ms"].as_f64().unwrap()))
        .collect();
    let heard = sounds(&capture.samples);
    let mut wrong = Vec::new();
    if heard.len() != planned.len() {
        let at: Vec<String> = heard.iter().map(|h| format!("{:.0}", capture.ms(h.0) - phases[0].1)).collect();
        wrong.push(format!("{} sounds planned, {} heard (at {})", planned.len(), heard.len(), at.join(" ")));
        return wrong;
    }
    let mut errors = Vec::new();
    for (p, h) in planned.iter().zip(&heard) {
        // Where the event of the phase this sound belongs to puts it; a
        // sound with no event of its own (a countdown tick, a step's words)
        // by the session's clock as the events around it read it.
        let phase = phases.iter().rposition(|(at, _)| *at <= ms(p.0) + 1.0).unwrap_or(0);
        let (planned_ms, shown) = phases[phase];
        let moved = phases.get(phase + 1).map_or(0.0, |(next_planned, next_shown)| {
            let share = (ms(p.0) - planned_ms) / (next_planned - planned_ms);
            share * ((next_shown - next_planned) - (shown - planned_ms))
        });
        let error = capture.ms(h.0) - (shown + ms(p.0) - planned_ms + moved);
        let (length, heard_length) = (ms(p.1 - p.0), capture.ms(h.1) - capture.ms(h.0));
        if error.abs() > 30.0 {
            wrong.push(format!("the sound at {:.0} ms heard {error:+.1} ms from its event", ms(p.0)));
        }
        if (heard_length - length).abs() > 20.0 {
            wrong.push(format!("the sound at {:.0} ms lasted {heard_length:.0} ms of {length:.0}", ms(p.0)));
        }
        errors.push(error);
    }
    for pair in heard.windows(2) {
        if capture.ms(pair[0].0) >= capture.ms(pair[1].0) {
            wrong.push("sounds heard out of order".into());
        }
    }
    let drift = errors.last().unwrap() - errors[0];
    if drift.abs() > 10.0 {
        wrong.push(format!("drift of {drift:+.1} ms from the first sound to the last"));
    }
    wrong.into_iter().map(|w| format!("{}: {w}", scenario.name)).collect()
}

#[test]
#[ignore = "starts real PulseAudio servers with their stock configuration; CI runs it"]
fn through_stock_servers_every_cue_is_heard_whole_and_on_time() {
    // A stock PulseAudio (its own default.pa, idle suspend, a 44.1 kHz
    // sink), the default routine's long silences and the relief routine's.
    let scenarios = [
        Scenario { name: "PulseAudio, default routine", server: pulseaudio, args: DEFAULT },
        Scenario { name: "PulseAudio, relief routine", server: pulseaudio, args: RELIEF },
    ];
    let wrong: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = scenarios.iter().map(|sc| scope.spawn(move || play(sc))).collect();
        runs.into_iter().flat_map(|r| r.join().unwrap_or_else(|_| vec!["a scenario panicked".into()])).collect()
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
