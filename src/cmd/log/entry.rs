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
        hold_ms: u64::try_from(timeline.hold_time().as_millis()).unwrap_or(u64::MAX),
        completed: true,
        source: Source::Entered,
        audio: AudioUsed::None,
        paused_ms: 0,
        cramp: None,
    };
    let record = Record::Session(session.clone());
    record.validate(now).map_err(|e| Error::usage(format!("this session cannot be recorded: {e}")))?;
    let path = paths.journal();
    paths.create_data_dir().and_then(|_| journal::append(&path, std::slice::from_ref(&record))).inspect_err(|_| {
        eprintln!("stretch: this session was not saved; its record is:\n{}", record.to_line());
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

/// How many bad records `import` lists before counting the rest.
const LISTED: usize = 10;

/// Merges another journal, skipping records whose id is already present. Every
/// record is checked as `stretch log --check` checks it; if any would be
/// rejected, nothing is imported.
pub fn import(file: &Path, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    let incoming = journal::read_foreign(file)?;
    let mut bad: Vec<(usize, String)> = incoming.problems.iter().map(|p| (p.line, p.message.clone())).collect();
    bad.extend(incoming.records.iter().filter_map(|s| s.record.validate(now).err().map(|why| (s.line, why))));
    bad.sort_by_key(|(line, _)| *line);
    if !bad.is_empty() {
        for (line, why) in bad.iter().take(LISTED) {
            eprintln!("stretch: {}:{line}: {}", file.display(), visible(why));
        }
        if bad.len() > LISTED {
            eprintln!("stretch: ... and {} more bad records", bad.len() - LISTED);
        }
        return Err(Error::failure(format!(
            "nothing was imported: {} of the records in {} cannot be stored; fix or remove them and import again",
            bad.len(),
            file.display()
        )));
    }
    paths.create_data_dir()?;
    let path = paths.journal();
    let merged = journal::merge(&path, &incoming.records).inspect_err(|_| {
        eprintln!("stretch: nothing was imported; {} is unchanged and can be imported again", file.display());
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
