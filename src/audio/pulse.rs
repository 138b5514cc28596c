//! Playing the cue track through the sound server (PulseAudio, or PipeWire's
//! pulse server) with a pure-Rust client of its protocol: no system library,
//! and the stream's own timing says when each sample is heard.
//!
//! What is heard sets the session's clock: the session starts when the
//! track's first sample is heard, a resume or a skip returns when the track is
//! heard again, and a timekeeper thread keeps the clock's origin on the sound
//! card's clock as the two drift apart. The same thread corks the stream
//! through the track's long silences (see [`quiet`](super::quiet)), and
//! notices a server that has gone: the session goes on by its own clock and
//! connects again when the track next wakes from a silence.

use std::ffi::CString;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_executor::block_on;
use pulseaudio::protocol::{self, PlaybackLatency};
use pulseaudio::{Client, ClientError, PlaybackSource, PlaybackStream};
use rodio::Source as _;

use super::quiet::{self, Rest};
use super::sounds::RATE;
use super::track::Playhead;
use crate::clock::Origin;
use crate::env::{NoSocket, SoundServer};

/// Bytes per frame: one f32 sample (the track is mono).
const FRAME: usize = 4;

/// Which server is at the other end: the two differ in what a stream costs
/// them, so they are driven differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    /// PulseAudio runs its sink at the latency the stream asks for, and keeps
    /// to it while the stream is corked: a rest closes the stream.
    PulseAudio,
    /// PipeWire runs its graph in quanta of its own, and a corked stream
    /// costs it nothing, while opening one wakes its session manager: a rest
    /// corks the stream.
    PipeWire,
}

impl Server {
    fn of(client: &Client) -> Server {
        let name = within(client.server_info()).ok().and_then(|i| i.server_name);
        match name {
            Some(name) if name.to_string_lossy().contains("PipeWire") => Server::PipeWire,
            _ => Server::PulseAudio,
        }
    }

    /// How much of the track the server keeps queued, and how much of it
    /// plays before the server asks for more (which wakes this process).
    /// Never the server's default (about 2 s), which puts the sound seconds
    /// behind the screen. PulseAudio runs the sink at (queued - 2 x asked) / 2
    /// = 50 ms of latency: a sink that cannot rewind (Bluetooth) still pauses
    /// within 50 ms, and the server wakes 20 times a second while sound plays
    /// (at 10 ms, 100 times: three times the server's CPU). PipeWire's sink
    /// latency is its quantum whatever is queued, and it costs it less to be
    /// asked less often.
    fn buffer(self) -> (Duration, Duration) {
        match self {
            Server::PulseAudio => (Duration::from_millis(300), Duration::from_millis(100)),
            Server::PipeWire => (Duration::from_millis(500), Duration::from_millis(250)),
        }
    }
}

/// How soon after a start the timekeeper compares the clocks: the server's
/// timing has settled by then, and the next sound is still a rest's lead
/// ([`quiet`](super::quiet)) away.
const SETTLE: Duration = Duration::from_millis(100);

/// An estimate of how long a start takes is capped here: a start that took
/// longer (a sink waking from suspend) says nothing of the next.
const MAX_START: Duration = Duration::from_millis(100);

/// How long a sink may take to wake from suspend (a Bluetooth headset) before
/// the session starts anyway.
const WAKE: Duration = Duration::from_secs(5);

/// The name the server takes for its default sink.
const DEFAULT: &str = "@DEFAULT_SINK@";

fn default_sink() -> CString {
    CString::new(DEFAULT).expect("no NUL in the default sink's name")
}

/// How long any request to the server may take: a healthy server answers in
/// milliseconds, and one that has stopped answering (stopped, hung) must not
/// hold the session, or its exit.
const REPLY: Duration = Duration::from_secs(1);

