//! Faults, hostile files and odd environments: nothing lost, nothing leaked,
//! nothing obeyed that came from a file, no panic and no hang.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use crate::support::{Sandbox, session_line};

const NOW: &str = "2026-11-26T23:00:00+00:00";

fn add(s: &Sandbox) -> Command {
    let data = s.data();
    let mut cmd = s.cmd(&["log", "--data-dir", data.to_str().unwrap(), "add", "--at", "2026-11-26T22:00:00+00:00"]);
    cmd.env("STRETCH_NOW", NOW);
    cmd
}

/// `cmd` under a file size limit of `bytes`, as a full disk or quota behaves.
fn limited(cmd: &Command, bytes: u64) -> Command {
    let mut limited = Command::new("prlimit");
    limited.arg(format!("--fsize={bytes}")).arg("--").arg(cmd.get_program()).args(cmd.get_args());
    limited.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            limited.env(key, value);
        }
    }
    limited.stdin(std::process::Stdio::null());
    limited
}

#[test]
fn a_write_that_cannot_finish_leaves_the_journal_as_it_was_and_prints_the_record() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("a", "2026-11-20T22:00:00+00:00", true)]);
    let before = std::fs::read(s.journal()).unwrap();
    // Room for a few bytes of the new line, not for all of it.
    let (code, stdout, stderr) = s.run(limited(&add(&s), before.len() as u64 + 40));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.contains("this session was not saved; its record is:\n{\"type\":\"session\""), "{stderr}");
    assert!(stderr.contains("could not write the journal"), "{stderr}");
    assert_eq!(std::fs::read(s.journal()).unwrap(), before, "not one byte of a torn line is left");
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_cramp_that_cannot_be_stored_is_printed_and_exits_1() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("a", "2026-11-20T22:00:00+00:00", true)]);
    let before = std::fs::read(s.journal()).unwrap();
    let data = s.data();
    let mut cramp = s.cmd(&["cramp", "--data-dir", data.to_str().unwrap(), "--leg", "left", "--note", "ouch"]);
    cramp.env("STRETCH_NOW", NOW);
    let (code, stdout, stderr) = s.run(limited(&cramp, before.len() as u64 + 10));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.contains("this cramp was not saved; its record is:\n{\"type\":\"cramp\""), "{stderr}");
    assert!(stderr.contains("\"note\":\"ouch\""), "{stderr}");
    assert_eq!(std::fs::read(s.journal()).unwrap(), before);
}

#[test]
fn a_journal_that_others_own_or_can_write_is_refused_with_the_fix() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("a", "2026-11-20T22:00:00+00:00", true)]);
    std::fs::set_permissions(s.journal(), std::fs::Permissions::from_mode(0o666)).unwrap();
    let (code, _, stderr) = s.run(add(&s));
    assert_eq!(code, 1);
    assert!(stderr.contains("can be written by other users") && stderr.contains("chmod go-w"), "{stderr}");
    std::fs::set_permissions(s.journal(), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(s.data(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, _, stderr) = s.run(add(&s));
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("the data directory {} can be written", s.data().display())), "{stderr}");
    // doctor makes what stretch owns private again.
    let data = s.data();
    let (_, stdout, _) = s.run(s.cmd(&["--data-dir", data.to_str().unwrap(), "doctor"]));
    assert!(stdout.contains("privacy: made private"), "{stdout}");
    assert_eq!(std::fs::metadata(s.data()).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(s.run(add(&s)).0, 0);
    // Owned by someone else (root may chown inside its own temporary directory).
    std::os::unix::fs::chown(s.journal(), Some(65534), None).unwrap();
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &[]));
    assert_eq!(code, 1);
    assert!(stderr.contains("belongs to another user (uid 65534)") && stderr.contains("chown"), "{stderr}");
}

