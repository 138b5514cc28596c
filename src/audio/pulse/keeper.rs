//! The timekeeper: a thread that rests the stream through the track's long
//! silences and wakes it early enough for the next sound, keeps the
//! session's clock on the sound card's, and holds that clock while a late
//! stream starts, so what comes after is shown when it is heard.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::audio::quiet::Rest;
use crate::audio::sounds::RATE;
use crate::clock::Origin;

use super::*;

impl Line {
    /// Whether the stream stays open (corked) through rests: always on
    /// PipeWire; on PulseAudio, for a sink that is slow to start or told to
    /// wake, as reopening would cost it its start again.
    pub(super) fn keeps_open(&self, timing: &Timing) -> bool {
        self.server == Server::PipeWire || timing.slowest > SLOW || !self.wake.is_zero()
    }

    /// How long before a rest's end the stream is started: the slowest start
    /// so far, with headroom, and what the person added.
    pub(super) fn lead(&self, timing: &Timing) -> Duration {
        timing.slowest + HEADROOM + self.wake
    }

    /// Rests the stream through `rest`. PulseAudio keeps its sink at a
    /// corked stream's short latency, waking every few milliseconds, so there
    /// the stream is closed and the server sleeps (unless the sink is slow to
    /// start); on PipeWire it is corked.
    pub(super) fn rest(&self, timing: &mut Timing, rest: Rest) {
        if !self.keeps_open(timing) {
            self.feed.hold();
            if let Some(stream) = timing.stream.take() {
                let _ = within(stream.delete());
            }
        }
        self.halt(timing, rest.wake);
        timing.resting = Some(rest);
    }

    /// One round of the timekeeper: rests, wakes or compares clocks as due,
    /// and says when to look again.
    pub(super) fn keep(&self) -> Instant {
        let mut timing = self.lock_timing();
        let now = Instant::now();
        let Some(heard) = timing.frame_at(now) else { return now + KEEP_TIME };
        if let Some(rest) = timing.resting {
            let due = timing.wake_due(rest, self.lead(&timing), now);
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
            return timing.wake_due(rest, self.lead(&timing), now);
        }
        if now >= timing.check {
            self.compare_clocks(&mut timing);
            timing.check = Instant::now() + KEEP_TIME;
        }
        let cork = next.and_then(|r| timing.instant_of(r.cork as f64)).unwrap_or(timing.check);
        cork.min(timing.check)
    }

    /// Ends a rest: the stream starts from the silence before `rest.wake`,
    /// at the frame due to be heard once it has started (if it starts as
    /// fast as it last did), and the session's clock is moved by however
    /// early or late that frame is heard. A sound that comes back late (a
    /// sink slow to wake, a server that stalled) holds the session's clock
    /// meanwhile: what comes after the rest is shown when it is heard, and
    /// plays whole.
    /// If the stream cannot start (the server has gone), the session goes on
    /// by its clock, and the next try is at the next rest, not at once.
    pub(super) fn wake(&self, timing: &mut Timing, rest: Rest) {
        let ahead = (timing.last.as_secs_f64() * f64::from(RATE)) as u64;
        let from = timing.frame_at(Instant::now()).map_or(rest.wake, |f| (f as u64 + ahead).min(rest.wake));
        // The stream is corked and flushed (or closed): only the feed moves.
        self.feed.seek(from);
        timing.base_frame = from;
        let due = timing.instant_of(from as f64);
        let hold = due.map(|due| Hold::from(due, self.origin.clone()));
        let started = self.start(timing, from, WAKE).is_ok();
        let held = hold.map_or(Duration::ZERO, Hold::release);
        if let (true, Some(due), Some((at, _))) = (started, due, timing.anchor) {
            // The clock's move so far is `held`; it should be `at - due`.
            let late = at.saturating_duration_since(due);
            let early = due.saturating_duration_since(at);
            if late > held {
                self.origin.delay(late - held);
            } else {
                self.origin.advance((held - late) + early);
            }
        }
        if !started {
            timing.resting = None;
            self.lose(timing, rest.wake);
            timing.check = Instant::now() + KEEP_TIME;
        }
    }

    /// Moves the origin by how far the sound has drifted from the system
    /// clock since it was last heard on time, so deadlines follow the sound
    /// card. Differences under 2 ms are measurement noise.
    pub(super) fn compare_clocks(&self, timing: &mut Timing) {
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

/// The timekeeper's thread: it keeps the session's clock on the sound card's
/// and rests the stream through the track's silences, sleeping in between.
pub(super) fn keep_time(line: Arc<Line>) -> (Sender<()>, JoinHandle<()>) {
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

/// Holds the session's clock at `due` while a stream is being started: each
/// time the clock is about to pass it, the origin moves a step later, so no
/// deadline past `due` comes before the sound does.
pub(super) struct Hold {
    pub(super) stop: Sender<()>,
    pub(super) thread: JoinHandle<Duration>,
}

impl Hold {
    /// How far ahead of the clock reaching `due` it is moved on.
    const MARGIN: Duration = Duration::from_millis(20);
    /// How far it is moved each time.
    const STEP: Duration = Duration::from_millis(20);

    pub(super) fn from(due: Instant, origin: Origin) -> Hold {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut held = Duration::ZERO;
            loop {
                let next = (due + held).checked_sub(Self::MARGIN).unwrap_or(due);
                let wait = next.saturating_duration_since(Instant::now());
                if !matches!(stopped.recv_timeout(wait), Err(RecvTimeoutError::Timeout)) {
                    return held;
                }
                origin.delay(Self::STEP);
                held += Self::STEP;
            }
        });
        Hold { stop, thread }
    }

    /// Stops holding; how far the clock was held.
    pub(super) fn release(self) -> Duration {
        drop(self.stop);
        self.thread.join().unwrap_or_default()
    }
}
