//! `stretch schedule`: the crontab entries that start the routine by
//! themselves. Everything is checked before the crontab is read; the old
//! crontab is saved before each change, and what was installed is read back.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cli::{ScheduleAction, ScheduleRemove, ScheduleTimes};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::paths::{self, Paths};
use crate::schedule::crontab::CrontabProgram;
use crate::schedule::{self, BlockLine, Change, Entry};
use crate::settings::{Flags, Settings};
use crate::time::of_day::TimeOfDay;

/// Where scheduled runs append their output, in the data dir.
pub const LOG: &str = "schedule.log";
/// Where the crontab is saved before each change, in the data dir.
pub const BACKUPS: &str = "crontab-backups";
/// The words every entry passes to `stretch` before the routine options.
const TONIGHT: [&str; 4] = ["tonight", "--source", "cron", "--skip-if-done"];

/// Runs a `stretch schedule` subcommand; returns the exit code. `settings`
/// resolves the settings of `add` and `print`, which read the config file.
pub fn run(
    action: &ScheduleAction,
    settings: impl Fn(Flags) -> Result<Settings>,
    paths: &Paths,
    env: &Env,
) -> Result<u8> {
    match action {
        ScheduleAction::Add(args) => add(args, &settings(args.routine.flags())?, paths, env),
        ScheduleAction::List => list(paths, env),
        ScheduleAction::Remove(args) => remove(args, paths, env),
        ScheduleAction::Print(args) => {
            let settings = settings(args.routine.flags())?;
            let lines: Vec<_> = entries(args, &settings, paths, env)?.into_iter().map(BlockLine::Entry).collect();
            crate::term::output::text(&schedule::render_block(&lines));
            Ok(code::OK)
        }
    }
}

fn add(args: &ScheduleTimes, settings: &Settings, paths: &Paths, env: &Env) -> Result<u8> {
    let entries = entries(args, settings, paths, env)?;
    edit(paths, env, |crontab| {
        entries
            .into_iter()
            .map(|entry| {
                let what = format!("{} {}", entry.time, entry.days);
                match crontab.add(entry) {
                    Change::Added => (true, format!("added {what}")),
                    Change::Replaced => (true, format!("updated {what} (it was set up differently)")),
                    Change::Unchanged => (false, format!("{what} is already scheduled; nothing to change")),
                }
            })
            .collect()
    })
}

fn remove(args: &ScheduleRemove, paths: &Paths, env: &Env) -> Result<u8> {
    let times: Vec<Option<TimeOfDay>> = if args.all {
        vec![None]
    } else {
        args.times.iter().copied().collect::<BTreeSet<_>>().into_iter().map(Some).collect()
    };
    edit(paths, env, |crontab| {
        times
            .into_iter()
            .map(|time| match (crontab.remove(time), time) {
                (0, Some(t)) => (false, format!("nothing is scheduled at {t}")),
                (0, None) => (false, "nothing is scheduled".to_string()),
                (_, Some(t)) => (true, format!("removed {t}")),
                (n, None) => (true, format!("removed every entry ({n})")),
            })
            .collect()
    })
}

fn list(paths: &Paths, env: &Env) -> Result<u8> {
    let (_, crontab) = read(&CrontabProgram::from_env(env))?;
    let Some(lines) = &crontab.block else {
        crate::term::output::line("Nothing is scheduled. Add an entry with `stretch schedule add 22:30`.");
        return Ok(code::OK);
    };
    for line in lines {
        match line {
            BlockLine::Entry(entry) => crate::term::output::line(&describe(entry)),
            BlockLine::Other(text) => crate::term::output::line(&format!("(not an entry) {text}")),
        }
    }
    crate::term::output::line(&format!("Output of scheduled runs: {}", paths.data_dir.join(LOG).display()));
    Ok(code::OK)
}

