//! `stretch doctor`: checks, one line each, what a routine needs to play, be
//! logged and start from cron here, and says how to fix what fails. For each
//! scheduled entry it runs the entry's own command in check mode, in cron's
//! environment: exit 0 means the scheduled routines will run and be heard.

use std::path::Path;

use crate::audio::device;
use crate::env::Env;
use crate::error::{Result, code};
use crate::journal;
use crate::paths::Paths;
use crate::schedule::check::{Verdict as Run, run_as_cron};
use crate::schedule::crontab::{CrontabProgram, ReadError};
use crate::schedule::invocation::{self, FALLBACK, Form};
use crate::schedule::{self, runlog};
use crate::settings::Config;
use crate::term::words;
use crate::visible::Outside;

/// How one check went: what was found, or what is wrong and how to fix it.
enum Verdict {
    Ok(String),
    Fail(String),
    /// Worth knowing, but the routine still runs and is heard.
    Warn(String),
    /// Nothing to check.
    Note(String),
}

/// Runs every check; exits 0 if none fails, else 1. `config` is the config
/// file as read: a mistake in it is a failed check, not the end of the others.
pub(crate) fn run(config: Result<Config>, paths: &Paths, env: &Env) -> Result<u8> {
    // Tightened first, so the data dir and journal checks see the result.
    let privacy = privacy(paths);
    let device = configured_device(&config);
    let mut checks = vec![
        ("config file".to_string(), config_file(config, paths)),
        ("audio output".to_string(), audio(device, env)),
        ("own words".to_string(), own_words(env)),
        ("data dir".to_string(), data_dir(paths)),
        ("journal".to_string(), journal(&paths.journal())),
        ("privacy".to_string(), privacy),
    ];
    checks.extend(schedule_checks(env));
    let mut failed = false;
    for (name, verdict) in checks {
        let (mark, text) = match verdict {
            Verdict::Ok(text) => ("ok  ", text),
            Verdict::Warn(text) => ("warn", text),
            Verdict::Note(text) => ("note", text),
            Verdict::Fail(text) => {
                failed = true;
                ("FAIL", text)
            }
        };
        crate::term::output::line(&format!("{mark}  {name}: {text}"));
    }
    Ok(if failed { code::FAILURE } else { code::OK })
}

/// The crontab, the cron daemon, and each entry.
fn schedule_checks(env: &Env) -> Vec<(String, Verdict)> {
    let crontab = match CrontabProgram::from_env(env).try_read() {
        // No cron here: nothing is scheduled, so nothing scheduled is broken.
        Err(ReadError::Unusable(why)) if why.no_cron() => {
            return vec![("schedule".into(), Verdict::Note(format!("nothing can be scheduled: {}", why.message())))];
        }
        Err(ReadError::Unusable(why)) => return vec![("crontab".into(), Verdict::Fail(why.message()))],
        Err(ReadError::NotText { line }) => {
            let why = format!(
                "line {line} of your crontab is not UTF-8 text, so stretch cannot read its entries; \
                 fix it with `crontab -e`"
            );
            return vec![("crontab".into(), Verdict::Fail(why))];
        }
        Ok(text) => match schedule::CrontabText::parse(&text.unwrap_or_default()) {
            Err(why) => {
                let fix = format!("the stretch block is damaged ({why}); fix it with `crontab -e`");
                return vec![("crontab".into(), Verdict::Fail(fix))];
            }
            Ok(crontab) => crontab,
        },
    };
    let entries: Vec<schedule::Entry> = crontab.entries().cloned().collect();
    let mut checks: Vec<(String, Verdict)> = crontab
        .foreign()
        .into_iter()
        .map(|line| {
            let why =
                format!("{line:?} in the stretch block was not written by stretch; it is left alone and not checked");
            ("crontab".to_string(), Verdict::Warn(why))
        })
        .collect();
    if entries.is_empty() {
        checks.push((
            "schedule".into(),
            Verdict::Note("nothing is scheduled; `stretch schedule add 22:30` adds an entry".into()),
        ));
        return checks;
    }
    checks.push((
        "crontab".into(),
        Verdict::Ok(match entries.len() {
            1 => "1 stretch entry".to_string(),
            n => format!("{n} stretch entries"),
        }),
    ));
    checks.push(("cron daemon".into(), cron_daemon(Path::new("/proc"))));
    for (time, n) in crontab.repeated() {
        checks.push((format!("entry {time}"), Verdict::Warn(schedule::CrontabText::repeated_note(time, n))));
    }
    for entry in &entries {
        checks.extend(entry_checks(entry, env));
    }
    // One file for every entry: said once, not against each.
    let fallbacks: std::collections::BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match invocation::parse(e.command()) {
            Some(Form::Current(inv, _) | Form::Earlier(inv, _)) if !inv.fallback.is_empty() => Some(inv.fallback),
            _ => None,
        })
        .collect();
    let now = env.now().ok();
    for file in fallbacks {
        if let Some((when, last)) = now.and_then(|now| early_error(Path::new(&file), now)) {
            checks.push((
                "schedule".into(),
                Verdict::Warn(format!(
                    "a scheduled run failed before stretch started, on {when}; {file} (~/{FALLBACK}) ends with: {last}"
                )),
            ));
        }
    }
    checks
}

