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
use crate::term::look::ColorChoice;
use crate::time::duration;

/// Runs `stretch tonight` with `settings`; returns the exit code.
pub fn run(args: &TonightArgs, settings: &Settings, color: ColorChoice, paths: &Paths, env: &Env) -> Result<u8> {
    let routine = settings.routine(paths.routine_dir().as_deref())?;
    let now = env.now()?;
    if args.skip_if_done
        && let Some(done) = completed_tonight(&paths.journal(), &now, settings.day_starts.value.naive())?
    {
        crate::term::output::line(&format!(
            "Already done tonight: a session completed at {}; skipping (--skip-if-done)",
            done.format("%H:%M")
        ));
        return Ok(code::OK);
    }
    let timeline = timeline::build(&routine);
    let (sounds, volume) = (settings.sounds.value, settings.loudness(None));
    if let Some(path) = &args.export_audio {
        return export(&timeline, sounds, volume, path);
    }
    let request = Request {
        timeline,
        sounds,
        volume,
        device: None,
        json: args.json,
        log: !args.no_log,
        cramp: None,
        source: args.source,
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
    if volume == 0 {
        return Err(Error::usage("--export-audio at volume 0 would write silence; choose a --volume from 1 to 100"));
    }
    let to_stdout = path == Path::new("-");
    if !to_stdout && !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
        eprintln!("stretch: warning: {} does not end in .wav; the file is WAV audio all the same", path.display());
    }
    let track = track::render(timeline, sounds, volume);
    export::write_wav(&track, path)?;
    let (length, cues) = (duration::format(track.duration()), track.onsets().len());
    let what = format!("({length}, {cues} cues, 48 kHz mono)");
    if to_stdout {
        eprintln!("stretch: wrote the track to stdout {what}");
    } else {
        crate::term::output::line(&format!("wrote {} {what}", path.display()));
    }
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
