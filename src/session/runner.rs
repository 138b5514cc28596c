//! Walks a timeline against a clock. Every phase begins at the absolute
//! deadline `start + planned offset (+ time paused - time skipped)`; sleeps
//! are never summed, so lateness cannot pile up. The runner tells an
//! [`Observer`] (display, events) what happens, keeps the audio [`Transport`]
//! in step, and returns what was done.

use std::time::Duration;

use crate::clock::{Clock, Control, Moment, StopReason, Transport};
use crate::routine::timeline::{Observer, Phase, PhaseKind, Timeline};

/// What the session did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Whether the routine reached its done phase.
    pub completed: bool,
    /// Why it stopped early, if it did.
    pub stopped: Option<StopReason>,
    /// Reps whose every hold finished.
    pub reps_done: u32,
    /// Time actually spent holding (never paused time).
    pub hold: Duration,
    /// Time spent paused.
    pub paused: Duration,
    /// Offset at which the session ended.
    pub ended: Duration,
}

/// Runs `timeline` to its done phase, or until a stop arrives.
pub(crate) fn run(
    timeline: &Timeline,
    clock: &mut impl Clock,
    observer: &mut dyn Observer,
    transport: &mut dyn Transport,
) -> Outcome {
    let mut walk = Walk {
        timeline,
        paused: Duration::ZERO,
        skipped: Duration::ZERO,
        next: 0,
        next_cue: 0,
        holds_done: 0,
        hold: Duration::ZERO,
    };
    loop {
        let target = walk.next_wake(clock.now(), observer);
        let control = clock.wait_until(Some(target));
        if let Some(control) = control
            && let Some(outcome) = walk.control(control, clock, observer, transport)
        {
            return outcome;
        }
        let now = clock.now();
        let due = walk.deadline(walk.next);
        if now >= due {
            // The phase is told before its first cue, which comes with it.
            let done = walk.begin_next(Moment { planned: due, actual: now }, observer).kind == PhaseKind::Done;
            walk.ring_due_cues(now, observer);
            if done {
                return walk.outcome(now, None);
            }
        } else {
            walk.ring_due_cues(now, observer);
            if let Some(current) = walk.current() {
                observer.redraw(current, due - now);
            }
        }
    }
}

/// The runner's position in the timeline.
struct Walk<'a> {
    timeline: &'a Timeline,
    /// Total time paused so far: every later deadline moves by it.
    paused: Duration,
    /// Total time skipped so far: every later deadline comes that much sooner.
    skipped: Duration,
    /// Index of the phase that begins next.
    next: usize,
    /// Index of the next cue not yet due.
    next_cue: usize,
    holds_done: u32,
    hold: Duration,
}

