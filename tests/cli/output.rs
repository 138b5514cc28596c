//! One stdout policy: a report ends quietly when its reader closes the pipe,
//! and fails with a message on any other write error; a session runs on and
//! records itself whatever happens to its stdout.

use std::process::{Command, Stdio};

use crate::support::{Sandbox, session_line};

/// Runs `cmd` with its stdout on a pipe whose reader is already gone.
fn into_closed_pipe(mut cmd: Command) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = cmd.stdout(writer).stderr(Stdio::piped()).output().expect("stretch runs");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stderr).unwrap())
}

/// Runs `cmd` with its stdout on `/dev/full`.
fn into_full_disk(mut cmd: Command) -> (i32, String) {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full exists");
    let out = cmd.stdout(full).stderr(Stdio::piped()).output().expect("stretch runs");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stderr).unwrap())
}

const FULL: &str = "stretch: could not write to standard output: No space left on device\n";

fn with_a_night(s: &Sandbox) {
    s.write_journal(&[session_line("01890000-0000-7000-8000-000000000001", "2026-11-20T22:30:00+00:00", true)]);
}

#[test]
fn reports_end_quietly_when_the_reader_goes_away() {
    let s = Sandbox::new();
    with_a_night(&s);
    let data = s.data();
    let data = data.to_str().unwrap();
    let reports: [&[&str]; 7] = [
        &["config"],
        &["routines"],
        &["log", "--data-dir", data],
        &["log", "--data-dir", data, "--json"],
        &["completions", "bash"],
        &["man"],
        &["schedule", "print", "22:30"],
    ];
    for args in reports {
        let (code, stderr) = into_closed_pipe(s.cmd(args));
        assert_eq!((code, stderr.as_str()), (0, ""), "stretch {args:?}");
    }
}

#[test]
fn reports_fail_with_a_message_on_a_full_disk() {
    let s = Sandbox::new();
    with_a_night(&s);
    let data = s.data();
    let data = data.to_str().unwrap();
    let reports: [&[&str]; 5] =
        [&["config"], &["routines"], &["log", "--data-dir", data, "--json"], &["completions", "zsh"], &["man"]];
    for args in reports {
        let (code, stderr) = into_full_disk(s.cmd(args));
        assert_eq!((code, stderr.as_str()), (1, FULL), "stretch {args:?}");
    }
}

#[test]
fn a_session_on_a_full_disk_still_records_itself_and_exits_1() {
    let s = Sandbox::new();
    let (code, stderr) = into_full_disk(s.tonight(&["--sounds", "off"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.ends_with(FULL), "{stderr}");
    let records = s.records();
    assert_eq!(records.len(), 1, "{stderr}");
    assert_eq!(records[0]["completed"], true);
}

#[test]
fn a_session_whose_reader_goes_away_runs_on_and_exits_0() {
    let s = Sandbox::new();
    let (code, stderr) = into_closed_pipe(s.tonight(&["--sounds", "off", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Completed wall-calf: 2 of 2 reps") && !stderr.contains("could not"), "{stderr}");
    assert_eq!(s.records()[0]["reps_done"], 2);
}

#[test]
fn color_always_colours_a_pipe_and_never_colours_nothing() {
    let s = Sandbox::new();
    with_a_night(&s);
    let log = |args: &[&str]| s.run(s.log("2026-11-21T12:00:00+00:00", "UTC", args));
    let (code, plain, _) = log(&[]);
    assert_eq!(code, 0);
    assert!(!plain.contains('\x1b'), "a pipe is plain by default: {plain}");
    let (_, always, _) = log(&["--color", "always"]);
    assert!(always.contains("\x1b["), "{always}");
    let (_, never, _) = log(&["--color", "never"]);
    assert_eq!(never, plain);
}

#[test]
fn nothing_panics_when_stderr_cannot_be_written_either() {
    let s = Sandbox::new();
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let mut tonight = s.tonight(&["--sounds", "off", "--reps", "1"]);
    let out = tonight.stdout(full()).stderr(full()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "not a panic (101)");
    assert_eq!(s.records().len(), 1, "the session is recorded all the same");
    let data = s.data();
    let mut cramp = s.cmd(&["cramp", "--leg", "left", "--severity", "2", "--data-dir", data.to_str().unwrap()]);
    let out = cramp.stdout(full()).stderr(full()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.records().len(), 2, "and so is the cramp");
}

#[test]
fn help_and_version_follow_the_same_policy() {
    let s = Sandbox::new();
    for args in [&["--help"][..], &["--version"], &["tonight", "--help"]] {
        let (code, stderr) = into_full_disk(s.cmd(args));
        assert_eq!((code, stderr.as_str()), (1, FULL), "stretch {args:?}");
        let (code, stderr) = into_closed_pipe(s.cmd(args));
        assert_eq!((code, stderr.as_str()), (0, ""), "stretch {args:?}");
    }
}

#[test]
fn the_live_display_fits_narrow_and_wide_terminals_between_words() {
    for columns in [40, 100] {
        let s = Sandbox::new();
        let bin = crate::support::shell_quote(env!("CARGO_BIN_EXE_stretch"));
        let data = crate::support::shell_quote(s.data().to_str().unwrap());
        let script = format!(
            "env -u XDG_RUNTIME_DIR -u PULSE_SERVER {bin} tonight --data-dir {data} --prepare 1s --hold 3s --reps 1; sleep 30"
        );
        let term = crate::support::Tmux::start_wide(&s, &script, columns);
        // A second into the hold, its bar has begun to fill.
        let screen = term.wait_for("█");
        // The terminal wrapped nothing (its first part would fill the width):
        // every line was broken by stretch, between words.
        for line in screen.lines() {
            assert!(line.chars().count() < usize::from(columns), "{columns}: {line:?}");
        }
        for word in ["straight,", "instead.", "XDG_RUNTIME_DIR"] {
            assert!(screen.split_whitespace().any(|w| w == word), "{word} whole at {columns}: {screen}");
        }
        let bar = screen.lines().find(|l| l.contains("s left")).unwrap();
        assert!(bar.contains("Hold, rep 1 of 1") && bar.contains('█'), "{columns}: {bar}");
        // The closing line, printed once the bar is gone, is broken the same way.
        let screen = term.wait_for("journal.jsonl");
        for line in screen.lines() {
            // A path longer than the line stays whole on a line of its own.
            let alone = !line.trim().contains(' ');
            assert!(line.chars().count() < usize::from(columns) || alone, "{columns}: {line:?}");
        }
        assert!(screen.split_whitespace().any(|w| w == "held;"), "held; whole at {columns}: {screen}");
    }
}
