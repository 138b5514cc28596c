//! `--json`: one JSON object per line for every event of a session, with the
//! planned and actual monotonic time, for scripts and for measuring accuracy.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use crate::clock::{Moment, Origin, StopReason};
use crate::journal::Session;
use crate::routine::Side;
use crate::routine::timeline::{Cue, CueSound, Observer, Phase, PhaseKind};

/// Writes events to a stream, one line each, flushed at once.
pub(crate) struct JsonEvents<W: Write> {
    out: W,
    reps: u32,
    /// The routine's origin, and where it was when the events began.
    origin: Option<(Origin, std::time::Instant)>,
}

#[derive(Serialize)]
struct Event<'a> {
    event: &'a str,
    phase: PhaseKind,
    rep: u32,
    reps: u32,
    side: Option<Side>,
    /// Milliseconds since the routine started, fractional.
    planned_ms: f64,
    actual_ms: f64,
    /// `actual_ms` on `CLOCK_MONOTONIC`, so a recorder stamping what is heard
    /// on that clock can compare its times with these.
    #[serde(skip_serializing_if = "Option::is_none")]
    monotonic_ms: Option<f64>,
    /// How far behind its plan the routine runs when this event comes, where
    /// that is 1 ms or more: a sound that came back late (an output slow to
    /// wake, a stalled sound server) is shown when it is heard, this late.
    #[serde(skip_serializing_if = "Option::is_none")]
    late_ms: Option<f64>,
    /// The phase's planned length.
    length_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    words: Option<&'a str>,
    /// A countdown tick's cue: the seconds of the hold it says are left.
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// The last event: the session as recorded, so a script can find its record.
#[derive(Serialize)]
struct Summary<'a> {
    event: &'static str,
    /// The record's `id`, in the journal when `logged`.
    id: &'a str,
    completed: bool,
    reps_done: u32,
    reps: u32,
    hold_ms: u64,
    paused_ms: u64,
    /// Whether the record reached the journal.
    logged: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

impl<W: Write> JsonEvents<W> {
    /// Events for a routine of `reps` reps.
    pub(crate) fn new(out: W, reps: u32) -> Self {
        JsonEvents { out, reps, origin: None }
    }

    /// Also gives each event's time on `CLOCK_MONOTONIC`, from the routine's `origin`.
    pub(crate) fn with_origin(mut self, origin: Origin) -> Self {
        let first = origin.get();
        self.origin = Some((origin, first));
        self
    }

    /// The closing event, after the record was (or was not) saved.
    pub(crate) fn summary(&mut self, session: &Session, logged: bool) {
        let line = Summary {
            event: "summary",
            id: &session.id,
            completed: session.completed,
            reps_done: session.reps_done,
            reps: session.reps_planned,
            hold_ms: session.hold_ms,
            paused_ms: session.paused_ms,
            logged,
        };
        let text = serde_json::to_string(&line).expect("events always serialize");
        let _ = writeln!(self.out, "{text}").and_then(|()| self.out.flush());
    }

    fn write(&mut self, event: &str, phase: &Phase, at: Moment, words: Option<&str>, reason: Option<&str>) {
        self.write_line(event, phase, at, words, None, reason);
    }

    fn write_line(
        &mut self,
        event: &str,
        phase: &Phase,
        at: Moment,
        words: Option<&str>,
        count: Option<u32>,
        reason: Option<&str>,
    ) {
        let line = Event {
            event,
            phase: phase.kind,
            rep: phase.rep,
            reps: self.reps,
            side: phase.side,
            planned_ms: ms(at.planned),
            actual_ms: ms(at.actual),
            monotonic_ms: self.origin.as_ref().map(|(o, _)| o.monotonic_ms() + ms(at.actual)),
            late_ms: self
                .origin
                .as_ref()
                .map(|(o, first)| ms(o.get().saturating_duration_since(*first)))
                .filter(|late| *late >= 1.0),
            length_ms: ms(phase.length),
            words,
            count,
            reason,
        };
        // A reader that went away (a closed pipe) must not stop the routine.
        let text = serde_json::to_string(&line).expect("events always serialize");
        let _ = writeln!(self.out, "{text}").and_then(|()| self.out.flush());
    }
}

