//! The config file: its text read, each value checked against its limits,
//! and each mistake located (`file:line:col`) with its fix. Which keys
//! exist and how each is checked is the table's, in [`super`].

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeString, DeTable};

use super::{Config, FileConfig, KEYS, check_file};
use crate::audio::sounds::SoundSet;
use crate::journal::slots::Slot;
use crate::routine::{FileDuration, RoutineError, limits};
use crate::time::duration;

/// Every mistake in a config file, in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistakes(pub Vec<RoutineError>);

impl fmt::Display for Mistakes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl Mistakes {
    /// The mistakes in the order of the file; one without a place last.
    fn in_file_order(mut mistakes: Vec<RoutineError>) -> Self {
        mistakes.sort_by_key(|m| m.at.unwrap_or((usize::MAX, usize::MAX)));
        Mistakes(mistakes)
    }
}

/// Parses and checks a config file's text; `file` names it in errors. Every
/// mistake is reported, not only the first: a person fixes them in one go.
pub fn parse(file: &str, text: &str) -> std::result::Result<Config, Mistakes> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (document, syntax) = DeTable::parse_recoverable(text);
    let mut mistakes: Vec<RoutineError> = syntax.iter().map(|e| explain(file, text, e)).collect();
    if syntax.iter().any(|e| !e.message().starts_with("duplicate key")) {
        // What follows a slip of syntax cannot be trusted to mean anything;
        // a key set twice is no such slip, so the rest is still checked.
        return Err(Mistakes::in_file_order(mistakes));
    }
    let mut raw = FileConfig::default();
    for (key, value) in document.into_inner() {
        if !KEYS.contains(&key.get_ref().as_ref()) {
            mistakes.push(unknown(file, text, &key));
            continue;
        }
        // One key at a time, so that one wrong value does not hide the next.
        let mut one = DeTable::new();
        one.insert(key, value);
        match FileConfig::deserialize(Spanned::new(0..text.len(), one).into_deserializer()) {
            Ok(part) => raw.merge(part),
            Err(e) => mistakes.push(explain(file, text, &e)),
        }
    }
    let routine_at = raw.routine.as_ref().map(|r| {
        let (line, col) = crate::routine::line_col(text, r.span().start);
        format!("{file}:{line}:{col}")
    });
    let config = check_file(&Place { file, text }, raw, &mut mistakes);
    if !mistakes.is_empty() {
        return Err(Mistakes::in_file_order(mistakes));
    }
    Ok(Config { routine_at, ..config })
}

/// A key the file cannot hold, with the likeliest fix: the file has no
/// `[section]`, or the key is one slip from a real one.
fn unknown(file: &str, text: &str, key: &Spanned<DeString<'_>>) -> RoutineError {
    let name = key.get_ref();
    let message = if text[..key.span().start].trim_end().ends_with('[') {
        format!("unknown key {name}; the config file has no [sections]: write each key at the top")
    } else if let Some(near) = KEYS.iter().find(|k| strsim_close(k, name)) {
        format!("unknown key {name}; did you mean {near}? The keys are {}", KEYS.join(", "))
    } else {
        format!("unknown key {name}, expected one of {}", KEYS.join(", "))
    };
    RoutineError::at(file, text, Some(key.span()), message)
}

/// toml's error, located, in plain words: a value toml cannot read as
/// sounds, or a key written twice, named.
fn explain(file: &str, text: &str, e: &toml::de::Error) -> RoutineError {
    let mut error = RoutineError::from_toml(file, text, e);
    let got = e.span().and_then(|span| text.get(span)).unwrap_or_default();
    if error.message.starts_with("sounds must be a word") {
        // toml cannot name the words when the value is not text at all.
        let names: Vec<&str> = <SoundSet as clap::ValueEnum>::value_variants().iter().map(|s| s.name()).collect();
        error.message = format!("sounds must be one of {} (got {got})", names.join(", "));
    } else if error.message.starts_with("duplicate key") {
        let key = got.trim().trim_matches('"');
        error.message = format!("{key} is set twice; keep one line for it");
    }
    error
}

/// Whether two keys are one slip apart (a letter added, dropped, changed or
/// two swapped), as in `volum` for `volume` or `hodl` for `hold`.
pub(super) fn strsim_close(a: &str, b: &str) -> bool {
    strsim::osa_distance(a, b) <= 2.min(b.chars().count() / 3 + 1)
}

/// Checks values against their limits, pointing at them in the file.
pub(super) struct Place<'a> {
    file: &'a str,
    text: &'a str,
}

impl Place<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: String) -> RoutineError {
        RoutineError::at(self.file, self.text, Some(span), message)
    }

    /// A value the file's format has already checked.
    pub(super) fn plain<T>(&self, _key: &str, value: T) -> std::result::Result<T, RoutineError> {
        Ok(value)
    }

    /// A whole number within `range`, read wide so that a value out of range
    /// is reported with its limits, not as a type error.
    pub(super) fn number<T: Copy + Into<i64> + TryFrom<i64>>(
        &self,
        key: &str,
        value: Spanned<i64>,
        range: std::ops::RangeInclusive<T>,
    ) -> std::result::Result<T, RoutineError> {
        let wide = (*range.start()).into()..=(*range.end()).into();
        let n =
            limits::within(key, *value.get_ref(), &wide, |n| n.to_string()).map_err(|e| self.error(value.span(), e))?;
        T::try_from(n).map_err(|_| self.error(value.span(), format!("{key} is out of range (got {n})")))
    }

    /// A length within `range`.
    pub(super) fn length(
        &self,
        key: &str,
        value: Spanned<FileDuration>,
        range: std::ops::RangeInclusive<Duration>,
    ) -> std::result::Result<Duration, RoutineError> {
        limits::within(key, value.get_ref().0, &range, duration::format).map_err(|e| self.error(value.span(), e))
    }

    /// Text that must not be blank; `fix` says what it should name.
    pub(super) fn named(
        &self,
        key: &str,
        value: Spanned<String>,
        fix: &str,
    ) -> std::result::Result<String, RoutineError> {
        if value.get_ref().trim().is_empty() {
            return Err(self.error(value.span(), format!("{key} must {fix}")));
        }
        Ok(value.into_inner())
    }

    /// The `[slots]` table: `name = "06:00-11:00"` each, by name.
    pub(super) fn slots(&self, _key: &str, table: toml::Table) -> std::result::Result<Vec<Slot>, RoutineError> {
        let bad = |message: String| RoutineError::at(self.file, "", None, message);
        table
            .iter()
            .map(|(name, window)| {
                let window =
                    window.as_str().ok_or_else(|| bad(format!("slot {name} must be a window like \"06:00-11:00\"")))?;
                Slot::parse(name, window).map_err(bad)
            })
            .collect()
    }
}
