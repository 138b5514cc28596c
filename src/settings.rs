//! Settings: a flag wins over the config file, the file over stretch's own
//! defaults, resolved once into [`Settings`], which every command that uses
//! settings receives. Each value remembers where it came from, for `stretch
//! config`, and the flags turn back into arguments for a scheduled entry.
//!
//! The config file is `<config dir>/config.toml`, or `--config FILE`.
//!
//! # Adding a setting
//!
//! Every setting is declared once, in the table below ([`settings!`]); its
//! entry makes its field in [`Flags`], [`Config`] and [`Settings`], its key in
//! the file, its line in `stretch config` and its argument in a scheduled
//! entry. An entry is:
//!
//! ```text
//! /// What it does (this becomes the field's doc).
//! name: Type {
//!     flag: "--name",                      // optional: given on the command line
//!     file: Raw => |at, key, raw| ...,     // optional: a key of the config file, as
//!                                          //   written (Raw), checked into Type by a
//!                                          //   method of `file::Place`
//!     default: value,                      // optional: without one it may be unset
//!     routine: |r| &mut r.field,           // optional: the routine's own value it replaces
//!     text: |value| String,                // as `stretch config` and a scheduled entry write it
//!     arg: |value| Result<String>,         // optional: a scheduled entry's argument, if not `text`
//!     show: |settings, value| String,      // optional: `stretch config`'s text, if not `text`
//!     example: value => "as in the file",  // for the tests that walk the table
//! }
//! ```
//!
//! A setting with a `flag:` also needs its clap field in `cli.rs` (whose doc
//! comment is its `--help`) and a line in that command's `flags()`. Then
//! document the key in README.md's config section. The tests walk the table:
//! every flag reaches a scheduled entry, every key is read and shown.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use crate::audio::sounds::SoundSet;
use crate::error::{Error, Result};
use crate::journal::slots::{self, Slot};
use crate::routine::{FileDuration, Routine, RoutineError, catalog, limits};
use crate::time::duration;
use crate::time::of_day::TimeOfDay;

mod define;
mod file;
#[cfg(test)]
mod tests;

use define::settings;
use file::Place;
pub use file::parse;

pub(crate) use crate::journal::nights::{DEFAULT_CRAMP_DAY_STARTS, DEFAULT_DAY_STARTS};

/// How long a scheduled session's notification waits for "Done", "Snooze"
/// or "Skip" after the routine ends when nothing sets it: long enough to
/// finish a stretch away from the screen and come back to answer.
pub(crate) const DEFAULT_CONFIRM_WAIT: Duration = Duration::from_secs(15 * 60);

/// `confirm_wait` from nothing (no waiting after the routine) to half a day.
const CONFIRM_WAIT_RANGE: std::ops::RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(12 * 3600);

/// `wake` from nothing (the sink's own measured start suffices) to 10 s.
pub(crate) const WAKE_RANGE: std::ops::RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(10);

/// The volume when nothing sets one: gentle, for a bedroom at night.
pub(crate) const VOLUME: u8 = 40;

