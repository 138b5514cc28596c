//! `stretch tonight`: compile the routine, start the cue track, walk the
//! timeline, and record the session.

use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveTime};

use crate::audio::sounds::SoundSet;
use crate::audio::{export, track};
use crate::cli::TonightArgs;
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::nights;
use crate::journal::{self, Record};
use crate::paths::Paths;
use crate::session::timeline::{self, Timeline};
use crate::session::{Request, perform};
use crate::settings::Settings;
use crate::time::duration;

/// Runs `stretch tonight` with `settings`; returns the exit code.
pub fn run(args: &TonightArgs, settings: &Settings, paths: &Paths, env: &Env) -> Result<u8> {
    let routine = settings.routine(paths.routine_dir().as_deref())?;
    let now = env.now()?;
    if args.skip_if_done
        && let Some(done) = completed_tonight(&paths.journal(), &now, settings.day_starts.value.naive())?
    {
        crate::outln!(
            "Already done tonight: a session completed at {}; skipping (--skip-if-done)",
            done.format("%H:%M")
        );
        return Ok(code::OK);
    }
    let timeline = timeline::build(&routine);
    let (sounds, volume) = (settings.sounds.value, settings.volume.value);
    if let Some(path) = &args.export_audio {
        return export(&timeline, sounds, volume, path, env);
    }
    let request =
        Request { timeline, sounds, volume, json: args.json, log: !args.no_log, cramp: None, source: args.source };
    perform(&request, paths, env)
}

/// `--export-audio`: the exact track that would play, as a WAV file.
fn export(timeline: &Timeline, sounds: SoundSet, volume: u8, path: &Path, env: &Env) -> Result<u8> {
    if sounds == SoundSet::Off {
        return Err(Error::usage(
            "--export-audio with --sounds off would write silence; choose --sounds voice or chime",
        ));
    }
    let track = track::for_routine(timeline, sounds, volume, env);
    export::write_wav(&track, path)?;
    let (length, cues) = (duration::format(track.duration()), track.onsets().len());
    crate::outln!("wrote {} ({length}, {cues} cues, 48 kHz mono)", path.display());
    Ok(code::OK)
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
