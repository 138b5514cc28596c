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
fn user_routines_add_to_and_override_the_built_in_ones() {
    let s = Sandbox::new();
    let dir = s.path().join("config/routines");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("quick.toml"), "summary = \"Quick one\"\nreps = 1\n[hold]\nduration = \"200ms\"\n")
        .unwrap();
    std::fs::write(dir.join("broken.toml"), "[hold]\nduration = \"forever\"\n").unwrap();
    let (code, stdout, _) = s.run(s.cmd(&["routines"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("quick             Quick one  ["), "{stdout}");
    assert!(stdout.contains("broken            INVALID: "), "{stdout}");
    let data = s.data();
    let (code, _, stderr) =
        s.run(s.cmd(&["tonight", "--routine", "quick", "--sounds", "off", "--data-dir", data.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.records()[0]["routine"], "quick");
}
