//! `stretch log`: the history of your nights (a table, streaks, a calendar, or
//! JSON and CSV exports), `--check` of the journal, and the `add` and `import`
//! actions. Reading the journal never changes it.

mod entry;
mod show;

use std::path::Path;

use chrono::{DateTime, Days, FixedOffset, Local, NaiveDate, NaiveTime};

use crate::cli::{LogAction, LogArgs};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::nights::{CrampSummary, DEFAULT_DAY_STARTS, FIRST_NIGHT, Night, Tally, night_of};
use crate::journal::{self, Brief, Fact, Problem, Stored};
use crate::paths::Paths;

/// Nights in the default table.
const TABLE_NIGHTS: u64 = 14;
/// Weeks in the calendar.
const CALENDAR_WEEKS: u64 = 16;

/// Runs `stretch log` and its actions, with the config file's day boundary
/// (if it sets one); returns the exit code.
pub fn run(args: &LogArgs, day_starts: Option<NaiveTime>, paths: &Paths, env: &Env) -> Result<u8> {
    let now = now(env)?;
    if args.action.is_some() && args.shapes_the_view() {
        return Err(Error::usage(
            "`stretch log add` and `stretch log import` take their own options, after the action: see `stretch log add --help`",
        ));
    }
    match &args.action {
        Some(LogAction::Add(add)) => return entry::add(add, paths, &now),
        Some(LogAction::Import(import)) => return entry::import(&import.file, paths),
        None => {}
    }
    let range = Range::new(args, day_starts.unwrap_or(DEFAULT_DAY_STARTS), &now)?;
    let path = paths.journal();
    if args.check {
        let reading = journal::read_stored(&path)?;
        warn(&path, &reading.problems);
        return Ok(check(&path, &reading.records, reading.problems.len()));
    }
    // The views read each line where it lies, keeping only what they show.
    let bytes = journal::read_bytes(&path)?;
    let reading = journal::parse_brief(&bytes);
    warn(&path, &reading.problems);
    crate::term::output::text(&render(args, &range, &reading.records, color(env)));
    Ok(code::OK)
}

/// What `stretch log` prints for `args`, from a journal's bytes, at `now`
/// (the built-in day boundary, no colour, problems left out): the reading and
/// the view without the file or the terminal, for the benchmarks.
#[doc(hidden)]
pub fn view_of(args: &LogArgs, bytes: &[u8], now: &DateTime<FixedOffset>) -> Result<String> {
    let range = Range::new(args, DEFAULT_DAY_STARTS, now)?;
    Ok(render(args, &range, &journal::parse_brief(bytes).records, false))
}

/// The nights asked for, and tonight, all under one day boundary.
struct Range {
    day_starts: NaiveTime,
    tonight: NaiveDate,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl Range {
    /// `configured` is the day boundary unless `--day-starts` gives another.
    fn new(args: &LogArgs, configured: NaiveTime, now: &DateTime<FixedOffset>) -> Result<Range> {
        let day_starts = args.day_starts.as_deref().map_or(Ok(configured), day_starts)?;
        let tonight = night_of(now, day_starts);
        let since = args.since.as_deref().map(|t| day("--since", t, tonight)).transpose()?;
        let until = args.until.as_deref().map(|t| day("--until", t, tonight)).transpose()?;
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            return Err(Error::usage(format!("--since {since} is after --until {until}; swap them")));
        }
        Ok(Range { day_starts, tonight, since, until })
    }

    /// Whether something that happened `at` falls on a night in the range.
    fn contains(&self, at: &DateTime<FixedOffset>) -> bool {
        let night = night_of(at, self.day_starts);
        self.since.is_none_or(|d| night >= d) && self.until.is_none_or(|d| night <= d)
    }

    /// The nights of an export: from `--since` (else the first night with a
    /// session) to `--until` (else tonight, or a later night that has a session).
    fn export_nights(&self, tally: &Tally) -> Vec<Night> {
        let span = tally.span();
        let Some(first) = self.since.or(span.map(|(first, _)| first.max(FIRST_NIGHT))) else { return Vec::new() };
        let last = self.until.unwrap_or_else(|| span.map_or(self.tonight, |(_, last)| last.max(self.tonight)));
        tally.between(first, last)
    }
}

