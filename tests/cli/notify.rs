//! The desktop notification of a scheduled session, answered "Done", "Skip"
//! and "Snooze" by a fake notification server that speaks the freedesktop
//! interface on a private session bus (a real `dbus-daemon`).

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zbus::blocking::Connection;
use zbus::zvariant::OwnedValue;

use crate::support::Sandbox;

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// A private session bus, stopped when dropped.
struct Bus {
    address: String,
    pid: i32,
}

impl Bus {
    fn start() -> Bus {
        let out = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
            .output()
            .expect("dbus-daemon runs");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let address = lines.next().expect("an address").to_string();
        let pid = lines.next().expect("a pid").trim().parse().unwrap();
        Bus { address, pid }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid), nix::sys::signal::Signal::SIGTERM);
    }
}

/// One `Notify` call as the server saw it: summary, body, actions.
type Call = (String, String, Vec<String>);

/// Answers every notification with `key` after `delay`, recording the calls.
struct Fake {
    calls: Arc<Mutex<Vec<Call>>>,
    closed: Arc<Mutex<Vec<u32>>>,
    key: &'static str,
    delay: Duration,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Fake {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        #[zbus(connection)] connection: &zbus::Connection,
        _app: String,
        _replaces: u32,
        _icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _timeout: i32,
    ) -> u32 {
        let mut calls = self.calls.lock().unwrap();
        calls.push((summary, body, actions));
        let id = u32::try_from(calls.len()).unwrap() + 40;
        let (connection, key, delay) = (Connection::from(connection.clone()), self.key, self.delay);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = connection.emit_signal(None::<()>, PATH, NAME, "ActionInvoked", &(id, key));
        });
        id
    }

    fn close_notification(&self, id: u32) {
        self.closed.lock().unwrap().push(id);
    }
}

struct Server {
    calls: Arc<Mutex<Vec<Call>>>,
    closed: Arc<Mutex<Vec<u32>>>,
    _connection: Connection,
}

fn serve(bus: &Bus, key: &'static str, delay: Duration) -> Server {
    let (calls, closed) = (Arc::default(), Arc::default());
    let fake = Fake { calls: Arc::clone(&calls), closed: Arc::clone(&closed), key, delay };
    let connection = zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name(NAME)
        .unwrap()
        .serve_at(PATH, fake)
        .unwrap()
        .build()
        .unwrap();
    Server { calls, closed, _connection: connection }
}

/// A scheduled `stretch tonight` (holds of `hold`) on `bus`, waiting 3 s for
/// an answer after the routine.
fn scheduled(s: &Sandbox, bus: Option<&Bus>, hold: &str) -> Command {
    std::fs::create_dir_all(s.path().join("config")).unwrap();
    std::fs::write(s.path().join("config/config.toml"), "confirm_wait = \"3s\"\n").unwrap();
    let mut cmd = s.tonight(&["--source", "cron", "--sounds", "off", "--hold", hold]);
    cmd.env("STRETCH_SNOOZE", "0.5");
    if let Some(bus) = bus {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    }
    cmd
}

fn sessions(s: &Sandbox) -> Vec<serde_json::Value> {
    s.records().into_iter().filter(|r| r["type"] == "session" || r.get("routine").is_some()).collect()
}

