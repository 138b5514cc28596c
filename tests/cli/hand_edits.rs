//! Crontab blocks edited by hand (spaces, tabs, reordered words, extra or
//! missing flags, comments, CRLF) fed to every `schedule` command and to
//! `doctor`: none panics, and no line stretch cannot read is lost unless the
//! person asked for it to be replaced.

use proptest::prelude::*;

use crate::schedule::{OTHER_JOBS, schedule};
use crate::support::Sandbox;

/// How one entry line is edited, in the command before the marker (the time
/// fields stay, so the line still runs at its time).
#[derive(Debug, Clone)]
enum Edit {
    /// Left as stretch wrote it.
    None,
    /// One space doubled.
    Space(usize),
    /// One space made a tab.
    Tab(usize),
    /// Two neighbouring words swapped.
    Swap(usize),
    /// A flag added by hand before the marker.
    ExtraFlag,
    /// A flag every entry has taken out.
    DropFlag,
    /// A tab before the marker instead of its space.
    TabBeforeMarker,
}

const MARKER: &str = " # stretch:v3";

/// The line with `edit` applied, and whether the edit makes it unreadable to stretch.
fn apply(line: &str, edit: &Edit) -> (String, bool) {
    let Some(at) = line.find(MARKER) else { return (line.to_string(), false) };
    let (body, marker) = line.split_at(at);
    // The five time fields stay as they are.
    let fields_end = body.match_indices(' ').nth(4).map_or(0, |(i, _)| i + 1);
    let (fields, command) = body.split_at(fields_end);
    let spaces: Vec<usize> = command.match_indices(' ').map(|(i, _)| i).collect();
    let pick = |n: usize| spaces[n % spaces.len()];
    let edited = match edit {
        Edit::None => return (line.to_string(), false),
        Edit::Space(n) => format!("{} {}", &command[..pick(*n)], &command[pick(*n)..]),
        Edit::Tab(n) => format!("{}\t{}", &command[..pick(*n)], &command[pick(*n) + 1..]),
        Edit::Swap(n) => {
            let mut words: Vec<&str> = command.split(' ').collect();
            let i = n % (words.len() - 1);
            if words[i] == words[i + 1] {
                return (line.to_string(), false);
            }
            // Two variables in the other order mean the same: read as stretch's.
            let same = words[i].contains('=') && words[i + 1].contains('=');
            words.swap(i, i + 1);
            return (format!("{fields}{}{marker}", words.join(" ")), !same);
        }
        Edit::ExtraFlag => {
            // Before `tonight`, where stretch writes none (one among the
            // routine's flags is read as the person's setting, and kept).
            let at = command.find(" tonight ").expect("the subcommand");
            format!("{} --volume 7{}", &command[..at], &command[at..])
        }
        // A routine flag taken out with its value still reads as an entry
        // (without that setting); one of the fixed words does not.
        Edit::DropFlag => command.replacen(" --skip-if-done", "", 1),
        Edit::TabBeforeMarker => return (format!("{body}\t{}", &marker[1..]), true),
    };
    (format!("{fields}{edited}{marker}"), true)
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::None),
        any::<usize>().prop_map(Edit::Space),
        any::<usize>().prop_map(Edit::Tab),
        any::<usize>().prop_map(Edit::Swap),
        Just(Edit::ExtraFlag),
        Just(Edit::DropFlag),
        Just(Edit::TabBeforeMarker),
    ]
}

/// The block stretch writes for this sandbox: two entries, one with `--reps 2`.
fn written_block(s: &Sandbox) -> Vec<String> {
    let mut lines = Vec::new();
    for args in [&["print", "22:30", "--reps", "2"][..], &["print", "07:05", "--days", "weekdays"][..]] {
        let (code, stdout, stderr) = s.run(schedule(s, args));
        assert_eq!(code, 0, "{stderr}");
        lines.extend(stdout.lines().filter(|l| l.contains(MARKER)).map(str::to_string));
    }
    lines
}

/// Every command that reads the crontab, as arguments after `schedule` (or `doctor`).
const COMMANDS: [&[&str]; 8] = [
    &["list"],
    &["add", "22:30"],
    &["add", "22:30", "--replace"],
    &["add", "23:00", "--sounds", "off"],
    &["remove", "22:30"],
    &["remove", "--all"],
    &["upgrade"],
    &["doctor"],
];

