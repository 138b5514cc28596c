//! `stretch report`'s page: what it shows, gathered from the journal's
//! records by the same rules as `stretch log`, and laid out by an askama
//! template (compiled with the program, checked at build time, and escaping
//! every value for HTML unless marked safe: only the charts, which the `svg`
//! crate has escaped already).

mod charts;
mod dates;
mod routines;

use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::journal::ledger::{Entry, Ledger};
use crate::journal::nights::{CrampSummary, cramp_night_of, night_of};
use crate::journal::range::Range;
use crate::journal::tally::Tally;
use crate::journal::weeks::{Week, weekly};
use crate::journal::{Leg, Record};
pub(crate) use routines::{Plan, RoutineUse};

/// How many notes the page lists, newest first.
const NOTES: usize = 10;

/// A note of a cramp or a session, or how long a cramp lasted.
pub(crate) struct Note {
    /// The night it counts for, as the charts count: `night of Mon 16 Nov`.
    pub night: String,
    /// When, as the person's clock showed it: `03:40 on Tue 17 Nov`.
    pub at: String,
    /// What it is about: `cramp, left leg, severity 3, lasted 5m`, `wall-calf session`.
    pub what: String,
    /// The note as written (escaped by the template).
    pub text: String,
}

/// Counts of a run of weeks.
pub(crate) struct Span {
    /// The nights they cover, like `28 Sep–25 Oct 2026`.
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
    /// Whose page it is (the config file's `name`); a line to fill in by hand without one.
    pub name: Option<String>,
    /// The first night counted, or `None` when the journal holds nothing then.
    pub from: Option<NaiveDate>,
    /// The last night.
    pub until: NaiveDate,
    /// The nights covered, in words: `4 September to 26 November 2026`.
    pub period: String,
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

/// Whose page it is and what the routines' files say.
pub(crate) struct Context<'a> {
    /// The person's name, if the config file gives one.
    pub name: Option<String>,
    /// A routine's plan by name, where its file can still be found.
    pub plan: &'a dyn Fn(&str) -> Option<Plan>,
}

/// Builds the page from every record of the journal over `range`, at `now`:
/// the same ledger, tally and counted nights as `stretch log`.
pub(crate) fn build(records: &[Record], range: &Range, context: &Context, now: &DateTime<FixedOffset>) -> Report {
    let ledger = Ledger::of(records);
    let tally = Tally::of(&ledger, &range.rules(None));
    let nights = range.counted_nights(&tally);
    let from = nights.first().map(|n| n.night);
    let until = range.last_night(&tally);
    let weeks = weekly(&nights);
    let within = |night: NaiveDate| from.is_some_and(|f| night >= f && night <= until);
    let mut cramps = Vec::new();
    let mut sessions = Vec::new();
    // The routine table counts a person's sessions, as the nights do: not
    // those a schedule played to nobody, nor those answered "not now".
    let mut attended = Vec::new();
    for (_, entry) in &ledger.entries {
        match *entry {
            Entry::Cramp(c) if within(cramp_night_of(&c.at, range.cramp_day_starts)) => cramps.push(c),
            Entry::Session(s, presence) if within(night_of(&s.started, range.day_starts)) => {
                sessions.push(s);
                if presence.attended() {
                    attended.push(s);
                }
            }
            Entry::Cramp(_) | Entry::Session(..) => {}
        }
    }
    cramps.sort_by_key(|c| c.at);
    let points: Vec<_> =
        cramps.iter().map(|c| (cramp_night_of(&c.at, range.cramp_day_starts), c.severity, c.leg)).collect();
    let leg_count = |leg: Leg| cramps.iter().filter(|c| c.leg == leg).count();
    let mut notes: Vec<(DateTime<FixedOffset>, Note)> = cramps
        .iter()
        .filter_map(|c| {
            let text = c.note.as_deref().map(str::trim).unwrap_or_default();
            let lasted = c
                .lasted_ms
                .map(|ms| format!("lasted {}", crate::time::duration::format(std::time::Duration::from_millis(ms))));
            (!text.is_empty() || lasted.is_some()).then(|| {
                let what = format!("cramp, {}, severity {}", c.leg.words(), c.severity);
                let what = lasted.map_or(what.clone(), |l| format!("{what}, {l}"));
                let night = cramp_night_of(&c.at, range.cramp_day_starts);
                (c.at, Note { night: dates::night(night), at: dates::clock(&c.at), what, text: text.to_string() })
            })
        })
        .chain(sessions.iter().filter_map(|s| {
            let text = s.note.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
            let night = night_of(&s.started, range.day_starts);
            let what = format!("{} session", s.routine);
            Some((
                s.started,
                Note { night: dates::night(night), at: dates::clock(&s.started), what, text: text.into() },
            ))
        }))
        .collect();
    // Newest first.
    notes.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut notes: Vec<Note> = notes.into_iter().map(|(_, note)| note).collect();
    let more_notes = notes.len().saturating_sub(NOTES);
    notes.truncate(NOTES);
    // The last week is not over while its last night counted is tonight's.
    let so_far = until >= night_of(now, range.day_starts);
    let bars = charts::Bars { weeks: &weeks, from: from.unwrap_or(until), until, so_far };
    Report {
        made: now.format("%Y-%m-%d %H:%M").to_string(),
        name: context.name.clone().filter(|n| !n.trim().is_empty()),
        from,
        until,
        period: from.map_or_else(String::new, |f| dates::period(f, until)),
        summary: CrampSummary::of(&nights),
        stretch_chart: charts::weekly_bars(
            "stretch-chart",
            &bars,
            |w| w.stretch_nights,
            "Nights with a completed stretch, of the nights counted, per week",
            charts::Fill::Solid,
        ),
        cramp_chart: charts::weekly_bars(
            "cramp-chart",
            &bars,
            |w| w.cramp_nights,
            "Nights with a cramp, of the nights counted, per week",
            charts::Fill::Hatched,
        ),
        severity_chart: charts::severity("severity-chart", from.unwrap_or(until), until, &points),
        legs: [
            ("left".into(), leg_count(Leg::Left)),
            ("right".into(), leg_count(Leg::Right)),
            ("both".into(), leg_count(Leg::Both)),
        ],
        routines: routines::table(&attended, context.plan),
        notes,
        more_notes,
        halves: halves(&weeks, from.unwrap_or(until), until),
    }
}

/// The first and last four weeks' counts, side by side; none with fewer than eight weeks.
fn halves(weeks: &[Week], from: NaiveDate, until: NaiveDate) -> Option<(Span, Span)> {
    (weeks.len() >= 8).then(|| (span(&weeks[..4], from, until), span(&weeks[weeks.len() - 4..], from, until)))
}

fn span(weeks: &[Week], from: NaiveDate, until: NaiveDate) -> Span {
    let first = weeks.first().map_or(from, |w| dates::week_nights(w.week, from, until).0);
    let last = weeks.last().map_or(until, |w| dates::week_nights(w.week, from, until).1);
    Span {
        weeks: dates::span_with_year(first, last),
        nights: weeks.iter().map(|w| w.nights).sum(),
        stretch_nights: weeks.iter().map(|w| w.stretch_nights).sum(),
        cramp_nights: weeks.iter().map(|w| w.cramp_nights).sum(),
    }
}
