//! `stretch schedule` and `stretch doctor` against the sandbox's file-backed
//! `crontab`, against stand-ins for the failures a real one rarely shows, and
//! (ignored by default) against the real `crontab` program, on the account's
//! crontab, saved and put back around each test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};

use crate::support::Sandbox;

/// A crontab full of other people's jobs: environment lines, comments, blank
/// lines, tabs, `%`, `@reboot`.
pub(crate) const OTHER_JOBS: &str = "SHELL=/bin/sh\nMAILTO=\"\"\n# m h  dom mon dow   command\n\n*/7 * * * * /usr/bin/true --backup  # keep\n0 3 * * 0\tdate +\\%F >> /dev/null\n@reboot   /bin/true\n\n# the end\n";

/// The account's real crontab, for one test at a time: saved on creation,
/// put back on drop, even if the test fails.
pub(crate) struct RealCrontab {
    program: PathBuf,
    saved: Option<String>,
    _one_at_a_time: MutexGuard<'static, ()>,
}

static CRONTAB: Mutex<()> = Mutex::new(());

/// The real `crontab` on `PATH`; a test that asks for it fails without it.
fn real_program() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join("crontab")).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("this test needs the real `crontab` program (Debian: apt-get install --no-install-recommends cron)")
    })
}

/// What `PROGRAM -l` prints, or `None` for no crontab.
fn list(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("-l").env("LC_ALL", "C").output().expect("crontab runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        assert!(stderr.starts_with("no crontab for"), "`crontab -l` failed: {stderr}");
        return None;
    }
    Some(String::from_utf8(out.stdout).expect("a UTF-8 crontab"))
}

impl RealCrontab {
    /// Takes the crontab and installs `text` in it (`None`: removes it).
    pub(crate) fn take(text: Option<&str>) -> RealCrontab {
        let guard = CRONTAB.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let program = real_program();
        // Read before anything can go wrong, so that drop never puts back less.
        let saved = list(&program);
        let crontab = RealCrontab { program, saved, _one_at_a_time: guard };
        assert!(crontab.set(text), "the real crontab took {text:?}");
        crontab
    }

    /// What `crontab -l` prints, or `None` for no crontab.
    pub(crate) fn installed(&self) -> Option<String> {
        list(&self.program)
    }

    /// Installs `text` (`None`: removes the crontab); whether that worked.
    fn set(&self, text: Option<&str>) -> bool {
        let Some(text) = text else {
            let _ = Command::new(&self.program).arg("-r").stderr(Stdio::null()).status();
            return list(&self.program).is_none();
        };
        let Ok(mut child) = Command::new(&self.program).arg("-").stdin(Stdio::piped()).spawn() else { return false };
        let written =
            child.stdin.take().is_some_and(|mut stdin| std::io::Write::write_all(&mut stdin, text.as_bytes()).is_ok());
        child.wait().is_ok_and(|status| status.success()) && written
    }

    /// Makes `cmd` (a `stretch` command) use the real `crontab`.
    pub(crate) fn apply(&self, mut cmd: Command) -> Command {
        cmd.env("STRETCH_CRONTAB", &self.program);
        cmd
    }
}

impl Drop for RealCrontab {
    fn drop(&mut self) {
        // No panic here: this may run while a failed test unwinds.
        if !self.set(self.saved.clone().as_deref()) {
            eprintln!("could not put the crontab back; it was:\n{:?}", self.saved);
        }
    }
}

/// The crontab a test edits: the sandbox's fake one, or the real one.
struct Tab<'a> {
    sandbox: &'a Sandbox,
    real: Option<RealCrontab>,
}

