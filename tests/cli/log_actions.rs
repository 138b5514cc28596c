//! `log import` of what is not a journal, bad lines counted past the first
//! ten, `log add` of a session already recorded, CSV rows in time order, and
//! a long view paged like git.

use crate::support::{Sandbox, Tmux, session_line, shell_quote};

const NOW: &str = "2026-11-26T23:00:00+00:00";

fn import(s: &Sandbox, bytes: &[u8]) -> (i32, String, String) {
    let file = s.path().join("other.jsonl");
    std::fs::write(&file, bytes).unwrap();
    s.run(s.log(NOW, "UTC", &["import", file.to_str().unwrap()]))
}

fn good(n: usize) -> String {
    session_line(&format!("id-{n}"), &format!("2026-11-{:02}T22:00:00+00:00", n % 20 + 1), true)
}

#[test]
fn importing_what_is_not_a_journal_stops_at_once_with_one_line() {
    let s = Sandbox::new();
    let mut wav = b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00".to_vec();
    wav.extend((0..20_000u32).flat_map(|i| [(i % 251) as u8, b'\n']));
    let text = "Dear diary,\n".repeat(5000);
    let object_then_prose = format!("{{\"hello\": 1}}\n{}", "not json\n".repeat(3000));
    for (what, bytes) in
        [("a sound file", wav), ("a letter", text.into_bytes()), ("JSON, then prose", object_then_prose.into_bytes())]
    {
        let (code, stdout, stderr) = import(&s, &bytes);
        assert_eq!(code, 1, "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: one line:\n{stderr}");
        assert!(stderr.starts_with("stretch: ") && stderr.contains("is not a stretch journal"), "{what}: {stderr}");
        assert!(stderr.contains("nothing was imported"), "{stderr}");
        assert!(stdout.is_empty());
        assert!(!s.journal().exists(), "{what}: nothing was written");
    }
}

#[test]
fn bad_lines_show_the_first_ten_and_a_count_of_the_rest() {
    let s = Sandbox::new();
    let mut lines: Vec<String> = vec![good(0)];
    lines.extend((1..=25).map(|n| format!("{{\"type\":\"session\",\"v\":1,\"id\":\"bad-{n}\"}}")));
    lines.push(good(1));
    // An import: listed, counted, refused.
    let (code, _, stderr) = import(&s, lines.join("\n").as_bytes());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.contains("other.jsonl:")).count(), 10, "{stderr}");
    assert!(stderr.contains("... and 15 more like these"), "{stderr}");
    assert!(stderr.contains("nothing was imported: 25 of the records"), "{stderr}");
    // The view and --check of a journal in that state.
    s.write_journal(&lines);
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &[]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.contains("line skipped")).count(), 10, "{stderr}");
    assert!(stderr.contains("... and 15 more like these"), "{stderr}");
    assert_eq!(stderr.lines().count(), 11, "{stderr}");
    let (code, stdout, stderr) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 11, "{stderr}");
    assert!(stderr.contains("... and 15 more like these"), "{stderr}");
    assert!(stdout.contains("2 records, 25 problems"), "{stdout}");
}

