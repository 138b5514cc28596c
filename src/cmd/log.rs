//! `stretch log`: the history of your nights (a table, streaks, a calendar, or
//! JSON and CSV exports), `--check` of the journal, and the `add` and `import`
//! actions. Reading the journal never changes it.

#[cfg(test)]
mod agree;
pub(crate) mod entry;
mod show;

use std::path::Path;

use chrono::{DateTime, Days, FixedOffset};

use crate::cli::{LogAction, LogArgs};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::ledger::{Entry, Ledger, Presence};
use crate::journal::nights::CrampSummary;
use crate::journal::range::Range;
use crate::journal::tally::Tally;
use crate::journal::{self, Problem, Stored};
use crate::paths::Paths;
use crate::settings::{Flags, Settings};
use crate::term::look::{ColorChoice, Look, Stream};
use crate::term::words;
use crate::visible::visible;

/// Nights in the default table.
const TABLE_NIGHTS: u64 = 14;
/// Weeks in the calendar.
const CALENDAR_WEEKS: u64 = 16;

/// Runs `stretch log` and its actions; returns the exit code. `settings`
/// reads the config file, which only `add` and the views need: a mistake in
/// it never stands in the way of confirming, retracting or importing.
pub(crate) fn run(
    args: &LogArgs,
    settings: impl FnOnce(Flags) -> Result<Settings>,
    color: ColorChoice,
    paths: &Paths,
    env: &Env,
) -> Result<u8> {
    let now = env.now()?;
    if args.action.is_some() && args.shapes_the_view() {
        return Err(Error::usage(
            "`stretch log add` and `stretch log import` take their own options, after the action: see `stretch log add --help`",
        ));
    }
    match &args.action {
        Some(LogAction::Add(add)) => return entry::add(add, &settings(args.flags())?, paths, &now),
        Some(LogAction::Import(import)) => return entry::import(&import.file, paths, &now),
        Some(LogAction::Confirm(confirm)) => return entry::confirm(confirm.id.as_deref(), paths, &now),
        Some(LogAction::Retract(retract)) => return entry::retract(&retract.id, paths, &now),
        None => {}
    }
    let settings = settings(args.flags())?;
    let mut range = Range::of(args.since, args.until, settings.day_starts.value.naive(), &now)?
        .with_cramp_day_starts(settings.cramp_day_starts.value.naive());
    range.slots = settings.slots.value.clone();
    let path = paths.journal();
    let loaded = journal::load(&path)?;
    // The views parse only what was appended since the last run; `--check`
    // reads every line afresh.
    let reading = match &env.cache_dir {
        Some(dir) if !args.check => journal::cache::reading(&loaded, &journal::cache::file_for(dir, &path)),
        _ => loaded.reading(),
    };
    if args.check {
        return Ok(check(&path, &reading.records, &reading.problems, &now));
    }
    warn(&path, &reading.problems);
    journal::ahead::warn(&path, reading.records.iter().map(|r| *r.record.at()), &now);
    if let Some(name) = &args.routine {
        warn_unknown_routine(&path, name, &reading.records);
    }
    // The CSV lists sessions only: no missed runs to look for.
    let missed: Vec<_> = if args.csv {
        Vec::new()
    } else {
        crate::schedule::missed::missed_runs(paths, env).into_iter().filter(|due| range.contains(due)).collect()
    };
    let color = Look::of(Stream::Stdout, color, env).color;
    let mut text = render(args, &range, &reading.records, color);
    if args.json && !missed.is_empty() && text.ends_with("}\n") {
        // The scheduled nights that never started, beside the nights.
        let list: Vec<String> = missed.iter().map(|d| format!("{:?}", d.to_rfc3339())).collect();
        text.truncate(text.len() - 2);
        text += &format!(",\"missed\":[{}]}}\n", list.join(","));
    } else if !args.json && !args.csv {
        for due in &missed {
            text += &format!(
                "missed: the run scheduled for {} never started (the computer was asleep or off, cron was not running, or the program could not start: see schedule.log)\n",
                due.format("%Y-%m-%d %H:%M")
            );
        }
    }
    // Painted, the text's outside parts were made visible where they were read.
    let painted = color && !args.json && !args.csv;
    let text = if painted {
        text
    } else if args.json {
        crate::visible::visible_json(&text).into_owned()
    } else {
        crate::visible::visible_lines(&text).into_owned()
    };
    if args.json || args.csv || args.no_pager || !page(&text, env) {
        crate::term::output::painted(&text);
    }
    Ok(code::OK)
}

