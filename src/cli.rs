//! The command line, as clap types only. Doc comments here become `--help`.
//! Every value is parsed straight into its domain type (a duration within its
//! limits, a time of day, a leg), so nothing below this module sees a string
//! it must check again.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audio::sounds::SoundSet;
use crate::journal::{Leg, Source};
use crate::routine::limits;
use crate::schedule::Days;
use crate::settings::Flags;
use crate::term::look::ColorChoice;
use crate::time::at::At;
use crate::time::nights_ago::NightSpec;
use crate::time::of_day::TimeOfDay;

const EXIT_CODES: &str = "\
Exit codes:
  0    completed
  1    runtime error (a file could not be written, ...); for `log --check`,
       a problem found in the journal
  2    usage error (a bad flag value, an invalid routine or config file)
  75   another session is running
  130  interrupted (Ctrl-C, q or Esc); 143 for SIGTERM, 129 when the terminal
       closed, 131 for Ctrl-\\";

/// The in-session keys, for `tonight --help` and `cramp --help`.
const KEYS: &str = "\
Keys at a terminal, during the routine (and cramp relief):
  space     pause, and resume (the audio pauses with the timer)
  s         skip the rest of getting ready, or of a rest
  q, Esc    stop; the session is recorded as partial (exit 130)";

/// A guided bedtime calf stretch, with spoken cues and a journal of your nights.
///
/// Face a wall, run `stretch tonight`, and follow the voice: three 10-second
/// holds of the wall calf stretch, the routine advised against night-time leg
/// cramps. Not medical advice.
#[derive(Debug, Parser)]
#[command(name = "stretch", version, after_help = EXIT_CODES, propagate_version = true, args_override_self = true)]
pub struct Cli {
    /// `--data-dir` and `--config` before the command, where the first
    /// version's schedule entries put them (`stretch --data-dir D tonight`):
    /// still accepted, not shown; the commands that use them show their own.
    #[command(flatten)]
    pub place: OldPlace,

    /// Colour output: auto (on a terminal, unless NO_COLOR is set or TERM is dumb), always, or never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the journal and the settings are, before the command: hidden.
#[derive(Debug, Default, Clone, Args)]
pub struct OldPlace {
    /// Keep the journal in DIR
    #[arg(long = "data-dir", id = "old_data_dir", value_name = "DIR", hide = true)]
    pub data_dir: Option<PathBuf>,

    /// Read settings from FILE
    #[arg(long = "config", id = "old_config", value_name = "FILE", hide = true)]
    pub config: Option<PathBuf>,
}

/// Where the journal and the settings are: the options of the commands that
/// use them (and of their actions).
#[derive(Debug, Default, Clone, Args)]
pub struct Place {
    /// Keep the journal in DIR [default: $STRETCH_DATA_DIR, else $XDG_DATA_HOME/stretch, usually ~/.local/share/stretch]
    #[arg(long, global = true, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub data_dir: Option<PathBuf>,

    /// Read settings from FILE [default: $STRETCH_CONFIG_DIR/config.toml, else ~/.config/stretch/config.toml]
    #[arg(long, global = true, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
}

impl Place {
    /// This command's place, each part not given taken from the old position
    /// before the command.
    pub fn or(&self, old: &OldPlace) -> Place {
        Place {
            data_dir: self.data_dir.clone().or_else(|| old.data_dir.clone()),
            config: self.config.clone().or_else(|| old.config.clone()),
        }
    }
}

/// `stretch doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Where the journal and the settings are.
    #[command(flatten)]
    pub place: Place,
}

