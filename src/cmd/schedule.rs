//! `stretch schedule`: the crontab entries that start the routine by
//! themselves. Everything is checked before the crontab is read; each entry
//! is run in check mode, as cron would run it, before it is written; the old
//! crontab is saved before each change, and what was installed is read back.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cli::{ScheduleAction, ScheduleRemove, ScheduleTimes};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::paths::Paths;
use crate::schedule::check::cron_user;
use crate::schedule::crontab::CrontabProgram;
use crate::schedule::guard::{self, Outcome};
use crate::schedule::invocation::{self, FALLBACK, Form, Invocation, LOG};
use crate::schedule::prove::Prover;
use crate::schedule::{self, BlockLine, Change, CrontabText, Days, Entry};
use crate::settings::{Flags, Settings};
use crate::time::of_day::TimeOfDay;

mod entry;
mod list;

use entry::{absolute, dbus_escape, entry, invocation, text};
use list::list;

/// Runs a `stretch schedule` subcommand; returns the exit code. `settings`
/// resolves the settings of `add` and `print`, which read the config file.
pub(crate) fn run(
    action: &ScheduleAction,
    settings: impl Fn(Flags) -> Result<Settings>,
    paths: &Paths,
    env: &Env,
) -> Result<u8> {
    match action {
        ScheduleAction::Add(args) => add(args, &usable(settings(args.routine.flags())?, paths)?, paths, env),
        ScheduleAction::List => list(env),
        ScheduleAction::Remove(args) => remove(args, paths, env),
        ScheduleAction::Upgrade => upgrade(paths, env),
        ScheduleAction::Print(args) => {
            let new = invocation(&usable(settings(args.routine.flags())?, paths)?, paths, env)?;
            let added = stamp(env)?;
            let days = args.days.unwrap_or(Days::DAILY);
            let lines = times(args)
                .into_iter()
                .map(|time| entry(time, days, &new, &added).map(BlockLine::Entry))
                .collect::<Result<Vec<_>>>()?;
            crate::term::output::text(&schedule::render_block(&lines));
            Ok(code::OK)
        }
    }
}

/// `settings`, once the routine they name is found and valid: a routine
/// that is not there is a mistake on this command line (exit 2), found now,
/// not an entry that fails at night.
fn usable(settings: Settings, paths: &Paths) -> Result<Settings> {
    settings.routine(paths.routine_dir().as_deref())?;
    Ok(settings)
}

fn times(args: &ScheduleTimes) -> BTreeSet<TimeOfDay> {
    args.times.iter().copied().collect()
}

