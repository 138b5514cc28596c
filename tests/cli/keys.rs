//! Keys during a session, driven as a person would: the real binary in a
//! tmux pane (a real pseudo-terminal), keys sent with `send-keys`, and the
//! timings checked through the `--json` events and the journal.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Sandbox, Tmux, events, shell_quote};

/// A terminal running `stretch tonight ARGS --json`, then `stty -a`, so the
/// test can see the terminal as stretch left it.
struct Pane<'a> {
    sandbox: &'a Sandbox,
    tmux: Tmux,
}

impl<'a> Pane<'a> {
    /// Runs `script` (bash) in the sandbox with a clean environment.
    fn run(sandbox: &'a Sandbox, script: &str) -> Self {
        let s = sandbox;
        let dir = quoted(s.path());
        let path = s.path().join("pane.sh");
        std::fs::write(&path, format!("cd {dir}\n{script}")).unwrap();
        let command = format!(
            "exec env -i PATH=\"$PATH\" TERM=\"$TERM\" HOME={home} TZ=UTC STRETCH_CONFIG_DIR={dir}/config bash {path}",
            home = quoted(&s.home()),
            path = quoted(&path),
        );
        Pane { sandbox: s, tmux: Tmux::start(s, &command) }
    }

    /// `stretch tonight ARGS`, then its exit code and `stty -a` into files.
    fn tonight(sandbox: &'a Sandbox, args: &[&str]) -> Self {
        let script = format!("{}\necho $? > exit-code\nstty -a > stty.txt\nsleep 30\n", tonight_command(sandbox, args));
        Pane::run(sandbox, &script)
    }

    /// An interactive shell with job control, prompting `ready> `.
    fn shell(sandbox: &'a Sandbox) -> Self {
        let pane = Pane::run(sandbox, "PS1='ready> ' exec bash --norc --noprofile -i\n");
        pane.tmux.wait_for("ready>");
        pane
    }

    fn send(&self, key: &str) {
        self.tmux.keys(&[key]);
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.sandbox.path().join(name)).unwrap_or_default()
    }

    fn events(&self) -> Vec<Value> {
        // The last line may be half written; only whole lines count.
        let text = self.file("events.jsonl");
        let whole = text.rfind('\n').map_or("", |end| &text[..=end]);
        events(whole)
    }

    /// Waits (at most 10 s) until the session has emitted `count` events named `name`.
    fn wait_for_event(&self, name: &str, count: usize) -> Vec<Value> {
        self.wait(&format!("{count} {name} events"), || {
            let all = self.events();
            (all.iter().filter(|e| e["event"] == name).count() >= count).then_some(all)
        })
    }

    /// Waits for stretch to exit; returns its exit code.
    fn wait_for_exit(&self) -> i32 {
        self.wait("the exit code", || self.file("exit-code").trim().parse().ok())
    }

    fn wait<T>(&self, what: &str, mut ready: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(value) = ready() {
                return value;
            }
            assert!(Instant::now() < deadline, "no {what} within 10 s; the screen:\n{}", self.tmux.screen());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts a session and waits until its first phase is on screen and keys are live.
    fn started(sandbox: &'a Sandbox, args: &[&str]) -> Self {
        let pane = Pane::tonight(sandbox, args);
        pane.wait_until_live();
        pane
    }

    fn wait_until_live(&self) {
        self.wait_for_event("phase", 1);
        self.tmux.wait_for("Keys: space pauses");
    }

    /// `stty -a` after stretch exited: line editing and echo are back.
    fn assert_terminal_restored(&self) {
        let stty = self.wait("stty output", || Some(self.file("stty.txt")).filter(|t| t.ends_with('\n')));
        let flags: Vec<_> = stty.split_whitespace().collect();
        for flag in ["icanon", "echo", "isig"] {
            assert!(flags.contains(&flag), "{flag} is on again: {stty}");
        }
    }
}

fn quoted(path: &std::path::Path) -> String {
    shell_quote(path.to_str().unwrap())
}

/// A session with sounds off, logging in the sandbox, events into `events.jsonl`.
fn tonight_command(s: &Sandbox, args: &[&str]) -> String {
    let bin = quoted(env!("CARGO_BIN_EXE_stretch").as_ref());
    format!("{bin} tonight --data-dir {} --sounds off --json {} > events.jsonl", quoted(&s.data()), args.join(" "))
}

fn ms(event: &Value, field: &str) -> f64 {
    event[field].as_f64().unwrap()
}

fn find<'e>(events: &'e [Value], name: &str, phase: &str) -> &'e Value {
    events.iter().find(|e| e["event"] == name && e["phase"] == phase).unwrap_or_else(|| panic!("{name} {phase}"))
}

#[test]
fn s_skips_getting_ready_and_space_pauses_and_resumes_the_hold() {
    let s = Sandbox::new();
    let pane = Pane::started(&s, &["--prepare", "30s", "--hold", "2s", "--reps", "1"]);
    pane.send("s");
    pane.wait_for_event("phase", 2);
    pane.send("Space");
    pane.wait_for_event("paused", 1);
    pane.tmux.wait_for("paused; press space to resume");
    pane.send("Space");
    assert_eq!(pane.wait_for_exit(), 0, "the routine completes after resuming");

    let events = pane.events();
    let skipped = ms(find(&events, "skipped", "prepare"), "actual_ms");
    let hold = find(&events, "phase", "hold");
    assert!(skipped < 10_000.0, "skipped long before the 30 s were up: {skipped}");
    assert!((ms(hold, "planned_ms") - skipped).abs() < 0.001, "the hold is due at once: {hold}");
    let paused = ms(find(&events, "paused", "hold"), "actual_ms");
    let resumed = ms(find(&events, "resumed", "hold"), "actual_ms");
    let done = find(&events, "phase", "done");
    let expected_done = ms(hold, "planned_ms") + 2000.0 + (resumed - paused);
    assert!((ms(done, "planned_ms") - expected_done).abs() < 0.001, "the pause moved the end: {done}");
    assert!(ms(done, "actual_ms") >= ms(done, "planned_ms"));

    let r = &s.records()[0];
    assert_eq!(r["completed"], true);
    assert_eq!(r["hold_ms"], 2000, "paused time is not hold time");
    let paused_ms = r["paused_ms"].as_f64().unwrap();
    assert!(paused_ms > 0.0 && (paused_ms - (resumed - paused)).abs() <= 1.0, "{r} vs {}", resumed - paused);
    pane.assert_terminal_restored();
}

