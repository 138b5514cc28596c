//! Settings: a flag wins over the config file, the file over stretch's own
//! defaults, resolved once into [`Settings`], which every command that uses
//! settings receives. Each value remembers where it came from, for `stretch
//! config`, and the flags turn back into arguments for a scheduled entry.
//!
//! The config file is `<config dir>/config.toml`, or `--config FILE`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::journal::slots::Slot;

use crate::audio::sounds::SoundSet;
use crate::error::{Error, Result};
use crate::routine::{FileDuration, Routine, RoutineError, catalog, limits};
use crate::time::duration;
use crate::time::of_day::TimeOfDay;

/// The file name inside the config directory.
pub(crate) const FILE_NAME: &str = "config.toml";

/// When a new night begins when nothing sets it: sessions before 04:00
/// belong to the night before.
pub(crate) const DEFAULT_DAY_STARTS: TimeOfDay = TimeOfDay::new(4, 0);

/// When a cramp starts counting for the coming night when nothing sets it: a
/// cramp before noon woke you from the night before, whose sleep can run to
/// late morning, so sessions and cramps need different boundaries.
pub(crate) const DEFAULT_CRAMP_DAY_STARTS: TimeOfDay = TimeOfDay::new(12, 0);

/// How long a scheduled session's notification waits for "Done", "Snooze"
/// or "Skip" after the routine ends when nothing sets it: long enough to
/// finish a stretch away from the screen and come back to answer.
pub(crate) const DEFAULT_CONFIRM_WAIT: Duration = Duration::from_secs(15 * 60);

/// `confirm_wait` from nothing (no waiting after the routine) to half a day.
const CONFIRM_WAIT_RANGE: std::ops::RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(12 * 3600);

/// The volume when nothing sets one: gentle, for a bedroom at night.
pub(crate) const VOLUME: u8 = 40;

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
    /// The length of the getting-ready phase.
    pub prepare: Option<Duration>,
    /// What guides the person.
    pub sounds: Option<SoundSet>,
    /// Loudness, 0-100.
    pub volume: Option<u8>,
    /// A cap on loudness for every sound stretch plays, whatever asks for more.
    pub max_volume: Option<u8>,
    /// The sound server's output (sink) to play on, by name.
    pub device: Option<String>,
    /// The time of day at which one night ends and the next begins.
    pub day_starts: Option<TimeOfDay>,
    /// The time of day before which a cramp belongs to the night before.
    pub cramp_day_starts: Option<TimeOfDay>,
    /// The day's named windows (`[slots]`), by name.
    pub slots: Option<Vec<Slot>>,
    /// How long a scheduled session's notification waits for an answer after the routine.
    pub confirm_wait: Option<Duration>,
    /// Whose journal it is, for the top of `stretch report`'s page.
    pub name: Option<String>,
    /// Where `routine` is written (`file:line:col`), to point at it if it names no routine.
    routine_at: Option<String>,
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
    prepare: Option<Spanned<FileDuration>>,
    sounds: Option<SoundSet>,
    volume: Option<Spanned<i64>>,
    max_volume: Option<Spanned<i64>>,
    device: Option<Spanned<String>>,
    day_starts: Option<TimeOfDay>,
    cramp_day_starts: Option<TimeOfDay>,
    slots: Option<toml::Table>,
    confirm_wait: Option<Spanned<FileDuration>>,
    name: Option<String>,
}

/// The keys of the file, for "did you mean".
const KEYS: &[&str] = &[
    "routine",
    "reps",
    "hold",
    "rest",
    "prepare",
    "sounds",
    "volume",
    "max_volume",
    "device",
    "day_starts",
    "cramp_day_starts",
    "slots",
    "confirm_wait",
    "name",
];

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
        let mut config = parse(&path.display().to_string(), &text).map_err(|e| Error::usage(e.to_string()))?;
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

