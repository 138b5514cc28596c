//! Sound: the embedded sound sets, the cue track rendered from the timeline,
//! and where it goes (the output device, a WAV file, the terminal bell).

pub mod device;
pub mod export;
pub mod loudness;
pub mod sounds;
pub mod speech;
pub mod track;
pub mod wav;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::session::runner::Transport;

/// How the cues reached the person, as recorded in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioUsed {
    /// The cue track played on the output device.
    Device,
    /// No device: the terminal bell rang at each cue.
    Bell,
    /// No device and no terminal: no cues were heard.
    None,
    /// Sounds were turned off (`--sounds off`).
    Off,
}

/// Where the cues go during a session.
pub enum Output {
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
    pub fn finish(self) {
        if let Output::Device(p) = self {
            p.finish();
        }
    }
}
