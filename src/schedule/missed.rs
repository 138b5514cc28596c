//! The scheduled runs that were due and never started, for `stretch log`:
//! the crontab's entries for a data directory, against its `schedule.log`.

use chrono::{DateTime, FixedOffset};

use super::crontab::CrontabProgram;
use super::invocation::{self, Form, LOG};
use super::{CrontabText, runlog};
use crate::env::Env;
use crate::paths::Paths;

/// The scheduled runs for the data dir of `paths` that were due and never
/// started, oldest first; empty when the crontab cannot be read.
pub(crate) fn missed_runs(paths: &Paths, env: &Env) -> Vec<DateTime<FixedOffset>> {
    // Every entry of this version creates the log when it is added: without
    // it nothing is scheduled here, and no `crontab` need run for `stretch log`.
    if !paths.data_dir.join(LOG).exists() {
        return Vec::new();
    }
    let (Ok(now), Ok(Some(text))) = (env.now(), CrontabProgram::from_env(env).read()) else { return Vec::new() };
    let Ok(crontab) = CrontabText::parse(&text) else { return Vec::new() };
    let Some(data_dir) = std::path::absolute(&paths.data_dir).ok().and_then(|p| p.to_str().map(str::to_string)) else {
        return Vec::new();
    };
    let events = runlog::read(&paths.data_dir);
    let mut missed: Vec<_> = crontab
        .entries()
        .filter_map(|e| match invocation::parse(e.command()) {
            Some(Form::Current(inv, Some(added))) if inv.data_dir == data_dir => {
                let added = DateTime::parse_from_rfc3339(&added).ok()?;
                Some(runlog::missed(&events, e.time, e.days, added, now))
            }
            _ => None,
        })
        .flatten()
        .collect();
    missed.sort();
    missed
}
