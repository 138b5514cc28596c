//! A routine compiled into a timeline: phases at planned offsets, and the cues
//! that belong to them. The audio track, the runner, the display and the
//! session record are all derived from this one plan.

use std::time::Duration;

use serde::Serialize;

use crate::clock::{Moment, StopReason};

use crate::routine::{Routine, Side};

/// What the person is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PhaseKind {
    /// Getting into position.
    Prepare,
    /// Holding the stretch.
    Hold,
    /// Easing off between holds.
    Rest,
    /// Finished.
    Done,
}

impl PhaseKind {
    /// The lower-case name used in output and events.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PhaseKind::Prepare => "prepare",
            PhaseKind::Hold => "hold",
            PhaseKind::Rest => "rest",
            PhaseKind::Done => "done",
        }
    }
}

/// One phase at its planned place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phase {
    /// What kind of phase.
    pub kind: PhaseKind,
    /// The rep this phase belongs to: 0 while preparing, then 1..=reps.
    pub rep: u32,
    /// The leg, for one-leg holds (and the rest before it).
    pub side: Option<Side>,
    /// Planned offset from the start of the routine.
    pub start: Duration,
    /// Planned length.
    pub length: Duration,
    /// What the screen shows.
    pub words: String,
}

impl Phase {
    /// Planned end offset.
    pub(crate) fn end(&self) -> Duration {
        self.start + self.length
    }
}

/// What a cue asks the sound set to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CueSound {
    /// A phase begins; `say` is what the voice says.
    PhaseStart {
        /// The phase that begins.
        kind: PhaseKind,
        /// The words to speak, if any.
        say: Option<String>,
    },
    /// A countdown tick: this many seconds of the hold are left.
    Countdown(u32),
}

/// A sound at a planned offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cue {
    /// Planned offset from the start of the routine.
    pub at: Duration,
    /// Index of the phase it belongs to.
    pub phase: usize,
    /// What to play.
    pub sound: CueSound,
}

/// The whole plan of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timeline {
    /// The routine's name.
    pub routine: String,
    /// Reps planned.
    pub reps: u32,
    /// Each hold is a step of its own (`[[hold.steps]]`), with its own words,
    /// rather than the same hold again.
    pub stepped: bool,
    /// Phases in order; the last is always `Done`.
    pub phases: Vec<Phase>,
    /// Cues in order of time.
    pub cues: Vec<Cue>,
}

impl Timeline {
    /// The planned length: to the end of the done phase, when the last words have been said.
    pub(crate) fn length(&self) -> Duration {
        self.phases.last().map_or(Duration::ZERO, Phase::end)
    }

    /// Total planned hold time.
    pub(crate) fn hold_time(&self) -> Duration {
        self.phases.iter().filter(|p| p.kind == PhaseKind::Hold).map(|p| p.length).sum()
    }
}

/// Compiles a routine: prepare, then each rep's holds (one per side) separated by
/// rests, then done. There is no rest after the last hold.
pub(crate) fn build(routine: &Routine) -> Timeline {
    build_onto(Plan { phases: Vec::new(), cues: Vec::new(), at: Duration::ZERO }, routine)
}

/// What the voice says when the schedule starts a session in the evening:
/// nobody asked for it just now, so it invites rather than instructs.
pub(crate) const INVITATION: &str = "It's time for your bedtime stretch. Face a wall when you're ready.";

/// The invitation of a session scheduled earlier in the day.
pub(crate) const DAY_INVITATION: &str = "It's time for your stretch. Face a wall when you're ready.";

/// How long the invitation lasts: its recording (3.7 s) and a breath.
pub(crate) const INVITATION_LENGTH: Duration = Duration::from_secs(7);

/// Like [`build`], for a scheduled session: a gentle spoken invitation (a
/// getting-ready phase of its own, which `s` skips) before the routine's
/// prepare phase; to a bedtime stretch only in the `evening`.
pub(crate) fn build_invited(routine: &Routine, evening: bool) -> Timeline {
    let mut plan = Plan { phases: Vec::new(), cues: Vec::new(), at: Duration::ZERO };
    let words = if evening { INVITATION } else { DAY_INVITATION };
    plan.push(PhaseKind::Prepare, 0, None, words, Some(words), INVITATION_LENGTH);
    build_onto(plan, routine)
}

