//! `stretch cramp`: record a cramp in seconds, half asleep, and optionally be
//! guided through relief by the quiet `cramp-relief` routine.

use std::io::IsTerminal;

use crate::cli::CrampArgs;
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::nights::cramp_night_of;
use crate::journal::{self, Cramp, Leg, Record, SCHEMA};
use crate::paths::Paths;
use crate::routine::catalog;
use crate::routine::timeline;
use crate::session::{self, Request};
use crate::settings::{Config, Layer, Settings};
use crate::term::look::ColorChoice;
use crate::term::prompt::{self, Choice};

/// A cramp this recent may still be going on, so relief is offered for it.
const HAPPENING_MINUTES: i64 = 15;

/// The routine that guides relief.
pub(crate) const RELIEF: &str = "cramp-relief";

/// The relief's loudness unless `--volume` says otherwise: quiet, as others
/// may be asleep (the config file's volume is for the bedtime routine).
pub(crate) const RELIEF_VOLUME: u8 = 25;

/// Records the cramp, then runs the relief routine if asked; returns the exit code.
pub(crate) fn run(args: &CrampArgs, settings: &Settings, color: ColorChoice, paths: &Paths, env: &Env) -> Result<u8> {
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
    if !interactive {
        // Piped answers (`echo r | stretch cramp`) would otherwise vanish
        // behind the defaults without a word.
        let defaults: Vec<&str> = [(args.leg.is_none(), "both legs"), (args.severity.is_none(), "severity 3")]
            .into_iter()
            .filter_map(|(unset, word)| unset.then_some(word))
            .collect();
        if !defaults.is_empty() {
            crate::errln!(
                "stretch: not a terminal, so nothing was asked and stdin was not read; recording {} \
                 (give --leg and --severity to say otherwise)",
                defaults.join(", ")
            );
        }
    }
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
        lasted_ms: match args.lasted {
            Some(d) => Some(d),
            None if ask => ask_lasted()?,
            None => None,
        }
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        // Asked last, after the one-key questions (fields are evaluated in this order).
        note: match &args.note {
            Some(note) => Some(note.clone()),
            None if ask => ask_note()?,
            None => None,
        },
    };
    let journal_path = paths.journal();
    let record = Record::Cramp(cramp.clone());
    // A cramp that could not be stored is printed whole, and relief is still
    // offered: the leg hurts whether or not the disk is full.
    let stored = paths.create_data_dir().and_then(|_| journal::append(&journal_path, std::slice::from_ref(&record)));
    let stored = stored.inspect_err(|e| {
        crate::errln!("stretch: {e}");
        crate::errln!(
            "stretch: this cramp was not saved; its record is:\n{}",
            crate::visible::visible_json(&record.to_line())
        );
    });
    if stored.is_ok() {
        let night = cramp_night_of(&cramp.at, settings.cramp_day_starts.value.naive());
        crate::term::output::line(&format!(
            "Recorded a cramp ({}, severity {}{}) at {}, for the night of {night}, in {}",
            cramp.leg.words(),
            cramp.severity,
            cramp.lasted_ms.map_or_else(String::new, |ms| format!(
                ", lasted {}",
                crate::time::duration::format(std::time::Duration::from_millis(ms))
            )),
            cramp.at.format("%Y-%m-%d %H:%M"),
            journal_path.display()
        ));
    }
    let failed = if stored.is_ok() { code::OK } else { code::FAILURE };
    // Relief is offered only while the cramp may still be going on: one
    // recorded afterwards (`--at 05:40` at breakfast) is history.
    let happening = now.signed_duration_since(cramp.at) <= chrono::TimeDelta::minutes(HAPPENING_MINUTES);
    let relieve = args.relieve || (ask && happening && ask_relief()?);
    if !relieve {
        return Ok(failed);
    }
    let steps = crate::term::words::count(relief.reps, "step");
    let length = crate::time::duration::format_rounded(relief.length());
    crate::term::output::line(&format!(
        "Relief for the cramp in {}: {steps}, {length} in all.",
        match cramp.leg {
            Leg::Both => "both legs".to_string(),
            leg => format!("your {}", leg.words()),
        }
    ));
    let request = Request {
        timeline: relief,
        sounds: settings.sounds.value,
        volume: settings.loudness(match settings.volume.layer {
            Layer::Flag(_) => None,
            _ => Some(RELIEF_VOLUME),
        }),
        device: settings.device.as_ref().map(|d| d.value.clone()),
        wake: settings.wake.value,
        json: false,
        log: true,
        cramp: Some(cramp.id),
        note: None,
        source: journal::Source::Terminal,
        color,
    };
    let relieved = session::perform(&request, paths, env)?;
    Ok(if relieved == code::OK { failed } else { relieved })
}

fn ask_leg() -> Result<Leg> {
    let choices = [
        Choice { key: 'l', value: Leg::Left, label: "left" },
        Choice { key: 'r', value: Leg::Right, label: "right" },
        Choice { key: 'b', value: Leg::Both, label: "both" },
    ];
    prompt::ask("Which leg? [l]eft, [r]ight, [b]oth (Enter: both)", &choices, 2)
}

fn ask_severity() -> Result<u8> {
    const LABELS: [&str; 5] = ["1 (mild)", "2", "3", "4", "5 (worst)"];
    let choices: Vec<Choice<u8>> =
        (1..=5u8).map(|n| Choice { key: char::from(b'0' + n), value: n, label: LABELS[usize::from(n - 1)] }).collect();
    prompt::ask("How bad, from 1 (mild) to 5 (worst)? (Enter: 3)", &choices, 2)
}

/// A few words, typed and ended with Enter; Enter alone leaves none. The
/// last question, so a person who wants to sleep is one key from done.
fn ask_note() -> Result<Option<String>> {
    crate::errprint!("A few words to remember it by? (Enter: none) ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::usage(format!("the answer could not be read ({e}); nothing was recorded")))?;
    let line = line.trim();
    Ok((!line.is_empty()).then(|| line.to_string()))
}

/// Roughly, in one key: a person woken by a cramp did not time it.
fn ask_lasted() -> Result<Option<std::time::Duration>> {
    let minutes = |m: u64| Some(std::time::Duration::from_secs(m * 60));
    let choices = [
        Choice { key: 's', value: Some(std::time::Duration::from_secs(30)), label: "seconds (30s)" },
        Choice { key: '1', value: minutes(1), label: "about a minute" },
        Choice { key: '5', value: minutes(5), label: "about five minutes" },
        Choice { key: 't', value: minutes(10), label: "ten minutes or more" },
        Choice { key: '-', value: None, label: "skipped" },
    ];
    prompt::ask("How long did it last? [s]econds, [1] a minute, [5] minutes, [t]en+, [-]/Enter: skip", &choices, 4)
}

/// Asked after the cramp is recorded, so cancelling here only declines relief
/// (SIGTERM or a closed terminal still ends the program).
fn ask_relief() -> Result<bool> {
    let choices = [Choice { key: 'y', value: true, label: "yes" }, Choice { key: 'n', value: false, label: "no" }];
    match prompt::ask("Guide you through relief now? [y/N]", &choices, 1) {
        Err(e) if e.code == code::INTERRUPTED => Ok(false),
        answer => answer,
    }
}
