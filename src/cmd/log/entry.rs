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
use crate::time::duration;

/// Records a session done without the timer: the routine as planned (the
/// routine and timing of `settings`), completed.
pub fn add(args: &LogAddArgs, settings: &Settings, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
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
        hold_ms: timeline.hold_time().as_millis() as u64,
        completed: true,
        source: Source::Entered,
        audio: AudioUsed::None,
        paused_ms: 0,
        cramp: None,
    };
    let record = Record::Session(session.clone());
    record.validate().map_err(|e| Error::usage(format!("this session cannot be recorded: {e}")))?;
    paths.create_data_dir()?;
    let path = paths.journal();
    journal::append(&path, &[record])?;
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

/// Merges another journal, skipping records whose id is already present.
pub fn import(file: &Path, paths: &Paths) -> Result<u8> {
    if !file.exists() {
        return Err(Error::failure(format!("could not read {}: no such file", file.display())));
    }
    let incoming = journal::read_stored(file)?;
    for problem in &incoming.problems {
        eprintln!("stretch: warning: {}:{}: {}; line not imported", file.display(), problem.line, problem.message);
    }
    paths.create_data_dir()?;
    let path = paths.journal();
    let merged = journal::merge(&path, &incoming.records)?;
    let unreadable = match incoming.problems.len() {
        0 => String::new(),
        n => format!(", {n} unreadable lines left out"),
    };
    crate::term::output::line(&format!(
        "Imported {}: {} added, {} skipped (already in {}){unreadable}",
        file.display(),
        merged.added,
        merged.skipped,
        path.display()
    ));
    Ok(code::OK)
}