settings! {
    /// The routine to run: a name, or a path to a routine file.
    routine: String {
        flag: "--routine",
        file: Spanned<String> => |at, key, raw| at.named(key, raw, "name a routine from `stretch routines`, or a file"),
        default: catalog::DEFAULT.to_string(),
        text: String::clone,
        // A routine file is named by its absolute path, as cron runs elsewhere.
        arg: absolute_if_path,
        example: "wall-calf-single".to_string() => "\"wall-calf-single\"",
    }
    /// Holds per routine (per leg, for one-leg routines).
    reps: u32 {
        flag: "--reps",
        file: Spanned<i64> => |at, key, raw| at.number(key, raw, limits::REPS),
        routine: |r| &mut r.reps,
        text: u32::to_string,
        example: 7 => "7",
    }
    /// The length of each hold.
    hold: Duration {
        flag: "--hold",
        file: Spanned<FileDuration> => |at, key, raw| at.length(key, raw, limits::HOLD),
        routine: |r| &mut r.hold.length,
        text: |d| duration::format(*d),
        example: Duration::from_millis(1500) => "1.5",
    }
    /// The length of each rest.
    rest: Duration {
        flag: "--rest",
        file: Spanned<FileDuration> => |at, key, raw| at.length(key, raw, limits::REST),
        routine: |r| &mut r.rest.length,
        text: |d| duration::format(*d),
        example: Duration::from_secs(4) => "\"4s\"",
    }
    /// The length of the getting-ready phase.
    prepare: Duration {
        flag: "--prepare",
        file: Spanned<FileDuration> => |at, key, raw| at.length(key, raw, limits::PREPARE),
        routine: |r| &mut r.prepare.length,
        text: |d| duration::format(*d),
        example: Duration::ZERO => "0",
    }
    /// What guides the person.
    sounds: SoundSet {
        flag: "--sounds",
        file: SoundSet => Place::plain,
        default: SoundSet::Voice,
        text: |s| s.name().to_string(),
        example: SoundSet::Chime => "\"chime\"",
    }
    /// Loudness, 0-100, before the cap.
    volume: u8 {
        flag: "--volume",
        file: Spanned<i64> => |at, key, raw| at.number(key, raw, limits::VOLUME),
        default: VOLUME,
        text: u8::to_string,
        show: |s: &Settings, v| capped(*v, s.max_volume.value),
        example: 55 => "55",
    }
    /// A cap on loudness for every sound stretch plays, whatever asks for more.
    max_volume: u8 {
        file: Spanned<i64> => |at, key, raw| at.number(key, raw, limits::VOLUME),
        default: 100,
        text: u8::to_string,
        example: 90 => "90",
    }
    /// The sound server's output (sink) to play on, by name; unset for the server's default.
    device: String {
        flag: "--device",
        file: Spanned<String> => |at, key, raw| at.named(key, raw, "name an output; `stretch doctor` lists them"),
        text: String::clone,
        example: "bedroom".to_string() => "\"bedroom\"",
    }
    /// Extra time the output is given to wake after each silence (a Bluetooth speaker: 1-2 s); any keeps its stream open through silences.
    wake: Duration {
        flag: "--wake",
        file: Spanned<FileDuration> => |at, key, raw| at.length(key, raw, WAKE_RANGE),
        default: Duration::ZERO,
        text: |d| duration::format(*d),
        example: Duration::from_millis(1500) => "\"1.5s\"",
    }
    /// The day's slot this run is for (a flag only: it belongs to one run, or one scheduled entry).
    slot: String {
        flag: "--slot",
        text: String::clone,
        example: "nap".to_string() => "\"nap\"",
    }
    /// When one night ends and the next begins.
    day_starts: TimeOfDay {
        flag: "--day-starts",
        file: TimeOfDay => Place::plain,
        default: DEFAULT_DAY_STARTS,
        text: TimeOfDay::to_string,
        example: TimeOfDay::new(5, 30) => "\"05:30\"",
    }
    /// When cramps start counting for the coming night: a cramp before it belongs to the night before.
    cramp_day_starts: TimeOfDay {
        file: TimeOfDay => Place::plain,
        default: DEFAULT_CRAMP_DAY_STARTS,
        text: TimeOfDay::to_string,
        example: TimeOfDay::new(11, 0) => "11:00",
    }
    /// The day's named windows (`[slots]`): the config file's, else three times a day and bedtime.
    slots: Vec<Slot> {
        file: toml::Table => Place::slots,
        default: slots::defaults(),
        text: |slots| describe(slots),
        example: vec![Slot::parse("nap", "13:00-14:00").unwrap()] => "{ nap = \"13:00-14:00\" }",
    }
    /// How long a scheduled session's notification waits for an answer after the routine.
    confirm_wait: Duration {
        file: Spanned<FileDuration> => |at, key, raw| at.length(key, raw, CONFIRM_WAIT_RANGE),
        default: DEFAULT_CONFIRM_WAIT,
        text: |d| duration::format(*d),
        example: Duration::from_secs(300) => "\"5m\"",
    }
    /// Whose journal it is, written at the top of `stretch report`'s page.
    name: String {
        file: Spanned<String> => |at, key, raw| at.named(key, raw, "be the name to show on the report, or be left out"),
        text: String::clone,
        example: "Ada Lovelace".to_string() => "\"Ada Lovelace\"",
    }
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
        let text = crate::files::read_text(path).map_err(|e| {
            let fix = if flag.is_some() { "; check --config" } else { "" };
            Error::usage(format!("{}{fix}", Error::io("read the config file", path, &e).message))
        })?;
        let mut config = parse(&path.display().to_string(), &text).map_err(|mistakes| {
            // One line each, as stretch prints every error.
            let lines: Vec<String> = mistakes.0.iter().map(ToString::to_string).collect();
            Error::usage(lines.join("\nstretch: "))
        })?;
        // A routine file named in the config is found beside it, wherever stretch runs.
        if let (Some(spec), Some(dir)) = (&mut config.routine, path.parent())
            && catalog::is_path(spec)
        {
            *spec = std::path::absolute(dir.join(&*spec)).unwrap_or_else(|_| dir.join(&*spec)).display().to_string();
        }
        config.path = Some(path.to_path_buf());
        Ok(config)
    }
}

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layer {
    /// Stretch's own default.
    Default,
    /// The routine's own value.
    Routine,
    /// The config file.
    File(PathBuf),
    /// A flag on the command line.
    Flag(&'static str),
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Default => f.write_str("default"),
            Layer::Routine => f.write_str("the routine"),
            Layer::File(path) => write!(f, "{}", path.display()),
            Layer::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting<T> {
    /// The value in effect.
    pub value: T,
    /// Where it came from.
    pub layer: Layer,
}

impl<T> Setting<T> {
    /// Stretch's own default.
    fn default(value: T) -> Self {
        Setting { value, layer: Layer::Default }
    }
}

impl Settings {
    /// The index of `--slot` among the day's slots (`None` without one), or a
    /// usage error listing them.
    pub(crate) fn slot_index(&self) -> Result<Option<usize>> {
        let Some(Setting { value: name, .. }) = &self.slot else { return Ok(None) };
        self.slots.value.iter().position(|s| s.name == *name).map(Some).ok_or_else(|| {
            let names: Vec<&str> = self.slots.value.iter().map(|s| s.name.as_str()).collect();
            Error::usage(format!(
                "--slot {name:?} is no slot of the day; the config file's [slots] (or the built-in ones) are: {}",
                names.join(", ")
            ))
        })
    }

    /// The loudness to play at: `volume`, or `wanted` if given, never above `max_volume`.
    pub(crate) fn loudness(&self, wanted: Option<u8>) -> u8 {
        wanted.unwrap_or(self.volume.value).min(self.max_volume.value)
    }

    /// Finds the routine and applies the timing settings to it. A routine
    /// named in the config file that cannot be found is reported at its place there.
    pub(crate) fn routine(&self, routine_dir: Option<&Path>) -> Result<Routine> {
        let (routine, _origin) =
            catalog::resolve(&self.routine.value, routine_dir).map_err(|e| match &self.routine_at {
                Some(at) => Error { message: format!("{at}: routine: {}", e.message), ..e },
                None => e,
            })?;
        Ok(self.apply(routine))
    }
}

/// A routine named by a path, made absolute; a name as it is.
fn absolute_if_path(routine: &String) -> Result<String> {
    if !catalog::is_path(routine) {
        return Ok(routine.clone());
    }
    let path = std::path::absolute(routine).map_err(|e| Error::io("find", Path::new(routine), &e))?;
    Ok(path.display().to_string())
}

/// The volume asked for, and, if `max_volume` is lower, what is played, so
/// a person who asked for 80 is not left wondering why it is quiet.
fn capped(volume: u8, max_volume: u8) -> String {
    if volume > max_volume { format!("{volume} (played at {max_volume}: max_volume)") } else { volume.to_string() }
}

/// The day's slots as the config file's `[slots]` would write them, in order.
fn describe(slots: &[Slot]) -> String {
    let window = |s: &Slot| {
        let end = s.end.map(|e| e.format("%H:%M").to_string()).unwrap_or_default();
        format!("{} {}-{end}", s.name, s.start.format("%H:%M"))
    };
    slots.iter().map(window).collect::<Vec<_>>().join(", ")
}
