//! Time for the runner: a monotonic clock that sleeps to absolute deadlines and
//! wakes early for controls (Ctrl-C, keys), and a fake one for tests, built
//! only for this crate's tests, so the program itself cannot run on a clock
//! that does not tell the time. Beside it, the small types the runner shares
//! with what it drives and what it tells (audio, display, signals): a
//! [`Moment`], a [`Control`], a [`StopReason`], the [`Origin`] of the
//! routine's time and the audio [`Transport`]. This module imports nothing of
//! the program's own, so any layer may use it.

#[cfg(test)]
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A moment of the session: when it was planned and when it happened, both as
/// offsets from the start of the routine on the monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moment {
    /// The deadline (planned offset, moved by pauses and skips).
    pub planned: Duration,
    /// When the runner acted on it.
    pub actual: Duration,
}

/// The audio player, driven in step with the timer.
pub(crate) trait Transport {
    /// Pause playback.
    fn pause(&mut self);
    /// Resume playback.
    fn resume(&mut self);
    /// Jump to an offset of the track.
    fn seek(&mut self, offset: Duration);
    /// Stop playback now.
    fn stop(&mut self);
}

/// Why a routine stops before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP: the terminal was closed.
    Hangup,
    /// SIGQUIT (Ctrl-\\).
    QuitSignal,
    /// `q` or Esc.
    Quit,
}

impl StopReason {
    /// The exit code a session stopped this way ends with: 128 + the signal,
    /// and `q` or Esc like Ctrl-C.
    pub(crate) fn exit_code(self) -> u8 {
        use crate::error::code;
        match self {
            StopReason::Interrupt | StopReason::Quit => code::INTERRUPTED,
            StopReason::Terminate => code::TERMINATED,
            StopReason::Hangup => code::HANGUP,
            StopReason::QuitSignal => code::QUIT_SIGNAL,
        }
    }
}

/// Something that interrupts the wait for the next deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// Stop now and record a partial session.
    Stop(StopReason),
    /// Pause the timer and the audio.
    Pause,
    /// Skip the rest of a prepare or rest phase.
    Skip,
    /// The origin moved earlier: a deadline being waited for may be due now.
    /// The clock acts on it itself; the runner never receives it.
    Retime,
}

/// The runner's view of time: offsets from the start of the routine.
pub(crate) trait Clock {
    /// Time elapsed since the routine started.
    fn now(&self) -> Duration;

    /// Waits until `deadline` (an offset from the start), or forever if `None`.
    /// Returns early with the control that arrived, if any.
    fn wait_until(&mut self, deadline: Option<Duration>) -> Option<Control>;
}

/// The instant the routine started, shared between the clock and whoever keeps
/// it in step with what is heard: the sound output sets it to the instant the
/// track's first sample is heard, and nudges it when the sound card's clock
/// and the system's drift apart, so the output's clock is the master.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    at: Arc<Mutex<Instant>>,
    /// Wakes the clock when the origin moves earlier.
    clock: Option<Sender<Control>>,
}

impl Origin {
    /// An origin at `at`.
    pub(crate) fn at(at: Instant) -> Self {
        Origin { at: Arc::new(Mutex::new(at)), clock: None }
    }

    /// The same origin, waking the clock that reads `controls` when it moves
    /// earlier: a deadline it sleeps towards may have come.
    pub(crate) fn waking(self, controls: Sender<Control>) -> Self {
        Origin { clock: Some(controls), ..self }
    }

    fn lock(&self) -> MutexGuard<'_, Instant> {
        self.at.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The instant the routine started.
    pub(crate) fn get(&self) -> Instant {
        *self.lock()
    }

    /// Moves the origin to `at`.
    pub(crate) fn set(&self, at: Instant) {
        *self.lock() = at;
    }

    /// Moves the origin later by `by` (the sound is behind the system clock).
    /// A clock asleep re-reads the origin when it wakes, and sleeps on.
    pub(crate) fn delay(&self, by: Duration) {
        *self.lock() += by;
    }

    /// Moves the origin earlier by `by` (the sound is ahead of the system
    /// clock), and wakes the clock.
    pub(crate) fn advance(&self, by: Duration) {
        {
            let mut origin = self.lock();
            *origin = origin.checked_sub(by).unwrap_or(*origin);
        }
        if let Some(clock) = &self.clock {
            let _ = clock.send(Control::Retime);
        }
    }

    /// The origin on `CLOCK_MONOTONIC`, in milliseconds: what `Instant` reads
    /// on Linux, so other programs (a recorder stamping what is heard) can
    /// compare their readings with the session's events.
    pub(crate) fn monotonic_ms(&self) -> f64 {
        let Ok(now) = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC) else { return f64::NAN };
        let since = Instant::now().saturating_duration_since(self.get());
        let now_ms = now.tv_sec() as f64 * 1e3 + now.tv_nsec() as f64 / 1e6;
        now_ms - since.as_nanos() as f64 / 1e6
    }
}

