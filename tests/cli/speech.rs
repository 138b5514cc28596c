//! A routine's own words spoken by hibari, the engine and voice of the
//! recorded set: in the export at their planned samples, as hibari says them,
//! at the recorded set's loudness.

use std::path::Path;
use std::process::Command;

use crate::support::Sandbox;

/// Words no recording covers, in the getting-ready phase and in the hold.
const READY_WORDS: &str = "Lean on the door frame, and breathe out slowly.";
const HOLD_WORDS: &str = "Press the heel down gently.";
const PREPARE_SECONDS: usize = 7;

/// 16-bit mono samples of a WAV file, and its rate.
fn wav(bytes: &[u8]) -> (u32, Vec<i16>) {
    let rate = u32::from_le_bytes(bytes[24..28].try_into().unwrap());
    let data = bytes.windows(4).position(|w| w == b"data").expect("a data chunk") + 8;
    (rate, bytes[data..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect())
}

/// Writes 16-bit mono samples at 48 kHz as a WAV file.
fn write_wav(path: &Path, samples: &[i16]) {
    let data = (samples.len() * 2) as u32;
    let mut out = Vec::new();
    out.extend(b"RIFF");
    out.extend((36 + data).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend([1u16, 1].iter().flat_map(|v| v.to_le_bytes()));
    out.extend([48_000u32, 96_000].iter().flat_map(|v| v.to_le_bytes()));
    out.extend([2u16, 16].iter().flat_map(|v| v.to_le_bytes()));
    out.extend(b"data");
    out.extend(data.to_le_bytes());
    out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    std::fs::write(path, out).unwrap();
}

/// What hibari itself says for `text`, as `sounds/generate.sh` runs it, at
/// 48 kHz (each sample repeated then smoothed: a plain resampler, not stretch's).
fn hibari_says(dir: &Path, text: &str) -> Vec<f64> {
    let out = dir.join("reference.wav");
    let done = Command::new("hibari")
        .args(["--voice", "heart", "--seed", "0", "-o", out.to_str().unwrap(), text])
        .output()
        .expect("hibari is installed (pip install -r sounds/requirements.txt)");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let (rate, samples) = wav(&std::fs::read(out).unwrap());
    assert_eq!(rate, 24_000);
    let x: Vec<f64> = samples.iter().map(|&s| f64::from(s)).collect();
    (0..x.len() * 2)
        .map(|n| if n % 2 == 0 { x[n / 2] } else { (x[n / 2] + x.get(n / 2 + 1).copied().unwrap_or(0.0)) / 2.0 })
        .collect()
}

/// The highest normalised correlation of `clip` with `reference`, its
/// silence trimmed as a speech engine's output is, at any lag within 10 ms.
fn likeness(clip: &[i16], reference: &[f64]) -> f64 {
    let start = reference.iter().position(|s| s.abs() > 0.002 * 32768.0).unwrap_or(0);
    let reference = &reference[start..];
    let clip: Vec<f64> = clip.iter().map(|&s| f64::from(s)).collect();
    let energy = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>().sqrt();
    (-480..=480_isize)
        .map(|lag| {
            let (a, b) = if lag < 0 {
                (&clip[lag.unsigned_abs()..], reference)
            } else {
                (&clip[..], &reference[lag as usize..])
            };
            let n = a.len().min(b.len());
            let dot: f64 = a[..n].iter().zip(&b[..n]).map(|(x, y)| x * y).sum();
            dot / (energy(&a[..n]) * energy(&b[..n]))
        })
        .fold(0.0, f64::max)
}

#[test]
#[ignore = "runs the installed hibari (CI installs it in a virtual environment and puts it on PATH)"]
fn own_words_are_spoken_by_hibari_at_their_planned_samples_as_hibari_says_them() {
    let s = Sandbox::new();
    let dir = s.path().join("config/routines");
    std::fs::create_dir_all(&dir).unwrap();
    let routine = format!(
        "reps = 1\n[prepare]\nduration = \"{PREPARE_SECONDS}s\"\nwords = \"Lean on the door.\"\nsay = \"{READY_WORDS}\"\n\
         [hold]\nduration = \"6s\"\ncountdown = 0\nwords = \"Heel down.\"\nsay = \"{HOLD_WORDS}\"\n\
         [done]\nduration = \"1s\"\nsay = \"\"\n"
    );
    std::fs::write(dir.join("own.toml"), routine).unwrap();
    let export = s.path().join("own.wav");
    let (code, _, stderr) = s.run(s.cmd(&[
        "tonight",
        "--routine",
        "own",
        "--export-audio",
        export.to_str().unwrap(),
        "--sounds",
        "voice",
        "--volume",
        "100",
    ]));
    assert_eq!((code, stderr.as_str()), (0, ""), "spoken in the recorded voice: nothing to tell");
    let (rate, track) = wav(&std::fs::read(&export).unwrap());
    assert_eq!(rate, 48_000);

    // Each phrase is cached once, shaped as it plays (from its first sounding sample to its last).
    let sounding = |x: Vec<i16>| {
        let first = x.iter().position(|&s| s != 0).unwrap();
        let last = x.iter().rposition(|&s| s != 0).unwrap();
        x[first..=last].to_vec()
    };
    let mut cached: Vec<Vec<i16>> = std::fs::read_dir(s.path().join("cache/voice"))
        .unwrap()
        .map(|e| sounding(wav(&std::fs::read(e.unwrap().path()).unwrap()).1))
        .collect();
    assert_eq!(cached.len(), 2, "two phrases, two cached clips");
    cached.sort_by_key(Vec::len);
    let (hold, ready) = (&cached[0], &cached[1]);

    // Heard at the planned samples: the track there is the clip, sample for sample.
    let hold_at = PREPARE_SECONDS * 48_000;
    assert!(ready.len() < hold_at, "the getting-ready words end before the hold");
    assert_eq!(&track[..ready.len()], &ready[..]);
    assert!(track[ready.len()..hold_at].iter().all(|&s| s == 0), "silence until the hold");
    assert_eq!(&track[hold_at..hold_at + hold.len()], &hold[..]);

    // As hibari says them, and at the recorded set's loudness.
    for (clip, text) in [(ready, READY_WORDS), (hold, HOLD_WORDS)] {
        let alike = likeness(clip, &hibari_says(s.path(), text));
        assert!(alike > 0.97, "{text:?}: correlation {alike:.3} with hibari's own");
        let path = s.path().join("clip.wav");
        write_wav(&path, clip);
        let level = Path::new(env!("CARGO_MANIFEST_DIR")).join("sounds/level.py");
        let gain = Command::new("python3").arg(level).arg(&path).output().unwrap();
        assert!(gain.status.success(), "{}", String::from_utf8_lossy(&gain.stderr));
        let gain: f64 = String::from_utf8_lossy(&gain.stdout).trim().parse().unwrap();
        assert!(gain.abs() <= 0.5, "{text:?}: {gain} dB from the recorded set's level");
    }
}

#[test]
fn doctor_says_which_engine_will_speak_a_routine_s_own_words() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    let bin = s.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let own_words_line = |s: &Sandbox| {
        let mut cmd = s.cmd(&["doctor"]);
        cmd.env("PATH", &bin);
        let (_, stdout, _) = s.run(cmd);
        stdout.lines().find(|l| l.contains("own words:")).unwrap_or_else(|| panic!("{stdout}")).to_string()
    };
    assert!(own_words_line(&s).starts_with("note  own words: no speech engine"), "{}", own_words_line(&s));
    // Programs that only need to be there: doctor does not run them.
    let install = |program: &str| {
        std::fs::write(bin.join(program), "#!/bin/sh\nexit 1\n").unwrap();
        std::fs::set_permissions(bin.join(program), std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    install("flite");
    let line = own_words_line(&s);
    assert!(line.starts_with("note  own words: a routine's own words are spoken by flite (voice kal16)"), "{line}");
    assert!(line.ends_with("not in the recorded voice; for the same voice: pipx install hibari-tts"), "{line}");
    install("hibari");
    let line = own_words_line(&s);
    let at = bin.join("hibari");
    assert_eq!(
        line,
        format!(
            "ok    own words: a routine's own words are spoken by hibari (voice heart, the recorded voice), at {}",
            at.display()
        )
    );
}