/// `22:30  daily     --reps 2`: the time, the days and the routine options.
fn describe(entry: &Entry) -> String {
    let words = entry.command_words();
    let options = match words.iter().position(|w| w == TONIGHT[0]) {
        Some(at) => {
            let rest = &words[at + 1..];
            let end = rest.iter().position(|w| w == ">>").unwrap_or(rest.len());
            rest[..end].iter().filter(|w| !TONIGHT.contains(&w.as_str())).cloned().collect::<Vec<_>>().join(" ")
        }
        None => words.join(" "),
    };
    format!("{}  {:<9} {options}", entry.time, entry.days.to_string()).trim_end().to_string()
}

/// Reads the crontab, applies `change` (which says, per item, whether it
/// changed anything and what), and installs the result if anything changed.
fn edit(
    paths: &Paths,
    env: &Env,
    change: impl FnOnce(&mut schedule::CrontabText) -> Vec<(bool, String)>,
) -> Result<u8> {
    let program = CrontabProgram::from_env(env);
    let dir = paths.create_data_dir()?;
    let _lock = lock(dir)?;
    let (old, mut crontab) = read(&program)?;
    let report = change(&mut crontab);
    // What changed is said only once it has: a refused install reports nothing done.
    let say = || report.iter().for_each(|(_, line)| crate::term::output::line(line));
    if !report.iter().any(|(changed, _)| *changed) {
        say();
        return Ok(code::OK);
    }
    let new = crontab.render();
    let backup = backup(dir, old.as_deref().unwrap_or(""))?;
    create_log(dir)?;
    program.install(&new, dir)?;
    if program.read()?.as_deref() != Some(new.as_str()) {
        return Err(Error::failure(format!(
            "the installed crontab reads back differently from what was written; \
             the one before is saved in {0}: `crontab {0}` puts it back",
            backup.display()
        )));
    }
    say();
    crate::term::output::line(&format!("Crontab updated; the previous one is saved in {}", backup.display()));
    Ok(code::OK)
}

/// Creates the log of scheduled runs private (0600) before cron first
/// appends to it under its own umask, which would leave it readable by all.
fn create_log(dir: &Path) -> Result<()> {
    let path = dir.join(LOG);
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    crate::files::open_no_follow(&path, &mut options).map(drop).map_err(|e| Error::io("create", &path, &e))
}

/// The installed crontab as text (`None`: the user has none) and cut around the block.
fn read(program: &CrontabProgram) -> Result<(Option<String>, schedule::CrontabText)> {
    let old = program.read()?;
    let crontab = schedule::CrontabText::parse(old.as_deref().unwrap_or("")).map_err(|why| {
        Error::failure(format!(
            "your crontab's stretch block is damaged ({why}); fix it with `crontab -e`; nothing was changed"
        ))
    })?;
    Ok((old, crontab))
}

/// Two edits at once would each install their own view; one waits for the other.
fn lock(dir: &Path) -> Result<std::fs::File> {
    let path = dir.join("schedule.lock");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = crate::files::open_no_follow(&path, &mut options).map_err(|e| Error::io("create", &path, &e))?;
    file.lock().map_err(|e| Error::io("lock", &path, &e))?;
    Ok(file)
}

/// Saves `text` as `crontab-backups/crontab-<local time>` in the data dir.
fn backup(dir: &Path, text: &str) -> Result<PathBuf> {
    let backups = dir.join(BACKUPS);
    paths::create_private_dir(&backups)?;
    let stamp = chrono::Local::now().format("%Y-%m-%dT%H%M%S%.3f");
    for attempt in 0.. {
        let path =
            backups.join(if attempt == 0 { format!("crontab-{stamp}") } else { format!("crontab-{stamp}-{attempt}") });
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => {
                use std::io::Write;
                let mut file = file;
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| Error::io("write", &path, &e))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("create", &path, &e)),
        }
    }
    unreachable!("some attempt number is free")
}

