//! Every wait on something outside has an end: a session bus or a sound
//! server that accepts and never answers costs seconds, and a scheduled run
//! still plays and records; a signal ends the program at any point.

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

use crate::support::{Sandbox, session_line, signal, spawn};

#[test]
fn a_bus_that_never_answers_still_lets_a_scheduled_run_play_and_record() {
    let s = Sandbox::new();
    let bus = s.path().join("bus");
    // The kernel queues the connection; nobody ever answers it, as with a stopped daemon.
    let _listener = UnixListener::bind(&bus).unwrap();
    let mut cmd = s.tonight(&["--source", "cron", "--sounds", "off"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", bus.display()));
    let started = Instant::now();
    let child = spawn(cmd);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(s.records().len(), 1, "the session is recorded");
    let log = std::fs::read_to_string(s.data().join("schedule.log")).unwrap();
    assert!(log.contains("notification: none shown: the session bus at") && log.contains("did not answer"), "{log}");
}

#[test]
fn a_signal_while_the_sound_server_is_waited_on_ends_the_program_at_once() {
    let s = Sandbox::new();
    let socket = s.path().join("native");
    let _listener = UnixListener::bind(&socket).unwrap();
    let mut cmd = s.tonight(&["--sounds", "chime"]);
    cmd.env("PULSE_SERVER", format!("unix:{}", socket.display()));
    let mut child = spawn(cmd);
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    signal(&child, "TERM");
    let status = crate::support::exit_within(&mut child, Duration::from_secs(10), "after SIGTERM");
    assert_eq!(status.code(), Some(143));
    // Not left for the runner to stop: nothing had begun, so nothing is recorded.
    assert!(s.records().is_empty(), "{:?}", s.records());
    assert!(signalled.elapsed() < Duration::from_secs(2), "ended {:?} after the signal", signalled.elapsed());
}

/// A program stuck holding the journal's lock (stopped mid-write) delays a
/// reading by the bounded wait only: `log` then reads the journal as it is.
#[test]
fn a_journal_lock_held_for_ever_delays_a_reading_only_by_the_bound() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("s1", "2026-11-25T22:00:00+01:00", true)]);
    let holder = std::fs::OpenOptions::new().append(true).open(s.journal()).unwrap();
    holder.lock().unwrap();
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = s.run(s.log("2026-11-26T12:00:00+01:00", "Europe/Berlin", &["--json"]));
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "waited {:?}", started.elapsed());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("lock") && stderr.contains("journal.jsonl"), "{stderr}");
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(log["sessions"].as_array().unwrap().len(), 1);
    drop(holder);
}