/// Now, as entries record when they were added.
fn stamp(env: &Env) -> Result<String> {
    Ok(env.now()?.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

/// What an edit did to one entry: whether it changed the crontab, and what to say.
type Report = Vec<(bool, String)>;

fn add(args: &ScheduleTimes, settings: &Settings, paths: &Paths, env: &Env) -> Result<u8> {
    settings.slot_index()?;
    let new = invocation(settings, paths, env)?;
    // Every value must fit a crontab line before the crontab is read.
    new.render_sh(false).map_err(Error::usage)?;
    let added = stamp(env)?;
    for time in times(args) {
        entry(time, args.days.unwrap_or(Days::DAILY), &new, &added)?;
    }
    // A data directory or config file not named now is the entry's own to keep.
    let named = Named {
        data_dir: Paths::resolve(None, env).ok().is_none_or(|default| default.data_dir != paths.data_dir),
        config: paths.config_flag.is_some(),
    };
    let prover = Prover::new(env);
    let code = edit(paths, env, |crontab| {
        let mut report = Report::new();
        for time in times(args) {
            report.push(add_one(crontab, time, args, &new, named, &added, &prover)?);
        }
        report.extend(upgrade_all(crontab, env, &added, &prover, false)?);
        Ok(report)
    })?;
    prover.tell();
    Ok(code)
}

/// Adds (or updates) the entry at `time`, proven by a check-mode run first.
/// A line at that time that stretch cannot read (edited by hand, or someone
/// else's) is the user's: replaced only with `--replace`.
fn add_one(
    crontab: &mut CrontabText,
    time: TimeOfDay,
    args: &ScheduleTimes,
    new: &Invocation,
    named: Named,
    added: &str,
    prover: &Prover,
) -> Result<(bool, String)> {
    let old = crontab.entries().find(|e| e.time == time).cloned();
    let copies = crontab.entries().filter(|e| e.time == time).count();
    let old_form = old.as_ref().and_then(|e| invocation::parse(e.command()));
    let unreadable = unreadable_at(crontab, Some(time));
    if let Some(line) = unreadable.first()
        && !args.replace
    {
        let shown = crate::visible::visible(line);
        return Err(Error::failure(format!(
            "the line at {time} in your crontab's stretch block is not one stretch can read (edited by hand, or \
             someone else's): {shown:?}; `stretch schedule add {time} --replace` puts a new entry in its place, \
             or change it with `crontab -e`; nothing was changed"
        )));
    }
    let (days, wanted) = match (&old, &old_form) {
        (Some(e), Some(form)) if !args.replace => (args.days.unwrap_or(e.days), kept(form.invocation(), new, named)),
        _ => (args.days.unwrap_or(Days::DAILY), new.clone()),
    };
    let same = matches!((&old, &old_form), (Some(e), Some(Form::Current(inv, _))) if *inv == wanted && e.days == days);
    if same && copies == 1 {
        return Ok((false, format!("{time} {days} is already scheduled; nothing to change")));
    }
    let line = entry(time, days, &wanted, added)?;
    prover.prove(time, &wanted)?;
    let what = format!("{time} {days}");
    if !unreadable.is_empty() {
        crontab.remove_others_at(Some(time));
        crontab.remove(Some(time));
        crontab.add(line);
        let was: Vec<String> = unreadable.iter().map(|l| format!("{:?}", crate::visible::visible(l))).collect();
        return Ok((
            true,
            format!("replaced the line at {time} that stretch could not read ({}); now {what}", was.join(", ")),
        ));
    }
    let once = if copies > 1 { format!(" (it was in the crontab {copies} times; now once)") } else { String::new() };
    Ok(match (crontab.add(line), &old_form) {
        (Change::Added, _) => (true, format!("added {what}")),
        (Change::Replaced, _) if same => (true, format!("{what} was in the crontab {copies} times; now once")),
        (Change::Unchanged, _) => (false, format!("{what} is already scheduled; nothing to change")),
        (Change::Replaced, Some(form)) => {
            let old_days = old.map_or(days, |e| e.days);
            let was = form.invocation().flag_words();
            (true, format!("updated {time}: was {old_days} {was}; now {days} {}{once}", wanted.flag_words()))
        }
        (Change::Replaced, None) => (true, format!("replaced {time}; now {what}{once}")),
    })
}

/// Which places the command that adds an entry named itself.
#[derive(Debug, Clone, Copy)]
struct Named {
    data_dir: bool,
    config: bool,
}

/// The entry `old` with what this command gives laid over it: flags and
/// variables set now win, and the data directory and config file stay the
/// entry's unless named now.
fn kept(old: &Invocation, new: &Invocation, named: Named) -> Invocation {
    let mut vars = old.env.clone();
    for (name, value) in &new.env {
        match vars.iter_mut().find(|(n, _)| n == name) {
            Some(var) => var.1.clone_from(value),
            None => vars.push((name.clone(), value.clone())),
        }
    }
    Invocation {
        env: vars,
        data_dir: if named.data_dir { new.data_dir.clone() } else { old.data_dir.clone() },
        config: if named.config { new.config.clone() } else { old.config.clone() },
        flags: invocation::merge_flags(&old.flags, &new.flags),
        ..new.clone()
    }
}

/// Rewrites every entry of an earlier version in this version's form,
/// keeping its environment and settings, each proven by a check-mode run.
fn upgrade_all(crontab: &mut CrontabText, env: &Env, added: &str, prover: &Prover, repoint: bool) -> Result<Report> {
    let exe = text(env.exe.as_ref().ok_or_else(|| Error::failure("cannot tell where the stretch program is"))?)?;
    let old: Vec<(Entry, Form)> =
        crontab.entries().filter_map(|e| invocation::parse(e.command()).map(|f| (e.clone(), f))).collect();
    let (home, _) = cron_user(env)?;
    let mut report = Report::new();
    for (entry, form) in old {
        let mut inv = form.invocation().clone();
        let earlier = !matches!(form, Form::Current(..));
        let gone = !Path::new(&inv.exe).is_file();
        let elsewhere = inv.exe != exe && (gone || repoint);
        if !earlier && !elsewhere {
            continue;
        }
        let was = inv.exe.clone();
        if elsewhere {
            inv.exe.clone_from(&exe);
        }
        inv.fallback = format!("{}/{FALLBACK}", absolute(&home)?);
        let runtime = inv.var("XDG_RUNTIME_DIR").map_or_else(|| format!("/run/user/{}", env.uid), str::to_string);
        for (name, value) in [
            ("XDG_RUNTIME_DIR", runtime.clone()),
            ("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dbus_escape(&format!("{runtime}/bus")))),
        ] {
            if inv.var(name).is_none() {
                inv.env.push((name.to_string(), value));
            }
        }
        // Runs it missed are still counted from when it was first added.
        let line = self::entry(entry.time, entry.days, &inv, form.added().unwrap_or(added))?;
        prover.prove(entry.time, &inv)?;
        crontab.add(line);
        let what = format!("{} {}", entry.time, entry.days);
        report.push((
            true,
            match (earlier, elsewhere) {
                (_, true) if gone => format!("{what} now runs {exe} ({was} is not there); same settings"),
                (_, true) => format!("{what} now runs {exe} (was {was}); same settings"),
                _ => format!("upgraded {what} to this version's form (same settings)"),
            },
        ));
    }
    Ok(report)
}

fn upgrade(paths: &Paths, env: &Env) -> Result<u8> {
    let added = stamp(env)?;
    let prover = Prover::new(env);
    let code = edit(paths, env, |crontab| {
        let mut report = upgrade_all(crontab, env, &added, &prover, true)?;
        // An entry edited by hand is not upgraded: said, not passed over as if up to date.
        let edited: Report = crontab
            .entries()
            .filter(|e| !readable(e))
            .map(|e| {
                (false, format!("{0} was edited by hand, so stretch cannot upgrade it: `stretch schedule add {0} --replace` writes it anew", e.time))
            })
            .collect();
        if report.is_empty() && edited.is_empty() {
            report.push((
                false,
                "nothing to upgrade: every entry is in this version's form and runs this program".into(),
            ));
        }
        report.extend(edited);
        Ok(report)
    })?;
    prover.tell();
    Ok(code)
}

fn remove(args: &ScheduleRemove, paths: &Paths, env: &Env) -> Result<u8> {
    let times: Vec<Option<TimeOfDay>> = if args.all {
        vec![None]
    } else {
        args.times.iter().copied().collect::<BTreeSet<_>>().into_iter().map(Some).collect()
    };
    edit(paths, env, |crontab| {
        let mut report = Report::new();
        for &time in &times {
            // A line edited by hand is the person's: kept, and said.
            let kept = unreadable_at(crontab, time);
            report.push(match (crontab.remove_if(time, readable), time) {
                (0, Some(t)) if kept.is_empty() => (false, format!("nothing is scheduled at {t}")),
                (0, None) if kept.is_empty() => (false, "nothing is scheduled".to_string()),
                (0, _) => (false, String::new()),
                (_, Some(t)) => (true, format!("removed {t}")),
                (n, None) => (true, format!("removed every entry ({n})")),
            });
            report.extend(kept.iter().map(|line| {
                let shown = crate::visible::visible(line);
                (false, format!("left {shown:?}: it was edited by hand, so stretch leaves it to you; delete it with `crontab -e`"))
            }));
        }
        report.retain(|(_, line)| !line.is_empty());
        Ok(report)
    })
}

/// Whether stretch can read the entry's command (it was not edited by hand).
fn readable(entry: &Entry) -> bool {
    invocation::parse(entry.command()).is_some()
}

/// The lines at `time` (any time for `None`) that were stretch's entries
/// until someone edited them by hand: the person's now.
fn unreadable_at(crontab: &CrontabText, time: Option<TimeOfDay>) -> Vec<String> {
    let edited = crontab.entries().filter(|e| time.is_none_or(|t| e.time == t) && !readable(e)).map(|e| e.line.clone());
    crontab.others_at(time).into_iter().map(str::to_string).chain(edited).collect()
}

/// Reads the crontab, applies `change` (which says, per item, whether it
/// changed anything and what, or fails and changes nothing), and installs the
/// result if anything changed, through the guarded edit: the change is made
/// (and its entries proven) first on the crontab as read, then again under the
/// user's lock on the crontab as it is then. What changed is said only once
/// it has: a refused install reports nothing done.
fn edit(paths: &Paths, env: &Env, change: impl Fn(&mut CrontabText) -> Result<Report>) -> Result<u8> {
    let program = CrontabProgram::from_env(env);
    let (_, mut first) = read(&program)?;
    let report = change(&mut first)?;
    if !report.iter().any(|(changed, _)| *changed) {
        // Nothing to do: said without taking the lock or making anything.
        report.iter().for_each(|(_, line)| crate::term::output::line(line));
        return Ok(code::OK);
    }
    run_edit(&program, paths, env, &change)
}

fn run_edit(
    program: &CrontabProgram,
    paths: &Paths,
    env: &Env,
    change: &impl Fn(&mut CrontabText) -> Result<Report>,
) -> Result<u8> {
    let (home, _) = cron_user(env)?;
    let dir = paths.create_data_dir()?;
    let mut report = Report::new();
    let outcome = guard::apply(program, dir, &home, |crontab| {
        report = change(crontab)?;
        let changed = report.iter().any(|(changed, _)| *changed);
        if changed {
            create_log(dir)?;
        }
        Ok(changed)
    })?;
    report.iter().for_each(|(_, line)| crate::term::output::line(line));
    if let Outcome::Installed(backup) = outcome {
        crate::term::output::line(&format!("Crontab updated; the previous one is saved in {}", backup.display()));
    }
    Ok(code::OK)
}

/// The installed crontab as text (`None`: the user has none) and cut around
/// the block; lines in the block that stretch did not write are named.
fn read(program: &CrontabProgram) -> Result<(Option<String>, CrontabText)> {
    let (old, crontab) = guard::read(program)?;
    for line in crontab.foreign() {
        crate::errln!(
            "stretch: warning: the line {:?} in the stretch block of your crontab was not written by stretch \
             (or was edited by hand); it is left as it is",
            crate::visible::visible(line)
        );
    }
    Ok((old, crontab))
}

/// Creates the log of scheduled runs private (0600) before cron first
/// appends to it.
fn create_log(dir: &Path) -> Result<()> {
    let path = dir.join(LOG);
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    crate::files::open_no_follow(&path, &mut options).map(drop).map_err(|e| Error::io("create", &path, &e))
}