/// Runs `cmd`, failing the test if it takes more than 10 s.
fn within_10s(s: &Sandbox, mut cmd: Command) -> (i32, String, String) {
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    crate::support::exit_within(&mut child, Duration::from_secs(10), "a hostile input");
    let _ = s;
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn fifos_links_and_huge_lines_are_errors_at_once() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.data()).unwrap();
    assert!(Command::new("mkfifo").arg(s.journal()).status().unwrap().success());
    let (code, _, stderr) = within_10s(&s, s.log(NOW, "UTC", &[]));
    assert_eq!(code, 1);
    assert!(stderr.contains("FIFO"), "{stderr}");
    let (code, _, stderr) = within_10s(&s, add(&s));
    assert_eq!(code, 1);
    assert!(stderr.contains("FIFO"), "{stderr}");
    std::fs::remove_file(s.journal()).unwrap();
    let config = s.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    assert!(Command::new("mkfifo").arg(config.join("config.toml")).status().unwrap().success());
    let (code, _, stderr) = within_10s(&s, s.log(NOW, "UTC", &[]));
    assert_eq!(code, 2);
    assert!(stderr.contains("FIFO"), "{stderr}");
    std::fs::remove_file(config.join("config.toml")).unwrap();
    // A link in place of the journal is not followed.
    let elsewhere = s.path().join("elsewhere");
    std::fs::write(&elsewhere, "mine\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, s.journal()).unwrap();
    let (code, _, stderr) = s.run(add(&s));
    assert_eq!(code, 1);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "mine\n");
    std::fs::remove_file(s.journal()).unwrap();
    // A line over the limit is reported by line, and the rest still reads.
    let huge = format!("{{\"note\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    s.write_journal(&[
        session_line("a", "2026-11-20T22:00:00+00:00", true),
        huge,
        session_line("b", "2026-11-21T22:00:00+00:00", true),
    ]);
    let (code, stdout, stderr) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 1);
    assert!(stderr.contains(":2: the line is longer than 1 MiB"), "{stderr}");
    assert!(stdout.ends_with(": 2 records, 1 problem\n"), "{stdout}");
}

#[test]
fn text_from_files_cannot_drive_the_terminal_or_a_spreadsheet() {
    let s = Sandbox::new();
    let routines = s.path().join("config/routines");
    std::fs::create_dir_all(&routines).unwrap();
    std::fs::write(
        routines.join("evil.toml"),
        "summary = \"\\u001b]0;pwned\\u0007\\u001b[2J\"\n[hold]\nduration = 5\nwords = \"\\u001b[31mred\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = s.run(s.cmd(&["routines"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    assert!(stdout.contains("\\x1b]0;pwned\\x07\\x1b[2J"), "{stdout}");
    let evil = session_line("e", "2026-11-20T22:00:00+00:00", true).replace("wall-calf", "=HYPERLINK(\\\"x\\\")");
    s.write_journal(&[evil]);
    let (code, stdout, _) = s.run(s.log(NOW, "UTC", &["--csv"]));
    assert_eq!(code, 0);
    assert!(stdout.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{stdout}");
}

#[test]
fn import_takes_all_or_nothing_and_lists_what_is_wrong() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("a", "2026-11-20T22:00:00+00:00", true)]);
    let before = std::fs::read(s.journal()).unwrap();
    let mut lines: Vec<String> =
        (0..12).map(|i| session_line(&format!("far{i}"), "9999-01-01T00:00:00+00:00", true)).collect();
    lines.push(session_line("ok", "2026-11-21T22:00:00+00:00", true));
    lines.push(
        session_line("reps", "2026-11-21T22:00:00+00:00", true)
            .replace("\"reps_planned\":3", "\"reps_planned\":4000000000"),
    );
    let file = s.path().join("other.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (code, stdout, stderr) = s.run(s.log(NOW, "UTC", &["import", file.to_str().unwrap()]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains(":1: it is dated 9999-01-01"), "{stderr}");
    assert!(stderr.contains("... and 3 more like these"), "{stderr}");
    assert!(stderr.contains("nothing was imported: 13 of the records"), "{stderr}");
    assert_eq!(std::fs::read(s.journal()).unwrap(), before);
    // Already in a journal, such a record is flagged and cannot blow up an export.
    s.write_journal(&[lines[0].clone()]);
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("more than a day after now"), "{stderr}");
    let (code, stdout, _) = s.run(s.log(NOW, "UTC", &["--json"]));
    assert_eq!(code, 0);
    assert!(stdout.len() < 10_000, "{} bytes", stdout.len());
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &["--until", "262142-01-01"]));
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_wedged_crontab_is_stopped_with_a_clear_error() {
    let s = Sandbox::new();
    let program = s.path().join("crontab");
    std::fs::write(&program, "#!/bin/sh\nsleep 30\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = s.data();
    let mut cmd = s.cmd(&["--data-dir", data.to_str().unwrap(), "schedule", "add", "22:30"]);
    cmd.env("STRETCH_CRONTAB", &program).env("STRETCH_CRONTAB_TIMEOUT", "0.3");
    let (code, stdout, stderr) = within_10s(&s, cmd);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.contains("did not answer within 0.3 seconds"), "{stderr}");
    std::fs::write(&program, "#!/bin/sh\nexit 3\n").unwrap();
    let mut cmd = s.cmd(&["--data-dir", data.to_str().unwrap(), "schedule", "list"]);
    cmd.env("STRETCH_CRONTAB", &program);
    let (code, _, stderr) = within_10s(&s, cmd);
    assert_eq!(code, 1);
    assert!(!stderr.contains("failed: ;") && stderr.contains("with no message"), "{stderr}");
}