/// Parses and checks a config file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> std::result::Result<Config, RoutineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: FileConfig = toml::from_str(text).map_err(|e| explain(file, text, &e))?;
    let at = Place { file, text };
    if let Some(r) = raw.routine.as_ref().filter(|r| r.get_ref().trim().is_empty()) {
        return Err(at.error(r.span(), "routine must name a routine from `stretch routines`, or a file".into()));
    }
    Ok(Config {
        path: None,
        routine_at: raw.routine.as_ref().map(|r| {
            let (line, col) = crate::routine::line_col(text, r.span().start);
            format!("{file}:{line}:{col}")
        }),
        routine: raw.routine.map(Spanned::into_inner),
        reps: at.number(raw.reps, "reps", limits::REPS)?,
        hold: at.length(raw.hold, "hold", limits::HOLD)?,
        rest: at.length(raw.rest, "rest", limits::REST)?,
        prepare: at.length(raw.prepare, "prepare", limits::PREPARE)?,
        sounds: raw.sounds,
        volume: at.number(raw.volume, "volume", limits::VOLUME)?,
        max_volume: at.number(raw.max_volume, "max_volume", limits::VOLUME)?,
        device: match raw.device {
            Some(d) if d.get_ref().trim().is_empty() => {
                return Err(at.error(d.span(), "device must name an output; `stretch doctor` lists them".into()));
            }
            d => d.map(Spanned::into_inner),
        },
        day_starts: raw.day_starts,
        cramp_day_starts: raw.cramp_day_starts,
        slots: raw.slots.map(|table| slots(file, &table)).transpose()?,
        confirm_wait: at.length(raw.confirm_wait, "confirm_wait", CONFIRM_WAIT_RANGE)?,
        name: raw.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
    })
}

/// The `[slots]` table: `name = "06:00-11:00"` each, by name.
fn slots(file: &str, table: &toml::Table) -> std::result::Result<Vec<Slot>, RoutineError> {
    let bad = |message: String| RoutineError::at(file, "", None, message);
    table
        .iter()
        .map(|(name, window)| {
            let window =
                window.as_str().ok_or_else(|| bad(format!("slot {name} must be a window like \"06:00-11:00\"")))?;
            Slot::parse(name, window).map_err(bad)
        })
        .collect()
}

/// toml's error, located, with the fix for the two commonest slips: a
/// `[section]` (the file has none) and a misspelt key.
fn explain(file: &str, text: &str, e: &toml::de::Error) -> RoutineError {
    let mut error = RoutineError::from_toml(file, text, e);
    let key = e.span().map(|span| &text[span]).unwrap_or_default();
    if error.message.starts_with("sounds must be a word") {
        // toml cannot name the words when the value is not text at all.
        let names: Vec<&str> = <SoundSet as clap::ValueEnum>::value_variants().iter().map(|s| s.name()).collect();
        error.message = format!("sounds must be one of {} (got {key})", names.join(", "));
    } else if e.span().is_some_and(|span| text[..span.start].ends_with('[')) {
        error.message += "; the config file has no [sections]: write each key at the top";
    } else if error.message.starts_with("unknown key")
        && let Some(near) = KEYS.iter().find(|k| strsim_close(k, key))
    {
        error.message = format!("unknown key {key}; did you mean {near}? The keys are {}", KEYS.join(", "));
    }
    error
}