/// How long an error from before stretch started is worth a warning.
const EARLY_ERROR_DAYS: i64 = 7;

/// The last error in the early-errors file, with when it happened (its own
/// date, or the file's for lines an earlier form wrote undated), if it is
/// from the last week: an old error, long fixed, is not warned about forever.
fn early_error(file: &Path, now: chrono::DateTime<chrono::FixedOffset>) -> Option<(String, String)> {
    let text = crate::files::read_log(file).ok()?;
    let last = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let (when, said) =
        match last.split_once(' ').and_then(|(d, rest)| Some((chrono::DateTime::parse_from_rfc3339(d).ok()?, rest))) {
            Some((when, said)) => (when, said),
            None => {
                let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok()?;
                (chrono::DateTime::<chrono::Local>::from(modified).fixed_offset(), last)
            }
        };
    (now - when <= chrono::Duration::days(EARLY_ERROR_DAYS))
        .then(|| (when.format("%Y-%m-%d %H:%M").to_string(), crate::visible::visible(said).to_string()))
}

/// One entry: its form, its check-mode run under cron's environment, its
/// runtime directory, and how its last run went.
fn entry_checks(entry: &schedule::Entry, env: &Env) -> Vec<(String, Verdict)> {
    let name = format!("entry {}", entry.time);
    let form = invocation::parse(entry.command());
    let Some(form) = form else {
        return vec![(name, Verdict::Fail(edited_by_hand(entry)))];
    };
    let inv = form.invocation();
    let line = match &form {
        Form::First(_) => invocation::first_version_check(entry.command()),
        _ => inv.render_sh(true).ok(),
    };
    let mut checks = Vec::new();
    if let Some(changed) = invocation::moved_by_hand(entry) {
        checks.push((name.clone(), Verdict::Warn(changed)));
    }
    match form {
        Form::First(_) => {
            let why = "written by an earlier version, which leaves no trace when the data directory is missing; \
                       `stretch schedule upgrade` rewrites it with the same settings";
            checks.push((name.clone(), Verdict::Fail(why.into())));
        }
        Form::Earlier(..) => {
            let why = "written by an earlier version, which makes the data directory even when the program is gone \
                       and its errors file on every run; `stretch schedule upgrade` rewrites it with the same settings";
            checks.push((name.clone(), Verdict::Warn(why.into())));
        }
        Form::Current(..) => {}
    }
    if !Path::new(&inv.exe).is_file() {
        checks.push((
            name,
            Verdict::Fail(format!(
                "the program it runs, {}, is not there (moved or uninstalled): run `stretch schedule upgrade` with the \
                 stretch you use now (it points every entry at itself), or `stretch schedule remove --all`",
                crate::visible::visible(&inv.exe)
            )),
        ));
        return checks;
    }
    let run = match line.map(|line| run_as_cron(&line, env)) {
        Some(Ok(run)) => run,
        Some(Err(e)) => Run::Fails(e.message),
        None => Run::Fails("its command cannot be written for sh".into()),
    };
    // An entry with nothing to hear needs no sound server at night.
    let silent_by_choice = matches!(&run, Run::Runs(Ok(how), _) if how.contains("nothing to hear"));
    let skip = match &run {
        Run::Runs(_, Some(done)) => Some(format!("tonight: will skip, {done} (--skip-if-done)")),
        _ => None,
    };
    checks.push((
        name.clone(),
        match run {
            Run::Runs(Ok(how), _) => Verdict::Ok(format!("runs under cron's environment and is heard ({how})")),
            Run::Runs(Err(why), _) => {
                Verdict::Fail(format!("runs under cron's environment but will not be heard: {why}"))
            }
            Run::Fails(why) => Verdict::Fail(format!("would fail under cron: {why}")),
        },
    ));
    if let Some(skip) = skip {
        checks.push((name.clone(), Verdict::Note(skip)));
    }
    if !silent_by_choice {
        checks.push((name.clone(), runtime_dir(inv.var("XDG_RUNTIME_DIR"), env)));
    }
    checks.extend(last_run(entry, inv).into_iter().map(|v| (name.clone(), v)));
    checks
}

