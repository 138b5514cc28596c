//! `--data-dir` and `--config`: shown by the commands that use them, and
//! accepted both after the command and before it, where the first version's
//! schedule entries put them.

use crate::support::Sandbox;

const NOW: &str = "2026-11-26T23:00:00+00:00";

fn help(s: &Sandbox, args: &[&str]) -> String {
    let (code, stdout, stderr) = s.run(s.cmd(args));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

#[test]
fn only_the_commands_that_use_them_show_data_dir_and_config() {
    let s = Sandbox::new();
    for args in [
        &["tonight", "--help"][..],
        &["log", "--help"],
        &["log", "add", "--help"],
        &["log", "import", "--help"],
        &["cramp", "--help"],
        &["schedule", "--help"],
        &["schedule", "add", "--help"],
        &["schedule", "remove", "--help"],
        &["doctor", "--help"],
        &["config", "--help"],
    ] {
        let text = help(&s, args);
        assert!(text.contains("--data-dir <DIR>") && text.contains("--config <FILE>"), "{args:?}:\n{text}");
    }
    for args in [&["--help"][..], &["routines", "--help"], &["completions", "--help"], &["man", "--help"]] {
        let text = help(&s, args);
        assert!(!text.contains("--data-dir") && !text.contains("--config"), "{args:?}:\n{text}");
    }
    // As an option in the manual (the FILES section of the main page names it).
    let option = "\\fB\\-\\-data\\-dir\\fR \\fI<DIR>";
    for page in [&["man"][..], &["man", "routines"], &["man", "completions"]] {
        let text = help(&s, page);
        assert!(!text.contains(option), "{page:?}:\n{text}");
    }
    assert!(help(&s, &["man", "log", "add"]).contains(option));
}

#[test]
fn completion_scripts_offer_them_only_where_they_are_shown() {
    let s = Sandbox::new();
    let fish = help(&s, &["completions", "fish"]);
    let routines: Vec<_> = fish.lines().filter(|l| l.contains("__fish_stretch_using_subcommand routines")).collect();
    assert!(!routines.is_empty(), "{fish}");
    assert!(routines.iter().all(|l| !l.contains("-l data-dir") && !l.contains("-l config")), "{routines:#?}");
    assert!(fish.contains("__fish_stretch_using_subcommand tonight\" -l data-dir"), "{fish}");
    assert!(!fish.contains("-a \"complete\""), "the hidden `complete` is not offered");
    let bash = help(&s, &["completions", "bash"]);
    let top = bash.lines().find(|l| l.contains("opts=") && l.contains(" tonight ")).unwrap();
    assert!(!top.contains("--data-dir") && !top.contains(" complete "), "{top}");
}

/// `stretch log add` with its place given as `args` (the rest after `add`).
fn log_add(s: &Sandbox, args: &[&str]) -> (i32, String) {
    let mut cmd = s.cmd(args);
    cmd.env("STRETCH_NOW", NOW);
    let (code, _, stderr) = s.run(cmd);
    (code, stderr)
}

fn records_in(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl")).map_or(0, |t| t.lines().count())
}

#[test]
fn the_place_is_taken_before_the_command_after_it_and_after_the_action() {
    let s = Sandbox::new();
    let (a, b, c) = (s.path().join("a"), s.path().join("b"), s.path().join("c"));
    let (a, b, c) = (a.to_str().unwrap(), b.to_str().unwrap(), c.to_str().unwrap());
    assert_eq!(log_add(&s, &["--data-dir", a, "log", "add", "--at", "22:00"]).0, 0, "the first version's form");
    assert_eq!(log_add(&s, &["log", "--data-dir", b, "add", "--at", "22:00"]).0, 0, "after the command");
    assert_eq!(log_add(&s, &["log", "add", "--at", "22:00", "--data-dir", c]).0, 0, "after the action");
    assert_eq!([a, b, c].map(|d| records_in(std::path::Path::new(d))), [1, 1, 1]);
    // Both given: the command's own wins.
    assert_eq!(log_add(&s, &["--data-dir", a, "log", "add", "--at", "21:00", "--data-dir", b]).0, 0);
    assert_eq!([a, b].map(|d| records_in(std::path::Path::new(d))), [1, 2]);
}

#[test]
fn a_first_version_schedule_entry_still_runs_with_its_data_dir_and_config_first() {
    let s = Sandbox::new();
    let config = s.path().join("night.toml");
    std::fs::write(&config, "reps = 1\nsounds = \"off\"\n").unwrap();
    let data = s.data();
    let args = [
        "--data-dir",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "tonight",
        "--source",
        "cron",
        "--skip-if-done",
        "--prepare",
        "0",
        "--hold",
        "100ms",
        "--rest",
        "0",
    ];
    let (code, _, stderr) = s.run(s.cmd(&args));
    assert_eq!(code, 0, "{stderr}");
    let records = s.records();
    assert_eq!(records.len(), 1, "{stderr}");
    assert_eq!(records[0]["reps_planned"], 1, "the config file before the command was read");
    assert_eq!(records[0]["source"], "cron");
    // The doctor and the settings take them after the command too.
    let (code, stdout, stderr) = s.run(s.cmd(&["config", "--config", config.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("night.toml"), "{stdout}");
}