impl<'a> Tab<'a> {
    /// The sandbox's file-backed crontab, holding `text` (if given).
    fn fake(sandbox: &'a Sandbox, text: Option<&str>) -> Tab<'a> {
        if let Some(text) = text {
            sandbox.set_crontab(text);
        }
        Tab { sandbox, real: None }
    }

    /// The account's real crontab, holding `text` (`None`: no crontab).
    fn real(sandbox: &'a Sandbox, text: Option<&str>) -> Tab<'a> {
        Tab { sandbox, real: Some(RealCrontab::take(text)) }
    }

    fn schedule(&self, args: &[&str]) -> Command {
        let cmd = schedule(self.sandbox, args);
        match &self.real {
            Some(real) => real.apply(cmd),
            None => cmd,
        }
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.sandbox.run(self.schedule(args))
    }

    fn installed(&self) -> Option<String> {
        match &self.real {
            Some(real) => real.installed(),
            None => self.sandbox.crontab(),
        }
    }
}

/// `stretch schedule ARGS` logging into the sandbox's data dir.
pub(crate) fn schedule(s: &Sandbox, args: &[&str]) -> Command {
    let data = s.data();
    let mut all = vec!["--data-dir", data.to_str().unwrap(), "schedule"];
    all.extend_from_slice(args);
    s.cmd(&all)
}

fn backups(s: &Sandbox) -> usize {
    std::fs::read_dir(s.data().join("crontab-backups")).map_or(0, |d| d.count())
}

/// Adds, lists and removes entries in a crontab holding other jobs, which
/// keep every byte.
fn add_list_remove_and_add_again(s: &Sandbox, tab: &Tab) {
    let add = ["add", "22:30", "07:05", "--days", "weekdays", "--prepare", "0s", "--reps", "2"];
    let (code, stdout, stderr) = tab.run(&add);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("added 07:05 weekdays\nadded 22:30 weekdays\nCrontab updated;"), "{stdout}");
    let text = tab.installed().unwrap();
    assert!(text.starts_with(OTHER_JOBS), "{text}");
    let block: Vec<_> = text[OTHER_JOBS.len()..].lines().collect();
    assert_eq!(block.len(), 4, "{text}");
    assert!(block[0].starts_with("# BEGIN stretch schedule") && block[3] == "# END stretch schedule");
    let uid = nix::unistd::getuid();
    let data = s.data().display().to_string();
    let expected = format!(
        "5 7 * * 1-5 umask 077; {{ [ -x {1} ] || {{ echo 'stretch: the program is not there (moved or uninstalled): run `stretch schedule upgrade` with the one you use now, or `stretch schedule remove --all`' >&2; exit 127; }}; mkdir -p {data} && exec env XDG_RUNTIME_DIR=/run/user/{uid} DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{uid}/bus STRETCH_CONFIG_DIR={0} TZ=UTC {1} tonight --source cron --skip-if-done --data-dir {data} --reps 2 --prepare 0s >> {data}/schedule.log 2>&1; }} 2>&1 | {{ IFS= read -r l || [ -n \"$l\" ] || exit 0; {{ echo \"$(date -Iseconds) $l\"; cat; }} >> {2}/.stretch-schedule-errors.log; }} # stretch:v3 added=",
        s.path().join("config").display(),
        env!("CARGO_BIN_EXE_stretch"),
        s.home().display(),
    );
    assert!(block[1].starts_with(&expected), "{}\n{expected}", block[1]);
    assert!(block[2].starts_with("30 22 * * 1-5 "), "{}", block[2]);
    assert_eq!(backups(s), 1);

    let (code, stdout, _) = tab.run(&add);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "07:05 weekdays is already scheduled; nothing to change\n22:30 weekdays is already scheduled; nothing to change\n"
    );
    assert_eq!(tab.installed().unwrap(), text, "a no-op changes nothing");
    assert_eq!(backups(s), 1, "and saves nothing");

    let (code, stdout, _) = tab.run(&["list"]);
    assert_eq!(code, 0);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "07:05  weekdays  --reps 2 --prepare 0s",
            "       last run: none yet",
            "22:30  weekdays  --reps 2 --prepare 0s",
            "       last run: none yet"
        ]
    );

    assert_eq!(tab.run(&["remove", "22:30"]).0, 0);
    let (code, stdout, _) = tab.run(&["remove", "22:30"]);
    assert_eq!((code, stdout.as_str()), (0, "nothing is scheduled at 22:30\n"));
    assert_eq!(tab.run(&["remove", "--all"]).0, 0);
    assert_eq!(tab.installed().unwrap(), OTHER_JOBS, "removing everything gives back the same bytes");

    assert_eq!(tab.run(&["add", "21:00"]).0, 0);
    assert!(tab.installed().unwrap().starts_with(OTHER_JOBS));
    assert_eq!(backups(s), 4);
    let first = std::fs::read_dir(s.data().join("crontab-backups")).unwrap().map(|e| e.unwrap().path()).min().unwrap();
    assert_eq!(std::fs::read_to_string(first).unwrap(), OTHER_JOBS, "the first backup is the crontab before");
}