/// How often the timekeeper compares the sound card's clock with the system's
/// (while sound plays).
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

    /// Lets the server pull again, and waits (briefly) until it has taken
    /// frames up to `want`, so the stream is full before it is uncorked.
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
    /// The connection: a new one replaces it when the server has gone.
    client: Client,
    /// The sink played on: the default one once a named one has gone.
    sink: CString,
    /// The stream, while there is one: a rest closes it.
    stream: Option<PlaybackStream>,
    /// The stream's byte index at which frame `base_frame` of the track sits.
    base_read: i64,
    base_frame: u64,
    /// An instant at which a frame was heard: the clock every later frame is
    /// timed by. `None` while paused.
    anchor: Option<(Instant, f64)>,
    /// The rest the stream is closed through, if it is.
    resting: Option<Rest>,
    /// Rests before this frame are passed over (the track has been moved past
    /// them, or has just woken from one).
    passed: u64,
    /// How long the last start took, from opening or uncorking the stream to
    /// its first frame heard.
    start: Duration,
    /// When the timekeeper next compares the two clocks.
    check: Instant,
    /// The frames at which the sound was lost and, if it was, heard again.
    outages: Vec<(u64, Option<u64>)>,
}

impl Timing {
    /// The frame of the track being heard when `info` was taken.
    fn heard(&self, info: &PlaybackLatency) -> f64 {
        let read = (info.read_offset - self.base_read) as f64 / FRAME as f64;
        let queued_in_sink = info.sink_usec as f64 * f64::from(RATE) / 1e6;
        self.base_frame as f64 + read - queued_in_sink
    }

    /// The instant frame `frame` is heard, by the anchor's clock.
    fn instant_of(&self, frame: f64) -> Option<Instant> {
        let (at, heard) = self.anchor?;
        let ahead = frame - heard;
        if ahead >= 0.0 { Some(at + frames_to_duration(ahead)) } else { at.checked_sub(frames_to_duration(-ahead)) }
    }

    /// When to start the stream for `rest.wake` to be heard on time, by the
    /// anchor's clock and the last start's length (`now` without an anchor).
    fn wake_due(&self, rest: Rest, now: Instant) -> Instant {
        self.instant_of(rest.wake as f64).map_or(now, |at| at.checked_sub(self.start).unwrap_or(at))
    }

    /// The frame heard at `now`, by the anchor's clock.
    fn frame_at(&self, now: Instant) -> Option<f64> {
        let (at, heard) = self.anchor?;
        Some(heard + now.saturating_duration_since(at).as_secs_f64() * f64::from(RATE))
    }
}

/// The connection and what feeds its stream, shared by the session and the
/// timekeeper.
struct Line {
    server: Server,
    feed: Shared,
    timing: Mutex<Timing>,
    origin: Origin,
    rests: Vec<Rest>,
    /// Where the server listens, to connect again if it goes and comes back.
    place: SoundServer,
}

/// The track playing on a stream of the sound server.
pub(crate) struct Stream {
    line: Arc<Line>,
    /// Dropped to stop the timekeeper.
    keeper: Option<(Sender<()>, JoinHandle<()>)>,
}

/// Connects to the sound server the environment names, with the user's
/// cookie. Without one (a new account whose desktop runs PipeWire, which
/// ignores it), a blank cookie of the right length, as libpulse sends.
fn connect(place: &SoundServer) -> Result<Client, Failure> {
    let path = match &place.socket {
        Ok(path) => path,
        Err(NoSocket::Remote(servers)) => {
            return Err(Failure::Failed(format!(
                "PULSE_SERVER={servers:?} names no local socket; stretch plays through one (unix:PATH)"
            )));
        }
        Err(NoSocket::Unset) => {
            return Err(Failure::Failed(format!(
                "no sound server: XDG_RUNTIME_DIR is not set; set it to /run/user/$UID or {HOW}"
            )));
        }
    };
    // Bounded like every file stretch reads: a FIFO or /dev/zero in its
    // place is no cookie, never a hang.
    let cookie = place.cookie.as_ref().and_then(|path| crate::files::read_bytes(path, COOKIE as u64).ok());
    let cookie = cookie.filter(|c| c.len() == COOKIE).unwrap_or_else(|| vec![0; COOKIE]);
    let socket = connect_within(path, REPLY)
        .map_err(|e| format!("no sound server at {} ({}); {}", path.display(), crate::error::io_cause(&e), HOW))
        .map_err(Failure::Failed)?;
    // The greeting is read and written blocking: bounded, like every request.
    for set in [std::os::unix::net::UnixStream::set_read_timeout, std::os::unix::net::UnixStream::set_write_timeout] {
        set(&socket, Some(REPLY)).map_err(|e| failure(&ClientError::Io(e)))?;
    }
    Client::new_unix(c"stretch", socket, Some(cookie)).map_err(|e| match e {
        ClientError::Protocol(protocol::ProtocolError::Io(e)) if timed_out(&e) => failure(&ClientError::Io(e)),
        ClientError::Protocol(_) | ClientError::ServerError(protocol::PulseError::AccessDenied) => Failure::Failed(
            "the sound server refused this user: run stretch as the user whose desktop plays the sound, \
             with that user's ~/.config/pulse/cookie"
                .to_string(),
        ),
        e => failure(&e),
    })
}

