//! Other writers of the crontab while `schedule` edits it: a person saving
//! `crontab -e` while an entry is being proven, and two `schedule add` with
//! different data directories at once. Nothing either of them wrote is lost.

use std::os::unix::net::UnixListener;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::schedule::{OTHER_JOBS, schedule};
use crate::support::{Sandbox, spawn};

#[test]
fn a_crontab_saved_while_an_entry_is_proven_is_kept() {
    let s = Sandbox::new();
    s.set_crontab(OTHER_JOBS);
    // A sound server that accepts and never answers: the proof waits on it.
    let runtime = s.path().join("run");
    std::fs::create_dir_all(runtime.join("pulse")).unwrap();
    let server = UnixListener::bind(runtime.join("pulse/native")).unwrap();
    server.set_nonblocking(true).unwrap();
    let mut add = schedule(&s, &["add", "22:30"]);
    add.env("XDG_RUNTIME_DIR", &runtime);
    let child = spawn(add);
    // Once the proof is talking to the server, the person saves their crontab.
    let deadline = Instant::now() + Duration::from_secs(60);
    let _connection = loop {
        match server.accept() {
            Ok((connection, _)) => break connection,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("the proof never reached the sound server: {e}"),
        }
    };
    let theirs = format!("{OTHER_JOBS}15 4 * * * /usr/bin/true saved meanwhile\n");
    let file = s.path().join("mine.cron");
    std::fs::write(&file, &theirs).unwrap();
    let status = Command::new(s.fake_crontab()).arg(&file).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("added 22:30 daily\n"), "{stdout}");
    let installed = s.crontab().unwrap();
    assert!(installed.starts_with(&theirs), "the line saved meanwhile is kept:\n{installed}");
    assert!(installed.contains("# stretch:v3"), "{installed}");
    // What was saved is exactly what was installed just before the change.
    let backups = s.data().join("crontab-backups");
    let saved = std::fs::read_dir(&backups).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::read_to_string(saved).unwrap(), theirs);
}

#[test]
fn two_adds_with_different_data_directories_at_once_both_stay() {
    let s = Sandbox::new();
    for trial in 0..10 {
        s.set_crontab(OTHER_JOBS);
        let children: Vec<_> = [("22:30", "one"), ("23:00", "two")]
            .into_iter()
            .map(|(at, dir)| {
                let data = s.path().join(format!("{dir}-{trial}"));
                spawn(s.cmd(&["--data-dir", data.to_str().unwrap(), "schedule", "add", at]))
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "trial {trial}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let installed = s.crontab().unwrap();
        assert!(installed.starts_with(OTHER_JOBS), "trial {trial}:\n{installed}");
        for (at, dir) in [("30 22 ", "one"), ("0 23 ", "two")] {
            let entry = installed.lines().find(|l| l.starts_with(at));
            assert!(
                entry.is_some_and(|l| l.contains(&format!("{dir}-{trial}/schedule.log"))),
                "trial {trial}: the entry at {at} is gone:\n{installed}"
            );
        }
    }
}

#[test]
fn the_last_read_before_installing_comes_after_the_backup_is_saved() {
    use std::os::unix::fs::PermissionsExt;
    // Another writer's save between the last read and the install would be
    // overwritten unseen; the synced backup write must not widen that window.
    let s = Sandbox::new();
    s.set_crontab(OTHER_JOBS);
    let backups = s.data().join("crontab-backups");
    let seen = s.path().join("seen");
    let wrapper = s.path().join("counting-crontab");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nn=$(ls '{}' 2>/dev/null | grep -c '^crontab-')\necho \"$* $n\" >> '{}'\nexec '{}' \"$@\"\n",
            backups.display(),
            seen.display(),
            s.fake_crontab().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut add = schedule(&s, &["add", "22:30"]);
    add.env("STRETCH_CRONTAB", &wrapper);
    let out = add.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen = std::fs::read_to_string(&seen).unwrap();
    let calls: Vec<&str> = seen.lines().collect();
    let install = calls.iter().position(|c| c.starts_with("- ")).expect("installed");
    assert_eq!(calls[install - 1], "-l 1", "the read just before installing saw the backup: {seen}");
}
