//! Proving an entry before it is written: its own command run in check
//! mode as cron would run it, each line once per command, so a change made
//! again on a crontab someone wrote meanwhile proves nothing twice.

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::Path;

use super::check::{self, Verdict, cron_user};
use super::invocation::Invocation;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::time::of_day::TimeOfDay;

/// Check-mode runs of entries, each line at most once per command: a change
/// made again on a crontab someone wrote meanwhile proves nothing twice.
pub(crate) struct Prover<'a> {
    env: &'a Env,
    proven: RefCell<HashSet<String>>,
}

impl<'a> Prover<'a> {
    /// Proves for the user `env` describes.
    pub(crate) fn new(env: &'a Env) -> Prover<'a> {
        Prover { env, proven: RefCell::default() }
    }

    /// Runs `invocation` in check mode as cron would: `Ok` if it runs (with a
    /// warning if it would not be heard), `Err` if it would fail.
    pub(crate) fn prove(&self, time: TimeOfDay, invocation: &Invocation) -> Result<()> {
        let line = invocation.render_sh(true).map_err(Error::usage)?;
        if self.proven.borrow().contains(&line) {
            return Ok(());
        }
        let (home, logname) = cron_user(self.env)?;
        // The check's own output is captured; the file that takes the real run's
        // early errors must be writable, or sh runs nothing at all.
        let fallback = Path::new(&invocation.fallback);
        let writable = if fallback.exists() {
            crate::files::open_no_follow(fallback, std::fs::OpenOptions::new().append(true)).map(drop)
        } else {
            tempfile::tempfile_in(fallback.parent().unwrap_or(Path::new("/"))).map(drop)
        };
        writable.map_err(|e| {
            Error::failure(format!(
                "the entry at {time} could not write its errors to {} ({e}); make your home directory writable; nothing was changed",
                fallback.display()
            ))
        })?;
        match check::run(&line, &home, &logname) {
            Verdict::Runs(heard, skip) => {
                if let Err(why) = heard {
                    warn_unheard(time, &why);
                }
                if let Some(done) = skip {
                    crate::term::output::line(&format!("tonight: {time} will skip, {done} (--skip-if-done)"));
                }
            }
            Verdict::Fails(why) => {
                return Err(Error::failure(format!(
                    "the entry at {time} would fail when cron runs it: {why}; fix that and add it again; nothing was changed"
                )));
            }
        }
        self.proven.borrow_mut().insert(line);
        Ok(())
    }
}

fn warn_unheard(time: TimeOfDay, why: &str) {
    crate::errln!("stretch: warning: the entry at {time} will run but will not be heard: {why}");
}