impl<W: Write> Observer for JsonEvents<W> {
    fn phase(&mut self, phase: &Phase, at: Moment) {
        self.write("phase", phase, at, Some(&phase.words), None);
    }

    fn stopped(&mut self, phase: &Phase, at: Moment, reason: StopReason) {
        let reason = match reason {
            StopReason::Interrupt => "interrupt",
            StopReason::Terminate => "terminate",
            StopReason::Hangup => "hangup",
            StopReason::QuitSignal => "quit-signal",
            StopReason::Quit => "quit",
        };
        self.write("stopped", phase, at, None, Some(reason));
    }

    fn paused(&mut self, phase: &Phase, at: Moment, paused: bool) {
        self.write(if paused { "paused" } else { "resumed" }, phase, at, None, None);
    }

    fn skipped(&mut self, phase: &Phase, at: Moment) {
        self.write("skipped", phase, at, None, None);
    }

    /// Each cue as its moment comes on the routine's clock, which is the
    /// clock of what is heard: a cue that comes back late (an output slow
    /// to wake) comes late here too, and says how late.
    fn cue(&mut self, phase: &Phase, cue: &Cue, at: Moment) {
        match &cue.sound {
            CueSound::PhaseStart { say, .. } => self.write_line("cue", phase, at, say.as_deref(), None, None),
            CueSound::Countdown(left) => self.write_line("cue", phase, at, None, Some(*left), None),
        }
    }

    fn wants_cues(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_is_one_line_with_the_documented_keys() {
        let phase = Phase {
            kind: PhaseKind::Hold,
            rep: 2,
            side: Some(Side::Left),
            start: Duration::from_secs(30),
            length: Duration::from_secs(10),
            words: "Hold.".into(),
        };
        let mut events = JsonEvents::new(Vec::new(), 3);
        let at = Moment { planned: Duration::from_secs(30), actual: Duration::from_micros(30_000_250) };
        events.phase(&phase, at);
        events.stopped(&phase, at, StopReason::Interrupt);
        let text = String::from_utf8(events.out).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "phase");
        assert_eq!(lines[0]["phase"], "hold");
        assert_eq!(lines[0]["rep"], 2);
        assert_eq!(lines[0]["side"], "left");
        assert_eq!(lines[0]["planned_ms"], 30000.0);
        assert_eq!(lines[0]["actual_ms"], 30000.25);
        assert_eq!(lines[1]["event"], "stopped");
        assert_eq!(lines[1]["reason"], "interrupt");
    }

    #[test]
    fn each_cue_is_an_event_with_its_words_or_its_count() {
        let phase = Phase {
            kind: PhaseKind::Hold,
            rep: 1,
            side: None,
            start: Duration::from_secs(5),
            length: Duration::from_secs(10),
            words: "Hold.".into(),
        };
        let say = CueSound::PhaseStart { kind: PhaseKind::Hold, say: Some("Hold the stretch.".into()) };
        let cues = [
            Cue { at: Duration::from_secs(5), phase: 1, sound: say },
            Cue { at: Duration::from_secs(12), phase: 1, sound: CueSound::Countdown(3) },
        ];
        let mut events = JsonEvents::new(Vec::new(), 1);
        assert!(events.wants_cues());
        for cue in &cues {
            events.cue(&phase, cue, Moment { planned: cue.at, actual: cue.at + Duration::from_micros(200) });
        }
        let text = String::from_utf8(events.out).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["event"], "cue");
        assert_eq!(lines[0]["phase"], "hold");
        assert_eq!(lines[0]["words"], "Hold the stretch.");
        assert_eq!(lines[0]["planned_ms"], 5000.0);
        assert_eq!(lines[0]["actual_ms"], 5000.2);
        assert!(lines[0].get("count").is_none());
        assert_eq!(lines[1]["count"], 3);
        assert_eq!(lines[1]["planned_ms"], 12000.0);
        assert!(lines[1].get("words").is_none());
    }
}
