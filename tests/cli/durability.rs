//! The journal under stress, with real processes: writers killed at random
//! moments, many writers at once, and a journal that cannot be written.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};

use crate::support::Sandbox;

const NOW: &str = "2026-11-26T23:00:00+01:00";

/// `stretch log add` of a session started `minute` minutes after a fixed time.
fn add_at(s: &Sandbox, minute: usize) -> std::process::Command {
    s.log(NOW, "UTC", &["add", "--at", &started(minute)])
}

fn started(minute: usize) -> String {
    let base = DateTime::parse_from_rfc3339("2026-01-01T22:00:00+01:00").unwrap();
    (base + chrono::Duration::minutes(minute as i64)).to_rfc3339()
}

/// Every line of the journal, parsed; a line that is not JSON is `None`.
fn lines(s: &Sandbox) -> Vec<Option<serde_json::Value>> {
    let text = std::fs::read_to_string(s.journal()).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).ok()).collect()
}

fn start_of(record: &serde_json::Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(record["started"].as_str().unwrap()).unwrap()
}

/// A moment below `micros`, from the clock's nanoseconds: each run tries others.
fn moment(micros: u64) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    Duration::from_micros(u64::from(nanos / 1000) % micros.max(1))
}

#[test]
fn writers_killed_at_random_moments_lose_no_acknowledged_record() {
    let s = Sandbox::new();
    let timed = Instant::now();
    assert_eq!(s.run(add_at(&s, 0)).0, 0);
    let runtime = timed.elapsed().as_micros() as u64;
    let (mut acknowledged, mut killed) = (vec![0], 0);
    for trial in 1..=60 {
        let mut child = add_at(&s, trial).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(moment(2 * runtime));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            acknowledged.push(trial);
        } else {
            killed += 1;
        }
        // Whatever the moment, the journal still reads back.
        let (code, _, stderr) = s.run(s.log(NOW, "UTC", &["--json"]));
        assert_eq!(code, 0, "trial {trial}: {stderr}");
    }
    let records: Vec<_> = lines(&s).into_iter().flatten().collect();
    let starts: Vec<_> = records.iter().map(start_of).collect();
    for minute in &acknowledged {
        let at = DateTime::parse_from_rfc3339(&started(*minute)).unwrap();
        assert_eq!(starts.iter().filter(|t| **t == at).count(), 1, "acknowledged record {minute} is intact");
    }
    assert!(records.len() >= acknowledged.len() && records.len() <= 61);
    eprintln!("{} acknowledged, {killed} killed", acknowledged.len());
    // Even after the cruellest kill, the next append is whole and on its own line.
    assert_eq!(s.run(add_at(&s, 100)).0, 0);
    let last = lines(&s).pop().flatten().expect("the last line is a record");
    assert_eq!(start_of(&last), DateTime::parse_from_rfc3339(&started(100)).unwrap());
}

#[test]
fn an_append_after_a_torn_line_starts_a_fresh_valid_line() {
    let s = Sandbox::new();
    assert_eq!(s.run(add_at(&s, 0)).0, 0);
    let mut text = std::fs::read_to_string(s.journal()).unwrap();
    let whole = text.clone();
    text.push_str(&whole[..whole.len() / 2]);
    std::fs::write(s.journal(), &text).unwrap();
    assert_eq!(s.run(add_at(&s, 1)).0, 0);
    let lines = lines(&s);
    assert_eq!(lines.len(), 3);
    assert!(lines[0].is_some() && lines[1].is_none() && lines[2].is_some());
    let (code, stdout, stderr) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 1, "the torn line is reported");
    assert!(stdout.ends_with(": 2 records, 1 problem\n"), "{stdout}");
    assert!(stderr.contains(&format!("{}:2: the line is cut short", s.journal().display())), "{stderr}");
}

#[test]
fn eight_concurrent_writers_leave_exactly_their_records_and_whole_lines() {
    let s = Sandbox::new();
    std::thread::scope(|scope| {
        for writer in 0..8 {
            let s = &s;
            scope.spawn(move || {
                for n in 0..50 {
                    let (code, _, stderr) = s.run(add_at(s, writer * 50 + n));
                    assert_eq!(code, 0, "{stderr}");
                }
            });
        }
    });
    let text = std::fs::read_to_string(s.journal()).unwrap();
    assert!(text.ends_with('\n'));
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("interleaved line {l:?}: {e}")))
        .collect();
    assert_eq!(records.len(), 400);
    let ids: HashSet<_> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 400);
    let starts: HashSet<_> = records.iter().map(start_of).collect();
    assert_eq!(starts.len(), 400, "each writer's every record, once");
    let (code, stdout, _) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 0);
    assert!(stdout.ends_with(": 400 records, 0 problems\n"), "{stdout}");
}

#[test]
fn a_journal_that_cannot_be_written_or_read_is_a_clear_error() {
    let s = Sandbox::new();
    // Root ignores permission bits, so make the journal a directory: no one can write it.
    std::fs::create_dir_all(s.journal()).unwrap();
    let journal = s.journal().display().to_string();
    let (code, stdout, stderr) = s.run(add_at(&s, 0));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.starts_with("stretch: this session was not saved; its record is:\n{"), "{stderr}");
    assert!(stderr.ends_with(&format!("stretch: could not write the journal {journal}: Is a directory\n")), "{stderr}");
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &[]));
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!("stretch: could not read the journal {journal}: it is a directory, not a regular file\n")
    );
    // And a data directory that is a file.
    std::fs::remove_dir(s.journal()).unwrap();
    std::fs::remove_dir(s.data()).unwrap();
    std::fs::write(s.data(), "").unwrap();
    let (code, _, stderr) = s.run(add_at(&s, 0));
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("stretch: the data directory {} is a file, not a directory", s.data().display())),
        "{stderr}"
    );
}