#[test]
fn adding_a_session_already_recorded_warns_and_adds_nothing() {
    let s = Sandbox::new();
    let add = |args: &[&str]| s.run(s.log(NOW, "Europe/Berlin", &[&["add"], args].concat()));
    assert_eq!(add(&["--at", "22:30"]).0, 0);
    let (code, stdout, stderr) = add(&["--at", "22:30"]);
    assert_eq!(code, 0, "the journal already says what was asked: {stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("a wall-calf session at 2026-11-26 22:30 is already recorded"), "{stderr}");
    assert!(stderr.contains("journal.jsonl:1") && stderr.contains("nothing was added"), "{stderr}");
    assert_eq!(s.records().len(), 1);
    // The same instant written with another offset is the same session.
    assert_eq!(add(&["--at", "2026-11-26T21:30:00+00:00"]).0, 0);
    assert_eq!(s.records().len(), 1);
    // Another minute, or another routine, is another session.
    assert_eq!(add(&["--at", "22:31"]).0, 0);
    assert_eq!(add(&["--at", "22:30", "--routine", "wall-calf-single"]).0, 0);
    assert_eq!(s.records().len(), 3);
}

#[test]
fn a_repeat_is_only_a_record_that_stands_and_a_person_s() {
    let s = Sandbox::new();
    let add = |args: &[&str]| s.run(s.log(NOW, "Europe/Berlin", &[&["add", "--at", "22:30"], args].concat()));
    assert_eq!(add(&["--note", "first"]).0, 0);
    // Another note for the same session is not what the journal says: refused, not dropped in silence.
    let (code, _, stderr) = add(&["--note", "second"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("is already recorded (") && stderr.contains("with another note; nothing was added"),
        "{stderr}"
    );
    // Retracted, it may be logged again.
    let id = s.records()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(s.run(s.log(NOW, "Europe/Berlin", &["retract", &id])).0, 0);
    let (code, stdout, stderr) = add(&["--note", "again"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    assert_eq!(s.records().last().unwrap()["note"], "again");
    // A scheduled session nobody was at, in the same minute: confirming it is the way.
    let s = Sandbox::new();
    let mut alone: serde_json::Value =
        serde_json::from_str(&session_line("alone", "2026-11-26T22:30:00.000+01:00", true)).unwrap();
    alone["source"] = "cron".into();
    alone["attended"] = false.into();
    s.write_journal(&[alone.to_string()]);
    let (code, _, stderr) = s.run(s.log(NOW, "Europe/Berlin", &["add", "--at", "22:30"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("recorded as played with nobody there")
            && stderr.contains("`stretch log confirm alone` counts it"),
        "{stderr}"
    );
    assert_eq!(s.records().len(), 1);
}

#[test]
fn the_same_session_added_six_times_at_once_is_stored_once() {
    for _ in 0..5 {
        let s = Sandbox::new();
        std::fs::create_dir_all(s.data()).unwrap();
        let children: Vec<_> =
            (0..6).map(|_| crate::support::spawn(s.log(NOW, "Europe/Berlin", &["add", "--at", "22:30"]))).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        }
        assert_eq!(s.records().len(), 1, "the repeat is looked for under the journal's lock");
    }
}

#[test]
fn the_same_id_in_another_spelling_counts_once_and_check_calls_it_a_repeat() {
    let s = Sandbox::new();
    let line = session_line("ab", "2026-11-25T22:00:00+00:00", true);
    let respelled = line.replacen("\"id\":\"ab\"", "\"id\": \"a\\u0062\"", 1).replace(",\"", ", \"");
    assert_ne!(line, respelled);
    s.write_journal(&[line, respelled]);
    let (_, json, _) = s.run(s.log(NOW, "UTC", &["--json"]));
    let log: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(log["sessions"].as_array().unwrap().len(), 1, "{json}");
    let night = log["nights"].as_array().unwrap().iter().find(|n| n["night"] == "2026-11-25").unwrap();
    assert_eq!(night["completed"], 1, "{json}");
    let (_, csv, _) = s.run(s.log(NOW, "UTC", &["--csv"]));
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let (code, _, stderr) = s.run(s.log(NOW, "UTC", &["--check"]));
    assert_eq!(code, 1);
    assert!(stderr.contains(":2: id used before, on line 1"), "{stderr}");
}

#[test]
fn csv_rows_are_in_time_order_whatever_the_journal_order() {
    let s = Sandbox::new();
    s.write_journal(&[
        session_line("c", "2026-11-20T22:00:00+00:00", true),
        session_line("a", "2026-11-10T22:00:00+00:00", true),
        // Earlier than "c" as an instant, though later on the clock face.
        session_line("b", "2026-11-20T23:30:00+05:00", true),
    ]);
    let (code, stdout, stderr) = s.run(s.log(NOW, "UTC", &["--csv"]));
    assert_eq!(code, 0, "{stderr}");
    let header: Vec<&str> = stdout.lines().next().unwrap().split(',').collect();
    let id = header.iter().position(|c| *c == "id").expect("an id column");
    let ids: Vec<&str> = stdout.lines().skip(1).filter_map(|row| row.split(',').nth(id)).collect();
    assert_eq!(ids, ["a", "b", "c"], "{stdout}");
}

/// Runs `stretch log ARGS` in a 30-line terminal with `pager` as `PAGER`
/// (`None`: unset), and returns what the fake pager received, if it ran.
fn paged(pager: Option<&str>, args: &str) -> Option<String> {
    let s = Sandbox::new();
    s.write_journal(&[good(0), good(5)]);
    let received = s.path().join("paged");
    let fake = s.path().join("pager");
    std::fs::write(&fake, format!("#!/bin/sh\ncat > {}\n", shell_quote(received.to_str().unwrap()))).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let pager = match pager {
        Some("FAKE") => format!("PAGER={}", shell_quote(fake.to_str().unwrap())),
        Some(other) => format!("PAGER={}", shell_quote(other)),
        None => "-u PAGER".to_string(),
    };
    let command = format!(
        "env {pager} STRETCH_NOW={NOW} TZ=UTC {} log --data-dir {} {args}; echo finished-$((1 + 1)); exec cat",
        shell_quote(env!("CARGO_BIN_EXE_stretch")),
        shell_quote(s.data().to_str().unwrap())
    );
    let tmux = Tmux::start(&s, &command);
    tmux.wait_for("finished-2");
    std::fs::read_to_string(received).ok()
}

#[test]
fn a_view_taller_than_the_terminal_goes_through_the_pager() {
    let text = paged(Some("FAKE"), "--since 60d").expect("the pager ran");
    assert!(text.lines().count() > 30, "{text}");
    let (_, stdout, _) = {
        let s = Sandbox::new();
        s.write_journal(&[good(0), good(5)]);
        s.run(s.log(NOW, "UTC", &["--since", "60d"]))
    };
    // The same view, in colour for `less -R` (the terminal's stdout chose it).
    let table = |t: &str| t.split("Current streak").next().unwrap().to_string();
    assert_eq!(table(&text), table(&stdout), "the pager got the whole view");
    assert!(text.contains("\u{1b}["), "{text}");
}

#[test]
fn no_pager_for_a_short_view_with_no_pager_or_an_empty_pager() {
    assert_eq!(paged(Some("FAKE"), ""), None, "the default view fits in 30 lines");
    assert_eq!(paged(Some("FAKE"), "--since 60d --no-pager"), None);
    assert_eq!(paged(Some("FAKE"), "--since 60d --csv"), None);
    assert_eq!(paged(Some(""), "--since 60d"), None, "PAGER= empty means none");
}

#[test]
fn piped_output_never_pages() {
    let s = Sandbox::new();
    s.write_journal(&[good(0)]);
    let marker = s.path().join("paged");
    let mut cmd = s.log(NOW, "UTC", &["--since", "60d"]);
    cmd.env("PAGER", format!("touch {}", shell_quote(marker.to_str().unwrap())));
    let (code, stdout, _) = s.run(cmd);
    assert_eq!(code, 0);
    assert!(stdout.lines().count() > 30);
    assert!(!marker.exists());
}
