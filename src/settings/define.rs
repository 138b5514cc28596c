//! The machinery behind the table of settings in [`super`]: one macro that
//! turns each entry into its field in [`Flags`](super::Flags),
//! [`Config`](super::Config), the file's format, [`Settings`](super::Settings),
//! and its part in resolving, applying to a routine, the arguments of a
//! scheduled entry and the lines of `stretch config`. Nothing here names a
//! setting: the table does.

use std::path::Path;

use super::file::Place;
use super::{Layer, Setting};
use crate::error::Result;
use crate::routine::{Routine, RoutineError};

/// A setting as [`Settings`](super::Settings) keeps it: a value that always
/// has one (a default), or one that may be unset.
pub(crate) trait Kept<T> {
    /// The value and its layer, if set.
    fn kept(&self) -> Option<&Setting<T>>;
}

impl<T> Kept<T> for Setting<T> {
    fn kept(&self) -> Option<&Setting<T>> {
        Some(self)
    }
}

impl<T> Kept<T> for Option<Setting<T>> {
    fn kept(&self) -> Option<&Setting<T>> {
        self.as_ref()
    }
}

/// A flag's value if given, else the file's (read from `path`), with its layer.
pub(super) fn layered<T>(flag: Option<(&'static str, T)>, in_file: Option<T>, path: &Path) -> Option<Setting<T>> {
    match (flag, in_file) {
        (Some((name, value)), _) => Some(Setting { value, layer: Layer::Flag(name) }),
        (None, in_file) => in_file.map(|value| Setting { value, layer: Layer::File(path.to_path_buf()) }),
    }
}

/// Checks a value the file gives with the entry's `file:` check.
pub(super) fn check<'a, R, T>(
    at: &Place<'a>,
    key: &'static str,
    raw: Option<R>,
    check: impl FnOnce(&Place<'a>, &'static str, R) -> std::result::Result<T, RoutineError>,
) -> std::result::Result<Option<T>, RoutineError> {
    raw.map(|raw| check(at, key, raw)).transpose()
}

/// A value as text, by the entry's `text:`.
pub(super) fn text<T>(value: &T, text: impl FnOnce(&T) -> String) -> String {
    text(value)
}

/// A value as a scheduled entry's argument, by the entry's `arg:`.
pub(super) fn arg<T>(value: &T, arg: impl FnOnce(&T) -> Result<String>) -> Result<String> {
    arg(value)
}

/// A value as `stretch config` shows it, by the entry's `show:`.
pub(super) fn show<S, T>(settings: &S, value: &T, show: impl FnOnce(&S, &T) -> String) -> String {
    show(settings, value)
}

/// The routine's own value of a setting, by the entry's `routine:`.
pub(super) fn of_routine<T>(routine: &mut Routine, field: impl FnOnce(&mut Routine) -> &mut T) -> &mut T {
    field(routine)
}

/// The type a setting is kept as: with a default, always set.
macro_rules! kept {
    ($t:ty) => { Option<$crate::settings::Setting<$t>> };
    ($t:ty, $default:expr) => { $crate::settings::Setting<$t> };
}

/// A layered value, falling back to the default if the entry has one.
macro_rules! fallback {
    ($found:expr) => {
        $found
    };
    ($found:expr, $default:expr) => {
        $found.unwrap_or_else(|| $crate::settings::Setting::default($default))
    };
}

/// The flag's value with its name, if the entry has a flag.
macro_rules! flag_of {
    ($flags:expr, $name:ident) => {
        None
    };
    ($flags:expr, $name:ident, $flag:literal) => {
        $flags.$name.clone().map(|value| ($flag, value))
    };
}

/// The file's checked value, if the entry has a `file:` (the raw type is only a witness).
macro_rules! in_file {
    ($config:expr, $name:ident) => {
        None
    };
    ($config:expr, $name:ident, $raw:ty) => {
        $config.$name.clone()
    };
}

/// The type a checked file value is kept as in `Config` (the raw type is only a witness).
macro_rules! checked {
    ($t:ty, $raw:ty) => { Option<$t> };
}

/// A key of the file (the raw type is only a witness).
macro_rules! key {
    ($name:ident, $raw:ty) => {
        stringify!($name)
    };
}

/// How `stretch config` shows a value: `show:` if the entry has one, else `text:`.
macro_rules! shown {
    ($settings:expr, $value:expr, $text:expr) => {
        $crate::settings::define::text($value, $text)
    };
    ($settings:expr, $value:expr, $text:expr, $show:expr) => {
        $crate::settings::define::show($settings, $value, $show)
    };
}

