//! `stretch log add` and `stretch log import`: sessions that reach the journal
//! without the timer, under the same lock and checks as the timer's own.

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::cli::LogAddArgs;
use crate::error::{Error, Result, code};
use crate::journal::AudioUsed;
use crate::journal::ledger::{Entry, Ledger};
use crate::journal::marks::{self, Marked};
use crate::journal::nights::night_of;
use crate::journal::{self, Record, SCHEMA, Session, Source};
use crate::paths::Paths;
use crate::routine::timeline;
use crate::settings::Settings;
use crate::time::duration;
use crate::visible::visible;

/// Records a session done without the timer: the routine as planned (the
/// routine and timing of `settings`), completed.
pub(crate) fn add(args: &LogAddArgs, settings: &Settings, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    let mut routine = settings.routine(paths.routine_dir().as_deref())?;
    if let Some(reps) = args.reps {
        routine.reps = reps;
    }
    let timeline = timeline::build(&routine);
    let started = match args.at {
        Some(at) => at.resolve(now).map_err(|e| Error::usage(format!("--at: {e}")))?,
        None => *now,
    };
    if started.date_naive() < crate::journal::nights::FIRST_NIGHT {
        return Err(Error::usage(format!("--at {started} is before 2000; check the year")));
    }
    let session = Session {
        v: SCHEMA,
        id: journal::new_id(),
        routine: timeline.routine.clone(),
        started,
        ended: started + chrono::Duration::from_std(timeline.length()).unwrap_or_default(),
        reps_planned: timeline.reps,
        reps_done: timeline.reps,
        hold_ms: u64::try_from(timeline.hold_time().as_millis()).unwrap_or(u64::MAX),
        completed: true,
        source: Source::Entered,
        audio: AudioUsed::None,
        paused_ms: 0,
        cramp: None,
        // The person typed it in.
        attended: Some(true),
        skipped: false,
        note: args.note.clone(),
    };
    let record = Record::Session(session.clone());
    record.validate(now).map_err(|e| Error::usage(format!("this session cannot be recorded: {e}")))?;
    let path = paths.journal();
    let minute = |at: &DateTime<FixedOffset>| at.timestamp().div_euclid(60);
    // The same routine in the same minute (the same instant, whatever offset
    // each was written with) is a repeat, looked for under the journal's lock
    // so that the same command run twice at once stores one record. Only a
    // record that stands is one: a retracted session may be logged again.
    let repeat = |records: &[journal::Stored]| {
        Ledger::of(records).entries.iter().find_map(|(i, entry)| match *entry {
            Entry::Session(s, presence)
                if s.routine == session.routine && minute(&s.started) == minute(&session.started) =>
            {
                Some((records[*i].line, presence, s.id.clone(), s.note.clone()))
            }
            _ => None,
        })
    };
    let stored =
        paths.create_data_dir().and_then(|_| journal::append_unless(&path, &record, repeat)).inspect_err(|_| {
            crate::errln!(
                "stretch: this session was not saved; its record is:\n{}",
                crate::visible::visible_json(&record.to_line())
            );
        })?;
    if let Some((line, presence, id, note)) = stored {
        let at = format!("{} session at {}", session.routine, session.started.format("%Y-%m-%d %H:%M"));
        let place = format!("{}:{line}", path.display());
        if !presence.attended() {
            // Played by the schedule with nobody there: if the person was, a
            // confirmation says so; a second record would count one stretch twice.
            return Err(Error::failure(format!(
                "a scheduled {at} is recorded as played with nobody there ({place}); if you were there, \
                 `stretch log confirm {id}` counts it; nothing was added"
            )));
        }
        if args.note.is_some() && args.note != note {
            return Err(Error::failure(format!(
                "a {at} is already recorded ({place}) with another note; nothing was added \
                 (give another --at to record a second one)"
            )));
        }
        // Running the same command twice (from history, or unsure the first
        // one worked) must not count one night's stretch twice; the journal
        // already says what the command wanted it to say, so this is no failure.
        crate::errln!(
            "stretch: warning: a {at} is already recorded ({place}); nothing was added \
             (give another --at to record a second one)"
        );
        return Ok(code::OK);
    }
    crate::term::output::line(&format!(
        "Logged {}: {}, {} held, for the night of {}, to {}",
        session.routine,
        crate::term::words::count(session.reps_done, "rep"),
        duration::format(timeline.hold_time()),
        night_of(&session.started, settings.day_starts.value.naive()),
        path.display()
    ));
    Ok(code::OK)
}