impl Walk<'_> {
    fn shifted(&self, planned: Duration) -> Duration {
        (planned + self.paused).saturating_sub(self.skipped)
    }

    /// The absolute deadline of phase `i`.
    fn deadline(&self, i: usize) -> Duration {
        self.shifted(self.timeline.phases[i].start)
    }

    fn current(&self) -> Option<&Phase> {
        self.next.checked_sub(1).map(|i| &self.timeline.phases[i])
    }

    /// The earliest of: the next phase, the next cue (if watched), the next redraw.
    fn next_wake(&self, now: Duration, observer: &dyn Observer) -> Duration {
        let mut target = self.deadline(self.next);
        if observer.wants_cues()
            && let Some(cue) = self.timeline.cues.get(self.next_cue)
        {
            target = target.min(self.shifted(cue.at));
        }
        if let Some(every) = observer.redraw_every().filter(|e| !e.is_zero()) {
            // Counted back from the phase's end, so the time left is a whole
            // number of `every` at each redraw, however long a pause was.
            let left = target.saturating_sub(now).as_nanos();
            if left > 0 {
                let whole = (left - 1) / every.as_nanos() * every.as_nanos();
                target = target.min(target - Duration::from_nanos(whole as u64));
            }
        }
        target
    }

    fn ring_due_cues(&mut self, now: Duration, observer: &mut dyn Observer) {
        while let Some(cue) = self.timeline.cues.get(self.next_cue) {
            let due = self.shifted(cue.at);
            if due > now {
                break;
            }
            if observer.wants_cues() {
                observer.cue(&self.timeline.phases[cue.phase], cue, Moment { planned: due, actual: now });
            }
            self.next_cue += 1;
        }
    }

    fn begin_next(&mut self, at: Moment, observer: &mut dyn Observer) -> &Phase {
        if let Some(ended) = self.current()
            && ended.kind == PhaseKind::Hold
        {
            self.hold += ended.length;
            self.holds_done += 1;
        }
        let phase = &self.timeline.phases[self.next];
        self.next += 1;
        observer.phase(phase, at);
        phase
    }

    /// Acts on a control; returns the outcome if it ends the session.
    fn control(
        &mut self,
        control: Control,
        clock: &mut impl Clock,
        observer: &mut dyn Observer,
        transport: &mut dyn Transport,
    ) -> Option<Outcome> {
        let current = self.current()?.clone();
        match control {
            Control::Stop(reason) => {
                let now = clock.now();
                let at = Moment { planned: now, actual: now };
                return Some(self.stop(&current, at, reason, observer, transport));
            }
            Control::Pause => return self.pause(&current, clock, observer, transport),
            Control::Skip if matches!(current.kind, PhaseKind::Prepare | PhaseKind::Rest) => {
                // The next phase begins when it is heard: the output returns
                // from the seek once its sound has reached the ear.
                transport.seek(self.timeline.phases[self.next].start);
                let now = clock.now();
                let due = self.deadline(self.next);
                self.skipped += due.saturating_sub(now);
                self.skip_cues_before(now);
                observer.skipped(&current, Moment { planned: now, actual: now });
            }
            Control::Skip | Control::Retime => {}
        }
        None
    }

    fn stop(
        &mut self,
        current: &Phase,
        at: Moment,
        reason: StopReason,
        observer: &mut dyn Observer,
        transport: &mut dyn Transport,
    ) -> Outcome {
        transport.stop();
        if current.kind == PhaseKind::Hold {
            let held = at.actual.saturating_sub(self.shifted(current.start));
            self.hold += held.min(current.length);
        }
        observer.stopped(current, at, reason);
        self.outcome(at.actual, Some(reason))
    }

    /// Waits, with the timer and the audio held, until resumed or stopped.
    fn pause(
        &mut self,
        current: &Phase,
        clock: &mut impl Clock,
        observer: &mut dyn Observer,
        transport: &mut dyn Transport,
    ) -> Option<Outcome> {
        transport.pause();
        let began = clock.now();
        observer.paused(current, Moment { planned: began, actual: began }, true);
        loop {
            match clock.wait_until(None) {
                Some(Control::Stop(reason)) => {
                    let now = clock.now();
                    self.paused += now.saturating_sub(began);
                    return Some(self.stop(current, Moment { planned: now, actual: now }, reason, observer, transport));
                }
                Some(Control::Pause) | None => break,
                Some(Control::Skip | Control::Retime) => {}
            }
        }
        // Resumed when it is heard again: the output returns once it is.
        transport.resume();
        let now = clock.now();
        self.paused += now.saturating_sub(began);
        observer.paused(current, Moment { planned: now, actual: now }, false);
        None
    }

    /// Cues of a skipped stretch of time are dropped, not rung late.
    fn skip_cues_before(&mut self, now: Duration) {
        while self.timeline.cues.get(self.next_cue).is_some_and(|c| self.shifted(c.at) < now) {
            self.next_cue += 1;
        }
    }

    fn outcome(&self, now: Duration, stopped: Option<StopReason>) -> Outcome {
        let holds = self.timeline.phases.iter().filter(|p| p.kind == PhaseKind::Hold).count() as u32;
        let per_rep = (holds / self.timeline.reps.max(1)).max(1);
        Outcome {
            completed: stopped.is_none(),
            stopped,
            reps_done: self.holds_done / per_rep,
            hold: self.hold,
            paused: self.paused,
            ended: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use crate::routine::catalog;
    use crate::routine::timeline::{self, Cue};

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn wall_calf() -> Timeline {
        timeline::build(&catalog::resolve("wall-calf", None).unwrap().0)
    }

    /// Records what the runner reports.
    #[derive(Default)]
    struct Log {
        phases: Vec<(PhaseKind, u32, Moment)>,
        stopped: Option<(PhaseKind, StopReason)>,
        redraws: usize,
        /// The time left at each redraw.
        lefts: Vec<Duration>,
        cues: Vec<Duration>,
        pauses: Vec<bool>,
        redraw_every: Option<Duration>,
        wants_cues: bool,
    }

    impl Observer for Log {
        fn phase(&mut self, phase: &Phase, at: Moment) {
            self.phases.push((phase.kind, phase.rep, at));
        }
        fn stopped(&mut self, phase: &Phase, _at: Moment, reason: StopReason) {
            self.stopped = Some((phase.kind, reason));
        }
        fn redraw(&mut self, _phase: &Phase, left: Duration) {
            self.redraws += 1;
            self.lefts.push(left);
        }
        fn cue(&mut self, _phase: &Phase, cue: &Cue, _at: Moment) {
            self.cues.push(cue.at);
        }
        fn paused(&mut self, _phase: &Phase, _at: Moment, paused: bool) {
            self.pauses.push(paused);
        }
        fn redraw_every(&self) -> Option<Duration> {
            self.redraw_every
        }
        fn wants_cues(&self) -> bool {
            self.wants_cues
        }
    }

    /// Records what the audio was told.
    #[derive(Default)]
    struct Tape(Vec<String>);

    impl Transport for Tape {
        fn pause(&mut self) {
            self.0.push("pause".into());
        }
        fn resume(&mut self) {
            self.0.push("resume".into());
        }
        fn seek(&mut self, offset: Duration) {
            self.0.push(format!("seek {}ms", offset.as_millis()));
        }
        fn stop(&mut self) {
            self.0.push("stop".into());
        }
    }

    fn run_with(clock: &mut FakeClock, log: &mut Log, tape: &mut Tape) -> Outcome {
        run(&wall_calf(), clock, log, tape)
    }

    #[test]
    fn a_whole_routine_runs_on_time() {
        let (mut clock, mut log, mut tape) = (FakeClock::new(), Log::default(), Tape::default());
        let outcome = run_with(&mut clock, &mut log, &mut tape);
        assert_eq!(
            outcome,
            Outcome {
                completed: true,
                stopped: None,
                reps_done: 3,
                hold: secs(30),
                paused: Duration::ZERO,
                ended: secs(55)
            }
        );
        let starts: Vec<_> = log.phases.iter().map(|(_, _, m)| m.actual.as_secs()).collect();
        assert_eq!(starts, [0, 15, 25, 30, 40, 45, 55]);
        assert!(tape.0.is_empty());
    }

    #[test]
    fn deadlines_are_absolute_so_lateness_never_accumulates() {
        let late = Duration::from_micros(1500);
        let (mut clock, mut log, mut tape) = (FakeClock::new().late_by(late), Log::default(), Tape::default());
        run_with(&mut clock, &mut log, &mut tape);
        for (_, _, m) in &log.phases {
            assert_eq!(m.actual - m.planned, late, "each phase is late by one wake, not by the sum");
        }
        let waited: Vec<_> = clock.waits.iter().flatten().map(|d| d.as_secs()).collect();
        assert_eq!(waited, [0, 15, 25, 30, 40, 45, 55]);
    }

    #[test]
    fn redraws_and_cues_wake_the_runner_when_watched() {
        let mut log = Log { redraw_every: Some(Duration::from_secs(1)), wants_cues: true, ..Log::default() };
        let mut clock = FakeClock::new();
        run_with(&mut clock, &mut log, &mut Tape::default());
        assert_eq!(log.redraws, 56 - 7, "one redraw a second from 0 to 55 s, less the phase starts");
        let t = wall_calf();
        assert_eq!(log.cues, t.cues.iter().map(|c| c.at).collect::<Vec<_>>());
    }

    #[test]
    fn after_a_pause_redraws_still_fall_on_whole_seconds_left() {
        let mut clock = FakeClock::new()
            .control_at(Duration::from_millis(20_500), Control::Pause)
            .control_at(Duration::from_millis(21_800), Control::Pause);
        let mut log = Log { redraw_every: Some(secs(1)), ..Log::default() };
        run_with(&mut clock, &mut log, &mut Tape::default());
        let between: Vec<_> = log.lefts.iter().filter(|left| left.subsec_nanos() != 0).collect();
        assert_eq!(between, [&Duration::from_millis(4_500)], "only the resume itself: {:?}", log.lefts);
        assert!(log.lefts.len() >= 56 - 7, "{}", log.lefts.len());
    }

    #[test]
    fn a_stop_mid_hold_keeps_the_held_time_and_stops_the_audio() {
        let mut clock = FakeClock::new().control_at(secs(33), Control::Stop(StopReason::Interrupt));
        let (mut log, mut tape) = (Log::default(), Tape::default());
        let outcome = run_with(&mut clock, &mut log, &mut tape);
        assert!(!outcome.completed);
        assert_eq!(outcome.stopped, Some(StopReason::Interrupt));
        assert_eq!(outcome.reps_done, 1);
        assert_eq!(outcome.hold, secs(13), "10 s of the first hold, 3 s of the second");
        assert_eq!(log.stopped, Some((PhaseKind::Hold, StopReason::Interrupt)));
        assert_eq!(tape.0, ["stop"]);
    }

    #[test]
    fn a_pause_moves_every_later_deadline_and_never_counts_as_hold() {
        let mut clock = FakeClock::new().control_at(secs(20), Control::Pause).control_at(secs(80), Control::Pause);
        let (mut log, mut tape) = (Log::default(), Tape::default());
        let outcome = run_with(&mut clock, &mut log, &mut tape);
        assert!(outcome.completed);
        assert_eq!(outcome.paused, secs(60));
        assert_eq!(outcome.hold, secs(30));
        assert_eq!(outcome.ended, secs(115));
        let starts: Vec<_> = log.phases.iter().map(|(_, _, m)| m.planned.as_secs()).collect();
        assert_eq!(starts, [0, 15, 85, 90, 100, 105, 115]);
        assert_eq!(tape.0, ["pause", "resume"]);
        assert_eq!(log.pauses, [true, false]);
    }

    #[test]
    fn a_stop_while_paused_counts_the_pause() {
        let mut clock =
            FakeClock::new().control_at(secs(20), Control::Pause).control_at(secs(50), Control::Stop(StopReason::Quit));
        let outcome = run_with(&mut clock, &mut Log::default(), &mut Tape::default());
        assert_eq!(outcome.paused, secs(30));
        assert_eq!(outcome.hold, secs(5));
        assert_eq!(outcome.reps_done, 0);
    }

    #[test]
    fn skip_ends_prepare_or_rest_at_once_and_moves_the_audio() {
        let mut clock = FakeClock::new().control_at(secs(2), Control::Skip).control_at(secs(5), Control::Skip);
        let (mut log, mut tape) = (Log::default(), Tape::default());
        let outcome = run_with(&mut clock, &mut log, &mut tape);
        // The first skip ends prepare at 2 s; the second comes during a hold and is ignored.
        let starts: Vec<_> = log.phases.iter().map(|(_, _, m)| m.planned.as_secs()).collect();
        assert_eq!(starts, [0, 2, 12, 17, 27, 32, 42]);
        assert_eq!(tape.0, ["seek 15000ms"]);
        assert_eq!(outcome.hold, secs(30));
    }
}