/// `stretch config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The settings to show as given.
    #[command(flatten)]
    pub settings: RoutineOptions,

    /// Where the journal and the settings are.
    #[command(flatten)]
    pub place: Place,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bedtime routine: timed holds, spoken cues, and a journal entry.
    #[command(after_help = [KEYS, EXIT_CODES].join("\n\n"))]
    Tonight(TonightArgs),
    /// List every routine, with a summary and where it comes from.
    Routines,
    /// Show your nights: the last two weeks, streaks and a 16-week calendar.
    #[command(after_help = LOG_HELP)]
    Log(LogArgs),
    /// Write a one-page report of your nights to show a doctor: a self-contained HTML file to print.
    #[command(after_help = REPORT_HELP)]
    Report(ReportArgs),
    /// Record a leg cramp that woke you, and be guided through relief if you like.
    ///
    /// On a terminal with no options, two single-key questions (which leg, how
    /// bad) take the details; Enter accepts the default.
    #[command(after_help = KEYS)]
    Cramp(CrampArgs),
    /// Run the routine by itself at set times, from your crontab.
    Schedule(ScheduleArgs),
    /// Check sound, the journal and the schedule; say how to fix what fails.
    ///
    /// Checks the config file, the audio output, the data directory, the
    /// journal (readable, private) and, for each schedule entry, the crontab,
    /// the cron daemon and a run under cron's environment: will it start, and
    /// will it be heard. Each check prints ok, warn, note or FAIL with the fix;
    /// exits 1 if any check fails, else 0.
    #[command(verbatim_doc_comment)]
    Doctor(DoctorArgs),
    /// Show the settings in effect and where each comes from: a flag, the config file, or the default.
    Config(ConfigArgs),
    /// Print a completion script for your shell
    ///
    /// Save it where your shell looks for it:
    ///   bash: stretch completions bash > ~/.local/share/bash-completion/completions/stretch
    ///   zsh:  stretch completions zsh > ~/.zfunc/_stretch    (with ~/.zfunc in $fpath)
    ///   fish: stretch completions fish > ~/.config/fish/completions/stretch.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the candidates a completion script offers, one a line (called by the scripts themselves).
    #[command(hide = true)]
    Complete {
        /// What to list: the routine names, or the times in the schedule
        #[arg(value_enum)]
        what: Candidates,
    },
    /// Print the manual page (roff), for `man`: `stretch man | man -l -`, `stretch man schedule add`.
    Man {
        /// The command whose page to print, like `tonight` or `schedule add` [default: the page of stretch itself]
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
        /// Write every page (stretch.1, stretch-tonight.1, stretch-schedule-add.1, ...) into DIR instead, like ~/.local/share/man/man1
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
}

impl Command {
    /// Where this command keeps the journal and reads settings, if it uses them.
    pub fn place(&self) -> Option<&Place> {
        match self {
            Command::Tonight(args) => Some(&args.place),
            Command::Log(args) => Some(&args.place),
            Command::Cramp(args) => Some(&args.place),
            Command::Schedule(args) => Some(&args.place),
            Command::Doctor(args) => Some(&args.place),
            Command::Config(args) => Some(&args.place),
            Command::Report(args) => Some(&args.place),
            Command::Routines | Command::Completions { .. } | Command::Man { .. } | Command::Complete { .. } => None,
        }
    }
}

/// What `stretch complete` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Candidates {
    /// Routine names: the built-in ones and the user's own
    Routines,
    /// The times of the entries in the schedule
    Times,
}

/// The shells `stretch completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU bash
    Bash,
    /// Z shell
    Zsh,
    /// fish
    Fish,
}

const LOG_HELP: &str = "\
A session belongs to the night of the local date it started on; one started
before the day boundary (04:00) counts for the night before. Only completed
sessions count towards a streak. Streaks use every session (of --routine, if
given); --since and --until choose which nights and sessions are shown.
Nights before the journal's first record are not counted at all.

A cramp belongs to the night it woke you from: one before cramp_day_starts
(config file, default 12:00) counts for the night before, so a cramp at 04:30
is last night's. It counts as \"after a completed stretch\" only when its night
has a completed session that started before it; an afternoon cramp before
the evening's stretch does not. Times are read with each record's own offset,
so travel and daylight-saving changes move no record to another night.

Environment:
  STRETCH_NOW  the current time, as RFC 3339 (2026-11-26T22:30:00+01:00), for reproducible output
  TZ           the time zone of \"now\" (each session keeps its own recorded offset)
  NO_COLOR     plain glyphs in the calendar (also when the output is not a terminal)

Exit codes:
  0    done
  1    the journal could not be read or written; --check found a problem
  2    usage error (a bad flag value)";

/// Options of `stretch tonight`.
#[derive(Debug, Args)]
pub struct TonightArgs {
    /// Settings that the config file can also give.
    #[command(flatten)]
    pub settings: RoutineOptions,

    /// Where the journal and the settings are.
    #[command(flatten)]
    pub place: Place,

    /// Do not write this session to the journal
    #[arg(long)]
    pub no_log: bool,

