//! Block rendering and merging: other people's lines never change.

use super::*;
use crate::time::of_day::TimeOfDay;

/// A crontab someone already uses: environment lines, comments, blank lines,
/// odd spacing, a `%`, a CRLF line and a job after everything.
const BUSY: &str = "SHELL=/bin/sh\nMAILTO=\"me@example.com\"\n# m h dom mon dow command\n\n*/5 * * * * /usr/bin/backup --quiet  # trailing comment\n0 3 * * 0\tdate +\\%F >> /tmp/weekly\r\n@reboot   /home/me/bin/start\n";

fn entry(at: &str, days: &str, command: &str) -> Entry {
    Entry::new(TimeOfDay::parse(at).unwrap(), Days::parse(days).unwrap(), &format!("{command}{MARKER}"))
}

fn with(text: &str, entries: &[Entry]) -> String {
    let mut crontab = CrontabText::parse(text).unwrap();
    for e in entries {
        crontab.add(e.clone());
    }
    crontab.render()
}

#[test]
fn a_block_is_appended_after_the_other_jobs() {
    let text = with(BUSY, &[entry("22:30", "daily", "stretch tonight"), entry("07:05", "weekdays", "stretch tonight")]);
    assert!(text.starts_with(BUSY), "everything before stays byte for byte");
    insta::assert_snapshot!(text);
}

#[test]
fn a_crontab_without_a_final_newline_gets_one_before_the_block() {
    let text = with("0 1 * * * true", &[entry("22:30", "weekends", "stretch tonight")]);
    insta::assert_snapshot!(text);
}

#[test]
fn an_older_block_is_updated_in_place_and_its_other_lines_kept() {
    let old = format!(
        "{BUSY}# BEGIN stretch schedule (an older version)\n30 22 * * * /old/stretch tonight # stretch:v2\n# a note\n15 6 * * 1,3,5 /old/stretch tonight --reps 2 # stretch:v2\n45 5 * * * my own job\n# END stretch schedule (an older version)\n0 12 * * * lunch\n"
    );
    let text = with(
        &old,
        &[entry("22:30", "daily", "/new/stretch tonight"), entry("23:00", "mon,wed", "/new/stretch tonight")],
    );
    assert!(text.starts_with(BUSY) && text.ends_with("# END stretch schedule\n0 12 * * * lunch\n"), "{text}");
    assert!(text.contains("\n45 5 * * * my own job\n"), "a line without the marker is someone else's: {text}");
    insta::assert_snapshot!(text);
}

#[test]
fn adding_then_removing_everything_gives_back_the_same_bytes() {
    for original in [BUSY, "", "0 1 * * * true\n", "FOO=bar\r\n\r\n# only comments\n"] {
        let mut crontab =
            CrontabText::parse(&with(original, &[entry("22:30", "daily", "x"), entry("08:00", "sun", "y")])).unwrap();
        assert_eq!(crontab.entries().count(), 2);
        assert_eq!(crontab.remove(Some(TimeOfDay::parse("08:00").unwrap())), 1);
        assert_eq!(crontab.remove(None), 1);
        assert_eq!(crontab.render(), original);
        assert_eq!(CrontabText::parse(original).unwrap().render(), original, "reading alone changes nothing");
    }
}

#[test]
fn the_same_entry_twice_is_unchanged_and_a_new_command_replaces_it() {
    let mut crontab = CrontabText::parse(BUSY).unwrap();
    assert_eq!(crontab.add(entry("22:30", "daily", "a")), Change::Added);
    assert_eq!(crontab.add(entry("22:30", "daily", "a")), Change::Unchanged);
    assert_eq!(crontab.add(entry("22:30", "weekdays", "a")), Change::Replaced);
    assert_eq!(crontab.add(entry("06:00", "daily", "a")), Change::Added);
    let times: Vec<_> = crontab.entries().map(|e| (e.time.to_string(), e.days.to_string())).collect();
    assert_eq!(times, [("06:00".into(), "daily".into()), ("22:30".into(), "weekdays".into())]);
}