/// What a hand edit did to an entry stretch can no longer read, as far as
/// can be told, and the way back.
fn edited_by_hand(entry: &schedule::Entry) -> String {
    let words = entry.command_words();
    let missing: Vec<&str> = invocation::TONIGHT.iter().copied().filter(|w| !words.iter().any(|x| x == w)).collect();
    let what = if missing.is_empty() {
        "its command was edited by hand after stretch wrote it".to_string()
    } else {
        format!("its command was edited by hand: {} was taken out", missing.join(" "))
    };
    format!(
        "{what}, so stretch cannot tell what it runs; `stretch schedule add {} --replace` writes it anew with the \
         settings you give, or change it back with `crontab -e`",
        entry.time
    )
}

/// Whether the entry's runtime directory is this user's and will be there at
/// night: it exists while the user is logged in, or always with lingering.
fn runtime_dir(dir: Option<&str>, env: &Env) -> Verdict {
    let mine = format!("/run/user/{}", env.uid);
    let Some(dir) = dir else {
        return Verdict::Fail(format!("the entry does not set XDG_RUNTIME_DIR={mine}; run `stretch schedule upgrade`"));
    };
    if dir != mine && env.runtime_dir.as_deref() != Some(Path::new(dir)) {
        return Verdict::Fail(format!(
            "the entry sets XDG_RUNTIME_DIR={dir}, not this user's {mine}; add it again as this user"
        ));
    }
    let lingering = env.logname.as_ref().is_some_and(|user| Path::new("/var/lib/systemd/linger").join(user).exists());
    match (Path::new(dir).is_dir(), lingering) {
        (true, true) => Verdict::Ok(format!("{dir} exists, and stays while you are logged out (lingering)")),
        (true, false) => Verdict::Warn(format!(
            "{dir} exists while you are logged in; if you may be logged out at that time, `loginctl enable-linger` keeps it"
        )),
        (false, _) => Verdict::Fail(format!(
            "{dir} does not exist, so no sound server can be reached; log in, or `loginctl enable-linger`"
        )),
    }
}

/// The entry's last run, if it failed.
fn last_run(entry: &schedule::Entry, inv: &invocation::Invocation) -> Vec<Verdict> {
    let mut found = Vec::new();
    let events = runlog::read(Path::new(&inv.data_dir));
    if let Some(e) = runlog::last_run(&events, entry.time).filter(|e| e.kind == "failed") {
        found.push(Verdict::Warn(format!("its last run, {}, failed: {}", e.at.format("%Y-%m-%d %H:%M"), e.text)));
    }
    found
}

fn config_file(config: Result<Config>, paths: &Paths) -> Verdict {
    match config {
        Err(e) => Verdict::Fail(format!("{e}; scheduled runs and `stretch tonight` stop on it until it is fixed")),
        Ok(Config { path: Some(path), .. }) => Verdict::Ok(format!("{} reads fine", path.display())),
        Ok(_) => match paths.config_file() {
            Some(path) => Verdict::Ok(format!("none at {}; the defaults apply", path.display())),
            None => Verdict::Ok("none; the defaults apply".into()),
        },
    }
}

/// The `device` the config file names, if it reads.
fn configured_device(config: &Result<Config>) -> Option<String> {
    config.as_ref().ok().and_then(|c| c.device.clone())
}

