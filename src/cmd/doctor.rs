//! `stretch doctor`: checks, one line each, what a routine needs to play, be
//! logged and start from cron here, and says how to fix what fails.

use std::path::Path;

use crate::audio::device;
use crate::env::Env;
use crate::error::{Result, code};
use crate::journal;
use crate::paths::Paths;
use crate::schedule;
use crate::schedule::crontab::CrontabProgram;
use crate::settings::Config;

/// How one check went: what was found, or what is wrong and how to fix it.
enum Verdict {
    Ok(String),
    Fail(String),
    Skip(String),
}

/// Runs every check; exits 0 if all pass, else 1. `config` is the config
/// file as read: a mistake in it is a failed check, not the end of the others.
pub fn run(config: Result<Config>, paths: &Paths, env: &Env) -> Result<u8> {
    let crontab =
        CrontabProgram::from_env(env).read().map(|text| schedule::CrontabText::parse(&text.unwrap_or_default()));
    let entries: Vec<schedule::Entry> = match &crontab {
        Ok(Ok(c)) => c.entries().cloned().collect(),
        _ => Vec::new(),
    };
    // Tightened first, so the data dir and journal checks see the result.
    let privacy = privacy(&paths.data_dir);
    let checks = [
        ("config file", config_file(config, paths)),
        ("audio output", audio()),
        ("data dir", data_dir(paths)),
        ("journal", journal(&paths.journal())),
        (
            "crontab",
            match crontab {
                Err(e) => Verdict::Fail(e.message),
                Ok(Err(why)) => {
                    Verdict::Fail(format!("the stretch block is damaged ({why}); fix it with `crontab -e`"))
                }
                Ok(Ok(_)) if entries.is_empty() => {
                    Verdict::Fail("no stretch entries; add one with `stretch schedule add 22:30`".into())
                }
                Ok(Ok(_)) => Verdict::Ok(format!("{} stretch entries", entries.len())),
            },
        ),
        ("cron daemon", cron_daemon(Path::new("/proc"))),
        ("XDG_RUNTIME_DIR", runtime_dir(&entries, env.uid)),
        ("privacy", privacy),
    ];
    let mut failed = false;
    for (name, verdict) in checks {
        let (mark, text) = match verdict {
            Verdict::Ok(text) => ("ok  ", text),
            Verdict::Skip(text) => ("skip", text),
            Verdict::Fail(text) => {
                failed = true;
                ("FAIL", text)
            }
        };
        crate::term::output::line(&format!("{mark}  {name}: {text}"));
    }
    Ok(if failed { code::FAILURE } else { code::OK })
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

fn audio() -> Verdict {
    match device::probe() {
        Ok(sinks) if sinks.is_empty() => Verdict::Fail("the sound server offers no output device".into()),
        Ok(sinks) => {
            let list: Vec<String> = sinks
                .iter()
                .map(|(name, about)| if about.is_empty() { name.clone() } else { format!("{name} ({about})") })
                .collect();
            Verdict::Ok(format!("{} (default); choose with --device NAME", list.join(", ")))
        }
        Err(why) => Verdict::Fail(format!(
            "no audio output ({why}); connect speakers or headphones, unmute them, and run this from the \
             same login as the routine (routines still run without sound)"
        )),
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
            None => Verdict::Ok(format!("{} records in {}", reading.records.len(), path.display())),
            Some(p) => Verdict::Fail(format!(
                "{} unreadable lines in {}, the first at line {}: {}; fix or delete them (the rest reads fine)",
                reading.problems.len(),
                path.display(),
                p.line,
                crate::term::visible::visible(&p.message)
            )),
        },
    }
}

/// Tightens what stretch keeps in the data directory to private modes (0700
/// for directories, 0600 for files), saying what it changed; what belongs to
/// another user cannot be tightened and fails the check.
fn privacy(dir: &Path) -> Verdict {
    let backups = dir.join(crate::cmd::schedule::BACKUPS);
    let mut paths = vec![dir.to_path_buf(), backups.clone()];
    paths.extend(["journal.jsonl", "session.lock", "schedule.lock", crate::cmd::schedule::LOG].map(|f| dir.join(f)));
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

/// Each entry must point audio at this user's runtime dir, where the sound server listens.
fn runtime_dir(entries: &[schedule::Entry], uid: u32) -> Verdict {
    if entries.is_empty() {
        return Verdict::Skip("no entries to check".into());
    }
    let want = format!("XDG_RUNTIME_DIR=/run/user/{uid}");
    let wrong: Vec<String> =
        entries.iter().filter(|e| !e.command_words().contains(&want)).map(|e| e.time.to_string()).collect();
    if wrong.is_empty() {
        Verdict::Ok(format!("/run/user/{uid}, this user's"))
    } else {
        Verdict::Fail(format!(
            "the entries at {} do not set {want}; run `stretch schedule add` for them again as this user",
            wrong.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn entries_for_another_user_fail_the_runtime_dir_check() {
        let days = schedule::Days::DAILY;
        let time = |hour| crate::time::of_day::TimeOfDay::new(hour, 0);
        let mine = schedule::Entry::new(time(22), days, "XDG_RUNTIME_DIR=/run/user/1000 /bin/stretch tonight");
        let theirs = schedule::Entry::new(time(7), days, "XDG_RUNTIME_DIR=/run/user/1001 /bin/stretch tonight");
        assert!(matches!(runtime_dir(std::slice::from_ref(&mine), 1000), Verdict::Ok(_)));
        let Verdict::Fail(text) = runtime_dir(&[mine, theirs], 1000) else { panic!("should fail") };
        assert!(text.starts_with("the entries at 07:00 do not set XDG_RUNTIME_DIR=/run/user/1000"), "{text}");
        assert!(matches!(runtime_dir(&[], 1000), Verdict::Skip(_)));
    }
}