/// The pager when none is set, as git runs it: quit at once if the text fits,
/// keep colours, leave the text on the screen after quitting.
const DEFAULT_PAGER: &str = "less -FRX";

/// Shows `text` through the pager, like git, when stdout is a terminal the
/// text is taller than, and `PAGER` is not set empty. Returns whether it did;
/// a pager that cannot be started (or is not found) leaves the text to be
/// printed as usual.
fn page(text: &str, env: &Env) -> bool {
    use std::io::{IsTerminal, Write};
    let pager = env.pager.as_deref().unwrap_or(DEFAULT_PAGER);
    // A pager on a dumb terminal (less: "Press RETURN to continue") would wait for a key.
    if pager.trim().is_empty() || env.dumb_terminal || !std::io::stdout().is_terminal() {
        return false;
    }
    let Some((rows, _)) = console::Term::stdout().size_checked() else { return false };
    if text.lines().count() < usize::from(rows) {
        return false;
    }
    let Ok(mut child) =
        std::process::Command::new("sh").args(["-c", pager]).stdin(std::process::Stdio::piped()).spawn()
    else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A person who quits the pager early closes the pipe: that is no error.
        let _ = stdin.write_all(text.as_bytes());
    }
    // 126 and 127: the shell could not run the pager, so nothing was shown.
    child.wait().is_ok_and(|status| !matches!(status.code(), Some(126 | 127)))
}

/// What `stretch log` prints for `args`, from a journal's bytes, at `now`
/// (the built-in day boundary, no colour, problems left out): the reading and
/// the view without the file or the terminal, for the benchmarks.
#[doc(hidden)]
pub fn view_of(args: &LogArgs, bytes: &[u8], now: &DateTime<FixedOffset>) -> Result<String> {
    let range = Range::of(args.since, args.until, crate::settings::DEFAULT_DAY_STARTS.naive(), now)?;
    Ok(render(args, &range, &journal::parse(bytes).records, false))
}

/// A session listed in `--json` or `--csv`: its record, its line as stored,
/// and who was there, as the ledger decided.
pub(crate) struct Listed<'a> {
    /// The record.
    pub session: &'a journal::Session,
    /// Its line, passed on as stored.
    pub text: &'a str,
    /// Who was there.
    pub presence: Presence,
}

/// The output: JSON, CSV, or the view for a person, all from one ledger and
/// one tally. Streaks count every session of the chosen routine; the range
/// chooses what is listed. Cramps count whatever the routine.
fn render(args: &LogArgs, range: &Range, records: &[Stored], color: bool) -> String {
    let ledger = Ledger::of(records);
    let tally = Tally::of(&ledger, &range.rules(args.routine.as_deref()));
    let (mut sessions, mut cramps, mut any_cramp) = (Vec::new(), Vec::new(), false);
    let mut cramp_records = Vec::new();
    for (index, entry) in &ledger.entries {
        let text = records[*index].text;
        match *entry {
            Entry::Session(session, presence) => {
                if args.routine.as_ref().is_none_or(|r| *r == session.routine) && range.contains(&session.started) {
                    sessions.push(Listed { session, text, presence });
                }
            }
            Entry::Cramp(cramp) => {
                any_cramp = true;
                if range.contains_cramp(&cramp.at) {
                    cramps.push(text);
                    cramp_records.push(cramp);
                }
            }
        }
    }
    let streaks = show::Streaks {
        current: tally.current_streak(range.tonight),
        longest: tally.longest_streak(),
        this_week: tally.this_week(range.tonight),
    };
    let counted = range.counted_nights(&tally);
    let cramp_summary = CrampSummary::of(&counted);
    if args.json {
        show::json(&streaks, &counted, &cramp_summary, &sessions, &cramps, range.slots.len()) + "\n"
    } else if args.csv {
        // In time order, whatever order they reached the journal in (an
        // import or `log add` appends earlier sessions after later ones).
        sessions.sort_by_key(|listed| listed.session.started);
        if args.cramps {
            show::cramps_csv(&cramp_records, range.cramp_day_starts)
        } else {
            show::csv(&sessions, range.day_starts)
        }
    } else if records.is_empty() {
        format!("{}\n", show::EMPTY)
    } else {
        let first_record = tally.first_night();
        // The same last night as `--json` and the report: tomorrow's, when a session is dated then.
        let last = range.last_night(&tally);
        let first = range.since.unwrap_or(last - Days::new(TABLE_NIGHTS - 1));
        let first = first_record.map_or(first, |record| first.max(record));
        let mut calendar = tally.calendar(last, CALENDAR_WEEKS);
        // Before the journal's first night nothing was kept: blank, not "none".
        for cell in calendar.iter_mut().flatten() {
            if cell.zip(first_record).is_some_and(|(night, record)| night.night < record) {
                *cell = None;
            }
        }
        let view = show::View {
            nights: tally.between(first, last),
            slots: range.slots.len(),
            streaks,
            calendar,
            cramps: any_cramp.then(|| (counted.first().map(|n| n.night), cramp_summary)),
        };
        show::human(&view, color)
            + &show::notes(&sessions, &cramp_records, (first, last), range.day_starts, range.cramp_day_starts)
    }
}

