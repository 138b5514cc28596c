//! `stretch log`: the history of your nights (a table, streaks, a calendar, or
//! JSON and CSV exports), `--check` of the journal, and the `add` and `import`
//! actions. Reading the journal never changes it.

#[cfg(test)]
mod agree;
pub(crate) mod entry;
mod show;

use std::path::Path;

use std::borrow::Cow;

use chrono::{DateTime, Days, FixedOffset};

use crate::cli::{LogAction, LogArgs};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::digest::{Digest, Standing};
use crate::journal::ledger::{Entry, Ledger, Presence};
use crate::journal::nights::CrampSummary;
use crate::journal::range::Range;
use crate::journal::tally::Tally;
use crate::journal::{self, Problem, Record, Stored};
use crate::paths::Paths;
use crate::settings::{Flags, Settings};
use crate::term::look::{ColorChoice, Look, Stream};
use crate::term::words;
use crate::visible::{visible, visible_lines};

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
    // The views read the cache of the journal's reading; `--check` reads
    // every line afresh. The table and `--json` need no record parsed again
    // (the digest) unless a record is dated after now, which they warn of.
    let cache = env.cache_dir.as_ref().filter(|_| !args.check).map(|dir| journal::cache::file_for(dir, &path));
    let digested = cache
        .as_ref()
        .filter(|_| !args.csv && args.routine.is_none())
        .and_then(|file| journal::cache::digest(&loaded, file, &range.rules(None)))
        .filter(|(digest, _)| digest.latest.is_none_or(|latest| !journal::ahead::ahead(&latest, &now)));
    let full;
    let mut parsed = Vec::new();
    let digested = digested.and_then(|(digest, problems)| {
        Some((Listing::of_digest(digest, &loaded.bytes, &range, &mut parsed)?, problems))
    });
    let listing = match digested {
        Some((listing, problems)) => {
            warn(&path, &problems);
            listing
        }
        None => {
            full = match &cache {
                Some(file) => journal::cache::reading(&loaded, file),
                None => loaded.reading(),
            };
            if args.check {
                return Ok(check(&path, &full.records, &full.problems, &now));
            }
            warn(&path, &full.problems);
            journal::ahead::warn(&path, full.records.iter().map(|r| *r.record.at()), &now);
            if let Some(name) = &args.routine {
                warn_unknown_routine(&path, name, &full.records);
            }
            Listing::of_records(args, &range, &full.records)
        }
    };
    // The CSV lists sessions only: no missed runs to look for.
    let missed: Vec<_> = if args.csv {
        Vec::new()
    } else {
        crate::schedule::missed::missed_runs(paths, env).into_iter().filter(|due| range.contains(due)).collect()
    };
    let color = Look::of(Stream::Stdout, color, env).color;
    let mut text = match view(args, &range, listing, color) {
        Shown::Json(mut pieces) => {
            if !missed.is_empty() {
                // The scheduled nights that never started, beside the nights.
                let list: Vec<String> = missed.iter().map(|d| format!("{:?}", d.to_rfc3339())).collect();
                pieces.pop();
                pieces.push(Cow::Owned(format!(",\"missed\":[{}]}}", list.join(","))));
            }
            pieces.push(Cow::Borrowed("\n"));
            let shown: Vec<Cow<str>> = pieces.iter().map(|p| crate::visible::visible_json(p)).collect();
            crate::term::output::pieces(shown.iter().map(|p| p.as_bytes()));
            return Ok(code::OK);
        }
        Shown::Text(text) => text,
    };
    if !args.csv {
        for due in &missed {
            text += &format!(
                "missed: the run scheduled for {} never started (the computer was asleep or off, cron was not running, or the program could not start: see schedule.log)\n",
                due.format("%Y-%m-%d %H:%M")
            );
        }
    }
    // Painted, the text's outside parts were made visible where they were read.
    let text = if color && !args.csv { Cow::Borrowed(text.as_str()) } else { visible_lines(&text) };
    if args.csv || args.no_pager || !page(&text, env) {
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
    let records = journal::parse(bytes).records;
    Ok(render(args, &range, Listing::of_records(args, &range, &records), false))
}

/// A session listed in `--csv`: its record, its line as stored, and who was
/// there, as the ledger decided.
pub(crate) struct Listed<'a> {
    /// The record.
    pub session: &'a journal::Session,
    /// Who was there.
    pub presence: Presence,
}

/// What the views show of the journal's standing records, with the one
/// tally: read from the records, or from the cache's digest of them.
struct Listing<'a> {
    tally: Tally,
    /// Whether the journal holds no record at all.
    empty: bool,
    /// Whether any cramp stands, in the range or not.
    any_cramp: bool,
    /// The sessions listed, with their records (for `--csv`; empty from a digest).
    sessions: Vec<Listed<'a>>,
    /// The lines of the sessions listed, as stored.
    session_texts: Vec<&'a str>,
    /// The ids of the sessions listed that a confirmation made attended.
    confirmed: Vec<&'a str>,
    /// The sessions listed that hold a note.
    noted: Vec<&'a journal::Session>,
    /// The lines of the cramps listed, as stored.
    cramp_texts: Vec<&'a str>,
    /// The cramps listed (from a digest: those with a note or a length only).
    cramps: Vec<&'a journal::Cramp>,
}

