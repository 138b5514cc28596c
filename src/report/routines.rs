//! The page's table of routines: sessions of each, how many reached their
//! end, and the hold each rep asked for, per leg where the legs take turns.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::journal::Session;
use crate::time::duration;

/// What the routine's file says about its holds, where it can still be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Legs held in turn in each rep (1 when both stretch together).
    pub sides: u32,
    /// The hold the file plans, per leg.
    pub hold: Duration,
}

/// One routine's sessions in the period.
pub(crate) struct RoutineUse {
    /// Its name, as recorded.
    pub name: String,
    /// Sessions, relief included.
    pub sessions: usize,
    /// Of those, the ones that reached the routine's end.
    pub completed: usize,
    /// The hold of each rep, formatted (`10s`, `20s per leg`, `-`).
    pub hold: String,
}

/// Sessions by routine. The hold is what a completed session held per rep
/// (its planned hold, whatever flags set it; a stopped session's partial
/// holds would skew it), the middle one of them, divided among the legs for
/// a routine that takes them in turn; the file's own hold when no session
/// completed.
pub(crate) fn table(sessions: &[&Session], plan: &dyn Fn(&str) -> Option<Plan>) -> Vec<RoutineUse> {
    let mut by_name: BTreeMap<&str, Vec<&Session>> = BTreeMap::new();
    for s in sessions {
        by_name.entry(&s.routine).or_default().push(s);
    }
    by_name
        .into_iter()
        .map(|(name, list)| {
            let plan = plan(name);
            let sides = plan.map_or(1, |p| p.sides.max(1));
            let mut holds: Vec<u64> = list
                .iter()
                .filter(|s| s.completed && s.reps_done > 0)
                .map(|s| s.hold_ms / u64::from(s.reps_done) / u64::from(sides))
                .collect();
            holds.sort_unstable();
            let hold = holds.get(holds.len() / 2).map(|ms| Duration::from_millis(*ms)).or(plan.map(|p| p.hold));
            let per_leg = if sides > 1 { " per leg" } else { "" };
            RoutineUse {
                name: name.to_string(),
                sessions: list.len(),
                // Relief completes too: only the night's counting leaves it out.
                completed: list.iter().filter(|s| s.completed).count(),
                hold: hold.map_or("-".to_string(), |d| format!("{}{per_leg}", duration::format_rounded(d))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{AudioUsed, SCHEMA, Source};

    fn session(routine: &str, reps_done: u32, hold_ms: u64, completed: bool, cramp: bool) -> Session {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T22:00:00+01:00").unwrap();
        Session {
            v: SCHEMA,
            id: format!("{routine}{reps_done}{hold_ms}"),
            routine: routine.into(),
            started: at,
            ended: at,
            reps_planned: 3,
            reps_done,
            hold_ms,
            completed,
            source: Source::Terminal,
            audio: AudioUsed::Device,
            paused_ms: 0,
            cramp: cramp.then(|| "c".into()),
            attended: None,
            skipped: false,
            note: None,
        }
    }

    #[test]
    fn relief_completes_legs_are_held_in_turn_and_a_stopped_session_does_not_skew_the_hold() {
        let sessions = [
            session("cramp-relief", 3, 90_000, true, true),
            session("wall-calf-single", 2, 80_000, true, false),
            session("wall-calf", 3, 30_000, true, false),
            session("wall-calf", 2, 23_000, false, false),
            session("mine", 1, 5_000, false, false),
        ];
        let refs: Vec<&Session> = sessions.iter().collect();
        let plan = |name: &str| match name {
            "wall-calf-single" => Some(Plan { sides: 2, hold: Duration::from_secs(20) }),
            "wall-calf" => Some(Plan { sides: 1, hold: Duration::from_secs(10) }),
            "cramp-relief" => Some(Plan { sides: 1, hold: Duration::from_secs(30) }),
            _ => None,
        };
        let rows: Vec<(String, usize, usize, String)> =
            table(&refs, &plan).into_iter().map(|r| (r.name, r.sessions, r.completed, r.hold)).collect();
        assert_eq!(
            rows,
            [
                ("cramp-relief".into(), 1, 1, "30s".into()),
                ("mine".into(), 1, 0, "-".into()),
                ("wall-calf".into(), 2, 1, "10s".into()),
                ("wall-calf-single".into(), 1, 1, "20s per leg".into()),
            ]
        );
    }
}
