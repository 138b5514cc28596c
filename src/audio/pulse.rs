//! Playing the cue track through the sound server (PulseAudio, or PipeWire's
//! pulse server) with a pure-Rust client of its protocol: no system library,
//! and the stream's own timing says when each sample is heard.
//!
//! What is heard sets the session's clock: the session starts when the
//! track's first sample is heard, a resume or a skip returns when the track is
//! heard again, and a timekeeper thread keeps the clock's origin on the sound
//! card's clock as the two drift apart.

use std::ffi::CString;
use std::pin::Pin;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_executor::block_on;
use pulseaudio::protocol::{self, PlaybackLatency};
use pulseaudio::{Client, ClientError, PlaybackSource, PlaybackStream};
use rodio::Source as _;

use super::sounds::RATE;
use super::track::Playhead;
use crate::session::clock::Origin;

/// Bytes per frame: one f32 sample (the track is mono).
const FRAME: usize = 4;

/// The server keeps this much of the track queued: small enough that a skip
/// or a resume is heard within a tenth of a second, large enough that a busy
/// machine does not starve the sink. Never the server's default (about 2 s),
/// which puts the sound seconds behind the screen.
const TARGET: Duration = Duration::from_millis(100);

/// The server asks for more when this much has been played: fewer, larger
/// requests wake this process and the server less often.
const REQUEST: Duration = Duration::from_millis(40);

/// How long a sink may take to wake from suspend (a Bluetooth headset) before
/// the session starts anyway.
const WAKE: Duration = Duration::from_secs(5);

/// How often the timekeeper compares the sound card's clock with the system's.
const KEEP_TIME: Duration = Duration::from_secs(1);

fn bytes(d: Duration) -> u32 {
    (d.as_micros() as u64 * u64::from(RATE) / 1_000_000) as u32 * FRAME as u32
}

fn frames_to_duration(frames: f64) -> Duration {
    Duration::from_secs_f64(frames.max(0.0) / f64::from(RATE))
}

/// The offset of frame `frame` on the track, rounded up so the track's own
/// seek (which rounds down) lands on exactly that frame.
fn offset(frame: u64) -> Duration {
    Duration::from_nanos((frame * 1_000_000_000).div_ceil(u64::from(RATE)))
}

/// What the server pulls from: the track, held back while the stream is
/// being moved (a pause, a skip) so nothing stale is queued.
struct Feed {
    head: Playhead,
    /// The next frame of the track to hand over.
    pos: u64,
    held: bool,
    waker: Option<Waker>,
}