impl<'a> Listing<'a> {
    /// From every record, by one ledger and one tally. Streaks count every
    /// session of the chosen routine; the range chooses what is listed.
    /// Cramps count whatever the routine.
    fn of_records(args: &LogArgs, range: &Range, records: &'a [Stored]) -> Listing<'a> {
        let ledger = Ledger::of(records);
        let tally = Tally::of(&ledger, &range.rules(args.routine.as_deref()));
        let mut listing = Listing::empty(tally, records.is_empty());
        for (index, entry) in &ledger.entries {
            let text = records[*index].text;
            match *entry {
                Entry::Session(session, presence) => {
                    if args.routine.as_ref().is_none_or(|r| *r == session.routine) && range.contains(&session.started) {
                        listing.sessions.push(Listed { session, presence });
                        listing.session_texts.push(text);
                        if presence == Presence::Confirmed {
                            listing.confirmed.push(&session.id);
                        }
                        if session.note.is_some() {
                            listing.noted.push(session);
                        }
                    }
                }
                Entry::Cramp(cramp) => {
                    listing.any_cramp = true;
                    if range.contains_cramp(&cramp.at) {
                        listing.cramp_texts.push(text);
                        listing.cramps.push(cramp);
                    }
                }
            }
        }
        listing
    }

    /// From the cache's digest of the journal's `bytes` (every routine):
    /// only the lines whose words are shown (notes, confirmed ids) are
    /// parsed again, into `parsed`. `None` if a line is not where the digest
    /// says.
    fn of_digest(digest: Digest, bytes: &'a [u8], range: &Range, parsed: &'a mut Vec<Record>) -> Option<Listing<'a>> {
        // Checked as text once, when the whole journal is (as it mostly is).
        let whole = std::str::from_utf8(bytes).ok();
        let text = |s: &Standing| match whole {
            Some(whole) => whole.get(s.span.0..s.span.1),
            None => std::str::from_utf8(bytes.get(s.span.0..s.span.1)?).ok(),
        };
        let listed = |s: &Standing| match s.session {
            Some(_) => range.contains(&s.at),
            None => range.contains_cramp(&s.at),
        };
        let reread = |s: &&Standing| listed(s) && (s.noted || s.session == Some(Presence::Confirmed));
        for s in digest.standing.iter().filter(reread) {
            parsed.push(journal::parse_line(text(s)?.as_bytes()).ok()?.0);
        }
        let mut parsed = parsed.iter();
        let mut listing = Listing::empty(digest.tally, digest.records == 0);
        for s in &digest.standing {
            listing.any_cramp |= s.session.is_none();
            if !listed(s) {
                continue;
            }
            let record = if reread(&s) { Some(parsed.next()?) } else { None };
            match (s.session, record) {
                (Some(presence), record) => {
                    listing.session_texts.push(text(s)?);
                    let session = match record {
                        Some(record) => Some(record.as_session()?),
                        None => None,
                    };
                    if let Some(session) = session {
                        if presence == Presence::Confirmed {
                            listing.confirmed.push(&session.id);
                        }
                        if s.noted {
                            listing.noted.push(session);
                        }
                    }
                }
                (None, record) => {
                    listing.cramp_texts.push(text(s)?);
                    if let Some(record) = record {
                        listing.cramps.push(record.as_cramp()?);
                    }
                }
            }
        }
        Some(listing)
    }

    fn empty(tally: Tally, empty: bool) -> Listing<'a> {
        Listing {
            tally,
            empty,
            any_cramp: false,
            sessions: Vec::new(),
            session_texts: Vec::new(),
            confirmed: Vec::new(),
            noted: Vec::new(),
            cramp_texts: Vec::new(),
            cramps: Vec::new(),
        }
    }
}

/// What `log` shows: `--json` in the pieces it is written in, or text.
enum Shown<'a> {
    Json(Vec<Cow<'a, str>>),
    Text(String),
}

/// The output as one string (for tests and the benchmarks).
fn render(args: &LogArgs, range: &Range, listing: Listing, color: bool) -> String {
    match view(args, range, listing, color) {
        Shown::Json(pieces) => pieces.concat() + "\n",
        Shown::Text(text) => text,
    }
}

/// The output: JSON, CSV, or the view for a person, all from one listing
/// and its tally.
fn view<'a>(args: &LogArgs, range: &Range, listing: Listing<'a>, color: bool) -> Shown<'a> {
    let Listing { tally, empty, any_cramp, mut sessions, session_texts, confirmed, noted, cramp_texts, cramps } =
        listing;
    let streaks = show::Streaks {
        current: tally.current_streak(range.tonight),
        longest: tally.longest_streak(),
        this_week: tally.this_week(range.tonight),
    };
    let counted = range.counted_nights(&tally);
    let cramp_summary = CrampSummary::of(&counted);
    if args.json {
        let records = show::Records { sessions: &session_texts, confirmed, cramps: &cramp_texts };
        return Shown::Json(show::json(&streaks, &counted, &cramp_summary, &records, range.slots.len()));
    }
    Shown::Text(if args.csv {
        // In time order, whatever order they reached the journal in (an
        // import or `log add` appends earlier sessions after later ones).
        sessions.sort_by_key(|listed| listed.session.started);
        if args.cramps {
            show::cramps_csv(&cramps, range.cramp_day_starts)
        } else {
            show::csv(&sessions, range.day_starts)
        }
    } else if empty {
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
            + &show::notes(&noted, &cramps, (first, last), range.day_starts, range.cramp_day_starts)
    })
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