/// Connects to the socket at `path`, waiting at most `limit`: a listener
/// whose queue is full (a server that stopped accepting) blocks a plain
/// connect with no end. The connect runs on a thread of its own, left behind
/// if it never returns.
fn connect_within(path: &std::path::Path, limit: Duration) -> std::io::Result<std::os::unix::net::UnixStream> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let target = path.to_path_buf();
    std::thread::Builder::new()
        .name("connect".into())
        .spawn(move || tx.send(std::os::unix::net::UnixStream::connect(target)))?;
    rx.recv_timeout(limit).unwrap_or_else(|_| {
        Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "it accepted no connection within a second"))
    })
}

/// How to get sound when no server answers.
const HOW: &str = if cfg!(feature = "alsa") {
    "start PulseAudio or PipeWire"
} else {
    "start PulseAudio or PipeWire, or build stretch with `--features alsa` to play through ALSA directly"
};

/// The length of the sound server's authentication cookie.
const COOKIE: usize = 256;

/// The sinks the server offers: `(name, description)`, the default first.
pub(crate) fn sinks(place: &SoundServer) -> Result<Vec<(String, String)>, Failure> {
    let client = connect(place)?;
    let default = within(client.server_info()).ok().and_then(|i| i.default_sink_name);
    let mut sinks: Vec<(String, String)> = within(client.list_sinks())
        .map_err(|e| failure(&e))?
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
pub(crate) fn open(
    track: Playhead,
    device: Option<&str>,
    origin: &Origin,
    place: &SoundServer,
) -> Result<Stream, Failure> {
    let client = connect(place)?;
    let no_sink =
        || format!("the sound server has no sink named {:?}; `stretch doctor` lists them", device.unwrap_or(DEFAULT));
    let sink = match device {
        // PipeWire plays a stream for a sink it does not have on its default
        // one: a mistyped name is caught here, on either server.
        Some(name) => {
            let sinks = within(client.list_sinks()).map_err(|e| failure(&e))?;
            sinks.into_iter().map(|s| s.name).find(|s| s.as_bytes() == name.as_bytes()).ok_or_else(no_sink)?
        }
        None => default_sink(),
    };
    let rests = quiet::plan(&track.track().sounds());
    let feed = Shared(Arc::new(Mutex::new(Feed { head: track, pos: 0, held: true, waker: None })));
    let now = Instant::now();
    let server = Server::of(&client);
    let timing = Timing {
        client,
        sink,
        stream: None,
        base_read: 0,
        base_frame: 0,
        anchor: None,
        resting: None,
        passed: 0,
        start: Duration::ZERO,
        check: now + KEEP_TIME,
        outages: Vec::new(),
    };
    let line = Line { server, feed, timing: Mutex::new(timing), origin: origin.clone(), rests, place: place.clone() };
    let mut out = Stream { line: Arc::new(line), keeper: None };
    {
        let mut timing = out.line.lock_timing();
        out.line.start(&mut timing, 0, WAKE).map_err(|e| match e {
            ClientError::ServerError(protocol::PulseError::NoEntity | protocol::PulseError::Invalid) => {
                Failure::Failed(no_sink())
            }
            e => failure(&e),
        })?;
        origin.set(timing.anchor.map_or(now, |(at, _)| at));
        // The first start may have woken a suspended sink: that says
        // nothing of how long the next takes.
        timing.start = Duration::ZERO;
    }
    out.keeper = Some(keep_time(Arc::clone(&out.line)));
    Ok(out)
}

fn params(sink: CString, server: Server) -> protocol::PlaybackStreamParams {
    let (queued, asked) = server.buffer();
    let mut props = protocol::Props::new();
    props.set(protocol::Prop::MediaName, c"stretch cues");
    protocol::PlaybackStreamParams {
        sample_spec: protocol::SampleSpec { format: protocol::SampleFormat::Float32Le, channels: 1, sample_rate: RATE },
        channel_map: protocol::ChannelMap::mono(),
        sink_name: Some(sink),
        buffer_attr: protocol::stream::BufferAttr {
            max_length: u32::MAX,
            target_length: bytes(queued),
            pre_buffering: bytes(queued) / 2,
            minimum_request_length: bytes(asked),
            fragment_size: u32::MAX,
        },
        props,
        flags: protocol::stream::StreamFlags { start_corked: true, adjust_latency: true, ..Default::default() },
        ..Default::default()
    }
}

impl Line {
    fn lock_timing(&self) -> MutexGuard<'_, Timing> {
        self.timing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Corks the stream and drops what the server had queued; the track goes
    /// on from `frame` when it is started again.
    fn halt(&self, timing: &mut Timing, frame: u64) {
        self.feed.hold();
        if let Some(stream) = &timing.stream {
            let _ = within(stream.cork());
            let _ = within(stream.flush());
            if let Some((_, info)) = query(stream) {
                timing.base_read = info.read_offset;
            }
        }
        self.feed.seek(frame);
        timing.base_frame = frame;
        timing.passed = frame;
    }

    /// Rests the stream through `rest`. PulseAudio keeps its sink at a
    /// corked stream's short latency, waking every few milliseconds, so there
    /// the stream is closed and the server sleeps; on PipeWire it is corked.
    fn rest(&self, timing: &mut Timing, rest: Rest) {
        if self.server == Server::PulseAudio {
            self.feed.hold();
            if let Some(stream) = timing.stream.take() {
                let _ = within(stream.delete());
            }
        }
        self.halt(timing, rest.wake);
        timing.resting = Some(rest);
    }

    /// Opens a stream (corked) on the sink, fed from where the track stands;
    /// connects again first if the server has gone (and come back).
    /// A named sink that has gone (headphones unplugged) gives way to the
    /// default one, as the server itself moves a playing stream.
    fn open_stream(&self, timing: &mut Timing) -> Result<(), ClientError> {
        let open = |timing: &Timing| {
            within(timing.client.create_playback_stream(params(timing.sink.clone(), self.server), self.feed.clone()))
        };
        let stream = match open(timing) {
            Err(ClientError::Disconnected | ClientError::Io(_)) => {
                timing.client = connect(&self.place).map_err(|_| ClientError::Disconnected)?;
                open(timing)?
            }
            Err(ClientError::ServerError(protocol::PulseError::NoEntity))
                if timing.sink.as_bytes() != DEFAULT.as_bytes() =>
            {
                timing.sink = default_sink();
                open(timing)?
            }
            opened => opened?,
        };
        timing.base_read = query(&stream).map_or(0, |(_, info)| info.read_offset);
        timing.stream = Some(stream);
        Ok(())
    }

    /// Starts the track at `frame` now (a resume, a skip); if it cannot
    /// start, the session's clock runs on from here without it.
    fn play_from(&self, timing: &mut Timing, frame: u64) {
        if self.start(timing, frame, Duration::from_millis(500)).is_err() {
            timing.anchor = Some((Instant::now(), frame as f64));
            self.lose(timing, frame);
        }
    }

    /// Gives up a stream that no longer answers (its server or its sink has
    /// gone) at frame `heard`: the session goes on by its clock, silent, and
    /// the next rest's wake tries a new stream, on a new connection if need be.
    fn lose(&self, timing: &mut Timing, heard: u64) {
        if timing.outages.last().is_none_or(|(_, back)| back.is_some()) {
            timing.outages.push((heard, None));
        }
        timing.stream = None;
        self.feed.hold();
        match self.rests.iter().find(|r| r.wake > heard).copied() {
            Some(rest) => {
                self.halt(timing, rest.wake);
                timing.resting = Some(rest);
            }
            None => timing.passed = u64::MAX,
        }
    }

    /// Refills the stream from `frame`, uncorks it and waits (at most
    /// `limit`) until that frame is heard, which becomes the anchor.
    fn start(&self, timing: &mut Timing, frame: u64, limit: Duration) -> Result<(), ClientError> {
        let asked = Instant::now();
        if timing.stream.is_none() {
            self.open_stream(timing)?;
        }
        let Some(stream) = timing.stream.as_ref() else { return Err(ClientError::Disconnected) };
        // The server asks for about what it queues at once; half of that is
        // its pre-buffer, which must be there before it plays.
        self.feed.release(frame + u64::from(bytes(self.server.buffer().0) / 2) / FRAME as u64);
        within(stream.uncork())?;
        let at = self.heard_at(timing, frame, limit);
        if let Some((_, back @ None)) = timing.outages.last_mut() {
            *back = Some(frame);
        }
        timing.start = at.saturating_duration_since(asked).min(MAX_START);
        timing.anchor = Some((at, frame as f64));
        timing.resting = None;
        // Just after a start the server's timing is rough: look again once
        // the stream has settled, before the next sound.
        timing.check = Instant::now() + SETTLE;
        Ok(())
    }

    /// The instant frame `frame` is heard, waiting until then (or `limit`).
    fn heard_at(&self, timing: &Timing, frame: u64, limit: Duration) -> Instant {
        let give_up = Instant::now() + limit;
        loop {
            if Instant::now() >= give_up {
                return Instant::now();
            }
            let Some((at, info)) = timing.stream.as_ref().and_then(query) else {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            };
            if !info.playing {
                // Not yet playing: the sink plays out what it already holds
                // first (PulseAudio's idle null sink holds 2 s).
                let held = Duration::from_micros(info.sink_usec).saturating_sub(Duration::from_millis(5));
                std::thread::sleep(held.clamp(Duration::from_millis(2), Duration::from_millis(100)));
                continue;
            }
            let ahead = frame as f64 - timing.heard(&info);
            if ahead <= 0.0 {
                return at.checked_sub(frames_to_duration(-ahead)).unwrap_or(at);
            }
            let when = at + frames_to_duration(ahead);
            if ahead < f64::from(RATE) / 500.0 {
                std::thread::sleep(when.saturating_duration_since(Instant::now()));
                return when;
            }
            // Asleep until just before, and then asked again: each question
            // costs the server a wake-up.
            let nearly = when.checked_sub(Duration::from_millis(2)).unwrap_or(when);
            std::thread::sleep(nearly.saturating_duration_since(Instant::now()).min(limit));
        }
    }

    /// The frame heard now: by the anchor's clock while resting, else as
    /// the server says.
    fn heard(&self, timing: &Timing) -> Option<f64> {
        match &timing.stream {
            Some(stream) if timing.resting.is_none() => query(stream).map(|(_, info)| timing.heard(&info)),
            _ => timing.frame_at(Instant::now()),
        }
    }

    /// One round of the timekeeper: rests, wakes or compares clocks as due,
    /// and says when to look again.
    fn keep(&self) -> Instant {
        let mut timing = self.lock_timing();
        let now = Instant::now();
        let Some(heard) = timing.frame_at(now) else { return now + KEEP_TIME };
        if let Some(rest) = timing.resting {
            let due = timing.wake_due(rest, now);
            if now < due {
                return due;
            }
            // Waking sets the settling comparison's time.
            self.wake(&mut timing, rest);
            return timing.check;
        }
        let next = self.rests.iter().find(|r| r.cork >= timing.passed).copied();
        if let Some(rest) = next
            && heard >= rest.cork as f64
        {
            self.rest(&mut timing, rest);
            return timing.wake_due(rest, now);
        }
        if now >= timing.check {
            self.compare_clocks(&mut timing);
            timing.check = Instant::now() + KEEP_TIME;
        }
        let cork = next.and_then(|r| timing.instant_of(r.cork as f64)).unwrap_or(timing.check);
        cork.min(timing.check)
    }

    /// Ends a rest: the track is heard again from `rest.wake`. The anchor
    /// stays the clock the session already keeps, so the settling comparison
    /// that follows moves the session's clock by however late (or soon) the
    /// sound came back, in the silence before the next sound.
    /// If the stream cannot start (the server has gone), the session goes on
    /// by the same clock, and the next try is at the next rest, not at once.
    fn wake(&self, timing: &mut Timing, rest: Rest) {
        let kept = timing.anchor;
        let started = self.start(timing, rest.wake, Duration::from_millis(500)).is_ok();
        timing.anchor = kept;
        if !started {
            timing.resting = None;
            self.lose(timing, rest.wake);
            timing.check = Instant::now() + KEEP_TIME;
        }
    }

    /// Moves the origin by how far the sound has drifted from the system
    /// clock since it was last heard on time, so deadlines follow the sound
    /// card. Differences under 2 ms are measurement noise.
    fn compare_clocks(&self, timing: &mut Timing) {
        let Some(stream) = &timing.stream else { return };
        let Some((now, info)) = query(stream) else {
            let heard = timing.frame_at(Instant::now()).unwrap_or(0.0);
            return self.lose(timing, heard as u64);
        };
        let heard = timing.heard(&info);
        let Some(expected) = timing.instant_of(heard) else { return };
        let (late, early) = (now.saturating_duration_since(expected), expected.saturating_duration_since(now));
        let noise = Duration::from_millis(2);
        if late > noise && late < Duration::from_millis(500) {
            self.origin.delay(late);
        } else if early > noise && early < Duration::from_millis(500) {
            self.origin.advance(early);
        } else {
            return;
        }
        timing.anchor = Some((now, heard));
    }
}

impl Stream {
    /// Pauses what is heard at once: corks the stream and drops what the
    /// server had queued, so the track resumes from the frame last heard.
    pub(crate) fn pause(&self) {
        let line = &self.line;
        let mut timing = line.lock_timing();
        let written = line.feed.lock().pos;
        let frame = match line.heard(&timing) {
            // Resting, the feed waits at the rest's end: the frame heard now is before it.
            Some(heard) if timing.resting.is_some() => heard as u64,
            Some(heard) => (heard.max(timing.base_frame as f64) as u64).min(written),
            None => written,
        };
        timing.anchor = None;
        timing.resting = None;
        line.halt(&mut timing, frame);
    }

    /// Resumes, and returns once the track is heard again.
    pub(crate) fn resume(&self) {
        let mut timing = self.line.lock_timing();
        let from = timing.base_frame;
        self.line.play_from(&mut timing, from);
    }

    /// Jumps to `to`, and returns once the track is heard from there.
    pub(crate) fn seek(&self, to: Duration) {
        let mut timing = self.line.lock_timing();
        timing.anchor = None;
        let frame = super::track::sample_at(to) as u64;
        self.line.halt(&mut timing, frame);
        self.line.play_from(&mut timing, frame);
    }

    /// The position on the track heard now, if the server says.
    pub(crate) fn heard(&self) -> Option<Duration> {
        let timing = self.line.lock_timing();
        self.line.heard(&timing).map(frames_to_duration)
    }

    /// Where on the track the sound was lost, and where (if it was) heard
    /// again: the server or the sink went away.
    pub(crate) fn outages(&self) -> Vec<(Duration, Option<Duration>)> {
        let timing = self.line.lock_timing();
        timing.outages.iter().map(|&(lost, back)| (offset(lost), back.map(offset))).collect()
    }

    /// Closes the stream now.
    pub(crate) fn stop(mut self) {
        self.keeper.take();
        if let Some(stream) = self.line.lock_timing().stream.take() {
            let _ = within(stream.delete());
        }
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
    let info = within(stream.timing_info()).ok()?;
    let answered = Instant::now();
    Some((asked + (answered - asked) / 2, info))
}

/// Runs a request to the server, giving up (as timed out) after [`REPLY`].
fn within<T>(request: impl Future<Output = Result<T, ClientError>>) -> Result<T, ClientError> {
    let timer = Arc::new(Timer::default());
    let (answered, waiting) = mpsc::channel::<()>();
    let alarm = Arc::clone(&timer);
    std::thread::spawn(move || {
        if waiting.recv_timeout(REPLY) == Err(RecvTimeoutError::Timeout) {
            alarm.ring();
        }
    });
    let out = block_on(Within { request: pin!(request), timer });
    drop(answered);
    out.unwrap_or_else(|| Err(ClientError::Io(io::ErrorKind::TimedOut.into())))
}

/// Rung once a request has waited too long.
#[derive(Default)]
struct Timer {
    rung: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Timer {
    fn ring(&self) {
        self.rung.store(true, Ordering::SeqCst);
        if let Some(waker) = self.waker.lock().unwrap_or_else(PoisonError::into_inner).take() {
            waker.wake();
        }
    }
}

/// A request, or `None` once its timer rings.
struct Within<'a, F> {
    request: Pin<&'a mut F>,
    timer: Arc<Timer>,
}

impl<F: Future> Future for Within<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(out) = this.request.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        // The waker is left before the bell is looked at, so a ring between
        // the two still wakes this.
        *this.timer.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        if this.timer.rung.load(Ordering::SeqCst) { Poll::Ready(None) } else { Poll::Pending }
    }
}

