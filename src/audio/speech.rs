//! Speech made at run time, for a user routine's own words, which no
//! recording covers. The engine runs as a separate program (so no GPL code is
//! linked in), its output is brought to the embedded clips' rate and level,
//! and the result is cached, keyed by engine, voice and text, so each phrase
//! is synthesised once.
//!
//! The first choice is `hibari` with the voice and seed that made the
//! recorded set, so a routine's own words sound like the rest of it; flite
//! and espeak-ng are the fallbacks a Debian system already has.

use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::clip::Clip;
use super::loudness;
use super::sounds::RATE;
use super::wav;

/// How to get the voice of the recorded set for a routine's own words.
pub(crate) const GET_MATCHING_VOICE: &str = "pipx install hibari-tts";

/// Why words could not be spoken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unspoken {
    /// No speech engine is installed.
    NoEngine,
    /// An engine is installed but failed; says how.
    Failed(String),
}

/// Words made into a clip, and by which engine.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spoken {
    /// The words at the embedded clips' rate and level.
    pub clip: Clip,
    /// Whether they are in the recorded set's voice; if not, the engine that spoke them.
    pub other_voice: Option<&'static str>,
    /// Why an engine preferred to the one that spoke failed, if one did.
    pub passed_over: Option<String>,
}

/// Something that turns words into a clip.
pub(crate) trait Speak {
    /// The words as a clip at the embedded clips' rate and level.
    fn say(&self, text: &str) -> Result<Spoken, Unspoken>;
}

/// Speaks nothing: for callers with no words of their own to say.
#[cfg(test)]
pub(crate) struct Mute;

#[cfg(test)]
impl Speak for Mute {
    fn say(&self, _: &str) -> Result<Spoken, Unspoken> {
        Err(Unspoken::NoEngine)
    }
}

/// A speech program and the voice it speaks with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Engine {
    /// The program's name, looked up on the search path.
    pub program: &'static str,
    /// The voice, as the program names it.
    pub voice: &'static str,
    /// The arguments that read the text from `text` (also given on stdin)
    /// and write a WAV to `out`.
    args: fn(voice: &str, text: &Path, out: &Path) -> Vec<String>,
}

/// The engines tried in turn: the one that made the built-in set first, with
/// its voice and seed (as `sounds/generate.sh` runs it), so the routine's own
/// words sound like the rest; then the common fallbacks.
const ENGINES: &[Engine] = &[
    Engine { program: "hibari", voice: "heart", args: hibari },
    Engine { program: "flite", voice: "kal16", args: flite },
    Engine { program: "espeak-ng", voice: "en-gb+f3", args: espeak },
];

/// The seed of hibari's noise: the same text makes the same speech.
const SEED: &str = "0";

/// hibari reads its text from stdin (`-`): text on its command line that
/// began with a dash would be taken for an option.
fn hibari(voice: &str, _: &Path, out: &Path) -> Vec<String> {
    ["--voice", voice, "--seed", SEED, "-o", &out.to_string_lossy(), "-"].map(String::from).to_vec()
}

fn flite(voice: &str, text: &Path, out: &Path) -> Vec<String> {
    ["-voice", voice, "-f", &text.to_string_lossy(), "-o", &out.to_string_lossy()].map(String::from).to_vec()
}

fn espeak(voice: &str, text: &Path, out: &Path) -> Vec<String> {
    ["-v", voice, "-s", "135", "-f", &text.to_string_lossy(), "-w", &out.to_string_lossy()].map(String::from).to_vec()
}

/// The engine that will speak a routine's own words, found on `search_path`
/// (the `PATH` stretch runs with), and where it is.
pub(crate) fn engine(search_path: Option<&OsStr>) -> Option<(Engine, PathBuf)> {
    ENGINES.iter().find_map(|e| locate(e.program, search_path).map(|path| (*e, path)))
}

/// Whether `engine` speaks in the recorded set's voice.
pub(crate) fn matches_recordings(engine: &Engine) -> bool {
    engine.program == ENGINES[0].program
}

