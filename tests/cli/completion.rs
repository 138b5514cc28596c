//! Shell completion, in the shells themselves: each generated script is
//! sourced in bash, zsh and fish, and a partial word is completed, with the
//! user's own routine and an installed schedule to offer.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Sandbox, Tmux, shell_quote};

/// A schedule with entries at 22:30 and 07:05 (and someone else's job).
const CRONTAB: &str = "MAILTO=\"\"\n0 3 * * * /usr/bin/true\n# BEGIN stretch schedule\n\
30 22 * * * /bin/stretch tonight --source cron # stretch:v2\n\
5 7 * * 1-5 /bin/stretch tonight --source cron # stretch:v2\n# END stretch schedule\n";

/// A sandbox with a user routine `warm-up`, a schedule, and `shell`'s script.
fn setup(shell: &str) -> (Sandbox, PathBuf) {
    let s = Sandbox::new();
    let routines = s.path().join("config/routines");
    std::fs::create_dir_all(&routines).unwrap();
    let wall_calf = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/routines/wall-calf.toml")).unwrap();
    std::fs::write(routines.join("warm-up.toml"), wall_calf).unwrap();
    s.set_crontab(CRONTAB);
    let (code, script, stderr) = s.run(s.cmd(&["completions", shell]));
    assert_eq!(code, 0, "{stderr}");
    let path = s.path().join(format!("stretch.{shell}"));
    std::fs::write(&path, script).unwrap();
    (s, path)
}

/// `program`, in the sandbox's environment, with `stretch` on `PATH`.
fn shell(s: &Sandbox, program: &str) -> Command {
    let base = s.cmd(&[]);
    let mut cmd = Command::new(program);
    cmd.env_clear().current_dir(s.path());
    for (key, value) in base.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd.env("PATH", path_var(base.get_envs().find(|(k, _)| *k == "PATH").and_then(|(_, v)| v)));
    cmd
}

fn path_var(sandbox_path: Option<&std::ffi::OsStr>) -> std::ffi::OsString {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_stretch")).parent().unwrap().to_path_buf();
    let rest = sandbox_path.map(|p| std::env::split_paths(p).collect::<Vec<_>>()).unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(rest)).unwrap()
}