/// How many bad lines in a row, before any record, show a file is not a
/// journal at all.
const NOT_A_JOURNAL: usize = 10;

/// Merges another journal, skipping records whose id is already present. Every
/// record is checked as `stretch log --check` checks it; if any would be
/// rejected, nothing is imported. A file that is not a journal at all (a
/// sound file, a letter) is refused in one line, not one line per line.
pub(crate) fn import(file: &Path, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    refuse_if_not_a_journal(file, first_line(file)?.as_deref())?;
    let loaded = journal::load_foreign(file)?;
    let incoming = loaded.reading();
    let first_record = incoming.records.first().map_or(usize::MAX, |s| s.line);
    if incoming.problems.iter().take_while(|p| p.line < first_record).count() >= NOT_A_JOURNAL {
        return Err(not_a_journal(file, &format!("its first {NOT_A_JOURNAL} lines hold no record")));
    }
    let mut bad: Vec<(usize, String)> = incoming.problems.iter().map(|p| (p.line, p.message.clone())).collect();
    bad.extend(incoming.records.iter().filter_map(|s| s.record.validate(now).err().map(|why| (s.line, why))));
    bad.sort_by_key(|(line, _)| *line);
    if !bad.is_empty() {
        super::list_capped(
            bad.iter().map(|(line, why)| format!("stretch: {}:{line}: {}", file.display(), visible(why))),
        );
        return Err(Error::failure(format!(
            "nothing was imported: {} of the records in {} cannot be stored; fix or remove them and import again",
            bad.len(),
            file.display()
        )));
    }
    paths.create_data_dir()?;
    let path = paths.journal();
    let merged = journal::merge(&path, &incoming.records).inspect_err(|_| {
        crate::errln!("stretch: nothing was imported; {} is unchanged and can be imported again", file.display());
    })?;
    crate::term::output::line(&format!(
        "Imported {}: {} added, {} skipped (already in {})",
        file.display(),
        merged.added,
        merged.skipped,
        path.display()
    ));
    Ok(code::OK)
}

/// The first line of `file` that is not blank, without a byte-order mark, read
/// no further than one record's limit; `None` for a file of blank lines.
fn first_line(file: &Path) -> Result<Option<Vec<u8>>> {
    use std::io::{BufRead, Read};
    let opened = crate::files::open_to_read(file).map_err(|e| Error::io("read", file, &e))?;
    let mut reader = std::io::BufReader::new(opened).take(crate::files::MAX_TEXT);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(|e| Error::io("read", file, &e))? == 0 {
            return Ok(None);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            let start = if line.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
            return Ok(Some(line[start..].to_vec()));
        }
    }
}

/// A journal's first line is a JSON object; anything else means the file is
/// something else.
fn refuse_if_not_a_journal(file: &Path, first: Option<&[u8]>) -> Result<()> {
    let Some(first) = first else { return Ok(()) };
    let text = std::str::from_utf8(first).map(|t| t.trim()).unwrap_or("");
    let object = text.starts_with('{')
        && (serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.is_object()) || !first.ends_with(b"\n"));
    if object { Ok(()) } else { Err(not_a_journal(file, "its first line is not a record")) }
}

fn not_a_journal(file: &Path, why: &str) -> Error {
    Error::failure(format!(
        "{} is not a stretch journal ({why}; a journal holds one JSON record per line): nothing was imported",
        file.display()
    ))
}

/// `stretch log confirm`: confirms the scheduled session `id` (by default
/// the latest one nobody confirmed).
pub(crate) fn confirm(id: Option<&str>, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    match marks::confirm(paths, id, now)? {
        Marked::Appended(what) => {
            crate::term::output::line(&format!("Confirmed {what}, to {}", paths.journal().display()));
        }
        Marked::Already(said) => crate::term::output::line(&said),
    }
    Ok(code::OK)
}

/// `stretch log retract`: appends a retraction of the record `id`.
pub(crate) fn retract(id: &str, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    match marks::retract(paths, id, now)? {
        Marked::Appended(what) => crate::term::output::line(&format!(
            "Retracted {what}, in {}; the journal keeps both lines",
            paths.journal().display()
        )),
        Marked::Already(said) => crate::term::output::line(&said),
    }
    Ok(code::OK)
}
