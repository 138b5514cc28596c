//! Instants a person gives and the clock the program reads: the autumn's
//! repeated hour, the spring's skipped one, and a wall clock that is wrong.

use crate::support::Sandbox;

/// `log add --at AT` in zone `tz` at `now`; the stored start, or the error.
fn added(tz: &str, now: &str, at: &str) -> Result<String, String> {
    let s = Sandbox::new();
    let data = s.data();
    let mut cmd = s.cmd(&["log", "--data-dir", data.to_str().unwrap(), "add", "--at", at]);
    cmd.env("TZ", tz).env("STRETCH_NOW", now);
    let (code, _, stderr) = s.run(cmd);
    if code != 0 {
        return Err(stderr);
    }
    Ok(s.records()[0]["started"].as_str().unwrap().to_string())
}

#[test]
fn a_time_in_the_repeated_autumn_hour_is_the_first_of_the_two() {
    let first = |tz, now, at| added(tz, now, at).unwrap();
    assert!(first("Europe/Berlin", "2026-10-26T12:00:00+01:00", "2026-10-25 02:30").starts_with("2026-10-25T02:30:00"));
    assert!(first("Europe/Berlin", "2026-10-26T12:00:00+01:00", "2026-10-25 02:30").ends_with("+02:00"));
    assert!(first("America/New_York", "2026-11-02T12:00:00-05:00", "2026-11-01 01:30").ends_with("-04:00"));
    // A time alone means its most recent occurrence: typed in the second
    // pass of the hour, the second; in the first, the first.
    let recent = first("America/New_York", "2026-11-01T01:50:00-05:00", "01:30");
    assert!(recent.starts_with("2026-11-01T01:30:00") && recent.ends_with("-05:00"), "{recent}");
    let recent = first("America/New_York", "2026-11-01T01:50:00-04:00", "01:30");
    assert!(recent.ends_with("-04:00"), "{recent}");
}

#[test]
fn a_time_the_clocks_skipped_is_refused_with_offsets_of_its_own_zone() {
    let why = added("America/New_York", "2026-03-09T12:00:00-04:00", "2026-03-08 02:30").unwrap_err();
    assert!(why.contains("does not exist here"), "{why}");
    assert!(why.contains("2026-03-08T02:30:00-05:00") && why.contains("2026-03-08T02:30:00-04:00"), "{why}");
    let why = added("Europe/Berlin", "2026-03-30T12:00:00+02:00", "2026-03-29 02:30").unwrap_err();
    assert!(why.contains("2026-03-29T02:30:00+01:00") && why.contains("2026-03-29T02:30:00+02:00"), "{why}");
}

#[test]
fn records_after_now_are_named_when_the_clock_was_set_back() {
    let s = Sandbox::new();
    s.write_journal(&[crate::support::session_line("a", "2027-11-20T22:00:00+00:00", true)]);
    let (code, stdout, stderr) = s.run(s.log("2026-11-26T23:00:00+00:00", "UTC", &[]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("1 record in") && stderr.contains("dated after now (2026-11-26), the latest 2027-11-20"),
        "{stderr}"
    );
    assert!(stderr.contains("system clock"), "{stderr}");
    assert!(!stdout.is_empty());
    // A record of tonight is no warning.
    s.write_journal(&[crate::support::session_line("b", "2026-11-26T22:00:00+00:00", true)]);
    let (_, _, stderr) = s.run(s.log("2026-11-26T23:00:00+00:00", "UTC", &[]));
    assert!(!stderr.contains("dated after now"), "{stderr}");
}

#[test]
fn the_last_hours_before_year_10000_are_refused_as_a_clock_error() {
    let s = Sandbox::new();
    let (code, _, stderr) = s.run(s.log("9999-12-31T22:00:00-12:00", "UTC", &["add"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("outside the years 2000-9998"), "{stderr}");
    assert!(s.records().is_empty());
}
