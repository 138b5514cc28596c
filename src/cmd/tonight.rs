//! `stretch tonight`: compile the routine, start the cue track, walk the
//! timeline, and record the session.

use std::path::Path;
use std::time::Duration;

use crate::audio::sounds::SoundSet;
use crate::audio::{export, track};
use crate::cli::TonightArgs;
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal::marks::{self, Marked};
use crate::journal::nights;
use crate::journal::tally::{Rules, done_tonight};
use crate::journal::{self, AudioUsed, Record, Source};
use crate::paths::Paths;
use crate::routine::timeline::{self, Timeline};
use crate::session::notify::{self, Answer};
use crate::session::{Request, perform, perform_with};
use crate::settings::Settings;
use crate::term::look::ColorChoice;
use crate::time::duration;

/// Runs `stretch tonight` with `settings`; returns the exit code.
pub(crate) fn run(args: &TonightArgs, settings: &Settings, color: ColorChoice, paths: &Paths, env: &Env) -> Result<u8> {
    let routine = settings.routine(paths.routine_dir().as_deref())?;
    let slot = settings.slot_index()?;
    let now = env.now()?;
    let rules = Rules {
        day_starts: settings.day_starts.value.naive(),
        cramp_day_starts: settings.cramp_day_starts.value.naive(),
        slots: &settings.slots.value,
        routine: None,
    };
    if args.check {
        // What `--skip-if-done` would do tonight, for `schedule add` and `doctor` to say.
        let done = match args.skip_if_done {
            true => done_tonight(&journal::read(&paths.journal())?.records, &now, &rules, slot),
            false => None,
        };
        return check(&routine.name, settings, paths, env, done);
    }
    if args.skip_if_done
        && let Some(done) = done_tonight(&journal::read(&paths.journal())?.records, &now, &rules, slot)
    {
        let why = match slot {
            Some(i) => format!(
                "the {} slot is filled already: a session completed at {}",
                settings.slots.value[i].name,
                done.format("%H:%M")
            ),
            None => format!("already done tonight: a session completed at {}", done.format("%H:%M")),
        };
        if scheduled(args) {
            note(paths, env, "skipped", &format!("{why} (--skip-if-done)"));
        }
        let mut said = why.clone();
        said[..1].make_ascii_uppercase();
        crate::term::output::line(&format!("{said}; skipping (--skip-if-done)"));
        return Ok(code::OK);
    }
    let day_starts = settings.day_starts.value.naive();
    let evening = crate::routine::is_evening(now.time(), day_starts);
    let routine = routine.for_session(evening, nights::night_of(&now, day_starts));
    let (sounds, volume) = (settings.sounds.value, settings.loudness(None));
    // Nobody asked for a scheduled session just now: the voice begins by
    // inviting (a chime has no words to invite with). Its export is what it
    // plays, invitation included.
    let invite = args.source == Source::Cron && !args.check && sounds == SoundSet::Voice;
    let timeline = if invite { timeline::build_invited(&routine, evening) } else { timeline::build(&routine) };
    if let Some(path) = &args.export_audio {
        return export(&timeline, sounds, volume, path, env);
    }
    let request = Request {
        timeline,
        sounds,
        volume,
        device: settings.device.as_ref().map(|d| d.value.clone()),
        wake: settings.wake.value,
        json: args.json,
        log: !args.no_log,
        cramp: None,
        note: args.note.clone(),
        source: args.source,
        color,
    };
    if scheduled(args) {
        return attend(&request, settings.confirm_wait.value, paths, env);
    }
    perform(&request, paths, env)
}

/// How long a snoozed session waits before it plays again.
const SNOOZE: Duration = Duration::from_secs(10 * 60);

/// A scheduled session with its desktop notification, where one can be shown:
/// the answer is waited for while the routine plays and up to `wait` after it
/// (without the session lock). "Done" confirms the session, "Skip" stops it
/// and records it skipped, "Snooze" stops it and plays it again later.
fn attend(request: &Request, wait: Duration, paths: &Paths, env: &Env) -> Result<u8> {
    loop {
        let asking = notify::ask(env.session_bus.as_deref(), &request.timeline.routine)
            .inspect_err(|why| note(paths, env, "notification", &format!("none shown: {why}")))
            .ok();
        let performed = perform_with(request, paths, env, asking.as_ref())?;
        let Some(asking) = asking else { return Ok(performed.exit) };
        let answer = asking.wait(wait);
        // "Done" pressed while the routine played is recorded when it was pressed.
        let answered = env.now()? - asking.answered_ago();
        // Withdrawn before anything else is done or waited for.
        drop(asking);
        let Some(answer) = answer else {
            let waited = duration::format(wait);
            note(
                paths,
                env,
                "notification",
                &format!("no answer within {waited} of the end; the session stays unconfirmed"),
            );
            return Ok(performed.exit);
        };
        note(paths, env, "answered", answer.word());
        match answer {
            Answer::Done if request.log => {
                if let Marked::Appended(what) = marks::confirm(paths, Some(&performed.session.id), &answered)? {
                    crate::term::output::line(&format!("Confirmed {what}, to {}", paths.journal().display()));
                }
            }
            Answer::Done => {}
            Answer::Skip => {}
            Answer::Snooze => {
                let snooze = env.snooze.unwrap_or(SNOOZE);
                crate::term::output::line(&format!("Snoozed: playing again in {}", duration::format(snooze)));
                std::thread::sleep(snooze);
                continue;
            }
        }
        return Ok(performed.exit);
    }
}

/// Whether this is a scheduled run, which notes what happens in `schedule.log`.
fn scheduled(args: &TonightArgs) -> bool {
    args.source == Source::Cron && !args.check && args.export_audio.is_none()
}

