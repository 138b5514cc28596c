//! `stretch log add` and `stretch log import`: sessions that reach the journal
//! without the timer, under the same lock and checks as the timer's own.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, TimeZone};

use crate::audio::AudioUsed;
use crate::cli::LogAddArgs;
use crate::error::{Error, Result, code};
use crate::journal::nights::{DEFAULT_DAY_STARTS, night_of};
use crate::journal::{self, Record, SCHEMA, Session, Source};
use crate::paths::Paths;
use crate::routine::catalog;
use crate::session::timeline;
use crate::time::duration;

/// Records a session done without the timer: the routine as planned, completed.
pub fn add(args: &LogAddArgs, paths: &Paths, now: &DateTime<FixedOffset>) -> Result<u8> {
    let (mut routine, _origin) = catalog::resolve(&args.routine, paths.routine_dir().as_deref())?;
    if let Some(reps) = args.reps {
        routine.reps = reps;
    }
    let timeline = timeline::build(&routine);
    let started = match &args.at {
        Some(text) => parse_at(text)?,
        None => *now,
    };
    if started > *now {
        return Err(Error::usage(format!("--at {started} is in the future; give the time you did the stretch")));
    }
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
        "Logged {}: {} reps, {} held, for the night of {}, to {}",
        session.routine,
        session.reps_done,
        duration::format(timeline.hold_time()),
        night_of(&session.started, DEFAULT_DAY_STARTS),
        path.display()
    ));
    Ok(code::OK)
}

/// `--at`: RFC 3339 keeps its offset; a local time takes the offset `TZ` had then.
fn parse_at(text: &str) -> Result<DateTime<FixedOffset>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at);
    }
    let local = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            Error::usage(format!("--at {text:?}: write a time like \"2026-11-26 22:30\" or 2026-11-26T22:30:00+01:00"))
        })?;
    // In the hour repeated when clocks go back, the first of the two is meant.
    Local.from_local_datetime(&local).earliest().map(|t| t.fixed_offset()).ok_or_else(|| {
        Error::usage(format!("--at {text:?}: that local time does not exist (the clocks skipped it); give the offset"))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rfc3339_time_keeps_its_offset() {
        let at = parse_at("2026-03-29T01:30:00+01:00").unwrap();
        assert_eq!(at.offset().local_minus_utc(), 3600);
        assert!(parse_at("last night").unwrap_err().message.contains("write a time like"));
    }
}
