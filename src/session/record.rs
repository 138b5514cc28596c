//! A session from its first cue to its journal record, apart from everything
//! around it (the lock, the keys, the signals, the device, the display, the
//! journal file). Given a clock and the wall-clock time it starts, it is a
//! plain function of its inputs, so a whole session runs in tests on the fake
//! clock, with no sleeping and nothing written.

use crate::term::words::count;
use std::time::Duration;

use chrono::{DateTime, TimeZone};

use crate::clock::{Clock, Transport};
use crate::journal::AudioUsed;
use crate::journal::{self, SCHEMA, Session, Source};
use crate::routine::timeline::Observer;
use crate::session::Request;
use crate::session::runner::{self, Outcome};
use crate::time::duration;

/// Runs the session `request` asks for, from `now` (the wall-clock time the
/// routine starts, in the zone it is recorded in), heard as `audio`; returns
/// its record, ready to save, and what the runner measured.
pub(crate) fn run_session<Tz: TimeZone>(
    request: &Request,
    audio: AudioUsed,
    clock: &mut impl Clock,
    now: DateTime<Tz>,
    observer: &mut dyn Observer,
    transport: &mut dyn Transport,
) -> (Session, Outcome) {
    let outcome = runner::run(&request.timeline, clock, observer, transport);
    (record(request, audio, &outcome, now), outcome)
}

/// The record of a finished or stopped session. `ended` is `now` plus the
/// time on the monotonic clock, so a wall-clock jump mid-session cannot skew
/// it; it is computed in `now`'s zone, so it carries the offset in force then.
fn record<Tz: TimeZone>(request: &Request, audio: AudioUsed, outcome: &Outcome, now: DateTime<Tz>) -> Session {
    let timeline = &request.timeline;
    let ended = now.clone() + chrono::Duration::from_std(outcome.ended).unwrap_or_default();
    Session {
        v: SCHEMA,
        id: journal::new_id(),
        routine: timeline.routine.clone(),
        started: now.fixed_offset(),
        ended: ended.fixed_offset(),
        reps_planned: timeline.reps,
        reps_done: outcome.reps_done,
        hold_ms: u64::try_from(outcome.hold.as_millis()).unwrap_or(u64::MAX),
        completed: outcome.completed,
        source: request.source,
        audio,
        paused_ms: u64::try_from(outcome.paused.as_millis()).unwrap_or(u64::MAX),
        cramp: request.cramp.clone(),
        // A scheduled session is attended once someone shows they were there.
        attended: Some(request.source != Source::Cron),
        skipped: false,
        note: request.note.clone(),
    }
}

