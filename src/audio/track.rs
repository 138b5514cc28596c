//! The cue track: the timeline rendered as one buffer of samples, each cue
//! mixed in at its exact sample offset. It is queued once, so cue spacing is
//! decided here, by arithmetic, and never by when a thread wakes.

use std::collections::HashMap;
use std::time::Duration;

use crate::timeline::Timeline;

use super::sounds::{self, RATE, SoundSet};

/// The routine's whole guided track: mono, at [`RATE`].
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// The samples, in `[-1, 1]`.
    pub samples: Vec<f32>,
    /// Where each sounding cue starts, in samples, in timeline order.
    pub onsets: Vec<usize>,
}

/// The volume a person asked for (0-100) as a linear gain. Loudness is
/// perceived roughly logarithmically, so the scale is squared: 50 is a quarter
/// of full scale, gentle enough for a bedroom at night.
pub fn gain(volume: u8) -> f32 {
    let v = f32::from(volume.min(100)) / 100.0;
    v * v
}

/// The sample at which an offset falls (rounded down: a cue never starts early).
pub fn sample_at(offset: Duration) -> usize {
    (offset.as_nanos() * u128::from(RATE) / 1_000_000_000) as usize
}

/// Renders the timeline's cues with `set` at `volume`. The track is exactly as
/// long as the timeline; a sound that would run past the end is cut there.
pub fn render(timeline: &Timeline, set: SoundSet, volume: u8) -> Track {
    let mut samples = vec![0.0f32; sample_at(timeline.length())];
    let mut onsets = Vec::new();
    let mut decoded: HashMap<*const u8, Vec<f32>> = HashMap::new();
    let gain = gain(volume);
    for cue in &timeline.cues {
        let Some(bytes) = sounds::clip(set, &cue.sound) else { continue };
        let clip = decoded.entry(bytes.as_ptr()).or_insert_with(|| sounds::decode(bytes));
        let start = sample_at(cue.at);
        if start >= samples.len() {
            continue;
        }
        onsets.push(start);
        for (out, s) in samples[start..].iter_mut().zip(clip.iter()) {
            *out = (*out + s * gain).clamp(-1.0, 1.0);
        }
    }
    Track { samples, onsets }
}

impl Track {
    /// The track's length in time.
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.samples.len() as u64 * 1_000_000_000 / u64::from(RATE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{catalog, timeline};

    fn wall_calf() -> Timeline {
        timeline::build(&catalog::resolve("wall-calf", None).unwrap().0)
    }

    #[test]
    fn the_track_is_exactly_as_long_as_the_timeline() {
        let t = wall_calf();
        let track = render(&t, SoundSet::Voice, 50);
        assert_eq!(track.samples.len(), 58 * 48_000);
        assert_eq!(track.duration(), t.length());
    }

    #[test]
    fn each_cue_starts_at_its_planned_sample() {
        let t = wall_calf();
        for set in [SoundSet::Voice, SoundSet::Chime] {
            let track = render(&t, set, 100);
            let planned: Vec<usize> = t.cues.iter().map(|c| sample_at(c.at)).collect();
            assert_eq!(track.onsets, planned);
            for &onset in &track.onsets {
                assert_ne!(track.samples[onset], 0.0, "sound begins on its first sample");
                if onset > 0 {
                    assert_eq!(track.samples[onset - 1], 0.0, "silence before the cue at {onset}");
                }
            }
        }
    }

    #[test]
    fn volume_scales_and_off_is_silent() {
        let t = wall_calf();
        let peak = |v| render(&t, SoundSet::Chime, v).samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((peak(50) / peak(100) - 0.25).abs() < 0.01);
        assert_eq!(peak(0), 0.0);
        assert!(render(&t, SoundSet::Off, 100).samples.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn sample_offsets_are_exact_for_millisecond_plans() {
        assert_eq!(sample_at(Duration::from_millis(1)), 48);
        assert_eq!(sample_at(Duration::from_secs(10)), 480_000);
    }
}
