//! The config file and `stretch config`: precedence (flag > file > default),
//! located mistakes, and `--config`; then completions and the manual page.

use crate::support::{Sandbox, events, session_line};

fn write_config(s: &Sandbox, text: &str) -> std::path::PathBuf {
    let dir = s.path().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `stretch config ARGS`: its settings lines, split into (name, value, source).
fn settings(s: &Sandbox, args: &[&str]) -> Vec<(String, String, String)> {
    let (code, stdout, stderr) = s.run(s.cmd(&[&["config"], args].concat()));
    assert_eq!(code, 0, "{stderr}");
    let columns = |line: &str| -> Vec<String> {
        line.split("  ").map(str::trim).filter(|w| !w.is_empty()).map(String::from).collect()
    };
    stdout.lines().skip(2).map(columns).map(|c| (c[0].clone(), c[1].clone(), c[2].clone())).collect()
}

fn row<'a>(rows: &'a [(String, String, String)], name: &str) -> (&'a str, &'a str) {
    let (_, value, source) = rows.iter().find(|r| r.0 == name).unwrap();
    (value, source)
}

#[test]
fn flags_beat_the_file_which_beats_the_defaults() {
    let s = Sandbox::new();
    let file = write_config(&s, "hold = \"300ms\"\nrest = \"0s\"\nvolume = 70\nsounds = \"off\"\n");
    let file = file.display().to_string();
    let rows = settings(&s, &["--volume", "10"]);
    assert_eq!(row(&rows, "routine"), ("wall-calf", "default"));
    assert_eq!(row(&rows, "reps"), ("3", "routine wall-calf"));
    assert_eq!(row(&rows, "hold"), ("300ms", file.as_str()));
    assert_eq!(row(&rows, "sounds"), ("off", file.as_str()));
    assert_eq!(row(&rows, "volume"), ("10", "flag --volume"));
    assert_eq!(row(&rows, "day_starts"), ("04:00", "default"));

    // tonight uses the same settings: the file's hold and rest, the flag's reps.
    let (code, stdout, stderr) = s.run(s.cmd(&[
        "tonight",
        "--data-dir",
        s.data().to_str().unwrap(),
        "--prepare",
        "0s",
        "--reps",
        "2",
        "--json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let lengths: Vec<_> = events(&stdout).iter().map(|e| e["length_ms"].as_f64().unwrap()).collect();
    assert_eq!(lengths, [300.0, 300.0, 5000.0], "hold, hold (no rest), done");
    assert_eq!(s.records()[0]["hold_ms"], 600);
    assert_eq!(s.records()[0]["audio"], "off", "sounds from the file");
}

#[test]
fn config_points_elsewhere_and_must_exist() {
    let s = Sandbox::new();
    write_config(&s, "reps = 5\n");
    let other = s.path().join("other.toml");
    std::fs::write(&other, "reps = 4\n").unwrap();
    assert_eq!(row(&settings(&s, &[]), "reps"), ("5", s.path().join("config/config.toml").to_str().unwrap()));
    assert_eq!(row(&settings(&s, &["--config", other.to_str().unwrap()]), "reps"), ("4", other.to_str().unwrap()));
    let missing = s.path().join("missing.toml");
    let (code, _, stderr) = s.run(s.cmd(&["config", "--config", missing.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("could not read the config file {}", missing.display())), "{stderr}");
}

#[test]
fn a_mistake_in_the_file_names_file_line_and_fix_and_runs_nothing() {
    let s = Sandbox::new();
    let file = write_config(&s, "# tonight's defaults\nhold = \"15s\"\nvolum = 30\n");
    for args in [&["config"][..], &["tonight", "--data-dir", s.data().to_str().unwrap()]] {
        let (code, stdout, stderr) = s.run(s.cmd(args));
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stdout, "");
        let expected = format!(
            "stretch: {}:3:1: unknown key volum; did you mean volume? The keys are routine, reps, hold, rest, prepare, sounds, volume, max_volume, device, wake, day_starts, cramp_day_starts, slots, confirm_wait, name\n",
            file.display()
        );
        assert_eq!(stderr, expected);
    }
    assert!(!s.journal().exists());
    write_config(&s, "routine = \"wall-calf-dbl\"\n");
    let (code, _, stderr) = s.run(s.cmd(&["config"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "{}:1:11: routine: no routine named \"wall-calf-dbl\"; `stretch routines` lists them",
            file.display()
        )),
        "{stderr}"
    );
    assert_eq!(s.run(s.cmd(&["config", "--routine", "wall-calf"])).0, 0, "a flag sets the broken key aside");
}

#[test]
fn the_day_boundary_of_the_file_places_sessions_in_the_log_unless_the_flag_does() {
    let s = Sandbox::new();
    s.write_journal(&[session_line("late", "2026-10-25T02:30:00.000+02:00", true)]);
    let night = |args: &[&str]| {
        let (code, stdout, stderr) =
            s.run(s.log("2026-10-26T20:00:00Z", "Europe/Berlin", &[&["--json"], args].concat()));
        assert_eq!(code, 0, "{stderr}");
        let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let nights = log["nights"].as_array().unwrap().clone();
        nights.into_iter().find(|n| n["completed"] == 1).unwrap()["night"].as_str().unwrap().to_string()
    };
    assert_eq!(night(&[]), "2026-10-24", "02:30 is before the default boundary, 04:00");
    write_config(&s, "day_starts = \"02:00\"\n");
    assert_eq!(night(&[]), "2026-10-25");
    assert_eq!(row(&settings(&s, &[]), "day_starts").0, "02:00");
    assert_eq!(night(&["--day-starts", "04:00"]), "2026-10-24", "the flag wins");
}

#[test]
fn routines_and_completions_work_despite_a_broken_config() {
    let s = Sandbox::new();
    write_config(&s, "this is not toml\n");
    assert_eq!(s.run(s.cmd(&["routines"])).0, 0);
    assert_eq!(s.run(s.cmd(&["completions", "bash"])).0, 0);
}

#[test]
fn completion_scripts_are_generated_for_each_shell() {
    let s = Sandbox::new();
    for (shell, marker) in
        [("bash", "complete -F _stretch"), ("zsh", "#compdef stretch"), ("fish", "complete -c stretch")]
    {
        let (code, stdout, stderr) = s.run(s.cmd(&["completions", shell]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains(marker), "{shell}: {marker}");
        assert!(stdout.contains("tonight") && stdout.contains("hold"), "{shell} knows the commands and flags");
    }
    let (code, _, stderr) = s.run(s.cmd(&["completions", "tcsh"]));
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn bash_accepts_its_completion_script() {
    let s = Sandbox::new();
    let (_, script, _) = s.run(s.cmd(&["completions", "bash"]));
    let path = s.path().join("stretch.bash");
    std::fs::write(&path, script).unwrap();
    let status = std::process::Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(status.success());
}

#[test]
fn the_manual_page_is_roff_for_stretch_and_each_command() {
    let s = Sandbox::new();
    let (code, stdout, _) = s.run(s.cmd(&["man"]));
    assert_eq!(code, 0);
    assert!(stdout.contains(".TH stretch 1") && stdout.contains(".SH SUBCOMMANDS"), "{stdout}");
    let (code, stdout, _) = s.run(s.cmd(&["man", "tonight"]));
    assert_eq!(code, 0);
    assert!(stdout.contains(".TH stretch-tonight 1") && stdout.contains("\\-\\-volume"), "{stdout}");
    let (code, _, stderr) = s.run(s.cmd(&["man", "nightly"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no command named \"nightly\"; pages exist for: tonight, routines"), "{stderr}");
    assert_eq!(s.run(s.cmd(&["man", "help"])).0, 2, "clap's help has no page");
}

#[test]
fn help_says_the_exit_codes_and_what_doctor_checks() {
    let s = Sandbox::new();
    let (code, stdout, _) = s.run(s.cmd(&["--help"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("129 when the terminal") && stdout.contains("131 for Ctrl-\\"), "{stdout}");
    assert!(stdout.contains("`log --check`"), "{stdout}");
    let (_, stdout, _) = s.run(s.cmd(&["doctor", "--help"]));
    assert!(stdout.contains("the cron daemon") && stdout.contains("exits 1 if any check fails"), "{stdout}");
    let (code, stdout, _) = s.run(s.cmd(&["help", "tonight"]));
    assert_eq!(code, 0, "`stretch help COMMAND` still works");
    assert!(stdout.contains("Usage: stretch tonight"), "{stdout}");
    let (_, stdout, _) = s.run(s.cmd(&["cramp", "--help"]));
    assert!(!stdout.contains("facing a wall"), "the sound sets' words fit cramp relief too: {stdout}");
    assert!(stdout.contains("three single-key questions") && stdout.contains("roughly how long"), "{stdout}");
}

/// The loudest sample of a 16-bit WAV file.
fn peak(wav: &std::path::Path) -> i32 {
    let bytes = std::fs::read(wav).unwrap();
    bytes[44..].chunks_exact(2).map(|s| i32::from(i16::from_le_bytes([s[0], s[1]])).abs()).max().unwrap()
}

#[test]
fn max_volume_caps_what_a_flag_asks_for_and_config_shows_it() {
    let s = Sandbox::new();
    let export = |name: &str| {
        let wav = s.path().join(name);
        let args = ["tonight", "--export-audio", wav.to_str().unwrap(), "--sounds", "chime", "--volume", "100"];
        let (code, _, stderr) = s.run(s.cmd(&args));
        assert_eq!(code, 0, "{stderr}");
        peak(&wav)
    };
    let loud = export("loud.wav");
    let file = write_config(&s, "max_volume = 20\n");
    let capped = export("capped.wav");
    assert!(capped * 4 < loud, "capped at 20 of 100: {capped} against {loud}");
    let rows = settings(&s, &["--volume", "90"]);
    assert!(rows.contains(&("max_volume".into(), "20".into(), file.display().to_string())), "{rows:?}");
}

#[test]
fn every_mistake_in_the_file_is_named_in_file_order_and_a_repeated_key_by_its_name() {
    let s = Sandbox::new();
    let file = write_config(&s, "volume = 150\nhold = \"15s\"\nvolum = 30\n");
    let (code, stdout, stderr) = s.run(s.cmd(&["config"]));
    assert_eq!((code, stdout.as_str()), (2, ""));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let at = |place: &str| format!("stretch: {}:{place}: ", file.display());
    assert!(lines[0].starts_with(&format!("{}volume must be between 0 and 100", at("1:10"))), "{stderr}");
    assert!(lines[1].starts_with(&format!("{}unknown key volum; did you mean volume?", at("3:1"))), "{stderr}");

    write_config(&s, "hold = 5\nhold = 6\n");
    let (code, _, stderr) = s.run(s.cmd(&["config"]));
    assert_eq!(code, 2);
    assert_eq!(stderr, format!("{}hold is set twice; keep one line for it\n", at("2:1")));
}

#[test]
fn config_shows_the_days_slots() {
    let s = Sandbox::new();
    let rows = settings(&s, &[]);
    assert_eq!(
        row(&rows, "slots"),
        ("morning 06:00-11:00, afternoon 11:00-17:00, evening 17:00-21:00, bedtime 21:00-", "default")
    );
    let file = write_config(&s, "[slots]\nwake = \"06:30-09:00\"\nnight = \"22:00-\"\n");
    let rows = settings(&s, &[]);
    assert_eq!(row(&rows, "slots"), ("night 22:00-, wake 06:30-09:00", file.to_str().unwrap()), "by name");
}
