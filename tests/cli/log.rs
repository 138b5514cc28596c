//! `stretch log`: nights, streaks, the table and calendar, exports, filters,
//! `--check`, `add` and `import`, over hand-made journals at a fixed time.

use serde_json::Value;

use crate::support::{Sandbox, session_line};

const BERLIN: &str = "Europe/Berlin";
/// Thursday 29 October 2026, 21:00 in Berlin: no session yet tonight.
const NOW: &str = "2026-10-29T20:00:00Z";

/// A week around the end of summer time in Berlin (03:00 on 25 October), with
/// a trip to New York and Tokyo, sessions after midnight, and bad lines.
fn travelling_week() -> Vec<String> {
    vec![
        session_line("a", "2026-10-23T22:30:00.000+02:00", true),
        // 02:30 happens twice on the night of the 24th: both times belong to it.
        session_line("b", "2026-10-25T02:30:00.000+02:00", true),
        session_line("c", "2026-10-25T02:45:00+01:00", false),
        "{\"type\":\"session\",\"v\":1,\"id\":\"torn".into(),
        session_line("d", "2026-10-25T23:10:00.000+01:00", true),
        session_line("future", "2026-10-26T22:00:00.000+01:00", true).replace("\"v\":1", "\"v\":2"),
        // Landed in New York: after midnight there, still the night of the 26th.
        session_line("e", "2026-10-27T01:30:00.000-04:00", true),
        session_line("f", "2026-10-27T22:00:00.000-04:00", true),
        // Tokyo, before the day boundary: the night of the 28th.
        session_line("g", "2026-10-29T03:00:00.000+09:00", true),
        "garbage".into(),
    ]
}

fn json(s: &Sandbox, now: &str, tz: &str, args: &[&str]) -> (Value, String) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = s.run(s.log(now, tz, &all));
    assert_eq!(code, 0, "{stderr}");
    (serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")), stderr)
}

fn nights(log: &Value) -> Vec<(String, u64, u64)> {
    log["nights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (n["night"].as_str().unwrap().to_string(), n["completed"].as_u64().unwrap(), n["partial"].as_u64().unwrap())
        })
        .collect()
}

fn expected(rows: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    rows.iter().map(|(d, c, p)| (d.to_string(), *c, *p)).collect()
}

