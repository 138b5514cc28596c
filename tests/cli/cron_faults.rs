//! A cron that is stuck, or an entry cron could not take: said, bounded, and
//! nothing made or written for nothing.

use std::time::{Duration, Instant};

use crate::schedule::schedule;
use crate::support::{Sandbox, session_line};

#[test]
fn log_waits_briefly_on_a_stuck_crontab_and_says_so() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("a", "2026-11-20T22:30:00+00:00", true)]);
    // Something is scheduled here: `log` asks the crontab which runs were missed.
    std::fs::write(s.data().join("schedule.log"), "").unwrap();
    let stuck = s.path().join("stuck-crontab");
    std::fs::write(&stuck, "#!/bin/sh\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&stuck, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = s.log("2026-11-21T09:00:00+00:00", "UTC", &[]);
    cmd.env("STRETCH_CRONTAB", &stuck);
    let started = Instant::now();
    let (code, stdout, stderr) = s.run(cmd);
    let took = started.elapsed();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2026-11-20"), "the journal is still shown: {stdout}");
    assert!(
        stderr.contains("`crontab -l` did not answer within 2 seconds, so runs the schedule missed are not shown"),
        "{stderr}"
    );
    // Generous: only a wait on the crontab's own 10 s timeout (or none) exceeds it.
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn an_entry_longer_than_cron_takes_is_refused_before_anything_is_made() {
    let s = Sandbox::new();
    let data = s.path().join("d".repeat(200)).join("e".repeat(200)).join("f".repeat(200)).join("g".repeat(200));
    let mut cmd = s.cmd(&["--data-dir", data.to_str().unwrap(), "schedule", "add", "22:30"]);
    cmd.env_remove("STRETCH_NOW");
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cron takes at most 998"), "{stderr}");
    assert!(stderr.contains("a shorter data directory (--data-dir or STRETCH_DATA_DIR)"), "{stderr}");
    assert!(!s.path().join("d".repeat(200)).exists(), "no data directory made");
    assert!(!s.home().join(".stretch-schedule-errors.log").exists());
    assert_eq!(s.crontab(), None);
    let (code, _, _) = s.run(schedule(&s, &["list"]));
    assert_eq!(code, 0);
}
