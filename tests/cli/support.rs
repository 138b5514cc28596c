//! A sandbox per test: its own HOME, data and config directories, its own
//! file-backed `crontab`, and a clean environment, so nothing leaks in from
//! the machine running the tests and nothing leaks out to it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

/// An isolated home for one test.
pub(crate) struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let sandbox = Sandbox { dir };
        sandbox.write_fake_crontab();
        sandbox
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    /// The data directory the tests pass with `--data-dir` (not created in advance).
    pub(crate) fn data(&self) -> PathBuf {
        self.path().join("data")
    }

    pub(crate) fn journal(&self) -> PathBuf {
        self.data().join("journal.jsonl")
    }

    /// Parsed journal records.
    pub(crate) fn records(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.journal()) {
            Ok(text) => text.lines().map(|l| serde_json::from_str(l).expect("a valid record")).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Makes ALSA's default device something else, through `~/.asoundrc`.
    pub(crate) fn asoundrc(&self, config: &str) {
        std::fs::write(self.home().join(".asoundrc"), config).unwrap();
    }

    /// The directory of the fake `crontab` program, its installed crontab
    /// and its call log.
    fn fake_crontab_dir(&self) -> PathBuf {
        self.path().join("fake-crontab")
    }

    /// The sandbox's `crontab` program: a file-backed stand-in that every
    /// command run here uses, so no test reaches a real user's crontab.
    pub(crate) fn fake_crontab(&self) -> PathBuf {
        self.fake_crontab_dir().join("crontab")
    }

    /// What the fake crontab holds (`None`: no crontab installed).
    pub(crate) fn crontab(&self) -> Option<String> {
        std::fs::read_to_string(self.fake_crontab_dir().join("installed")).ok()
    }

    /// Installs `text` in the fake crontab, as `crontab -` would.
    pub(crate) fn set_crontab(&self, text: &str) {
        std::fs::write(self.fake_crontab_dir().join("installed"), text).unwrap();
    }

    /// The arguments of each call to the fake crontab, one line per call.
    pub(crate) fn crontab_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.fake_crontab_dir().join("calls"))
            .map_or_else(|_| Vec::new(), |calls| calls.lines().map(str::to_string).collect())
    }

    fn write_fake_crontab(&self) {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.fake_crontab_dir();
        std::fs::create_dir(&dir).unwrap();
        let script = FAKE_CRONTAB.replace("@DIR@", &shell_quote(dir.to_str().unwrap()));
        std::fs::write(self.fake_crontab(), script).unwrap();
        std::fs::set_permissions(self.fake_crontab(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// `PATH` with the fake crontab's directory first, so that even a
    /// command that loses `STRETCH_CRONTAB` finds the fake, not the real one.
    fn path_var(&self) -> std::ffi::OsString {
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        std::env::join_paths(std::iter::once(self.fake_crontab_dir()).chain(std::env::split_paths(&inherited)))
            .expect("PATH entries without ':'")
    }

    /// `stretch ARGS` with a clean environment: no terminal, no sound card,
    /// and the sandbox's fake crontab.
    #[must_use]
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        // CI plays one session through the program built from the packaged
        // crate, named here; every other run tests this build's.
        let bin = std::env::var_os("STRETCH_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_stretch").into());
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_clear()
            .env("PATH", self.path_var())
            .env("STRETCH_CRONTAB", self.fake_crontab())
            .env("HOME", self.home())
            .env("STRETCH_CONFIG_DIR", self.path().join("config"))
            .env("STRETCH_CACHE_DIR", self.path().join("cache"))
            .env("TZ", "UTC")
            .stdin(Stdio::null());
        if !self.home().join(".asoundrc").exists() {
            // Machines running these tests may have a sound card; tests that
            // want one make their own.
            self.asoundrc(NO_DEVICE);
        }
        cmd
    }

    /// `stretch tonight` with short phases, logging into the sandbox.
    #[must_use]
    pub(crate) fn tonight(&self, extra: &[&str]) -> Command {
        let data = self.data();
        let mut args = vec![
            "tonight",
            "--data-dir",
            data.to_str().unwrap(),
            "--prepare",
            "0s",
            "--hold",
            "200ms",
            "--rest",
            "100ms",
            "--reps",
            "2",
        ];
        args.extend_from_slice(extra);
        self.cmd(&args)
    }

    /// `stretch log ARGS` on the sandbox journal, at a fixed time and zone.
    #[must_use]
    pub(crate) fn log(&self, now: &str, tz: &str, args: &[&str]) -> Command {
        let data = self.data();
        let mut all = vec!["log", "--data-dir", data.to_str().unwrap()];
        all.extend_from_slice(args);
        let mut cmd = self.cmd(&all);
        cmd.env("STRETCH_NOW", now).env("TZ", tz);
        cmd
    }

    /// Writes the journal, creating the data directory.
    pub(crate) fn write_journal(&self, lines: &[String]) {
        std::fs::create_dir_all(self.data()).unwrap();
        std::fs::write(self.journal(), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    }

    /// Runs to the end and returns (exit code, stdout, stderr).
    pub(crate) fn run(&self, mut cmd: Command) -> (i32, String, String) {
        let out = cmd.output().expect("stretch runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

/// A `crontab` that keeps the crontab in `@DIR@/installed` and logs the
/// arguments of each call to `@DIR@/calls`. It answers as Debian's does:
/// `-l` prints the crontab or "no crontab for USER" (exit 1), `-` and `FILE`
/// install a whole crontab (refusing one whose last line has no newline),
/// `-r` removes it.
const FAKE_CRONTAB: &str = r#"#!/bin/sh
dir=@DIR@
printf '%s\n' "$*" >> "$dir/calls"
none() { echo "no crontab for $(id -un)" >&2; exit 1; }
install() {
    cat -- "$1" > "$dir/new" || exit 1
    if [ -s "$dir/new" ] && [ -n "$(tail -c 1 "$dir/new")" ]; then
        rm -f "$dir/new"
        echo "new crontab file is missing newline before EOF, can't install." >&2
        exit 1
    fi
    mv "$dir/new" "$dir/installed"
}
[ $# -eq 1 ] || { echo "crontab: usage: crontab { - | FILE | -l | -r }" >&2; exit 1; }
case "$1" in
    -l) [ -f "$dir/installed" ] || none; cat "$dir/installed" ;;
    -r) [ -f "$dir/installed" ] || none; rm "$dir/installed" ;;
    -) install /dev/stdin ;;
    -*) echo "crontab: invalid option -- '$1'" >&2; exit 1 ;;
    *) install "$1" ;;
