//! The config file: its text read, each value checked against its limits,
//! and each mistake located (`file:line:col`) with its fix. Which keys
//! exist and how each is checked is the table's, in [`super`].

use std::time::Duration;

use toml::Spanned;

use super::{Config, FileConfig, KEYS, check_file};
use crate::audio::sounds::SoundSet;
use crate::journal::slots::Slot;
use crate::routine::{FileDuration, RoutineError, limits};
use crate::time::duration;

/// Parses and checks a config file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> std::result::Result<Config, RoutineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: FileConfig = toml::from_str(text).map_err(|e| explain(file, text, &e))?;
    let routine_at = raw.routine.as_ref().map(|r| {
        let (line, col) = crate::routine::line_col(text, r.span().start);
        format!("{file}:{line}:{col}")
    });
    Ok(Config { routine_at, ..check_file(&Place { file, text }, raw)? })
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
pub(super) fn strsim_close(a: &str, b: &str) -> bool {
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
