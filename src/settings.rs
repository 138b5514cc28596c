//! The config file and the effective settings. `<config dir>/config.toml`
//! (or `--config FILE`) gives defaults for `stretch tonight` and the time at
//! which one night ends for `stretch log`; a flag wins over the file, the file over stretch's
//! own defaults, and every effective value remembers where it came from.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use serde::Deserialize;
use toml::Spanned;

use crate::audio::sounds::SoundSet;
use crate::error::{Error, Result};
use crate::journal::nights::DEFAULT_DAY_STARTS;
use crate::routine::catalog;
use crate::routine::{FileDuration, Routine, RoutineError, limits};
use crate::time::duration;

/// The file name inside the config directory.
pub const FILE_NAME: &str = "config.toml";

/// The volume when nothing sets one: gentle, for a bedroom at night.
pub const VOLUME: u8 = 40;

/// The config file, read and checked. Each field is `None` when the file does
/// not set it (or there is no file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file these settings came from, if one was read.
    pub path: Option<PathBuf>,
    /// The routine `stretch tonight` runs: a name or a path.
    pub routine: Option<String>,
    /// Holds per routine.
    pub reps: Option<u32>,
    /// The length of each hold.
    pub hold: Option<Duration>,
    /// The length of each rest.
    pub rest: Option<Duration>,
    /// What guides the person.
    pub sounds: Option<SoundSet>,
    /// Loudness, 0-100.
    pub volume: Option<u8>,
    /// The time of day at which one night ends and the next begins.
    pub day_starts: Option<NaiveTime>,
    /// Where `routine` is written, to point at it if it names no routine.
    routine_at: Option<(usize, usize)>,
}

/// The file's format. Numbers are read wide so that a value out of range is
/// reported with its limits, not as a type error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    routine: Option<Spanned<String>>,
    reps: Option<Spanned<i64>>,
    hold: Option<Spanned<FileDuration>>,
    rest: Option<Spanned<FileDuration>>,
    sounds: Option<SoundSet>,
    volume: Option<Spanned<i64>>,
    /// Quoted (`"04:00"`) or a bare TOML time (`04:00`).
    day_starts: Option<Spanned<toml::Value>>,
}

impl Config {
    /// Reads `--config FILE` (which must exist), else `default` if it exists;
    /// with neither, every setting is stretch's own default.
    pub fn load(flag: Option<&Path>, default: Option<&Path>) -> Result<Config> {
        let path = match (flag, default) {
            (Some(path), _) => path,
            (None, Some(path)) if path.exists() => path,
            (None, _) => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            let fix = if flag.is_some() { "; check --config" } else { "" };
            Error::usage(format!("{}{fix}", Error::io("read the config file", path, &e).message))
        })?;
        let mut config = parse(&path.display().to_string(), &text).map_err(|e| Error::usage(e.to_string()))?;
        // A routine file named in the config is found beside it, wherever stretch runs.
        if let (Some(spec), Some(dir)) = (&mut config.routine, path.parent())
            && catalog::is_path(spec)
        {
            *spec = dir.join(&*spec).display().to_string();
        }
        config.path = Some(path.to_path_buf());
        Ok(config)
    }
}

/// Parses and checks a config file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> std::result::Result<Config, RoutineError> {
    let raw: FileConfig = toml::from_str(text).map_err(|e| {
        let mut error = RoutineError::from_toml(file, text, &e);
        if e.span().is_some_and(|span| text[..span.start].ends_with('[')) {
            error.message += "; the config file has no [sections]: write each key at the top";
        }
        error
    })?;
    let at = Place { file, text };
    let routine = match raw.routine {
        Some(r) if r.get_ref().trim().is_empty() => {
            return Err(at.error(r.span(), "routine must name a routine from `stretch routines`, or a file".into()));
        }
        r => r,
    };
    Ok(Config {
        path: None,
        routine_at: routine.as_ref().map(|r| crate::routine::line_col(text, r.span().start)),
        routine: routine.map(Spanned::into_inner),
        reps: at.number(raw.reps, "reps", limits::REPS)?,
        hold: at.length(raw.hold, "hold", limits::HOLD)?,
        rest: at.length(raw.rest, "rest", limits::REST)?,
        sounds: raw.sounds,
        volume: at.number(raw.volume, "volume", limits::VOLUME)?,
        day_starts: raw.day_starts.map(|t| time_of_day(&t).map_err(|e| at.error(t.span(), e))).transpose()?,
    })
}

