//! `stretch log`: the history of your nights (a table, streaks, a calendar, or
//! JSON and CSV exports), `--check` of the journal, and the `add` and `import`
//! actions. Reading the journal never changes it.

mod entry;
mod show;

use std::path::Path;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime};

use crate::cli::{LogAction, LogArgs};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::nights::{CrampSummary, FIRST_NIGHT, Night, Tally, night_of};
use crate::journal::{self, Brief, Fact, Problem, Stored};
use crate::paths::Paths;
use crate::settings::Settings;
use crate::term::look::{ColorChoice, Look, Stream};
use crate::term::visible::visible;
use crate::time::nights_ago::NightSpec;

/// Nights in the default table.
const TABLE_NIGHTS: u64 = 14;
/// Weeks in the calendar.
const CALENDAR_WEEKS: u64 = 16;

/// Runs `stretch log` and its actions with `settings`; returns the exit code.
pub fn run(args: &LogArgs, settings: &Settings, color: ColorChoice, paths: &Paths, env: &Env) -> Result<u8> {
    let now = env.now()?;
    if args.action.is_some() && args.shapes_the_view() {
        return Err(Error::usage(
            "`stretch log add` and `stretch log import` take their own options, after the action: see `stretch log add --help`",
        ));
    }
    match &args.action {
        Some(LogAction::Add(add)) => return entry::add(add, settings, paths, &now),
        Some(LogAction::Import(import)) => return entry::import(&import.file, paths, &now),
        Some(LogAction::Confirm(confirm)) => return entry::confirm(confirm.id.as_deref(), paths, &now),
        Some(LogAction::Retract(retract)) => return entry::retract(&retract.id, paths, &now),
        None => {}
    }
    let mut range = Range::new(args, settings.day_starts.value.naive(), &now)?;
    range.slots = settings.slots.clone();
    let path = paths.journal();
    if args.check {
        let reading = journal::read_stored(&path)?;
        warn(&path, &reading.problems);
        return Ok(check(&path, &reading.records, reading.problems.len(), &now));
    }
    // The views read each line where it lies, keeping only what they show.
    let (bytes, long) = journal::read_bytes(&path)?;
    let mut reading = journal::parse_brief(&bytes);
    journal::with_long_lines(&mut reading.problems, long);
    warn(&path, &reading.problems);
    let missed: Vec<_> =
        crate::cmd::schedule::missed_runs(paths, env).into_iter().filter(|due| range.contains(due)).collect();
    let mut text = render(args, &range, &reading.records, Look::of(Stream::Stdout, color, env).color);
    if args.json && !missed.is_empty() && text.ends_with("}\n") {
        // The scheduled nights that never started, beside the nights.
        let list: Vec<String> = missed.iter().map(|d| format!("{:?}", d.to_rfc3339())).collect();
        text.truncate(text.len() - 2);
        text += &format!(",\"missed\":[{}]}}\n", list.join(","));
    } else if !args.json && !args.csv {
        for due in &missed {
            text += &format!(
                "missed: the run scheduled for {} never started (the computer was asleep or off, or cron was not running)\n",
                due.format("%Y-%m-%d %H:%M")
            );
        }
    }
    crate::term::output::text(&text);
    Ok(code::OK)
}

/// What `stretch log` prints for `args`, from a journal's bytes, at `now`
/// (the built-in day boundary, no colour, problems left out): the reading and
/// the view without the file or the terminal, for the benchmarks.
#[doc(hidden)]
pub fn view_of(args: &LogArgs, bytes: &[u8], now: &DateTime<FixedOffset>) -> Result<String> {
    let range = Range::new(args, crate::settings::DEFAULT_DAY_STARTS.naive(), now)?;
    Ok(render(args, &range, &journal::parse_brief(bytes).records, false))
}