fn output(mut cmd: Command) -> Vec<String> {
    let out = cmd.output().expect("the shell runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut words: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    words.sort();
    words
}

/// What bash's completion function offers for `line` (the last word is
/// completed), its words as bash splits them (`22 : 3` for `22:3`).
fn bash(script: &Path, s: &Sandbox, line: &str) -> Vec<String> {
    let mut words: Vec<&str> = line.split(' ').collect();
    if line.ends_with(' ') {
        words.pop();
        words.push("");
    }
    let quoted: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
    let harness = format!(
        "source {}\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE={}\nCOMP_POINT=${{#COMP_LINE}}\n\
         $(complete -p stretch | sed 's/.*-F \\([^ ]*\\) .*/\\1/') stretch {} {}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        shell_quote(script.to_str().unwrap()),
        quoted.join(" "),
        words.len() - 1,
        // The line as typed: bash's words split a time at its colon.
        shell_quote(&line.replace(" : ", ":")),
        quoted[words.len() - 1],
        quoted[words.len() - 2],
    );
    let mut cmd = shell(s, "bash");
    cmd.args(["--norc", "--noprofile", "-c", &harness]);
    output(cmd)
}

/// What fish offers for `line`: the words of `complete -C`, without descriptions.
fn fish(script: &Path, s: &Sandbox, line: &str) -> Vec<String> {
    let mut cmd = shell(s, "fish");
    cmd.env("HOME", s.home()).args([
        "--no-config",
        "-c",
        &format!("source {}; complete -C {}", shell_quote(script.to_str().unwrap()), shell_quote(line)),
    ]);
    output(cmd).into_iter().map(|l| l.split('\t').next().unwrap().to_string()).collect()
}

#[test]
#[ignore = "runs the real bash, zsh and fish with the completion scripts loaded; CI runs it (--include-ignored)"]
fn bash_completes_routine_names_and_scheduled_times() {
    let (s, script) = setup("bash");
    assert_eq!(
        bash(&script, &s, "stretch tonight --routine wa"),
        ["wall-calf", "wall-calf-bent-knee", "wall-calf-single", "warm-up"]
    );
    assert_eq!(bash(&script, &s, "stretch tonight -r warm"), ["warm-up"], "the user's own routine");
    assert_eq!(bash(&script, &s, "stretch log add --routine cr"), ["cramp-relief"]);
    assert_eq!(
        bash(&script, &s, "stretch schedule add 22:30 --routine wall-calf-"),
        ["wall-calf-bent-knee", "wall-calf-single"]
    );
    assert_eq!(bash(&script, &s, "stretch schedule remove "), ["07:05", "22:30"]);
    assert_eq!(bash(&script, &s, "stretch schedule remove 22:30 0"), ["07:05"]);
    // bash splits a time at its colon: the answer replaces what follows it.
    assert_eq!(bash(&script, &s, "stretch schedule remove 22 : 3"), ["30"]);
    // Everything else is clap's: flags, and subcommands.
    assert_eq!(bash(&script, &s, "stretch tonight --rou"), ["--routine"]);
    assert_eq!(bash(&script, &s, "stretch sch"), ["schedule"]);
    assert_eq!(bash(&script, &s, "stretch schedule remove --a"), ["--all"]);
}

#[test]
#[ignore = "runs the real bash, zsh and fish with the completion scripts loaded; CI runs it (--include-ignored)"]
fn fish_completes_routine_names_and_scheduled_times() {
    let (s, script) = setup("fish");
    assert_eq!(
        fish(&script, &s, "stretch tonight --routine wa"),
        ["wall-calf", "wall-calf-bent-knee", "wall-calf-single", "warm-up"]
    );
    assert_eq!(fish(&script, &s, "stretch config -r warm"), ["warm-up"]);
    assert_eq!(fish(&script, &s, "stretch log --routine cr"), ["cramp-relief"]);
    assert_eq!(fish(&script, &s, "stretch schedule remove "), ["07:05", "22:30"]);
    assert_eq!(fish(&script, &s, "stretch tonight --rou"), ["--routine"]);
    assert_eq!(fish(&script, &s, "stretch schedule remove --a"), ["--all"]);
}

#[test]
#[ignore = "runs the real bash, zsh and fish with the completion scripts loaded; CI runs it (--include-ignored)"]
fn zsh_completes_routine_names_and_scheduled_times() {
    let (s, script) = setup("zsh");
    let functions = s.path().join("zfunc");
    std::fs::create_dir_all(&functions).unwrap();
    std::fs::rename(&script, functions.join("_stretch")).unwrap();
    let zdotdir = s.path().join("zdot");
    std::fs::create_dir_all(&zdotdir).unwrap();
    let zshrc = format!(
        "fpath=({} $fpath)\nautoload -U compinit && compinit -u -D\nPS1='ready> '\n",
        shell_quote(functions.to_str().unwrap())
    );
    std::fs::write(zdotdir.join(".zshrc"), zshrc).unwrap();
    let base = s.cmd(&[]);
    let sandbox_path = base.get_envs().find(|(k, _)| *k == "PATH").and_then(|(_, v)| v);
    let command = format!(
        "env PATH={} STRETCH_CONFIG_DIR={} ZDOTDIR={} zsh -i",
        shell_quote(path_var(sandbox_path).to_str().unwrap()),
        shell_quote(s.path().join("config").to_str().unwrap()),
        shell_quote(zdotdir.to_str().unwrap()),
    );
    let zsh = Tmux::start(&s, &command);
    let step = std::cell::Cell::new(0);
    // Each line is completed on a cleared screen, after a mark that only the
    // shell's output (not the typed line) shows.
    let complete = |line: &str, expect: &str| {
        step.set(step.get() + 1);
        zsh.keys(&["C-u"]);
        zsh.keys(&["-l", &format!("clear; echo mark-$(({} + 1000))", step.get())]);
        zsh.keys(&["Enter"]);
        zsh.wait_for(&format!("mark-{}", step.get() + 1000));
        zsh.keys(&["-l", line]);
        zsh.keys(&["Tab"]);
        zsh.wait_for(expect)
    };
    let listed = complete("stretch tonight --routine wa", "warm-up");
    assert!(listed.contains("wall-calf-single"), "{listed}");
    complete("stretch log add -r warm", "-r warm-up");
    complete("stretch tonight --routine=cr", "--routine=cramp-relief");
    let times = complete("stretch schedule remove ", "22:30");
    assert!(times.contains("07:05"), "{times}");
    complete("stretch tonight --rou", "--routine");
}
