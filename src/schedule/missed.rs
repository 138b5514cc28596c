//! The scheduled runs that were due and never started, for `stretch log`:
//! the crontab's entries for a data directory, against its `schedule.log`.

use chrono::{DateTime, FixedOffset};

use super::crontab::{CrontabProgram, ReadError, Unusable};
use super::invocation::{self, LOG};
use super::{CrontabText, runlog};
use crate::env::Env;
use crate::paths::Paths;

/// How long a view (`stretch log`) waits for `crontab -l` before going on without it.
const VIEW_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The scheduled runs for the data dir of `paths` that were due and never
/// started, oldest first; empty when the crontab cannot be read.
pub(crate) fn missed_runs(paths: &Paths, env: &Env) -> Vec<DateTime<FixedOffset>> {
    // Every entry of this version creates the log when it is added: without
    // it nothing is scheduled here, and no `crontab` need run for `stretch log`.
    if !paths.data_dir.join(LOG).exists() {
        return Vec::new();
    }
    // A view waits on `crontab` only briefly, and says when it gave up.
    let program = CrontabProgram::from_env(env);
    let program = program.clone().with_timeout(program.timeout().min(VIEW_WAIT));
    let text = match program.try_read() {
        Ok(Some(text)) => text,
        Err(ReadError::Unusable(Unusable::TimedOut(after))) => {
            crate::errln!(
                "stretch: warning: `crontab -l` did not answer within {} seconds, so runs the schedule missed are not shown",
                after.as_secs_f32()
            );
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    let Ok(now) = env.now() else { return Vec::new() };
    let Ok(crontab) = CrontabText::parse(&text) else { return Vec::new() };
    let Some(data_dir) = std::path::absolute(&paths.data_dir).ok().and_then(|p| p.to_str().map(str::to_string)) else {
        return Vec::new();
    };
    let events = runlog::read(&paths.data_dir);
    let mut missed: Vec<_> = crontab
        .entries()
        .filter_map(|e| match invocation::parse(e.command()) {
            Some(form) if form.invocation().data_dir == data_dir => {
                let added = DateTime::parse_from_rfc3339(form.added()?).ok()?;
                Some(runlog::missed(&events, e.time, e.days, added, now))
            }
            _ => None,
        })
        .flatten()
        .collect();
    missed.sort();
    missed
}