/// A flag's value as an argument: `arg:` if the entry has one, else `text:`.
macro_rules! as_arg {
    ($value:expr, $text:expr) => {
        Ok::<String, $crate::error::Error>($crate::settings::define::text($value, $text))
    };
    ($value:expr, $text:expr, $arg:expr) => {
        $crate::settings::define::arg($value, $arg)
    };
}

/// What `stretch config` shows for an unset value: the routine's own, or `-`.
macro_rules! unset {
    ($routine:expr, $text:expr) => {
        $crate::settings::Setting { value: "-".to_string(), layer: $crate::settings::Layer::Default }
    };
    ($routine:expr, $text:expr, $field:expr) => {
        $crate::settings::Setting {
            value: $crate::settings::define::text(
                $crate::settings::define::of_routine(&mut $routine.clone(), $field),
                $text,
            ),
            layer: $crate::settings::Layer::Routine,
        }
    };
}

/// Adds a flag's value as a scheduled entry's arguments: `arg:` if the
/// entry has one, else `text:`; nothing for a setting without a flag.
macro_rules! push_arg {
    ($settings:expr, $args:expr, $name:ident, $text:expr, [], [$($arg:expr)?]) => {};
    ($settings:expr, $args:expr, $name:ident, $text:expr, [$flag:literal], [$($arg:expr)?]) => {
        if let Some(setting) = $crate::settings::define::Kept::kept(&$settings.$name)
            && let $crate::settings::Layer::Flag(flag) = setting.layer
        {
            debug_assert_eq!(flag, $flag);
            $args.extend([flag.to_string(), $crate::settings::define::as_arg!(&setting.value, $text $(, $arg)?)?]);
        }
    };
}

/// Adds the line of `stretch config` for a setting the file can hold;
/// nothing for one it cannot.
macro_rules! row {
    ($settings:expr, $rows:expr, $routine:expr, $name:ident, $text:expr, [], [$($show:expr)?], [$($field:expr)?]) => {};
    ($settings:expr, $rows:expr, $routine:expr, $name:ident, $text:expr, [$raw:ty], [$($show:expr)?], [$($field:expr)?]) => {
        $rows.push((
            stringify!($name),
            match $crate::settings::define::Kept::kept(&$settings.$name) {
                Some(setting) => $crate::settings::Setting {
                    value: $crate::settings::define::shown!($settings, &setting.value, $text $(, $show)?),
                    layer: setting.layer.clone(),
                },
                None => $crate::settings::define::unset!($routine, $text $(, $field)?),
            },
        ));
    };
}

/// Adds a setting's example to a config file, if it is a key of the file.
#[cfg(test)]
macro_rules! example_line {
    ($text:expr, $name:ident, $file:literal, []) => {};
    ($text:expr, $name:ident, $file:literal, [$raw:ty]) => {
        $text += concat!(stringify!($name), " = ", $file, "\n");
    };
}

