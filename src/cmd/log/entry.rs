//! `stretch log add` and `stretch log import`: sessions that reach the journal
//! without the timer, under the same lock and checks as the timer's own.

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::cli::LogAddArgs;
use crate::error::{Error, Result, code};
use crate::journal::AudioUsed;
use crate::journal::nights::night_of;
use crate::journal::{self, Record, SCHEMA, Session, Source};
use crate::paths::Paths;
use crate::session::timeline;
use crate::settings::Settings;
use crate::term::visible::visible;
use crate::time::duration;

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
    };
    let record = Record::Session(session.clone());
    record.validate(now).map_err(|e| Error::usage(format!("this session cannot be recorded: {e}")))?;
    let path = paths.journal();
    // A journal that cannot be read is left to the append below, which says
    // so and prints the record that could not be saved.
    if let Ok(Some(line)) = already_recorded(&path, &session) {
        // Running the same command twice (from history, or unsure the first
        // one worked) must not count one night's stretch twice; the journal
        // already says what the command wanted it to say, so this is no failure.
        crate::errln!(
            "stretch: warning: a {} session at {} is already recorded ({}:{line}); nothing was added \
             (give another --at to record a second one)",
            session.routine,
            session.started.format("%Y-%m-%d %H:%M"),
            path.display()
        );
        return Ok(code::OK);
    }
    paths.create_data_dir().and_then(|_| journal::append(&path, std::slice::from_ref(&record))).inspect_err(|_| {
        crate::errln!(
            "stretch: this session was not saved; its record is:\n{}",
            crate::term::visible::visible_json(&record.to_line())
        );
    })?;
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

/// The line of a session of the same routine that started in the same minute
/// as `session` (the same instant, whatever offset each was written with).
fn already_recorded(path: &Path, session: &Session) -> Result<Option<usize>> {
    let minute = |at: &DateTime<FixedOffset>| at.timestamp().div_euclid(60);
    Ok(journal::read_stored(path)?.records.iter().find_map(|stored| match stored.record.as_session() {
        Some(s) if s.routine == session.routine && minute(&s.started) == minute(&session.started) => Some(stored.line),
        _ => None,
    }))
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
    let incoming = journal::read_foreign(file)?;
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

/// Appends `record`; if that fails, prints it so it can be added by hand.
fn append_one(paths: &Paths, record: &Record) -> Result<std::path::PathBuf> {
    let path = paths.journal();
    paths.create_data_dir().and_then(|_| journal::append(&path, std::slice::from_ref(record))).inspect_err(|_| {
        crate::errln!(
            "stretch: this was not saved; its record is:\n{}",
            crate::term::visible::visible_json(&record.to_line())
        );
    })?;
    Ok(path)
}

/// The one record `id` names, in full or by its start.
fn find<'a>(records: &'a [Record], id: &str, what: &str) -> Result<&'a Record> {
    if let Some(exact) = records.iter().find(|r| r.id() == id) {
        return Ok(exact);
    }
    let matches: Vec<&Record> = records.iter().filter(|r| !id.is_empty() && r.id().starts_with(id)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::usage(format!(
            "no {what} has the id {:?}; `stretch log --csv` lists each session's id",
            visible(id)
        ))),
        many => Err(Error::usage(format!(
            "{} records have ids starting {:?}; give more of the id",
            many.len(),
            visible(id)
        ))),
    }
}

/// `stretch log confirm`: appends a confirmation that a person did the
/// scheduled session `id` (by default the latest one nobody confirmed).
pub(crate) fn confirm(id: Option<&str>, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    let records = journal::read(&paths.journal())?.records;
    let standing = journal::Standing::of_records(&records);
    let session = match id {
        Some(id) => find(&records, id, "session")?
            .as_session()
            .ok_or_else(|| Error::usage(format!("{id:?} is not a session; only a session can be confirmed")))?,
        None => records
            .iter()
            .filter_map(Record::as_session)
            .filter(|s| !s.skipped && !standing.retracted(&s.id) && !standing.attended(&s.id, s.attended_as_written()))
            .max_by_key(|s| s.started)
            .ok_or_else(|| {
                Error::usage(
                    "no scheduled session is waiting to be confirmed: every session in the journal counts already",
                )
            })?,
    };
    let when = session.started.format("%Y-%m-%d %H:%M");
    if standing.retracted(&session.id) {
        return Err(Error::usage(format!("the session of {when} was retracted; it cannot be confirmed")));
    }
    if standing.attended(&session.id, session.attended_as_written()) {
        crate::term::output::line(&format!("The session of {when} counts already; nothing to confirm"));
        return Ok(code::OK);
    }
    let record =
        Record::Confirm(journal::Confirm { v: SCHEMA, id: journal::new_id(), session: session.id.clone(), at: *now });
    let path = append_one(paths, &record)?;
    crate::term::output::line(&format!("Confirmed the {} session of {when}, to {}", session.routine, path.display()));
    Ok(code::OK)
}

/// `stretch log retract`: appends a retraction of the record `id`.
pub(crate) fn retract(id: &str, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    let records = journal::read(&paths.journal())?.records;
    let standing = journal::Standing::of_records(&records);
    let target = find(&records, id, "record")?;
    let what = match target {
        Record::Session(s) => format!("the {} session of {}", s.routine, s.started.format("%Y-%m-%d %H:%M")),
        Record::Cramp(c) => format!("the cramp of {}", c.at.format("%Y-%m-%d %H:%M")),
        Record::Confirm(c) => format!("the confirmation of {}", c.at.format("%Y-%m-%d %H:%M")),
        Record::Retract(_) => {
            return Err(Error::usage("that is a retraction; a retraction cannot be taken back".to_string()));
        }
    };
    if standing.retracted(target.id()) {
        crate::term::output::line(&format!("{what} was retracted already; nothing to do"));
        return Ok(code::OK);
    }
    let record = Record::Retract(journal::Retract {
        v: SCHEMA,
        id: journal::new_id(),
        record: target.id().to_string(),
        at: *now,
    });
    let path = append_one(paths, &record)?;
    crate::term::output::line(&format!("Retracted {what}, in {}; the journal keeps both lines", path.display()));
    Ok(code::OK)
}