    /// A few words to keep with this session's record, shown by `stretch log` and the report
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,

    /// Print one JSON object per event on stdout (human output goes to stderr)
    #[arg(long)]
    pub json: bool,

    /// Write the whole guided track to FILE.wav and exit, without timing or logging
    #[arg(long, value_name = "FILE.wav")]
    pub export_audio: Option<PathBuf>,

    /// Who started the session, as the journal records it (scheduled entries pass cron)
    #[arg(long, value_enum, default_value = "terminal")]
    pub source: Source,

    /// Exit at once, playing nothing, if tonight already has a completed session
    #[arg(long)]
    pub skip_if_done: bool,

    /// Check that the routine would run here, and be heard, without running it:
    /// prints `heard: ...` or `silent: ...`; what `stretch schedule add` runs under cron's environment
    #[arg(long, hide = true)]
    pub check: bool,
}

/// `stretch schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// What to do with the schedule.
    #[command(subcommand)]
    pub action: ScheduleAction,

    /// Where the journal and the settings are (also after the action).
    #[command(flatten)]
    pub place: Place,
}

/// The subcommands of `stretch schedule`.
#[derive(Debug, Subcommand)]
pub enum ScheduleAction {
    /// Add entries that run the routine at each TIME to your crontab
    Add(ScheduleTimes),
    /// List the entries in your crontab
    List,
    /// Remove the entries at each TIME, or all of them
    Remove(ScheduleRemove),
    /// Print the block `add` would install, and change nothing (for other schedulers)
    Print(ScheduleTimes),
    /// Rewrite entries written by earlier versions in this version's form, keeping their settings
    Upgrade,
}

/// Times, days and routine options of `schedule add` and `schedule print`.
#[derive(Debug, Args)]
pub struct ScheduleTimes {
    /// When to run, local time: 22:30, 7:05, 10pm or 10:30pm; one or more
    #[arg(value_name = "TIME", required = true)]
    pub times: Vec<TimeOfDay>,

    /// On which days: daily, weekdays, weekends, or days and ranges like mon,wed,fri or mon-thu [default: daily, or the days of the entry already at that time]
    #[arg(long, value_name = "DAYS", value_parser = Days::parse)]
    pub days: Option<Days>,

    /// Replace an entry already at that time outright, instead of keeping the settings not given now
    #[arg(long)]
    pub replace: bool,

    /// How the scheduled routine runs.
    #[command(flatten, next_help_heading = "Routine options (as for `stretch tonight`)")]
    pub routine: RoutineOptions,
}

/// The routine options of `stretch tonight`, which the config file can also
/// give and a schedule entry passes on; unset ones follow the config file,
/// the routine and the defaults.
#[derive(Debug, Default, Args)]
pub struct RoutineOptions {
    /// Routine to run: a name from `stretch routines`, or a path to a .toml file [default: wall-calf]
    #[arg(long, short, value_name = "NAME|PATH")]
    pub routine: Option<String>,

    /// Changes to the routine's timing.
    #[command(flatten)]
    pub timing: TimingArgs,

    /// What guides you: spoken words, chimes, or nothing [default: voice]
    #[arg(long, value_enum)]
    pub sounds: Option<SoundSet>,

    /// Loudness, 0-100; the default is gentle, for a bedroom at night [default: 40]
    #[arg(long, value_name = "0-100", allow_negative_numbers = true, value_parser = limits::volume)]
    pub volume: Option<u8>,

    /// The day's slot this run is for (a name in the config file's [slots]): --skip-if-done then skips only when that slot is already filled today
    #[arg(long, value_name = "NAME")]
    pub slot: Option<String>,

    /// The output to play on, by the sound server's name for it (`stretch doctor` lists them) [default: the server's default]
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
}

/// Options of `stretch schedule remove`.
#[derive(Debug, Args)]
pub struct ScheduleRemove {
    /// The times whose entries to remove
    #[arg(value_name = "TIME", required_unless_present = "all", conflicts_with = "all")]
    pub times: Vec<TimeOfDay>,

    /// Remove every entry, and the block with them
    #[arg(long)]
    pub all: bool,
}

impl RoutineOptions {
    /// The flags as plain values, for the config layer.
    pub fn flags(&self) -> Flags {
        Flags {
            routine: self.routine.clone(),
            sounds: self.sounds,
            volume: self.volume,
            device: self.device.clone(),
            slot: self.slot.clone(),
            ..self.timing.flags()
        }
    }
}

