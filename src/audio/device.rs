//! The output device: the sound server's stream by default, or ALSA directly
//! (the `alsa` feature) on a machine with no sound server.

use std::time::Duration;

#[cfg(feature = "alsa")]
use super::alsa_device;
use super::pulse;
use super::track::Playhead;
use crate::clock::Origin;
use crate::env::SoundServer;

/// A track playing on a device.
pub(crate) enum Playback {
    /// Through PulseAudio or PipeWire, which say when each sample is heard.
    Server(pulse::Stream),
    /// Straight to ALSA, timed by the system clock.
    #[cfg(feature = "alsa")]
    Alsa(alsa_device::Playback),
}

/// Joins the sound server's reason to ALSA's in a failure message, so a
/// caller that explains the server itself can keep ALSA's part alone.
pub(crate) const ALSA_PART: &str = "; ALSA: ";

/// Starts `track` on `device` (the default output if `None`) and returns once
/// its first sample is heard, with `origin` set to that instant. On failure,
/// says why, and how to get sound, in a few words.
pub(crate) fn play(
    track: Playhead,
    device: Option<&str>,
    origin: &Origin,
    server: &SoundServer,
) -> Result<Playback, String> {
    #[cfg(feature = "alsa")]
    let fallback = track.clone();
    let why = match pulse::open(track, device, origin, server) {
        Ok(stream) => return Ok(Playback::Server(stream)),
        Err(why) => why,
    };
    #[cfg(feature = "alsa")]
    if device.is_none() && !pulse::hung(&why) {
        return alsa_device::play(fallback)
            .map(|playback| {
                origin.set(std::time::Instant::now());
                Playback::Alsa(playback)
            })
            .map_err(|alsa| format!("{why}{ALSA_PART}{alsa}"));
    }
    Err(why)
}

/// Whether sound can play here, and on which devices: the sound server's
/// sinks (`name`, description), the default first.
pub(crate) fn probe(server: &SoundServer) -> Result<Vec<(String, String)>, String> {
    let why = match pulse::sinks(server) {
        Ok(sinks) => return Ok(sinks),
        Err(why) => why,
    };
    #[cfg(feature = "alsa")]
    if pulse::hung(&why) {
        return Err(why);
    }
    #[cfg(feature = "alsa")]
    return alsa_device::probe()
        .map(|()| vec![("default".to_string(), "ALSA's default output".to_string())])
        .map_err(|alsa| format!("{why}{ALSA_PART}{alsa}"));
    #[cfg(not(feature = "alsa"))]
    Err(why)
}

impl Playback {
    /// Pauses what is heard.
    pub(crate) fn pause(&self) {
        match self {
            Playback::Server(s) => s.pause(),
            #[cfg(feature = "alsa")]
            Playback::Alsa(p) => p.pause(),
        }
    }

    /// Resumes; returns once the track is heard again, where it can tell.
    pub(crate) fn resume(&self) {
        match self {
            Playback::Server(s) => s.resume(),
            #[cfg(feature = "alsa")]
            Playback::Alsa(p) => p.resume(),
        }
    }

    /// Jumps to `offset` on the track; returns once it is heard, where it can tell.
    pub(crate) fn seek(&self, offset: Duration) {
        match self {
            Playback::Server(s) => s.seek(offset),
            #[cfg(feature = "alsa")]
            Playback::Alsa(p) => p.seek(offset),
        }
    }

    /// The position on the track heard now, where the device can tell.
    pub(crate) fn heard(&self) -> Option<Duration> {
        match self {
            Playback::Server(s) => s.heard(),
            #[cfg(feature = "alsa")]
            Playback::Alsa(_) => None,
        }
    }

    /// Where on the track the sound was lost (the server or the device went
    /// away) and where, if it was, it was heard again.
    pub(crate) fn outages(&self) -> Vec<(Duration, Option<Duration>)> {
        match self {
            Playback::Server(s) => s.outages(),
            #[cfg(feature = "alsa")]
            Playback::Alsa(_) => Vec::new(),
        }
    }

    /// Stops now and closes the device.
    pub(crate) fn stop(self) {
        match self {
            Playback::Server(s) => s.stop(),
            #[cfg(feature = "alsa")]
            Playback::Alsa(p) => p.stop(),
        }
    }

    /// Lets the queued track play to its end, then closes the device.
    pub(crate) fn finish(self) {
        match self {
            Playback::Server(s) => s.stop(),
            #[cfg(feature = "alsa")]
            Playback::Alsa(p) => p.finish(),
        }
    }
}