#[derive(Clone)]
struct Shared(Arc<Mutex<Feed>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Feed> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn hold(&self) {
        self.lock().held = true;
    }

    /// Moves the track to `frame` (while held).
    fn seek(&self, frame: u64) {
        let mut feed = self.lock();
        let _ = feed.head.try_seek(offset(frame));
        feed.pos = frame;
    }

    /// Lets the server pull again, and waits (briefly) until it has, so the
    /// stream is full before it is uncorked.
    fn release(&self, want: u64) {
        let waker = {
            let mut feed = self.lock();
            feed.held = false;
            feed.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        let deadline = Instant::now() + Duration::from_millis(50);
        while self.lock().pos < want && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl PlaybackSource for Shared {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<usize> {
        let mut feed = self.lock();
        let frames = buf.len() / FRAME;
        if feed.held || frames == 0 {
            feed.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // Past its end the track is silence: the stream is closed once the
        // last sound is heard, never by running dry.
        for chunk in buf.chunks_exact_mut(FRAME) {
            let sample = feed.head.next().unwrap_or(0.0);
            chunk.copy_from_slice(&sample.to_le_bytes());
        }
        feed.pos += frames as u64;
        Poll::Ready(frames * FRAME)
    }
}

/// Where the track is on the stream, and when it was last heard.
struct Timing {
    /// The stream's byte index at which frame `base_frame` of the track sits.
    base_read: i64,
    base_frame: u64,
    /// An instant at which a frame was heard, for the timekeeper; `None` while
    /// the stream is corked.
    anchor: Option<(Instant, f64)>,
}

impl Timing {
    /// The frame of the track being heard when `info` was taken.
    fn heard(&self, info: &PlaybackLatency) -> f64 {
        let read = (info.read_offset - self.base_read) as f64 / FRAME as f64;
        let queued_in_sink = info.sink_usec as f64 * f64::from(RATE) / 1e6;
        self.base_frame as f64 + read - queued_in_sink
    }
}

/// The track playing on a stream of the sound server.
pub(crate) struct Stream {
    stream: PlaybackStream,
    feed: Shared,
    timing: Arc<Mutex<Timing>>,
    /// Dropped to stop the timekeeper.
    keeper: Option<(Sender<()>, JoinHandle<()>)>,
    /// Kept so the connection lives as long as the stream.
    _client: Client,
}

/// Connects to the sound server the environment names.
fn connect() -> Result<Client, String> {
    Client::from_env(c"stretch").map_err(|e| describe(&e))
}

/// The sinks the server offers: `(name, description)`, the default first.
pub(crate) fn sinks() -> Result<Vec<(String, String)>, String> {
    let client = connect()?;
    let default = block_on(client.server_info()).ok().and_then(|i| i.default_sink_name);
    let mut sinks: Vec<(String, String)> = block_on(client.list_sinks())
        .map_err(|e| describe(&e))?
        .into_iter()
        .map(|s| {
            let name = s.name.to_string_lossy().into_owned();
            let description = s.description.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            (name, description)
        })
        .collect();
    if let Some(default) = default.map(|d| d.to_string_lossy().into_owned()) {
        sinks.sort_by_key(|(name, _)| *name != default);
    }
    Ok(sinks)
}

/// Opens a stream on `device` (a sink's name; the server's default if `None`),
/// starts it, and returns once the track's first sample is heard, with
/// `origin` set to that instant.
pub(crate) fn open(track: Playhead, device: Option<&str>, origin: &Origin) -> Result<Stream, String> {
    let client = connect()?;
    let sink = match device {
        Some(name) => CString::new(name).map_err(|_| format!("no sink named {name:?}"))?,
        None => CString::from(c"@DEFAULT_SINK@"),
    };
    let feed = Shared(Arc::new(Mutex::new(Feed { head: track, pos: 0, held: false, waker: None })));
    let stream = block_on(client.create_playback_stream(params(sink), feed.clone())).map_err(|e| match e {
        ClientError::ServerError(protocol::PulseError::NoEntity) => format!(
            "the sound server has no sink named {}; `stretch doctor` lists them",
            device.unwrap_or("@DEFAULT_SINK@")
        ),
        e => describe(&e),
    })?;
    let timing = Arc::new(Mutex::new(Timing { base_read: 0, base_frame: 0, anchor: None }));
    let mut out = Stream { stream, feed, timing, keeper: None, _client: client };
    out.feed.release(u64::from(bytes(TARGET)) / FRAME as u64);
    let first = {
        let mut timing = out.lock_timing();
        block_on(out.stream.uncork()).map_err(|e| describe(&e))?;
        let at = out.heard_at(&timing, 0, WAKE);
        timing.anchor = Some((at, 0.0));
        at
    };
    origin.set(first);
    out.keeper = Some(keep_time(out.stream.clone(), out.timing.clone(), origin.clone()));
    Ok(out)
}

fn params(sink: CString) -> protocol::PlaybackStreamParams {
    let mut props = protocol::Props::new();
    props.set(protocol::Prop::MediaName, c"stretch cues");
    protocol::PlaybackStreamParams {
        sample_spec: protocol::SampleSpec { format: protocol::SampleFormat::Float32Le, channels: 1, sample_rate: RATE },
        channel_map: protocol::ChannelMap::mono(),
        sink_name: Some(sink),
        buffer_attr: protocol::stream::BufferAttr {
            max_length: u32::MAX,
            target_length: bytes(TARGET),
            pre_buffering: bytes(TARGET) / 2,
            minimum_request_length: bytes(REQUEST),
            fragment_size: u32::MAX,
        },
        props,
        flags: protocol::stream::StreamFlags { start_corked: true, adjust_latency: true, ..Default::default() },
        ..Default::default()
    }
}

impl Stream {
    fn lock_timing(&self) -> MutexGuard<'_, Timing> {
        self.timing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Pauses what is heard at once: corks the stream and drops what the
    /// server had queued, so the track resumes from the frame last heard.
    pub(crate) fn pause(&self) {
        let mut timing = self.lock_timing();
        timing.anchor = None;
        self.feed.hold();
        let _ = block_on(self.stream.cork());
        let written = self.feed.lock().pos;
        let heard = query(&self.stream).map(|(_, info)| timing.heard(&info));
        let frame = heard.map_or(written, |h| (h.max(timing.base_frame as f64) as u64).min(written));
        self.rebase(&mut timing, frame);
    }

    /// Resumes, and returns once the track is heard again.
    pub(crate) fn resume(&self) {
        let mut timing = self.lock_timing();
        self.restart(&mut timing);
    }

    /// Jumps to `to`, and returns once the track is heard from there.
    pub(crate) fn seek(&self, to: Duration) {
        let mut timing = self.lock_timing();
        timing.anchor = None;
        self.feed.hold();
        let _ = block_on(self.stream.cork());
        self.rebase(&mut timing, super::track::sample_at(to) as u64);
        self.restart(&mut timing);
    }

    /// The position on the track heard now, if the server says.
    pub(crate) fn heard(&self) -> Option<Duration> {
        let timing = self.lock_timing();
        let (_, info) = query(&self.stream)?;
        Some(frames_to_duration(timing.heard(&info)))
    }

    /// Drops what the corked stream holds; the track goes on from `frame`.
    fn rebase(&self, timing: &mut Timing, frame: u64) {
        let _ = block_on(self.stream.flush());
        self.feed.seek(frame);
        if let Some((_, info)) = query(&self.stream) {
            timing.base_read = info.read_offset;
        }
        timing.base_frame = frame;
    }

    /// Refills the stream, uncorks it and waits until its first frame is heard.
    fn restart(&self, timing: &mut Timing) {
        let from = timing.base_frame;
        self.feed.release(from + u64::from(bytes(TARGET)) / FRAME as u64);
        let _ = block_on(self.stream.uncork());
        let at = self.heard_at(timing, from, Duration::from_millis(500));
        timing.anchor = Some((at, from as f64));
    }

    /// The instant frame `frame` is heard, waiting until then (or `limit`).
    fn heard_at(&self, timing: &Timing, frame: u64, limit: Duration) -> Instant {
        let give_up = Instant::now() + limit;
        loop {
            if let Some((at, info)) = query(&self.stream)
                && info.playing
            {
                let ahead = frame as f64 - timing.heard(&info);
                if ahead <= 0.0 {
                    return at.checked_sub(frames_to_duration(-ahead)).unwrap_or(at);
                }
                if ahead < f64::from(RATE) / 500.0 {
                    let when = at + frames_to_duration(ahead);
                    std::thread::sleep(when.saturating_duration_since(Instant::now()));
                    return when;
                }
            }
            if Instant::now() >= give_up {
                return Instant::now();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Closes the stream now.
    pub(crate) fn stop(mut self) {
        self.keeper.take();
        let _ = block_on(self.stream.clone().delete());
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.keeper.take() {
            drop(stop);
            let _ = thread.join();
        }
    }
}

/// The stream's timing, and the instant it describes (halfway through the
/// round trip).
fn query(stream: &PlaybackStream) -> Option<(Instant, PlaybackLatency)> {
    let asked = Instant::now();
    let info = block_on(stream.timing_info()).ok()?;
    let answered = Instant::now();
    Some((asked + (answered - asked) / 2, info))
}

/// Every [`KEEP_TIME`], moves the origin by how far the sound has drifted
/// from the system clock since it was last heard on time, so deadlines follow
/// the sound card. Differences under 2 ms are measurement noise.
fn keep_time(stream: PlaybackStream, timing: Arc<Mutex<Timing>>, origin: Origin) -> (Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(KEEP_TIME) {
            let mut timing = timing.lock().unwrap_or_else(PoisonError::into_inner);
            let Some((then, frame)) = timing.anchor else { continue };
            let Some((now, info)) = query(&stream) else { continue };
            let heard = timing.heard(&info);
            let expected = then + frames_to_duration(heard - frame);
            let (late, early) = (now.saturating_duration_since(expected), expected.saturating_duration_since(now));
            let noise = Duration::from_millis(2);
            if late > noise && late < Duration::from_millis(500) {
                origin.delay(late);
            } else if early > noise && early < Duration::from_millis(500) {
                origin.advance(early);
            } else {
                continue;
            }
            timing.anchor = Some((now, heard));
        }
    });
    (stop, thread)
}

/// The client's error in one lower-case phrase, saying how to get sound.
fn describe(err: &ClientError) -> String {
    match err {
        ClientError::ServerUnavailable | ClientError::Io(_) => {
            let hint = if cfg!(feature = "alsa") {
                "start PulseAudio or PipeWire"
            } else {
                "start PulseAudio or PipeWire, or build stretch with `--features alsa` to play through ALSA directly"
            };
            match std::env::var_os("XDG_RUNTIME_DIR") {
                Some(dir) => format!("no sound server at {}/pulse/native; {hint}", dir.to_string_lossy()),
                None => format!("no sound server: XDG_RUNTIME_DIR is not set; set it to /run/user/$UID or {hint}"),
            }
        }
        ClientError::ServerError(e) => format!("the sound server refused: {e:?}"),
        e => format!("the sound server failed: {e}"),
    }
}
