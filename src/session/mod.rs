//! Running one session, however it was asked for (`stretch tonight`, relief
//! after `stretch cramp`): the lock, the cue track, the timer with its keys and
//! signals, the display, and the journal record.

pub mod clock;
pub mod events;
pub mod lock;
pub mod record;
pub mod runner;
pub mod signals;
pub mod timeline;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use chrono::Local;

use crate::audio::sounds::SoundSet;
use crate::audio::{AudioUsed, Output, device, track};
use crate::env::Env;
use crate::error::{Result, code};
use crate::journal::{self, Record, Session, Source};
use crate::paths::Paths;
use crate::term::display::{Human, Stream, Style};
use crate::term::keys;
use clock::{Clock, MonotonicClock, StopReason};
use events::JsonEvents;
pub use record::run_session;
use runner::{Moment, Observer, Outcome};
use timeline::{Cue, Phase, Timeline};

/// A session to run, however it was asked for.
pub struct Request {
    /// The compiled routine.
    pub timeline: Timeline,
    /// What guides the person.
    pub sounds: SoundSet,
    /// Loudness, 0-100.
    pub volume: u8,
    /// Events as JSON lines on stdout.
    pub json: bool,
    /// Whether to write the session to the journal.
    pub log: bool,
    /// The cramp this session relieves, if any.
    pub cramp: Option<String>,
    /// Who started it.
    pub source: Source,
}

/// Runs a session: the cue track, the timer, the display, and the record.
/// This is the wiring (the lock, keys, signals, device, display and journal);
/// the session itself is [`run_session`].
pub fn perform(request: &Request, paths: &Paths, env: &Env) -> Result<u8> {
    let timeline = &request.timeline;
    let journal = request.log.then(|| paths.journal());
    // One session at a time, logged or not: two would talk over each other.
    let dir = paths.create_data_dir()?;
    if let Some(journal) = &journal {
        journal::check_writable(journal)?;
    }
    let _lock = lock::acquire(dir)?;
    let (controls, inbox) = mpsc::channel();
    let keys = keys::listen(controls.clone());
    signals::forward_to(controls)?;
    let style = style(request.json, env);
    let (mut output, audio) = open_output(timeline, request.sounds, request.volume, style.stream.is_terminal(), env);
    let style = Style { bell: audio == AudioUsed::Bell, ..style };
    let mut human = Human::new(style, timeline.reps);
    if keys.is_some() {
        human.line(keys::HINT);
    }
    let events = request.json.then(|| JsonEvents::new(std::io::stdout(), timeline.reps));
    let mut watchers = Watchers { human: &mut human, events };
    // In the local zone, so a session across a clock change ends with the new offset.
    let now = env.now()?.with_timezone(&Local);
    let mut clock = MonotonicClock::start(inbox);
    let (session, outcome) = run_session(request, audio, &mut clock, now, &mut watchers, &mut output);
    let saved = journal.as_deref().map_or(Ok(()), |path| save(path, &session));
    human.line(&record::summary(&session, &logged(journal.as_deref(), &saved)));
    saved?;
    finish_audio(output, &mut clock, timeline);
    drop(keys);
    Ok(exit_code(&outcome))
}

/// Where the record went, for the closing line.
fn logged(journal: Option<&Path>, saved: &Result<()>) -> String {
    match (journal, saved) {
        (None, _) => "not logged (--no-log)".to_string(),
        (Some(path), Ok(())) => format!("logged to {}", path.display()),
        (Some(_), Err(_)) => "NOT logged".to_string(),
    }
}

/// A completed session exits 0; a stopped one says how it was stopped.
fn exit_code(outcome: &Outcome) -> u8 {
    match outcome.stopped {
        None => code::OK,
        Some(StopReason::Terminate) => code::TERMINATED,
        Some(StopReason::Interrupt | StopReason::Quit) => code::INTERRUPTED,
    }
}

/// Human output goes to stdout, or to stderr when `--json` owns stdout.
fn style(json: bool, env: &Env) -> Style {
    let stream = if json { Stream::Stderr } else { Stream::Stdout };
    let live = stream.is_terminal() && !env.dumb_terminal;
    Style { stream, live, color: live && !env.no_color, bell: false }
}

/// Starts the cue track on the device. Without one, says why in one line and
/// falls back to the terminal bell (when a person is at a terminal) or silence.
fn open_output(timeline: &Timeline, sounds: SoundSet, volume: u8, terminal: bool, env: &Env) -> (Output, AudioUsed) {
    if sounds == SoundSet::Off {
        return (Output::Silent, AudioUsed::Off);
    }
    let track = track::for_routine(timeline, sounds, volume, env);
    match device::play(track.play()) {
        Ok(playback) => (Output::Device(playback), AudioUsed::Device),
        Err(why) => {
            let fallback = if terminal { "the terminal bell will ring instead" } else { "the routine runs silently" };
            eprintln!("stretch: cues cannot play: no audio output ({why}); {fallback}");
            (Output::Silent, if terminal { AudioUsed::Bell } else { AudioUsed::None })
        }
    }
}

/// The display and the event stream, watching together.
struct Watchers<'a> {
    human: &'a mut Human,
    events: Option<JsonEvents<std::io::Stdout>>,
}

impl Observer for Watchers<'_> {
    fn phase(&mut self, phase: &Phase, at: Moment) {
        if let Some(e) = &mut self.events {
            e.phase(phase, at);
        }
        self.human.phase(phase, at);
    }
    fn stopped(&mut self, phase: &Phase, at: Moment, reason: StopReason) {
        if let Some(e) = &mut self.events {
            e.stopped(phase, at, reason);
        }
        self.human.stopped(phase, at, reason);
    }
    fn tick(&mut self, phase: &Phase, left: Duration) {
        self.human.tick(phase, left);
    }
    fn cue(&mut self, cue: &Cue) {
        self.human.cue(cue);
    }
    fn paused(&mut self, phase: &Phase, at: Moment, paused: bool) {
        if let Some(e) = &mut self.events {
            e.paused(phase, at, paused);
        }
        self.human.paused(phase, at, paused);
    }
    fn skipped(&mut self, phase: &Phase, at: Moment) {
        if let Some(e) = &mut self.events {
            e.skipped(phase, at);
        }
        self.human.skipped(phase, at);
    }
    fn tick_every(&self) -> Option<Duration> {
        self.human.tick_every()
    }
    fn wants_cues(&self) -> bool {
        self.human.wants_cues()
    }
}

/// Appends the record; if that fails, prints it so the session is not lost.
fn save(journal: &Path, session: &Session) -> Result<()> {
    let record = Record::Session(session.clone());
    journal::append(journal, std::slice::from_ref(&record)).inspect_err(|_| {
        eprintln!("stretch: this session was not saved; its record is:\n{}", record.to_line());
    })
}

/// Lets the closing words play out, unless a stop arrives meanwhile; the device
/// is closed as soon as the track has played.
fn finish_audio(mut output: Output, clock: &mut MonotonicClock, timeline: &Timeline) {
    if !matches!(output, Output::Device(_)) {
        return;
    }
    match clock.wait_until(Some(timeline.length())) {
        Some(_) => runner::Transport::stop(&mut output),
        None => output.finish(),
    }
}