fn check(s: &Sandbox, entries: &[String], edits: &[Edit], comment: bool, crlf: bool) {
    let mut block = vec!["# BEGIN stretch schedule: managed by `stretch schedule`, edit it with that".to_string()];
    let mut kept = Vec::new();
    for (line, edit) in entries.iter().zip(edits) {
        let (edited, unreadable) = apply(line, edit);
        if unreadable {
            kept.push((edited.clone(), edited.starts_with("30 22 ")));
        }
        block.push(edited);
        if comment {
            block.push("# my note, written by hand".into());
            kept.push(("# my note, written by hand".into(), false));
        }
    }
    block.push("# END stretch schedule".into());
    let newline = if crlf { "\r\n" } else { "\n" };
    let text = format!("{}{}{newline}", OTHER_JOBS.replace('\n', newline), block.join(newline));
    for args in COMMANDS {
        s.set_crontab(&text);
        let data = s.data();
        let cmd = if args == ["doctor"] {
            s.cmd(&["--data-dir", data.to_str().unwrap(), "doctor"])
        } else {
            schedule(s, args)
        };
        let (code, _, stderr) = s.run(cmd);
        assert!(
            (code == 0 || code == 1) && !stderr.contains("panicked"),
            "`{}` exited {code} on\n{text}\n{stderr}",
            args.join(" ")
        );
        let after = s.crontab().unwrap_or_default();
        let replaced = args.contains(&"--replace");
        for (line, at_2230) in &kept {
            if replaced && *at_2230 {
                continue;
            }
            assert!(
                after.lines().any(|l| l == line),
                "`{}` lost the line {line:?} (exit {code}, {stderr})\nbefore:\n{text}\nafter:\n{after}",
                args.join(" ")
            );
        }
        for line in OTHER_JOBS.lines() {
            assert!(after.lines().any(|l| l.trim_end_matches('\r') == line), "`{}` lost {line:?}", args.join(" "));
        }
        if args == ["add", "22:30"] && kept.iter().any(|(line, at)| *at && !line.starts_with('#')) {
            assert_eq!(
                code, 1,
                "an entry edited by hand is the person's: {stderr}\nbefore:\n{text:?}\nafter:\n{after:?}"
            );
            assert!(stderr.contains("--replace"), "{stderr}");
            assert_eq!(after, text, "refused: nothing changed");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hand_edited_blocks_never_panic_and_never_lose_a_line(
        edits in proptest::collection::vec(edit(), 2),
        comment in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let s = Sandbox::new();
        let entries = written_block(&s);
        check(&s, &entries, &edits, comment, crlf);
    }
}

#[test]
fn an_entry_edited_by_one_space_is_refused_then_replaced_on_request() {
    let s = Sandbox::new();
    assert_eq!(s.run(schedule(&s, &["add", "22:30", "--reps", "2"])).0, 0);
    let text = s.crontab().unwrap().replacen(" --reps 2", " --reps  2", 1);
    s.set_crontab(&text);
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "22:30", "--reps", "3"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("the line at 22:30 in your crontab's stretch block is not one stretch can read"),
        "{stderr}"
    );
    assert!(stderr.contains("`stretch schedule add 22:30 --replace`"), "{stderr}");
    assert_eq!(s.crontab().unwrap(), text);
    let (code, stdout, stderr) = s.run(schedule(&s, &["add", "22:30", "--reps", "3", "--replace"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("replaced the line at 22:30 that stretch could not read"), "{stdout}");
    let after = s.crontab().unwrap();
    assert!(!after.contains("--reps  2") && after.contains("--reps 3"), "{after}");
}

#[test]
fn upgrade_names_an_entry_edited_by_hand_instead_of_calling_everything_up_to_date() {
    let s = Sandbox::new();
    assert_eq!(s.run(schedule(&s, &["add", "22:30"])).0, 0);
    let text = s.crontab().unwrap().replacen("--source cron --skip-if-done", "--skip-if-done --source cron", 1);
    s.set_crontab(&text);
    let (code, stdout, stderr) = s.run(schedule(&s, &["upgrade"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("every entry is in this version's form"), "{stdout}");
    assert!(
        stdout
            .contains("22:30 was edited by hand, so stretch cannot upgrade it: `stretch schedule add 22:30 --replace`"),
        "{stdout}"
    );
    assert_eq!(s.crontab().unwrap(), text, "nothing was changed");
}
