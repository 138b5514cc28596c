//! The cue track: the timeline rendered as one stream of samples, each cue
//! mixed in at its exact sample offset. It is queued once, so cue spacing is
//! decided here, by arithmetic, and never by when a thread wakes.
//!
//! Samples are mixed as they are pulled, each clip decoded as it sounds, so
//! a long routine costs no more memory than a short one.

use std::num::NonZero;
use std::time::Duration;

use rodio::source::SeekError;

use crate::routine::timeline::Timeline;

use crate::env::Env;

use super::clip::{Clip, Reader};
use super::sounds::{self, Cast, RATE, SoundSet};
use super::speech::Speaker;

/// A clip placed on the track.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placed {
    /// The sample at which it starts.
    onset: usize,
    clip: Clip,
}

impl Placed {
    /// The sample after its last.
    fn end(&self) -> usize {
        self.onset + self.clip.len()
    }
}

/// The routine's whole guided track: mono, at [`RATE`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Track {
    cues: Vec<Placed>,
    len: usize,
    gain: f32,
}

/// The volume a person asked for (0-100) as a linear gain. Every clip is
/// mastered at -23 LUFS, a broadcast level that is already moderate, so 100
/// plays them as they are and the default 40 (-8 dB, about -31 LUFS) is a
/// quiet voice in a bedroom at night.
pub(crate) fn gain(volume: u8) -> f32 {
    f32::from(volume.min(100)) / 100.0
}

/// The sample at which an offset falls (rounded down: a cue never starts early).
pub(crate) fn sample_at(offset: Duration) -> usize {
    (offset.as_nanos() * u128::from(RATE) / 1_000_000_000) as usize
}

/// Places the timeline's cues, each with the clip `cast` chose for it, at
/// `volume`. The track is exactly as long as the timeline; a sound that would
/// run past the end is cut there.
pub(crate) fn render(timeline: &Timeline, cast: &Cast, volume: u8) -> Track {
    let len = sample_at(timeline.length());
    let cues = timeline
        .cues
        .iter()
        .zip(&cast.clips)
        .filter_map(|(cue, clip)| Some(Placed { onset: sample_at(cue.at), clip: clip.clone()? }))
        .filter(|p| p.onset < len && !p.clip.is_empty())
        .collect();
    Track { cues, len, gain: gain(volume) }
}

/// The track a session or an export plays: every cue cast (the routine's own
/// words spoken by an installed engine, cached under the user's cache
/// directory), with a line on stderr for each phrase that gave way to a chime.
pub(crate) fn for_routine(timeline: &Timeline, set: SoundSet, volume: u8, env: &Env) -> Track {
    let cast = sounds::cast(timeline, set, &Speaker::new(env.cache_dir.as_deref(), env.search_path.as_deref()));
    cast.tell();
    render(timeline, &cast, volume)
}

impl Track {
    /// The number of samples.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The track's length in time.
    pub(crate) fn duration(&self) -> Duration {
        Duration::from_nanos(self.len as u64 * 1_000_000_000 / u64::from(RATE))
    }

    /// When its last sound ends: the track is silent from there on.
    pub(crate) fn sounding_until(&self) -> Duration {
        let end = self.sounds().last().map_or(0, |s| s.end);
        // Rounded up, so it names the sample after the last sound exactly.
        Duration::from_nanos((end as u64 * 1_000_000_000).div_ceil(u64::from(RATE)))
    }

    /// The stretches of sound, in samples (`start..end`), in order, touching
    /// or overlapping cues merged: the track is silent everywhere else.
    pub(crate) fn sounds(&self) -> Vec<std::ops::Range<usize>> {
        let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
        for cue in &self.cues {
            let (start, end) = (cue.onset, cue.end().min(self.len));
            match spans.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => spans.push(start..end),
            }
        }
        spans
    }

    /// Where each sounding cue starts, in samples, in timeline order.
    pub(crate) fn onsets(&self) -> Vec<usize> {
        self.cues.iter().map(|c| c.onset).collect()
    }

    /// Plays the track from its first sample.
    pub(crate) fn play(self) -> Playhead {
        Playhead { track: self, pos: 0, next: 0, active: Vec::new() }
    }
}

/// A position on a track, yielding its samples: the rodio source that plays
/// it, and the iterator that exports it.
#[derive(Debug)]
pub(crate) struct Playhead {
    track: Track,
    pos: usize,
    /// The first cue that has not started yet.
    next: usize,
    /// The clips sounding at `pos`.
    active: Vec<Reader>,
}

impl Playhead {
    /// The track it plays.
    pub(crate) fn track(&self) -> &Track {
        &self.track
    }

    /// Moves to sample `pos`, picking up the cues that sound there.
    fn seek_to(&mut self, pos: usize) {
        self.pos = pos.min(self.track.len);
        self.next = self.track.cues.partition_point(|c| c.onset <= self.pos);
        let pos = self.pos;
        self.active = self.track.cues[..self.next]
            .iter()
            .filter(|c| pos < c.end())
            .map(|c| c.clip.read_from(pos - c.onset))
            .collect();
    }
}

/// A copy at the same position, its clips read afresh from there.
impl Clone for Playhead {
    fn clone(&self) -> Self {
        let mut head = self.track.clone().play();
        head.seek_to(self.pos);
        head
    }
}

