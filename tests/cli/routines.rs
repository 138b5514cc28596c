//! `stretch routines` and user routines.

use crate::support::Sandbox;

#[test]
fn lists_built_in_routines_with_summary_and_origin() {
    let s = Sandbox::new();
    let (code, stdout, _) = s.run(s.cmd(&["routines"]));
    assert_eq!(code, 0);
    let built_in = stretch::api::routines(None).unwrap();
    let rows: Vec<_> = stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), built_in.len(), "one row per built-in routine: {stdout}");
    for (row, entry) in rows.iter().zip(&built_in) {
        let summary = &entry.routine.as_ref().unwrap().summary;
        assert!(row.starts_with(&format!("{}  ", entry.name)), "{row}");
        assert!(row.contains(&format!("  {summary}")) && row.ends_with("  [built-in]"), "{row}");
    }
    assert!(stdout.contains("\nwall-calf  ") && stdout.contains("(default)  [built-in]"), "{stdout}");
}

#[test]
fn the_seated_and_bent_knee_routines_are_listed_in_plain_words_and_play_every_phrase_recorded() {
    let s = Sandbox::new();
    let (code, stdout, _) = s.run(s.cmd(&["routines"]));
    assert_eq!(code, 0);
    for (name, plainly) in [("seated-towel", "Sitting, no wall: a towel"), ("wall-calf-bent-knee", "back knee bent")] {
        let row = stdout.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{stdout}"));
        assert!(row.contains(plainly) && row.ends_with("[built-in]"), "{row}");
        let lower = row.to_lowercase();
        for claim in ["cure", "prevent", "treat", "heal", "relieve", "stops cramps"] {
            assert!(!lower.contains(claim), "no medical claim: {row}");
        }
        // Every phrase is recorded and fits its phase: nothing to tell, no chime in place of words.
        let wav = s.path().join(format!("{name}.wav"));
        let (code, _, stderr) =
            s.run(s.cmd(&["tonight", "--routine", name, "--sounds", "voice", "--export-audio", wav.to_str().unwrap()]));
        assert_eq!((code, stderr.as_str()), (0, ""), "{name}");
        // Two rounds of a left and a right hold of 20 s, and the rests between them.
        let seconds = (std::fs::metadata(&wav).unwrap().len() - 44) as f64 / 96_000.0;
        assert!(seconds > 80.0 + 15.0, "{name}: {seconds} s");
    }
}

#[test]
fn user_routines_add_to_and_override_the_built_in_ones() {
    let s = Sandbox::new();
    let dir = s.path().join("config/routines");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("quick.toml"), "summary = \"Quick one\"\nreps = 1\n[hold]\nduration = \"200ms\"\n")
        .unwrap();
    std::fs::write(dir.join("broken.toml"), "[hold]\nduration = \"forever\"\n").unwrap();
    let (code, stdout, _) = s.run(s.cmd(&["routines"]));
    assert_eq!(code, 0);
    // Names are padded to the longest, wall-calf-bent-knee.
    assert!(stdout.contains("quick                Quick one  ["), "{stdout}");
    assert!(stdout.contains("broken               INVALID: "), "{stdout}");
    let data = s.data();
    let (code, _, stderr) =
        s.run(s.cmd(&["tonight", "--routine", "quick", "--sounds", "off", "--data-dir", data.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.records()[0]["routine"], "quick");
}