#[test]
fn add_list_remove_and_add_again_keep_every_other_line_byte_for_byte() {
    let s = Sandbox::new();
    add_list_remove_and_add_again(&s, &Tab::fake(&s, Some(OTHER_JOBS)));
    assert!(s.crontab_calls().iter().all(|call| call == "-l" || call == "-"), "{:?}", s.crontab_calls());
}

#[test]
#[ignore = "edits the account's real crontab (saved and put back) with the real `crontab` program"]
fn the_real_crontab_keeps_every_other_line_byte_for_byte() {
    let s = Sandbox::new();
    add_list_remove_and_add_again(&s, &Tab::real(&s, Some(OTHER_JOBS)));
    assert_eq!(s.crontab_calls(), Vec::<String>::new(), "the fake was not used");
}

/// Schedules into an account with no crontab at all, and removes it again.
fn from_no_crontab_and_back(s: &Sandbox, tab: &Tab) {
    let (code, stdout, stderr) = tab.run(&["list"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with("Nothing is scheduled."), "{stdout}");
    let (code, _, stderr) = tab.run(&["add", "22:30"]);
    assert_eq!(code, 0, "{stderr}");
    let text = tab.installed().unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 3, "only the block: {text}");
    assert!(lines[1].starts_with("30 22 * * * "), "{text}");
    let backup = std::fs::read_dir(s.data().join("crontab-backups")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "", "no crontab is saved as an empty one");
    assert_eq!(tab.run(&["remove", "--all"]).0, 0);
    assert_eq!(tab.installed().as_deref(), Some(""), "an empty crontab is left");
}

#[test]
fn scheduling_into_no_crontab_and_removing_leaves_an_empty_one() {
    let s = Sandbox::new();
    from_no_crontab_and_back(&s, &Tab::fake(&s, None));
}

#[test]
#[ignore = "removes the account's real crontab (saved and put back) with the real `crontab` program"]
fn the_real_crontab_can_start_empty_and_end_empty() {
    let s = Sandbox::new();
    from_no_crontab_and_back(&s, &Tab::real(&s, None));
}