fn schedule_log(s: &Sandbox) -> String {
    std::fs::read_to_string(s.data().join("schedule.log")).unwrap_or_default()
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn done_confirms_the_session_after_the_routine() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    let server = serve(&bus, "done", Duration::from_millis(1500));
    let (code, stdout, stderr) = s.run(scheduled(&s, Some(&bus), "200ms"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let calls = server.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "Bedtime stretch");
    assert!(calls[0].1.contains("wall-calf"), "{}", calls[0].1);
    assert_eq!(calls[0].2, ["done", "Done", "snooze", "Snooze 10 min", "skip", "Skip"]);
    let records = s.records();
    let session = &sessions(&s)[0];
    assert_eq!((session["attended"].as_bool(), session["completed"].as_bool()), (Some(false), Some(true)));
    let confirm = records.iter().find(|r| r.get("session").is_some()).expect("a confirmation");
    assert_eq!(confirm["session"], session["id"]);
    assert!(stdout.contains("Confirmed the"), "{stdout}");
    assert!(schedule_log(&s).contains("answered: done"), "{}", schedule_log(&s));
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn done_pressed_while_the_routine_plays_is_recorded_when_it_was_pressed() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    let _server = serve(&bus, "done", Duration::from_millis(200));
    let (code, stdout, stderr) = s.run(scheduled(&s, Some(&bus), "1s"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let session = &sessions(&s)[0];
    let records = s.records();
    let confirm = records.iter().find(|r| r.get("session").is_some()).expect("a confirmation");
    let time = |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let (started, ended, at) = (time(&session["started"]), time(&session["ended"]), time(&confirm["at"]));
    assert!(ended - started >= chrono::Duration::seconds(2), "two holds of 1s: {session}");
    assert!(at - started < chrono::Duration::milliseconds(1500), "pressed ~0.2 s in, not at the end: {confirm}");
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn skip_stops_the_routine_and_records_it_skipped() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    let _server = serve(&bus, "skip", Duration::from_millis(400));
    let started = std::time::Instant::now();
    let (_, stdout, stderr) = s.run(scheduled(&s, Some(&bus), "30s"));
    assert!(started.elapsed() < Duration::from_secs(20), "the routine was not stopped");
    let all = sessions(&s);
    assert_eq!(all.len(), 1, "{stdout}{stderr}");
    assert_eq!((all[0]["skipped"].as_bool(), all[0]["attended"].as_bool()), (Some(true), Some(false)));
    assert_eq!(all[0]["completed"].as_bool(), Some(false));
    assert_eq!(s.records().len(), 1, "no confirmation");
    assert_eq!(answered_and_alone(&s), (1, 0), "a night the person answered is not a night it played alone");
}

/// Sessions answered and sessions played alone, over every night of `log --json`.
fn answered_and_alone(s: &Sandbox) -> (u64, u64) {
    let now = chrono::Local::now().to_rfc3339();
    let (_, json, stderr) = s.run(s.log(&now, "UTC", &["--json"]));
    let log: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|_| panic!("{json}{stderr}"));
    let nights = log["nights"].as_array().unwrap();
    let sum = |key: &str| nights.iter().map(|n| n[key].as_u64().unwrap()).sum();
    (sum("answered"), sum("unattended"))
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn snooze_stops_the_routine_and_plays_it_again_later() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    // Snoozed again and again: the third time it is left to time out.
    let server = serve(&bus, "snooze", Duration::from_millis(400));
    let mut child = crate::support::spawn(scheduled(&s, Some(&bus), "30s"));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sessions(&s).len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let all = sessions(&s);
    assert!(all.len() >= 2, "played again after the snooze: {all:?}");
    assert!(all.iter().all(|r| r["skipped"].as_bool() == Some(true)), "{all:?}");
    assert!(server.calls.lock().unwrap().len() >= 2, "a new notification each time");
    assert!(schedule_log(&s).contains("answered: snooze"));
    let (answered, alone) = answered_and_alone(&s);
    assert_eq!((answered, alone), (all.len() as u64, 0), "each snooze was answered, none played alone");
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn without_a_server_the_session_is_as_before_with_one_line_in_the_log() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    let (code, stdout, stderr) = s.run(scheduled(&s, Some(&bus), "200ms"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let log = schedule_log(&s);
    assert_eq!(log.matches("notification: none shown: no notification server").count(), 1, "{log}");
    assert_eq!(sessions(&s)[0]["attended"].as_bool(), Some(false));
}

#[test]
fn without_a_bus_the_session_is_as_before_with_one_line_in_the_log() {
    let s = Sandbox::new();
    let (code, stdout, stderr) = s.run(scheduled(&s, None, "200ms"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let log = schedule_log(&s);
    assert_eq!(log.matches("notification: none shown: no desktop session bus").count(), 1, "{log}");
    assert!(log.contains("finished: "), "{log}");
    assert_eq!(s.records().len(), 1);
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn no_answer_withdraws_the_notification_after_the_wait() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    let server = serve(&bus, "nothing-offered", Duration::from_millis(100));
    let (code, stdout, stderr) = s.run(scheduled(&s, Some(&bus), "200ms"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(*server.closed.lock().unwrap(), [41]);
    assert!(schedule_log(&s).contains("no answer within 3s"), "{}", schedule_log(&s));
    assert_eq!(s.records().len(), 1);
}

#[test]
#[ignore = "starts a real session bus and notification server and answers it in real time; CI runs it (--include-ignored)"]
fn while_the_answer_is_awaited_a_session_can_be_started_by_hand() {
    let (s, bus) = (Sandbox::new(), Bus::start());
    let _server = serve(&bus, "nothing-offered", Duration::from_millis(100));
    let mut child = crate::support::spawn(scheduled(&s, Some(&bus), "200ms"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sessions(&s).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The scheduled run still waits (3 s) for an answer, but holds no lock.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(child.try_wait().unwrap(), None, "still waiting for the answer");
    let (code, _, stderr) = s.run(s.tonight(&["--sounds", "off"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(child.wait().unwrap().success());
    assert_eq!(sessions(&s).len(), 2);
}