#[test]
fn nights_follow_each_records_own_offset_through_dst_and_travel() {
    let s = Sandbox::new();
    s.write_journal(&travelling_week());
    let before = std::fs::read(s.journal()).unwrap();
    let (log, stderr) = json(&s, NOW, BERLIN, &[]);
    assert_eq!(
        nights(&log),
        expected(&[
            ("2026-10-23", 1, 0),
            ("2026-10-24", 1, 1),
            ("2026-10-25", 1, 0),
            ("2026-10-26", 1, 0),
            ("2026-10-27", 1, 0),
            ("2026-10-28", 1, 0),
            ("2026-10-29", 0, 0),
        ])
    );
    assert_eq!(log["current_streak"], 6, "ends last night, as tonight has nothing yet");
    assert_eq!(log["longest_streak"], 6);
    let ids: Vec<_> = log["sessions"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e", "f", "g"]);
    assert_eq!(log["sessions"][2]["started"], "2026-10-25T02:45:00+01:00", "sessions are passed on as stored");
    let journal = s.journal().display().to_string();
    let warnings: Vec<_> = stderr.lines().collect();
    assert_eq!(warnings.len(), 3, "{stderr}");
    for (warning, line) in warnings.iter().zip([4, 6, 10]) {
        assert!(warning.starts_with(&format!("stretch: warning: {journal}:{line}: ")), "{warning}");
    }
    assert!(warnings[1].contains("v=2"), "{}", warnings[1]);
    assert_eq!(std::fs::read(s.journal()).unwrap(), before, "reading never modifies the journal");
}

#[test]
fn now_is_local_to_tz_and_the_day_boundary_moves_with_the_flag() {
    let s = Sandbox::new();
    s.write_journal(&travelling_week());
    // 20:00 UTC is already 05:00 on the 30th in Tokyo: last night (29th) is empty, so no streak.
    let (log, _) = json(&s, NOW, "Asia/Tokyo", &[]);
    assert_eq!(log["current_streak"], 0);
    assert_eq!(nights(&log).last().unwrap().0, "2026-10-30");
    // With the day starting at midnight, the sessions after midnight move to their own date.
    let (log, _) = json(&s, NOW, BERLIN, &["--day-starts", "00:00", "--since", "2026-10-24", "--until", "2026-10-27"]);
    assert_eq!(
        nights(&log),
        expected(&[("2026-10-24", 0, 0), ("2026-10-25", 2, 1), ("2026-10-26", 0, 0), ("2026-10-27", 2, 0)])
    );
}

#[test]
fn filters_choose_nights_and_sessions_but_streaks_span_the_journal() {
    let s = Sandbox::new();
    let mut lines = travelling_week();
    lines.push(session_line("h", "2026-10-20T22:00:00.000+02:00", true).replace("wall-calf", "wall-calf-single"));
    s.write_journal(&lines);
    let (log, _) = json(&s, NOW, BERLIN, &["--since", "3d", "--until", "2026-10-26"]);
    assert_eq!(nights(&log), expected(&[("2026-10-24", 1, 1), ("2026-10-25", 1, 0), ("2026-10-26", 1, 0)]));
    let ids: Vec<_> = log["sessions"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["b", "c", "d", "e"]);
    assert_eq!(log["current_streak"], 6);
    let (log, _) = json(&s, NOW, BERLIN, &["--routine", "wall-calf-single"]);
    assert_eq!(log["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(nights(&log).len(), 10, "from the 20th to tonight");
    assert_eq!((log["current_streak"].as_u64(), log["longest_streak"].as_u64()), (Some(0), Some(1)));
    for (args, message) in [
        (&["--since", "soon"][..], "invalid night \"soon\": write a date like 2026-11-01"),
        (&["--since", "2026-10-28", "--until", "2026-10-01"], "--since 2026-10-28 is after --until 2026-10-01"),
        (&["--day-starts", "25:00"], "invalid time \"25:00\""),
        (&["--json", "--csv"], "cannot be used with"),
    ] {
        let (code, _, stderr) = s.run(s.log(NOW, BERLIN, args));
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (code, _, stderr) = s.run(s.log("yesterday", BERLIN, &[]));
    assert_eq!(code, 2);
    assert!(stderr.contains("STRETCH_NOW=\"yesterday\" is not a time"), "{stderr}");
}

#[test]
fn the_table_and_calendar_at_a_fixed_time() {
    let s = Sandbox::new();
    s.write_journal(&travelling_week());
    let (code, stdout, _) = s.run(s.log(NOW, BERLIN, &[]));
    assert_eq!(code, 0);
    assert!(!stdout.contains('\x1b'), "no colour when piped");
    insta::assert_snapshot!(stdout);
}

#[test]
fn the_calendar_is_plain_with_no_color_even_for_a_terminal_type() {
    let s = Sandbox::new();
    s.write_journal(&travelling_week());
    let mut cmd = s.log(NOW, BERLIN, &["--since", "2026-10-28"]);
    cmd.env("TERM", "xterm-256color").env("NO_COLOR", "1");
    let (code, stdout, _) = s.run(cmd);
    assert_eq!(code, 0);
    assert!(!stdout.contains('\x1b'));
    let table = "Night       Day  Done  Partial  Alone  Slots  Cramps  Held\n\
                 2026-10-29  Thu     0        0           0/4          -\n\
                 2026-10-28  Wed     1        0           1/4          30s\n\
                 \nCurrent streak: 6 nights";
    assert!(stdout.starts_with(table), "{stdout}");
}

#[test]
fn csv_has_a_header_and_one_row_per_session() {
    let s = Sandbox::new();
    s.write_journal(&travelling_week());
    let (code, stdout, _) = s.run(s.log(NOW, BERLIN, &["--csv", "--since", "2026-10-28"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout, @r"
    night,started,ended,routine,completed,reps_done,reps_planned,hold_ms,paused_ms,source,audio,id,attended,note
    2026-10-28,2026-10-29T03:00:00+09:00,2026-10-29T03:01:00+09:00,wall-calf,true,3,3,30000,0,terminal,device,g,true,
    ");
}

#[test]
fn notes_and_how_long_a_cramp_lasted_reach_the_log_and_both_exports() {
    let s = Sandbox::new();
    let data = s.data();
    let dir = data.to_str().unwrap();
    let at = |cmd: &mut std::process::Command| {
        cmd.env("STRETCH_NOW", "2026-11-26T21:00:00+01:00").env("TZ", BERLIN);
    };
    let mut add = s.cmd(&["log", "add", "--at", "22:30", "--note", "tight, left calf", "--data-dir", dir]);
    at(&mut add);
    assert_eq!(s.run(add).0, 0);
    let mut cramp = s.cmd(&[
        "cramp",
        "--at",
        "03:40",
        "--leg",
        "right",
        "--severity",
        "4",
        "--lasted",
        "5m",
        "--note",
        "=1+1",
        "--data-dir",
        dir,
    ]);
    at(&mut cramp);
    assert_eq!(s.run(cramp).0, 0);
    let mut old = s.records();
    assert_eq!((old[0]["note"].as_str(), old[1]["lasted_ms"].as_u64()), (Some("tight, left calf"), Some(300_000)));
    // A journal written before either existed reads as before.
    old[0].as_object_mut().unwrap().remove("note");
    old[1].as_object_mut().unwrap().remove("lasted_ms");
    let now = "2026-11-26T21:00:00+01:00";
    let (_, human, _) = s.run(s.log(now, BERLIN, &[]));
    assert!(
        human.ends_with(
            "\nNotes:\n  night of 2026-11-25, Wed 22:30 wall-calf: tight, left calf\n  \
         night of 2026-11-25, Thu 03:40 cramp, right leg, severity 4, lasted 5m: =1+1\n"
        ),
        "{human}"
    );
    let (_, csv, _) = s.run(s.log(now, BERLIN, &["--csv"]));
    assert!(csv.lines().nth(1).unwrap().ends_with(",true,\"tight, left calf\""), "{csv}");
    let (_, cramps, _) = s.run(s.log(now, BERLIN, &["--csv", "--cramps"]));
    let rows: Vec<&str> = cramps.lines().collect();
    assert_eq!(rows[0], "night,at,leg,severity,lasted_ms,note,id");
    assert!(
        rows[1].starts_with("2026-11-25,2026-11-26T03:40:00+01:00,right,4,300000,'=1+1,"),
        "formula-safe: {cramps}"
    );
    let (_, json, _) = s.run(s.log(now, BERLIN, &["--json"]));
    let log: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (log["sessions"][0]["note"].as_str(), log["cramps"][0]["lasted_ms"].as_u64()),
        (Some("tight, left calf"), Some(300_000))
    );
    s.write_journal(&old.iter().map(ToString::to_string).collect::<Vec<_>>());
    let (code, _, stderr) = s.run(s.log(now, BERLIN, &["--check"]));
    assert_eq!(code, 0, "{stderr}");
    let (_, human, _) = s.run(s.log(now, BERLIN, &[]));
    assert!(
        human.ends_with("\nNotes:\n  night of 2026-11-25, Thu 03:40 cramp, right leg, severity 4: =1+1\n"),
        "{human}"
    );
    let (_, cramps, _) = s.run(s.log(now, BERLIN, &["--csv", "--cramps"]));
    assert!(
        cramps.lines().nth(1).unwrap().starts_with("2026-11-25,2026-11-26T03:40:00+01:00,right,4,,'=1+1,"),
        "{cramps}"
    );
}

#[test]
fn an_empty_or_missing_journal_says_how_to_start() {
    let s = Sandbox::new();
    let (code, stdout, stderr) = s.run(s.log(NOW, BERLIN, &[]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.contains("run `stretch tonight` to start"), "{stdout}");
    assert!(!s.data().exists(), "reading creates nothing");
    let (log, _) = json(&s, NOW, BERLIN, &[]);
    let no_cramps = serde_json::json!({"nights": 0, "cramp_nights": 0, "stretched_nights": 0,
        "stretched_cramp_nights": 0, "cramp_before_stretch_nights": 0, "unstretched_nights": 0, "unstretched_cramp_nights": 0});
    let empty = serde_json::json!({"current_streak": 0, "longest_streak": 0, "counted_from": null, "nights": [],
        "sessions": [], "cramps": [], "cramp_summary": no_cramps, "weeks": [], "confirmed": [], "slots_per_day": 4});
    assert_eq!(log, empty);
    assert_eq!(s.run(s.log(NOW, BERLIN, &["--check"])).0, 0);
}

#[test]
fn check_fails_on_any_bad_line_and_passes_a_clean_journal() {
    let s = Sandbox::new();
    s.write_journal(&travelling_week());
    let (code, stdout, stderr) = s.run(s.log(NOW, BERLIN, &["--check"]));
    assert_eq!(code, 1);
    assert_eq!(stdout, format!("{}: 7 records, 3 problems\n", s.journal().display()));
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    let clean =
        [session_line("a", "2026-10-23T22:30:00+02:00", true), session_line("b", "2026-10-24T22:30:00+02:00", true)];
    s.write_journal(&clean);
    assert_eq!(s.run(s.log(NOW, BERLIN, &["--check"])).0, 0);
    s.write_journal(&[clean[0].clone(), clean[0].clone(), clean[1].replace("\"reps_done\":3", "\"reps_done\":9")]);
    let (code, _, stderr) = s.run(s.log(NOW, BERLIN, &["--check"]));
    assert_eq!(code, 1);
    assert!(stderr.contains(":2: id used before, on line 1"), "{stderr}");
    assert!(stderr.contains(":3: 9 reps done of 3 planned"), "{stderr}");
}

#[test]
fn add_records_an_entered_session_with_the_routines_plan() {
    let s = Sandbox::new();
    let add = |args: &[&str]| s.run(s.log(NOW, BERLIN, &[&["add"], args].concat()));
    let (code, stdout, stderr) = add(&["--at", "2026-10-29 00:30", "--routine", "wall-calf-single", "--reps", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("for the night of 2026-10-28"), "{stdout}");
    let (code, _, _) = add(&[]);
    assert_eq!(code, 0);
    let records = s.records();
    assert_eq!(records.len(), 2);
    let r = &records[0];
    assert_eq!((r["source"].as_str(), r["routine"].as_str()), (Some("entered"), Some("wall-calf-single")));
    assert_eq!(
        (r["reps_planned"].as_u64(), r["reps_done"].as_u64(), r["hold_ms"].as_u64()),
        (Some(1), Some(1), Some(40_000))
    );
    assert_eq!(r["started"], "2026-10-29T00:30:00.000+01:00", "a local time takes TZ's offset");
    assert_eq!(records[1]["started"], "2026-10-29T21:00:00.000+01:00", "default: STRETCH_NOW, in TZ");
    for (args, message) in [
        (&["--at", "2026-10-30T22:00:00+01:00"][..], "is in the future"),
        (&["--at", "2026-03-29 02:30"], "does not exist"),
        (&["--at", "tuesday"], "invalid time \"tuesday\": not understood as a time; write a time like"),
        (&["--routine", "nope"], "no routine named \"nope\""),
        (&["--reps", "0"], "reps must be a whole number from 1 to 20 (got 0)"),
    ] {
        let (code, _, stderr) = add(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert_eq!(s.records().len(), 2, "nothing bad was written");
}

#[test]
fn import_merges_another_journal_and_skips_what_is_already_here() {
    let s = Sandbox::new();
    let week = travelling_week();
    s.write_journal(&week[..3]);
    let laptop = s.path().join("laptop.jsonl");
    std::fs::write(&laptop, [&week[1..3], &week[4..]].concat().join("\n")).unwrap();
    let laptop_arg = laptop.to_str().unwrap();
    // One bad record anywhere and nothing is imported.
    let before = std::fs::read(s.journal()).unwrap();
    let (code, stdout, stderr) = s.run(s.log(NOW, BERLIN, &["import", laptop_arg]));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.contains(&format!("{laptop_arg}:4: unknown record version v=2")), "{stderr}");
    assert!(stderr.contains("nothing was imported: 2 of the records"), "{stderr}");
    assert_eq!(std::fs::read(s.journal()).unwrap(), before);
    let good: Vec<_> = [&week[1..3], &week[4..]].concat().into_iter().filter(|l| l.contains("\"v\":1")).collect();
    std::fs::write(&laptop, good.join("\n")).unwrap();
    let (code, stdout, stderr) = s.run(s.log(NOW, BERLIN, &["import", laptop_arg]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("Imported {laptop_arg}: 4 added, 2 skipped")), "{stdout}");
    let ids: Vec<_> = s.records().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e", "f", "g"]);
    let (_, stdout, _) = s.run(s.log(NOW, BERLIN, &["import", laptop_arg]));
    assert!(stdout.contains(": 0 added, 6 skipped"), "{stdout}");
    let (code, _, stderr) = s.run(s.log(NOW, BERLIN, &["import", "/nonexistent.jsonl"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent.jsonl"), "{stderr}");
}

#[test]
fn cramps_are_marked_on_their_nights_but_never_count_as_sessions() {
    let s = Sandbox::new();
    let cramp = r#"{"type":"cramp","v":1,"id":"k","at":"2026-10-29T03:12:09.120+01:00","leg":"right","severity":4,"note":null}"#;
    s.write_journal(&[cramp.to_string()]);
    let (code, stdout, stderr) = s.run(s.log(NOW, BERLIN, &[]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(
        stdout.contains("2026-10-28  Wed     0        0           0/4     × 1  -\n"),
        "03:12 is the night before: {stdout}"
    );
    assert!(stdout.contains("Current streak: 0 nights"), "{stdout}");
    s.write_journal(&[cramp.to_string(), session_line("a", "2026-10-28T22:00:00+01:00", true)]);
    let (log, stderr) = json(&s, NOW, BERLIN, &[]);
    assert_eq!(stderr, "");
    assert_eq!(nights(&log), expected(&[("2026-10-28", 1, 0), ("2026-10-29", 0, 0)]));
    let cramps: Vec<_> = log["nights"].as_array().unwrap().iter().map(|n| n["cramps"].as_u64().unwrap()).collect();
    assert_eq!(cramps, [1, 0]);
    assert_eq!(log["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(log["cramps"][0]["id"], "k");
    assert_eq!(log["current_streak"], 1);
    assert_eq!(s.run(s.log(NOW, BERLIN, &["--check"])).0, 0);
}

/// A session dated tomorrow night (a clock ahead, a flight east) is counted
/// alike by the table, `--json` and the report: the table ends at that night too.
#[test]
fn a_session_dated_tomorrow_night_is_in_the_table_as_in_json() {
    let s = Sandbox::new();
    let (now, tz) = ("2026-11-26T12:00:00+01:00", "Europe/Berlin");
    s.write_journal(&[
        session_line("s1", "2026-11-25T22:00:00+01:00", true),
        session_line("s2", "2026-11-27T22:00:00+01:00", true),
    ]);
    let (log, _) = json(&s, now, tz, &[]);
    assert_eq!(nights(&log).last().unwrap(), &("2026-11-27".to_string(), 1, 0));
    let (code, table, stderr) = s.run(s.log(now, tz, &["--no-pager"]));
    assert_eq!(code, 0, "{stderr}");
    let row = table.lines().find(|l| l.starts_with("2026-11-27")).unwrap_or_else(|| panic!("no row:\n{table}"));
    assert_eq!(row.split_whitespace().nth(2), Some("1"), "{row}");
    assert_eq!(table.lines().filter(|l| l.starts_with("2026-11-")).count(), nights(&log).len(), "{table}");
}
