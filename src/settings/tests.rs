//! The settings' table walked, the file's mistakes located, the layers in order.

use super::file::strsim_close;
use super::*;

fn parse_err(text: &str) -> String {
    parse("c.toml", text).unwrap_err().to_string()
}

fn from_file(text: &str) -> Config {
    Config { path: Some("c.toml".into()), ..parse("c.toml", text).unwrap() }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn every_key_is_read() {
    let text = "routine = \"wall-calf-single\"\nreps = 2\nhold = \"15s\"\nrest = 4\nprepare = \"1.5s\"\nsounds = \"chime\"\nvolume = 70\nday_starts = \"05:30\"\ncramp_day_starts = \"11:00\"\nconfirm_wait = \"5m\"\n";
    let c = parse("c.toml", text).unwrap();
    assert_eq!(c.routine.as_deref(), Some("wall-calf-single"));
    assert_eq!((c.reps, c.hold, c.rest), (Some(2), Some(secs(15)), Some(secs(4))));
    assert_eq!(c.prepare, Some(Duration::from_millis(1500)));
    assert_eq!((c.sounds, c.volume), (Some(SoundSet::Chime), Some(70)));
    assert_eq!(c.day_starts, Some(TimeOfDay::new(5, 30)));
    assert_eq!(c.cramp_day_starts, Some(TimeOfDay::new(11, 0)));
    assert_eq!(c.confirm_wait, Some(secs(300)));
}

#[test]
fn every_documented_key_is_a_key() {
    for key in KEYS {
        let err = parse("c.toml", &format!("{key} = []\n")).unwrap_err().to_string();
        assert!(!err.contains("unknown key"), "{key}: {err}");
    }
}

#[test]
fn the_day_boundary_may_be_a_bare_time_and_a_bom_is_fine() {
    assert_eq!(parse("c.toml", "day_starts = 05:15\n").unwrap().day_starts, Some(TimeOfDay::new(5, 15)));
    assert_eq!(parse("c.toml", "\u{feff}volume = 5\n").unwrap().volume, Some(5));
}

#[test]
fn an_empty_file_sets_nothing() {
    assert_eq!(parse("c.toml", "").unwrap(), Config::default());
}

#[test]
fn mistakes_name_the_place_and_the_fix() {
    for (text, expected) in [
        ("reps = 3\nholds = \"10s\"\n", "c.toml:2:1: unknown key holds; did you mean hold? The keys are routine"),
        ("volum = 3\n", "c.toml:1:1: unknown key volum; did you mean volume?"),
        ("colour = 3\n", "c.toml:1:1: unknown key colour, expected one of"),
        ("volume = 150\n", "c.toml:1:10: volume must be between 0 and 100 (got 150)"),
        ("reps = -1\n", "c.toml:1:8: reps must be between 1 and 20 (got -1)"),
        ("hold = \"20m\"\n", "c.toml:1:8: hold must be between 100ms and 10m (got 20m)"),
        ("prepare = \"20m\"\n", "c.toml:1:11: prepare must be between 0s and 5m (got 20m)"),
        ("rest = \"5 s\"\n", "c.toml:1:8: invalid duration \"5 s\""),
        ("sounds = \"loud\"\n", "c.toml:1:10: sounds must be one of voice, chime, off (got loud)"),
        ("sounds = 1\n", "c.toml:1:10: sounds must be one of voice, chime, off (got 1)"),
        ("reps = \"2\"\n", "c.toml:1:8: reps must be a whole number, like 2 (got the text \"2\")"),
        ("reps = 2.5\n", "c.toml:1:8: reps must be a whole number (got 2.5)"),
        ("reps = 99999999999999999999\n", "c.toml:1:8: reps is too large (got 99999999999999999999)"),
        ("hold = 1.5\nrest = -2\n", "c.toml:2:8: rest must be a duration like"),
        ("day_starts = \"4 o'clock\"\n", "c.toml:1:14: invalid time \"4 o'clock\""),
        ("day_starts = 4\n", "c.toml:1:14: invalid time \"4\""),
        ("routine = \"\"\n", "c.toml:1:11: routine must name a routine"),
        ("hold = 5\n[tonight]\nreps = 2\n", "c.toml:2:2: unknown key tonight"),
        ("volume = \"loud\"\n", "c.toml:1:10: volume must be a whole number (got the text \"loud\")"),
    ] {
        let err = parse_err(text);
        assert!(err.starts_with(expected), "{text:?}: {err}");
    }
}

#[test]
fn a_section_is_explained() {
    assert!(parse_err("[tonight]\nhold = 5\n").ends_with("has no [sections]: write each key at the top"));
    assert!(!parse_err("holds = 5\n").contains("[sections]"), "only for a section");
}

#[test]
fn flags_beat_the_file_beats_the_defaults() {
    let config = from_file("hold = \"15s\"\nvolume = 70\nsounds = \"chime\"\nprepare = 0\n");
    let flags = Flags { volume: Some(10), rest: Some(secs(2)), ..Flags::default() };
    let s = Settings::resolve(&flags, &config);
    let file = Layer::File("c.toml".into());
    assert_eq!(s.routine, Setting { value: catalog::DEFAULT.into(), layer: Layer::Default });
    assert_eq!(s.hold, Some(Setting { value: secs(15), layer: file.clone() }));
    assert_eq!(s.prepare, Some(Setting { value: secs(0), layer: file.clone() }));
    assert_eq!(s.rest, Some(Setting { value: secs(2), layer: Layer::Flag("--rest") }));
    assert_eq!(s.reps, None, "the routine's own reps");
    assert_eq!(s.sounds, Setting { value: SoundSet::Chime, layer: file });
    assert_eq!(s.volume, Setting { value: 10, layer: Layer::Flag("--volume") });
    assert_eq!(s.day_starts, Setting { value: DEFAULT_DAY_STARTS, layer: Layer::Default });
    assert_eq!(s.cramp_day_starts, Setting { value: DEFAULT_CRAMP_DAY_STARTS, layer: Layer::Default });
}

#[test]
fn a_device_from_the_file_or_a_flag_reaches_a_scheduled_entry_only_as_a_flag() {
    let s = Settings::resolve(&Flags::default(), &from_file("device = \"bedroom\"\n"));
    assert_eq!(s.device.as_ref().map(|d| d.value.as_str()), Some("bedroom"));
    assert_eq!(s.flag_args().unwrap(), Vec::<String>::new(), "the file is read when the entry runs");
    let s = Settings::resolve(&Flags { device: Some("usb".into()), ..Flags::default() }, &Config::default());
    assert_eq!(s.flag_args().unwrap(), ["--device", "usb"]);
    assert!(parse_err("device = \"\"\n").contains("device must name an output"));
}

#[test]
fn a_decimal_number_of_seconds_is_a_duration() {
    assert_eq!(from_file("hold = 1.5\n").hold, Some(Duration::from_millis(1500)));
}

#[test]
fn max_volume_caps_every_loudness() {
    let s = Settings::resolve(
        &Flags { volume: Some(90), ..Flags::default() },
        &from_file(
            "max_volume = 30
",
        ),
    );
    assert_eq!((s.loudness(None), s.loudness(Some(25)), s.loudness(Some(60))), (30, 25, 30));
    let s = Settings::resolve(&Flags::default(), &Config::default());
    assert_eq!(s.loudness(None), VOLUME, "no cap without the key");
}

#[test]
fn only_flags_become_arguments_of_a_scheduled_entry() {
    let config = from_file("hold = \"15s\"\nvolume = 70\n");
    let flags = Flags {
        reps: Some(2),
        rest: Some(Duration::from_millis(1500)),
        sounds: Some(SoundSet::Chime),
        ..Flags::default()
    };
    let args = Settings::resolve(&flags, &config).flag_args().unwrap();
    assert_eq!(args, ["--reps", "2", "--rest", "1.5s", "--sounds", "chime"]);
    let file = Flags { routine: Some("mine.toml".into()), ..Flags::default() };
    let args = Settings::resolve(&file, &Config::default()).flag_args().unwrap();
    assert_eq!(args, ["--routine".to_string(), std::path::absolute("mine.toml").unwrap().display().to_string()]);
}

#[test]
fn settings_shape_the_routine() {
    let s =
        Settings::resolve(&Flags { hold: Some(secs(3)), ..Flags::default() }, &from_file("reps = 2\nrest = \"0s\"\n"));
    let routine = s.routine(None).unwrap();
    assert_eq!((routine.reps, routine.hold.length, routine.rest.length), (2, secs(3), Duration::ZERO));
}

#[test]
fn an_unknown_routine_in_the_file_is_located_there() {
    let s = Settings::resolve(&Flags::default(), &from_file("\nroutine = \"nope\"\n"));
    let err = s.routine(None).unwrap_err();
    assert!(err.message.starts_with("c.toml:2:11: routine: no routine named \"nope\""), "{}", err.message);
    let flagged = Flags { routine: Some("nope".into()), ..Flags::default() };
    let err = Settings::resolve(&flagged, &from_file("routine = \"nope\"\n")).routine(None).unwrap_err();
    assert!(err.message.starts_with("no routine named"), "a flag's mistake is the flag's: {}", err.message);
}

#[test]
fn a_routine_file_is_found_beside_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(crate::paths::CONFIG_FILE);
    std::fs::write(&path, "routine = \"mine.toml\"\n").unwrap();
    let config = Config::load(None, Some(&path)).unwrap();
    assert_eq!(config.routine, Some(dir.path().join("mine.toml").display().to_string()));
    std::fs::write(&path, "routine = \"wall-calf\"\n").unwrap();
    assert_eq!(Config::load(None, Some(&path)).unwrap().routine.as_deref(), Some("wall-calf"), "a name stays a name");
}

