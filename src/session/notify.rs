//! The desktop notification of a scheduled session: "Bedtime stretch", with
//! "Done", "Snooze 10 min" and "Skip", through the freedesktop notification
//! interface on the session bus. It lets a person at a phone-free bedside say
//! they were there (or were not) without a terminal. Nothing here is needed
//! for a session to run: without a bus or a notification server, the session
//! plays and is recorded as it would be anyway. A build without the `notify`
//! feature has no bus client: it says so where the notification would be shown.

#![cfg_attr(not(feature = "notify"), allow(dead_code))]

#[cfg(feature = "notify")]
use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[cfg(feature = "notify")]
use zbus::blocking::{Connection, MessageIterator};

use crate::clock::Control;
#[cfg(feature = "notify")]
use crate::clock::StopReason;

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// How long a call on the bus may take before the notification is given up.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The title of the notification.
pub(crate) const SUMMARY: &str = "Bedtime stretch";

/// The actions offered: the key the server sends back, and the label shown.
const ACTIONS: [&str; 6] = ["done", "Done", "snooze", "Snooze 10 min", "skip", "Skip"];

/// What the person answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// They did the routine: the session is confirmed.
    Done,
    /// Not now: stop, and play it again later.
    Snooze,
    /// Not tonight: stop, and record that they skipped it.
    Skip,
}

impl Answer {
    fn from_key(key: &str) -> Option<Answer> {
        match key {
            "done" => Some(Answer::Done),
            "snooze" => Some(Answer::Snooze),
            "skip" => Some(Answer::Skip),
            _ => None,
        }
    }

    /// The answer in one word, for the schedule log.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Answer::Done => "done",
            Answer::Snooze => "snooze",
            Answer::Skip => "skip",
        }
    }

    /// Whether the routine should stop if it is still playing.
    pub(crate) fn stops(self) -> bool {
        self != Answer::Done
    }
}

/// What the listener has heard so far.
#[derive(Default)]
struct State {
    answer: Option<Answer>,
    /// When the answer came, so it is recorded then, not when it is read.
    answered: Option<Instant>,
    /// The notification was closed (or the bus went away): no answer will come.
    over: bool,
    /// Where a stopping answer stops the routine, while it plays.
    stopper: Option<Sender<Control>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A notification shown and waiting for its answer. Dropping it withdraws the
/// notification.
pub(crate) struct Asking {
    #[cfg(feature = "notify")]
    connection: Connection,
    id: u32,
    shared: Arc<Shared>,
}

/// A build without the `notify` feature shows no notification, and says so.
#[cfg(not(feature = "notify"))]
pub(crate) fn ask(_address: Option<&str>, _routine: &str) -> Result<Asking, String> {
    Err("this stretch was built without desktop notifications (the `notify` feature)".into())
}

/// Shows the notification for `routine` on the session bus at `address`, or
/// says in words why it cannot be shown (no bus, no notification server).
/// Everything up to the notification's showing is given [`SETUP_LIMIT`]: a
/// bus daemon that is stopped, or a socket that accepts and never answers,
/// costs the routine that long and no more.
#[cfg(feature = "notify")]
pub(crate) fn ask(address: Option<&str>, routine: &str) -> Result<Asking, String> {
    ask_within(address, routine, SETUP_LIMIT)
}

/// How long connecting, authenticating and showing the notification may take.
#[cfg(feature = "notify")]
const SETUP_LIMIT: Duration = Duration::from_secs(5);

/// [`ask`], waiting at most `limit` for the bus. The bus is reached on a
/// thread of its own, since connecting and authenticating have no time limit
/// of their own; one that never returns is left behind, and ends with the
/// process. One that returns late withdraws its notification.
#[cfg(feature = "notify")]
fn ask_within(address: Option<&str>, routine: &str, limit: Duration) -> Result<Asking, String> {
    let address = address.ok_or("no desktop session bus (DBUS_SESSION_BUS_ADDRESS is not set)")?.to_string();
    let routine = routine.to_string();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let shown = address.clone();
    std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            // A late answer finds no receiver: the notification is dropped, so withdrawn.
            let _ = tx.send(show(&address, &routine));
        })
        .map_err(|e| format!("the notification could not be started ({e})"))?;
    match rx.recv_timeout(limit) {
        Ok(asked) => asked,
        Err(_) => Err(format!(
            "the session bus at {} did not answer within {} (a stopped bus daemon?)",
            crate::visible::visible(&shown),
            crate::time::duration::format(limit)
        )),
    }
}