#[test]
fn an_entry_copied_by_hand_is_counted_and_adding_at_its_time_leaves_one() {
    let line = entry("22:30", "daily", "a").line;
    let text =
        format!("{BUSY}# BEGIN stretch schedule\n{line}\n0 6 * * * mine\n{line}\n{line}\n# END stretch schedule\n");
    let mut crontab = CrontabText::parse(&text).unwrap();
    let at = TimeOfDay::parse("22:30").unwrap();
    assert_eq!(crontab.repeated(), BTreeMap::from([(at, 3)]));
    assert_eq!(crontab.add(entry("22:30", "daily", "a")), Change::Replaced, "the copies go, though the first matches");
    assert!(crontab.repeated().is_empty());
    assert_eq!(crontab.entries().count(), 1);
    assert!(crontab.render().contains("\n0 6 * * * mine\n"), "someone else's line stays");
    assert_eq!(crontab.add(entry("22:30", "daily", "a")), Change::Unchanged);
}

#[test]
fn a_damaged_block_is_refused_with_its_line() {
    let cases = [
        ("a\n# BEGIN stretch schedule\n1 2 * * * x\n", "line 2: the block starts but has no"),
        ("# END stretch schedule\n", "line 1: \"# END stretch schedule\" without"),
        ("# END stretch schedule\n# BEGIN stretch schedule\n", "line 1: \"# END stretch schedule\" comes before"),
        ("# BEGIN stretch schedule\n# END stretch schedule\n# BEGIN stretch schedule\n", "line 3: a second"),
    ];
    for (text, want) in cases {
        let err = CrontabText::parse(text).unwrap_err();
        assert!(err.starts_with(want), "{text:?}: {err}");
    }
}

#[test]
fn days_parse_into_cron_fields_and_back() {
    let cases = [
        ("daily", "*"),
        ("weekdays", "1-5"),
        ("weekends", "0,6"),
        ("mon,wed,FRI", "1,3,5"),
        ("sunday,sat", "0,6"),
        ("mon-thu,sat", "1,2,3,4,6"),
        ("fri-mon", "0,1,5,6"),
        ("wed-wed", "3"),
    ];
    for (text, field) in cases {
        assert_eq!(Days::parse(text).unwrap().cron_field(), field, "{text}");
    }
    assert_eq!(Days::parse("mon,wed").unwrap().to_string(), "mon,wed");
    assert_eq!(Days::parse("sun,mon").unwrap().to_string(), "mon,sun");
    for bits in 1..=ALL {
        let days = Days(bits);
        assert_eq!(Days::from_cron_field(&days.cron_field()), Some(days));
        assert_eq!(Days::parse(&days.to_string()), Ok(days));
    }
    assert_eq!(Days::from_cron_field("7"), Days::parse("sun").ok());
    for bad in
        ["", "mon,", "mon,,tue", "xyz", "mon;tue", "1", "mon wed", "Daily ", "mon-", "-fri", "mon-tue-wed", "1-5"]
    {
        let err = Days::parse(bad).unwrap_err();
        assert!(err.starts_with(&format!("invalid days {bad:?}: ")), "{err}");
    }
}

#[test]
fn lines_that_are_not_simple_entries_are_not_entries() {
    for line in ["@reboot x", "*/5 * * * * x", "0 3 1 * * x", "30 22 * * *", "# 30 22 * * * x", "60 1 * * * x"] {
        assert_eq!(Entry::parse(line), None, "{line}");
    }
}

#[test]
fn quoted_words_reach_the_shell_intact() {
    let words = ["plain", "with space", "it's", "100%", "$HOME `id` \\n", "", "a'b'%c", "*"];
    let quoted: Vec<_> = words.iter().map(|w| quote(w).unwrap()).collect();
    let line = Entry::new(TimeOfDay { hour: 1, minute: 2 }, Days::DAILY, &quoted.join(" "));
    assert_eq!(line.command_words(), words);
    // As cron does: `\%` becomes `%`, then /bin/sh runs the command.
    let command = format!("printf '%s\\n' {}", quoted.join(" ").replace("\\%", "%"));
    let out = std::process::Command::new("/bin/sh").args(["-c", &command]).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), words.map(|w| format!("{w}\n")).concat());
    assert!(quote("a\nb").is_err());
}

#[test]
fn only_marked_lines_and_first_version_entries_are_ours() {
    let first = "30 22 * * * XDG_RUNTIME_DIR=/run/user/0 /bin/stretch --data-dir /d tonight --source cron --skip-if-done >> /d/schedule.log 2>&1";
    let text = format!("{BEGIN}\n{first}\n0 7 * * * mine\n1 7 * * * x{MARKER}\n{END}\n");
    let crontab = CrontabText::parse(&text).unwrap();
    assert_eq!(crontab.entries().count(), 2);
    assert_eq!(crontab.foreign(), ["0 7 * * * mine"]);
}