/// The default output (or the configured one), and when it does not open,
/// the fix for its cause: a server to start or a login to run from before
/// speakers to connect.
fn audio(configured: Option<String>, env: &Env) -> Verdict {
    // Sink names and descriptions are the sound server's (any program, or a
    // Bluetooth device, names them), and the device is the config file's.
    let configured = configured.map(Outside::from);
    let sinks = device::probe(&env.sound_server()).map(|sinks| {
        sinks.into_iter().map(|(name, about)| (Outside::from(name), Outside::from(about))).collect::<Vec<_>>()
    });
    match sinks {
        Ok(sinks) if sinks.is_empty() => Verdict::Fail("the sound server offers no output device".into()),
        Ok(sinks) if configured.as_ref().is_some_and(|d| !sinks.iter().any(|(name, _)| name == d)) => {
            let names: Vec<String> = sinks.iter().map(|(name, _)| name.to_string()).collect();
            Verdict::Fail(format!(
                "the config file's device = {:?} is not among the sound server's outputs ({}); set one of them, or remove the key for the default",
                configured.unwrap_or_default(),
                names.join(", ")
            ))
        }
        Ok(sinks) => {
            let list: Vec<String> = sinks
                .iter()
                .map(
                    |(name, about)| {
                        if about.unescaped().is_empty() { name.to_string() } else { format!("{name} ({about})") }
                    },
                )
                .collect();
            Verdict::Ok(format!("{} (default); choose with --device NAME", list.join(", ")))
        }
        Err(why) => Verdict::Fail(no_sound(&why, env)),
    }
}

/// Which engine speaks the words of a user's routine that no recording covers.
fn own_words(env: &Env) -> Verdict {
    use crate::audio::speech::{self, GET_MATCHING_VOICE};
    match speech::engine(env.search_path.as_deref()) {
        Some((engine, at)) if speech::matches_recordings(&engine) => Verdict::Ok(format!(
            "a routine's own words are spoken by {} (voice {}, the recorded voice), at {}",
            engine.program,
            engine.voice,
            at.display()
        )),
        Some((engine, at)) => Verdict::Note(format!(
            "a routine's own words are spoken by {} (voice {}) at {}, not in the recorded voice; for the same voice: {GET_MATCHING_VOICE}",
            engine.program,
            engine.voice,
            at.display()
        )),
        None => Verdict::Note(format!(
            "no speech engine: a routine's own words are marked by chimes (the built-in routines are recorded); for speech: {}",
            crate::audio::sounds::GET_SPEECH
        )),
    }
}

/// Why nothing plays and what to do, said once: a missing sound server
/// names its own fix; speakers are the advice only when a server is there.
fn no_sound(why: &device::NoOutput, env: &Env) -> String {
    let said = crate::schedule::hearing::no_output(why, env);
    if crate::schedule::hearing::missing_server(env).is_some() {
        format!("{said} (routines still run without sound)")
    } else {
        format!("{said}; connect speakers or headphones and unmute them (routines still run without sound)")
    }
}

fn data_dir(paths: &Paths) -> Verdict {
    let dir = match paths.create_data_dir() {
        Ok(dir) => dir,
        Err(e) => {
            return Verdict::Fail(format!("{e}; pass --data-dir DIR or set STRETCH_DATA_DIR to a writable place"));
        }
    };
    match tempfile::tempfile_in(dir) {
        Ok(_) => Verdict::Ok(format!("{} is writable", dir.display())),
        Err(e) => Verdict::Fail(format!(
            "cannot write in {} ({e}); make it yours (`chown`) and writable, or pass --data-dir DIR",
            dir.display()
        )),
    }
}

fn journal(path: &Path) -> Verdict {
    match journal::read(path) {
        Err(e) => Verdict::Fail(format!("{e}; check its permissions")),
        Ok(reading) => match reading.problems.first() {
            None => {
                Verdict::Ok(format!("{} in {}", words::count(reading.records.len() as u64, "record"), path.display()))
            }
            Some(p) => Verdict::Fail(format!(
                "{} in {}, the first at line {}: {}; fix or delete them (the rest reads fine)",
                words::count(reading.problems.len() as u64, "unreadable line"),
                path.display(),
                p.line,
                crate::visible::visible(&p.message)
            )),
        },
    }
}