/// Declares every setting from one table; see the module docs of [`super`].
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $t:ty {
            $(flag: $flag:literal,)?
            $(file: $raw:ty => $check:expr,)?
            $(default: $default:expr,)?
            $(routine: $field:expr,)?
            text: $text:expr,
            $(arg: $arg:expr,)?
            $(show: $show:expr,)?
            example: $example:expr => $example_file:literal,
        }
    )*) => {
        /// The settings given as flags, already checked by the command line;
        /// `None` when a flag is absent.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Flags {$($(
            #[doc = concat!("`", $flag, "`.")]
            pub $name: Option<$t>,
        )?)*}

        /// The config file, read and checked. Each field is `None` when the
        /// file does not set it (or there is no file).
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Config {
            /// The file these settings came from, if one was read.
            pub path: Option<::std::path::PathBuf>,
            /// Where `routine` is written (`file:line:col`), to point at it if it names no routine.
            routine_at: Option<String>,
            $($(
                #[doc = concat!("`", stringify!($name), "` as the file gives it.")]
                pub $name: $crate::settings::define::checked!($t, $raw),
            )?)*
        }

        /// The file's format, each value as written, before its check.
        #[derive(Debug, Default, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FileConfig {$($(
            $name: Option<$raw>,
        )?)*}

        /// The keys of the file, in the table's order.
        pub(crate) const KEYS: &[&str] = &[$($($crate::settings::define::key!($name, $raw),)?)*];

        /// Every flag a setting has, in the table's order.
        #[cfg(test)]
        pub(crate) const FLAGS: &[&str] = &[$($($flag,)?)*];

        #[cfg(test)]
        impl Flags {
            /// Every flag given, each with its entry's example.
            pub(crate) fn example() -> Flags {
                Flags {$($($name: Some({ let _: &str = $flag; $example }),)?)*}
            }
        }

        /// A config file that sets every key to its entry's example.
        #[cfg(test)]
        pub(crate) fn example_file() -> String {
            let mut text = String::new();
            $(
                $crate::settings::define::example_line!(text, $name, $example_file, [$($raw)?]);
            )*
            text
        }

        /// Each setting's example, as its `text:` writes it, by name.
        #[cfg(test)]
        pub(crate) fn example_texts() -> Vec<(&'static str, String)> {
            vec![$((stringify!($name), $crate::settings::define::text::<$t>(&$example, $text)),)*]
        }

        impl FileConfig {
            /// Takes each value `other` gives.
            fn merge(&mut self, other: FileConfig) {
                $($(
                    if let Some(value) = other.$name {
                        let _: &Option<$raw> = &self.$name;
                        self.$name = Some(value);
                    }
                )?)*
            }
        }

        /// Checks each value of the file, in the table's order, collecting
        /// every mistake into `mistakes`.
        fn check_file(at: &Place<'_>, raw: FileConfig, mistakes: &mut Vec<RoutineError>) -> Config {
            Config {
                path: None,
                routine_at: None,
                $($(
                    $name: $crate::settings::define::check::<$raw, $t>(at, stringify!($name), raw.$name, $check)
                        .unwrap_or_else(|mistake| {
                            mistakes.push(mistake);
                            None
                        }),
                )?)*
            }
        }

        /// The settings in effect: flags over the config file over defaults.
        /// A setting without a default is `None` when nothing sets it (for
        /// `reps`, `hold`, `rest` and `prepare`: the routine's own values apply).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) struct Settings {
            /// The config file read, if any.
            pub file: Option<::std::path::PathBuf>,
            /// Where a routine named by the config file is written, for errors.
            routine_at: Option<String>,
            $(
                $(#[doc = $doc])*
                pub $name: $crate::settings::define::kept!($t $(, $default)?),
            )*
        }

        impl Settings {
            /// Resolves `flags` over `config` over the defaults.
            pub(crate) fn resolve(flags: &Flags, config: &Config) -> Settings {
                let path = config.path.clone().unwrap_or_default();
                let mut settings = Settings {
                    file: config.path.clone(),
                    routine_at: None,
                    $(
                        $name: $crate::settings::define::fallback!(
                            $crate::settings::define::layered(
                                $crate::settings::define::flag_of!(flags, $name $(, $flag)?),
                                $crate::settings::define::in_file!(config, $name $(, $raw)?),
                                &path,
                            )
                            $(, $default)?
                        ),
                    )*
                };
                if matches!(settings.routine.layer, Layer::File(_)) {
                    settings.routine_at = config.routine_at.clone();
                }
                settings
            }

            /// `routine` with each setting that has a `routine:` field in place of its own, where set.
            pub(crate) fn apply(&self, mut routine: Routine) -> Routine {
                $($(
                    if let Some(setting) = $crate::settings::define::Kept::kept(&self.$name) {
                        *$crate::settings::define::of_routine(&mut routine, $field) = setting.value.clone();
                    }
                )?)*
                routine
            }

            /// The settings given as flags, as the arguments of `stretch tonight`
            /// that give them again: what a scheduled entry passes. The config file
            /// is left out: the entry reads it when it runs.
            pub(crate) fn flag_args(&self) -> Result<Vec<String>> {
                let mut args = Vec::new();
                $(
                    $crate::settings::define::push_arg!(self, args, $name, $text, [$($flag)?], [$($arg)?]);
                )*
                Ok(args)
            }

            /// Each setting the config file can hold, by its key, as text with
            /// where it came from (the routine's own value for one left to the
            /// routine), in the table's order: what `stretch config` shows.
            // One push per entry of the table that the file can hold.
            #[allow(clippy::vec_init_then_push)]
            pub(crate) fn rows(&self, routine: &Routine) -> Vec<(&'static str, Setting<String>)> {
                let mut rows = Vec::new();
                $(
                    $crate::settings::define::row!(
                        self, rows, routine, $name, $text, [$($raw)?], [$($show)?], [$($field)?]
                    );
                )*
                rows
            }
        }
    };
}

#[cfg(test)]
pub(crate) use example_line;
pub(crate) use {as_arg, checked, fallback, flag_of, in_file, kept, key, push_arg, row, settings, shown, unset};