/// The executable file `program` in the first directory of `search_path` that has one.
fn locate(program: &str, search_path: Option<&OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(search_path?)
        .map(|dir| dir.join(program))
        .find(|path| std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// The installed speech engines, with a cache of what they said.
#[derive(Debug, Clone)]
pub(crate) struct Speaker {
    /// Where clips are kept (`<cache>/voice`); `None` keeps nothing.
    cache: Option<PathBuf>,
    /// Where programs are looked for (`PATH`).
    search_path: Option<OsString>,
    /// Engines that failed or hung this run, with why: not run again, so a
    /// broken engine costs one wait, not one per phrase.
    broken: RefCell<Vec<(&'static str, String)>>,
}

impl Speaker {
    /// A speaker that caches under `cache_dir` (the user's cache directory
    /// for stretch), or nowhere, and finds engines on `search_path`.
    pub(crate) fn new(cache_dir: Option<&Path>, search_path: Option<&OsStr>) -> Self {
        Speaker {
            cache: cache_dir.map(|d| d.join("voice")),
            search_path: search_path.map(OsStr::to_os_string),
            broken: RefCell::default(),
        }
    }

    /// The clip for `text` by `engine`: from the cache, else synthesised and
    /// cached; `NotFound` if neither cached nor installed.
    fn by(&self, engine: &Engine, text: &str) -> io::Result<Clip> {
        let cached = self.cache.as_ref().map(|dir| dir.join(format!("{:016x}.wav", key(engine, text))));
        // Only a clip with sound is trusted: an engine's output is never empty,
        // so an empty one was damaged, and is spoken and stored again.
        if let Some(bytes) = cached.as_ref().and_then(|path| crate::files::read_bytes(path, MAX_CLIP).ok())
            && let Ok((RATE, pcm)) = wav::pcm_mono_i16(&bytes)
            && let clip = Clip::from_samples(&wav::samples_i16(pcm))
            && !clip.is_empty()
        {
            return Ok(clip);
        }
        let program = locate(engine.program, self.search_path.as_deref())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, engine.program))?;
        let samples = synthesise(engine, &program, text, ENGINE_LIMIT)?;
        if let Some(path) = &cached {
            // A cache that cannot be written only costs time on the next run.
            let _ = store(path, &samples);
        }
        Ok(Clip::from_samples(&samples))
    }
}

impl Speak for Speaker {
    /// The first engine that speaks `text`: one that fails is told of and the
    /// next one tried, so a broken install of the preferred engine costs its
    /// voice, not the words.
    fn say(&self, text: &str) -> Result<Spoken, Unspoken> {
        let mut passed_over = None;
        for engine in ENGINES {
            let known =
                self.broken.borrow().iter().find(|(program, _)| *program == engine.program).map(|(_, w)| w.clone());
            let why = match known {
                Some(why) => why,
                None => {
                    let why = match self.by(engine, text) {
                        Ok(clip) if !clip.is_empty() => {
                            let other_voice = (!matches_recordings(engine)).then_some(engine.program);
                            return Ok(Spoken { clip, other_voice, passed_over });
                        }
                        Ok(_) => format!("{} made no sound", engine.program),
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => format!("{}: {e}", engine.program),
                    };
                    self.broken.borrow_mut().push((engine.program, why.clone()));
                    why
                }
            };
            passed_over.get_or_insert(why);
        }
        Err(passed_over.map_or(Unspoken::NoEngine, Unspoken::Failed))
    }
}

/// The largest cached clip read: minutes of speech, far beyond any cue.
const MAX_CLIP: u64 = 16 * 1024 * 1024;

/// A stable name for engine + voice + text (64-bit FNV-1a; the standard
/// library's hasher may change between releases, which would orphan the cache).
/// hibari's seed is part of its voice: another seed is other speech.
fn key(engine: &Engine, text: &str) -> u64 {
    let seed = if engine.program == "hibari" { SEED } else { "" };
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for part in ["v1", engine.program, engine.voice, seed, text] {
        for &b in part.as_bytes().iter().chain(&[0]) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// How long an engine may take over one phrase: far more than any does
/// (hibari speaks a long cue in about two seconds here, model load included),
/// so only a hung engine reaches it, and the routine starts anyway.
const ENGINE_LIMIT: Duration = Duration::from_secs(30);

/// Runs the engine at `program`, for at most `limit`, and shapes its output
/// like the embedded clips.
fn synthesise(engine: &Engine, program: &Path, text: &str, limit: Duration) -> io::Result<Vec<i16>> {
    let dir = tempfile::tempdir()?;
    let (input, output) = (dir.path().join("text.txt"), dir.path().join("speech.wav"));
    let errors = dir.path().join("stderr.txt");
    std::fs::write(&input, text)?;
    let mut command = Command::new(program);
    command
        .args((engine.args)(engine.voice, &input, &output))
        .stdin(std::fs::File::open(&input)?)
        .stdout(Stdio::null())
        // A file, not a pipe: an engine that writes much while it is waited for never blocks.
        .stderr(std::fs::File::create(&errors)?);
    let status = run_within(&mut command, limit)?;
    if !status.success() {
        let why = std::fs::read(&errors).unwrap_or_default();
        let why = String::from_utf8_lossy(&why);
        let last = why.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
        return Err(io::Error::other(format!("{status}: {last}")));
    }
    let bytes = crate::files::read_bytes(&output, MAX_CLIP)?;
    let (rate, pcm) = wav::pcm_mono_i16(&bytes).map_err(io::Error::other)?;
    let samples: Vec<f32> = wav::samples_i16(pcm).iter().map(|&s| f32::from(s) / 32768.0).collect();
    Ok(shape(&resample(&samples, rate)).into_iter().map(wav::to_i16).collect())
}

/// Runs `command` to its end, or kills it once `limit` has passed.
fn run_within(command: &mut Command, limit: Duration) -> io::Result<ExitStatus> {
    let mut child = command.spawn()?;
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {} s, stopped", limit.as_secs_f32()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Band-limited interpolation to [`RATE`] (a Lanczos-windowed sinc, cut off
/// at the lower of the two Nyquist frequencies), so a 24 kHz voice gains no
/// hiss of mirrored treble on its way up to 48 kHz.
fn resample(samples: &[f32], rate: u32) -> Vec<f32> {
    /// Input samples weighed on each side of an output sample.
    const LOBES: f64 = 16.0;
    if rate == RATE || samples.is_empty() {
        return samples.to_vec();
    }
    let step = f64::from(rate) / f64::from(RATE);
    // Going down, the kernel widens so that nothing above the new Nyquist folds back.
    let scale = step.max(1.0);
    let reach = LOBES * scale;
    let sinc = |x: f64| if x == 0.0 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
    let len = samples.len() as u64 * u64::from(RATE) / u64::from(rate);
    (0..len)
        .map(|n| {
            let x = n as f64 * step;
            let first = (x - reach).ceil().max(0.0) as usize;
            let last = ((x + reach).floor() as usize).min(samples.len() - 1);
            let sum: f64 = (first..=last)
                .map(|k| {
                    let d = (x - k as f64) / scale;
                    f64::from(samples[k]) * sinc(d) * sinc(d / LOBES)
                })
                .sum();
            (sum / scale) as f32
        })
        .collect()
}

/// Trims the silence around the words, brings them to the embedded clips'
/// loudness, and fades the ends so nothing clicks.
fn shape(samples: &[f32]) -> Vec<f32> {
    const FLOOR: f32 = 0.002;
    let start = samples.iter().position(|s| s.abs() > FLOOR).unwrap_or(samples.len());
    let end = samples.iter().rposition(|s| s.abs() > FLOOR).map_or(start, |i| i + 1);
    let words = &samples[start..end];
    let gain = loudness::gain_to_target(words);
    let (fade_in, fade_out) = (240.min(words.len()), 960.min(words.len()));
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let rise = ((k + 1) as f32 / fade_in as f32).min(1.0);
            let fall = ((n - k) as f32 / fade_out as f32).min(1.0);
            s * gain * rise * fall
        })
        .collect()
}

/// Writes a clip into the cache beside its final name, then renames it in,
/// so a reader never sees half a file.
fn store(path: &Path, samples: &[i16]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    let floats = samples.iter().map(|&s| f32::from(s) / 32768.0);
    wav::write_mono_i16(&mut io::BufWriter::new(file.as_file_mut()), RATE, samples.len(), floats)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_engine_voice_and_text() {
        let [a, b] = [ENGINES[0], ENGINES[1]];
        assert_ne!(key(&a, "Hold."), key(&Engine { voice: "other", ..a }, "Hold."));
        assert_ne!(key(&a, "Hold."), key(&b, "Hold."));
        assert_ne!(key(&a, "Hold."), key(&a, "Hold"));
        assert_eq!(key(&a, "Hold."), key(&a, "Hold."));
    }

    #[test]
    fn resampling_keeps_duration_and_every_original_sample() {
        let ramp: Vec<f32> = (0..160).map(|i| i as f32 / 160.0).collect();
        let up = resample(&ramp, 16_000);
        assert_eq!(up.len(), 480);
        for k in [0, 1, 80, 159] {
            assert!((up[3 * k] - ramp[k]).abs() < 1e-6, "sample {k}");
        }
    }

    #[test]
    fn resampling_draws_a_tone_between_its_samples() {
        let tone =
            |rate: f64, n: usize| (0..n).map(move |i| (i as f64 * 2.0 * std::f64::consts::PI * 1000.0 / rate).sin());
        let up = resample(&tone(24_000.0, 2400).map(|s| s as f32).collect::<Vec<_>>(), 24_000);
        // Away from the ends, where the kernel runs out of samples.
        let worst = up.iter().zip(tone(48_000.0, 4800)).skip(100).take(4600).map(|(&a, b)| (f64::from(a) - b).abs());
        assert!(worst.fold(0.0, f64::max) < 1e-3);
        // A linear blend misses by nearly one percent between samples here.
    }

    #[test]
    fn shaped_speech_is_trimmed_levelled_and_faded() {
        let tone: Vec<f32> = (0..48_000).map(|i| 0.5 * (i as f32 * 0.13).sin()).collect();
        let mut padded = vec![0.0; 4800];
        padded.extend(&tone);
        padded.extend(vec![0.0; 4800]);
        let out = shape(&padded);
        assert!(out.len() <= tone.len() && out.len() > tone.len() - 10);
        assert!((loudness::integrated(&out) - loudness::TARGET_LUFS).abs() < 0.5);
        assert!(out[0].abs() < 0.01 && out[out.len() - 1].abs() < 0.01, "faded at both ends");
    }

    #[test]
    fn a_cached_clip_is_used_without_running_any_engine() {
        let dir = tempfile::tempdir().unwrap();
        let speaker = Speaker::new(Some(dir.path()), None);
        let samples: Vec<i16> = (1..=4800).map(|i| (i % 100) as i16 + 1).collect();
        let path = dir.path().join("voice").join(format!("{:016x}.wav", key(&ENGINES[0], "Own words")));
        store(&path, &samples).unwrap();
        assert_eq!(speaker.by(&ENGINES[0], "Own words").unwrap().samples(), samples);
        assert_eq!(speaker.by(&ENGINES[1], "Own words").unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn an_empty_cached_clip_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let speaker = Speaker::new(Some(dir.path()), None);
        let path = dir.path().join("voice").join(format!("{:016x}.wav", key(&ENGINES[0], "Own words")));
        store(&path, &[]).unwrap();
        // Passed over, as if nothing were cached: the engine would speak it again.
        assert_eq!(speaker.by(&ENGINES[0], "Own words").unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    /// An executable shell script `program` in `dir` with `body`.
    fn script(dir: &Path, program: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(program);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_hung_engine_is_stopped_at_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let program = script(dir.path(), "hibari", "exec sleep 60");
        let started = Instant::now();
        let err = synthesise(&ENGINES[0], &program, "Own words", Duration::from_millis(200)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        // Generous: only waiting for the engine's own end would take this long.
        assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    }

    #[test]
    fn a_failing_engine_is_run_once_and_its_failure_told_for_every_phrase() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        script(
            dir.path(),
            "hibari",
            &format!("echo run >> '{}'\necho 'model failed to load' >&2\nexit 3", runs.display()),
        );
        let speaker = Speaker::new(None, Some(dir.path().as_os_str()));
        for text in ["First words", "Other words"] {
            match speaker.say(text) {
                Err(Unspoken::Failed(why)) => {
                    assert!(why.starts_with("hibari: ") && why.ends_with("model failed to load"))
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(std::fs::read_to_string(&runs).unwrap(), "run\n");
    }

    #[test]
    fn a_failing_engine_gives_way_to_the_next_and_is_named() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "hibari", "echo 'model failed to load' >&2\nexit 3");
        let said = dir.path().join("said.wav");
        store(&said, &[0, 8000, -8000, 4000]).unwrap();
        // flite's `-o` is its sixth argument.
        script(dir.path(), "flite", &format!("cp '{}' \"$6\"", said.display()));
        let speaker = Speaker::new(None, Some(dir.path().as_os_str()));
        for text in ["First words", "Other words"] {
            let spoken = speaker.say(text).unwrap();
            assert_eq!(spoken.other_voice, Some("flite"));
            assert!(spoken.passed_over.unwrap().ends_with("model failed to load"));
            assert!(!spoken.clip.is_empty());
        }
    }

    #[test]
    fn engines_are_found_on_the_search_path_in_order_of_preference() {
        use std::os::unix::fs::PermissionsExt;
        let [first, second] = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let install = |dir: &Path, program: &str, mode: u32| {
            let path = dir.join(program);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        let path = std::env::join_paths([first.path(), second.path()]).unwrap();
        assert!(engine(Some(&path)).is_none());
        assert!(engine(None).is_none());
        install(second.path(), "espeak-ng", 0o755);
        install(first.path(), "hibari", 0o644);
        let (found, at) = engine(Some(&path)).unwrap();
        assert_eq!((found.program, at), ("espeak-ng", second.path().join("espeak-ng")), "not executable: passed over");
        assert!(!matches_recordings(&found));
        install(second.path(), "hibari", 0o755);
        let (found, _) = engine(Some(&path)).unwrap();
        assert_eq!((found.program, found.voice), ("hibari", "heart"));
        assert!(matches_recordings(&found));
    }
}