/// The closing line: what was done, and where (or whether) it was logged.
pub(crate) fn summary(session: &Session, logged: &str) -> String {
    // A scheduled session nobody has shown they attended played, as `log` says.
    let what = match (session.completed, session.attended) {
        (true, Some(false)) => "Played, not confirmed,",
        (true, _) => "Completed",
        (false, _) => "Stopped",
    };
    let held = duration::format_rounded(Duration::from_millis(session.hold_ms));
    let paused = match session.paused_ms {
        0 => String::new(),
        ms => format!(", paused {}", duration::format_rounded(Duration::from_millis(ms))),
    };
    let reps = count(session.reps_planned, "rep");
    format!("{what} {}: {} of {reps}, {held} held{paused}; {logged}", session.routine, session.reps_done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::Output;
    use crate::audio::sounds::SoundSet;
    use crate::clock::{Control, FakeClock, StopReason};
    use crate::journal::Source;
    use crate::routine::catalog;
    use crate::routine::timeline;
    use crate::session::events::JsonEvents;
    use chrono::{DateTime, FixedOffset};

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// wall-calf: prepare 15 s, then 3 reps of a 10 s hold and a 5 s rest; 55 s in all.
    fn request(source: Source, cramp: Option<&str>) -> Request {
        Request {
            timeline: timeline::build(&catalog::resolve("wall-calf", None).unwrap().0),
            sounds: SoundSet::Off,
            volume: 80,
            device: None,
            wake: Duration::ZERO,
            json: true,
            log: true,
            cramp: cramp.map(String::from),
            note: None,
            source,
            color: crate::term::look::ColorChoice::Never,
        }
    }

    fn at(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    /// Runs a whole session on `clock` from 22:30 with sounds off; returns the
    /// record (its id checked, then blanked), the outcome, and the JSON events.
    fn run(request: &Request, clock: &mut FakeClock) -> (Session, Outcome, Vec<serde_json::Value>) {
        let mut out = Vec::new();
        let mut events = JsonEvents::new(&mut out, request.timeline.reps);
        let (session, outcome) = run_session(
            request,
            AudioUsed::Off,
            clock,
            at("2025-03-01T22:30:00+01:00"),
            &mut events,
            &mut Output::Silent,
        );
        assert_eq!(session.id.len(), 36, "a UUID: {}", session.id);
        let text = String::from_utf8(out).unwrap();
        let events = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (Session { id: String::new(), ..session }, outcome, events)
    }

    fn expected() -> Session {
        Session {
            v: SCHEMA,
            id: String::new(),
            routine: "wall-calf".into(),
            started: at("2025-03-01T22:30:00+01:00"),
            ended: at("2025-03-01T22:30:55+01:00"),
            reps_planned: 3,
            reps_done: 3,
            hold_ms: 30_000,
            completed: true,
            source: Source::Terminal,
            audio: AudioUsed::Off,
            paused_ms: 0,
            cramp: None,
            attended: Some(true),
            skipped: false,
            note: None,
        }
    }

    #[test]
    fn a_completed_session_is_recorded_whole_without_sleeping() {
        let (session, outcome, events) = run(&request(Source::Cron, None), &mut FakeClock::new());
        assert_eq!(session, Session { source: Source::Cron, attended: Some(false), ..expected() });
        assert_eq!(outcome.stopped, None);
        let (cues, phases): (Vec<_>, Vec<_>) = events.iter().partition(|e| e["event"] == "cue");
        assert_eq!(phases.len(), 7, "prepare, three holds and rests, done: {events:?}");
        assert!(phases.iter().all(|e| e["event"] == "phase"));
        assert!(cues.len() >= phases.len(), "each phase begins with a cue, which has its event: {events:?}");
        assert_eq!(
            summary(&session, "not logged (--no-log)"),
            "Played, not confirmed, wall-calf: 3 of 3 reps, 30s held; not logged (--no-log)",
            "nobody has shown they were there yet"
        );
    }

    #[test]
    fn a_stop_mid_hold_is_recorded_as_partial() {
        let mut clock = FakeClock::new().control_at(secs(33), Control::Stop(StopReason::Terminate));
        let (session, outcome, events) = run(&request(Source::Terminal, Some("cramp-id")), &mut clock);
        assert_eq!(
            session,
            Session {
                ended: at("2025-03-01T22:30:33+01:00"),
                reps_done: 1,
                hold_ms: 13_000,
                completed: false,
                cramp: Some("cramp-id".into()),
                ..expected()
            },
            "10 s of the first hold and 3 s of the second"
        );
        assert_eq!(outcome.stopped, Some(StopReason::Terminate));
        let last = events.last().unwrap();
        assert_eq!(
            (&last["event"], &last["phase"], &last["reason"]),
            (&"stopped".into(), &"hold".into(), &"terminate".into())
        );
        assert_eq!(summary(&session, "NOT logged"), "Stopped wall-calf: 1 of 3 reps, 13s held; NOT logged");
    }

    #[test]
    fn a_pause_is_recorded_and_moves_the_end() {
        let mut clock = FakeClock::new().control_at(secs(20), Control::Pause).control_at(secs(80), Control::Pause);
        let (session, _, events) = run(&request(Source::Terminal, None), &mut clock);
        assert_eq!(session, Session { ended: at("2025-03-01T22:31:55+01:00"), paused_ms: 60_000, ..expected() });
        let kinds: Vec<_> = events
            .iter()
            .filter(|e| e["event"] != "phase" && e["event"] != "cue")
            .map(|e| e["event"].clone())
            .collect();
        assert_eq!(kinds, ["paused", "resumed"]);
        assert_eq!(summary(&session, "logged"), "Completed wall-calf: 3 of 3 reps, 30s held, paused 1m; logged");
    }

    #[test]
    fn the_end_carries_the_offset_in_force_when_it_ended() {
        // Berlin moves its clocks from 02:00 +01:00 to 03:00 +02:00 on 2025-03-30.
        let now = chrono_tz::Europe::Berlin.with_ymd_and_hms(2025, 3, 30, 1, 59, 30).unwrap();
        let mut events = JsonEvents::new(Vec::new(), 3);
        let (session, _) = run_session(
            &request(Source::Terminal, None),
            AudioUsed::Off,
            &mut FakeClock::new(),
            now,
            &mut events,
            &mut Output::Silent,
        );
        assert_eq!(session.started, at("2025-03-30T01:59:30+01:00"));
        assert_eq!(session.ended, at("2025-03-30T03:00:25+02:00"));
    }
}
