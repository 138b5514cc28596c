//! `stretch cramp`: record a cramp in seconds, half asleep, and optionally be
//! guided through relief by the quiet `cramp-relief` routine.

use std::io::IsTerminal;

use crate::cli::CrampArgs;
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::{self, Cramp, Leg, Record, SCHEMA};
use crate::paths::Paths;
use crate::routine::catalog;
use crate::session::timeline;
use crate::session::{self, Request};
use crate::settings::{Config, Layer, Settings};
use crate::term::prompt::{self, Choice};

/// The routine that guides relief.
pub const RELIEF: &str = "cramp-relief";

/// The relief's loudness unless `--volume` says otherwise: quiet, as others
/// may be asleep (the config file's volume is for the bedtime routine).
pub const RELIEF_VOLUME: u8 = 25;

/// Records the cramp, then runs the relief routine if asked; returns the exit code.
pub fn run(args: &CrampArgs, settings: &Settings, paths: &Paths, env: &Env) -> Result<u8> {
    // Check everything the relief needs before asking anything, so a mistake
    // never comes after the person has answered.
    let relief = catalog::resolve(RELIEF, paths.routine_dir().as_deref())?.0;
    // Only the timing flags shape relief: the file's timing is the bedtime routine's.
    let relief = timeline::build(&Settings::resolve(&args.timing.flags(), &Config::default()).apply(relief));
    let now = env.now()?;
    let at = match args.at {
        Some(at) => at.resolve(&now).map_err(|e| Error::usage(format!("--at: {e}")))?,
        None => now,
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let ask = interactive && !args.relieve && args.leg.is_none() && args.severity.is_none() && args.note.is_none();
    let cramp = Cramp {
        v: SCHEMA,
        id: journal::new_id(),
        at,
        leg: match args.leg {
            Some(leg) => leg,
            None if ask => ask_leg()?,
            None => Leg::Both,
        },
        severity: match args.severity {
            Some(s) => s,
            None if ask => ask_severity()?,
            None => 3,
        },
        note: args.note.clone(),
    };
    let journal_path = paths.journal();
    paths.create_data_dir()?;
    journal::append(&journal_path, &[Record::Cramp(cramp.clone())])?;
    crate::outln!(
        "Recorded a cramp ({}, severity {}) in {}",
        leg_words(cramp.leg),
        cramp.severity,
        journal_path.display()
    );
    let relieve = args.relieve || (ask && ask_relief()?);
    if !relieve {
        return Ok(code::OK);
    }
    let request = Request {
        timeline: relief,
        sounds: settings.sounds.value,
        volume: match settings.volume.layer {
            Layer::Flag(_) => settings.volume.value,
            _ => RELIEF_VOLUME,
        },
        device: None,
        json: false,
        log: true,
        cramp: Some(cramp.id),
        source: journal::Source::Terminal,
    };
    session::perform(&request, paths, env)
}

fn leg_words(leg: Leg) -> &'static str {
    match leg {
        Leg::Left => "left leg",
        Leg::Right => "right leg",
        Leg::Both => "both legs",
    }
}

fn ask_leg() -> Result<Leg> {
    let choices = [
        Choice { key: 'l', value: Leg::Left },
        Choice { key: 'r', value: Leg::Right },
        Choice { key: 'b', value: Leg::Both },
    ];
    prompt::ask("Which leg? [l]eft, [r]ight, [b]oth (Enter: both)", &choices, Leg::Both)
}

fn ask_severity() -> Result<u8> {
    let choices: Vec<Choice<u8>> = (1..=5u8).map(|n| Choice { key: char::from(b'0' + n), value: n }).collect();
    prompt::ask("How bad, from 1 (mild) to 5 (worst)? (Enter: 3)", &choices, 3)
}

/// Asked after the cramp is recorded, so cancelling here only declines relief.
fn ask_relief() -> Result<bool> {
    let choices = [Choice { key: 'y', value: true }, Choice { key: 'n', value: false }];
    Ok(prompt::ask("Guide you through relief now? [y/N]", &choices, false).unwrap_or(false))
}