fn build_onto(mut plan: Plan, routine: &Routine) -> Timeline {
    if !routine.prepare.length.is_zero() {
        plan.push(
            PhaseKind::Prepare,
            0,
            None,
            &routine.prepare.words,
            routine.prepare.say.as_deref(),
            routine.prepare.length,
        );
    }
    let sides: Vec<Option<Side>> =
        if routine.sides.is_empty() { vec![None] } else { routine.sides.iter().copied().map(Some).collect() };
    for rep in 1..=routine.reps {
        for (i, &side) in sides.iter().enumerate() {
            let first = rep == 1 && i == 0;
            if !first && !routine.rest.length.is_zero() {
                plan.push(
                    PhaseKind::Rest,
                    rep,
                    side,
                    &routine.rest.words,
                    routine.rest.say.as_deref(),
                    routine.rest.length,
                );
            }
            let (words, say) = match routine.steps.get((rep as usize - 1) % routine.steps.len().max(1)) {
                Some(step) => (&step.words, &step.say),
                None => (&routine.hold.words, &routine.hold.say),
            };
            let words = Routine::words_for(words, side);
            let say = say.as_deref().map(|s| Routine::words_for(s, side));
            plan.push(PhaseKind::Hold, rep, side, &words, say.as_deref(), routine.hold.length);
            plan.countdown(routine.countdown);
        }
    }
    plan.push(
        PhaseKind::Done,
        routine.reps,
        None,
        &routine.done.words,
        routine.done.say.as_deref(),
        routine.done.length,
    );
    Timeline {
        routine: routine.name.clone(),
        reps: routine.reps,
        stepped: !routine.steps.is_empty(),
        phases: plan.phases,
        cues: plan.cues,
    }
}

/// The timeline under construction, with the running offset.
struct Plan {
    phases: Vec<Phase>,
    cues: Vec<Cue>,
    at: Duration,
}

impl Plan {
    fn push(
        &mut self,
        kind: PhaseKind,
        rep: u32,
        side: Option<Side>,
        words: &str,
        say: Option<&str>,
        length: Duration,
    ) {
        let phase = self.phases.len();
        self.cues.push(Cue { at: self.at, phase, sound: CueSound::PhaseStart { kind, say: say.map(str::to_string) } });
        self.phases.push(Phase { kind, rep, side, start: self.at, length, words: words.to_string() });
        self.at += length;
    }

    /// Ticks at 1 s intervals before the end of the phase just pushed, never at its start.
    fn countdown(&mut self, ticks: u32) {
        let Some(hold) = self.phases.last() else { return };
        let (start, end, phase) = (hold.start, hold.end(), self.phases.len() - 1);
        for left in (1..=ticks).rev() {
            let Some(at) = end.checked_sub(Duration::from_secs(u64::from(left))) else { continue };
            if at > start {
                self.cues.push(Cue { at, phase, sound: CueSound::Countdown(left) });
            }
        }
    }
}

