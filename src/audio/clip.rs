//! A clip: the sound one cue plays, from its first sounding sample to its
//! last, so that a cue starts on its planned sample and the device closes on
//! the last sound.
//!
//! The embedded clips stay FLAC in the binary and are decoded as they play, a
//! frame (about 85 ms) at a time: held decoded, the default routine's words
//! alone took 1.5 MB, more than the rest of a session's memory. Words a
//! speech engine says for a user's routine are held as samples.

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use claxon::frame::FrameReader;

use super::sounds::RATE;

/// A cue's sound: 16-bit mono samples at [`RATE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clip {
    /// The frames of an embedded FLAC file, of which samples
    /// `skip..skip + len` are the sound.
    Flac { frames: &'static [u8], skip: usize, len: usize },
    /// Samples held in memory.
    Pcm(Arc<[i16]>),
}

impl Clip {
    /// The sounding part of `samples`.
    pub(crate) fn from_samples(samples: &[i16]) -> Clip {
        let (skip, len) = sounding(samples.iter().copied());
        Clip::Pcm(Arc::from(&samples[skip..skip + len]))
    }

    /// The sounding part of a FLAC file, which must be 16-bit mono at
    /// [`RATE`]; decoded once here, to find where it sounds and to prove that
    /// it decodes.
    pub(crate) fn from_flac(bytes: &'static [u8]) -> Result<Clip, String> {
        let info = claxon::FlacReader::new(bytes).map_err(|e| e.to_string())?.streaminfo();
        if (info.channels, info.bits_per_sample, info.sample_rate) != (1, 16, RATE) {
            return Err(format!(
                "{} channels of {} bits at {} Hz, not 16-bit mono at {RATE} Hz",
                info.channels, info.bits_per_sample, info.sample_rate
            ));
        }
        let frames = frames_of(bytes).ok_or("the metadata runs past the end")?;
        let mut decoder = Decoder::new(frames);
        let (skip, len) = sounding(decoder.by_ref());
        match decoder.failed {
            Some(why) => Err(why),
            None => Ok(Clip::Flac { frames, skip, len }),
        }
    }

    /// The number of samples.
    pub(crate) fn len(&self) -> usize {
        match self {
            Clip::Flac { len, .. } => *len,
            Clip::Pcm(pcm) => pcm.len(),
        }
    }

    /// Whether it is silent throughout.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How long it sounds.
    pub(crate) fn length(&self) -> Duration {
        Duration::from_nanos(self.len() as u64 * 1_000_000_000 / u64::from(RATE))
    }

    /// Its samples from sample `k` on.
    pub(crate) fn read_from(&self, k: usize) -> Reader {
        let left = self.len().saturating_sub(k);
        match self {
            Clip::Flac { frames, skip, .. } => {
                let mut decoder = Decoder::new(frames);
                decoder.pass(skip + k);
                Reader { from: From::Flac(decoder), left }
            }
            Clip::Pcm(pcm) => Reader { from: From::Pcm(pcm.clone(), k), left },
        }
    }

    /// All its samples.
    #[cfg(test)]
    pub(crate) fn samples(&self) -> Vec<i16> {
        self.read_from(0).collect()
    }
}

/// Where the first sound is and how long the sound lasts, in samples: from
/// the first sample that is not zero to the last.
fn sounding(samples: impl Iterator<Item = i16>) -> (usize, usize) {
    let (mut first, mut last) = (None, 0);
    for (i, _) in samples.enumerate().filter(|&(_, s)| s != 0) {
        first.get_or_insert(i);
        last = i;
    }
    first.map_or((0, 0), |first| (first, last + 1 - first))
}

/// The frames of a FLAC file: what follows its `fLaC` marker and its
/// metadata blocks (each a 4-byte header, the last flagged in its top bit,
/// with a 24-bit length).
fn frames_of(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = 4;
    loop {
        let header = bytes.get(at..at + 4)?;
        at += 4 + u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
        if header[0] & 0x80 != 0 {
            return bytes.get(at..);
        }
    }
}

/// A clip being played: the samples left of it, from wherever it started.
pub(crate) struct Reader {
    from: From,
    left: usize,
}

enum From {
    Flac(Decoder),
    Pcm(Arc<[i16]>, usize),
}

impl Iterator for Reader {
    type Item = i16;

