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
    /// What the proofs found to tell (will not be heard, will skip), held
    /// until the crontab is written: a change that then fails said nothing
    /// about entries that were never added.
    findings: RefCell<Vec<Finding>>,
}

/// Something a proof found that is worth telling once the change is made.
enum Finding {
    /// A warning, for stderr.
    Warning(String),
    /// A line of the command's own output.
    Line(String),
}

impl<'a> Prover<'a> {
    /// Proves for the user `env` describes.
    pub(crate) fn new(env: &'a Env) -> Prover<'a> {
        Prover { env, proven: RefCell::default(), findings: RefCell::default() }
    }

    /// Tells what the proofs found, once the change they proved is made.
    pub(crate) fn tell(&self) {
        for finding in self.findings.borrow_mut().drain(..) {
            match finding {
                Finding::Warning(text) => crate::errln!("stretch: warning: {text}"),
                Finding::Line(text) => crate::term::output::line(&text),
            }
        }
    }

    /// Runs `invocation` in check mode as cron would: `Ok` if it runs (with a
    /// warning for [`Prover::tell`] if it would not be heard), `Err` if it would fail.
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
                let mut findings = self.findings.borrow_mut();
                if let Err(why) = heard {
                    findings
                        .push(Finding::Warning(format!("the entry at {time} will run but will not be heard: {why}")));
                }
                if let Some(done) = skip {
                    findings.push(Finding::Line(format!("tonight: {time} will skip, {done} (--skip-if-done)")));
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
