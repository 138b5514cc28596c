//! The process environment, read once at start-up, so no command reads
//! environment variables on its own.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset, Local};

use crate::error::{Error, Result};

mod sound_server;

pub(crate) use sound_server::{NoSocket, SoundServer};

/// The environment, read once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `STRETCH_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `STRETCH_CONFIG_DIR`.
    pub config_dir: Option<PathBuf>,
    /// Where stretch keeps what it can make again (speech for a routine's own
    /// words): `STRETCH_CACHE_DIR`, else `stretch` in the platform cache
    /// directory (`$XDG_CACHE_HOME`, `~/.cache`).
    pub cache_dir: Option<PathBuf>,
    /// The platform data directory (`$XDG_DATA_HOME`, `~/.local/share`).
    pub platform_data_dir: Option<PathBuf>,
    /// The platform config directory (`$XDG_CONFIG_HOME`, `~/.config`).
    pub platform_config_dir: Option<PathBuf>,
    /// `NO_COLOR` is set to anything but the empty string.
    pub no_color: bool,
    /// `TERM` is unset or `dumb`: no escape codes, no progress bar.
    pub dumb_terminal: bool,
    /// `STRETCH_NOW`: the current time, as RFC 3339, unparsed (see [`Env::now`]).
    pub now: Option<String>,
    /// The `crontab` program: `STRETCH_CRONTAB`, else `crontab` on `PATH`.
    pub crontab: PathBuf,
    /// `STRETCH_CRONTAB_TIMEOUT`: seconds to wait for the `crontab` program
    /// before stopping it (default 10), for tests of a wedged one.
    pub crontab_timeout: Option<std::time::Duration>,
    /// This program's absolute path, which scheduled entries run.
    pub exe: Option<PathBuf>,
    /// The user id, for `/run/user/<uid>`, where the user's audio server lives.
    pub uid: u32,
    /// `HOME`: where cron starts a job, and the home a scheduled check runs in.
    pub home: Option<PathBuf>,
    /// The login name cron gives a job (`LOGNAME`), from the user database.
    pub logname: Option<String>,
    /// `XDG_CONFIG_HOME`, carried into scheduled entries: it decides where settings live.
    pub xdg_config_home: Option<PathBuf>,
    /// `XDG_DATA_HOME`, carried into scheduled entries: it decides where the journal lives.
    pub xdg_data_home: Option<PathBuf>,
    /// `XDG_RUNTIME_DIR`: where the user's sound server and session bus listen.
    pub runtime_dir: Option<PathBuf>,
    /// `PULSE_SERVER`: a sound server named outright.
    pub pulse_server: Option<String>,
    /// `PULSE_RUNTIME_PATH`: the sound server's own directory, if not under `XDG_RUNTIME_DIR`.
    pub pulse_runtime_path: Option<PathBuf>,
    /// `PULSE_COOKIE`: the sound server's authentication cookie, if not in its usual place.
    pub pulse_cookie: Option<PathBuf>,
    /// `TZ`, carried into scheduled entries so that nights are counted in the same zone.
    pub tz: Option<String>,
    /// `DBUS_SESSION_BUS_ADDRESS`: the desktop's session bus, where a
    /// scheduled session's notification is shown.
    pub session_bus: Option<String>,
    /// `STRETCH_SNOOZE`: seconds a snoozed session waits before it plays
    /// again (default 10 minutes); for tests, not documented for users.
    pub snooze: Option<std::time::Duration>,
    /// `PAGER` as set, even empty (which, as for git, means no pager).
    pub pager: Option<String>,
    /// `PATH`: where the speech engine for a routine's own words is looked for.
    pub search_path: Option<std::ffi::OsString>,
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Env {
            data_dir: var("STRETCH_DATA_DIR").map(PathBuf::from),
            config_dir: var("STRETCH_CONFIG_DIR").map(PathBuf::from),
            cache_dir: var("STRETCH_CACHE_DIR")
                .map(PathBuf::from)
                .or_else(|| dirs::cache_dir().filter(|d| d.is_absolute()).map(|d| d.join("stretch"))),
            // A relative HOME would put the journal under whatever directory
            // stretch was started in: it counts as no HOME.
            platform_data_dir: dirs::data_dir().filter(|d| d.is_absolute()),
            platform_config_dir: dirs::config_dir().filter(|d| d.is_absolute()),
            no_color: var("NO_COLOR").is_some(),
            dumb_terminal: var("TERM").is_none_or(|t| t == "dumb"),
            now: var("STRETCH_NOW").map(|t| t.to_string_lossy().into_owned()),
            crontab: var("STRETCH_CRONTAB").map_or_else(|| PathBuf::from("crontab"), PathBuf::from),
            crontab_timeout: seconds(var("STRETCH_CRONTAB_TIMEOUT")),
            exe: std::env::current_exe().ok(),
            uid: nix::unistd::getuid().as_raw(),
            home: var("HOME").map(PathBuf::from).filter(|h| h.is_absolute()),
            logname: nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .or_else(|| var("LOGNAME").map(|v| v.to_string_lossy().into_owned())),
            xdg_config_home: var("XDG_CONFIG_HOME").map(PathBuf::from),
            xdg_data_home: var("XDG_DATA_HOME").map(PathBuf::from),
            runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
            pulse_server: var("PULSE_SERVER").map(|v| v.to_string_lossy().into_owned()),
            pulse_runtime_path: var("PULSE_RUNTIME_PATH").map(PathBuf::from),
            pulse_cookie: var("PULSE_COOKIE").map(PathBuf::from),
            tz: var("TZ").map(|v| v.to_string_lossy().into_owned()),
            session_bus: var("DBUS_SESSION_BUS_ADDRESS").map(|v| v.to_string_lossy().into_owned()),
            snooze: seconds(var("STRETCH_SNOOZE")),
            pager: std::env::var_os("PAGER").map(|v| v.to_string_lossy().into_owned()),
            search_path: var("PATH"),
        }
    }
}