    fn next(&mut self) -> Option<i16> {
        self.left = self.left.checked_sub(1)?;
        match &mut self.from {
            From::Flac(decoder) => decoder.next(),
            From::Pcm(pcm, at) => {
                *at += 1;
                pcm.get(*at - 1).copied()
            }
        }
    }
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("left", &self.left).finish_non_exhaustive()
    }
}

/// Decodes FLAC frames one at a time, holding only the current one.
struct Decoder {
    frames: FrameReader<Cursor<&'static [u8]>>,
    /// The current frame's samples, and the next one to give.
    block: Vec<i32>,
    at: usize,
    /// Why decoding stopped early, if it did.
    failed: Option<String>,
}

impl Decoder {
    fn new(frames: &'static [u8]) -> Self {
        Decoder { frames: FrameReader::new(Cursor::new(frames)), block: Vec::new(), at: 0, failed: None }
    }

    /// Decodes the next frame; false at the end.
    fn advance(&mut self) -> bool {
        match self.frames.read_next_or_eof(std::mem::take(&mut self.block)) {
            Ok(Some(block)) if block.channels() == 1 => {
                self.block = block.into_buffer();
                self.at = 0;
                true
            }
            Ok(Some(block)) => {
                self.failed = Some(format!("a frame of {} channels", block.channels()));
                false
            }
            Ok(None) => false,
            Err(e) => {
                self.failed = Some(e.to_string());
                false
            }
        }
    }

    /// Passes over `n` samples, a whole frame at a time where it can.
    fn pass(&mut self, mut n: usize) {
        while n >= self.block.len() - self.at {
            n -= self.block.len() - self.at;
            if !self.advance() {
                return;
            }
        }
        self.at += n;
    }
}

impl Iterator for Decoder {
    type Item = i16;

    fn next(&mut self) -> Option<i16> {
        while self.at == self.block.len() {
            if !self.advance() {
                return None;
            }
        }
        self.at += 1;
        // The stream info says 16 bits, so every sample fits.
        Some(self.block[self.at - 1].clamp(i16::MIN.into(), i16::MAX.into()) as i16)
    }
}

/// Every sample of a FLAC file's frames, silence included.
#[cfg(test)]
pub(crate) fn decode_all(bytes: &'static [u8]) -> Vec<i16> {
    Decoder::new(frames_of(bytes).unwrap()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_is_cut_to_its_sound() {
        assert_eq!(Clip::from_samples(&[0, 0, 3, 0, -2, 0, 0]).samples(), [3, 0, -2]);
        assert!(Clip::from_samples(&[0, 0]).is_empty());
        assert!(Clip::from_samples(&[]).is_empty());
    }

    #[test]
    fn a_clip_read_from_any_sample_matches_it_read_whole() {
        let bytes = include_bytes!("../../sounds/voice/rest-and-switch.flac");
        let clip = Clip::from_flac(bytes).unwrap();
        let whole = clip.samples();
        assert_eq!(whole.len(), clip.len());
        // Across frame boundaries (4096 samples), at the last sample, past the end.
        for k in [0, 1, 4095, 4096, 4097, 10_000, clip.len() - 1, clip.len(), clip.len() + 5] {
            let rest: Vec<i16> = clip.read_from(k).collect();
            assert_eq!(rest, whole[k.min(whole.len())..], "from {k}");
        }
        let pcm = Clip::from_samples(&whole);
        assert_eq!(pcm.read_from(3).collect::<Vec<_>>(), whole[3..]);
    }

    #[test]
    fn a_flac_clip_is_the_sounding_part_of_the_file() {
        let bytes = include_bytes!("../../sounds/chime/hold.flac");
        let raw = decode_all(bytes);
        let clip = Clip::from_flac(bytes).unwrap();
        let skip = raw.iter().position(|&s| s != 0).unwrap();
        assert_eq!(clip, Clip::Flac { frames: frames_of(bytes).unwrap(), skip, len: clip.len() });
        assert_eq!(Clip::from_samples(&raw).samples(), clip.samples());
    }

    #[test]
    fn a_file_that_is_not_16_bit_mono_at_the_rate_or_is_cut_short_is_refused() {
        assert!(Clip::from_flac(b"fLaC").is_err());
        assert!(Clip::from_flac(b"RIFF....WAVE").is_err());
        let bytes: &'static [u8] = include_bytes!("../../sounds/chime/tick.flac");
        let cut: &'static [u8] = Box::leak(bytes[..bytes.len() - 100].to_vec().into_boxed_slice());
        assert!(Clip::from_flac(cut).is_err(), "a torn last frame is an error");
    }
}
