//! Sound through the real device path (with the `alsa` feature, ALSA's file
//! plugin captures what rodio plays), the no-device fallback, and
//! `--export-audio`.

use crate::support::Sandbox;
#[cfg(feature = "alsa")]
use crate::support::events;

#[cfg(feature = "alsa")]
const RATE: f64 = 48_000.0;

/// The offset of each sounding stretch that follows at least `gap` zero samples.
fn onsets(samples: &[f32], gap: usize) -> Vec<usize> {
    let mut found = Vec::new();
    let mut zeros = usize::MAX;
    for (i, &s) in samples.iter().enumerate() {
        if s == 0.0 {
            zeros = zeros.saturating_add(1);
        } else {
            if zeros >= gap {
                found.push(i);
            }
            zeros = 0;
        }
    }
    found
}

/// The planned sample of every phase start in a `--json` run.
#[cfg(feature = "alsa")]
fn planned_samples(stdout: &str) -> Vec<usize> {
    events(stdout).iter().map(|e| (e["planned_ms"].as_f64().unwrap() * RATE / 1000.0).round() as usize).collect()
}

#[test]
fn without_a_device_one_line_says_why_and_the_record_says_none() {
    let s = Sandbox::new();
    let (code, _, stderr) = s.run(s.tonight(&[]));
    assert_eq!(code, 0);
    assert!(!stderr.contains("ALSA lib"), "{stderr}");
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("stretch: cues cannot play: no audio output ("), "{stderr}");
    assert!(lines[0].ends_with("; the routine runs silently"), "{stderr}");
    assert_eq!(s.records()[0]["audio"], "none");
}

/// ALSA's file plugin captures what the `alsa` feature plays, when no sound
/// server is found.
#[cfg(feature = "alsa")]
#[test]
fn the_captured_track_has_each_cue_at_its_planned_sample() {
    let s = Sandbox::new();
    let capture = s.path().join("capture.raw");
    s.asoundrc(&format!(
        "pcm.!default {{ type file; slave.pcm \"null\"; file \"{}\"; format \"raw\" }}\n",
        capture.display()
    ));
    let (code, stdout, stderr) =
        s.run(s.tonight(&["--json", "--sounds", "chime", "--volume", "100", "--hold", "2s", "--rest", "1s"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("cannot play"), "{stderr}");
    assert_eq!(s.records()[0]["audio"], "device");
    // The device's default stream: f32, stereo, 48 kHz. Take the left channel.
    let bytes = std::fs::read(&capture).unwrap();
    let left: Vec<f32> = bytes.chunks_exact(8).map(|f| f32::from_le_bytes([f[0], f[1], f[2], f[3]])).collect();
    let found = onsets(&left, 2400);
    let first = found[0];
    let heard: Vec<usize> = found.iter().map(|o| o - first).collect();
    // Each 2 s hold has one countdown tick, 1 s before its end.
    let mut planned = planned_samples(&stdout);
    planned.extend([48_000, 4 * 48_000]);
    planned.sort();
    assert_eq!(heard, planned, "hold, tick, rest, hold, tick, done, to the sample");
    // 2 + 1 + 2 s of routine and 3 s of closing words; the device was closed
    // once the track had played, not left writing silence.
    let track = (8.0 * RATE) as usize;
    assert!(left.len() >= first + track, "the whole track played");
    assert!(left.len() < first + track + 2 * RATE as usize, "{} frames captured", left.len());
}

#[test]
fn the_exported_track_is_the_planned_length_with_cues_on_their_samples() {
    let s = Sandbox::new();
    let wav = s.path().join("tonight.wav");
    let (code, stdout, stderr) =
        s.run(s.cmd(&["tonight", "--export-audio", wav.to_str().unwrap(), "--sounds", "chime", "--volume", "100"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("wrote {} (58s", wav.display())), "{stdout}");
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    let samples: Vec<f32> = bytes[44..].chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]]))).collect();
    // The default routine: 15 s prepare, 3 x 10 s holds, 2 x 5 s rests, 3 s done.
    assert_eq!(samples.len(), 58 * 48_000);
    let phase_starts = [0, 15, 25, 30, 40, 45, 55].map(|s| s * 48_000);
    let ticks = [22, 23, 24, 37, 38, 39, 52, 53, 54].map(|s| s * 48_000);
    let mut planned: Vec<usize> = phase_starts.iter().chain(ticks.iter()).copied().collect();
    planned.sort();
    assert_eq!(onsets(&samples, 4800), planned);
    assert!(!s.journal().exists(), "exporting is not a session");
}

#[test]
fn export_refuses_silence_and_bad_paths() {
    let s = Sandbox::new();
    let (code, _, stderr) = s.run(s.cmd(&["tonight", "--export-audio", "x.wav", "--sounds", "off"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--sounds off"), "{stderr}");
    let missing = s.path().join("no/such/dir/x.wav");
    let (code, _, stderr) = s.run(s.cmd(&["tonight", "--export-audio", missing.to_str().unwrap()]));
    assert_eq!(code, 1);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}
