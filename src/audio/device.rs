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

/// Why no output opened: the sound server's reason and, when ALSA was tried
/// after it, ALSA's, apart, so a caller that explains the server itself can
/// keep ALSA's part alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoOutput {
    /// Why the sound server could not play.
    pub server: String,
    /// Why ALSA could not either, if it was tried.
    pub alsa: Option<String>,
}

impl std::fmt::Display for NoOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.server)?;
        match &self.alsa {
            Some(alsa) => write!(f, "; ALSA: {alsa}"),
            None => Ok(()),
        }
    }
}

impl From<pulse::Failure> for NoOutput {
    fn from(why: pulse::Failure) -> Self {
        NoOutput { server: why.to_string(), alsa: None }
    }
}

/// Starts `track` on `device` (the default output if `None`) and returns once
/// its first sample is heard, with `origin` set to that instant. On failure,
/// says why, and how to get sound, in a few words.
pub(crate) fn play(
    track: Playhead,
    device: Option<&str>,
    origin: &Origin,
    server: &SoundServer,
) -> Result<Playback, NoOutput> {
    #[cfg(feature = "alsa")]
    let fallback = track.clone();
    let why = match pulse::open(track, device, origin, server) {
        Ok(stream) => return Ok(Playback::Server(stream)),
        Err(why) => why,
    };
    #[cfg(feature = "alsa")]
    if device.is_none() && !matches!(why, pulse::Failure::Hung(_)) {
        return alsa_device::play(fallback)
            .map(|playback| {
                origin.set(std::time::Instant::now());
                Playback::Alsa(playback)
            })
            .map_err(|alsa| NoOutput { server: why.to_string(), alsa: Some(alsa) });
    }
    Err(why.into())
}

/// Whether sound can play here, and on which devices: the sound server's
/// sinks (`name`, description), the default first.
pub(crate) fn probe(server: &SoundServer) -> Result<Vec<(String, String)>, NoOutput> {
    let why = match pulse::sinks(server) {
        Ok(sinks) => return Ok(sinks),
        Err(why) => why,
    };
    #[cfg(feature = "alsa")]
    if let pulse::Failure::Hung(_) = why {
        return Err(why.into());
    }
    #[cfg(feature = "alsa")]
    return alsa_device::probe()
        .map(|()| vec![("default".to_string(), "ALSA's default output".to_string())])
        .map_err(|alsa| NoOutput { server: why.to_string(), alsa: Some(alsa) });
    #[cfg(not(feature = "alsa"))]
    Err(why.into())
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