/// Whether two keys are one slip apart (a letter added, dropped, changed or
/// two swapped), as in `volum` for `volume` or `hodl` for `hold`.
fn strsim_close(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    let swapped = a.len() == b.len() && {
        let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        differ.len() == 2 && differ[1] == differ[0] + 1 && a[differ[0]] == b[differ[1]] && a[differ[1]] == b[differ[0]]
    };
    row[b.len()] <= 2.min(b.len() / 3 + 1) || swapped
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

/// The settings given as flags, already checked by the command line; `None`
/// when a flag is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `--routine`: a name, or a path to a routine file.
    pub routine: Option<String>,
    /// `--reps`.
    pub reps: Option<u32>,
    /// `--hold`.
    pub hold: Option<Duration>,
    /// `--rest`.
    pub rest: Option<Duration>,
    /// `--prepare`.
    pub prepare: Option<Duration>,
    /// `--sounds`.
    pub sounds: Option<SoundSet>,
    /// `--volume`.
    pub volume: Option<u8>,
    /// `--device`.
    pub device: Option<String>,
    /// `--slot`: the day's slot a run is for.
    pub slot: Option<String>,
    /// `--day-starts` (of `stretch log`).
    pub day_starts: Option<TimeOfDay>,
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

/// The settings in effect: flags over the config file over defaults. `reps`,
/// `hold`, `rest` and `prepare` are `None` when the routine's own values apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// The config file read, if any.
    pub file: Option<PathBuf>,
    /// The routine to run.
    pub routine: Setting<String>,
    /// Holds per routine.
    pub reps: Option<Setting<u32>>,
    /// The length of each hold.
    pub hold: Option<Setting<Duration>>,
    /// The length of each rest.
    pub rest: Option<Setting<Duration>>,
    /// The length of the getting-ready phase.
    pub prepare: Option<Setting<Duration>>,
    /// What guides the person.
    pub sounds: Setting<SoundSet>,
    /// Loudness, before the cap.
    pub volume: Setting<u8>,
    /// The cap on loudness (the config file's `max_volume`, else 100).
    pub max_volume: Setting<u8>,
    /// The output to play on; `None` for the sound server's default.
    pub device: Option<Setting<String>>,
    /// The day's slot this run is for (a flag only: it belongs to one run, or one scheduled entry).
    pub slot: Option<String>,
    /// When one night ends and the next begins.
    pub day_starts: Setting<TimeOfDay>,
    /// When cramps start counting for the coming night (the config file's `cramp_day_starts`).
    pub cramp_day_starts: Setting<TimeOfDay>,
    /// The day's slots: the config file's `[slots]`, else three times a day and bedtime.
    pub slots: Vec<Slot>,
    /// How long a scheduled session's notification waits for an answer after the routine.
    pub confirm_wait: Setting<Duration>,
    /// Whose journal it is (the config file's `name`), for the report.
    pub name: Option<Setting<String>>,
    /// Where a routine named by the config file is written, for errors.
    routine_at: Option<String>,
}

