//! `stretch tonight`: compile the routine, start the cue track, walk the
//! timeline, and record the session.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Local, NaiveTime};

use crate::audio::sounds::SoundSet;
use crate::audio::{export, track};
use crate::cli::{self, TimingArgs, TonightArgs};
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::nights;
use crate::journal::{self, Record, Source};
use crate::paths::Paths;
use crate::routine::Routine;
use crate::session::timeline::{self, Timeline};
use crate::session::{Request, perform};
use crate::settings::Config;
use crate::term::look::ColorChoice;
use crate::time::duration;

/// Runs `stretch tonight` with `config` under its flags; returns the exit code.
pub fn run(args: &TonightArgs, config: &Config, color: ColorChoice, paths: &Paths, env: &Env) -> Result<u8> {
    let settings = config.settings(&args.settings.flags())?;
    let routine = settings.routine(paths.routine_dir().as_deref())?;
    if args.skip_if_done
        && let Some(done) =
            completed_tonight(&paths.journal(), &Local::now().fixed_offset(), settings.day_starts.value)?
    {
        crate::term::output::line(&format!(
            "Already done tonight: a session completed at {}; skipping (--skip-if-done)",
            done.format("%H:%M")
        ));
        return Ok(code::OK);
    }
    let timeline = timeline::build(&routine);
    let (sounds, volume) = (settings.sounds.value, settings.volume.value);
    if let Some(path) = &args.export_audio {
        return export(&timeline, sounds, volume, path);
    }
    let request = Request {
        timeline,
        sounds,
        volume,
        json: args.json,
        log: !args.no_log,
        cramp: None,
        source: source(args.source),
        color,
    };
    perform(&request, paths, env)
}

/// `--export-audio`: the exact track that would play, as a WAV file.
fn export(timeline: &Timeline, sounds: SoundSet, volume: u8, path: &Path) -> Result<u8> {
    if sounds == SoundSet::Off {
        return Err(Error::usage(
            "--export-audio with --sounds off would write silence; choose --sounds voice or chime",
        ));
    }
    let track = track::render(timeline, sounds, volume);
    export::write_wav(&track, path)?;
    let (length, cues) = (duration::format(track.duration()), track.onsets().len());
    crate::term::output::line(&format!("wrote {} ({length}, {cues} cues, 48 kHz mono)", path.display()));
    Ok(code::OK)
}

/// The routine `args` name under `config`, with their overrides: what would run, checked.
pub fn routine(args: &TonightArgs, config: &Config, paths: &Paths) -> Result<Routine> {
    config.settings(&args.settings.flags())?.routine(paths.routine_dir().as_deref())
}

/// When tonight's completed session started, if there is one. Unreadable
/// journal lines are passed over: they cannot prove a session happened.
fn completed_tonight(
    journal: &Path,
    now: &DateTime<FixedOffset>,
    day_starts: NaiveTime,
) -> Result<Option<DateTime<FixedOffset>>> {
    let tonight = nights::night_of(now, day_starts);
    Ok(journal::read(journal)?.records.into_iter().find_map(|record| match record {
        Record::Session(s) if s.completed && !s.is_relief() && nights::night_of(&s.started, day_starts) == tonight => {
            Some(s.started)
        }
        _ => None,
    }))
}

fn source(source: cli::Source) -> Source {
    match source {
        cli::Source::Terminal => Source::Terminal,
        cli::Source::Cron => Source::Cron,
    }
}

/// `--reps`, `--hold`, `--rest` and `--prepare` replace the routine's values, within the same limits.
pub fn with_timing(routine: Routine, timing: &TimingArgs) -> Result<Routine> {
    Ok(Config::default().settings(&timing.flags())?.timed(routine))
}