#[test]
fn a_missing_default_file_is_no_config_but_a_missing_named_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join(crate::paths::CONFIG_FILE);
    assert_eq!(Config::load(None, Some(&absent)).unwrap(), Config::default());
    let err = Config::load(Some(&absent), None).unwrap_err();
    assert!(err.message.contains(&absent.display().to_string()) && err.message.contains("--config"), "{err}");
}

#[test]
fn near_keys_are_one_slip_apart() {
    assert!(strsim_close("volume", "volum"));
    assert!(strsim_close("hold", "hodl"));
    assert!(strsim_close("day_starts", "day_start"));
    assert!(!strsim_close("reps", "colour"));
}

/// Each setting's example as text, by name.
fn example_text(name: &str) -> String {
    example_texts().into_iter().find(|(n, _)| *n == name).map(|(_, text)| text).unwrap()
}

#[test]
fn every_flag_reaches_a_scheduled_entry() {
    let args = Settings::resolve(&Flags::example(), &Config::default()).flag_args().unwrap();
    let given: Vec<&str> = args.iter().step_by(2).map(String::as_str).collect();
    assert_eq!(given, FLAGS, "every flag, in the table's order: {args:?}");
    for pair in args.chunks(2) {
        let name = pair[0].trim_start_matches("--").replace('-', "_");
        assert_eq!(pair[1], example_text(&name), "{}", pair[0]);
    }
}

