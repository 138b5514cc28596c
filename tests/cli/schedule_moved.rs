//! Entries whose program moved, and entries whose time was changed by hand:
//! `doctor` and `schedule list` say what is wrong and what changed, and
//! `schedule upgrade` points every entry at the program that runs it; and
//! a run that will skip tonight, said before it does.

use crate::schedule::schedule;
use crate::support::Sandbox;

const GONE: &str = "/nonexistent/old/stretch";

fn doctor(s: &Sandbox) -> String {
    let data = s.data();
    s.run(s.cmd(&["--data-dir", data.to_str().unwrap(), "doctor"])).1
}

#[test]
fn an_entry_whose_program_moved_is_named_and_upgrade_points_it_here() {
    let s = Sandbox::new();
    assert_eq!(s.run(schedule(&s, &["add", "22:30", "--reps", "2"])).0, 0);
    let bin = env!("CARGO_BIN_EXE_stretch");
    s.set_crontab(&s.crontab().unwrap().replace(bin, GONE));
    let stdout = doctor(&s);
    assert!(
        stdout.contains(&format!("FAIL  entry 22:30: the program it runs, {GONE}, is not there (moved or uninstalled): run `stretch schedule upgrade`")),
        "{stdout}"
    );
    let (_, stdout, _) = s.run(schedule(&s, &["list"]));
    assert!(stdout.contains(&format!("FAILS: the program it runs, {GONE}, is not there")), "{stdout}");
    let (code, stdout, stderr) = s.run(schedule(&s, &["upgrade"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(&format!("22:30 daily now runs {bin} ({GONE} is not there); same settings\n")),
        "{stdout}"
    );
    let text = s.crontab().unwrap();
    assert!(!text.contains(GONE) && text.contains(" --reps 2 >> "), "{text}");
    assert!(!doctor(&s).contains("is not there"));
}

#[test]
fn a_time_changed_by_hand_is_said_and_the_entry_still_read() {
    let s = Sandbox::new();
    assert_eq!(s.run(schedule(&s, &["add", "22:30"])).0, 0);
    s.set_crontab(&s.crontab().unwrap().replace("\n30 22 * * * ", "\n45 22 * * 1-5 "));
    let (_, stdout, _) = s.run(schedule(&s, &["list"]));
    assert!(stdout.starts_with("22:45  weekdays"), "{stdout}");
    assert!(!stdout.contains("will skip"), "nothing done tonight: {stdout}");
    let said = "its time was changed by hand from 22:30 to 22:45, its days were changed by hand from daily to weekdays; cron runs it as it is now";
    assert!(stdout.contains(said), "{stdout}");
    assert!(doctor(&s).contains(&format!("warn  entry 22:45: {said}")));
}

#[test]
fn add_list_and_doctor_say_tonights_run_will_skip_when_done_already() {
    let s = Sandbox::new();
    let started =
        (chrono::Utc::now() - chrono::Duration::seconds(10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    s.write_journal(&[crate::support::session_line("by-hand", &started, true)]);
    let hhmm = chrono::DateTime::parse_from_rfc3339(&started).unwrap().format("%H:%M").to_string();
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "23:59"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("tonight: 23:59 will skip, done at {hhmm} (--skip-if-done)")), "{stdout}");
    assert!(doctor(&s).contains(&format!("note  entry 23:59: tonight: will skip, done at {hhmm} (--skip-if-done)")));
    let (_, stdout, _) = s.run(schedule(&s, &["list"]));
    assert!(stdout.contains(&format!("\n       tonight: will skip, done at {hhmm}\n")), "{stdout}");
}