/// Options of `stretch report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// First night to show: a date like 2026-11-01, or a number of nights like 30d or 8w [default: 12w]
    #[arg(long, value_name = "DATE|Nd")]
    pub since: Option<NightSpec>,

    /// Last night to show, written like --since [default: tonight]
    #[arg(long, value_name = "DATE|Nd")]
    pub until: Option<NightSpec>,

    /// Where to write the page; `-` for stdout [default: stretch-report-DATE.html in the current directory]
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// When a new night begins: sessions before it count for the night before [default: day_starts in the config file, else 04:00]
    #[arg(long, value_name = "TIME")]
    pub day_starts: Option<TimeOfDay>,

    /// Where the journal is, and the settings.
    #[command(flatten)]
    pub place: Place,
}

const REPORT_HELP: &str = "\
The page has no scripts and loads nothing: charts are drawn inline, and it
prints on one A4 or Letter page, in black and white too. Nights and cramps are
counted as `stretch log` counts them (see `stretch log --help`); the weekly
series is the same as the \"weeks\" of `stretch log --json`.

Examples:
  stretch report                       the last 12 weeks, to stretch-report-DATE.html
  stretch report --since 2026-09-01 --out visit.html
  stretch report --out - > report.html";

/// Options of `stretch log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Record or merge sessions instead of showing them.
    #[command(subcommand)]
    pub action: Option<LogAction>,

    /// First night to show: a date like 2026-11-01, or a number of nights ago like 30d or 8w
    #[arg(long, value_name = "DATE|Nd")]
    pub since: Option<NightSpec>,

    /// Last night to show, written like --since [default: tonight]
    #[arg(long, value_name = "DATE|Nd")]
    pub until: Option<NightSpec>,

    /// Only sessions of this routine
    #[arg(long, short, value_name = "NAME")]
    pub routine: Option<String>,

    /// When a new night begins: sessions before it count for the night before [default: day_starts in the config file, else 04:00]
    #[arg(long, value_name = "TIME")]
    pub day_starts: Option<TimeOfDay>,

    /// Print streaks, every night in range and its sessions as one JSON object [default range: the whole journal]
    #[arg(long, conflicts_with_all = ["csv", "check"])]
    pub json: bool,

    /// Print one CSV row per session in range, with a header row [default range: the whole journal]
    #[arg(long, conflicts_with = "check")]
    pub csv: bool,

    /// With --csv: one row per cramp instead (night, time, leg, severity, how long, note)
    #[arg(long, requires = "csv")]
    pub cramps: bool,

    /// Validate every line of the journal; exit 1 if anything is wrong
    #[arg(long)]
    pub check: bool,

    /// Print straight to the terminal, never through $PAGER (a view taller than the terminal goes through $PAGER, else `less -FRX`)
    #[arg(long)]
    pub no_pager: bool,

    /// Where the journal and the settings are (also after the action).
    #[command(flatten)]
    pub place: Place,
}

impl LogArgs {
    /// The settings this command line gives.
    pub fn flags(&self) -> Flags {
        let routine = match &self.action {
            Some(LogAction::Add(add)) => add.routine.clone(),
            _ => None,
        };
        Flags { day_starts: self.day_starts, routine, ..Flags::default() }
    }

    /// Whether any option of the view was given (they mean nothing to `add` or `import`).
    pub fn shapes_the_view(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || self.routine.is_some()
            || self.day_starts.is_some()
            || self.json
            || self.csv
            || self.check
    }
}

/// What `stretch log` can do besides showing.
#[derive(Debug, Subcommand)]
pub enum LogAction {
    /// Record a session done without the timer.
    Add(LogAddArgs),
    /// Merge another journal (from another computer), skipping sessions already here.
    Import(LogImportArgs),
    /// Say you did a scheduled session that played with nobody answering; it then counts.
    Confirm(LogConfirmArgs),
    /// Take back a record made by mistake (a session or a cramp); the journal keeps both lines.
    Retract(LogRetractArgs),
}

/// Options of `stretch log confirm`.
#[derive(Debug, Args)]
pub struct LogConfirmArgs {
    /// The session's id, or the start of it, as `stretch log --csv` shows it [default: the latest unconfirmed scheduled session]
    #[arg(value_name = "ID")]
    pub id: Option<String>,
}