#[test]
fn hostile_times_and_days_exit_2_and_leave_the_crontab_alone() {
    let s = Sandbox::new();
    s.set_crontab(OTHER_JOBS);
    let cases: [&[&str]; 12] = [
        &["24:00"],
        &["12:60"],
        &["7:3"],
        &["noon"],
        &["22:30", "25:00"],
        &["22:30;rm -rf ~"],
        &["$(id):00"],
        &[""],
        &["22:30", "--days", "mon,funday"],
        &["22:30", "--days", ""],
        &["22:30", "--days", "weekday"],
        &["22:30", "--hold", "1h"],
    ];
    for case in cases {
        let mut args = vec!["add"];
        args.extend_from_slice(case);
        let (code, stdout, stderr) = s.run(schedule(&s, &args));
        assert_eq!(code, 2, "{case:?}: {stderr}");
        assert!(stderr.starts_with("stretch: "), "{case:?}: {stderr}");
        assert_eq!(stdout, "", "{case:?}");
    }
    let (code, _, stderr) = s.run(schedule(&s, &["remove", "99:99"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(s.crontab_calls(), Vec::<String>::new(), "everything is checked before the crontab is read");
    assert_eq!(s.crontab().unwrap(), OTHER_JOBS);
    assert!(!s.data().exists(), "not even a backup was made");
}

/// A stand-in `crontab`: writes each call to `calls`, then runs `script`.
fn fake_crontab(s: &Sandbox, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = s.path().join("crontab");
    let calls = s.path().join("calls");
    std::fs::write(&path, format!("#!/bin/sh\necho \"$*\" >> '{}'\n{script}\n", calls.display())).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn with_crontab(mut cmd: Command, program: &Path) -> Command {
    cmd.env("STRETCH_CRONTAB", program);
    cmd
}

#[test]
fn a_missing_or_failing_crontab_is_explained_and_nothing_changes() {
    let s = Sandbox::new();
    let missing = s.path().join("no-such-crontab");
    let failing = fake_crontab(
        &s,
        "printf 'You (me) are not allowed to use this program (crontab)\\nSee crontab(1) for more information\\n' >&2; exit 1",
    );
    let denied = "may not use cron (You (me) are not allowed to use this program (crontab); See crontab(1) for more information); ask the administrator";
    for (program, why, fix) in [(&missing, "was not found", "install cron"), (&failing, denied, "/etc/cron.allow")] {
        for args in [&["add", "22:30"][..], &["remove", "--all"], &["list"]] {
            let (code, stdout, stderr) = s.run(with_crontab(schedule(&s, args), program));
            assert_eq!(code, 1, "{args:?}: {stderr}");
            assert!(stderr.contains(why), "{stderr}");
            assert!(stderr.contains(fix) && stderr.contains("stretch schedule print"), "{stderr}");
            assert!(!stderr.contains("\\x0a"), "{stderr}");
            assert_eq!(stdout, "");
        }
        // No cron here: nothing is scheduled, nothing to fail.
        let data = s.data();
        let (_, stdout, _) = s.run(with_crontab(s.cmd(&["--data-dir", data.to_str().unwrap(), "doctor"]), program));
        assert!(stdout.contains("note  schedule: nothing can be scheduled: cannot use the crontab"), "{stdout}");
        assert!(!stdout.contains("FAIL  crontab") && !stdout.contains("FAIL  schedule"), "{stdout}");
    }
    let calls = std::fs::read_to_string(s.path().join("calls")).unwrap();
    assert!(calls.lines().all(|l| l == "-l"), "only ever read: {calls}");
}

#[test]
fn a_refused_install_keeps_the_old_crontab() {
    let s = Sandbox::new();
    let store = s.path().join("spool");
    std::fs::write(&store, OTHER_JOBS).unwrap();
    let program = fake_crontab(
        &s,
        &format!(
            "[ \"$1\" = -l ] && cat '{}' && exit 0\ncat > /dev/null; echo 'errors in crontab file' >&2; exit 1",
            store.display()
        ),
    );
    let (code, _, stderr) = s.run(with_crontab(schedule(&s, &["add", "22:30"]), &program));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("refused the new crontab: errors in crontab file; the old one is still installed"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&store).unwrap(), OTHER_JOBS);
}

#[test]
fn a_crontab_that_is_not_utf8_is_named_by_line_and_left_alone() {
    let s = Sandbox::new();
    let store = s.path().join("spool");
    let latin1 = b"# jobs\nMAILTO=me\n0 3 * * * echo caf\xe9\n".to_vec();
    std::fs::write(&store, &latin1).unwrap();
    let program = fake_crontab(&s, &format!("[ \"$1\" = -l ] && cat '{}' && exit 0\nexit 1", store.display()));
    for args in [&["add", "22:30"][..], &["remove", "--all"]] {
        let (code, _, stderr) = s.run(with_crontab(schedule(&s, args), &program));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("line 3 of the crontab is not UTF-8 text"), "{stderr}");
    }
    let data = s.data();
    let (_, stdout, _) = s.run(with_crontab(s.cmd(&["--data-dir", data.to_str().unwrap(), "doctor"]), &program));
    assert!(stdout.contains("line 3 of your crontab is not UTF-8 text"), "{stdout}");
    assert_eq!(std::fs::read(&store).unwrap(), latin1, "left byte for byte");
}

#[test]
fn what_a_proof_found_is_told_only_once_the_entry_is_written() {
    let s = Sandbox::new();
    // Where the backup of the crontab would go, a file: the change cannot be made.
    std::fs::create_dir_all(s.data()).unwrap();
    std::fs::write(s.data().join("crontab-backups"), "").unwrap();
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "22:30"]));
    assert_eq!(code, 1, "{stdout}");
    assert!(!stderr.contains("will not be heard") && stdout.is_empty(), "nothing told of an entry not added: {stderr}");
    assert_eq!(s.crontab(), None);
    std::fs::remove_file(s.data().join("crontab-backups")).unwrap();
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "22:30"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("added 22:30 daily\nCrontab updated;"), "{stdout}");
    // Where no sound server runs for cron's environment, the warning comes now, after the change.
    assert!(
        stderr.is_empty()
            || stderr.starts_with("stretch: warning: the entry at 22:30 will run but will not be heard: "),
        "{stderr}"
    );
}

