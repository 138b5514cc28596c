//! `stretch cramp`: recording with flags and through single-key prompts, and guided relief.

use crate::support::{Sandbox, Tmux, session_line, shell_quote};

fn cramps(s: &Sandbox) -> Vec<serde_json::Value> {
    s.records().into_iter().filter(|r| r["type"] == "cramp").collect()
}

#[test]
fn a_cramp_is_recorded_from_flags() {
    let s = Sandbox::new();
    let data = s.data();
    let args = [
        "cramp",
        "--leg",
        "left",
        "--severity",
        "4",
        "--note",
        "after a long walk",
        "--lasted",
        "1m30s",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = s.run(s.cmd(&args));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Recorded a cramp (left leg, severity 4, lasted 1m30s)"), "{stdout}");
    let c = &cramps(&s)[0];
    assert_eq!(c["v"], 1);
    assert_eq!(c["leg"], "left");
    assert_eq!(c["severity"], 4);
    assert_eq!(c["note"], "after a long walk");
    assert_eq!(c["lasted_ms"], 90_000);
    assert!(chrono::DateTime::parse_from_rfc3339(c["at"].as_str().unwrap()).is_ok());
    assert_eq!(s.records().len(), 1, "no relief unless asked");
}

#[test]
fn without_a_terminal_the_defaults_are_recorded_without_asking() {
    let s = Sandbox::new();
    let data = s.data();
    let mut cmd = s.cmd(&["cramp", "--data-dir", data.to_str().unwrap()]);
    cmd.stdin(std::process::Stdio::piped());
    let mut child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    // An answer piped in is not taken for one, and the person is told.
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"r\n4\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        "stretch: not a terminal, so nothing was asked and stdin was not read; recording both legs, severity 3 \
         (give --leg and --severity to say otherwise)\n"
    );
    let c = &cramps(&s)[0];
    assert_eq!((c["leg"].as_str(), c["severity"].as_u64()), (Some("both"), Some(3)));
    let (code, _, stderr) = s.run(s.cmd(&["cramp", "--leg", "left", "--data-dir", data.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("recording severity 3 (give"), "only the default taken is named: {stderr}");
    let (_, _, stderr) =
        s.run(s.cmd(&["cramp", "--leg", "left", "--severity", "2", "--data-dir", data.to_str().unwrap()]));
    assert_eq!(stderr, "", "nothing was left to ask");
}

#[test]
fn a_cramp_at_an_earlier_time_says_when_and_for_which_night_and_offers_no_relief() {
    let s = Sandbox::new();
    let bin = shell_quote(env!("CARGO_BIN_EXE_stretch"));
    let data = shell_quote(s.data().to_str().unwrap());
    let term = Tmux::start(
        &s,
        &format!(
            "STRETCH_NOW=2026-11-26T08:10:00+01:00 TZ=Europe/Berlin {bin} cramp --at 05:40 --data-dir {data}; \
             echo EXIT=$?; sleep 30"
        ),
    );
    term.wait_for("Which leg?");
    term.keys(&["l"]);
    term.wait_for("How bad");
    term.keys(&["3"]);
    term.wait_for("How long did it last?");
    term.keys(&["Enter"]);
    term.wait_for("A few words to remember it by?");
    term.keys(&["Enter"]);
    let screen = term.wait_for("EXIT=");
    assert!(
        screen.contains("Recorded a cramp (left leg, severity 3) at 2026-11-26 05:40, for the night of 2026-11-25, in"),
        "{screen}"
    );
    assert!(!screen.contains("relief"), "a cramp hours ago is over: {screen}");
    assert!(screen.contains("EXIT=0"), "{screen}");
}

#[test]
fn a_flag_of_another_command_is_named_as_such() {
    let s = Sandbox::new();
    let (code, _, stderr) = s.run(s.cmd(&["cramp", "--json"]));
    assert_eq!(code, 2);
    assert!(
        stderr
            .starts_with("stretch: `stretch cramp` has no --json option (it belongs to stretch log, stretch tonight)"),
        "{stderr}"
    );
    assert!(!stderr.contains("--sounds"), "no guess at a look-alike: {stderr}");
}

#[test]
fn bad_values_are_refused_and_nothing_is_recorded() {
    let s = Sandbox::new();
    let data = s.data();
    for args in
        [["--severity", "6"], ["--severity", "0"], ["--leg", "middle"], ["--lasted", "3h"], ["--lasted", "soon"]]
    {
        let mut all = vec!["cramp", "--data-dir", data.to_str().unwrap()];
        all.extend_from_slice(&args);
        let (code, _, stderr) = s.run(s.cmd(&all));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(args[1]), "{stderr}");
    }
    assert!(!s.journal().exists());
}

#[test]
fn relief_is_a_session_linked_to_the_cramp() {
    let s = Sandbox::new();
    let data = s.data();
    let args = [
        "cramp",
        "--leg",
        "right",
        "--relieve",
        "--sounds",
        "off",
        "--prepare",
        "0s",
        "--hold",
        "200ms",
        "--rest",
        "0s",
    ];
    let mut all = args.to_vec();
    all.extend(["--data-dir", data.to_str().unwrap()]);
    let (code, stdout, stderr) = s.run(s.cmd(&all));
    assert_eq!(code, 0, "{stderr}");
    let records = s.records();
    assert_eq!(records.len(), 2);
    let (cramp, session) = (&records[0], &records[1]);
    assert_eq!(session["type"], "session");
    assert_eq!(session["routine"], "cramp-relief");
    assert_eq!(session["cramp"], cramp["id"]);
    assert_eq!(session["reps_done"], 3);
    assert_eq!(session["completed"], true);
    for words in ["Pull your toes and foot up toward you", "put your weight on the cramping leg", "Massage the calf"] {
        assert!(stdout.contains(words), "{words}: {stdout}");
    }
    assert!(stdout.contains("Relief for the cramp in your right leg: 3 steps"), "the leg answered: {stdout}");
    for n in 1..=3 {
        assert!(stdout.contains(&format!("Step {n} of 3 (200ms): ")), "each step says what it is: {stdout}");
    }
    // Relief is not the night's stretch: no streak, and the bedtime routine still runs.
    let (_, log, _) = s.run(s.cmd(&["log", "--json", "--data-dir", data.to_str().unwrap()]));
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(log["current_streak"], 0);
    let (code, stdout, _) = s.run(s.tonight(&["--sounds", "off", "--skip-if-done"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("Completed wall-calf"), "{stdout}");
}

#[test]
fn two_keypresses_record_a_cramp_half_asleep() {
    let s = Sandbox::new();
    let bin = shell_quote(env!("CARGO_BIN_EXE_stretch"));
    let data = shell_quote(s.data().to_str().unwrap());
    let term = Tmux::start(&s, &format!("{bin} cramp --data-dir {data}; echo EXIT=$?; sleep 30"));
    term.wait_for("Which leg?");
    term.keys(&["r"]);
    term.wait_for("How bad");
    term.keys(&["4"]);
    term.wait_for("How long did it last?");
    term.keys(&["5"]);
    term.wait_for("A few words to remember it by?");
    term.keys(&["calf knotted", "Enter"]);
    term.wait_for("Guide you through relief now?");
    term.keys(&["Enter"]);
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("(Enter: both) right\n"), "the answer is echoed: {screen}");
    assert!(screen.contains("Recorded a cramp (right leg, severity 4, lasted 5m)"), "{screen}");
    assert!(screen.contains("EXIT=0"), "{screen}");
    let c = &cramps(&s)[0];
    assert_eq!((c["leg"].as_str(), c["severity"].as_u64()), (Some("right"), Some(4)));
    assert_eq!(c["lasted_ms"], 300_000);
    assert_eq!(c["note"], "calf knotted");
    assert_eq!(s.records().len(), 1, "Enter declines relief");
}

#[test]
fn enter_takes_the_defaults_and_escape_cancels() {
    let s = Sandbox::new();
    let bin = shell_quote(env!("CARGO_BIN_EXE_stretch"));
    let data = shell_quote(s.data().to_str().unwrap());
    let term = Tmux::start(&s, &format!("{bin} cramp --data-dir {data}; echo EXIT=$?; sleep 30"));
    term.wait_for("Which leg?");
    term.keys(&["Escape"]);
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("cancelled; nothing was recorded") && screen.contains("EXIT=130"), "{screen}");
    assert!(!s.journal().exists());
    let term = Tmux::start(&s, &format!("{bin} cramp --data-dir {data}; echo EXIT=$?; sleep 30"));
    term.wait_for("Which leg?");
    term.keys(&["x"]);
    term.wait_for("(l/r/b?)");
    term.keys(&["Enter"]);
    term.wait_for("(Enter: both) (l/r/b?) both");
    term.keys(&["Enter"]);
    term.wait_for("(Enter: 3) 3");
    term.keys(&["Enter"]);
    term.wait_for("[-]/Enter: skip skipped");
    term.wait_for("A few words to remember it by?");
    term.keys(&["Enter"]);
    term.wait_for("Guide you through relief now?");
    term.keys(&["n"]);
    term.wait_for("EXIT=0");
    let c = &cramps(&s)[0];
    assert_eq!((c["leg"].as_str(), c["severity"].as_u64()), (Some("both"), Some(3)));
    assert!(c.get("lasted_ms").is_none() && c["note"].is_null(), "Enter skips both: {c}");
}

#[test]
fn a_signal_at_a_question_cancels_and_restores_the_terminal() {
    let s = Sandbox::new();
    let bin = shell_quote(env!("CARGO_BIN_EXE_stretch"));
    let data = shell_quote(s.data().to_str().unwrap());
    let stty = s.path().join("stty.txt");
    let script = format!(
        "{bin} cramp --data-dir {data}; echo EXIT=$?; stty -a > {}; echo DONE; sleep 30",
        shell_quote(stty.to_str().unwrap())
    );
    let term = Tmux::start(&s, &script);
    term.wait_for("Which leg?");
    term.keys(&["C-c"]);
    let screen = term.wait_for("DONE");
    assert!(screen.contains("EXIT=130"), "{screen}");
    let stty = std::fs::read_to_string(stty).unwrap();
    let flags: Vec<_> = stty.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig"] {
        assert!(flags.contains(&flag), "{flag} is on again: {stty}");
    }
    assert!(!s.journal().exists());
}