/// A number of seconds (fractions allowed) in a variable, if it holds one.
fn seconds(value: Option<std::ffi::OsString>) -> Option<std::time::Duration> {
    value
        .and_then(|t| t.to_str().and_then(|t| t.trim().parse::<f64>().ok()))
        .and_then(|secs| std::time::Duration::try_from_secs_f64(secs).ok())
}

impl Env {
    /// The current time: `STRETCH_NOW` if set (for reproducible output and
    /// tests), else the clock; either way in the local zone (`TZ`). A clock
    /// outside the years 2000-9999 is an error: no record stretch could read
    /// back is ever written with it.
    pub fn now(&self) -> Result<DateTime<FixedOffset>> {
        let now = match &self.now {
            None => wall_clock(std::time::SystemTime::now())?.fixed_offset(),
            Some(text) => DateTime::parse_from_rfc3339(text.trim())
                .map_err(|e| {
                    Error::usage(format!(
                        "STRETCH_NOW={text:?} is not a time: {e}; write it like 2026-11-26T22:30:00+01:00"
                    ))
                })?
                .with_timezone(&Local)
                .fixed_offset(),
        };
        // Through 9998 only: a session or a night that starts then still ends
        // in a year the journal can hold (four digits), in any zone.
        if !(2000..=9998).contains(&now.year()) {
            return Err(Error::failure(format!(
                "the clock says {}, outside the years 2000-9998; set the system time (or STRETCH_NOW)",
                now.format("%Y-%m-%d %H:%M")
            )));
        }
        Ok(now)
    }
}

/// The wall clock's `now` in the local zone, or an error a person can act
/// on: the clock library panics on a clock set before 1970.
pub(crate) fn wall_clock(now: std::time::SystemTime) -> Result<DateTime<Local>> {
    let wrong = |when: &str| {
        Error::failure(format!("the system clock is set {when}; set the system time (or STRETCH_NOW) and try again"))
    };
    let since = now.duration_since(std::time::UNIX_EPOCH).map_err(|_| wrong("before 1970"))?;
    let secs = i64::try_from(since.as_secs()).map_err(|_| wrong("too far ahead"))?;
    let utc = DateTime::from_timestamp(secs, since.subsec_nanos()).ok_or_else(|| wrong("too far ahead"))?;
    Ok(utc.with_timezone(&Local))
}

/// The largest time-zone file read: the biggest in the IANA database is a
/// few kilobytes.
const MAX_ZONE_FILE: u64 = 1 << 20;

/// Where the clock library (chrono) looks for a relative `TZ`, in order.
const ZONE_DIRS: [&str; 4] = ["/usr/share/zoneinfo", "/share/zoneinfo", "/etc/zoneinfo", "/usr/share/lib/zoneinfo"];

impl Env {
    /// Why `TZ` cannot be used, if it names a file that is not a time-zone
    /// file: the clock library would read `/dev/zero` or a FIFO without end.
    /// Checked before anything reads the clock.
    pub fn tz_problem(&self) -> Option<String> {
        let tz = self.tz.as_deref()?;
        let name = tz.strip_prefix(':').unwrap_or(tz);
        // The files the clock library opens, in its order (it reads no `TZDIR`).
        let path = if tz == "localtime" {
            PathBuf::from("/etc/localtime")
        } else if name.starts_with('/') {
            PathBuf::from(name)
        } else {
            ZONE_DIRS.iter().map(|dir| Path::new(dir).join(name)).find(|path| std::fs::metadata(path).is_ok())?
        };
        // A name that is not a file is a rule like `UTC+3`, or unknown: the library falls back to UTC.
        let meta = std::fs::metadata(&path).ok()?;
        (!meta.is_file() || meta.len() > MAX_ZONE_FILE).then(|| {
            format!(
                "TZ={:?} names {}, which is not a time-zone file; unset TZ, or name a zone like Europe/Berlin",
                crate::visible::visible(tz),
                crate::visible::visible(&path.display().to_string())
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretch_now_is_read_strictly_and_bounded() {
        let env = Env { now: Some("2026-11-26T22:30:00+01:00".into()), ..Env::default() };
        assert_eq!(env.now().unwrap().timestamp(), 1_795_728_600);
        let env = Env { now: Some("tomorrow".into()), ..Env::default() };
        assert!(env.now().unwrap_err().message.starts_with("STRETCH_NOW=\"tomorrow\" is not a time"));
        let env = Env { now: Some("1970-01-01T00:00:00Z".into()), ..Env::default() };
        assert!(env.now().unwrap_err().message.contains("outside the years 2000-9998"));
        // The last hours of 9999 are refused: a record begun then would end in 10000.
        let env = Env { now: Some("9999-12-31T23:59:00-12:00".into()), ..Env::default() };
        assert!(env.now().unwrap_err().message.contains("outside the years 2000-9998"));
    }

    #[test]
    fn a_wall_clock_before_1970_is_an_error_not_a_panic() {
        let before = std::time::UNIX_EPOCH - std::time::Duration::from_secs(86_400);
        let err = wall_clock(before).unwrap_err();
        assert!(err.message.contains("before 1970") && err.message.contains("set the system time"), "{}", err.message);
        let far = std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::MAX / 2);
        assert!(wall_clock(far).unwrap_err().message.contains("too far ahead"));
        assert!(wall_clock(std::time::SystemTime::now()).is_ok());
    }
}