/// Checks values against their limits, pointing at them in the file.
struct Place<'a> {
    file: &'a str,
    text: &'a str,
}

impl Place<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: String) -> RoutineError {
        RoutineError::at(self.file, self.text, Some(span), message)
    }

    fn number<T: Copy + Into<i64> + TryFrom<i64>>(
        &self,
        value: Option<Spanned<i64>>,
        what: &str,
        range: std::ops::RangeInclusive<T>,
    ) -> std::result::Result<Option<T>, RoutineError> {
        let Some(value) = value else { return Ok(None) };
        let wide = (*range.start()).into()..=(*range.end()).into();
        let n = limits::within(what, *value.get_ref(), &wide, |n| n.to_string())
            .map_err(|e| self.error(value.span(), e))?;
        Ok(T::try_from(n).ok())
    }

    fn length(
        &self,
        value: Option<Spanned<FileDuration>>,
        what: &str,
        range: std::ops::RangeInclusive<Duration>,
    ) -> std::result::Result<Option<Duration>, RoutineError> {
        let Some(value) = value else { return Ok(None) };
        limits::within(what, value.get_ref().0, &range, duration::format)
            .map(Some)
            .map_err(|e| self.error(value.span(), e))
    }
}

/// `"HH:MM"`, 24-hour, or the same written as a bare TOML time.
fn time_of_day(value: &Spanned<toml::Value>) -> std::result::Result<NaiveTime, String> {
    let text = match value.get_ref() {
        toml::Value::String(text) => text.clone(),
        toml::Value::Datetime(toml::value::Datetime { date: None, time: Some(time), offset: None }) => {
            format!("{:02}:{:02}", time.hour, time.minute)
        }
        other => other.to_string(),
    };
    NaiveTime::parse_from_str(&text, "%H:%M")
        .map_err(|_| format!("day_starts must be a 24-hour time like \"04:00\" (got {text})"))
}

/// The settings given as flags; `None` when a flag is absent.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--routine`.
    pub routine: Option<String>,
    /// `--reps`.
    pub reps: Option<u32>,
    /// `--hold`, as written.
    pub hold: Option<String>,
    /// `--rest`, as written.
    pub rest: Option<String>,
    /// `--prepare`, as written.
    pub prepare: Option<String>,
    /// `--sounds`.
    pub sounds: Option<SoundSet>,
    /// `--volume`.
    pub volume: Option<u8>,
}

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Stretch's own default.
    Default,
    /// The routine's own value.
    Routine,
    /// The config file.
    File(PathBuf),
    /// A flag on the command line.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Routine => f.write_str("the routine"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value in effect.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// The settings in effect: flags over the config file over defaults. `reps`,
/// `hold`, `rest` and `prepare` are `None` when the routine's own values apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The routine to run.
    pub routine: Setting<String>,
    /// Holds per routine.
    pub reps: Option<Setting<u32>>,
    /// The length of each hold.
    pub hold: Option<Setting<Duration>>,
    /// The length of each rest.
    pub rest: Option<Setting<Duration>>,
    /// The length of the getting-ready phase (a flag only).
    pub prepare: Option<Setting<Duration>>,
    /// What guides the person.
    pub sounds: Setting<SoundSet>,
    /// Loudness.
    pub volume: Setting<u8>,
    /// When one night ends and the next begins.
    pub day_starts: Setting<NaiveTime>,
    /// Where a routine named by the config file is written, for errors.
    routine_at: Option<String>,
}

impl Config {
    /// Combines the file with `flags`, checking the flags' durations.
    pub fn settings(&self, flags: &Flags) -> Result<Settings> {
        let hold = flags.hold.as_deref().map(|t| flag_duration("--hold", t, "hold", limits::HOLD)).transpose()?;
        let rest = flags.rest.as_deref().map(|t| flag_duration("--rest", t, "rest", limits::REST)).transpose()?;
        let prepare =
            flags.prepare.as_deref().map(|t| flag_duration("--prepare", t, "prepare", limits::PREPARE)).transpose()?;
        let routine = self
            .layer(flags.routine.clone().map(|v| ("--routine", v)), self.routine.clone())
            .unwrap_or_else(|| Setting::default(catalog::DEFAULT.to_string()));
        let routine_at = match (&routine.source, self.routine_at) {
            (Source::File(path), Some((line, col))) => Some(format!("{}:{line}:{col}", path.display())),
            _ => None,
        };
        Ok(Settings {
            routine,
            reps: self.layer(flags.reps.map(|v| ("--reps", v)), self.reps),
            hold: self.layer(hold.map(|v| ("--hold", v)), self.hold),
            rest: self.layer(rest.map(|v| ("--rest", v)), self.rest),
            prepare: self.layer(prepare.map(|v| ("--prepare", v)), None),
            sounds: self
                .layer(flags.sounds.map(|v| ("--sounds", v)), self.sounds)
                .unwrap_or_else(|| Setting::default(SoundSet::Voice)),
            volume: self
                .layer(flags.volume.map(|v| ("--volume", v)), self.volume)
                .unwrap_or_else(|| Setting::default(VOLUME)),
            day_starts: self.layer(None, self.day_starts).unwrap_or_else(|| Setting::default(DEFAULT_DAY_STARTS)),
            routine_at,
        })
    }