/// The real clock: `Instant` is monotonic, and every wait targets
/// `origin + deadline`, so lateness never accumulates across phases. With
/// sound, the origin is the instant the first sample is heard and follows the
/// output's clock (see [`Origin`]).
pub(crate) struct MonotonicClock {
    origin: Origin,
    controls: Receiver<Control>,
}

impl MonotonicClock {
    /// Starts the clock now; controls sent on the channel wake it.
    #[cfg(test)]
    pub(crate) fn start(controls: Receiver<Control>) -> Self {
        Self::from_origin(Origin::at(Instant::now()), controls)
    }

    /// A clock counting from `origin`, which its owner may move.
    pub(crate) fn from_origin(origin: Origin, controls: Receiver<Control>) -> Self {
        MonotonicClock { origin, controls }
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin.get())
    }

    fn wait_until(&mut self, deadline: Option<Duration>) -> Option<Control> {
        let Some(deadline) = deadline else {
            return self.controls.iter().find(|c| *c != Control::Retime);
        };
        loop {
            // Read afresh each time round: the output may have moved the origin.
            let target = self.origin.get() + deadline;
            let now = Instant::now();
            if now >= target {
                return None;
            }
            match self.controls.recv_timeout(target - now) {
                Ok(Control::Retime) | Err(RecvTimeoutError::Timeout) => continue,
                Ok(control) => return Some(control),
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(target - now),
            }
        }
    }
}

/// A clock for tests: time moves only when the runner waits, by exactly as
/// much as asked (plus a fixed lateness), and scripted controls arrive at
/// their scripted times. Whole routines run in microseconds.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct FakeClock {
    now: Duration,
    lateness: Duration,
    script: VecDeque<(Duration, Control)>,
    /// Every deadline the runner waited for, in order.
    pub waits: Vec<Option<Duration>>,
}

#[cfg(test)]
impl FakeClock {
    /// A clock at zero with no lateness and no controls.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Every wait ends this much after its deadline.
    pub(crate) fn late_by(mut self, lateness: Duration) -> Self {
        self.lateness = lateness;
        self
    }

    /// Delivers `control` at `at` (controls must be scripted in time order).
    pub(crate) fn control_at(mut self, at: Duration, control: Control) -> Self {
        self.script.push_back((at, control));
        self
    }
}

#[cfg(test)]
impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.now
    }

    fn wait_until(&mut self, deadline: Option<Duration>) -> Option<Control> {
        self.waits.push(deadline);
        if let Some(&(at, control)) = self.script.front()
            && deadline.is_none_or(|d| at <= d)
        {
            self.script.pop_front();
            self.now = self.now.max(at);
            return Some(control);
        }
        match deadline {
            Some(d) => self.now = self.now.max(d + self.lateness),
            None => panic!("the runner waited forever with no control scripted"),
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn monotonic_clock_wakes_at_the_deadline_not_before() {
        let (_tx, rx) = mpsc::channel();
        let mut clock = MonotonicClock::start(rx);
        assert_eq!(clock.wait_until(Some(Duration::from_millis(20))), None);
        assert!(clock.now() >= Duration::from_millis(20));
    }

    #[test]
    fn monotonic_clock_wakes_early_for_a_control() {
        let (tx, rx) = mpsc::channel();
        let mut clock = MonotonicClock::start(rx);
        tx.send(Control::Pause).unwrap();
        assert_eq!(clock.wait_until(Some(Duration::from_secs(60))), Some(Control::Pause));
        assert!(clock.now() < Duration::from_secs(1));
    }

    #[test]
    fn an_origin_moved_earlier_wakes_the_clock_for_a_deadline_now_due() {
        let (tx, rx) = mpsc::channel();
        let origin = Origin::at(Instant::now()).waking(tx.clone());
        let mut clock = MonotonicClock::from_origin(origin.clone(), rx);
        // Already queued: the clock re-reads the origin and finds the deadline past.
        origin.advance(Duration::from_secs(60));
        assert_eq!(clock.wait_until(Some(Duration::from_secs(30))), None);
        assert!(clock.now() >= Duration::from_secs(60));
        // A retime never reaches the runner as a control.
        origin.advance(Duration::from_secs(1));
        tx.send(Control::Skip).unwrap();
        assert_eq!(clock.wait_until(None), Some(Control::Skip));
    }

    #[test]
    fn fake_clock_jumps_to_deadlines_and_scripted_controls() {
        let mut clock =
            FakeClock::new().late_by(Duration::from_micros(5)).control_at(Duration::from_secs(3), Control::Skip);
        assert_eq!(clock.wait_until(Some(Duration::from_secs(1))), None);
        assert_eq!(clock.now(), Duration::from_micros(1_000_005));
        assert_eq!(clock.wait_until(Some(Duration::from_secs(5))), Some(Control::Skip));
        assert_eq!(clock.now(), Duration::from_secs(3));
    }
}
