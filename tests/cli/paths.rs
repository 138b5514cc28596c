//! Every path stretch reads or writes, replaced in turn by a FIFO (which a
//! plain open waits on forever), a link to a device (which reads without end)
//! and a link to someone else's file: every command that touches the path
//! answers within seconds, and nothing is written through the link.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::Sandbox;

const NOW: &str = "2026-11-26T23:00:00+00:00";

/// Runs `cmd`; a run past 10 s is a hang, and fails the test with its stacks.
fn answers(what: &str, mut cmd: Command) -> (i32, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    crate::support::exit_within(&mut child, Duration::from_secs(10), what);
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A path stretch touches, and the commands that touch it.
struct Touched {
    path: PathBuf,
    /// stretch writes it (so a link in its place must not be followed).
    written: bool,
    commands: Vec<Command>,
}

/// Every path, with the commands that read or write it.
fn every_path(s: &Sandbox) -> Vec<Touched> {
    let data = s.data();
    let data = data.to_str().unwrap();
    let with_now = |args: &[&str]| {
        let mut cmd = s.cmd(args);
        cmd.env("STRETCH_NOW", NOW);
        cmd
    };
    let quick = ["--prepare", "0s", "--hold", "100ms", "--rest", "100ms", "--reps", "1"];
    let tonight = |extra: &[&str]| {
        let mut args = vec!["--data-dir", data, "tonight"];
        args.extend_from_slice(&quick);
        args.extend_from_slice(extra);
        let mut cmd = s.cmd(&args);
        cmd.env("XDG_RUNTIME_DIR", s.path().join("run")).env("PULSE_COOKIE", s.path().join("cookie"));
        cmd
    };
    let report = s.path().join("report.html");
    let (given, import, wav) = (s.path().join("given.toml"), s.path().join("import.jsonl"), s.path().join("out.wav"));
    vec![
        Touched {
            path: given.clone(),
            written: false,
            commands: vec![with_now(&["--data-dir", data, "--config", given.to_str().unwrap(), "log"])],
        },
        Touched {
            path: import.clone(),
            written: false,
            commands: vec![with_now(&["--data-dir", data, "log", "import", import.to_str().unwrap()])],
        },
        Touched {
            path: wav.clone(),
            written: true,
            commands: vec![tonight(&["--export-audio", wav.to_str().unwrap()])],
        },
        Touched {
            path: s.journal(),
            written: true,
            commands: vec![
                with_now(&["--data-dir", data, "log"]),
                with_now(&["--data-dir", data, "log", "add", "--at", "2026-11-26T22:00:00+00:00"]),
                with_now(&["--data-dir", data, "report", "--out", "-"]),
                tonight(&["--sounds", "off"]),
            ],
        },
        Touched { path: s.data().join("session.lock"), written: true, commands: vec![tonight(&["--sounds", "off"])] },
        Touched {
            path: s.data().join("schedule.log"),
            written: true,
            commands: vec![
                with_now(&["--data-dir", data, "log"]),
                with_now(&["--data-dir", data, "schedule", "list"]),
                tonight(&["--sounds", "off", "--source", "cron"]),
                tonight(&["--check"]),
            ],
        },
        Touched {
            path: s.path().join("config/config.toml"),
            written: false,
            commands: vec![with_now(&["--data-dir", data, "log"])],
        },
        Touched {
            path: s.path().join("config/routines/mine.toml"),
            written: false,
            commands: vec![s.cmd(&["routines"]), tonight(&["--routine", "mine", "--sounds", "off"])],
        },
        Touched {
            path: s.path().join("cache/voice/0000000000000000.wav"),
            written: false,
            commands: vec![tonight(&["--sounds", "voice"])],
        },
        Touched {
            path: s.path().join("cookie"),
            written: false,
            commands: vec![tonight(&["--sounds", "chime"]), tonight(&["--sounds", "chime", "--source", "cron"])],
        },
        Touched {
            path: s.home().join(".stretch-schedule-errors.log"),
            written: false,
            commands: vec![with_now(&["--data-dir", data, "doctor"])],
        },
        Touched {
            path: report.clone(),
            written: true,
            commands: vec![with_now(&["--data-dir", data, "report", "--out", report.to_str().unwrap()])],
        },
    ]
}

/// Replaces `path` with what `make` makes, after clearing whatever was there.
fn replace(path: &Path, make: impl FnOnce(&Path)) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(path);
    make(path);
}

#[test]
fn no_path_stretch_touches_can_hang_it_or_be_written_through() {
    let s = Sandbox::new();
    // An entry, so that `doctor` reads the file of early errors its line names.
    assert_eq!(s.run(crate::schedule::schedule(&s, &["add", "22:00"])).0, 0);
    std::fs::create_dir_all(s.path().join("run")).unwrap();
    let theirs = s.path().join("theirs");
    let count = every_path(&s).len();
    for i in 0..count {
        let touched = every_path(&s).swap_remove(i);
        let shown = touched.path.display().to_string();
        replace(&touched.path, |p| assert!(Command::new("mkfifo").arg(p).status().unwrap().success()));
        for cmd in every_path(&s).swap_remove(i).commands {
            let (code, stderr) = answers(&format!("{shown} as a FIFO"), cmd);
            assert_ne!(code, 101, "{shown}: {stderr}");
        }
        replace(&touched.path, |p| std::os::unix::fs::symlink("/dev/zero", p).unwrap());
        for cmd in every_path(&s).swap_remove(i).commands {
            let (code, stderr) = answers(&format!("{shown} as a link to /dev/zero"), cmd);
            assert_ne!(code, 101, "{shown}: {stderr}");
        }
        if touched.written {
            std::fs::write(&theirs, "theirs\n").unwrap();
            replace(&touched.path, |p| std::os::unix::fs::symlink(&theirs, p).unwrap());
            for cmd in every_path(&s).swap_remove(i).commands {
                answers(&format!("{shown} as a link"), cmd);
                assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "theirs\n", "written through {shown}");
            }
        }
        let _ = std::fs::remove_file(&touched.path);
    }
}

#[test]
fn a_report_is_private_and_refuses_a_link_or_a_fifo_by_name() {
    let s = Sandbox::new();
    let data = s.data();
    let out = s.path().join("report.html");
    let report = || {
        let mut cmd = s.cmd(&["--data-dir", data.to_str().unwrap(), "report", "--out", out.to_str().unwrap()]);
        cmd.env("STRETCH_NOW", NOW);
        cmd
    };
    let (code, _, stderr) = s.run(report());
    assert_eq!(code, 0, "{stderr}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    std::fs::remove_file(&out).unwrap();
    assert!(Command::new("mkfifo").arg(&out).status().unwrap().success());
    let (code, stderr) = answers("report to a FIFO", report());
    assert_eq!(code, 1);
    assert!(stderr.contains("report.html") && stderr.contains("FIFO"), "{stderr}");
    std::fs::remove_file(&out).unwrap();
    std::os::unix::fs::symlink(s.path().join("theirs"), &out).unwrap();
    let (code, _, stderr) = s.run(report());
    assert_eq!(code, 1);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(!s.path().join("theirs").exists(), "nothing created through the link");
}

#[test]
fn a_relative_home_keeps_nothing_under_the_working_directory() {
    let s = Sandbox::new();
    let work = s.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut cmd = s.cmd(&["log", "add"]);
    cmd.env("HOME", "relative-home").env("STRETCH_NOW", NOW).current_dir(&work);
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not an absolute path") && stderr.contains("--data-dir"), "{stderr}");
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "nothing made under the working directory");
}