/// The output: JSON, CSV, or the view for a person. Streaks count every
/// session of the chosen routine; the range chooses what is listed. Cramps
/// count whatever the routine.
fn render(args: &LogArgs, range: &Range, records: &[Brief], color: bool) -> String {
    let mut tally = Tally::default();
    let (mut sessions, mut cramps, mut any_cramp) = (Vec::new(), Vec::new(), false);
    for brief in records {
        match &brief.fact {
            Fact::Session(s) if args.routine.as_ref().is_none_or(|r| *r == s.routine) => {
                if !s.relief {
                    tally.add_session(&s.started, s.completed, s.hold_ms, range.day_starts);
                }
                if range.contains(&s.started) {
                    sessions.push(brief);
                }
            }
            Fact::Session(_) => {}
            Fact::Cramp(at) => {
                any_cramp = true;
                tally.add_cramp(at, range.day_starts);
                if range.contains(at) {
                    cramps.push(brief);
                }
            }
        }
    }
    let streaks = show::Streaks {
        current: tally.current_streak(range.tonight),
        longest: tally.longest_streak(),
        this_week: tally.this_week(range.tonight),
    };
    let export_nights = range.export_nights(&tally);
    let cramp_summary = CrampSummary::of(&export_nights);
    if args.json {
        show::json(&streaks, &export_nights, &cramp_summary, &sessions, &cramps) + "\n"
    } else if args.csv {
        show::csv(&sessions, range.day_starts)
    } else if records.is_empty() {
        format!("{}\n", show::EMPTY)
    } else {
        let last = range.until.unwrap_or(range.tonight);
        let first = range.since.unwrap_or(last - Days::new(TABLE_NIGHTS - 1));
        let view = show::View {
            nights: tally.between(first, last),
            streaks,
            calendar: tally.calendar(last, CALENDAR_WEEKS),
            cramps: any_cramp.then(|| (export_nights.first().map(|n| n.night), cramp_summary)),
        };
        show::human(&view, color)
    }
}

/// `STRETCH_NOW` if set, else the clock; either way in the local zone (`TZ`).
fn now(env: &Env) -> Result<DateTime<FixedOffset>> {
    let Some(text) = &env.now else { return Ok(Local::now().fixed_offset()) };
    let at = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
        Error::usage(format!("STRETCH_NOW={text:?} is not a time: {e}; write it like 2026-11-26T22:30:00+01:00"))
    })?;
    Ok(at.with_timezone(&Local).fixed_offset())
}

fn day_starts(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| Error::usage(format!("--day-starts {text:?}: write a time of day like 04:00")))
}

/// A night given as `2026-11-01`, or as `30d` / `8w` before tonight.
fn day(flag: &str, text: &str, tonight: NaiveDate) -> Result<NaiveDate> {
    let bad = || Error::usage(format!("{flag} {text:?}: write a date like 2026-11-01, or nights ago like 30d or 8w"));
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.max(FIRST_NIGHT));
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let count: u64 = number.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" => count,
        "w" => count.checked_mul(7).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    tonight.checked_sub_days(Days::new(days)).filter(|d| *d >= FIRST_NIGHT).ok_or_else(|| {
        Error::usage(format!("{flag} {text:?} reaches back before {FIRST_NIGHT}, when stretch keeps no nights"))
    })
}

/// One warning per unusable line, naming the journal and the line.
fn warn(path: &Path, problems: &[Problem]) {
    for problem in problems {
        eprintln!("stretch: warning: {}:{}: {}; line skipped", path.display(), problem.line, problem.message);
    }
}

/// `--check`: beyond what reading reports, records no timer could have written
/// and ids used twice. Returns 1 if anything is wrong.
fn check(path: &Path, records: &[Stored], unreadable: usize) -> u8 {
    let mut seen = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for stored in records {
        if let Err(message) = stored.record.validate() {
            problems.push(Problem { line: stored.line, message });
        }
        if let Some(first) = seen.insert(stored.record.id(), stored.line) {
            problems.push(Problem { line: stored.line, message: format!("id used before, on line {first}") });
        }
    }
    for problem in &problems {
        eprintln!("stretch: {}:{}: {}", path.display(), problem.line, problem.message);
    }
    let wrong = unreadable + problems.len();
    crate::outln!("{}: {} records, {wrong} problems", path.display(), records.len());
    if wrong == 0 { code::OK } else { code::FAILURE }
}

/// Colour only for a person at a terminal that allows it.
fn color(env: &Env) -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdout()) && !env.no_color && !env.dumb_terminal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nights_are_dates_or_counts_back_from_tonight() {
        let tonight = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(day("--since", "2026-11-01", tonight).unwrap().to_string(), "2026-11-01");
        assert_eq!(day("--since", "0d", tonight).unwrap(), tonight);
        assert_eq!(day("--since", "30d", tonight).unwrap().to_string(), "2026-10-27");
        assert_eq!(day("--since", "2w", tonight).unwrap().to_string(), "2026-11-12");
        assert_eq!(day("--since", "1999-05-01", tonight).unwrap(), FIRST_NIGHT);
        assert!(day("--since", "3000000d", tonight).unwrap_err().message.contains("before 2000-01-01"));
        for bad in ["", "d", "30", "-3d", "30x", "2026-13-01", "yesterday"] {
            let err = day("--since", bad, tonight).unwrap_err();
            assert_eq!(err.code, code::USAGE);
            assert!(err.message.starts_with(&format!("--since {bad:?}")), "{}", err.message);
        }
    }

    #[test]
    fn stretch_now_is_read_strictly() {
        let env = Env { now: Some("2026-11-26T22:30:00+01:00".into()), ..Env::default() };
        assert_eq!(now(&env).unwrap().timestamp(), 1_795_728_600);
        let env = Env { now: Some("tomorrow".into()), ..Env::default() };
        assert!(now(&env).unwrap_err().message.starts_with("STRETCH_NOW=\"tomorrow\" is not a time"));
    }
}
