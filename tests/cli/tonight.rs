//! `stretch tonight`: exit codes, the journal, output, events, one session at a time, signals.

use std::io::{BufRead, BufReader};

use crate::support::{Sandbox, all_events, cues, events, signal, spawn};

#[test]
fn a_completed_routine_is_logged_with_every_field() {
    let s = Sandbox::new();
    let (code, stdout, stderr) = s.run(s.tonight(&["--sounds", "off"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "sounds off: nothing to warn about");
    let records = s.records();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r["v"], 1);
    assert_eq!(r["type"], "session");
    assert_eq!(r["routine"], "wall-calf");
    assert_eq!(r["reps_planned"], 2);
    assert_eq!(r["reps_done"], 2);
    assert_eq!(r["hold_ms"], 400);
    assert_eq!(r["completed"], true);
    assert_eq!(r["source"], "terminal");
    assert_eq!(r["audio"], "off");
    assert!(r["id"].as_str().is_some_and(|id| id.len() == 36));
    let started = chrono::DateTime::parse_from_rfc3339(r["started"].as_str().unwrap()).unwrap();
    let ended = chrono::DateTime::parse_from_rfc3339(r["ended"].as_str().unwrap()).unwrap();
    assert!(r["started"].as_str().unwrap().ends_with("+00:00"), "the offset is explicit");
    let took = (ended - started).num_milliseconds();
    assert!(took >= 500, "200+100+200 ms of routine took {took} ms");
    assert!(stdout.contains("Completed wall-calf: 2 of 2 reps"), "{stdout}");
}

#[test]
fn plain_output_is_one_line_per_phase_without_escapes() {
    let s = Sandbox::new();
    let at = |now: &str| {
        let mut cmd = s.tonight(&["--sounds", "off"]);
        cmd.env("STRETCH_NOW", now).env("TZ", "Europe/Berlin");
        let (code, stdout, _) = s.run(cmd);
        assert_eq!(code, 0);
        stdout
    };
    let stdout = at("2026-12-07T22:30:00+01:00");
    assert!(!stdout.contains('\x1b') && !stdout.contains('\x07'), "{stdout:?}");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "hold, rest, hold, done, summary: {stdout}");
    assert!(lines[0].starts_with("[0:00] Hold, rep 1 of 2 (200ms): "), "{}", lines[0]);
    assert!(lines[1].starts_with("[0:00] Rest (100ms): "), "{}", lines[1]);
    assert!(lines[3].starts_with("[0:00] Done: Good night. Tip: "), "the night's tip closes it: {}", lines[3]);
    // After midnight it is still the night; in the morning there is no "Good night".
    assert!(at("2026-12-08T01:30:00+01:00").lines().nth(3).unwrap().starts_with("[0:00] Done: Good night. Tip: "));
    for day in ["2026-12-08T07:30:00+01:00", "2026-12-08T13:00:00+01:00", "2026-12-08T18:45:00+01:00"] {
        let stdout = at(day);
        assert!(stdout.lines().nth(3).unwrap().starts_with("[0:00] Done: All done."), "{day}: {stdout}");
    }
}

#[cfg(unix)]
#[test]
fn the_data_dir_and_journal_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    assert_eq!(s.run(s.tonight(&["--sounds", "off"])).0, 0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&s.data()), 0o700);
    assert_eq!(mode(&s.journal()), 0o600);
}