#[test]
fn export_audio_replaces_only_files_and_leaves_nothing_behind() {
    let s = Sandbox::new();
    let export = |target: &str| {
        let mut cmd = s.cmd(&["tonight", "--hold", "1s", "--reps", "1", "--prepare", "0s", "--export-audio", target]);
        cmd.current_dir(s.path());
        cmd
    };
    let before: Vec<_> = std::fs::read_dir(s.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    for target in ["/dev/null", "home"] {
        let (code, _, stderr) = s.run(export(target));
        assert_eq!(code, 2, "{target}: {stderr}");
        assert!(!stderr.contains("does not end in .wav"), "only the error, for what is not a file: {stderr}");
    }
    std::fs::write(s.path().join("out.wav.partial"), "mine").unwrap();
    let (code, _, stderr) = s.run(export("out.wav"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(s.path().join("out.wav.partial")).unwrap(), "mine");
    assert!(std::fs::read(s.path().join("out.wav")).unwrap().starts_with(b"RIFF"));
    let (code, _, stderr) = s.run(export("track.mp3"));
    assert_eq!(code, 0);
    assert!(stderr.contains("does not end in .wav"), "{stderr}");
    let out = export("-").output().unwrap();
    assert!(out.stdout.starts_with(b"RIFF"));
    let after: Vec<_> = std::fs::read_dir(s.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(after.len(), before.len() + 3, "no temporary left: {after:?}");
}

#[test]
fn a_tz_that_names_no_time_zone_file_is_refused_at_once() {
    let s = Sandbox::new();
    let fifo = s.path().join("zone");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let tzs = [
        "/dev/zero".to_string(),
        "../../../../../dev/zero".to_string(),
        format!(":{}", fifo.display()),
        // The clock library reads no TZDIR: naming one must not hide the file it opens.
        format!("../../..{}", fifo.display()),
    ];
    for tz in tzs {
        let mut log = s.log("2026-11-27T22:00:00Z", &tz, &[]);
        log.env("TZDIR", "/nonexistent");
        let started = std::time::Instant::now();
        let (code, _, stderr) = s.run(log);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{tz}: no hang");
        assert_eq!(code, 2, "{tz}: {stderr}");
        assert!(stderr.contains("not a time-zone file") && stderr.contains("unset TZ"), "{stderr}");
    }
}

#[test]
fn a_routine_file_named_with_escapes_shows_them_as_text() {
    let s = Sandbox::new();
    let file = s.path().join("\x1b[31mred\x07.toml");
    std::fs::write(&file, "[hold]\nduration = \"200ms\"\n").unwrap();
    let (code, stdout, stderr) = s.run(s.tonight(&["--routine", file.to_str().unwrap(), "--sounds", "off"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains('\x1b') && !stdout.contains('\x07'), "{stdout:?}");
    assert!(stdout.contains("Completed \\x1b[31mred\\x07"), "{stdout}");
    let (_, csv, _) = s.run(s.log("2026-11-27T22:00:00Z", "UTC", &["--csv"]));
    assert!(!csv.contains('\x1b'), "{csv:?}");
}

#[test]
fn records_no_timer_could_have_written_are_flagged_and_not_imported() {
    let s = Sandbox::new();
    let held_too_long = session_line("h", "2026-11-20T22:00:00+00:00", true)
        .replace("\"hold_ms\":30000", "\"hold_ms\":18446744073709551615");
    let completed_short =
        session_line("c", "2026-11-21T22:00:00+00:00", true).replace("\"reps_done\":3", "\"reps_done\":1");
    let file = s.path().join("other.jsonl");
    std::fs::write(&file, format!("{held_too_long}\n{completed_short}\n")).unwrap();
    let data = s.data();
    let (code, _, stderr) =
        s.run(s.cmd(&["log", "import", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("held for") && stderr.contains("marked completed with 1 of 3"), "{stderr}");
    s.write_journal(&[held_too_long, completed_short]);
    let (code, _, stderr) = s.run(s.log("2026-11-27T22:00:00Z", "UTC", &["--check"]));
    assert_eq!(code, 1, "{stderr}");
}
