//! Speech made at run time, for a user routine's own words, which no
//! recording covers. The engine runs as a separate program (so no GPL code is
//! linked in), its output is brought to the embedded clips' rate and level,
//! and the result is cached, keyed by engine, voice and text, so each phrase
//! is synthesised once.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::clip::Clip;
use super::loudness;
use super::sounds::RATE;
use super::wav;

/// Why words could not be spoken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unspoken {
    /// No speech engine is installed.
    NoEngine,
    /// An engine is installed but failed; says how.
    Failed(String),
}

/// Something that turns words into a clip.
pub(crate) trait Speak {
    /// The words as a clip at the embedded clips' rate and level.
    fn say(&self, text: &str) -> Result<Clip, Unspoken>;
}

/// Speaks nothing: for callers with no words of their own to say.
#[cfg(test)]
pub(crate) struct Mute;

#[cfg(test)]
impl Speak for Mute {
    fn say(&self, _: &str) -> Result<Clip, Unspoken> {
        Err(Unspoken::NoEngine)
    }
}

/// A speech program and the voice it speaks with.
#[derive(Debug, Clone, Copy)]
struct Engine {
    program: &'static str,
    voice: &'static str,
    /// The arguments that read the text from `text` and write a WAV to `out`.
    args: fn(voice: &str, text: &Path, out: &Path) -> Vec<String>,
}

/// The engines tried in turn: the one that made the built-in set first, so
/// the routine's own words sound like the rest, then the common fallbacks.
const ENGINES: &[Engine] = &[
    Engine { program: "flite", voice: "kal16", args: flite },
    Engine { program: "espeak-ng", voice: "en-gb+f3", args: espeak },
];

fn flite(voice: &str, text: &Path, out: &Path) -> Vec<String> {
    ["-voice", voice, "-f", &text.to_string_lossy(), "-o", &out.to_string_lossy()].map(String::from).to_vec()
}

fn espeak(voice: &str, text: &Path, out: &Path) -> Vec<String> {
    ["-v", voice, "-s", "135", "-f", &text.to_string_lossy(), "-w", &out.to_string_lossy()].map(String::from).to_vec()
}

/// The installed speech engines, with a cache of what they said.
#[derive(Debug, Clone)]
pub(crate) struct Speaker {
    /// Where clips are kept (`<cache>/voice`); `None` keeps nothing.
    cache: Option<PathBuf>,
}

impl Speaker {
    /// A speaker that caches under `cache_dir` (the user's cache directory
    /// for stretch), or nowhere.
    pub(crate) fn new(cache_dir: Option<&Path>) -> Self {
        Speaker { cache: cache_dir.map(|d| d.join("voice")) }
    }

    /// The clip for `text` by `engine`: from the cache, else synthesised and cached.
    fn by(&self, engine: &Engine, text: &str) -> io::Result<Clip> {
        let cached = self.cache.as_ref().map(|dir| dir.join(format!("{:016x}.wav", key(engine, text))));
        if let Some(bytes) = cached.as_ref().and_then(|path| crate::files::read_bytes(path, MAX_CLIP).ok())
            && let Ok((RATE, pcm)) = wav::pcm_mono_i16(&bytes)
        {
            return Ok(Clip::from_samples(&wav::samples_i16(pcm)));
        }
        let samples = synthesise(engine, text)?;
        if let Some(path) = &cached {
            // A cache that cannot be written only costs time on the next run.
            let _ = store(path, &samples);
        }
        Ok(Clip::from_samples(&samples))
    }
}

impl Speak for Speaker {
    fn say(&self, text: &str) -> Result<Clip, Unspoken> {
        for engine in ENGINES {
            match self.by(engine, text) {
                Ok(clip) if !clip.is_empty() => return Ok(clip),
                Ok(_) => return Err(Unspoken::Failed(format!("{} made no sound", engine.program))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Unspoken::Failed(format!("{}: {e}", engine.program))),
            }
        }
        Err(Unspoken::NoEngine)
    }
}

/// The largest cached clip read: minutes of speech, far beyond any cue.
const MAX_CLIP: u64 = 16 * 1024 * 1024;

/// A stable name for engine + voice + text (64-bit FNV-1a; the standard
/// library's hasher may change between releases, which would orphan the cache).
fn key(engine: &Engine, text: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for part in ["v1", engine.program, engine.voice, text] {
        for &b in part.as_bytes().iter().chain(&[0]) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Runs the engine and shapes its output like the embedded clips.
fn synthesise(engine: &Engine, text: &str) -> io::Result<Vec<i16>> {
    let dir = tempfile::tempdir()?;
    let (input, output) = (dir.path().join("text.txt"), dir.path().join("speech.wav"));
    std::fs::write(&input, text)?;
    let done = Command::new(engine.program)
        .args((engine.args)(engine.voice, &input, &output))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    if !done.status.success() {
        let why = String::from_utf8_lossy(&done.stderr);
        return Err(io::Error::other(format!("{}: {}", done.status, why.lines().next().unwrap_or("no message"))));
    }
    let bytes = crate::files::read_bytes(&output, MAX_CLIP)?;
    let (rate, pcm) = wav::pcm_mono_i16(&bytes).map_err(io::Error::other)?;
    let samples: Vec<f32> = wav::samples_i16(pcm).iter().map(|&s| f32::from(s) / 32768.0).collect();
    Ok(shape(&resample(&samples, rate)).into_iter().map(wav::to_i16).collect())
}

/// Linear interpolation to [`RATE`]: plain, but speech engines' rates are low
/// and their output has little above 8 kHz to alias.
fn resample(samples: &[f32], rate: u32) -> Vec<f32> {
    if rate == RATE || samples.is_empty() {
        return samples.to_vec();
    }
    let len = samples.len() as u64 * u64::from(RATE) / u64::from(rate);
    (0..len)
        .map(|n| {
            let x = n as f64 * f64::from(rate) / f64::from(RATE);
            let (i, frac) = (x as usize, (x.fract()) as f32);
            let next = samples.get(i + 1).copied().unwrap_or(0.0);
            samples[i] * (1.0 - frac) + next * frac
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
        assert_ne!(key(&a, "Hold."), key(&b, "Hold."));
        assert_ne!(key(&a, "Hold."), key(&a, "Hold"));
        assert_eq!(key(&a, "Hold."), key(&a, "Hold."));
    }

    #[test]
    fn resampling_keeps_duration_and_shape() {
        let ramp: Vec<f32> = (0..160).map(|i| i as f32 / 160.0).collect();
        let up = resample(&ramp, 16_000);
        assert_eq!(up.len(), 480);
        assert_eq!(up[3], ramp[1]);
        assert!((up[4] - (ramp[1] + (ramp[2] - ramp[1]) / 3.0)).abs() < 1e-6);
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
        let speaker = Speaker::new(Some(dir.path()));
        let samples: Vec<i16> = (1..=4800).map(|i| (i % 100) as i16 + 1).collect();
        let path = dir.path().join("voice").join(format!("{:016x}.wav", key(&ENGINES[0], "Own words")));
        store(&path, &samples).unwrap();
        assert_eq!(speaker.by(&ENGINES[0], "Own words").unwrap().samples(), samples);
    }
}