    /// A flag's value if given, else the file's, with its source.
    fn layer<T>(&self, flag: Option<(&'static str, T)>, in_file: Option<T>) -> Option<Setting<T>> {
        match (flag, in_file) {
            (Some((name, value)), _) => Some(Setting { value, source: Source::Flag(name) }),
            (None, Some(value)) => Some(Setting { value, source: Source::File(self.path.clone().unwrap_or_default()) }),
            (None, None) => None,
        }
    }
}

impl<T> Setting<T> {
    /// Stretch's own default.
    fn default(value: T) -> Self {
        Setting { value, source: Source::Default }
    }
}

impl Settings {
    /// Finds the routine and applies the timing settings to it. A routine
    /// named in the config file that cannot be found is reported at its place there.
    pub fn routine(&self, routine_dir: Option<&Path>) -> Result<Routine> {
        let (routine, _origin) =
            catalog::resolve(&self.routine.value, routine_dir).map_err(|e| match &self.routine_at {
                Some(at) => Error { message: format!("{at}: routine: {}", e.message), ..e },
                None => e,
            })?;
        Ok(self.timed(routine))
    }

    /// `routine` with `reps`, `hold`, `rest` and `prepare` in place of its own, where set.
    pub fn timed(&self, mut routine: Routine) -> Routine {
        if let Some(reps) = &self.reps {
            routine.reps = reps.value;
        }
        if let Some(hold) = &self.hold {
            routine.hold.length = hold.value;
        }
        if let Some(rest) = &self.rest {
            routine.rest.length = rest.value;
        }
        if let Some(prepare) = &self.prepare {
            routine.prepare.length = prepare.value;
        }
        routine
    }
}

/// A duration flag, checked against the same limits as in a routine file.
pub fn flag_duration(
    flag: &str,
    text: &str,
    what: &str,
    range: std::ops::RangeInclusive<Duration>,
) -> Result<Duration> {
    let value = duration::parse(text).map_err(|e| Error::usage(format!("{flag}: {e}")))?;
    limits::within(what, value, &range, duration::format).map_err(|e| Error::usage(format!("{flag} {text}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        parse("c.toml", text).unwrap_err().to_string()
    }

    fn from_file(text: &str) -> Config {
        Config { path: Some("c.toml".into()), ..parse("c.toml", text).unwrap() }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn every_key_is_read() {
        let text = "routine = \"wall-calf-single\"\nreps = 2\nhold = \"15s\"\nrest = 4\nsounds = \"chime\"\nvolume = 70\nday_starts = \"05:30\"\n";
        let c = parse("c.toml", text).unwrap();
        assert_eq!(c.routine.as_deref(), Some("wall-calf-single"));
        assert_eq!((c.reps, c.hold, c.rest), (Some(2), Some(secs(15)), Some(secs(4))));
        assert_eq!((c.sounds, c.volume), (Some(SoundSet::Chime), Some(70)));
        assert_eq!(c.day_starts, NaiveTime::from_hms_opt(5, 30, 0));
    }

    #[test]
    fn the_day_boundary_may_be_a_bare_time() {
        assert_eq!(parse("c.toml", "day_starts = 05:15\n").unwrap().day_starts, NaiveTime::from_hms_opt(5, 15, 0));
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        assert_eq!(parse("c.toml", "").unwrap(), Config::default());
    }

    #[test]
    fn mistakes_name_the_place_and_the_fix() {
        for (text, expected) in [
            ("reps = 3\nholds = \"10s\"\n", "c.toml:2:1: unknown key holds, expected one of routine, reps, hold"),
            ("volume = 150\n", "c.toml:1:10: volume must be between 0 and 100 (got 150)"),
            ("reps = -1\n", "c.toml:1:8: reps must be between 1 and 20 (got -1)"),
            ("hold = \"20m\"\n", "c.toml:1:8: hold must be between 100ms and 10m (got 20m)"),
            ("rest = \"5 s\"\n", "c.toml:1:8: invalid duration \"5 s\": use a number with a unit, like 10s"),
            ("sounds = \"loud\"\n", "c.toml:1:10: unknown variant loud, expected one of voice, chime, off"),
            ("day_starts = \"4am\"\n", "c.toml:1:14: day_starts must be a 24-hour time like \"04:00\" (got 4am)"),
            ("day_starts = 4\n", "c.toml:1:14: day_starts must be a 24-hour time like \"04:00\" (got 4)"),
            ("routine = \"\"\n", "c.toml:1:11: routine must name a routine"),
            ("hold = 5\n[tonight]\nreps = 2\n", "c.toml:2:2: unknown key tonight, expected one of routine, reps"),
            ("volume = \"loud\"\n", "c.toml:1:10: invalid type: string \"loud\", expected a whole number"),
        ] {
            let err = parse_err(text);
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_section_is_explained() {
        assert!(parse_err("[tonight]\nhold = 5\n").ends_with("has no [sections]: write each key at the top"));
        assert!(!parse_err("holds = 5\n").contains("[sections]"), "only for a section");
    }

    #[test]
    fn flags_beat_the_file_beats_the_defaults() {
        let config = from_file("hold = \"15s\"\nvolume = 70\nsounds = \"chime\"\n");
        let flags = Flags { volume: Some(10), rest: Some("2s".into()), ..Flags::default() };
        let s = config.settings(&flags).unwrap();
        let file = Source::File("c.toml".into());
        assert_eq!(s.routine, Setting { value: catalog::DEFAULT.into(), source: Source::Default });
        assert_eq!(s.hold, Some(Setting { value: secs(15), source: file.clone() }));
        assert_eq!(s.rest, Some(Setting { value: secs(2), source: Source::Flag("--rest") }));
        assert_eq!(s.reps, None, "the routine's own reps");
        assert_eq!(s.sounds, Setting { value: SoundSet::Chime, source: file });
        assert_eq!(s.volume, Setting { value: 10, source: Source::Flag("--volume") });
        assert_eq!(s.day_starts, Setting { value: DEFAULT_DAY_STARTS, source: Source::Default });
    }

    #[test]
    fn settings_shape_the_routine() {
        let s = from_file("reps = 2\nrest = \"0s\"\n").settings(&Flags { hold: Some("3s".into()), ..Flags::default() });
        let routine = s.unwrap().routine(None).unwrap();
        assert_eq!((routine.reps, routine.hold.length, routine.rest.length), (2, secs(3), Duration::ZERO));
    }

    #[test]
    fn an_unknown_routine_in_the_file_is_located_there() {
        let s = from_file("\nroutine = \"nope\"\n").settings(&Flags::default()).unwrap();
        let err = s.routine(None).unwrap_err();
        assert!(err.message.starts_with("c.toml:2:11: routine: no routine named \"nope\""), "{}", err.message);
        let flagged = Flags { routine: Some("nope".into()), ..Flags::default() };
        let err = from_file("routine = \"nope\"\n").settings(&flagged).unwrap().routine(None).unwrap_err();
        assert!(err.message.starts_with("no routine named"), "a flag's mistake is the flag's: {}", err.message);
    }

    #[test]
    fn bad_duration_flags_are_usage_errors() {
        let err = Config::default().settings(&Flags { hold: Some("20m".into()), ..Flags::default() }).unwrap_err();
        assert_eq!(err.message, "--hold 20m: hold must be between 100ms and 10m (got 20m)");
    }

    #[test]
    fn a_routine_file_is_found_beside_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "routine = \"mine.toml\"\n").unwrap();
        let config = Config::load(None, Some(&path)).unwrap();
        assert_eq!(config.routine, Some(dir.path().join("mine.toml").display().to_string()));
        std::fs::write(&path, "routine = \"wall-calf\"\n").unwrap();
        assert_eq!(
            Config::load(None, Some(&path)).unwrap().routine.as_deref(),
            Some("wall-calf"),
            "a name stays a name"
        );
    }

    #[test]
    fn a_missing_default_file_is_no_config_but_a_missing_named_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join(FILE_NAME);
        assert_eq!(Config::load(None, Some(&absent)).unwrap(), Config::default());
        let err = Config::load(Some(&absent), None).unwrap_err();
        assert!(err.message.contains(&absent.display().to_string()) && err.message.contains("--config"), "{err}");
    }
}