/// Exit 130, a partial record, and the terminal as it was; returns the stop event.
fn assert_stopped(s: &Sandbox, pane: &Pane, reason: &str) -> Value {
    assert_stopped_with(s, pane, reason, 130)
}

/// Exit `code`, a partial record, and the terminal as it was; returns the stop event.
fn assert_stopped_with(s: &Sandbox, pane: &Pane, reason: &str, code: i32) -> Value {
    assert_eq!(pane.wait_for_exit(), code);
    let stopped = find(&pane.events(), "stopped", "hold").clone();
    assert_eq!(stopped["reason"], reason);
    let r = &s.records()[0];
    assert_eq!((&r["completed"], &r["reps_done"]), (&Value::from(false), &Value::from(0)));
    pane.assert_terminal_restored();
    stopped
}

#[test]
fn q_stops_logs_a_partial_session_exits_130_and_restores_the_terminal() {
    let s = Sandbox::new();
    let pane = Pane::started(&s, &["--prepare", "0s", "--hold", "30s", "--reps", "1"]);
    pane.send("Space");
    pane.wait_for_event("paused", 1);
    pane.send("q");
    let stopped = assert_stopped(&s, &pane, "quit");
    let r = &s.records()[0];
    let (hold, paused) = (r["hold_ms"].as_f64().unwrap(), r["paused_ms"].as_f64().unwrap());
    assert!(paused > 0.0 && (hold + paused - ms(&stopped, "actual_ms")).abs() <= 2.0, "held + paused = all: {r}");
    pane.tmux.wait_for("Stopped wall-calf: 0 of 1 rep");
}

#[test]
fn ctrl_c_at_the_terminal_stops_and_restores_it() {
    let s = Sandbox::new();
    let pane = Pane::started(&s, &["--prepare", "0s", "--hold", "30s", "--reps", "1"]);
    pane.send("C-c");
    assert_stopped(&s, &pane, "interrupt");
}

#[test]
fn keys_work_again_after_ctrl_z_and_fg() {
    let s = Sandbox::new();
    let pane = Pane::shell(&s);
    let command = tonight_command(&s, &["--prepare", "0s", "--hold", "30s", "--reps", "1"]);
    pane.tmux.keys(&[&command, "Enter"]);
    pane.wait_until_live();
    pane.send("C-z");
    pane.tmux.wait_for("Stopped");
    pane.tmux.keys(&["fg", "Enter"]);
    // bash names the job it continues; then the space must reach stretch as a key.
    pane.wait("the job continued", || (pane.tmux.screen().matches("> events.jsonl").count() >= 3).then_some(()));
    pane.send("Space");
    pane.wait_for_event("paused", 1);
    pane.send("q");
    pane.wait_for_event("stopped", 1);
    assert_eq!(pane.wait("the record", || s.records().pop())["completed"], false);
}

#[test]
fn ctrl_backslash_stops_records_exits_131_and_restores_the_terminal() {
    let s = Sandbox::new();
    let pane = Pane::started(&s, &["--prepare", "0s", "--hold", "30s", "--reps", "1"]);
    pane.send("C-\\");
    assert_stopped_with(&s, &pane, "quit-signal", 131);
}

#[test]
fn closing_the_terminal_records_the_session_and_releases_the_lock() {
    let s = Sandbox::new();
    let pane = Pane::started(&s, &["--prepare", "0s", "--hold", "30s", "--reps", "1"]);
    pane.tmux.close();
    let r = pane.wait("the record", || s.records().pop());
    assert_eq!((&r["completed"], &r["reps_done"]), (&Value::from(false), &Value::from(0)), "{r}");
    // The lock goes with the process, which writes its record just before it
    // exits: the next session runs once it has gone (75 means "still held").
    let deadline = Instant::now() + Duration::from_secs(10);
    let (code, stderr) = loop {
        let (code, _, stderr) = s.run(s.tonight(&["--sounds", "off"]));
        if code != 75 || Instant::now() > deadline {
            break (code, stderr);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_session_sent_to_the_background_finishes_records_and_releases_its_lock() {
    let s = Sandbox::new();
    let pane = Pane::shell(&s);
    let command = tonight_command(&s, &["--prepare", "0s", "--hold", "2s", "--reps", "1"]);
    pane.tmux.keys(&[&command, "Enter"]);
    pane.wait_until_live();
    pane.send("C-z");
    pane.tmux.wait_for("Stopped");
    pane.tmux.keys(&["bg", "Enter"]);
    let r = pane.wait("the record", || s.records().pop());
    assert_eq!(r["completed"], true, "it ran to its end in the background: {r}");
    pane.tmux.wait_for("Completed wall-calf");
    // bash reports a finished background job before its next prompt.
    pane.wait("the job to be done", || {
        pane.tmux.keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(100));
        pane.tmux.screen().contains("+  Done ").then_some(())
    });
    let (code, _, stderr) = s.run(s.tonight(&["--sounds", "off"]));
    assert_eq!(code, 0, "the lock was released: {stderr}");
}