/// The entries `args` ask for, every value checked: nothing is read or
/// written before this succeeds.
fn entries(args: &ScheduleTimes, settings: &Settings, paths: &Paths, env: &Env) -> Result<Vec<Entry>> {
    // What would run is checked now rather than failing at night.
    settings.routine(paths.routine_dir().as_deref())?;
    let command = command(settings, paths, env)?;
    let times: BTreeSet<TimeOfDay> = args.times.iter().copied().collect();
    Ok(times.into_iter().map(|time| Entry::new(time, args.days, &command)).collect())
}

/// The entry's command: what audio needs under cron, this binary, the
/// settings given as flags, and the output appended to the log.
fn command(settings: &Settings, paths: &Paths, env: &Env) -> Result<String> {
    let exe = env.exe.as_ref().ok_or_else(|| Error::failure("cannot tell where the stretch program is"))?;
    let data_dir = std::path::absolute(&paths.data_dir).map_err(|e| Error::io("find", &paths.data_dir, &e))?;
    let mut words: Vec<String> = vec!["--data-dir".into(), text(&data_dir)?];
    if let Some(file) = &paths.config_flag {
        let file = std::path::absolute(file).map_err(|e| Error::io("find", file, &e))?;
        words.extend(["--config".into(), text(&file)?]);
    }
    words.extend(TONIGHT.map(String::from));
    words.extend(settings.flag_args()?);

    let runtime_dir = format!("/run/user/{}", env.uid);
    let mut assignments = vec![format!("XDG_RUNTIME_DIR={runtime_dir}")];
    let bus = Path::new(&runtime_dir).join("bus");
    if bus.exists() {
        assignments.push(format!("DBUS_SESSION_BUS_ADDRESS=unix:path={}", bus.display()));
    }
    if let Some(config) = &env.config_dir {
        assignments.push(format!("STRETCH_CONFIG_DIR={}", text(config)?));
    }
    let quote = |word: &str| schedule::quote(word).map_err(Error::usage);
    let mut line = assignments.iter().map(|a| quote(a)).collect::<Result<Vec<_>>>()?;
    line.push(quote(&text(exe)?)?);
    for word in &words {
        line.push(quote(word)?);
    }
    line.push(format!(">> {} 2>&1", quote(&text(&data_dir.join(LOG))?)?));
    Ok(line.join(" "))
}

fn text(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| Error::usage(format!("{} is not UTF-8, which a crontab cannot hold", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sounds::SoundSet;
    use crate::schedule::Days;
    use crate::settings::Config;
    use std::time::Duration;

    fn settings(flags: Flags) -> Settings {
        Settings::resolve(&flags, &Config::default())
    }

    #[test]
    fn entries_run_this_binary_quoted_with_what_cron_lacks_and_log_their_output() {
        let env = Env { exe: Some("/opt/it's 100%/stretch".into()), uid: 4242, ..Env::default() };
        let paths = Paths { data_dir: "/home/me/.local/share/stretch".into(), config_dir: None, config_flag: None };
        let flags = Flags {
            reps: Some(2),
            hold: Some(Duration::from_secs(12)),
            prepare: Some(Duration::ZERO),
            sounds: Some(SoundSet::Chime),
            volume: Some(55),
            ..Flags::default()
        };
        let times = vec![TimeOfDay::new(22, 30), TimeOfDay::new(6, 5)];
        let args = ScheduleTimes { times, days: Days::parse("weekdays").unwrap(), routine: Default::default() };
        let entries = entries(&args, &settings(flags), &paths, &env).unwrap();
        let lines: Vec<_> = entries.into_iter().map(BlockLine::Entry).collect();
        insta::assert_snapshot!(schedule::render_block(&lines));
    }

    #[test]
    fn a_config_file_named_with_config_is_passed_on_by_its_absolute_path() {
        let env = Env { exe: Some("/bin/stretch".into()), ..Env::default() };
        let paths = Paths { data_dir: "/d".into(), config_dir: None, config_flag: Some("my.toml".into()) };
        let line = command(&settings(Flags::default()), &paths, &env).unwrap();
        let absolute = std::path::absolute("my.toml").unwrap();
        assert!(line.contains(&format!("--data-dir /d --config {} tonight", absolute.display())), "{line}");
    }
}