/// The nights asked for, and tonight, all under one day boundary.
struct Range {
    day_starts: NaiveTime,
    /// The day's slots, from the config file (never the crontab).
    slots: Vec<journal::slots::Slot>,
    tonight: NaiveDate,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl Range {
    /// `--since Nd` is the last N nights up to the `--until` night (tonight if
    /// not given); `--until Nd` is the night N nights before tonight.
    fn new(args: &LogArgs, day_starts: NaiveTime, now: &DateTime<FixedOffset>) -> Result<Range> {
        let tonight = night_of(now, day_starts);
        let until = args.until.map(|spec| match spec {
            NightSpec::Date(date) => Ok(date),
            NightSpec::Nights(n) => back(tonight, n, "--until"),
        });
        let until = until.transpose()?;
        let since = args.since.map(|spec| match spec {
            NightSpec::Date(date) => Ok(date),
            NightSpec::Nights(0) => Err(Error::usage("--since 0d is no nights at all; --since 1d is tonight alone")),
            NightSpec::Nights(n) => back(until.unwrap_or(tonight), n - 1, "--since"),
        });
        let since = since.transpose()?;
        for (flag, night) in [("--since", since), ("--until", until)] {
            match night {
                Some(night) if night < FIRST_NIGHT => {
                    return Err(Error::usage(format!(
                        "{flag} {night} is before {FIRST_NIGHT}, when stretch keeps no nights"
                    )));
                }
                Some(night) if night > tonight + Days::new(1) => {
                    return Err(Error::usage(format!("{flag} {night} is in the future; tonight is {tonight}")));
                }
                _ => {}
            }
        }
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            return Err(Error::usage(format!("--since {since} is after --until {until}; swap them")));
        }
        Ok(Range { day_starts, slots: journal::slots::defaults(), tonight, since, until })
    }

    /// Whether something that happened `at` falls on a night in the range.
    fn contains(&self, at: &DateTime<FixedOffset>) -> bool {
        let night = night_of(at, self.day_starts);
        self.since.is_none_or(|d| night >= d) && self.until.is_none_or(|d| night <= d)
    }

    /// The nights of an export: from `--since` (else the first night with a
    /// session) to `--until` (else tonight, or tomorrow night if a session is
    /// dated then). A record dated years ahead (which `--check` flags) never
    /// stretches an export into millions of empty nights.
    fn export_nights(&self, tally: &Tally, filled: &Filled) -> Vec<Night> {
        let span = tally.span();
        let Some(first) = self.since.or(span.map(|(first, _)| first.max(FIRST_NIGHT))) else { return Vec::new() };
        let latest = self.tonight + Days::new(1);
        let last =
            self.until.unwrap_or_else(|| span.map_or(self.tonight, |(_, last)| last.clamp(self.tonight, latest)));
        filled.mark(tally.between(first, last))
    }
}

/// The slots each day's attended sessions filled.
#[derive(Default)]
struct Filled(std::collections::BTreeMap<NaiveDate, std::collections::BTreeSet<usize>>);

impl Filled {
    fn add(&mut self, at: &DateTime<FixedOffset>, range: &Range) {
        if let Some((day, slot)) = journal::slots::slot_of(at, &range.slots, range.day_starts) {
            self.0.entry(day).or_default().insert(slot);
        }
    }

    /// The nights with their filled slots counted.
    fn mark(&self, mut nights: Vec<Night>) -> Vec<Night> {
        for night in &mut nights {
            night.slots = self.0.get(&night.night).map_or(0, |s| s.len() as u32);
        }
        nights
    }
}