impl Iterator for Playhead {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.pos >= self.track.len {
            return None;
        }
        let cues = &self.track.cues;
        while self.next < cues.len() && cues[self.next].onset <= self.pos {
            self.active.push(cues[self.next].clip.read_from(0));
            self.next += 1;
        }
        let mut sum = 0.0;
        self.active.retain_mut(|clip| match clip.next() {
            Some(s) => {
                sum += f32::from(s) / 32768.0;
                true
            }
            None => false,
        });
        self.pos += 1;
        Some((sum * self.track.gain).clamp(-1.0, 1.0))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.track.len - self.pos;
        (left, Some(left))
    }
}

impl rodio::Source for Playhead {
    fn current_span_len(&self) -> Option<usize> {
        Some(self.track.len - self.pos)
    }

    fn channels(&self) -> rodio::ChannelCount {
        NonZero::<u16>::MIN
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        NonZero::new(RATE).expect("RATE is not zero")
    }

    fn total_duration(&self) -> Option<Duration> {
        Some(self.track.duration())
    }

    fn try_seek(&mut self, pos: Duration) -> Result<(), SeekError> {
        self.seek_to(sample_at(pos));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::speech::Mute;
    use crate::routine::catalog;
    use crate::routine::timeline;

    fn render(timeline: &Timeline, set: SoundSet, volume: u8) -> Track {
        super::render(timeline, &sounds::cast(timeline, set, &Mute), volume)
    }

    fn wall_calf() -> Timeline {
        timeline::build(&catalog::resolve("wall-calf", None).unwrap().0)
    }

    fn samples(track: &Track) -> Vec<f32> {
        track.clone().play().collect()
    }

    #[test]
    fn the_track_is_exactly_as_long_as_the_timeline() {
        let t = wall_calf();
        let track = render(&t, SoundSet::Voice, 50);
        assert_eq!(track.len(), 60 * 48_000);
        assert_eq!(samples(&track).len(), track.len());
        assert_eq!(track.duration(), t.length());
    }

    #[test]
    fn each_cue_starts_at_its_planned_sample() {
        let t = wall_calf();
        for set in [SoundSet::Voice, SoundSet::Chime] {
            let track = render(&t, set, 100);
            let planned: Vec<usize> = t.cues.iter().map(|c| sample_at(c.at)).collect();
            assert_eq!(track.onsets(), planned);
            let all = samples(&track);
            for onset in track.onsets() {
                assert_ne!(all[onset], 0.0, "sound begins on its first sample");
                if onset > 0 {
                    assert_eq!(all[onset - 1], 0.0, "silence before the cue at {onset}");
                }
            }
        }
    }

    #[test]
    fn the_track_sounds_exactly_in_its_sounding_spans() {
        let t = wall_calf();
        for set in [SoundSet::Voice, SoundSet::Chime] {
            let track = render(&t, set, 100);
            let spans = track.sounds();
            let all = samples(&track);
            let inside = |i: usize| spans.iter().any(|s| s.contains(&i));
            assert!(all.iter().enumerate().all(|(i, &x)| x == 0.0 || inside(i)), "no sound outside a span");
            for s in &spans {
                assert_ne!(all[s.start], 0.0);
                assert_ne!(all[s.end - 1], 0.0);
            }
            assert!(spans.windows(2).all(|w| w[0].end < w[1].start), "in order, apart");
            assert_eq!(spans.last().map(|s| s.end), Some(sample_at(track.sounding_until())));
        }
    }

    #[test]
    fn a_cue_is_its_clip_scaled_by_the_gain() {
        let t = wall_calf();
        let track = render(&t, SoundSet::Chime, 50);
        let hold = track.cues[1].clone();
        let pcm = hold.clip.samples();
        let all = samples(&track);
        for k in [0, 1, 100, pcm.len() - 1] {
            assert_eq!(all[hold.onset + k], f32::from(pcm[k]) / 32768.0 * 0.5);
        }
    }

    #[test]
    fn seeking_lands_mid_cue_exactly() {
        let track = render(&wall_calf(), SoundSet::Voice, 100);
        let all = samples(&track);
        for to in [0, 1, 15 * 48_000 + 7, 30 * 48_000, track.len() - 1] {
            let mut head = track.clone().play();
            head.seek_to(to);
            let copy = head.clone();
            let rest: Vec<f32> = head.collect();
            assert_eq!(rest, all[to..], "from {to}");
            assert_eq!(copy.collect::<Vec<f32>>(), rest, "a copy plays on from where it was");
        }
    }

    #[test]
    fn volume_scales_and_off_is_silent() {
        let t = wall_calf();
        let peak = |v| samples(&render(&t, SoundSet::Chime, v)).iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((peak(50) / peak(100) - 0.5).abs() < 0.01);
        assert_eq!(peak(0), 0.0);
        assert!(samples(&render(&t, SoundSet::Off, 100)).iter().all(|&s| s == 0.0));
    }

    #[test]
    fn sample_offsets_are_exact_for_millisecond_plans() {
        assert_eq!(sample_at(Duration::from_millis(1)), 48);
        assert_eq!(sample_at(Duration::from_secs(10)), 480_000);
    }
}
