//! Running one session, however it was asked for (`stretch tonight`, relief
//! after `stretch cramp`): the lock, the cue track, the timer with its keys and
//! signals, the display, and the journal record.

pub(crate) mod events;
pub(crate) mod lock;
pub(crate) mod notify;
pub(crate) mod record;
pub(crate) mod runner;
pub(crate) mod signals;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Local;

use crate::audio::sounds::SoundSet;
use crate::audio::{Output, device, track};
use crate::clock::{Clock, Moment, MonotonicClock, Origin, StopReason, Transport};
use crate::env::Env;
use crate::error::{Result, code};
use crate::journal::AudioUsed;
use crate::journal::{self, Record, Session, Source};
use crate::paths::Paths;
use crate::routine::timeline::{Cue, Observer, Phase, Timeline};
use crate::term::display::{Human, Style, clock_face};
use crate::term::look::{ColorChoice, Look, Stream};
use crate::term::{keys, output};
use events::JsonEvents;
pub(crate) use record::run_session;
use runner::Outcome;

/// A session to run, however it was asked for.
pub(crate) struct Request {
    /// The compiled routine.
    pub timeline: Timeline,
    /// What guides the person.
    pub sounds: SoundSet,
    /// Loudness, 0-100.
    pub volume: u8,
    /// The sound server's sink to play on; its default if `None`.
    pub device: Option<String>,
    /// Extra time the sink is given to wake after each silence.
    pub wake: Duration,
    /// Events as JSON lines on stdout.
    pub json: bool,
    /// Whether to write the session to the journal.
    pub log: bool,
    /// The cramp this session relieves, if any.
    pub cramp: Option<String>,
    /// The person's words about the session (`--note`), kept in its record.
    pub note: Option<String>,
    /// Who started it.
    pub source: Source,
    /// `--color`.
    pub color: ColorChoice,
}

/// Runs a session: the cue track, the timer, the display, and the record.
/// This is the wiring (the lock, keys, signals, device, display and journal);
/// the session itself is [`run_session`].
pub(crate) fn perform(request: &Request, paths: &Paths, env: &Env) -> Result<u8> {
    perform_with(request, paths, env, None).map(|performed| performed.exit)
}

/// A session run, for a caller that acts on it afterwards.
pub(crate) struct Performed {
    /// The exit code of the session.
    pub exit: u8,
    /// Its record, as saved (if the request logs).
    pub session: Session,
}

/// [`perform`], with the notification of a scheduled session `asking`: a
/// "Skip" or "Snooze" while the routine plays stops it, and the record says it
/// was skipped. The session lock is released on return, so whatever waits for
/// an answer afterwards does not keep a person from starting a session by hand.
pub(crate) fn perform_with(
    request: &Request,
    paths: &Paths,
    env: &Env,
    asking: Option<&notify::Asking>,
) -> Result<Performed> {
    let timeline = &request.timeline;
    let journal = request.log.then(|| paths.journal());
    // One session at a time, logged or not: two would talk over each other.
    paths.create_data_dir()?;
    // The lock first: a session turned away leaves nothing behind, not even
    // an empty journal.
    let _lock = lock::acquire(&paths.session_lock())?;
    if let Some(journal) = &journal {
        journal::check_writable(journal)?;
    }
    let (controls, inbox) = mpsc::channel();
    if let Some(asking) = asking {
        asking.stop_with(controls.clone());
    }
    signals::survive_the_background()?;
    let retime = controls.clone();
    let keys = keys::listen(controls.clone());
    signals::forward_to(controls)?;
    // Human output goes to stdout, or to stderr when `--json` owns stdout.
    let mut look = Look::of(if request.json { Stream::Stderr } else { Stream::Stdout }, request.color, env);
    // A bar redrawn over JSON lines on the same terminal would garble both.
    look.live &= !(request.json && Stream::Stdout.is_terminal());
    let mut human = Human::new(Style { look, bell: false }, timeline.reps, timeline.stepped);
    // Said before the device opens, which can take a moment: the screen
    // answers at once.
    if keys.is_some() {
        human.line(keys::HINT);
    }
    // With sound, the routine starts when its first sample is heard.
    let origin = Origin::at(Instant::now()).waking(retime);
    let (mut output, audio, sounding) = open_output(request, &origin, look.stream.is_terminal(), env);
    if audio != AudioUsed::Device {
        origin.set(Instant::now());
    }
    human.ring_bell(audio == AudioUsed::Bell);
    let events = request.json.then(|| JsonEvents::new(output::Stdout, timeline.reps).with_origin(origin.clone()));
    let mut watchers = Watchers { human: &mut human, events };
    // In the local zone, so a session across a clock change ends with the new offset.
    let now = env.now()?.with_timezone(&Local);
    let mut clock = MonotonicClock::from_origin(origin, inbox);
    signals::runner_started();
    let (mut session, outcome) = run_session(request, audio, &mut clock, now, &mut watchers, &mut output);
    if tell_outages(&output.outages()) {
        session.audio = AudioUsed::Lost;
    }
    // A key pressed during a scheduled session shows a person was there.
    if keys.as_ref().is_some_and(keys::Listening::pressed) {
        session.attended = Some(true);
    }
    if let Some(asking) = asking {
        asking.routine_ended();
        if asking.answer().is_some_and(notify::Answer::stops) {
            session.attended = Some(false);
            session.skipped = true;
        }
    }
    let saved = journal.as_deref().map_or(Ok(()), |path| save(path, &session));
    if let Some(events) = &mut watchers.events {
        events.summary(&session, journal.is_some() && saved.is_ok());
    }
    human.line(&record::summary(&session, &logged(journal.as_deref(), &saved)));
    saved?;
    finish_audio(output, &mut clock, timeline, sounding);
    drop(keys);
    Ok(Performed { exit: exit_code(&outcome), session })
}

