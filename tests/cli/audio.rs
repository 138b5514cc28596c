//! Sound through the real device path (with the `alsa` feature, ALSA's file
//! plugin captures what rodio plays), the no-device fallback, and
//! `--export-audio`.

#[cfg(feature = "alsa")]
use crate::support::events;
use crate::support::{Sandbox, Tmux, shell_quote};

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
    // Chimes: the short test phases have no room for words, which would add a line each.
    let (code, _, stderr) = s.run(s.tonight(&["--sounds", "chime"]));
    assert_eq!(code, 0);
    assert!(!stderr.contains("ALSA lib"), "{stderr}");
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("stretch: cues cannot play: no audio output ("), "{stderr}");
    assert!(lines[0].ends_with("; the routine runs silently"), "{stderr}");
    assert_eq!(s.records()[0]["audio"], "none");
}

#[test]
fn a_scheduled_session_s_export_holds_its_invitation() {
    let s = Sandbox::new();
    let export = |source: &str, now: &str| {
        let wav = s.path().join(format!("{source}.wav"));
        let args = ["tonight", "--export-audio", wav.to_str().unwrap(), "--source", source, "--sounds", "voice"];
        let mut cmd = s.cmd(&args);
        cmd.env("STRETCH_NOW", now).env("TZ", "Europe/Berlin");
        let (code, _, stderr) = s.run(cmd);
        assert_eq!((code, stderr.as_str()), (0, ""), "recorded words only");
        std::fs::read(&wav).unwrap()[44..].to_vec()
    };
    let seconds = |track: &[u8]| track.len() as f64 / 2.0 / RATE;
    let (evening, morning) = ("2026-12-07T22:30:00+01:00", "2026-12-08T08:00:00+01:00");
    let invited = export("cron", evening);
    assert_eq!(
        seconds(&invited) - seconds(&export("terminal", evening)),
        7.0,
        "the invitation, as the scheduled run plays it"
    );
    // In the morning the invitation is to a stretch, not a bedtime one: other words, as long a phase.
    let invited_early = export("cron", morning);
    assert_eq!(seconds(&invited_early) - seconds(&export("terminal", morning)), 7.0);
    let invitation = (7.0 * RATE) as usize * 2;
    assert_ne!(invited[..invitation], invited_early[..invitation]);
}

#[test]
fn export_to_stdout_refuses_a_terminal() {
    let s = Sandbox::new();
    let bin = shell_quote(env!("CARGO_BIN_EXE_stretch"));
    let term = Tmux::start(&s, &format!("{bin} tonight --export-audio -; echo EXIT=$?; sleep 30"));
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("stdout, which is a terminal here; redirect it"), "{screen}");
    assert!(screen.contains("EXIT=2") && !screen.contains("RIFF"), "{screen}");
}

#[test]
fn a_sound_server_that_never_answers_is_named_and_does_not_hold_the_session() {
    let s = Sandbox::new();
    let run = s.path().join("run");
    std::fs::create_dir_all(run.join("pulse")).unwrap();
    // A socket that takes connections and never says a word: a stopped server.
    let _listener = std::os::unix::net::UnixListener::bind(run.join("pulse/native")).unwrap();
    let started = std::time::Instant::now();
    let mut tonight = s.tonight(&["--sounds", "chime"]);
    tonight.env("XDG_RUNTIME_DIR", &run);
    let (code, _, stderr) = s.run(tonight);
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "took {:?}", started.elapsed());
    assert!(stderr.contains("the sound server does not answer within 1 s; restart it"), "{stderr}");
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
    // 2 + 1 + 2 s of routine and 5 s of closing words; the
    // device was closed once the track had played, not left writing silence.
    let track = (10.0 * RATE) as usize;
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
    assert!(stdout.starts_with(&format!("wrote {} (1m,", wav.display())), "{stdout}");
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    let samples: Vec<f32> = bytes[44..].chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]]))).collect();
    // The default routine: 15 s prepare, 3 x 10 s holds, 2 x 5 s rests, 3 s done.
    assert_eq!(samples.len(), 60 * 48_000);
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

/// A user routine whose getting-ready words no recording covers.
const OWN_WORDS: &str = "reps = 1\n\
    [prepare]\nduration = \"8s\"\nwords = \"Lean on the door frame.\"\n\
    say = \"Lean on the door frame, and breathe out slowly.\"\n\
    [hold]\nduration = \"2s\"\ncountdown = 0\n[done]\nduration = \"2s\"\nsay = \"\"\n";