#[test]
fn every_key_of_the_file_is_read_and_shown() {
    let text = example_file();
    let config = Config { path: Some("c.toml".into()), ..parse("c.toml", &text).unwrap() };
    let settings = Settings::resolve(&Flags::default(), &config);
    let rows = settings.rows(&settings.routine(None).unwrap());
    let keys: Vec<&str> = rows.iter().map(|(key, _)| *key).collect();
    assert_eq!(keys, KEYS, "`stretch config` shows every key, in the table's order");
    assert_eq!(text.lines().count(), KEYS.len(), "{text}");
    for (key, setting) in rows {
        assert_eq!(setting.layer, Layer::File("c.toml".into()), "{key}");
        assert_eq!(setting.value, example_text(key), "{key}: read from {text}");
    }
}

#[test]
fn a_flag_beats_the_file_for_every_setting_that_has_both() {
    let config = Config { path: Some("c.toml".into()), ..parse("c.toml", &example_file()).unwrap() };
    let settings = Settings::resolve(&Flags::example(), &config);
    let routine = settings.routine(None).unwrap();
    for (key, setting) in settings.rows(&routine) {
        let flag = format!("--{}", key.replace('_', "-"));
        if FLAGS.contains(&flag.as_str()) {
            assert!(matches!(setting.layer, Layer::Flag(f) if f == flag), "{key}: {:?}", setting.layer);
        }
    }
}

#[test]
fn a_setting_left_unset_shows_the_routines_own_value_or_none() {
    let settings = Settings::resolve(&Flags::default(), &Config::default());
    let routine = settings.routine(None).unwrap();
    let rows = settings.rows(&routine);
    let row = |key: &str| rows.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone()).unwrap();
    assert_eq!(row("reps"), Setting { value: routine.reps.to_string(), layer: Layer::Routine });
    assert_eq!(row("device"), Setting { value: "-".into(), layer: Layer::Default });
    assert_eq!(row("slots").value, "morning 06:00-11:00, afternoon 11:00-17:00, evening 17:00-21:00, bedtime 21:00-");
}

#[test]
fn every_mistake_is_reported_in_file_order() {
    let text = "volume = 150\nholds = 5\nreps = -1\nsounds = \"loud\"\n";
    let err = parse_err(text);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(lines[0].starts_with("c.toml:1:10: volume must be between 0 and 100"), "{err}");
    assert!(lines[1].starts_with("c.toml:2:1: unknown key holds; did you mean hold?"), "{err}");
    assert!(lines[2].starts_with("c.toml:3:8: reps must be between 1 and 20"), "{err}");
    assert!(lines[3].starts_with("c.toml:4:10: sounds must be one of"), "{err}");
}

#[test]
fn a_key_set_twice_is_named() {
    let err = parse_err("volume = 30\nhold = 5\nvolume = 40\n");
    assert_eq!(err, "c.toml:3:1: volume is set twice; keep one line for it");
}

#[test]
fn a_key_set_twice_hides_no_other_mistake() {
    let err = parse_err("reps = 2\nvolum = 60\nhold = \"15x\"\nreps = 3\n");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("c.toml:2:1: unknown key volum; did you mean volume?"), "{err}");
    assert!(lines[1].starts_with("c.toml:3:8: invalid duration \"15x\""), "{err}");
    assert_eq!(lines[2], "c.toml:4:1: reps is set twice; keep one line for it");
}

#[test]
fn a_slip_of_syntax_is_reported_alone() {
    let err = parse_err("volume = 30\nhold = \n");
    assert!(err.starts_with("c.toml:2:"), "{err}");
}