/// Tightens what stretch keeps in the data directory to private modes (0700
/// for directories, 0600 for files), saying what it changed; what belongs to
/// another user cannot be tightened and fails the check.
fn privacy(place: &Paths) -> Verdict {
    let dir = &place.data_dir;
    let backups = dir.join(crate::schedule::backup::BACKUPS);
    let mut paths = vec![dir.to_path_buf(), backups.clone()];
    paths.extend([place.journal(), place.session_lock(), place.schedule_lock(), place.schedule_log()]);
    paths.extend(std::fs::read_dir(&backups).into_iter().flatten().flatten().map(|e| e.path()));
    let (mut tightened, mut foreign) = (Vec::new(), Vec::new());
    for path in paths {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if std::os::unix::fs::MetadataExt::uid(&meta) != nix::unistd::geteuid().as_raw() {
            foreign.push(path.display().to_string());
            continue;
        }
        match crate::files::tighten(&path) {
            Ok(Some(mode)) => tightened.push(format!("{} (was {mode:o})", path.display())),
            Ok(None) => {}
            Err(e) => foreign.push(format!("{} ({})", path.display(), crate::error::io_cause(&e))),
        }
    }
    match (foreign.is_empty(), tightened.is_empty()) {
        (false, _) => Verdict::Fail(format!(
            "not yours, so not private to you: {}; `chown` them to yourself, or choose another --data-dir",
            foreign.join(", ")
        )),
        (true, true) => Verdict::Ok("the data directory and its files are private to you".into()),
        (true, false) => Verdict::Ok(format!("made private (0700/0600): {}", tightened.join(", "))),
    }
}

/// Whether a process named `cron` or `crond` runs, as `/proc/<pid>/comm` says.
fn cron_daemon(proc: &Path) -> Verdict {
    let running = std::fs::read_dir(proc).into_iter().flatten().flatten().any(|entry| {
        std::fs::read_to_string(entry.path().join("comm")).is_ok_and(|comm| matches!(comm.trim(), "cron" | "crond"))
    });
    if running {
        Verdict::Ok("running".into())
    } else {
        Verdict::Fail(
            "no cron daemon is running; start it: `sudo systemctl enable --now cron`, or run `cron` as root".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_early_error_is_warned_about_for_a_week_with_its_date() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("errors.log");
        std::fs::write(&file, "2026-11-01T22:30:00+00:00 stretch: the program is not there\n").unwrap();
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
        let (when, said) = early_error(&file, at("2026-11-03T09:00:00+00:00")).unwrap();
        assert_eq!((when.as_str(), said.as_str()), ("2026-11-01 22:30", "stretch: the program is not there"));
        assert_eq!(early_error(&file, at("2026-11-20T09:00:00+00:00")), None, "a month-old error is not warned about");
        std::fs::write(&file, "").unwrap();
        assert_eq!(early_error(&file, at("2026-11-03T09:00:00+00:00")), None);
    }

    #[test]
    fn a_cron_daemon_is_found_by_its_process_name() {
        let proc = tempfile::tempdir().unwrap();
        std::fs::create_dir(proc.path().join("1")).unwrap();
        std::fs::write(proc.path().join("1/comm"), "bash\n").unwrap();
        assert!(matches!(cron_daemon(proc.path()), Verdict::Fail(_)));
        std::fs::create_dir(proc.path().join("42")).unwrap();
        std::fs::write(proc.path().join("42/comm"), "cron\n").unwrap();
        assert!(matches!(cron_daemon(proc.path()), Verdict::Ok(_)));
    }

    #[test]
    fn a_runtime_dir_must_be_this_users_and_exist() {
        let home = tempfile::tempdir().unwrap();
        let env = Env { uid: 4_242_424, runtime_dir: Some(home.path().into()), ..Env::default() };
        let Verdict::Fail(text) = runtime_dir(Some("/run/user/1001"), &env) else { panic!("should fail") };
        assert!(
            text.starts_with("the entry sets XDG_RUNTIME_DIR=/run/user/1001, not this user's /run/user/4242424"),
            "{text}"
        );
        assert!(matches!(runtime_dir(None, &env), Verdict::Fail(_)));
        assert!(matches!(runtime_dir(home.path().to_str(), &env), Verdict::Warn(_)), "exists, no lingering");
        let Verdict::Fail(text) = runtime_dir(Some("/run/user/4242424"), &env) else { panic!("absent here") };
        assert!(text.contains("does not exist"), "{text}");
    }
}
