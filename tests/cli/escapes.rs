//! Text from outside the program (the environment, the config file, the
//! command line) reaches the terminal escaped, whatever command shows it; and
//! a dumb terminal is sent no escape codes at all.

use std::process::Command;

use crate::support::Sandbox;

/// An OSC retitling the window, a screen clear, and a C1 CSI.
const EVIL: &str = "x\x1b]0;owned\x07\x1b[2J\u{9b}31m";

/// Fails if `out` holds a byte a terminal would act on (but line breaks and tabs).
fn inert(what: &str, out: &str) {
    let bad = out.chars().find(|&c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}');
    assert!(bad.is_none(), "{what} wrote {bad:?} to the terminal: {out:?}");
}

fn run_inert(s: &Sandbox, what: &str, cmd: Command) -> (i32, String) {
    let (code, stdout, stderr) = s.run(cmd);
    inert(what, &stdout);
    inert(what, &stderr);
    (code, stdout + &stderr)
}

#[test]
fn paths_from_the_environment_are_shown_escaped() {
    let s = Sandbox::new();
    let evil_dir = s.path().join(EVIL);
    std::fs::create_dir_all(&evil_dir).unwrap();
    // The data dir is a file: the error names it.
    let file = evil_dir.join("data");
    std::fs::write(&file, "").unwrap();
    let mut log = s.cmd(&["log"]);
    log.env("STRETCH_DATA_DIR", &file).env("STRETCH_NOW", "2026-11-26T23:00:00Z");
    let (code, said) = run_inert(&s, "log with STRETCH_DATA_DIR", log);
    assert_ne!(code, 0);
    assert!(said.contains("\\x1b]0;owned\\x07"), "the path is shown, escaped: {said}");
    // The check names the sound server's socket, under XDG_RUNTIME_DIR or PULSE_SERVER.
    let mut check = s.tonight(&["--check"]);
    check.env("XDG_RUNTIME_DIR", &evil_dir);
    let (_, said) = run_inert(&s, "tonight --check with XDG_RUNTIME_DIR", check);
    assert!(said.contains("\\x1b[2J"), "{said}");
    let mut check = s.tonight(&["--check"]);
    check.env("PULSE_SERVER", format!("unix:{}/native", evil_dir.display()));
    run_inert(&s, "tonight --check with PULSE_SERVER", check);
    let mut doctor = s.cmd(&["doctor"]);
    doctor.env("XDG_RUNTIME_DIR", &evil_dir).env("STRETCH_DATA_DIR", evil_dir.join("d"));
    run_inert(&s, "doctor", doctor);
}

#[test]
fn the_config_file_and_the_command_line_are_shown_escaped() {
    let s = Sandbox::new();
    let config = s.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let toml_evil = "x\\u001b]0;owned\\u0007\\u001b[2J";
    for text in
        [format!("\"{toml_evil}\" = 1\n"), format!("volum{toml_evil} = 1\n"), format!("device = \"{toml_evil}\"\n")]
    {
        std::fs::write(config.join("config.toml"), &text).unwrap();
        for args in [&["config"][..], &["doctor"], &["log"], &["tonight", "--check"]] {
            let mut cmd = s.cmd(args);
            cmd.env("STRETCH_DATA_DIR", s.data()).env("STRETCH_NOW", "2026-11-26T23:00:00Z");
            run_inert(&s, &format!("{args:?} with {text:?}"), cmd);
        }
    }
    std::fs::remove_file(config.join("config.toml")).unwrap();
    // A stray word that looks like a routine file: clap's error and the tip.
    let word = format!("{EVIL}.toml");
    let (code, said) = run_inert(&s, "a stray routine word", s.cmd(&["tonight", &word]));
    assert_eq!(code, 2, "{said}");
    let (code, said) = run_inert(&s, "a routine file", s.cmd(&["tonight", "--routine", &format!("./{word}")]));
    assert_eq!(code, 2, "{said}");
}

#[test]
fn a_dumb_terminal_is_sent_no_escape_codes() {
    let s = Sandbox::new();
    let data = s.data();
    // `script` gives stretch a terminal and copies every byte it writes there.
    let inner = format!(
        "TERM=dumb {} tonight --data-dir '{}' --sounds off --prepare 0s --hold 100ms --rest 0s --reps 1",
        env!("CARGO_BIN_EXE_stretch"),
        data.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &inner, "/dev/null"]).env("HOME", s.home()).env("TZ", "UTC");
    let out = cmd.output().expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Logged") || text.contains("logged") || text.contains("done"), "it ran: {text}");
    assert!(!text.contains('\x1b'), "an escape code on TERM=dumb: {text:?}");
}

#[test]
fn json_views_stay_json_with_what_a_terminal_would_obey_escaped() {
    let s = Sandbox::new();
    let mut record: serde_json::Value =
        serde_json::from_str(&crate::support::session_line("a", "2026-11-26T22:00:00+00:00", true)).unwrap();
    // Valid JSON may hold C1 controls and bidirectional overrides unescaped.
    record["note"] = "calf\u{9b}2J\u{202e}".into();
    s.write_journal(&[record.to_string()]);
    let (code, stdout) = run_inert(&s, "log --json", s.log("2026-11-26T23:00:00+00:00", "UTC", &["--json"]));
    assert_eq!(code, 0, "{stdout}");
    let view: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).expect("still JSON");
    assert_eq!(view["sessions"][0]["note"], "calf\u{9b}2J\u{202e}", "{view}");
}

#[test]
fn a_dumb_terminal_gets_no_pager_that_would_wait_for_return() {
    use crate::support::{Tmux, shell_quote};
    let s = Sandbox::new();
    let lines: Vec<String> = (0..8)
        .map(|i| crate::support::session_line(&format!("s{i}"), &format!("2026-11-{:02}T22:00:00+00:00", 10 + i), true))
        .collect();
    s.write_journal(&lines);
    let marker = s.path().join("paged");
    let command = format!(
        "env TERM=dumb PAGER={} STRETCH_NOW=2026-11-26T23:00:00Z TZ=UTC {} log --data-dir {} --since 60d; echo finished-$((1 + 1)); exec cat",
        shell_quote(&format!("touch {}; cat >/dev/null", shell_quote(marker.to_str().unwrap()))),
        shell_quote(env!("CARGO_BIN_EXE_stretch")),
        shell_quote(s.data().to_str().unwrap())
    );
    let tmux = Tmux::start(&s, &command);
    tmux.wait_for("finished-2");
    assert!(!marker.exists(), "a pager ran on TERM=dumb");
}