fn cramp_line(id: &str, at: &str) -> String {
    serde_json::json!({"type": "cramp", "v": 1, "id": id, "at": at, "leg": "left", "severity": 3, "note": null})
        .to_string()
}

/// Ten nights in Berlin: stretched on six; cramps on four (one of them twice,
/// one after midnight, which is the night before).
fn cramp_fortnight() -> Vec<String> {
    let mut lines = Vec::new();
    for (i, day) in [16, 17, 18, 20, 22, 24].iter().enumerate() {
        lines.push(session_line(&format!("s{i}"), &format!("2026-11-{day}T22:30:00+01:00"), true));
    }
    lines.push(session_line("p", "2026-11-19T22:30:00+01:00", false));
    for (id, at) in [
        ("c1", "2026-11-17T02:10:00+01:00"),
        ("c2", "2026-11-19T23:50:00+01:00"),
        ("c3", "2026-11-20T03:15:00+01:00"),
        ("c4", "2026-11-21T23:00:00+01:00"),
        ("c5", "2026-11-23T01:00:00+01:00"),
    ] {
        lines.push(cramp_line(id, at));
    }
    lines
}

#[test]
fn the_log_sets_cramp_nights_beside_stretch_nights() {
    let s = Sandbox::new();
    s.write_journal(&cramp_fortnight());
    let now = "2026-11-25T21:00:00+01:00";
    let (code, stdout, stderr) = s.run(s.log(now, "Europe/Berlin", &["--since", "2026-11-16"]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    insta::assert_snapshot!(stdout);
    let (_, json, _) = s.run(s.log(now, "Europe/Berlin", &["--since", "2026-11-16", "--json"]));
    let log: serde_json::Value = serde_json::from_str(&json).unwrap();
    let summary = &log["cramp_summary"];
    assert_eq!(summary["nights"], 10, "16 to 25 November");
    assert_eq!(summary["cramp_nights"], 4, "the 16th, 19th (twice), 21st and 22nd");
    assert_eq!((summary["stretched_nights"].as_u64(), summary["stretched_cramp_nights"].as_u64()), (Some(6), Some(2)));
    assert_eq!(
        (summary["unstretched_nights"].as_u64(), summary["unstretched_cramp_nights"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(log["cramps"].as_array().unwrap().len(), 5);
}

#[test]
fn check_flags_a_cramp_no_one_could_have_recorded() {
    let s = Sandbox::new();
    let bad = cramp_line("c9", "2026-11-20T02:00:00+01:00").replace("\"severity\":3", "\"severity\":9");
    s.write_journal(&[cramp_line("c1", "2026-11-19T02:00:00+01:00"), bad]);
    let (code, _, stderr) = s.run(s.log("2026-11-25T21:00:00+01:00", "Europe/Berlin", &["--check"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("journal.jsonl:2: severity 9 is not between 1 and 5"), "{stderr}");
}
