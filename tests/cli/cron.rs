//! `stretch tonight` as cron runs it (no terminal, next to no environment),
//! `--skip-if-done`, and, ignored by default (`.ci/run` runs them), its sound
//! through a private PulseAudio server and a routine scheduled with the real
//! cron daemon.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use chrono::{Local, Timelike};

use crate::schedule::RealCrontab;
use crate::support::Sandbox;

/// What cron gives a job: `HOME LOGNAME PATH=/usr/bin:/bin PWD SHELL`, no
/// TERM, no tty, no XDG_RUNTIME_DIR. (And the sandbox's fake crontab.)
fn as_cron(s: &Sandbox, mut cmd: Command) -> Command {
    cmd.env_clear()
        .env("STRETCH_CRONTAB", s.fake_crontab())
        .env("HOME", s.home())
        .env("LOGNAME", "root")
        .env("PATH", "/usr/bin:/bin")
        .env("PWD", s.home())
        .env("SHELL", "/bin/sh")
        .current_dir(s.home());
    cmd
}

#[test]
fn under_cron_a_routine_runs_fully_with_plain_lines_and_says_there_is_no_sound() {
    let s = Sandbox::new();
    let (code, stdout, stderr) = s.run(as_cron(&s, s.tonight(&["--source", "cron", "--sounds", "chime"])));
    assert_eq!(code, 0, "{stderr}");
    for out in [&stdout, &stderr] {
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "no escape codes, no bell: {out:?}");
    }
    assert_eq!(stdout.lines().count(), 5, "one line per phase and a summary: {stdout}");
    assert!(stderr.starts_with("stretch: cues cannot play: no audio output ("), "{stderr}");
    let r = &s.records()[0];
    assert_eq!(
        (r["source"].as_str(), r["audio"].as_str(), r["completed"].as_bool()),
        (Some("cron"), Some("none"), Some(true))
    );
}