/// Options of `stretch log retract`.
#[derive(Debug, Args)]
pub struct LogRetractArgs {
    /// The record's id, or the start of it, as `stretch log --csv` or `--json` shows it
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Options of `stretch log add`.
#[derive(Debug, Args)]
pub struct LogAddArgs {
    /// When it started: 22:30 or 10pm (the most recent one), a date and time like "2026-11-26 22:30" or "2026-11-26 10pm", or 2026-11-26T22:30:00+01:00 [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<At>,

    /// The routine you did: a name from `stretch routines`, or a path to a .toml file [default: the config file's, else wall-calf]
    #[arg(long, short, value_name = "NAME|PATH")]
    pub routine: Option<String>,

    /// Number of holds you did (per leg, for one-leg routines), 1-20 [default: the routine's]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = limits::reps)]
    pub reps: Option<u32>,

    /// A few words to keep with this session's record
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Options of `stretch log import`.
#[derive(Debug, Args)]
pub struct LogImportArgs {
    /// The journal to merge, e.g. a copy of journal.jsonl from a laptop
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Options that change a routine's timing; each defaults to the routine's own.
#[derive(Debug, Default, Args)]
pub struct TimingArgs {
    /// Number of holds (per leg, for one-leg routines), 1-20 [default: the routine's]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = limits::reps)]
    pub reps: Option<u32>,

    /// Length of each hold: 10 (seconds), 10s, 1.5s, 500ms or 1m30s; 100ms-10m [default: the routine's]
    #[arg(long, value_name = "DUR", allow_hyphen_values = true, value_parser = limits::hold)]
    pub hold: Option<Duration>,

    /// Length of each rest between holds; 0 for none; up to 10m [default: the routine's]
    #[arg(long, value_name = "DUR", allow_hyphen_values = true, value_parser = limits::rest)]
    pub rest: Option<Duration>,

    /// Length of the getting-ready instructions; 0 to start with the first hold; up to 5m [default: the routine's]
    #[arg(long, value_name = "DUR", allow_hyphen_values = true, value_parser = limits::prepare)]
    pub prepare: Option<Duration>,
}

impl TimingArgs {
    /// The timing flags as plain values.
    pub fn flags(&self) -> Flags {
        Flags { reps: self.reps, hold: self.hold, rest: self.rest, prepare: self.prepare, ..Flags::default() }
    }
}

/// Options of `stretch cramp`.
#[derive(Debug, Args)]
pub struct CrampArgs {
    /// Which leg [default: both, or asked on a terminal]
    #[arg(long, value_enum)]
    pub leg: Option<Leg>,

    /// When it woke you, if not just now: 05:30 or 5am (the most recent one), or a date and time like "2026-11-26 05:30" or "2026-11-26 5am"
    #[arg(long, value_name = "TIME")]
    pub at: Option<At>,

    /// How bad, from 1 (mild) to 5 (worst) [default: 3, or asked on a terminal]
    #[arg(long, value_name = "1-5", allow_negative_numbers = true, value_parser = limits::severity)]
    pub severity: Option<u8>,

    /// A few words to remember it by
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,

    /// How long it lasted: 30s, 5m, 1m30s; 1s-2h [default: not recorded, or asked on a terminal]
    #[arg(long, value_name = "DUR", value_parser = limits::lasted)]
    pub lasted: Option<std::time::Duration>,

    /// Guide me through relief now: pull the toes up, stand on the leg, massage
    #[arg(long)]
    pub relieve: bool,

    /// What guides the relief routine [default: the config file's sounds, else voice]
    #[arg(long, value_enum)]
    pub sounds: Option<SoundSet>,

    /// Loudness of the relief cues, 0-100; quiet, as others may be asleep [default: 25]
    #[arg(long, value_name = "0-100", allow_negative_numbers = true, value_parser = limits::volume)]
    pub volume: Option<u8>,

    /// Change the relief routine's timing.
    #[command(flatten)]
    pub timing: TimingArgs,

    /// Where the journal and the settings are.
    #[command(flatten)]
    pub place: Place,
}

impl CrampArgs {
    /// The settings this command line gives (the relief routine is its own).
    pub fn flags(&self) -> Flags {
        Flags { sounds: self.sounds, volume: self.volume, ..self.timing.flags() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
