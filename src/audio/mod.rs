//! Sound: the embedded sound sets, the cue track rendered from the timeline,
//! and where it goes (the output device, a WAV file, the terminal bell).

#[cfg(feature = "alsa")]
pub(crate) mod alsa_device;
pub(crate) mod clip;
pub(crate) mod device;
pub(crate) mod export;
pub(crate) mod loudness;
pub(crate) mod pulse;
pub(crate) mod quiet;
pub(crate) mod sounds;
pub(crate) mod speech;
pub(crate) mod track;
pub(crate) mod wav;

use std::time::Duration;

use crate::clock::Transport;

/// Where the cues go during a session.
pub(crate) enum Output {
    /// The track plays on the device.
    Device(device::Playback),
    /// Nothing plays here; the display may ring the bell.
    Silent,
}

impl Transport for Output {
    fn pause(&mut self) {
        if let Output::Device(p) = self {
            p.pause();
        }
    }

    fn resume(&mut self) {
        if let Output::Device(p) = self {
            p.resume();
        }
    }

    fn seek(&mut self, offset: Duration) {
        if let Output::Device(p) = self {
            p.seek(offset);
        }
    }

    fn stop(&mut self) {
        if let Output::Device(p) = std::mem::replace(self, Output::Silent) {
            p.stop();
        }
    }
}

impl Output {
    /// Lets the track play to its end, then closes the device.
    pub(crate) fn finish(self) {
        if let Output::Device(p) = self {
            p.finish();
        }
    }

    /// Where on the track the sound was lost, and where (if it was) heard again.
    pub(crate) fn outages(&self) -> Vec<(Duration, Option<Duration>)> {
        match self {
            Output::Device(p) => p.outages(),
            Output::Silent => Vec::new(),
        }
    }

    /// The position on the track heard now, where the device can tell.
    pub(crate) fn heard(&self) -> Option<Duration> {
        match self {
            Output::Device(p) => p.heard(),
            Output::Silent => None,
        }
    }
}