/// A flag's value if given, else the file's (read from `path`), with its layer.
fn layered<T>(flag: Option<(&'static str, T)>, in_file: Option<T>, path: &Path) -> Option<Setting<T>> {
    match (flag, in_file) {
        (Some((name, value)), _) => Some(Setting { value, layer: Layer::Flag(name) }),
        (None, in_file) => in_file.map(|value| Setting { value, layer: Layer::File(path.to_path_buf()) }),
    }
}

impl Settings {
    /// Resolves `flags` over `config` over the defaults.
    pub(crate) fn resolve(flags: &Flags, config: &Config) -> Settings {
        let path = config.path.clone().unwrap_or_default();
        let routine = layered(flags.routine.clone().map(|r| ("--routine", r)), config.routine.clone(), &path)
            .unwrap_or_else(|| Setting::default(catalog::DEFAULT.to_string()));
        Settings {
            file: config.path.clone(),
            routine_at: matches!(routine.layer, Layer::File(_)).then(|| config.routine_at.clone()).flatten(),
            routine,
            reps: layered(flags.reps.map(|v| ("--reps", v)), config.reps, &path),
            hold: layered(flags.hold.map(|v| ("--hold", v)), config.hold, &path),
            rest: layered(flags.rest.map(|v| ("--rest", v)), config.rest, &path),
            prepare: layered(flags.prepare.map(|v| ("--prepare", v)), config.prepare, &path),
            sounds: layered(flags.sounds.map(|v| ("--sounds", v)), config.sounds, &path)
                .unwrap_or_else(|| Setting::default(SoundSet::Voice)),
            volume: layered(flags.volume.map(|v| ("--volume", v)), config.volume, &path)
                .unwrap_or_else(|| Setting::default(VOLUME)),
            max_volume: layered(None, config.max_volume, &path).unwrap_or_else(|| Setting::default(100)),
            device: layered(flags.device.clone().map(|d| ("--device", d)), config.device.clone(), &path),
            slot: flags.slot.clone(),
            day_starts: layered(flags.day_starts.map(|v| ("--day-starts", v)), config.day_starts, &path)
                .unwrap_or_else(|| Setting::default(DEFAULT_DAY_STARTS)),
            cramp_day_starts: layered(None, config.cramp_day_starts, &path)
                .unwrap_or_else(|| Setting::default(DEFAULT_CRAMP_DAY_STARTS)),
            slots: config.slots.clone().unwrap_or_else(crate::journal::slots::defaults),
            confirm_wait: layered(None, config.confirm_wait, &path)
                .unwrap_or_else(|| Setting::default(DEFAULT_CONFIRM_WAIT)),
            name: layered(None, config.name.clone(), &path),
        }
    }

    /// The index of `--slot` among the day's slots (`None` without one), or a
    /// usage error listing them.
    pub(crate) fn slot_index(&self) -> Result<Option<usize>> {
        let Some(name) = &self.slot else { return Ok(None) };
        self.slots.iter().position(|s| s.name == *name).map(Some).ok_or_else(|| {
            let names: Vec<&str> = self.slots.iter().map(|s| s.name.as_str()).collect();
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

    /// `routine` with `reps`, `hold`, `rest` and `prepare` in place of its own, where set.
    pub(crate) fn apply(&self, mut routine: Routine) -> Routine {
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

    /// The settings given as flags, as the arguments of `stretch tonight`
    /// that give them again: what a scheduled entry passes. The config file
    /// is left out: the entry reads it when it runs. A routine file is named
    /// by its absolute path, as cron runs elsewhere.
    pub(crate) fn flag_args(&self) -> Result<Vec<String>> {
        let mut args = Vec::new();
        let mut push = |layer: &Layer, value: String| {
            if let Layer::Flag(flag) = layer {
                args.extend([flag.to_string(), value]);
            }
        };
        let routine = &self.routine;
        let routine_value = if catalog::is_path(&routine.value) && matches!(routine.layer, Layer::Flag(_)) {
            let path =
                std::path::absolute(&routine.value).map_err(|e| Error::io("find", Path::new(&routine.value), &e))?;
            path.display().to_string()
        } else {
            routine.value.clone()
        };
        push(&routine.layer, routine_value);
        if let Some(s) = &self.reps {
            push(&s.layer, s.value.to_string());
        }
        for setting in [&self.hold, &self.rest, &self.prepare].into_iter().flatten() {
            push(&setting.layer, duration::format(setting.value));
        }
        push(&self.sounds.layer, self.sounds.value.name().to_string());
        push(&self.volume.layer, self.volume.value.to_string());
        if let Some(device) = &self.device {
            push(&device.layer, device.value.clone());
        }
        if let Some(slot) = &self.slot {
            push(&Layer::Flag("--slot"), slot.clone());
        }
        Ok(args)
    }
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
        let text = "routine = \"wall-calf-single\"\nreps = 2\nhold = \"15s\"\nrest = 4\nprepare = \"1.5s\"\nsounds = \"chime\"\nvolume = 70\nday_starts = \"05:30\"\ncramp_day_starts = \"11:00\"\nconfirm_wait = \"5m\"\n";
        let c = parse("c.toml", text).unwrap();
        assert_eq!(c.routine.as_deref(), Some("wall-calf-single"));
        assert_eq!((c.reps, c.hold, c.rest), (Some(2), Some(secs(15)), Some(secs(4))));
        assert_eq!(c.prepare, Some(Duration::from_millis(1500)));
        assert_eq!((c.sounds, c.volume), (Some(SoundSet::Chime), Some(70)));
        assert_eq!(c.day_starts, Some(TimeOfDay::new(5, 30)));
        assert_eq!(c.cramp_day_starts, Some(TimeOfDay::new(11, 0)));
        assert_eq!(c.confirm_wait, Some(secs(300)));
    }

    #[test]
    fn every_documented_key_is_a_key() {
        for key in KEYS {
            let err = parse("c.toml", &format!("{key} = []\n")).unwrap_err().to_string();
            assert!(!err.contains("unknown key"), "{key}: {err}");
        }
    }

    #[test]
    fn the_day_boundary_may_be_a_bare_time_and_a_bom_is_fine() {
        assert_eq!(parse("c.toml", "day_starts = 05:15\n").unwrap().day_starts, Some(TimeOfDay::new(5, 15)));
        assert_eq!(parse("c.toml", "\u{feff}volume = 5\n").unwrap().volume, Some(5));
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        assert_eq!(parse("c.toml", "").unwrap(), Config::default());
    }

    #[test]
    fn mistakes_name_the_place_and_the_fix() {
        for (text, expected) in [
            ("reps = 3\nholds = \"10s\"\n", "c.toml:2:1: unknown key holds; did you mean hold? The keys are routine"),
            ("volum = 3\n", "c.toml:1:1: unknown key volum; did you mean volume?"),
            ("colour = 3\n", "c.toml:1:1: unknown key colour, expected one of"),
            ("volume = 150\n", "c.toml:1:10: volume must be between 0 and 100 (got 150)"),
            ("reps = -1\n", "c.toml:1:8: reps must be between 1 and 20 (got -1)"),
            ("hold = \"20m\"\n", "c.toml:1:8: hold must be between 100ms and 10m (got 20m)"),
            ("prepare = \"20m\"\n", "c.toml:1:11: prepare must be between 0s and 5m (got 20m)"),
            ("rest = \"5 s\"\n", "c.toml:1:8: invalid duration \"5 s\""),
            ("sounds = \"loud\"\n", "c.toml:1:10: sounds must be one of voice, chime, off (got loud)"),
            ("sounds = 1\n", "c.toml:1:10: sounds must be one of voice, chime, off (got 1)"),
            ("reps = \"2\"\n", "c.toml:1:8: reps must be a whole number, like 2 (got the text \"2\")"),
            ("reps = 2.5\n", "c.toml:1:8: reps must be a whole number (got 2.5)"),
            ("reps = 99999999999999999999\n", "c.toml:1:8: reps is too large (got 99999999999999999999)"),
            ("hold = 1.5\nrest = -2\n", "c.toml:2:8: rest must be a duration like"),
            ("day_starts = \"4 o'clock\"\n", "c.toml:1:14: invalid time \"4 o'clock\""),
            ("day_starts = 4\n", "c.toml:1:14: invalid time \"4\""),
            ("routine = \"\"\n", "c.toml:1:11: routine must name a routine"),
            ("hold = 5\n[tonight]\nreps = 2\n", "c.toml:2:2: unknown key tonight"),
            ("volume = \"loud\"\n", "c.toml:1:10: volume must be a whole number (got the text \"loud\")"),
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
        let config = from_file("hold = \"15s\"\nvolume = 70\nsounds = \"chime\"\nprepare = 0\n");
        let flags = Flags { volume: Some(10), rest: Some(secs(2)), ..Flags::default() };
        let s = Settings::resolve(&flags, &config);
        let file = Layer::File("c.toml".into());
        assert_eq!(s.routine, Setting { value: catalog::DEFAULT.into(), layer: Layer::Default });
        assert_eq!(s.hold, Some(Setting { value: secs(15), layer: file.clone() }));
        assert_eq!(s.prepare, Some(Setting { value: secs(0), layer: file.clone() }));
        assert_eq!(s.rest, Some(Setting { value: secs(2), layer: Layer::Flag("--rest") }));
        assert_eq!(s.reps, None, "the routine's own reps");
        assert_eq!(s.sounds, Setting { value: SoundSet::Chime, layer: file });
        assert_eq!(s.volume, Setting { value: 10, layer: Layer::Flag("--volume") });
        assert_eq!(s.day_starts, Setting { value: DEFAULT_DAY_STARTS, layer: Layer::Default });
        assert_eq!(s.cramp_day_starts, Setting { value: DEFAULT_CRAMP_DAY_STARTS, layer: Layer::Default });
    }

    #[test]
    fn a_device_from_the_file_or_a_flag_reaches_a_scheduled_entry_only_as_a_flag() {
        let s = Settings::resolve(&Flags::default(), &from_file("device = \"bedroom\"\n"));
        assert_eq!(s.device.as_ref().map(|d| d.value.as_str()), Some("bedroom"));
        assert_eq!(s.flag_args().unwrap(), Vec::<String>::new(), "the file is read when the entry runs");
        let s = Settings::resolve(&Flags { device: Some("usb".into()), ..Flags::default() }, &Config::default());
        assert_eq!(s.flag_args().unwrap(), ["--device", "usb"]);
        assert!(parse_err("device = \"\"\n").contains("device must name an output"));
    }

    #[test]
    fn a_decimal_number_of_seconds_is_a_duration() {
        assert_eq!(from_file("hold = 1.5\n").hold, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn max_volume_caps_every_loudness() {
        let s = Settings::resolve(
            &Flags { volume: Some(90), ..Flags::default() },
            &from_file(
                "max_volume = 30
",
            ),
        );
        assert_eq!((s.loudness(None), s.loudness(Some(25)), s.loudness(Some(60))), (30, 25, 30));
        let s = Settings::resolve(&Flags::default(), &Config::default());
        assert_eq!(s.loudness(None), VOLUME, "no cap without the key");
    }

    #[test]
    fn only_flags_become_arguments_of_a_scheduled_entry() {
        let config = from_file("hold = \"15s\"\nvolume = 70\n");
        let flags = Flags {
            reps: Some(2),
            rest: Some(Duration::from_millis(1500)),
            sounds: Some(SoundSet::Chime),
            ..Flags::default()
        };
        let args = Settings::resolve(&flags, &config).flag_args().unwrap();
        assert_eq!(args, ["--reps", "2", "--rest", "1.5s", "--sounds", "chime"]);
        let file = Flags { routine: Some("mine.toml".into()), ..Flags::default() };
        let args = Settings::resolve(&file, &Config::default()).flag_args().unwrap();
        assert_eq!(args, ["--routine".to_string(), std::path::absolute("mine.toml").unwrap().display().to_string()]);
    }

    #[test]
    fn settings_shape_the_routine() {
        let s = Settings::resolve(
            &Flags { hold: Some(secs(3)), ..Flags::default() },
            &from_file("reps = 2\nrest = \"0s\"\n"),
        );
        let routine = s.routine(None).unwrap();
        assert_eq!((routine.reps, routine.hold.length, routine.rest.length), (2, secs(3), Duration::ZERO));
    }

    #[test]
    fn an_unknown_routine_in_the_file_is_located_there() {
        let s = Settings::resolve(&Flags::default(), &from_file("\nroutine = \"nope\"\n"));
        let err = s.routine(None).unwrap_err();
        assert!(err.message.starts_with("c.toml:2:11: routine: no routine named \"nope\""), "{}", err.message);
        let flagged = Flags { routine: Some("nope".into()), ..Flags::default() };
        let err = Settings::resolve(&flagged, &from_file("routine = \"nope\"\n")).routine(None).unwrap_err();
        assert!(err.message.starts_with("no routine named"), "a flag's mistake is the flag's: {}", err.message);
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

    #[test]
    fn near_keys_are_one_slip_apart() {
        assert!(strsim_close("volume", "volum"));
        assert!(strsim_close("hold", "hodl"));
        assert!(strsim_close("day_starts", "day_start"));
        assert!(!strsim_close("reps", "colour"));
    }
}