/// What watches the session: the display and the event stream.
pub(crate) trait Observer {
    /// A phase began.
    fn phase(&mut self, phase: &Phase, at: Moment);
    /// The routine stopped early, during `phase`.
    fn stopped(&mut self, phase: &Phase, at: Moment, reason: StopReason);
    /// Time to redraw within a phase, `left` before it ends (only if
    /// [`Observer::redraw_every`] asks for it).
    fn redraw(&mut self, _phase: &Phase, _left: Duration) {}
    /// A cue's moment came, in `phase` (only if [`Observer::wants_cues`]):
    /// `at.planned` is where the cue falls on the routine's clock (its plan,
    /// moved by pauses and skips), `at.actual` when it came.
    fn cue(&mut self, _phase: &Phase, _cue: &Cue, _at: Moment) {}
    /// The session was paused or resumed, in `phase`.
    fn paused(&mut self, _phase: &Phase, _at: Moment, _paused: bool) {}
    /// The rest of `phase` was skipped.
    fn skipped(&mut self, _phase: &Phase, _at: Moment) {}
    /// How often to call [`Observer::redraw`]; `None` for never. Each
    /// redraw wakes the process, which otherwise sleeps to the next deadline.
    fn redraw_every(&self) -> Option<Duration> {
        None
    }
    /// Whether to wake for each cue.
    fn wants_cues(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_invited_session_begins_with_the_invitation_then_the_routine_unchanged() {
        let routine = crate::routine::catalog::resolve("wall-calf", None).unwrap().0;
        let plain = build(&routine);
        for (evening, words) in [(true, INVITATION), (false, DAY_INVITATION)] {
            let invited = build_invited(&routine, evening);
            assert_eq!(invited.phases[0].kind, PhaseKind::Prepare);
            assert_eq!(invited.phases[0].words, words);
            assert_eq!(invited.phases.len(), plain.phases.len() + 1);
            assert_eq!(invited.length(), plain.length() + INVITATION_LENGTH);
            assert_eq!(invited.phases[1].start, INVITATION_LENGTH);
            let clip = crate::audio::sounds::recorded(words).expect("the invitation is recorded");
            let seconds = clip.length().as_secs_f64();
            assert!(seconds < INVITATION_LENGTH.as_secs_f64() - 1.0, "{seconds} s leaves a breath before the routine");
        }
    }

    use super::*;
    use crate::routine::catalog;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn wall_calf() -> Timeline {
        build(&catalog::resolve("wall-calf", None).unwrap().0)
    }

    #[test]
    fn wall_calf_is_prepare_three_holds_two_rests_and_done() {
        let t = wall_calf();
        let kinds: Vec<_> = t.phases.iter().map(|p| (p.kind.name(), p.rep)).collect();
        assert_eq!(
            kinds,
            [("prepare", 0), ("hold", 1), ("rest", 2), ("hold", 2), ("rest", 3), ("hold", 3), ("done", 3)]
        );
        let starts: Vec<_> = t.phases.iter().map(|p| p.start.as_secs()).collect();
        assert_eq!(starts, [0, 15, 25, 30, 40, 45, 55]);
        assert_eq!(t.length(), Duration::from_secs(60));
        assert_eq!(t.hold_time(), Duration::from_secs(30));
    }

    #[test]
    fn phases_are_contiguous() {
        let t = wall_calf();
        for pair in t.phases.windows(2) {
            assert_eq!(pair[0].end(), pair[1].start);
        }
    }

    #[test]
    fn countdown_ticks_fall_in_the_last_seconds_of_each_hold() {
        let t = wall_calf();
        let ticks: Vec<_> = t
            .cues
            .iter()
            .filter_map(|c| match c.sound {
                CueSound::Countdown(n) => Some((c.at.as_secs(), n)),
                _ => None,
            })
            .collect();
        assert_eq!(ticks, [(22, 3), (23, 2), (24, 1), (37, 3), (38, 2), (39, 1), (52, 3), (53, 2), (54, 1)]);
    }

    #[test]
    fn cues_are_in_time_order_and_each_phase_starts_with_one() {
        let t = wall_calf();
        assert!(t.cues.windows(2).all(|w| w[0].at <= w[1].at));
        for (i, phase) in t.phases.iter().enumerate() {
            assert!(t.cues.iter().any(|c| c.phase == i && c.at == phase.start));
        }
    }

    #[test]
    fn sides_alternate_within_each_rep() {
        let t = build(&catalog::resolve("wall-calf-single", None).unwrap().0);
        let holds: Vec<_> =
            t.phases.iter().filter(|p| p.kind == PhaseKind::Hold).map(|p| (p.rep, p.side.map(Side::name))).collect();
        assert_eq!(holds, [(1, Some("left")), (1, Some("right")), (2, Some("left")), (2, Some("right"))]);
        assert!(t.phases[1].words.starts_with("Left leg back"));
    }

    #[test]
    fn steps_word_successive_holds_in_turn() {
        let text = "reps = 3\n[hold]\nduration = 5\n[[hold.steps]]\nwords = \"A\"\n[[hold.steps]]\nwords = \"B\"\n";
        let t = build(&crate::routine::parse("s", "s.toml", text).unwrap());
        let words: Vec<_> = t.phases.iter().filter(|p| p.kind == PhaseKind::Hold).map(|p| p.words.as_str()).collect();
        assert_eq!(words, ["A", "B", "A"]);
    }

    #[test]
    fn short_holds_get_only_the_ticks_that_fit() {
        let mut r = catalog::resolve("wall-calf", None).unwrap().0;
        r.hold.length = ms(2500);
        r.reps = 1;
        let t = build(&r);
        let ticks = t.cues.iter().filter(|c| matches!(c.sound, CueSound::Countdown(_))).count();
        assert_eq!(ticks, 2);
    }

    #[test]
    fn zero_length_prepare_and_rest_are_left_out() {
        let mut r = catalog::resolve("wall-calf", None).unwrap().0;
        r.prepare.length = Duration::ZERO;
        r.rest.length = Duration::ZERO;
        let kinds: Vec<_> = build(&r).phases.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [PhaseKind::Hold, PhaseKind::Hold, PhaseKind::Hold, PhaseKind::Done]);
    }
}