/// Exports the routine with its own words, with `path` as the search path for programs.
fn export_own_words(s: &Sandbox, path: &std::ffi::OsStr) -> (i32, Vec<f32>, String) {
    let dir = s.path().join("config/routines");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("own.toml"), OWN_WORDS).unwrap();
    let wav = s.path().join("own.wav");
    let mut cmd = s.cmd(&["tonight", "--routine", "own", "--export-audio", wav.to_str().unwrap(), "--sounds", "voice"]);
    cmd.env("PATH", path);
    let (code, _, stderr) = s.run(cmd);
    let bytes = std::fs::read(&wav).unwrap_or_default();
    let samples = bytes.get(44..).unwrap_or_default().chunks_exact(2);
    (code, samples.map(|b| f32::from(i16::from_le_bytes([b[0], b[1]]))).collect(), stderr)
}

/// How long the first sound of a track lasts, in seconds: to its first tenth
/// of a second of silence.
fn first_sound(samples: &[f32]) -> f64 {
    let start = samples.iter().position(|&s| s != 0.0).unwrap();
    let found = onsets(&samples[start..], 4800);
    let next = found.get(1).map_or(samples.len() - start, |&o| o);
    let end = samples[start..start + next].iter().rposition(|&s| s != 0.0).unwrap();
    (end + 1) as f64 / RATE
}

#[test]
fn without_a_speech_engine_own_words_are_chimed_with_one_line_on_how_to_get_speech() {
    let s = Sandbox::new();
    let nothing = s.path().join("no-programs");
    std::fs::create_dir_all(&nothing).unwrap();
    let (code, samples, stderr) = export_own_words(&s, nothing.as_os_str());
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("stretch: no speech engine"), "{stderr}");
    assert!(
        lines[0].ends_with("(for speech: pipx install hibari-tts (the recorded voice), or apt-get install flite)"),
        "{stderr}"
    );
    // The get-ready chime, one soft note of half a second, stands in for the words.
    let heard = first_sound(&samples);
    assert!((0.3..0.8).contains(&heard), "{heard} s");
}

/// The line that says a routine's own words are not in the recorded voice.
const OTHER_VOICE: &str = "stretch: this routine's own words are spoken by flite, not in the recorded voice (for the same voice: pipx install hibari-tts)\n";

#[test]
#[ignore = "runs the real flite voice generator and writes its voice cache; CI runs it (--include-ignored)"]
fn without_hibari_own_words_are_spoken_by_flite_into_the_export_and_cached() {
    let s = Sandbox::new();
    // flite alone on the search path, so an installed hibari is not found.
    let only_flite = s.path().join("only-flite");
    std::fs::create_dir_all(&only_flite).unwrap();
    let flite = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("flite"))
        .find(|p| p.is_file())
        .expect("flite is installed");
    std::os::unix::fs::symlink(flite, only_flite.join("flite")).unwrap();
    let (code, samples, stderr) = export_own_words(&s, only_flite.as_os_str());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, OTHER_VOICE, "one line on how to get the recorded voice");
    // Nine words take seconds; the chime they replace lasts half a second.
    let heard = first_sound(&samples);
    assert!((1.5..8.0).contains(&heard), "{heard} s");
    let cached: Vec<_> = std::fs::read_dir(s.path().join("cache/voice")).unwrap().collect();
    assert_eq!(cached.len(), 1, "one phrase, one cached clip");
    // The next export speaks from the cache, with no engine to run.
    let nothing = s.path().join("no-programs");
    std::fs::create_dir_all(&nothing).unwrap();
    let (code, again, stderr) = export_own_words(&s, nothing.as_os_str());
    assert_eq!((code, stderr.as_str()), (0, OTHER_VOICE));
    assert_eq!(again, samples);
    // A broken hibari before flite on the search path: flite still speaks, and the line says why.
    let broken = s.path().join("broken-hibari");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("hibari"), "#!/bin/sh\necho 'No module named onnxruntime' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(broken.join("hibari"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = std::env::join_paths([broken, only_flite]).unwrap();
    let (code, spoken, stderr) = export_own_words(&s, &path);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(spoken, samples, "flite's words, from the cache");
    assert!(
        stderr.starts_with(
            "stretch: this routine's own words are spoken by flite, not in the recorded voice, because hibari: "
        ) && stderr.contains("No module named onnxruntime")
            && stderr.ends_with("(to mend it: pipx install hibari-tts --force)\n"),
        "{stderr}"
    );
}