/// The output: JSON, CSV, or the view for a person. Streaks count every
/// session of the chosen routine; the range chooses what is listed. Cramps
/// count whatever the routine.
fn render(args: &LogArgs, range: &Range, records: &[Brief], color: bool) -> String {
    let standing = journal::Standing::of_briefs(records);
    let mut tally = Tally::default();
    let mut filled = Filled::default();
    let (mut sessions, mut cramps, mut any_cramp) = (Vec::new(), Vec::new(), false);
    for brief in records {
        match &brief.fact {
            Fact::Session(s) if standing.retracted(&s.id) => {}
            Fact::Session(s) if args.routine.as_ref().is_none_or(|r| *r == s.routine) => {
                match (s.relief, standing.attended(&s.id, s.attended)) {
                    (true, _) => {}
                    (false, true) => {
                        tally.add_session(&s.started, s.completed, s.hold_ms, range.day_starts);
                        filled.add(&s.started, range);
                    }
                    (false, false) => tally.add_unattended(&s.started, range.day_starts),
                }
                if range.contains(&s.started) {
                    sessions.push(brief);
                }
            }
            Fact::Session(_) | Fact::Confirm { .. } | Fact::Retract { .. } => {}
            Fact::Cramp { id, .. } if standing.retracted(id) => {}
            Fact::Cramp { at, .. } => {
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
    let export_nights = range.export_nights(&tally, &filled);
    let cramp_summary = CrampSummary::of(&export_nights);
    if args.json {
        show::json(&streaks, &export_nights, &cramp_summary, &sessions, &cramps, &standing, range.slots.len()) + "\n"
    } else if args.csv {
        show::csv(&sessions, range.day_starts, &standing)
    } else if records.is_empty() {
        format!("{}\n", show::EMPTY)
    } else {
        let last = range.until.unwrap_or(range.tonight);
        let first = range.since.unwrap_or(last - Days::new(TABLE_NIGHTS - 1));
        let view = show::View {
            nights: filled.mark(tally.between(first, last)),
            slots: range.slots.len(),
            streaks,
            calendar: tally.calendar(last, CALENDAR_WEEKS),
            cramps: any_cramp.then(|| (export_nights.first().map(|n| n.night), cramp_summary)),
        };
        show::human(&view, color)
    }
}

/// The night `nights` before `from`, not before the first night stretch keeps.
fn back(from: NaiveDate, nights: u32, flag: &str) -> Result<NaiveDate> {
    from.checked_sub_days(Days::new(u64::from(nights)))
        .filter(|d| *d >= FIRST_NIGHT)
        .ok_or_else(|| Error::usage(format!("{flag} reaches back before {FIRST_NIGHT}, when stretch keeps no nights")))
}

/// One warning per unusable line, naming the journal and the line.
fn warn(path: &Path, problems: &[Problem]) {
    for problem in problems {
        let message = visible(&problem.message);
        eprintln!("stretch: warning: {}:{}: {message}; line skipped", path.display(), problem.line);
    }
}

/// `--check`: beyond what reading reports, records no timer could have written
/// and ids used twice. Returns 1 if anything is wrong.
fn check(path: &Path, records: &[Stored], unreadable: usize, now: &DateTime<FixedOffset>) -> u8 {
    let mut seen = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for stored in records {
        if let Err(message) = stored.record.validate(now) {
            problems.push(Problem { line: stored.line, message });
        }
        if let Some(first) = seen.insert(stored.record.id(), stored.line) {
            problems.push(Problem { line: stored.line, message: format!("id used before, on line {first}") });
        }
    }
    problems.extend(dangling(records));
    problems.sort_by_key(|p| p.line);
    for problem in &problems {
        eprintln!("stretch: {}:{}: {}", path.display(), problem.line, visible(&problem.message));
    }
    let wrong = unreadable + problems.len();
    crate::term::output::line(&format!("{}: {} records, {wrong} problems", path.display(), records.len()));
    if wrong == 0 { code::OK } else { code::FAILURE }
}

/// Confirmations that name no session, and retractions that name no record
/// (or another retraction) in the journal.
fn dangling(records: &[Stored]) -> Vec<Problem> {
    let kinds: std::collections::HashMap<&str, &journal::Record> =
        records.iter().map(|s| (s.record.id(), &s.record)).collect();
    let problem = |line, message| Some(Problem { line, message });
    let check = |stored: &Stored| match &stored.record {
        journal::Record::Confirm(c) => match kinds.get(c.session.as_str()) {
            Some(journal::Record::Session(_)) => None,
            Some(_) => problem(stored.line, format!("it confirms {:?}, which is not a session", c.session)),
            None => problem(stored.line, format!("it confirms {:?}, which is no record in this journal", c.session)),
        },
        journal::Record::Retract(r) => match kinds.get(r.record.as_str()) {
            Some(journal::Record::Retract(_)) => {
                problem(stored.line, format!("it retracts {:?}, which is itself a retraction", r.record))
            }
            Some(_) => None,
            None => problem(stored.line, format!("it retracts {:?}, which is no record in this journal", r.record)),
        },
        _ => None,
    };
    records.iter().filter_map(check).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_nights_end_with_the_until_night() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T22:00:00+00:00").unwrap();
        let range = |since: &str, until: Option<&str>| {
            let mut args = vec!["stretch", "log", "--since", since];
            if let Some(until) = until {
                args.extend(["--until", until]);
            }
            let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
            let crate::cli::Command::Log(args) = cli.command else { unreachable!() };
            Range::new(&args, crate::settings::DEFAULT_DAY_STARTS.naive(), &now)
                .map(|r| (r.since.unwrap().to_string(), r.until.map(|u| u.to_string())))
        };
        assert_eq!(range("1d", None).unwrap(), ("2026-11-26".into(), None), "tonight alone");
        assert_eq!(range("7d", None).unwrap().0, "2026-11-20", "seven nights");
        assert_eq!(range("2w", None).unwrap().0, "2026-11-13");
        assert_eq!(range("7d", Some("7d")).unwrap(), ("2026-11-13".into(), Some("2026-11-19".into())));
        assert_eq!(range("2026-11-01", None).unwrap().0, "2026-11-01");
        assert!(range("0d", None).unwrap_err().message.contains("--since 1d is tonight alone"));
        assert!(range("36525d", None).unwrap_err().message.contains("before 2000-01-01"));
    }
}
