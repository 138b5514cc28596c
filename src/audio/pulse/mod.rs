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

mod connect;
mod feed;
mod keeper;
mod request;
mod timing;

use std::ffi::CString;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pulseaudio::protocol;
use pulseaudio::{Client, ClientError, PlaybackStream};

use super::quiet::{self, Rest};
use super::sounds::RATE;
use super::track::Playhead;
use crate::clock::Origin;
use crate::env::SoundServer;

pub(crate) use connect::{Failure, sinks};
use connect::{connect, failure};
use feed::{Feed, Shared};
use keeper::keep_time;
use request::{query, within, within_for};
use timing::Timing;

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

/// How long a sink may take to start (a Bluetooth headset waking from
/// suspend, a server that stalls) before the session goes on without it.
const WAKE: Duration = Duration::from_secs(5);

/// A sink whose starts take longer than this is slow: its stream stays open
/// (corked) through rests instead of closing, as a sink that is told to wake
/// (the `wake` setting) does.
const SLOW: Duration = Duration::from_millis(150);

/// A stream is woken this much earlier than its slowest start so far.
const HEADROOM: Duration = Duration::from_millis(50);

/// More than this of sound already rendered ahead by an idle sink is a stale
/// block: a null sink left idle renders up to 2 s of silence at once, and a
/// new stream cannot rewind into it (see [`freshen`]).
const STALE: Duration = Duration::from_millis(80);

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

/// The connection and what feeds its stream, shared by the session and the
/// timekeeper.
struct Line {
    server: Server,
    feed: Shared,
    timing: Mutex<Timing>,
    origin: Origin,
    rests: Vec<Rest>,
    /// Extra time the person gives the sink to wake (the `wake` setting).
    wake: Duration,
    /// Where the server listens, to connect again if it goes and comes back.
    place: SoundServer,
}

/// The track playing on a stream of the sound server.
pub(crate) struct Stream {
    line: Arc<Line>,
    /// Dropped to stop the timekeeper.
    keeper: Option<(Sender<()>, JoinHandle<()>)>,
}

/// Opens a stream on `device` (a sink's name; the server's default if `None`),
/// starts it, and returns once the track's first sample is heard, with
/// `origin` set to that instant.
/// `wake` is extra time the sink is given to wake after each rest.
pub(crate) fn open(
    track: Playhead,
    device: Option<&str>,
    wake: Duration,
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
        slowest: Duration::ZERO,
        last: Duration::ZERO,
        check: now + KEEP_TIME,
        outages: Vec::new(),
    };
    let line =
        Line { server, feed, timing: Mutex::new(timing), origin: origin.clone(), rests, wake, place: place.clone() };
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

    /// Opens a stream (corked) on the sink, fed from where the track stands;
    /// connects again first if the server has gone (and come back).
    /// A named sink that has gone (headphones unplugged) gives way to the
    /// default one, as the server itself moves a playing stream.
    fn open_stream(&self, timing: &mut Timing, limit: Duration) -> Result<(), ClientError> {
        let open = |timing: &Timing| {
            let params = params(timing.sink.clone(), self.server);
            within_for(limit, timing.client.create_playback_stream(params, self.feed.clone()))
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
        // A server that stalls (stopped, busy) may answer late: as long as
        // the start may take, and never less than any request.
        let patience = limit.max(REPLY);
        if timing.stream.is_none() {
            self.open_stream(timing, patience)?;
        }
        let Some(stream) = timing.stream.clone() else { return Err(ClientError::Disconnected) };
        // The server asks for about what it queues at once; half of that is
        // its pre-buffer, which must be there before it plays.
        self.feed.release(frame + u64::from(bytes(self.server.buffer().0) / 2) / FRAME as u64);
        if self.server == Server::PulseAudio {
            freshen(&timing.client, &stream);
        }
        within_for(patience, stream.uncork())?;
        let at = self.heard_at(timing, frame, limit);
        if let Some((_, back @ None)) = timing.outages.last_mut() {
            *back = Some(frame);
        }
        let took = at.saturating_duration_since(asked);
        timing.slowest = timing.slowest.max(took).min(WAKE);
        // A first start (connecting, perhaps waking the sink) or one held up
        // (a stalled server) says nothing of how long the next one takes.
        if timing.anchor.is_some() && took < SLOW {
            timing.last = took;
        }
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

/// Starts the stream with nothing stale ahead of it. An idle sink that
/// cannot rewind far (PulseAudio's null sink, once a stream asks it for
/// low latency) plays out up to 2 s of silence it rendered before a new
/// stream is heard; a software sink idle that way is suspended and
/// resumed, which costs it nothing and starts it afresh. A sink that is
/// playing for others, or hardware (which rewinds, or would take time to
/// wake), is left as it is.
fn freshen(client: &Client, stream: &PlaybackStream) {
    let Some((_, info)) = query(stream) else { return };
    if Duration::from_micros(info.sink_usec) <= STALE {
        return;
    }
    let Ok(sink) = within(client.sink_info(stream.sink())) else { return };
    if sink.state != protocol::SinkState::Idle || sink.flags.contains(protocol::SinkFlags::HARDWARE) {
        return;
    }
    if within(client.suspend_sink(sink.index, true)).is_ok() {
        let _ = within(client.suspend_sink(sink.index, false));
    }
}