/// Says on stderr when `--routine NAME` matches no session, naming the
/// routines that do appear, instead of an empty history with no word.
fn warn_unknown_routine(path: &Path, name: &str, records: &[Stored]) {
    let mut known: Vec<&str> =
        records.iter().filter_map(|s| s.record.as_session()).map(|s| s.routine.as_str()).collect();
    if known.contains(&name) {
        return;
    }
    known.sort_unstable();
    known.dedup();
    let hint = if known.is_empty() {
        "it holds no sessions yet".to_string()
    } else {
        format!("its routines are: {}", known.iter().map(|r| visible(r)).collect::<Vec<_>>().join(", "))
    };
    crate::errln!("stretch: warning: no session in {} is of the routine {:?}; {hint}", path.display(), visible(name));
}

/// How many warnings about bad lines are shown before the rest are counted.
const LISTED: usize = 10;

/// Prints the first [`LISTED`] `lines` to stderr, then how many more there were:
/// a journal with thousands of bad lines must not bury the one thing to do.
fn list_capped(lines: impl IntoIterator<Item = String>) {
    let mut more = 0;
    for (index, line) in lines.into_iter().enumerate() {
        if index < LISTED {
            crate::errln!("{line}");
        } else {
            more += 1;
        }
    }
    if more > 0 {
        crate::errln!("stretch: ... and {more} more like these");
    }
}

/// A warning per unusable line, naming the journal and the line (the first
/// [`LISTED`] of them).
fn warn(path: &Path, problems: &[Problem]) {
    list_capped(problems.iter().map(|problem| {
        let message = visible(&problem.message);
        format!("stretch: warning: {}:{}: {message}; line skipped", path.display(), problem.line)
    }));
}

/// `--check`: beyond what reading reports (`unreadable`), records no timer
/// could have written and ids used twice, in line order, the first
/// [`LISTED`] of them shown. Returns 1 if anything is wrong.
fn check(path: &Path, records: &[Stored], unreadable: &[Problem], now: &DateTime<FixedOffset>) -> u8 {
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
    let mut all: Vec<(&Problem, &str, &str)> = unreadable.iter().map(|p| (p, "warning: ", "; line skipped")).collect();
    all.extend(problems.iter().map(|p| (p, "", "")));
    all.sort_by_key(|(p, ..)| p.line);
    list_capped(
        all.iter().map(|(p, head, tail)| {
            format!("stretch: {head}{}:{}: {}{tail}", path.display(), p.line, visible(&p.message))
        }),
    );
    let wrong = all.len();
    let (records, problems) = (words::count(records.len() as u64, "record"), words::count(wrong as u64, "problem"));
    crate::term::output::line(&format!("{}: {records}, {problems}", path.display()));
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
            Range::of(args.since, args.until, crate::settings::DEFAULT_DAY_STARTS.naive(), &now)
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
