//! `stretch report`'s page: what it shows, gathered from the journal's
//! records by the same rules as `stretch log`, and laid out by an askama
//! template (compiled with the program, checked at build time, and escaping
//! every value for HTML unless marked safe: only the charts, which the `svg`
//! crate has escaped already).

mod charts;

use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::journal::ledger::{Entry, Ledger};
use crate::journal::nights::{CrampSummary, counts, cramp_night_of, night_of};
use crate::journal::range::Range;
use crate::journal::tally::Tally;
use crate::journal::weeks::{Week, weekly};
use crate::journal::{Leg, Record};
use crate::time::duration;

/// How many notes the page lists, newest first.
const NOTES: usize = 10;

/// One routine's sessions in the period.
pub(crate) struct RoutineUse {
    /// Its name, as recorded.
    pub name: String,
    /// Sessions, relief included.
    pub sessions: usize,
    /// Of those, completed.
    pub completed: usize,
    /// The median hold per repetition, formatted.
    pub hold: String,
}

/// A cramp's note.
pub(crate) struct Note {
    /// When, as the person's clock showed it.
    pub at: String,
    /// The note as written (escaped by the template).
    pub text: String,
}

/// Counts of a run of weeks.
pub(crate) struct Span {
    /// Like `2026-W40–W43`.
    pub weeks: String,
    /// Nights counted.
    pub nights: u32,
    /// Nights with a completed stretch.
    pub stretch_nights: u32,
    /// Nights with a cramp.
    pub cramp_nights: u32,
}

/// The page.
#[derive(Template)]
#[template(path = "report.html")]
pub(crate) struct Report {
    /// When it was made.
    pub made: String,
    /// The first night counted, or `None` when the journal holds nothing then.
    pub from: Option<NaiveDate>,
    /// The last night.
    pub until: NaiveDate,
    /// Nights counted, with a stretch, with a cramp.
    pub summary: CrampSummary,
    /// The charts, as SVG.
    pub stretch_chart: String,
    /// Cramp nights per week.
    pub cramp_chart: String,
    /// Severity over time.
    pub severity_chart: String,
    /// Cramps by leg: left, right, both.
    pub legs: [(String, usize); 3],
    /// The routines used.
    pub routines: Vec<RoutineUse>,
    /// The newest notes.
    pub notes: Vec<Note>,
    /// How many older notes are not listed.
    pub more_notes: usize,
    /// The first and last four weeks, when there are eight or more.
    pub halves: Option<(Span, Span)>,
}

/// Builds the page from every record of the journal over `range`, at `now`:
/// the same ledger, tally and counted nights as `stretch log`.
pub(crate) fn build(records: &[Record], range: &Range, now: &DateTime<FixedOffset>) -> Report {
    let ledger = Ledger::of(records);
    let tally = Tally::of(&ledger, &range.rules(None));
    let nights = range.counted_nights(&tally);
    let from = nights.first().map(|n| n.night);
    let until = range.last_night(&tally);
    let weeks = weekly(&nights);
    let within = |night: NaiveDate| from.is_some_and(|f| night >= f && night <= until);
    let mut cramps = Vec::new();
    let mut sessions = Vec::new();
    for (_, entry) in &ledger.entries {
        match *entry {
            Entry::Cramp(c) if within(cramp_night_of(&c.at, range.cramp_day_starts)) => cramps.push(c),
            Entry::Session(s, _) if within(night_of(&s.started, range.day_starts)) => sessions.push(s),
            Entry::Cramp(_) | Entry::Session(..) => {}
        }
    }
    cramps.sort_by_key(|c| c.at);
    let points: Vec<_> =
        cramps.iter().map(|c| (cramp_night_of(&c.at, range.cramp_day_starts), c.severity, c.leg)).collect();
    let leg_count = |leg: Leg| cramps.iter().filter(|c| c.leg == leg).count();
    let mut notes: Vec<Note> = cramps
        .iter()
        .rev()
        .filter_map(|c| {
            let text = c.note.as_deref()?.trim();
            (!text.is_empty()).then(|| Note { at: c.at.format("%Y-%m-%d %H:%M").to_string(), text: text.to_string() })
        })
        .collect();
    let more_notes = notes.len().saturating_sub(NOTES);
    notes.truncate(NOTES);
    Report {
        made: now.format("%Y-%m-%d %H:%M").to_string(),
        from,
        until,
        summary: CrampSummary::of(&nights),
        stretch_chart: charts::weekly_bars(
            "stretch-chart",
            &weeks,
            |w| w.stretch_nights,
            "Nights with a completed stretch, per week (0 to 7)",
            charts::Fill::Solid,
        ),
        cramp_chart: charts::weekly_bars(
            "cramp-chart",
            &weeks,
            |w| w.cramp_nights,
            "Nights with a cramp, per week (0 to 7)",
            charts::Fill::Hatched,
        ),
        severity_chart: charts::severity("severity-chart", from.unwrap_or(until), until, &points),
        legs: [
            ("left".into(), leg_count(Leg::Left)),
            ("right".into(), leg_count(Leg::Right)),
            ("both".into(), leg_count(Leg::Both)),
        ],
        routines: routines(&sessions),
        notes,
        more_notes,
        halves: halves(&weeks),
    }
}

/// Sessions by routine, with the median hold per repetition.
fn routines(sessions: &[&crate::journal::Session]) -> Vec<RoutineUse> {
    let mut by_name: BTreeMap<&str, Vec<&crate::journal::Session>> = BTreeMap::new();
    for s in sessions {
        by_name.entry(&s.routine).or_default().push(s);
    }
    by_name
        .into_iter()
        .map(|(name, list)| {
            let mut holds: Vec<u64> =
                list.iter().filter(|s| s.reps_done > 0).map(|s| s.hold_ms / u64::from(s.reps_done)).collect();
            holds.sort_unstable();
            let hold = holds
                .get(holds.len() / 2)
                .map_or("-".to_string(), |ms| duration::format_rounded(std::time::Duration::from_millis(*ms)));
            RoutineUse {
                name: name.to_string(),
                sessions: list.len(),
                completed: list.iter().filter(|s| counts(s.completed, s.is_relief())).count(),
                hold,
            }
        })
        .collect()
}

/// The first and last four weeks' counts, side by side; none with fewer than eight weeks.
fn halves(weeks: &[Week]) -> Option<(Span, Span)> {
    (weeks.len() >= 8).then(|| (span(&weeks[..4]), span(&weeks[weeks.len() - 4..])))
}

fn span(weeks: &[Week]) -> Span {
    let label = |w: Option<&Week>| w.map(Week::label).unwrap_or_default();
    Span {
        weeks: format!("{}–{}", label(weeks.first()), &label(weeks.last())[5..]),
        nights: weeks.iter().map(|w| w.nights).sum(),
        stretch_nights: weeks.iter().map(|w| w.stretch_nights).sum(),
        cramp_nights: weeks.iter().map(|w| w.cramp_nights).sum(),
    }
}