/// Connects to the bus at `address` and shows the notification, blocking.
#[cfg(feature = "notify")]
fn show(address: &str, routine: &str) -> Result<Asking, String> {
    // A server that never answers must not keep the routine from starting.
    let connection = zbus::blocking::connection::Builder::address(address)
        .and_then(|b| b.method_timeout(CALL_TIMEOUT).build())
        .map_err(|e| format!("the session bus at {address} cannot be reached ({e})"))?;
    let owned: bool = connection
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "NameHasOwner",
            &(NAME,),
        )
        .and_then(|reply| reply.body().deserialize())
        .map_err(|e| format!("the session bus cannot be asked for a notification server ({e})"))?;
    if !owned {
        return Err("no notification server on the session bus".into());
    }
    // Listen before showing it, so an answer cannot come before the listener.
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(NAME)
        .and_then(|b| b.path(PATH))
        .map(|b| b.build())
        .map_err(|e| e.to_string())?;
    let signals = MessageIterator::for_match_rule(rule, &connection, Some(16))
        .map_err(|e| format!("the notification's answers cannot be listened for ({e})"))?;
    let body = format!("Time for {routine}. Answer when you are done, or put it off.");
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
    // Never expires on its own: it is withdrawn when the wait is over.
    let id: u32 = connection
        .call_method(
            Some(NAME),
            PATH,
            Some(NAME),
            "Notify",
            &("stretch", 0u32, "", SUMMARY, body.as_str(), &ACTIONS[..], hints, 0i32),
        )
        .and_then(|reply| reply.body().deserialize())
        .map_err(|e| format!("the notification server refused the notification ({e})"))?;
    let shared = Arc::new(Shared::default());
    let listener = Arc::clone(&shared);
    std::thread::spawn(move || listen(signals, id, &listener));
    Ok(Asking { connection, id, shared })
}

/// Waits for the answer to notification `id` (or its closing) among the
/// server's signals, and passes a stopping answer on to the routine.
#[cfg(feature = "notify")]
fn listen(signals: MessageIterator, id: u32, shared: &Shared) {
    for message in signals.flatten() {
        let header = message.header();
        let member = header.member().map(|m| m.to_string());
        let answer = match member.as_deref() {
            Some("ActionInvoked") => match message.body().deserialize::<(u32, String)>() {
                // A click on the body ("default") is no answer.
                Ok((to, key)) if to == id && Answer::from_key(&key).is_some() => Answer::from_key(&key),
                _ => continue,
            },
            Some("NotificationClosed") => match message.body().deserialize::<(u32, u32)>() {
                Ok((to, _)) if to == id => None,
                _ => continue,
            },
            _ => continue,
        };
        let mut state = shared.lock();
        state.answer = answer;
        state.answered = Some(Instant::now());
        state.over = true;
        if let (Some(answer), Some(stopper)) = (answer, &state.stopper)
            && answer.stops()
        {
            let _ = stopper.send(Control::Stop(StopReason::Quit));
        }
        shared.changed.notify_all();
        return;
    }
    shared.lock().over = true;
    shared.changed.notify_all();
}

impl Asking {
    /// While the routine plays, a "Skip" or "Snooze" stops it through `controls`.
    pub(crate) fn stop_with(&self, controls: Sender<Control>) {
        self.shared.lock().stopper = Some(controls);
    }

    /// The routine has ended: nothing is left to stop.
    pub(crate) fn routine_ended(&self) {
        self.shared.lock().stopper = None;
    }

    /// The answer given so far, if any.
    pub(crate) fn answer(&self) -> Option<Answer> {
        self.shared.lock().answer
    }

    /// How long ago the answer was given (zero if none was).
    pub(crate) fn answered_ago(&self) -> Duration {
        self.shared.lock().answered.map_or(Duration::ZERO, |at| at.elapsed())
    }

    /// The answer, waiting for it up to `wait`; `None` if none came (or the
    /// notification was dismissed).
    pub(crate) fn wait(&self, wait: Duration) -> Option<Answer> {
        let deadline = Instant::now() + wait;
        let mut state = self.shared.lock();
        while !state.over {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.shared.changed.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        state.answer
    }
}

#[cfg(feature = "notify")]
impl Drop for Asking {
    /// Withdraws the notification, best effort: a server gone away has withdrawn it already.
    fn drop(&mut self) {
        if !self.shared.lock().over {
            let _ = self.connection.call_method(Some(NAME), PATH, Some(NAME), "CloseNotification", &(self.id,));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "notify")]
    fn without_a_bus_the_reason_is_given() {
        let why = ask(None, "wall-calf").err().unwrap();
        assert!(why.contains("DBUS_SESSION_BUS_ADDRESS is not set"), "{why}");
        let why = ask(Some("unix:path=/nonexistent/bus"), "wall-calf").err().unwrap();
        assert!(why.contains("cannot be reached"), "{why}");
    }

    #[test]
    #[cfg(feature = "notify")]
    fn a_bus_that_never_answers_costs_the_limit_and_no_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bus");
        // Connections are accepted by the kernel and never answered, as by a stopped daemon.
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let address = format!("unix:path={}", path.display());
        let started = Instant::now();
        let why = ask_within(Some(&address), "wall-calf", Duration::from_millis(300)).err().unwrap();
        assert!(why.contains("did not answer within"), "{why}");
        assert!(started.elapsed() < Duration::from_secs(3), "waited {:?}", started.elapsed());
    }

    #[test]
    fn action_keys_are_the_offered_ones() {
        for pair in ACTIONS.chunks(2) {
            assert!(Answer::from_key(pair[0]).is_some(), "{}", pair[0]);
        }
        assert_eq!(Answer::from_key("default"), None);
        assert!(!Answer::Done.stops() && Answer::Skip.stops() && Answer::Snooze.stops());
    }
}
