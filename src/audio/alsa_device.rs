//! Playing the cue track on ALSA's default output through rodio (the `alsa`
//! feature), for machines with no sound server.
//!
//! The device lives on its own thread, which owns the sink and the player: the
//! runner only sends commands, so pause, resume, skip and stop act on the
//! audio at once, and the device is closed the moment the track has played.

use std::num::NonZero;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rodio::cpal::BufferSize;
use rodio::source::EmptyCallback;
use rodio::{DeviceSinkBuilder, MixerDeviceSink, Player};

use super::sounds::RATE;
use super::track::Playhead;

enum Command {
    Pause,
    Resume,
    Seek(Duration),
    Stop,
    Ended,
}

/// A track playing on the device.
pub(crate) struct Playback {
    commands: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

/// Opens the default output and starts playing the track. Returns once it is
/// queued; on failure, says why in a few words.
pub(crate) fn play(track: Playhead) -> Result<Playback, String> {
    let (commands, inbox) = mpsc::channel();
    let (ready_tx, ready) = mpsc::channel();
    let ended = commands.clone();
    let thread = std::thread::Builder::new()
        .name("audio".into())
        .spawn(move || run_device(track, inbox, ended, ready_tx))
        .map_err(|e| format!("could not start the audio thread: {e}"))?;
    match ready.recv() {
        Ok(Ok(())) => Ok(Playback { commands, thread: Some(thread) }),
        Ok(Err(why)) => {
            let _ = thread.join();
            Err(why)
        }
        Err(_) => Err("the audio thread stopped while opening the device".into()),
    }
}

/// Opens the default output and closes it again: whether sound can play here.
pub(crate) fn probe() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    let _quiet = alsa::Output::local_error_handler();
    let mut sink = open_sink()?;
    sink.log_on_drop(false);
    Ok(())
}

impl Playback {
    /// Pauses the track where it is.
    pub(crate) fn pause(&self) {
        let _ = self.commands.send(Command::Pause);
    }

    /// Resumes after a pause.
    pub(crate) fn resume(&self) {
        let _ = self.commands.send(Command::Resume);
    }

    /// Jumps to `offset` from the start of the track.
    pub(crate) fn seek(&self, offset: Duration) {
        let _ = self.commands.send(Command::Seek(offset));
    }

    /// Stops now and closes the device.
    pub(crate) fn stop(mut self) {
        let _ = self.commands.send(Command::Stop);
        self.join();
    }

    /// Waits for the track to finish; the device is closed when this returns.
    pub(crate) fn finish(mut self) {
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.commands.send(Command::Stop);
            self.join();
        }
    }
}

fn run_device(track: Playhead, inbox: Receiver<Command>, ended: Sender<Command>, ready: Sender<Result<(), String>>) {
    // ALSA reports a missing device on stderr, line after line, from the thread
    // that opens it; keep those lines in a buffer instead. Held until the
    // thread ends, as closing the device may report too.
    #[cfg(target_os = "linux")]
    let _quiet = alsa::Output::local_error_handler();
    let mut sink = match open_sink() {
        Ok(sink) => sink,
        Err(why) => {
            let _ = ready.send(Err(why));
            return;
        }
    };
    sink.log_on_drop(false);
    let player = Player::connect_new(sink.mixer());
    player.append(track);
    player.append(EmptyCallback::new(Box::new(move || {
        let _ = ended.send(Command::Ended);
    })));
    let _ = ready.send(Ok(()));
    for command in inbox {
        match command {
            Command::Pause => player.pause(),
            Command::Resume => player.play(),
            Command::Seek(to) => {
                let _ = player.try_seek(to);
            }
            Command::Stop | Command::Ended => break,
        }
    }
    // Dropped in this order, now: a capture device left open would keep
    // writing silence, and a real one would hold the sound card.
    drop(player);
    drop(sink);
}

/// Frames handed to the device at a time: 200 ms. The track is queued whole,
/// so nothing needs a shorter reach, and longer periods wake this process and
/// the sound server far less often than rodio's 50 ms (measured through
/// PulseAudio: 0.6% of a core for both, against 1.4%). A pause is heard within
/// a few tenths of a second.
const PERIOD: u32 = RATE / 5;

/// The default device at the track's own rate if it takes it (no resampling),
/// in periods of [`PERIOD`] if it takes those, else at whatever configuration
/// it offers.
fn open_sink() -> Result<MixerDeviceSink, String> {
    // Stream errors after opening (an unplugged headset) only cost cues; the
    // timer goes on, so they are not worth a line on the person's screen.
    fn ignore(_: rodio::CpalError) {}
    let builder = || DeviceSinkBuilder::from_default_device().map(|b| b.with_error_callback(ignore as fn(_)));
    let rate = NonZero::new(RATE).expect("RATE is not zero");
    let at_track_rate = |period: Option<u32>| {
        let b = builder()?.with_sample_rate(rate);
        match period {
            Some(frames) => b.with_buffer_size(BufferSize::Fixed(frames)),
            None => b,
        }
        .open_stream()
    };
    at_track_rate(Some(PERIOD))
        .or_else(|_| at_track_rate(None))
        .or_else(|_| builder()?.open_sink_or_fallback())
        .map_err(|e| describe(&e))
}

/// rodio's error and its cause, in one lower-case phrase.
fn describe(err: &rodio::DeviceSinkError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}
