//! stretch: a guided bedtime calf stretch.
//!
//! A routine file compiles into a [`routine::timeline::Timeline`]; the audio track, the
//! runner, the display and the journal record are all derived from it. `main`
//! only calls [`run`].

mod audio;
mod cli;
mod clock;
mod cmd;
mod env;
mod error;
mod files;
mod journal;
mod paths;
mod report;
mod routine;
mod schedule;
mod session;
mod settings;
mod term;
mod time;
mod visible;

pub use env::Env;

/// The parsers and the journal's reading, for the benchmarks, the property
/// tests and the journal generator: not an interface for other programs.
#[doc(hidden)]
pub mod api {
    pub use crate::cli::{Cli, Command, LogArgs};
    pub use crate::cmd::log::view_of;
    pub use crate::journal::{AudioUsed, Record, SCHEMA, Session, Source, parse};
    pub use crate::routine::catalog::list as routines;
    pub use crate::routine::parse as parse_routine;
    pub use crate::schedule::{CrontabText, Days};
    pub use crate::settings::parse as parse_config;
    pub use crate::time::duration::{format_rounded, parse as parse_duration};
    pub use crate::time::of_day::TimeOfDay;
}

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::{Result, code};
use crate::paths::Paths;
use crate::settings::{Config, Flags, Settings};

/// Parses `args`, runs the command, prints any error once, and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>, env: &Env) -> u8 {
    term::mode::restore_on_panic();
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            if let Some(text) = foreign_flag(&e, &args) {
                crate::errprint!("stretch: {text}");
                return code::USAGE;
            }
            // One voice for every error: clap's start like stretch's own.
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
            let tip = stray_word_tip(&e).map(|tip| format!("\n  tip: {tip}")).unwrap_or_default();
            crate::errprint!("stretch: {first}{tip}\n{rest}");
            return code::USAGE;
        }
        Err(e) => {
            // --help and --version follow the one stdout policy: a full disk is an error.
            let styled = e.render();
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout());
            if color {
                term::output::painted(&styled.ansi().to_string());
            } else {
                term::output::text(&styled.to_string());
            }
            return term::output::finish(code::OK);
        }
    };
    let exit = match dispatch(&cli, env) {
        Ok(exit) => exit,
        Err(e) => {
            term::mode::restore();
            crate::errln!("stretch: {e}");
            e.code
        }
    };
    term::output::finish(exit)
}

/// For a word given without its flag (`stretch tonight 3`), the flag it
/// probably meant.
fn stray_word_tip(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidArg) else { return None };
    let flag = if word.starts_with('-') {
        return None;
    } else if word.parse::<u32>().is_ok_and(|n| (1..=20).contains(&n)) {
        "--reps"
    } else if time::duration::parse(word).is_ok() {
        "--hold"
    } else if routine::catalog::is_path(word) || routine::catalog::resolve(word, None).is_ok() {
        "--routine"
    } else {
        return None;
    };
    Some(format!("did you mean {flag} {word}?"))
}

/// For a flag that another command has (`stretch cramp --json`), a refusal
/// that says this command has no such flag and which ones do, instead of
/// clap's guess at a similar-looking flag of this command.
fn foreign_flag(e: &clap::Error, args: &[OsString]) -> Option<String> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidArg) else { return None };
    let long = word.strip_prefix("--")?.split('=').next()?;
    let root = Cli::command();
    let mut typed = &root;
    let mut name = vec!["stretch".to_string()];
    for arg in args.iter().skip(1).filter_map(|a| a.to_str()) {
        if let Some(sub) = typed.find_subcommand(arg) {
            name.push(sub.get_name().to_string());
            typed = sub;
        }
    }
    let mut owners = Vec::new();
    let mut stack: Vec<(String, &clap::Command)> = vec![("stretch".to_string(), &root)];
    while let Some((path, command)) = stack.pop() {
        if command.get_arguments().any(|a| a.get_long() == Some(long) && !a.is_hide_set()) {
            owners.push(path.clone());
        }
        stack.extend(command.get_subcommands().map(|sub| (format!("{path} {}", sub.get_name()), sub)));
    }
    if owners.is_empty() {
        return None;
    }
    owners.sort();
    let name = name.join(" ");
    Some(format!(
        "`{name}` has no --{long} option (it belongs to {})\n\nFor its options, try '{name} --help'.\n",
        owners.join(", ")
    ))
}

fn dispatch(cli: &Cli, env: &Env) -> Result<u8> {
    if let Some(problem) = env.tz_problem() {
        return Err(error::Error::usage(problem));
    }
    // The command's own --data-dir and --config win over those before it.
    let place = cli.command.place().map_or_else(|| cli::Place::default().or(&cli.place), |own| own.or(&cli.place));
    let paths = Paths { config_flag: place.config.clone(), ..Paths::resolve(place.data_dir.as_deref(), env)? };
    // Only the commands that use settings read the config file, so a mistake
    // in it never stands in the way of completions or the manual.
    let config = || Config::load(paths.config_flag.as_deref(), paths.config_file().as_deref());
    let settings = |flags: Flags| config().map(|c| Settings::resolve(&flags, &c));
    match &cli.command {
        Command::Tonight(args) => cmd::tonight::logged(args, &paths, env, || {
            cmd::tonight::run(args, &settings(args.settings.flags())?, cli.color, &paths, env)
        }),
        Command::Routines => cmd::routines::run(&paths).map(|()| code::OK),
        Command::Log(args) => cmd::log::run(args, settings, cli.color, &paths, env),
        Command::Schedule(args) => cmd::schedule::run(&args.action, settings, &paths, env),
        Command::Doctor(_) => cmd::doctor::run(config(), &paths, env),
        Command::Cramp(args) => {
            // A cramp is recorded whatever the config file says: a mistake in
            // it costs the file's settings, never the record.
            let config = config().unwrap_or_else(|e| {
                crate::errln!("stretch: warning: {e}; the config file is ignored for this cramp");
                Config::default()
            });
            cmd::cramp::run(args, &Settings::resolve(&args.flags(), &config), cli.color, &paths, env)
        }
        Command::Report(args) => {
            let flags = Flags { day_starts: args.day_starts, ..Flags::default() };
            cmd::report::run(args, &settings(flags)?, &paths, env)
        }
        Command::Config(args) => cmd::config::run(&settings(args.settings.flags())?, &paths),
        Command::Completions { shell } => cmd::completions::run(*shell),
        Command::Complete { what } => cmd::completions::candidates(*what, &paths, env),
        Command::Man { command, dir: None } => cmd::man::run(command),
        Command::Man { dir: Some(dir), .. } => cmd::man::write_all(dir),
    }
}
