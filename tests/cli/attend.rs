//! Whether a person was there: scheduled sessions count only once someone
//! shows it (a key, the notification, `stretch log confirm`), records made by
//! mistake are retracted, and a first-version journal reads as it always did.
//! All through `stretch log --json` at a fixed time.

use serde_json::Value;

use crate::support::{Sandbox, session_line};

const BERLIN: &str = "Europe/Berlin";
/// Thursday 29 October 2026, 21:00 in Berlin.
const NOW: &str = "2026-10-29T20:00:00Z";

/// A session record as this version writes one, started by `source`.
fn scheduled(id: &str, started: &str, attended: bool) -> String {
    session_line(id, started, true)
        .replace("\"terminal\"", "\"cron\"")
        .replace("\"paused_ms\":0", &format!("\"paused_ms\":0,\"attended\":{attended}"))
}

fn stretch_log(s: &Sandbox, args: &[&str]) -> (i32, String, String) {
    s.run(s.log(NOW, BERLIN, args))
}

fn json(s: &Sandbox) -> Value {
    let (code, stdout, stderr) = stretch_log(s, &["--json"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    serde_json::from_str(&stdout).unwrap()
}

/// Each night as (date, completed, unattended).
fn nights(log: &Value) -> Vec<(String, u64, u64)> {
    let nights = log["nights"].as_array().unwrap().iter();
    nights
        .map(|n| {
            (n["night"].as_str().unwrap().into(), n["completed"].as_u64().unwrap(), n["unattended"].as_u64().unwrap())
        })
        .collect()
}

fn rows(rows: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    rows.iter().map(|(d, c, u)| (d.to_string(), *c, *u)).collect()
}

#[test]
fn a_first_version_journal_counts_as_it_did() {
    let s = Sandbox::new();
    // Written before `attended` existed: the cron session counted then, and still does.
    let old_cron = session_line("a", "2026-10-27T22:30:00.000+01:00", true).replace("\"terminal\"", "\"cron\"");
    s.write_journal(&[old_cron, session_line("b", "2026-10-28T22:30:00.000+01:00", true)]);
    let log = json(&s);
    assert_eq!(nights(&log), rows(&[("2026-10-27", 1, 0), ("2026-10-28", 1, 0), ("2026-10-29", 0, 0)]));
    assert_eq!((log["current_streak"].as_u64(), log["longest_streak"].as_u64()), (Some(2), Some(2)));
    assert_eq!(stretch_log(&s, &["--check"]).0, 0);
}

#[test]
fn a_scheduled_session_nobody_answered_is_shown_apart_and_never_counts() {
    let s = Sandbox::new();
    s.write_journal(&[
        session_line("a", "2026-10-27T22:30:00.000+01:00", true),
        scheduled("b", "2026-10-28T22:30:00.000+01:00", false),
        scheduled("c", "2026-10-29T21:30:00.000+01:00", true),
    ]);
    let log = json(&s);
    assert_eq!(nights(&log), rows(&[("2026-10-27", 1, 0), ("2026-10-28", 0, 1), ("2026-10-29", 1, 0)]));
    assert_eq!(log["current_streak"], 1, "the night nobody was there breaks the streak");
    assert_eq!(log["cramp_summary"]["stretched_nights"], 2);
    let (_, table, _) = stretch_log(&s, &[]);
    assert!(table.contains("2026-10-28  Wed     0        0    ○ 1    0/4          -\n"), "{table}");
    assert!(table.contains("○ alone"), "the calendar's legend: {table}");
    let (_, csv, _) = stretch_log(&s, &["--csv"]);
    assert!(csv.lines().nth(2).unwrap().ends_with(",b,false,"), "{csv}");
}

#[test]
fn confirming_afterwards_appends_and_counts_the_latest_unanswered_session() {
    let s = Sandbox::new();
    let lines = [
        scheduled("b", "2026-10-27T22:30:00.000+01:00", false),
        scheduled("c", "2026-10-28T22:30:00.000+01:00", false),
    ];
    s.write_journal(&lines);
    let (code, stdout, stderr) = stretch_log(&s, &["confirm"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with("Confirmed the wall-calf session of 2026-10-28 22:30"), "{stdout}");
    let text = std::fs::read_to_string(s.journal()).unwrap();
    assert!(text.starts_with(&format!("{}\n{}\n", lines[0], lines[1])), "nothing rewritten: {text}");
    let confirm: Value = serde_json::from_str(text.lines().nth(2).unwrap()).unwrap();
    assert_eq!((&confirm["type"], &confirm["v"], &confirm["session"]), (&"confirm".into(), &1.into(), &"c".into()));
    let log = json(&s);
    assert_eq!(nights(&log)[..2], rows(&[("2026-10-27", 0, 1), ("2026-10-28", 1, 0)]));
    assert_eq!(log["confirmed"], serde_json::json!(["c"]));
    // By the start of its id, then nothing is left to confirm.
    assert_eq!(stretch_log(&s, &["confirm", "b"]).0, 0);
    assert_eq!(nights(&json(&s))[0], ("2026-10-27".into(), 1, 0));
    let (code, _, stderr) = stretch_log(&s, &["confirm"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no scheduled session is waiting to be confirmed"), "{stderr}");
    assert_eq!(stretch_log(&s, &["--check"]).0, 0);
}

#[test]
fn a_retraction_takes_a_record_out_of_every_view() {
    let s = Sandbox::new();
    let cramp = r#"{"type":"cramp","v":1,"id":"k1","at":"2026-10-29T03:12:09.120+01:00","leg":"right","severity":4,"note":null}"#;
    s.write_journal(&[
        session_line("a1", "2026-10-27T22:30:00.000+01:00", true),
        session_line("a2", "2026-10-28T22:30:00.000+01:00", true),
        cramp.to_string(),
    ]);
    assert_eq!(json(&s)["current_streak"], 2);
    for id in ["a2", "k1"] {
        let (code, stdout, stderr) = stretch_log(&s, &["retract", id]);
        assert_eq!((code, stderr.as_str()), (0, ""));
        assert!(stdout.starts_with("Retracted the "), "{stdout}");
    }
    let log = json(&s);
    assert_eq!(nights(&log), rows(&[("2026-10-27", 1, 0), ("2026-10-28", 0, 0), ("2026-10-29", 0, 0)]));
    assert_eq!(log["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(log["cramps"].as_array().unwrap().len(), 0);
    assert_eq!(log["longest_streak"], 1);
    let (_, csv, _) = stretch_log(&s, &["--csv"]);
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert_eq!(std::fs::read_to_string(s.journal()).unwrap().lines().count(), 5, "both lines kept");
    let (code, _, stderr) = stretch_log(&s, &["retract", "nothing"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no record has the id \"nothing\""), "{stderr}");
    assert_eq!(stretch_log(&s, &["--check"]).0, 0);
}

#[test]
fn a_mistake_in_the_config_file_stands_in_the_way_of_views_not_of_retract_or_confirm() {
    let s = Sandbox::new();
    let config = s.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "volme = 30\n").unwrap();
    s.write_journal(&[
        session_line("a1", "2026-10-27T22:30:00.000+01:00", true),
        scheduled("alone", "2026-10-28T22:30:00.000+01:00", false),
    ]);
    let (code, _, stderr) = stretch_log(&s, &[]);
    assert_eq!(code, 2, "the view needs the file's day boundary: {stderr}");
    assert!(stderr.contains("unknown key volme; did you mean volume?"), "{stderr}");
    for args in [&["confirm", "alone"][..], &["retract", "a1"]] {
        let (code, stdout, stderr) = stretch_log(&s, args);
        assert_eq!((code, stderr.as_str()), (0, ""), "{args:?}: {stdout}");
    }
    assert_eq!(s.records().len(), 4, "both answers recorded");
}

#[test]
fn check_names_confirmations_and_retractions_that_name_nothing() {
    let s = Sandbox::new();
    s.write_journal(&[
        session_line("a", "2026-10-27T22:30:00.000+01:00", true),
        r#"{"type":"confirm","v":1,"id":"k1","session":"gone","at":"2026-10-28T08:00:00.000+01:00"}"#.into(),
        r#"{"type":"retract","v":1,"id":"r1","record":"lost","at":"2026-10-28T08:00:00.000+01:00"}"#.into(),
        r#"{"type":"confirm","v":1,"id":"k2","at":"2026-10-28T08:00:00.000+01:00"}"#.into(),
    ]);
    let (code, stdout, stderr) = stretch_log(&s, &["--check"]);
    assert_eq!(code, 1);
    assert!(stderr.contains(":2: it confirms \"gone\", which is no record in this journal"), "{stderr}");
    assert!(stderr.contains(":3: it retracts \"lost\", which is no record in this journal"), "{stderr}");
    assert!(stderr.contains(":4: not a valid confirm record: missing field `session`"), "{stderr}");
    assert!(stdout.ends_with("3 records, 3 problems\n"), "{stdout}");
}

#[test]
fn skip_if_done_needs_a_session_someone_attended() {
    let s = Sandbox::new();
    let data = s.data();
    let run = |now: &str| {
        let mut cmd = s.tonight(&["--source", "cron", "--skip-if-done", "--sounds", "off"]);
        cmd.env("STRETCH_NOW", now);
        s.run(cmd)
    };
    let (code, stdout, _) = run("2026-10-29T20:30:00Z");
    assert_eq!(code, 0);
    assert!(stdout.contains("Played, not confirmed, wall-calf"), "{stdout}");
    let records = s.records();
    assert_eq!((&records[0]["source"], &records[0]["attended"]), (&"cron".into(), &false.into()));
    let (_, stdout, _) = run("2026-10-29T20:40:00Z");
    assert!(stdout.contains("Played, not confirmed, wall-calf"), "nobody did the first, so the second plays: {stdout}");
    let mut confirm = s.cmd(&["log", "--data-dir", data.to_str().unwrap(), "confirm"]);
    confirm.env("STRETCH_NOW", "2026-10-29T20:45:00Z");
    assert_eq!(s.run(confirm).0, 0);
    let (_, stdout, _) = run("2026-10-29T20:50:00Z");
    assert!(stdout.starts_with("Already done tonight"), "{stdout}");
}

#[test]
fn sessions_started_by_hand_or_entered_are_attended() {
    let s = Sandbox::new();
    let mut run = s.tonight(&["--sounds", "off"]);
    run.env("STRETCH_NOW", "2026-10-28T21:00:00Z");
    assert_eq!(s.run(run).0, 0);
    let mut add = s.cmd(&["log", "--data-dir", s.data().to_str().unwrap(), "add", "--at", "2026-10-27T22:00:00+01:00"]);
    add.env("STRETCH_NOW", NOW);
    assert_eq!(s.run(add).0, 0);
    let attended: Vec<_> = s.records().iter().map(|r| r["attended"].clone()).collect();
    assert_eq!(attended, [true, true]);
    assert_eq!(json(&s)["current_streak"], 2);
}

#[test]
fn attended_sessions_fill_the_days_slots_from_the_config() {
    let s = Sandbox::new();
    let config = s.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "[slots]\nmorning = \"06:00-11:00\"\nbedtime = \"21:00-\"\n").unwrap();
    s.write_journal(&[
        session_line("m", "2026-10-28T07:30:00.000+01:00", true),
        session_line("m2", "2026-10-28T08:30:00.000+01:00", true),
        // After midnight, before the day boundary: the bedtime of the 28th.
        session_line("b", "2026-10-29T00:30:00.000+01:00", true),
        scheduled("alone", "2026-10-29T07:30:00.000+01:00", false),
        session_line("noon", "2026-10-29T12:00:00.000+01:00", true),
    ]);
    let log = json(&s);
    assert_eq!(log["slots_per_day"], 2);
    let slots: Vec<_> = log["nights"].as_array().unwrap().iter().map(|n| n["slots"].as_u64().unwrap()).collect();
    assert_eq!(slots, [2, 0], "an unattended session and one outside every slot fill nothing");
    let (_, table, _) = stretch_log(&s, &[]);
    assert!(table.contains("Slots"), "{table}");
    assert!(table.contains("2026-10-28  Wed     3        0           2/2"), "{table}");
    // A morning entry skips only once the morning is filled.
    let run = |now: &str, slot: &str| {
        let mut cmd = s.tonight(&["--source", "cron", "--skip-if-done", "--slot", slot, "--sounds", "off"]);
        cmd.env("STRETCH_NOW", now).env("TZ", BERLIN);
        s.run(cmd)
    };
    let (_, stdout, _) = run("2026-10-28T08:00:00Z", "morning");
    assert!(stdout.starts_with("The morning slot is filled already"), "{stdout}");
    let (_, stdout, _) = run("2026-10-28T20:30:00Z", "bedtime");
    assert!(stdout.starts_with("The bedtime slot is filled already: a session completed at 00:30"), "{stdout}");
    let (_, stdout, _) = run("2026-10-29T20:30:00Z", "bedtime");
    assert!(stdout.contains("Played, not confirmed, wall-calf"), "the next day's bedtime is open: {stdout}");
    let (code, _, stderr) = run("2026-10-28T20:30:00Z", "noon");
    assert_eq!(code, 2);
    assert!(stderr.contains("--slot \"noon\" is no slot of the day; the config file's [slots] (or the built-in ones) are: bedtime, morning"), "{stderr}");
}
