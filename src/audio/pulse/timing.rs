//! Where the track is on the stream, and when it was last heard: the
//! arithmetic between the server's read index, the instant a frame was
//! heard, and the frames still to come.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pulseaudio::protocol::PlaybackLatency;
use pulseaudio::{Client, PlaybackStream};

use crate::audio::quiet::Rest;
use crate::audio::sounds::RATE;

use super::*;

/// Where the track is on the stream, and when it was last heard.
pub(super) struct Timing {
    /// The connection: a new one replaces it when the server has gone.
    pub(super) client: Client,
    /// The sink played on: the default one once a named one has gone.
    pub(super) sink: CString,
    /// The stream, while there is one: a rest closes it.
    pub(super) stream: Option<PlaybackStream>,
    /// The stream's byte index at which frame `base_frame` of the track sits.
    pub(super) base_read: i64,
    pub(super) base_frame: u64,
    /// An instant at which a frame was heard: the clock every later frame is
    /// timed by. `None` while paused.
    pub(super) anchor: Option<(Instant, f64)>,
    /// The rest the stream is closed through, if it is.
    pub(super) resting: Option<Rest>,
    /// Rests before this frame are passed over (the track has been moved past
    /// them, or has just woken from one).
    pub(super) passed: u64,
    /// The longest start so far, from opening or uncorking the stream to its
    /// first frame heard: how early a rest ends.
    pub(super) slowest: Duration,
    /// The last start's length, of those that were neither the first nor held
    /// up: how far ahead of the clock a woken stream starts on the track.
    pub(super) last: Duration,
    /// When the timekeeper next compares the two clocks.
    pub(super) check: Instant,
    /// The frames at which the sound was lost and, if it was, heard again.
    pub(super) outages: Vec<(u64, Option<u64>)>,
}

impl Timing {
    /// The frame of the track being heard when `info` was taken.
    pub(super) fn heard(&self, info: &PlaybackLatency) -> f64 {
        let read = (info.read_offset - self.base_read) as f64 / FRAME as f64;
        let queued_in_sink = info.sink_usec as f64 * f64::from(RATE) / 1e6;
        self.base_frame as f64 + read - queued_in_sink
    }

    /// The instant frame `frame` is heard, by the anchor's clock.
    pub(super) fn instant_of(&self, frame: f64) -> Option<Instant> {
        let (at, heard) = self.anchor?;
        let ahead = frame - heard;
        if ahead >= 0.0 { Some(at + frames_to_duration(ahead)) } else { at.checked_sub(frames_to_duration(-ahead)) }
    }

    /// When to start the stream for `rest.wake` to be heard on time, `lead`
    /// before it by the anchor's clock (`now` without an anchor).
    pub(super) fn wake_due(&self, rest: Rest, lead: Duration, now: Instant) -> Instant {
        self.instant_of(rest.wake as f64).map_or(now, |at| at.checked_sub(lead).unwrap_or(at))
    }

    /// The frame heard at `now`, by the anchor's clock.
    pub(super) fn frame_at(&self, now: Instant) -> Option<f64> {
        let (at, heard) = self.anchor?;
        Some(heard + now.saturating_duration_since(at).as_secs_f64() * f64::from(RATE))
    }
}