#[test]
fn print_shows_the_block_and_never_runs_crontab() {
    let s = Sandbox::new();
    let program = fake_crontab(&s, "exit 1");
    let (code, stdout, stderr) = s.run(with_crontab(
        schedule(&s, &["print", "06:45", "--days", "sat,sun", "--sounds", "chime", "--volume", "70"]),
        &program,
    ));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[1].starts_with("45 6 * * 0,6 umask 077; { [ -x "), "{}", lines[1]);
    let options = format!(
        " tonight --source cron --skip-if-done --data-dir {} --sounds chime --volume 70 >> ",
        s.data().display()
    );
    assert!(lines[1].contains(&options), "{}", lines[1]);
    assert!(!s.path().join("calls").exists());
    assert!(!s.data().exists());
}

#[test]
fn a_routine_path_is_written_absolute_and_quoted() {
    let s = Sandbox::new();
    let dir = s.path().join("my routines");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("it's 100%.toml"), "reps = 1\n[hold]\nduration = \"1s\"\n").unwrap();
    let mut cmd = schedule(&s, &["print", "22:00", "--routine", "my routines/it's 100%.toml"]);
    cmd.current_dir(s.path());
    let (code, stdout, stderr) = s.run(cmd);
    assert_eq!(code, 0, "{stderr}");
    let quoted = format!(" --routine '{}/my routines/it'\\''s 100\\%.toml' ", s.path().display());
    assert!(stdout.contains(&quoted), "{stdout}\n{quoted}");
}

/// `stretch doctor` on the sandbox's data dir.
fn doctor(s: &Sandbox) -> (i32, String, String) {
    let data = s.data();
    s.run(s.cmd(&["--data-dir", data.to_str().unwrap(), "doctor"]))
}

/// A line the first version of `schedule add` wrote, running this binary.
pub(crate) fn first_version_line(s: &Sandbox, at: &str, data: &Path) -> String {
    let uid = nix::unistd::getuid();
    format!(
        "{at} * * * XDG_RUNTIME_DIR=/run/user/{uid} {} --data-dir {1} tonight --source cron --skip-if-done --reps 1 --hold 1s --prepare 0s --rest 0s --sounds chime >> {1}/schedule.log 2>&1",
        env!("CARGO_BIN_EXE_stretch"),
        data.display(),
    )
    .replace("@", &s.home().display().to_string())
}

#[test]
fn doctor_notes_an_empty_schedule_and_fails_each_entry_that_would_not_run_or_be_heard() {
    let s = Sandbox::new();
    let (_, stdout, _) = doctor(&s);
    assert!(stdout.contains("note  schedule: nothing is scheduled"), "{stdout}");
    let audio = stdout.lines().find(|l| l.contains("audio output:")).unwrap();
    assert_eq!(audio.matches("sound server").count(), 1, "the reason said once: {audio}");
    assert!(!audio.contains("connect speakers"), "the fix matches the cause, no server here: {audio}");
    assert!(!stdout.contains("FAIL  crontab") && !stdout.contains("cron daemon"), "{stdout}");

    assert_eq!(s.run(schedule(&s, &["add", "22:00"])).0, 0);
    let (code, stdout, _) = doctor(&s);
    assert_eq!(code, 1);
    assert!(stdout.contains("ok    crontab: 1 stretch entry\n"), "{stdout}");
    assert!(
        stdout.contains("FAIL  entry 22:00: runs under cron's environment but will not be heard: no audio output"),
        "no sound card in the sandbox: {stdout}"
    );

    // A typo made after the entry was added.
    std::fs::create_dir_all(s.path().join("config")).unwrap();
    std::fs::write(s.path().join("config/config.toml"), "reps = 2\nhodl = 5\n").unwrap();
    let (code, stdout, _) = doctor(&s);
    assert_eq!(code, 1);
    assert!(stdout.contains("FAIL  config file: "), "{stdout}");
    assert!(
        stdout.contains("FAIL  entry 22:00: would fail under cron: ") && stdout.contains("did you mean hold?"),
        "{stdout}"
    );
}

