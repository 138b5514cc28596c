//! Every parser of text a person or a file supplies returns a value or an
//! error, never panics: multi-byte UTF-8 anywhere, extreme numbers, and
//! near-miss variants of valid input.

use proptest::prelude::*;

/// Text mixing the parser's own alphabet with multi-byte characters, control
/// characters and huge numbers.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,4}",
        "[0-9]{1,30}",
        Just("é".to_string()),
        Just("😀".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{0}".to_string()),
        Just("-".to_string()),
        Just("18446744073709551616".to_string()),
        Just("9223372036854775807".to_string()),
        Just("=".to_string()),
        Just("\n".to_string()),
        Just("[hold]\n".to_string()),
        Just("duration = ".to_string()),
        Just("\"".to_string()),
        Just("# BEGIN stretch schedule\n".to_string()),
        Just("# END stretch schedule\n".to_string()),
        Just("{\"type\":\"session\",\"v\":1,".to_string()),
        Just("\"started\":\"".to_string()),
        Just("T".to_string()),
        Just(":".to_string()),
        Just("+".to_string()),
        Just("s".to_string()),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Valid input with one character replaced or inserted, at any position.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    (0..=base.len(), "\\PC", any::<bool>()).prop_map(move |(at, c, insert)| {
        let mut at = at;
        while !base.is_char_boundary(at) {
            at -= 1;
        }
        let rest = if insert { &base[at..] } else { base[at..].get(1..).unwrap_or("") };
        format!("{}{c}{rest}", &base[..at])
    })
}

const ROUTINE: &str = "name = \"x\"\nsummary = \"s\"\nreps = 3\n[prepare]\nduration = \"5s\"\n[hold]\nduration = \"30s\"\nwords = \"Hold {side}\"\nsides = [\"left\", \"right\"]\ncountdown = 3\n[rest]\nduration = 10\n";
const CONFIG: &str =
    "routine = \"wall-calf\"\nreps = 3\nhold = \"30s\"\nvolume = 80\nday_starts = \"12:00\"\nsounds = \"voice\"\n";
const LINE: &str = "{\"type\":\"session\",\"v\":1,\"id\":\"a\",\"routine\":\"w\",\"started\":\"2026-11-26T22:30:00.000+01:00\",\"ended\":\"2026-11-26T22:31:00.000+01:00\",\"reps_planned\":3,\"reps_done\":3,\"hold_ms\":90000,\"completed\":true,\"source\":\"cron\",\"audio\":\"device\",\"paused_ms\":0}";
const CRONTAB: &str = "MAILTO=x\n# BEGIN stretch schedule\n30 22 * * 1-5 XDG_RUNTIME_DIR=/run/user/1 /bin/stretch tonight\n# END stretch schedule\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn routine_files(text in prop_oneof![hostile(), mutated(ROUTINE)]) {
        let _ = stretch::api::parse_routine("x", "x.toml", &text);
    }

    #[test]
    fn config_files(text in prop_oneof![hostile(), mutated(CONFIG)]) {
        let _ = stretch::api::parse_config("config.toml", &text);
    }

    #[test]
    fn journal_lines(text in prop_oneof![hostile(), mutated(LINE)]) {
        let reading = stretch::api::parse(text.as_bytes());
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T00:00:00+00:00").unwrap();
        for stored in reading.records {
            let _ = stored.record.validate(&now);
        }
    }

    #[test]
    fn crontab_blocks(text in prop_oneof![hostile(), mutated(CRONTAB)]) {
        if let Ok(crontab) = stretch::api::CrontabText::parse(&text) {
            let _ = crontab.render();
        }
    }

    #[test]
    fn days_of_the_week(text in prop_oneof![hostile(), mutated("mon-fri"), mutated("1-5,7")]) {
        let _ = stretch::api::Days::parse(&text);
    }

    #[test]
    fn durations_and_times_of_day(text in prop_oneof![hostile(), mutated("1m30s"), mutated("22:30")]) {
        let _ = stretch::api::parse_duration(&text);
        let _ = stretch::api::TimeOfDay::parse(&text);
    }
}

proptest! {
    #[test]
    fn durations_format_without_wrapping(ms in any::<u64>()) {
        let _ = stretch::api::format_rounded(std::time::Duration::from_millis(ms));
    }
}