/// Runs `run` (the whole of `stretch tonight`, settings included) and, for a
/// scheduled run, notes in `schedule.log` that it started and how it ended:
/// finished (and how it was heard), stopped, or failed with the error.
pub(crate) fn logged(args: &TonightArgs, paths: &Paths, env: &Env, run: impl FnOnce() -> Result<u8>) -> Result<u8> {
    if !scheduled(args) {
        return run();
    }
    let journal = paths.journal();
    let before = journal::read(&journal).map_or(0, |r| r.records.len());
    note(paths, env, "started", &format!("stretch {}", env!("CARGO_PKG_VERSION")));
    let result = run();
    // The last session this run recorded (a confirmation may follow it).
    let records = journal::read(&journal).map(|r| r.records).unwrap_or_default();
    let ledger = crate::journal::ledger::Ledger::of(&records);
    let after = records.iter().skip(before).rfind(|r| r.as_session().is_some());
    match (&result, after) {
        (Err(e), _) => note(paths, env, "failed", &e.message),
        (Ok(exit), Some(Record::Session(s))) => {
            let kind = if *exit == code::OK { "finished" } else { "stopped" };
            // As `log` tells them apart: played with nobody there, or done.
            let unattended = ledger.presence(s) == crate::journal::ledger::Presence::Alone;
            let played = if unattended { ", played, not confirmed" } else { "" };
            note(
                paths,
                env,
                kind,
                &format!("{} {} of {} reps{played}; {}", s.routine, s.reps_done, s.reps_planned, heard(s.audio, env)),
            );
        }
        // Skipped (noted already), or nothing recorded.
        (Ok(_), _) => {}
    }
    result
}

/// How the cues reached the person, in words for the log.
fn heard(audio: AudioUsed, env: &Env) -> String {
    match audio {
        AudioUsed::Device => "heard: device".into(),
        AudioUsed::Bell => "heard: terminal bell".into(),
        AudioUsed::Off => "silent: sounds are off".into(),
        AudioUsed::Lost => "heard until the sound output went away".into(),
        AudioUsed::None => format!("silent: {}", crate::schedule::hearing::server(env)),
    }
}

/// One dated line in `schedule.log`; if it cannot be written, says so on
/// stderr (which the entry sends to the same log, or cron mails).
fn note(paths: &Paths, env: &Env, kind: &str, text: &str) {
    let written = paths.create_data_dir().and_then(|dir| crate::schedule::runlog::append(dir, env.now()?, kind, text));
    if let Err(e) = written {
        crate::errln!("stretch: warning: could not note this run in the schedule log: {e}");
    }
}

/// `--check`: everything a run needs, resolved and opened, nothing played
/// or written but the data directory: the routine (already resolved), the
/// data directory, the journal, the schedule log and the sound path.
fn check(
    routine: &str,
    settings: &Settings,
    paths: &Paths,
    env: &Env,
    done: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Result<u8> {
    let dir = paths.create_data_dir()?;
    tempfile::tempfile_in(dir).map_err(|e| Error::io("write in", dir, &e))?;
    let journal = paths.journal();
    journal::check_writable(&journal)?;
    journal::read(&journal)?;
    let log = dir.join(crate::schedule::invocation::LOG);
    crate::files::open_append(&log).map_err(|e| Error::io("open", &log, &e))?;
    let config = settings_source(paths);
    crate::term::output::line(&format!("ok: {routine} would run ({config}); journal {}", journal.display()));
    let verdict = if settings.sounds.value == SoundSet::Off {
        Ok("nothing to hear: sounds are off".to_string())
    } else {
        crate::schedule::hearing::probe(env)
    };
    crate::term::output::line(&match verdict {
        Ok(how) => format!("heard: {how}"),
        Err(why) => format!("silent: {why}"),
    });
    if let Some(done) = done {
        crate::term::output::line(&format!("skip: done at {}", done.format("%H:%M")));
    }
    Ok(code::OK)
}

/// Which config file the settings came from, in words.
fn settings_source(paths: &Paths) -> String {
    match (&paths.config_flag, paths.config_file()) {
        (Some(file), _) => format!("settings from {}", file.display()),
        (None, Some(file)) if file.exists() => format!("settings from {}", file.display()),
        _ => "no config file".into(),
    }
}

/// `--export-audio`: the exact track that would play, as a WAV file.
fn export(timeline: &Timeline, sounds: SoundSet, volume: u8, path: &Path, env: &Env) -> Result<u8> {
    if sounds == SoundSet::Off {
        return Err(Error::usage(
            "--export-audio with --sounds off would write silence; choose --sounds voice or chime",
        ));
    }
    if volume == 0 {
        return Err(Error::usage("--export-audio at volume 0 would write silence; choose a --volume from 1 to 100"));
    }
    let to_stdout = path == Path::new("-");
    // A directory or a device is refused by the writer: a warning about its
    // name would only come before the error.
    let a_file = !to_stdout && std::fs::metadata(path).map_or(true, |m| m.is_file());
    if a_file && !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
        crate::errln!(
            "stretch: warning: {} does not end in .wav; the file is WAV audio all the same",
            crate::visible::visible(&path.display().to_string())
        );
    }
    let track = track::for_routine(timeline, sounds, volume, env);
    export::write_wav(&track, path)?;
    let (length, cues) = (duration::format(track.duration()), track.onsets().len());
    let what = format!("({length}, {cues} cues, 48 kHz mono)");
    if to_stdout {
        crate::errln!("stretch: wrote the track to stdout {what}");
    } else {
        crate::term::output::line(&format!("wrote {} {what}", crate::visible::visible(&path.display().to_string())));
    }
    Ok(code::OK)
}
