//! What a scheduled entry runs: this program with the settings it was added
//! with, every path absolute, and the variables cron lacks carried over.

use std::path::Path;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::schedule::check::cron_user;
use crate::schedule::invocation::{FALLBACK, Invocation};
use crate::schedule::{Days, Entry};
use crate::settings::Settings;
use crate::time::of_day::TimeOfDay;

/// The longest command (after the five time fields) cron takes on a line:
/// Debian's `crontab` refuses one more byte with "command too long".
const COMMAND_LIMIT: usize = 998;

/// The crontab entry at `time`; one whose command is longer than cron reads
/// is refused before anything is made or written.
pub(super) fn entry(time: TimeOfDay, days: Days, invocation: &Invocation, added: &str) -> Result<Entry> {
    let command = invocation.render_cron(added, time, days).map_err(Error::usage)?;
    if command.len() > COMMAND_LIMIT {
        return Err(Error::usage(format!(
            "the entry at {time} would be {} characters long, and cron takes at most {COMMAND_LIMIT}: its paths \
             are too long; a shorter data directory (--data-dir or STRETCH_DATA_DIR), config file or routine path \
             fits; nothing was changed",
            command.len()
        )));
    }
    Ok(Entry::new(time, days, &command))
}

/// The entry's command for these settings: the environment that decides
/// where settings, data and sound are, this program, and the flags, every
/// path absolute.
pub(super) fn invocation(settings: &Settings, paths: &Paths, env: &Env) -> Result<Invocation> {
    let exe = env.exe.as_ref().ok_or_else(|| Error::failure("cannot tell where the stretch program is"))?;
    let data_dir = absolute(&paths.data_dir)?;
    let config = paths.config_flag.as_deref().map(absolute).transpose()?;
    let mut pairs = settings.flag_args()?.into_iter();
    let mut flags = Vec::new();
    while let (Some(flag), Some(value)) = (pairs.next(), pairs.next()) {
        flags.push((flag, value));
    }
    let (home, _) = cron_user(env)?;
    Ok(Invocation {
        env: carried(env)?,
        exe: text(exe)?,
        data_dir,
        config,
        flags,
        fallback: format!("{}/{FALLBACK}", absolute(&home)?),
    })
}

/// The variables an entry sets: where the sound server and session bus are
/// (even if absent now: they appear when the user logs in), and, when set,
/// those that decide where config and data live and the time zone.
fn carried(env: &Env) -> Result<Vec<(String, String)>> {
    let runtime = match &env.runtime_dir {
        Some(dir) => absolute(dir)?,
        None => format!("/run/user/{}", env.uid),
    };
    let mut vars = vec![
        ("XDG_RUNTIME_DIR".to_string(), runtime.clone()),
        ("DBUS_SESSION_BUS_ADDRESS".to_string(), format!("unix:path={}", dbus_escape(&format!("{runtime}/bus")))),
    ];
    let dirs = [
        ("XDG_CONFIG_HOME", &env.xdg_config_home),
        ("XDG_DATA_HOME", &env.xdg_data_home),
        ("STRETCH_CONFIG_DIR", &env.config_dir),
        ("STRETCH_DATA_DIR", &env.data_dir),
    ];
    for (name, dir) in dirs {
        if let Some(dir) = dir {
            vars.push((name.to_string(), absolute(dir)?));
        }
    }
    if let Some(tz) = &env.tz {
        vars.push(("TZ".to_string(), tz.clone()));
    }
    Ok(vars)
}

/// A D-Bus address value: bytes other than `-_/.\*` and alphanumerics as `%XX`.
pub(super) fn dbus_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_/.\\*".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

pub(super) fn absolute(path: &Path) -> Result<String> {
    text(&std::path::absolute(path).map_err(|e| Error::io("find", path, &e))?)
}

pub(super) fn text(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| Error::usage(format!("{} is not UTF-8, which a crontab cannot hold", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sounds::SoundSet;
    use crate::schedule::{self, BlockLine};
    use crate::settings::{Config, Flags};
    use std::time::Duration;

    fn settings(flags: Flags) -> Settings {
        Settings::resolve(&flags, &Config::default())
    }

    fn env() -> Env {
        Env { exe: Some("/opt/it's 100%/stretch".into()), uid: 4242, home: Some("/home/me".into()), ..Env::default() }
    }

    #[test]
    fn entries_run_this_binary_quoted_with_what_cron_lacks_and_log_their_output() {
        let env = Env { tz: Some("Europe/Paris".into()), xdg_config_home: Some("/home/me/my config".into()), ..env() };
        let paths = Paths { data_dir: "/home/me/.local/share/stretch".into(), config_dir: None, config_flag: None };
        let flags = Flags {
            reps: Some(2),
            hold: Some(Duration::from_secs(12)),
            prepare: Some(Duration::ZERO),
            sounds: Some(SoundSet::Chime),
            volume: Some(55),
            ..Flags::default()
        };
        let inv = invocation(&settings(flags), &paths, &env).unwrap();
        let days = Days::parse("weekdays").unwrap();
        let lines: Vec<_> = [TimeOfDay::new(6, 5), TimeOfDay::new(22, 30)]
            .into_iter()
            .map(|t| BlockLine::Entry(entry(t, days, &inv, "2026-11-26T21:00:00+01:00").unwrap()))
            .collect();
        insta::assert_snapshot!(schedule::render_block(&lines));
    }

    #[test]
    fn every_path_is_written_absolute() {
        let env = Env { config_dir: Some("conf".into()), runtime_dir: Some("run".into()), ..env() };
        let paths = Paths { data_dir: "d".into(), config_dir: None, config_flag: Some("my.toml".into()) };
        let inv = invocation(&settings(Flags::default()), &paths, &env).unwrap();
        let here = std::path::absolute(".").unwrap().display().to_string();
        assert_eq!(inv.data_dir, format!("{here}/d"));
        assert_eq!(inv.config, Some(format!("{here}/my.toml")));
        assert_eq!(inv.var("STRETCH_CONFIG_DIR"), Some(format!("{here}/conf").as_str()));
        assert_eq!(inv.var("XDG_RUNTIME_DIR"), Some(format!("{here}/run").as_str()));
    }

    #[test]
    fn a_bus_address_escapes_what_dbus_would_misread() {
        assert_eq!(dbus_escape("/run/user/1000/bus"), "/run/user/1000/bus");
        assert_eq!(dbus_escape("/a b,c=%/bus"), "/a%20b%2cc%3d%25/bus");
    }
}