#[test]
fn add_refuses_a_config_typo_and_a_missing_config_file_and_changes_nothing() {
    let s = Sandbox::new();
    s.set_crontab(OTHER_JOBS);
    std::fs::create_dir_all(s.path().join("config")).unwrap();
    std::fs::write(s.path().join("config/config.toml"), "volum = 3\n").unwrap();
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "22:00"]));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(stderr.contains("did you mean volume?"), "{stderr}");
    std::fs::remove_file(s.path().join("config/config.toml")).unwrap();
    let missing = s.path().join("no such.toml");
    let (code, _, stderr) = s.run(schedule(&s, &["--config", missing.to_str().unwrap(), "add", "22:00"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no such.toml"), "{stderr}");
    assert_eq!(s.crontab().unwrap(), OTHER_JOBS);
}

#[test]
fn a_routine_that_cannot_be_used_is_a_usage_error_before_any_entry() {
    let s = Sandbox::new();
    s.set_crontab(OTHER_JOBS);
    let bad = s.path().join("bad.toml");
    std::fs::write(&bad, "reps = 3\n").unwrap();
    for action in ["add", "print"] {
        for routine in ["nope", bad.to_str().unwrap()] {
            let (code, stdout, stderr) = s.run(schedule(&s, &[action, "22:30", "--routine", routine]));
            assert_eq!((code, stdout.as_str()), (2, ""), "{action} --routine {routine}: {stderr}");
            assert!(stderr.contains("no routine named \"nope\"") || stderr.contains("bad.toml"), "{stderr}");
        }
    }
    assert_eq!(s.crontab().unwrap(), OTHER_JOBS);
}

#[test]
fn the_check_mode_resolves_everything_and_plays_nothing() {
    let s = Sandbox::new();
    let data = s.data();
    let (code, stdout, stderr) = s.run(s.cmd(&["tonight", "--check", "--data-dir", data.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<_> = stdout.lines().collect();
    assert!(lines[0].starts_with("ok: wall-calf would run (no config file); journal "), "{stdout}");
    assert!(lines[1].starts_with("silent: no audio output"), "{stdout}");
    assert!(lines[1].matches("sound server").count() == 1, "the reason said once: {stdout}");
    let (_, stdout, _) = s.run(s.cmd(&["tonight", "--check", "--sounds", "off", "--data-dir", data.to_str().unwrap()]));
    assert!(stdout.contains("heard: nothing to hear: sounds are off"), "{stdout}");
    assert!(s.records().is_empty(), "nothing recorded");
}

#[test]
fn an_entry_copied_by_hand_is_named_by_list_and_doctor_and_add_keeps_one() {
    let s = Sandbox::new();
    assert_eq!(s.run(schedule(&s, &["add", "22:30"])).0, 0);
    let installed = s.crontab().unwrap();
    let line = installed.lines().find(|l| l.starts_with("30 22 ")).unwrap();
    s.set_crontab(&installed.replace(line, &format!("{line}\n{line}")));
    let note = "22:30 is in the crontab 2 times: cron starts each, and all but the first find a session running; \
                `stretch schedule add 22:30` keeps one";
    let (_, stdout, _) = s.run(schedule(&s, &["list"]));
    assert_eq!(stdout.matches(note).count(), 1, "{stdout}");
    let (_, stdout, _) = s.run(s.cmd(&["doctor"]));
    assert!(stdout.contains(&format!("warn  entry 22:30: {note}")), "{stdout}");
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "22:30"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("22:30 daily was in the crontab 2 times; now once\n"), "{stdout}");
    let now = s.crontab().unwrap();
    assert_eq!(now.lines().filter(|l| l.starts_with("30 22 ")).count(), 1, "back to one entry: {now}");
    assert_eq!(now.lines().count(), installed.lines().count(), "{now}");
}

#[test]
fn re_adding_a_time_keeps_what_was_not_mentioned_unless_replace_and_says_what_changed() {
    let s = Sandbox::new();
    assert_eq!(s.run(schedule(&s, &["add", "22:30", "--days", "weekdays", "--reps", "2"])).0, 0);
    let (code, stdout, _) = s.run(schedule(&s, &["add", "22:30", "--hold", "5s"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("updated 22:30: was weekdays --reps 2; now weekdays --reps 2 --hold 5s\n"), "{stdout}");
    let (_, stdout, _) = s.run(schedule(&s, &["add", "22:30", "--replace", "--volume", "10"]));
    assert!(stdout.starts_with("updated 22:30: was weekdays --reps 2 --hold 5s; now daily --volume 10\n"), "{stdout}");
}

#[test]
fn a_line_of_someone_else_in_the_block_is_left_alone_with_a_warning() {
    let s = Sandbox::new();
    s.set_crontab("# BEGIN stretch schedule\n30 22 * * * my own job\n# END stretch schedule\n");
    let (code, _, stderr) = s.run(schedule(&s, &["add", "22:30"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning: the line \"30 22 * * * my own job\" in the stretch block"), "{stderr}");
    let text = s.crontab().unwrap();
    assert!(text.contains("\n30 22 * * * my own job\n") && text.contains("# stretch:v3"), "{text}");
}

#[test]
fn crontab_backups_are_private_and_the_last_ten_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    for minute in 0..12 {
        assert_eq!(s.run(schedule(&s, &["add", &format!("21:{minute:02}")])).0, 0);
    }
    let dir = s.data().join("crontab-backups");
    let saved: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(saved.len(), 10);
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    for file in &saved {
        assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600, "{}", file.display());
    }
    let newest = saved.iter().max().unwrap();
    assert_eq!(std::fs::read_to_string(newest).unwrap().lines().filter(|l| l.contains("stretch:v3")).count(), 11);
}

#[test]
fn scheduled_runs_note_what_happened_and_list_shows_the_last_run_and_the_missed_ones() {
    let s = Sandbox::new();
    let mut add = schedule(&s, &["add", "22:30"]);
    add.env("STRETCH_NOW", "2026-11-20T12:00:00Z");
    assert_eq!(s.run(add).0, 0);
    // cron at 22:30 on the 21st: a run, then one skipped, then a failing one.
    for now in ["2026-11-21T22:30:01Z", "2026-11-21T22:31:00Z"] {
        let mut run = s.tonight(&["--source", "cron", "--skip-if-done", "--sounds", "chime"]);
        run.env("STRETCH_NOW", now);
        assert_eq!(s.run(run).0, 0);
        // Nobody was there until the person says so.
        let mut confirm = s.cmd(&["log", "--data-dir", s.data().to_str().unwrap(), "confirm"]);
        confirm.env("STRETCH_NOW", now);
        s.run(confirm);
    }
    let log = std::fs::read_to_string(s.data().join("schedule.log")).unwrap();
    let kinds: Vec<_> = log.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
    // No desktop session bus here: the run says there was no notification.
    assert_eq!(kinds, ["started:", "notification:", "finished:", "started:", "skipped:"], "{log}");
    assert!(log.contains(" finished: wall-calf 2 of 2 reps, played, not confirmed; silent: "), "{log}");
    assert!(log.contains(" skipped: already done tonight: a session completed at 22:30"), "{log}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(s.data().join("schedule.log")).unwrap().permissions().mode() & 0o777, 0o600);

    std::fs::create_dir_all(s.path().join("config")).unwrap();
    std::fs::write(s.path().join("config/config.toml"), "reps = \"x\"\n").unwrap();
    let mut run = s.tonight(&["--source", "cron"]);
    run.env("STRETCH_NOW", "2026-11-23T22:30:02Z");
    assert_eq!(s.run(run).0, 2);
    let log = std::fs::read_to_string(s.data().join("schedule.log")).unwrap();
    assert!(log.lines().last().unwrap().starts_with("2026-11-23T22:30:02+00:00 failed: "), "{log}");
    std::fs::remove_file(s.path().join("config/config.toml")).unwrap();

    let mut list = schedule(&s, &["list"]);
    list.env("STRETCH_NOW", "2026-11-24T09:00:00Z");
    let (_, stdout, _) = s.run(list);
    assert!(stdout.contains("\n       last run: 2026-11-23 22:30 failed: "), "{stdout}");
    assert!(stdout.contains("\n       missed: 2026-11-20, 2026-11-22 (due but never started"), "{stdout}");
    let (_, stdout, _) = s.run(s.log("2026-11-24T09:00:00Z", "UTC", &[]));
    assert!(stdout.contains("missed: the run scheduled for 2026-11-22 22:30 never started"), "{stdout}");
    let (_, stdout, _) = s.run(s.log("2026-11-24T09:00:00Z", "UTC", &["--json"]));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["missed"][1], "2026-11-22T22:30:00+00:00", "{stdout}");
}

#[test]
fn first_version_entries_are_flagged_and_upgraded_with_their_settings() {
    let s = Sandbox::new();
    let old = first_version_line(&s, "30 22", &s.data());
    s.set_crontab(&format!("{OTHER_JOBS}# BEGIN stretch schedule\n{old}\n# END stretch schedule\n"));
    let (_, stdout, _) = s.run(schedule(&s, &["list"]));
    assert!(
        stdout.starts_with("22:30  daily     --reps 1 --hold 1s --prepare 0s --rest 0s --sounds chime\n"),
        "{stdout}"
    );
    assert!(stdout.contains("written by an earlier version"), "{stdout}");
    let (_, stdout, _) = doctor(&s);
    assert!(stdout.contains("FAIL  entry 22:30: written by an earlier version"), "{stdout}");

    let (code, stdout, stderr) = s.run(schedule(&s, &["upgrade"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("upgraded 22:30 daily to this version's form (same settings)\n"), "{stdout}");
    let text = s.crontab().unwrap();
    assert!(text.starts_with(OTHER_JOBS) && text.contains("# stretch:v3 added="), "{text}");
    assert!(text.contains(" --reps 1 --hold 1s --prepare 0s --rest 0s --sounds chime >> "), "{text}");
    let (_, stdout, _) = doctor(&s);
    assert!(!stdout.contains("earlier version"), "{stdout}");
    let (_, stdout, _) = s.run(schedule(&s, &["upgrade"]));
    assert_eq!(stdout, "nothing to upgrade: every entry is in this version's form and runs this program\n");
}

#[test]
fn an_entry_names_its_slot_and_an_unknown_slot_is_refused() {
    let s = Sandbox::new();
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "07:30", "--slot", "morning"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let tab = s.crontab().unwrap();
    assert!(tab.contains("--slot morning"), "{tab}");
    let (code, _, stderr) = s.run(schedule(&s, &["add", "08:00", "--slot", "brunch"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--slot \"brunch\" is no slot of the day") && stderr.contains("morning"), "{stderr}");
    assert!(!s.crontab().unwrap().lines().any(|l| l.starts_with("0 8 ")), "nothing added");
}

#[test]
fn re_adding_a_time_keeps_the_entrys_data_directory_and_variables_unless_named() {
    let s = Sandbox::new();
    let (code, _, stderr) = s.run(schedule(&s, &["add", "23:20", "--reps", "2"]));
    assert_eq!(code, 0, "{stderr}");
    let data = s.data().display().to_string();
    // Again with nothing but a new hold: no --data-dir, another TZ.
    let mut again = s.cmd(&["schedule", "add", "23:20", "--hold", "12s"]);
    again.env("STRETCH_DATA_DIR", s.path().join("elsewhere"));
    let (code, stdout, stderr) = s.run(again);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("updated 23:20"), "{stdout}");
    let tab = s.crontab().unwrap();
    assert!(tab.contains(&format!("--data-dir {data} ")) || tab.contains(&format!("--data-dir '{data}' ")), "{tab}");
    assert!(tab.contains("--reps 2") && tab.contains("--hold 12s"), "{tab}");
}
