//! `stretch schedule list`: each entry as a person reads it, with what will
//! happen tonight and what its runs did.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::read;
use crate::env::Env;
use crate::error::{Result, code};
use crate::paths::Paths;
use crate::schedule::crontab::CrontabProgram;
use crate::schedule::invocation::{self, Form, Invocation, LOG};
use crate::schedule::{CrontabText, Entry, runlog};
use crate::settings::Settings;

/// Lists the entries; returns the exit code.
pub(super) fn list(env: &Env) -> Result<u8> {
    let (_, crontab) = read(&CrontabProgram::from_env(env))?;
    if crontab.entries().next().is_none() {
        crate::term::output::line("Nothing is scheduled. Add an entry with `stretch schedule add 22:30`.");
        return Ok(code::OK);
    }
    let now = env.now()?;
    let mut logs = BTreeSet::new();
    let mut repeated = crontab.repeated();
    for entry in crontab.entries() {
        crate::term::output::line(&describe(entry));
        if let Some(n) = repeated.remove(&entry.time) {
            crate::term::output::line(&format!("       {}", CrontabText::repeated_note(entry.time, n)));
        }
        if let Some(changed) = invocation::moved_by_hand(entry) {
            crate::term::output::line(&format!("       {changed}"));
        }
        let Some(form) = invocation::parse(entry.command()) else {
            crate::term::output::line(&format!(
                "       edited by hand, so stretch cannot read it: `stretch schedule add {} --replace` writes it anew",
                entry.time
            ));
            continue;
        };
        let inv = form.invocation();
        if !Path::new(&inv.exe).is_file() {
            crate::term::output::line(&format!(
                "       FAILS: the program it runs, {}, is not there (moved or uninstalled); `stretch schedule upgrade` \
                 points it at this one",
                crate::visible::visible(&inv.exe)
            ));
        }
        if let Some(done) = will_skip(inv, env, &now) {
            crate::term::output::line(&format!("       tonight: will skip, done at {}", done.format("%H:%M")));
        }
        let added = form.added().and_then(|a| DateTime::parse_from_rfc3339(a).ok());
        for line in history(entry, inv, added, now) {
            crate::term::output::line(&format!("       {line}"));
        }
        if !matches!(form, Form::Current(..)) {
            crate::term::output::line("       written by an earlier version: `stretch schedule upgrade` rewrites it");
        }
        logs.insert(format!("{}/{LOG}", inv.data_dir));
    }
    for log in logs {
        crate::term::output::line(&format!("Output of scheduled runs: {log}"));
    }
    Ok(code::OK)
}

/// When tonight's run of `inv` will skip (every entry runs with
/// `--skip-if-done`): its flags, config file and variables read as the run
/// reads them, its journal asked what `tonight` asks. `None` also when any of
/// them cannot be read: the run itself will say so, and `doctor` proves it.
fn will_skip(inv: &Invocation, env: &Env, now: &DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    use clap::Parser;

    let mut argv = vec!["stretch".to_string(), "tonight".to_string()];
    for (flag, value) in &inv.flags {
        argv.push(flag.clone());
        if !value.is_empty() {
            argv.push(value.clone());
        }
    }
    let crate::cli::Command::Tonight(args) = crate::cli::Cli::try_parse_from(&argv).ok()?.command else { return None };
    let mut env = env.clone();
    for (name, value) in &inv.env {
        match name.as_str() {
            "STRETCH_CONFIG_DIR" => env.config_dir = Some(value.into()),
            "XDG_CONFIG_HOME" => env.platform_config_dir = Some(value.into()),
            _ => {}
        }
    }
    let paths = Paths {
        data_dir: inv.data_dir.clone().into(),
        config_flag: inv.config.clone().map(Into::into),
        ..Paths::resolve(None, &env).ok()?
    };
    let config = crate::settings::Config::load(paths.config_flag.as_deref(), paths.config_file().as_deref()).ok()?;
    let settings = Settings::resolve(&args.settings.flags(), &config);
    let rules = crate::journal::tally::Rules {
        day_starts: settings.day_starts.value.naive(),
        cramp_day_starts: settings.cramp_day_starts.value.naive(),
        slots: &settings.slots.value,
        routine: None,
    };
    let records = crate::journal::read(&paths.journal()).ok()?.records;
    crate::journal::tally::done_tonight(&records, now, &rules, settings.slot_index().ok()?)
}

/// The entry's last run and its outcome, and the runs it missed.
fn history(
    entry: &Entry,
    inv: &Invocation,
    added: Option<DateTime<FixedOffset>>,
    now: DateTime<FixedOffset>,
) -> Vec<String> {
    let events = runlog::read(Path::new(&inv.data_dir));
    let mut lines = vec![match runlog::last_run(&events, entry.time) {
        Some(e) => format!("last run: {} {}: {}", e.at.format("%Y-%m-%d %H:%M"), e.kind, e.text),
        None => "last run: none yet".to_string(),
    }];
    if let Some(added) = added {
        let missed = runlog::missed(&events, entry.time, entry.days, added, now);
        if !missed.is_empty() {
            let dates: Vec<_> = missed.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
            lines.push(format!(
                "missed: {} (due but never started: the computer was asleep or off, cron was not running, or the program could not start: see schedule.log)",
                dates.join(", ")
            ));
        }
    }
    lines
}

/// `22:30  daily     --reps 2`: the time, the days and the routine options.
fn describe(entry: &Entry) -> String {
    let options = match invocation::parse(entry.command()) {
        Some(form) => form.invocation().flag_words(),
        None => entry.command().to_string(),
    };
    format!("{}  {:<9} {options}", entry.time, entry.days.to_string()).trim_end().to_string()
}