esac
"#;

/// An ALSA default that cannot be opened, as on a machine with no sound card.
pub(crate) const NO_DEVICE: &str = "pcm.!default { type hw; card 99 }\nctl.!default { type hw; card 99 }\n";

/// Starts a command with its stdout piped, for reading events as they come.
pub(crate) fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("stretch starts")
}

/// Sends a signal (`"INT"`, `"TERM"`) to a child.
pub(crate) fn signal(child: &Child, name: &str) {
    use nix::sys::signal::{Signal, kill};
    let signal = match name {
        "INT" => Signal::SIGINT,
        "TERM" => Signal::SIGTERM,
        "HUP" => Signal::SIGHUP,
        "QUIT" => Signal::SIGQUIT,
        other => panic!("no signal {other}"),
    };
    kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).expect("the child is alive");
}

/// A session record as a journal line, started at `started` (RFC 3339).
pub(crate) fn session_line(id: &str, started: &str, completed: bool) -> String {
    // A minute long, long enough for the hold time it records.
    let ended = chrono::DateTime::parse_from_rfc3339(started)
        .map(|t| (t + chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, false))
        .unwrap_or_else(|_| started.to_string());
    serde_json::json!({
        "type": "session", "v": 1, "id": id, "routine": "wall-calf", "started": started, "ended": ended,
        "reps_planned": 3, "reps_done": if completed { 3 } else { 1 }, "hold_ms": if completed { 30000 } else { 10000 },
        "completed": completed, "source": "terminal", "audio": "device", "paused_ms": 0
    })
    .to_string()
}