/// Says, one line each, where the sound went away and whether it came back
/// (where on the routine, by its plan); true if it was still gone at the end.
fn tell_outages(outages: &[(Duration, Option<Duration>)]) -> bool {
    for (lost, back) in outages {
        let back = match back {
            Some(back) => format!("came back at {}", clock_face(*back)),
            None => "did not come back".to_string(),
        };
        crate::errln!(
            "stretch: warning: the sound output went away {} into the routine and {back}; \
             the cues in between were not heard",
            clock_face(*lost)
        );
    }
    outages.last().is_some_and(|(_, back)| back.is_none())
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
        Some(reason) => reason.exit_code(),
    }
}

/// Starts the cue track on the device, returning once its first sample is
/// heard (with `origin` set to that instant), and when its last sound ends on
/// the track. Without a device, says why in one line and falls back to the
/// terminal bell (when a person is at a terminal) or silence.
fn open_output(request: &Request, origin: &Origin, terminal: bool, env: &Env) -> (Output, AudioUsed, Duration) {
    // Nothing to hear at volume 0: not even the bell.
    if request.sounds == SoundSet::Off || request.volume == 0 {
        return (Output::Silent, AudioUsed::Off, Duration::ZERO);
    }
    let track = track::for_routine(&request.timeline, request.sounds, request.volume, env);
    let sounding = track.sounding_until();
    match device::play(track.play(), request.device.as_deref(), request.wake, origin, &env.sound_server()) {
        Ok(playback) => (Output::Device(playback), AudioUsed::Device, sounding),
        Err(why) => {
            let fallback = if terminal { "the terminal bell will ring instead" } else { "the routine runs silently" };
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                // A person reads it: what happens instead first, then why,
                // broken between words to the terminal's width.
                let notice = format!("stretch: cues cannot play: {fallback}.\nWhy: {why}.");
                crate::errln!("{}", crate::term::fit::for_stderr(&notice));
            } else {
                // A log keeps it to one line.
                crate::errln!("stretch: cues cannot play: no audio output ({why}); {fallback}");
            }
            (Output::Silent, if terminal { AudioUsed::Bell } else { AudioUsed::None }, Duration::ZERO)
        }
    }
}

/// The display and the event stream, watching together.
struct Watchers<'a> {
    human: &'a mut Human,
    events: Option<JsonEvents<output::Stdout>>,
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
    fn redraw(&mut self, phase: &Phase, left: Duration) {
        self.human.redraw(phase, left);
    }
    fn cue(&mut self, phase: &Phase, cue: &Cue, at: Moment) {
        if let Some(e) = &mut self.events {
            e.cue(phase, cue, at);
        }
        // The bell rings only where the display asked for it.
        if self.human.wants_cues() {
            self.human.cue(phase, cue, at);
        }
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
    fn redraw_every(&self) -> Option<Duration> {
        self.human.redraw_every()
    }
    fn wants_cues(&self) -> bool {
        self.events.is_some() || self.human.wants_cues()
    }
}

/// Appends the record; if that fails, prints it so the session is not lost.
fn save(journal: &Path, session: &Session) -> Result<()> {
    let record = Record::Session(session.clone());
    journal::append(journal, std::slice::from_ref(&record)).inspect_err(|_| {
        crate::errln!(
            "stretch: this session was not saved; its record is:\n{}",
            crate::visible::visible_json(&record.to_line())
        );
    })
}

/// Lets the closing words play out, unless a stop arrives meanwhile; the device
/// is closed as soon as the last sound (`sounding`, on the track) is heard.
fn finish_audio(mut output: Output, clock: &mut MonotonicClock, timeline: &Timeline, sounding: Duration) {
    if !matches!(output, Output::Device(_)) {
        return;
    }
    if output.heard().is_none() {
        // A device that cannot say what is heard: wait by the system clock.
        match clock.wait_until(Some(timeline.length())) {
            Some(_) => Transport::stop(&mut output),
            None => output.finish(),
        }
        return;
    }
    // However the output fares (a sink removed, a server gone), the wait
    // ends a little after the last sound was due.
    let give_up = clock.now() + sounding.saturating_sub(output.heard().unwrap_or(sounding)) + Duration::from_secs(1);
    while let Some(heard) = output.heard() {
        let left = sounding.saturating_sub(heard);
        let now = clock.now();
        if left.is_zero() || now >= give_up || clock.wait_until(Some((now + left).min(give_up))).is_some() {
            break;
        }
    }
    Transport::stop(&mut output);
}