#[test]
fn json_events_carry_planned_and_actual_times() {
    let s = Sandbox::new();
    let (code, stdout, stderr) = s.run(s.tonight(&["--sounds", "off", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let events = events(&stdout);
    let phases: Vec<_> = events
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["phase"].as_str().unwrap(), e["rep"].as_u64().unwrap()))
        .collect();
    assert_eq!(phases, [("phase", "hold", 1), ("phase", "rest", 2), ("phase", "hold", 2), ("phase", "done", 2)]);
    let planned: Vec<_> = events.iter().map(|e| e["planned_ms"].as_f64().unwrap()).collect();
    assert_eq!(planned, [0.0, 200.0, 300.0, 500.0]);
    for e in &events {
        let (planned, actual) = (e["planned_ms"].as_f64().unwrap(), e["actual_ms"].as_f64().unwrap());
        assert!(actual >= planned, "never early: {e}");
    }
    assert!(stderr.contains("Completed wall-calf"), "human output moves to stderr: {stderr}");
    let summary = all_events(&stdout).pop().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["id"], s.records()[0]["id"], "the summary names the record");
    assert_eq!((summary["completed"].as_bool(), summary["logged"].as_bool()), (Some(true), Some(true)));
}

#[test]
fn json_gives_every_cue_on_the_track_its_own_event() {
    let s = Sandbox::new();
    let args = ["--sounds", "chime", "--prepare", "1s", "--reps", "2", "--hold", "4s", "--rest", "1s"];
    let wav = s.path().join("track.wav");
    let mut export = vec!["tonight", "--export-audio", wav.to_str().unwrap()];
    export.extend(args);
    let (code, _, stderr) = s.run(s.cmd(&export));
    assert_eq!(code, 0, "{stderr}");
    // Each chime starts on its first sample, after silence.
    let track: Vec<i16> =
        std::fs::read(&wav).unwrap()[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let onsets: Vec<f64> = (0..track.len())
        .filter(|&i| {
            track[i] != 0 && (i == 0 || track[i - 1] == 0) && track[i.saturating_sub(2400)..i].iter().all(|&v| v == 0)
        })
        .map(|i| i as f64 / 48.0)
        .collect();
    let mut session = vec!["--json"];
    session.extend(args);
    let (code, stdout, stderr) = s.run(s.tonight(&session));
    assert_eq!(code, 0, "{stderr}");
    let cues = cues(&stdout);
    let planned: Vec<f64> = cues.iter().map(|e| e["planned_ms"].as_f64().unwrap()).collect();
    assert_eq!(planned.len(), onsets.len(), "one event per cue on the track: {planned:?} against {onsets:?}");
    for (event, onset) in planned.iter().zip(&onsets) {
        assert!((event - onset).abs() < 0.05, "the cue at {onset} ms has its event at {event} ms");
    }
    for e in &cues {
        let (planned, actual) = (e["planned_ms"].as_f64().unwrap(), e["actual_ms"].as_f64().unwrap());
        assert!(actual >= planned, "never early: {e}");
        assert!(e["monotonic_ms"].is_number() && e["phase"].is_string(), "{e}");
    }
    let ticks: Vec<u64> = cues.iter().filter_map(|e| e["count"].as_u64()).collect();
    assert_eq!(ticks, [3, 2, 1, 3, 2, 1], "the countdown of each hold");
    // Each phase's event comes before the cue it begins with.
    let all = all_events(&stdout);
    assert_eq!((&all[0]["event"], &all[1]["event"]), (&"phase".into(), &"cue".into()), "{stdout}");
    assert_eq!(all[0]["planned_ms"], all[1]["planned_ms"]);
}

#[test]
fn volume_zero_is_silence_and_cannot_be_exported() {
    let s = Sandbox::new();
    let (code, _, stderr) = s.run(s.tonight(&["--sounds", "chime", "--volume", "0"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "no device is opened, so there is nothing to miss");
    assert_eq!(s.records()[0]["audio"], "off");
    let wav = s.path().join("x.wav");
    let (code, _, stderr) = s.run(s.cmd(&["tonight", "--export-audio", wav.to_str().unwrap(), "--volume", "0"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("volume 0 would write silence"), "{stderr}");
    assert!(!wav.exists());
}

#[test]
fn bad_values_exit_2_name_the_value_and_log_nothing() {
    let s = Sandbox::new();
    for (args, expected) in [
        (&["--hold", "20m"][..], "'--hold <DUR>': hold must be between 100ms and 10m (got 20m)"),
        (&["--hold", "10 seconds"], "invalid duration \"10 seconds\""),
        (&["--rest", "-1s"], "'--rest <DUR>': invalid duration \"-1s\""),
        (&["--reps", "0"], "reps must be a whole number from 1 to 20 (got 0)"),
        (&["--reps", "21"], "reps must be a whole number from 1 to 20 (got 21)"),
        (&["--reps", "two"], "reps must be a whole number from 1 to 20 (got two)"),
        (&["--reps", "-1"], "reps must be a whole number from 1 to 20 (got -1)"),
        (&["--volume", "101"], "volume must be a whole number from 0 to 100 (got 101)"),
        (&["--volume", "-1"], "volume must be a whole number from 0 to 100 (got -1)"),
        (&["--sounds", "loud"], "invalid value 'loud'"),
        (&["--routine", "nope"], "no routine named \"nope\""),
        (&["--routine", "../etc/passwd.toml"], "../etc/passwd.toml: cannot read routine"),
    ] {
        let (code, _, stderr) = s.run(s.tonight(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(!s.journal().exists());
}

#[test]
fn an_invalid_routine_file_is_located_before_anything_plays() {
    let s = Sandbox::new();
    let path = s.path().join("mine.toml");
    std::fs::write(&path, "reps = 2\n[hold]\nduration = \"20m\"\n").unwrap();
    let (code, stdout, stderr) =
        s.run(s.cmd(&["tonight", "--routine", path.to_str().unwrap(), "--data-dir", s.data().to_str().unwrap()]));
    assert_eq!(code, 2);
    assert_eq!(stderr, format!("stretch: {}:3:12: hold must be between 100ms and 10m (got 20m)\n", path.display()));
    assert_eq!(stdout, "");
    assert!(!s.journal().exists());
}

#[test]
fn no_log_runs_without_touching_the_journal() {
    let s = Sandbox::new();
    let (code, stdout, _) = s.run(s.tonight(&["--sounds", "off", "--no-log"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("not logged"));
    assert!(!s.journal().exists());
}

#[test]
fn an_unwritable_data_dir_fails_before_the_routine_and_names_the_path() {
    let s = Sandbox::new();
    std::fs::write(s.data(), "a file where the directory should be").unwrap();
    let (code, stdout, stderr) = s.run(s.tonight(&["--sounds", "off"]));
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!("stretch: the data directory {} is a file, not a directory", s.data().display())),
        "{stderr}"
    );
    assert_eq!(stdout, "", "nothing ran");
}

/// Starts a session that will run a while, and waits until its first hold has begun.
fn start_long_session(s: &Sandbox) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    start_long_session_with(s, &[])
}

/// [`start_long_session`] with more flags.
fn start_long_session_with(s: &Sandbox, extra: &[&str]) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut args = vec!["--sounds", "off", "--json", "--hold", "5s"];
    args.extend_from_slice(extra);
    let mut child = spawn(s.tonight(&args));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("\"hold\""), "{first}");
    (child, out)
}

#[test]
fn a_second_session_exits_75_naming_the_first() {
    let s = Sandbox::new();
    let (mut first, _out) = start_long_session(&s);
    for extra in [&[][..], &["--no-log"]] {
        let mut args = vec!["--sounds", "off"];
        args.extend_from_slice(extra);
        let (code, _, stderr) = s.run(s.tonight(&args));
        assert_eq!(code, 75, "{extra:?}: {stderr}");
    }
    let (_, _, stderr) = s.run(s.tonight(&["--sounds", "off"]));
    assert!(stderr.contains(&format!("another session is running (pid {})", first.id())), "{stderr}");
    signal(&first, "INT");
    first.wait().unwrap();
    assert_eq!(s.records().len(), 1, "only the first session is recorded");
}

#[test]
fn a_session_turned_away_leaves_no_journal_behind() {
    let s = Sandbox::new();
    let (mut first, _out) = start_long_session_with(&s, &["--no-log"]);
    let (code, _, stderr) = s.run(s.tonight(&["--sounds", "off"]));
    assert_eq!(code, 75, "{stderr}");
    assert!(!s.journal().exists(), "the refused session made {}", s.journal().display());
    signal(&first, "INT");
    first.wait().unwrap();
}

#[test]
fn ctrl_c_records_a_partial_session_and_exits_130() {
    let s = Sandbox::new();
    let (mut child, mut out) = start_long_session(&s);
    signal(&child, "INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let stopped = events(&rest);
    assert_eq!(stopped.last().unwrap()["event"], "stopped");
    assert_eq!(stopped.last().unwrap()["reason"], "interrupt");
    let r = &s.records()[0];
    assert_eq!(r["completed"], false);
    assert_eq!(r["reps_done"], 0);
    assert!(r["hold_ms"].as_u64().unwrap() < 5000);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("Stopped wall-calf: 0 of 2 reps"), "{stderr}");
}

#[test]
fn sigterm_records_a_partial_session_and_exits_143() {
    let s = Sandbox::new();
    let (mut child, _out) = start_long_session(&s);
    signal(&child, "TERM");
    assert_eq!(child.wait().unwrap().code(), Some(143));
    assert_eq!(s.records()[0]["completed"], false);
}

#[test]
fn a_record_that_cannot_be_saved_is_printed_not_lost() {
    let s = Sandbox::new();
    let (mut child, _out) = start_long_session(&s);
    std::fs::remove_file(s.journal()).unwrap();
    std::fs::create_dir(s.journal()).unwrap();
    signal(&child, "INT");
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let lines: Vec<_> = stderr.lines().collect();
    let at = lines.iter().position(|l| l.contains("this session was not saved; its record is:")).expect(&stderr);
    let record: serde_json::Value = serde_json::from_str(lines[at + 1]).unwrap();
    assert_eq!(record["completed"], false);
    assert!(stderr.contains("Stopped wall-calf: 0 of 2 reps") && stderr.contains("; NOT logged"), "{stderr}");
    assert!(stderr.contains(&format!("could not write the journal {}", s.journal().display())), "{stderr}");
}

#[test]
fn a_value_without_its_flag_gets_the_flag_it_probably_meant() {
    let s = Sandbox::new();
    for (word, tip) in [("3", "--reps 3"), ("12s", "--hold 12s"), ("wall-calf-single", "--routine wall-calf-single")] {
        let (code, _, stderr) = s.run(s.cmd(&["tonight", word]));
        assert_eq!(code, 2, "{stderr}");
        let first_two: Vec<_> = stderr.lines().take(2).collect();
        assert_eq!(
            first_two,
            [format!("stretch: unexpected argument '{word}' found"), format!("  tip: did you mean {tip}?")]
        );
    }
    let (_, _, stderr) = s.run(s.cmd(&["tonight", "banana"]));
    assert!(!stderr.contains("did you mean"), "no guess without grounds: {stderr}");
}

#[test]
fn two_different_signals_in_a_row_still_record_the_session() {
    let s = Sandbox::new();
    for (first, second) in [("INT", "TERM"), ("TERM", "HUP"), ("HUP", "QUIT")] {
        let mut child = spawn(s.tonight(&["--sounds", "off", "--hold", "5s", "--json"]));
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first_event = String::new();
        std::io::BufRead::read_line(&mut out, &mut first_event).unwrap();
        signal(&child, first);
        signal(&child, second);
        let status = child.wait().unwrap();
        assert!(matches!(status.code(), Some(129 | 130 | 131 | 143)), "{first}+{second}: {status:?}");
    }
    let records = s.records();
    assert_eq!(records.len(), 3, "every session recorded: {records:?}");
    assert!(records.iter().all(|r| r["completed"] == false));
}