/// Parses `--json` output: the timed events, without the closing summary
/// and without the cues (see [`cues`]).
pub(crate) fn events(stdout: &str) -> Vec<serde_json::Value> {
    all_events(stdout).into_iter().filter(|e| e["event"] != "summary" && e["event"] != "cue").collect()
}

/// The `cue` events of `--json` output, one for each cue, in order.
pub(crate) fn cues(stdout: &str) -> Vec<serde_json::Value> {
    all_events(stdout).into_iter().filter(|e| e["event"] == "cue").collect()
}

/// Every `--json` line, the summary last.
pub(crate) fn all_events(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// A program running in a real pseudo-terminal (a private tmux server),
/// for the parts of stretch that only a person at a terminal sees.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `shell_command` in a new 100x30 terminal.
    pub(crate) fn start(sandbox: &Sandbox, shell_command: &str) -> Tmux {
        Tmux::start_wide(sandbox, shell_command, 100)
    }

    /// Starts `shell_command` in a new terminal `columns` wide and 30 high.
    pub(crate) fn start_wide(sandbox: &Sandbox, shell_command: &str, columns: u16) -> Tmux {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("stretch-test-{}-{n}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", &columns.to_string(), "-y", "30"])
            .arg(shell_command)
            .env("HOME", sandbox.home())
            .env("PATH", sandbox.path_var())
            .env("STRETCH_CRONTAB", sandbox.fake_crontab())
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux started");
        Tmux { socket }
    }

    /// The visible screen.
    pub(crate) fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p"]).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (up to 10 s, polling) until the screen shows `text`.
    pub(crate) fn wait_for(&self, text: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(std::time::Instant::now() < deadline, "waited for {text:?}; the screen shows:\n{screen}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Closes the terminal, as closing its window does: its programs get SIGHUP.
    pub(crate) fn close(&self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).stderr(Stdio::null()).status();
    }

    /// Types keys, as tmux `send-keys` names them (`"r"`, `"Enter"`, `"Escape"`).
    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-L", &self.socket, "send-keys"];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().expect("tmux runs").success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).stderr(Stdio::null()).status();
    }
}

/// Single-quotes a string for a POSIX shell.
pub(crate) fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Waits for `child` to exit, at most `limit`: past it the child is a hang,
/// killed after its threads' stacks are saved, and the test fails with them
/// and `what` it was doing.
pub(crate) fn exit_within(child: &mut Child, limit: std::time::Duration, what: &str) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let stacks = stacks(child.id());
            let _ = child.kill();
            panic!("{what}: still running after {limit:?}; its threads:\n{stacks}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Every thread's stack of the running process `pid`, as the kernel and gdb
/// see them: saved before a test kills a process that overran, so a hang
/// seen once can be explained.
pub(crate) fn stacks(pid: u32) -> String {
    let mut out = String::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
    for task in tasks {
        let path = task.path();
        let read = |name: &str| std::fs::read_to_string(path.join(name)).unwrap_or_else(|e| format!("({e})"));
        out += &format!(
            "thread {} ({}) wchan {}\n{}",
            task.file_name().to_string_lossy(),
            read("comm").trim(),
            read("wchan").trim(),
            read("stack")
        );
    }
    let gdb = Command::new("gdb")
        .args(["-batch", "-p", &pid.to_string(), "-ex", "thread apply all bt"])
        .stdin(Stdio::null())
        .output();
    match gdb {
        Ok(done) => out += &String::from_utf8_lossy(&done.stdout),
        Err(e) => out += &format!("(gdb could not run: {e})\n"),
    }
    out
}