#[test]
fn skip_if_done_plays_nothing_once_tonight_has_a_completed_session() {
    let s = Sandbox::new();
    let (code, _, _) = s.run(s.tonight(&["--sounds", "off", "--skip-if-done"]));
    assert_eq!((code, s.records().len()), (0, 1), "nothing done yet: it runs");
    let (code, stdout, stderr) = s.run(s.tonight(&["--sounds", "off", "--skip-if-done", "--source", "cron"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Already done tonight: a session completed at "), "{stdout}");
    assert!(stdout.ends_with("; skipping (--skip-if-done)\n"), "{stdout}");
    assert_eq!(s.records().len(), 1, "no second record");
}

#[test]
fn skip_if_done_ignores_stopped_sessions_other_nights_and_bad_lines() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.data()).unwrap();
    let now = Local::now().fixed_offset();
    let record = |started: chrono::DateTime<chrono::FixedOffset>, completed: bool| {
        let t = started.to_rfc3339();
        format!(
            "{{\"type\":\"session\",\"v\":1,\"id\":\"x\",\"routine\":\"wall-calf\",\"started\":\"{t}\",\"ended\":\"{t}\",\"reps_planned\":3,\"reps_done\":0,\"hold_ms\":0,\"completed\":{completed},\"source\":\"cron\",\"audio\":\"none\"}}\n"
        )
    };
    let lines = [record(now, false), record(now - chrono::Duration::days(2), true), "{torn\n".to_string()];
    std::fs::write(s.journal(), lines.concat()).unwrap();
    let (code, stdout, stderr) = s.run(s.tonight(&["--sounds", "off", "--skip-if-done"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Completed wall-calf"), "{stdout}");
}

/// A private PulseAudio server with a null sink, listening in `run/pulse/native`
/// as a user's session server does in `/run/user/<uid>`; stopped on drop.
struct SoundServer(Child);

impl SoundServer {
    /// Fails the test where PulseAudio or ALSA's pulse plugin is missing.
    fn start(s: &Sandbox, run: &std::path::Path) -> SoundServer {
        let plugin = std::fs::read_dir("/usr/lib")
            .unwrap()
            .flatten()
            .any(|arch| arch.path().join("alsa-lib/libasound_module_pcm_pulse.so").exists());
        let pulseaudio = Command::new("pulseaudio").arg("--version").output().is_ok();
        assert!(
            pulseaudio && plugin,
            "this test needs pulseaudio and ALSA's pulse plugin (Debian: apt-get install pulseaudio libasound2-plugins)"
        );
        std::fs::create_dir(run).unwrap();
        let script = s.path().join("server.pa");
        std::fs::write(&script, "load-module module-null-sink\nload-module module-native-protocol-unix\n").unwrap();
        let child = Command::new("pulseaudio")
            .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "-F"])
            .arg(&script)
            .env_clear()
            .env("HOME", s.home())
            .env("XDG_RUNTIME_DIR", run)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pulseaudio starts");
        let server = SoundServer(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !run.join("pulse/native").exists() {
            assert!(Instant::now() < deadline, "pulseaudio did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for SoundServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "starts a private PulseAudio server and plays through it in real time; CI runs it (--include-ignored)"]
fn under_cron_sound_reaches_the_users_sound_server_through_xdg_runtime_dir() {
    let s = Sandbox::new();
    let run = s.path().join("run");
    let _server = SoundServer::start(&s, &run);
    // ALSA's default output is the user's sound server, as on a desktop.
    s.asoundrc("pcm.!default { type pulse }\nctl.!default { type pulse }\n");
    let tonight = || s.tonight(&["--source", "cron", "--sounds", "chime", "--reps", "1"]);

    let (code, _, stderr) = s.run(as_cron(&s, tonight()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("cues cannot play: no audio output"), "cron's bare environment finds no server: {stderr}");

    let mut with_runtime_dir = as_cron(&s, tonight());
    with_runtime_dir.env("XDG_RUNTIME_DIR", &run);
    let (code, _, stderr) = s.run(with_runtime_dir);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "the entry's XDG_RUNTIME_DIR finds it");
    let audio: Vec<_> = s.records().iter().map(|r| r["audio"].as_str().unwrap().to_string()).collect();
    assert_eq!(audio, ["none", "device"]);
}

/// The cron daemon: the one running, or one started here (and stopped on drop).
struct Daemon(Option<Child>);

impl Daemon {
    fn ensure() -> Daemon {
        let running = std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
            std::fs::read_to_string(p.path().join("comm")).is_ok_and(|c| matches!(c.trim(), "cron" | "crond"))
        });
        if running {
            return Daemon(None);
        }
        assert!(nix::unistd::geteuid().is_root(), "no cron daemon runs, and only root can start one");
        let child = Command::new("/usr/sbin/cron")
            .arg("-f")
            .spawn()
            .expect("/usr/sbin/cron starts (Debian: apt-get install --no-install-recommends cron)");
        // cron notices a new crontab by the spool's mtime, in whole seconds:
        // one installed in the second it started reading would go unseen.
        std::thread::sleep(Duration::from_millis(1100));
        Daemon(Some(child))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The minute after `now` as `(cron's "M H", "HH:MM")`, `ahead` minutes on.
fn minute(now: chrono::DateTime<Local>, ahead: i64) -> (String, String) {
    let at = now + chrono::Duration::minutes(ahead);
    (format!("{} {}", at.minute(), at.hour()), format!("{:02}:{:02}", at.hour(), at.minute()))
}

/// Waits (until `deadline`) for the journal in `data` to hold a record.
fn first_record(data: &std::path::Path, deadline: Instant, what: &str) -> serde_json::Value {
    loop {
        if let Ok(text) = std::fs::read_to_string(data.join("journal.jsonl"))
            && let Some(line) = text.lines().next()
        {
            return serde_json::from_str(line).unwrap();
        }
        assert!(Instant::now() < deadline, "{what}: no record in {}", data.display());
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
#[ignore = "edits the account's real crontab (saved and put back) and starts the cron daemon if none runs (root)"]
fn the_cron_daemon_runs_first_version_entries_before_and_after_an_upgrade_and_odd_new_ones() {
    let s = Sandbox::new();
    let _daemon = Daemon::ensure();
    // cron rereads its spool at each minute's start when the spool's mtime
    // (whole seconds) changed: leave it a few seconds either side.
    while !(3..40).contains(&Local::now().second()) {
        std::thread::sleep(Duration::from_millis(500));
    }
    let now = Local::now();
    let (first, second, third) = (minute(now, 1), minute(now, 2), minute(now, 3));
    let (before, after) = (s.path().join("first-before"), s.path().join("first-after"));
    std::fs::create_dir_all(&before).unwrap();
    std::fs::create_dir_all(&after).unwrap();
    let block = format!(
        "# BEGIN stretch schedule\n{}\n{}\n# END stretch schedule\n",
        crate::schedule::first_version_line(&s, &first.0, &before),
        crate::schedule::first_version_line(&s, &second.0, &after),
    );
    let crontab = RealCrontab::take(Some(&block));

    let old = first_record(&before, Instant::now() + Duration::from_secs(100), "the first version's entry");
    assert_eq!(old["source"], "cron");

    // The next `add` rewrites the block, and adds an entry with every
    // unusual value: quotes, spaces and % in its paths, a data directory
    // that does not exist, relative paths, XDG_CONFIG_HOME and TZ.
    let odd = s.path().join("it's 100% \"odd\"");
    let config = odd.join("xdg conf/stretch");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "hold = \"1s\"\nprepare = \"0s\"\nrest = \"0s\"\nsounds = \"chime\"\n")
        .unwrap();
    std::fs::write(odd.join("my routine's.toml"), "reps = 1\n[hold]\nduration = \"3s\"\n").unwrap();
    let mut add = s.cmd(&[
        "--data-dir",
        "it's 100% \"odd\"/not yet/data",
        "schedule",
        "add",
        &third.1,
        "--routine",
        "it's 100% \"odd\"/my routine's.toml",
    ]);
    add.env_remove("STRETCH_CONFIG_DIR")
        .env("XDG_CONFIG_HOME", odd.join("xdg conf"))
        .env("TZ", "Asia/Tokyo")
        .current_dir(s.path());
    let was = crontab.installed();
    let (code, stdout, stderr) = s.run(crontab.apply(add));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("upgraded {} daily", second.1)), "{stdout}\n{stderr}\nwas: {was:?}");
    assert!(Local::now().second() < 58 || Local::now() < now + chrono::Duration::minutes(2), "added in time");

    let upgraded = first_record(&after, Instant::now() + Duration::from_secs(100), "the upgraded entry");
    assert_eq!(upgraded["hold_ms"], 1000, "its settings kept");
    let log = std::fs::read_to_string(after.join("schedule.log")).unwrap();
    assert!(log.contains(" started: stretch "), "the new form notes its runs: {log}");

    let data = odd.join("not yet/data");
    let r = first_record(&data, Instant::now() + Duration::from_secs(100), "the odd entry");
    assert_eq!((r["source"].as_str(), r["completed"].as_bool()), (Some("cron"), Some(true)));
    assert_eq!(r["hold_ms"], 1000, "XDG_CONFIG_HOME's config.toml and the relative routine path: {r}");
    let started = r["started"].as_str().unwrap();
    assert!(started.ends_with("+09:00"), "TZ carried: {started}");
    let log = std::fs::read_to_string(data.join("schedule.log")).unwrap();
    assert!(log.contains("Played, not confirmed, my routine's: 1 of 1 rep"), "nobody was there: {log}");
    assert!(log.contains(" finished: my routine's 1 of 1 reps, played, not confirmed; "), "{log}");
    assert!(!log.contains('\x1b'), "{log:?}");
    let (_, stdout, _) = s.run(crontab.apply(crate::schedule::schedule(&s, &["list"])));
    assert!(!stdout.contains("missed"), "{stdout}");
}