/// The timekeeper's thread: it keeps the session's clock on the sound card's
/// and rests the stream through the track's silences, sleeping in between.
fn keep_time(line: Arc<Line>) -> (Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        loop {
            let next = line.keep();
            let wait = next.saturating_duration_since(Instant::now());
            if !matches!(stopped.recv_timeout(wait), Err(RecvTimeoutError::Timeout)) {
                break;
            }
        }
    });
    (stop, thread)
}

/// Why the sound server could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A server is there but does not answer: ALSA's default device would go
    /// through that same server, and hang with it.
    Hung(String),
    /// Any other failure, in words, with how to get sound.
    Failed(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Hung(why) | Failure::Failed(why) => f.write_str(why),
        }
    }
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Failure::Failed(why)
    }
}

/// The client's error as a [`Failure`]: a reply that never came is a hung server.
fn failure(err: &ClientError) -> Failure {
    match err {
        ClientError::Io(e) if timed_out(e) => Failure::Hung(describe(err)),
        _ => Failure::Failed(describe(err)),
    }
}

/// Whether a read or write gave up waiting (blocking reads say `WouldBlock`).
fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

/// The client's error in one lower-case phrase, saying how to get sound.
fn describe(err: &ClientError) -> String {
    match err {
        ClientError::Io(e) if timed_out(e) => {
            format!("the sound server does not answer within {} s; restart it", REPLY.as_secs())
        }
        ClientError::ServerUnavailable | ClientError::Io(_) => format!("the sound server has gone; {HOW}"),
        ClientError::ServerError(e) => format!("the sound server refused: {e:?}"),
        e => format!("the sound server failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_stopped_accepting_costs_the_limit_not_forever() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        // Connections queue until the listener's queue is full; then a plain connect blocks.
        let mut queued = Vec::new();
        let limit = Duration::from_millis(200);
        let refused = loop {
            let started = Instant::now();
            match connect_within(&socket, limit) {
                Ok(stream) => queued.push(stream),
                Err(e) => break (e, started.elapsed()),
            }
            assert!(queued.len() < 100_000, "the queue never filled");
        };
        assert_eq!(refused.0.kind(), io::ErrorKind::TimedOut, "{}", refused.0);
        assert!(refused.1 < Duration::from_secs(2), "waited {:?}", refused.1);
    }
}
