//! Every view tells the same story: random journals (sessions of every
//! source, attended or not, completed or not, relief, answered; cramps before
//! and after midnight and noon; confirmations; retractions, of unknown ids
//! too; repeated ids in other JSON spellings; daylight-saving changes and
//! offsets other than the reader's) are counted by `log --json`, `log --csv`,
//! the report and `--skip-if-done`, and by a plain reference written here
//! from the README's rules, reading the lines with `serde_json::Value`; all
//! must agree.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use proptest::prelude::*;

use crate::journal::range::Range;
use crate::journal::tally::Rules;
use crate::time::nights_ago::NightSpec;

/// The first day a generated journal may use: a fortnight before Berlin's
/// and New York's spring change, so some journals cross it.
const START: &str = "2026-03-15";

/// Where a record's clock was.
#[derive(Debug, Clone, Copy)]
enum Zone {
    Berlin,
    NewYork,
    /// A fixed offset, in quarter hours east of UTC.
    Fixed(i32),
}

impl Zone {
    fn at(self, day: u32, minute: u32) -> DateTime<FixedOffset> {
        let date = START.parse::<NaiveDate>().unwrap() + Days::new(day.into());
        let local = NaiveDateTime::new(date, NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap());
        let zoned = |tz: chrono_tz::Tz| {
            // A time in spring's gap is read an hour later, as a clock would show it.
            let local = if tz.from_local_datetime(&local).earliest().is_none() {
                local + chrono::Duration::hours(1)
            } else {
                local
            };
            tz.from_local_datetime(&local).earliest().unwrap().fixed_offset()
        };
        match self {
            Zone::Berlin => zoned(chrono_tz::Europe::Berlin),
            Zone::NewYork => zoned(chrono_tz::America::New_York),
            Zone::Fixed(q) => FixedOffset::east_opt(q * 900).unwrap().from_local_datetime(&local).unwrap(),
        }
    }
}

fn zone() -> impl Strategy<Value = Zone> {
    prop_oneof![Just(Zone::Berlin), Just(Zone::NewYork), (-48i32..=56).prop_map(Zone::Fixed)]
}

/// One generated line.
#[derive(Debug, Clone)]
enum Gen {
    Session {
        day: u32,
        minute: u32,
        zone: Zone,
        completed: bool,
        cron: bool,
        attended: Option<bool>,
        skipped: bool,
        relief: bool,
        other_routine: bool,
    },
    Cramp {
        day: u32,
        minute: u32,
        zone: Zone,
    },
    /// Confirms the n-th earlier record (whatever it is), or an unknown id.
    Confirm(usize),
    /// Retracts the n-th earlier record, or an unknown id.
    Retract(usize),
    /// Repeats the n-th earlier record's line in another spelling; `changed`
    /// makes the repeat say something else (the first still counts).
    Repeat {
        of: usize,
        changed: bool,
    },
}

fn line_gen() -> impl Strategy<Value = Gen> {
    let session =
        (
            0u32..40,
            0u32..1440,
            zone(),
            any::<bool>(),
            any::<bool>(),
            prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.1),
        )
            .prop_map(|(day, minute, zone, completed, cron, attended, skipped, relief, other_routine)| {
                Gen::Session { day, minute, zone, completed, cron, attended, skipped, relief, other_routine }
            });
    let cramp = (0u32..40, 0u32..1440, zone()).prop_map(|(day, minute, zone)| Gen::Cramp { day, minute, zone });
    prop_oneof![
        6 => session,
        3 => cramp,
        1 => any::<usize>().prop_map(Gen::Confirm),
        1 => any::<usize>().prop_map(Gen::Retract),
        1 => (any::<usize>(), prop::bool::weighted(0.3)).prop_map(|(of, changed)| Gen::Repeat { of, changed }),
    ]
}

/// An id spelt with every character escaped as `\uXXXX`: the same id.
fn escaped(id: &str) -> String {
    id.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
}

/// Another writer's spelling of a line: spaces after `:` and `,`, keys in
/// reverse order, the id escaped.
fn respelled(line: &str) -> String {
    let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
    let id = value["id"].as_str().unwrap().to_string();
    let fields: Vec<String> = value
        .iter()
        .rev()
        .map(|(k, v)| {
            let v = if k == "id" { format!("\"{}\"", escaped(&id)) } else { v.to_string() };
            format!("\"{k}\": {v}")
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn time(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// The journal's lines for `gens`.
fn lines(gens: &[Gen]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mark_at = "\"at\":\"2026-05-01T08:00:00.000+02:00\"";
    for (n, g) in gens.iter().enumerate() {
        let id = format!("r{n}");
        let line = match g {
            Gen::Session { day, minute, zone, completed, cron, attended, skipped, relief, other_routine } => {
                let started = zone.at(*day, *minute);
                let mut line = format!(
                    "{{\"type\":\"session\",\"v\":1,\"id\":\"{id}\",\"routine\":\"{}\",\"started\":\"{}\",\"ended\":\"{}\",\"reps_planned\":3,\"reps_done\":{},\"hold_ms\":90000,\"completed\":{completed},\"source\":\"{}\",\"audio\":\"device\",\"paused_ms\":0",
                    if *other_routine { "seated" } else { "wall-calf" },
                    time(started),
                    time(started + chrono::Duration::minutes(3)),
                    if *completed { 3 } else { 1 },
                    if *cron { "cron" } else { "terminal" },
                );
                if *relief {
                    line += ",\"cramp\":\"c0\"";
                }
                if let Some(a) = attended {
                    line += &format!(",\"attended\":{a}");
                }
                if *skipped {
                    line += ",\"skipped\":true";
                }
                line + "}"
            }
            Gen::Cramp { day, minute, zone } => format!(
                "{{\"type\":\"cramp\",\"v\":1,\"id\":\"{id}\",\"at\":\"{}\",\"leg\":\"left\",\"severity\":3,\"note\":null}}",
                time(zone.at(*day, *minute))
            ),
            Gen::Confirm(of) => {
                let target = ids.get(of % (ids.len() + 1)).cloned().unwrap_or_else(|| "unknown".into());
                format!("{{\"type\":\"confirm\",\"v\":1,\"id\":\"{id}\",\"session\":\"{target}\",{mark_at}}}")
            }
            Gen::Retract(of) => {
                let target = ids.get(of % (ids.len() + 1)).cloned().unwrap_or_else(|| "unknown".into());
                format!("{{\"type\":\"retract\",\"v\":1,\"id\":\"{id}\",\"record\":\"{target}\",{mark_at}}}")
            }
            Gen::Repeat { of, changed } => {
                if lines.is_empty() {
                    continue;
                }
                let earlier = &lines[of % lines.len()];
                let earlier =
                    if *changed { earlier.replace("\"severity\":3", "\"severity\":4") } else { earlier.clone() };
                let earlier =
                    if *changed { earlier.replace("\"completed\":false", "\"completed\":true") } else { earlier };
                lines.push(respelled(&earlier));
                continue;
            }
        };
        ids.push(id);
        lines.push(line);
    }
    lines
}

/// What the reference counts on one night.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RefNight {
    completed: u32,
    partial: u32,
    unattended: u32,
    answered: u32,
    cramps: u32,
    first_stretch: Option<i64>,
    last_cramp: Option<i64>,
}

/// The reference: the README's rules, from the lines read as plain JSON.
struct Reference {
    nights: BTreeMap<NaiveDate, RefNight>,
    first: Option<NaiveDate>,
    /// The standing sessions of the routine: (id, started, attended).
    sessions: Vec<(String, DateTime<FixedOffset>, bool)>,
}

fn night(at: &DateTime<FixedOffset>, boundary: u32) -> NaiveDate {
    let local = at.naive_local();
    if local.time() < NaiveTime::from_hms_opt(boundary, 0, 0).unwrap() {
        local.date() - Days::new(1)
    } else {
        local.date()
    }
}

/// `routine`: count only its sessions (`None`: every routine's).
fn reference(lines: &[String], routine: Option<&str>) -> Reference {
    let values: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut seen = HashSet::new();
    let firsts: Vec<&serde_json::Value> =
        values.iter().filter(|v| seen.insert(v["id"].as_str().unwrap().to_string())).collect();
    let kind = |v: &serde_json::Value, k: &str| v["type"] == k;
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let retracted: HashSet<String> = firsts.iter().filter(|v| kind(v, "retract")).map(|v| text(v, "record")).collect();
    let confirmed: HashSet<String> = firsts
        .iter()
        .filter(|v| kind(v, "confirm") && !retracted.contains(&text(v, "id")))
        .map(|v| text(v, "session"))
        .collect();
    let mut r = Reference { nights: BTreeMap::new(), first: None, sessions: Vec::new() };
    for v in firsts.iter().filter(|v| !retracted.contains(&text(v, "id"))) {
        let at = |k: &str| DateTime::parse_from_rfc3339(&text(v, k)).unwrap();
        if kind(v, "session") {
            let started = at("started");
            let n = night(&started, 4);
            r.first = Some(r.first.map_or(n, |f| f.min(n)));
            let attended = v["attended"].as_bool().unwrap_or(true) || confirmed.contains(&text(v, "id"));
            let of_routine = routine.is_none_or(|r| text(v, "routine") == r);
            if of_routine {
                r.sessions.push((text(v, "id"), started, attended));
            }
            if v.get("cramp").is_some() || !of_routine {
                continue;
            }
            let e = r.nights.entry(n).or_default();
            match (attended, v["completed"].as_bool().unwrap(), v["skipped"].as_bool().unwrap_or(false)) {
                (true, true, _) => {
                    e.completed += 1;
                    e.first_stretch = Some(e.first_stretch.map_or(started.timestamp(), |f| f.min(started.timestamp())));
                }
                (true, false, _) => e.partial += 1,
                (false, _, true) => e.answered += 1,
                (false, _, false) => e.unattended += 1,
            }
        } else if kind(v, "cramp") {
            let when = at("at");
            let n = night(&when, 12);
            r.first = Some(r.first.map_or(n, |f| f.min(n)));
            let e = r.nights.entry(n).or_default();
            e.cramps += 1;
            e.last_cramp = Some(e.last_cramp.map_or(when.timestamp(), |l| l.max(when.timestamp())));
        }
    }
    r
}

impl Reference {
    /// The nights counted from `since` (if given) to the last night, as the README says.
    fn counted(&self, since: Option<NaiveDate>, tonight: NaiveDate) -> Vec<(NaiveDate, RefNight)> {
        let Some(first) = self.first else { return Vec::new() };
        let first = since.map_or(first, |s| s.max(first));
        let last = self.nights.keys().next_back().map_or(tonight, |l| (*l).clamp(tonight, tonight + Days::new(1)));
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| (d, self.nights.get(&d).copied().unwrap_or_default()))
            .collect()
    }
}

/// The cramp summary's numbers, from nights: (nights, cramp nights,
/// stretched, stretched with a cramp after, unstretched, unstretched with a cramp).
fn summary(nights: &[(NaiveDate, RefNight)]) -> [u64; 6] {
    let mut s = [0u64; 6];
    for (_, n) in nights {
        let cramped = u64::from(n.cramps > 0);
        s[0] += 1;
        s[1] += cramped;
        if n.completed > 0 {
            s[2] += 1;
            let after = matches!((n.first_stretch, n.last_cramp), (Some(f), Some(c)) if f < c);
            s[3] += u64::from(after);
        } else {
            s[4] += 1;
            s[5] += cramped;
        }
    }
    s
}

/// What `log` with `args` prints from `records`, read in full.
fn rendered(args: &crate::cli::LogArgs, range: &Range, records: &[crate::journal::Stored]) -> String {
    super::render(args, range, super::Listing::of_records(args, range, records), false)
}

/// What `log` with `args` (every routine) prints through the cache's
/// digest of `bytes`, counted first over the records before `split` and
/// then over those appended after them, as a run after an append counts
/// them; checks on the way that the digest so extended (when the appended
/// records allow it) is the digest of the whole.
fn through_digest(args: &crate::cli::LogArgs, range: &Range, bytes: &[u8], split: usize) -> String {
    use crate::journal::digest::Digest;
    let records = crate::journal::parse(bytes).records;
    let split = split.min(records.len());
    let rules = range.rules(None);
    let whole = Digest::of(&records, bytes, &rules).unwrap();
    let mut digest = Digest::of(&records[..split], bytes, &rules).unwrap();
    let digest = if digest.extend(&records[split..], bytes, &rules) {
        assert_eq!(digest, whole, "counting what was appended onto the digest of the rest is the digest of the whole");
        digest
    } else {
        whole
    };
    let mut parsed = Vec::new();
    let listing = super::Listing::of_digest(digest, bytes, range, &mut parsed).unwrap();
    super::render(args, range, listing, false)
}

fn log_args(args: &[&str]) -> crate::cli::LogArgs {
    let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(["stretch", "log"].iter().chain(args)).unwrap();
    match cli.command {
        crate::cli::Command::Log(args) => args,
        _ => unreachable!(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_view_agrees_with_the_reference(gens in prop::collection::vec(line_gen(), 0..60), now_day in 30u32..45, now_zone in zone(), split in 0usize..60) {
        let lines = lines(&gens);
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let reading = crate::journal::parse(text.as_bytes());
        prop_assert!(reading.problems.is_empty(), "{:?}", reading.problems);
        let records = reading.records;
        let now = now_zone.at(now_day, 22 * 60);
        let routine_ref = reference(&lines, Some("wall-calf"));
        let day_starts = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        let tonight = night(&now, 4);

        // The table and `--json` through the cache's digest, counted
        // before and after an append, read as the records read in full.
        let range = Range::of(None, None, day_starts, &now).unwrap();
        for args in [&[][..], &["--json"], &["--json", "--since", "20d"]] {
            let args = log_args(args);
            let range = Range::of(args.since, args.until, day_starts, &now).unwrap();
            prop_assert_eq!(through_digest(&args, &range, text.as_bytes(), split), rendered(&args, &range, &records));
        }

        // `log --json`, for the routine wall-calf.
        let json: serde_json::Value =
            serde_json::from_str(&rendered(&log_args(&["--json", "--routine", "wall-calf"]), &range, &records)).unwrap();
        let counted = routine_ref.counted(None, tonight);
        let nights = json["nights"].as_array().unwrap();
        prop_assert_eq!(nights.len(), counted.len());
        for (got, (date, want)) in nights.iter().zip(&counted) {
            prop_assert_eq!(got["night"].as_str().unwrap(), date.to_string());
            let got_counts: Vec<u64> = ["completed", "partial", "unattended", "answered", "cramps"].iter().map(|k| got[*k].as_u64().unwrap()).collect();
            let want_counts: Vec<u64> = [want.completed, want.partial, want.unattended, want.answered, want.cramps].iter().map(|n| u64::from(*n)).collect();
            prop_assert_eq!(got_counts, want_counts, "night {}", date);
        }
        prop_assert_eq!(json["counted_from"].as_str().map(str::to_string), counted.first().map(|(d, _)| d.to_string()));
        let s = &json["cramp_summary"];
        let got: Vec<u64> = ["nights", "cramp_nights", "stretched_nights", "stretched_cramp_nights", "unstretched_nights", "unstretched_cramp_nights"]
            .iter().map(|k| s[*k].as_u64().unwrap()).collect();
        prop_assert_eq!(got, summary(&counted).to_vec());
        let listed: Vec<String> = json["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
        let want_ids: Vec<String> = routine_ref.sessions.iter().map(|(id, ..)| id.clone()).collect();
        prop_assert_eq!(&listed, &want_ids);

        // `log --csv`: the same sessions, attended as the reference says.
        let csv = rendered(&log_args(&["--csv", "--routine", "wall-calf"]), &range, &records);
        let mut rows: Vec<(String, String)> = csv.lines().skip(1).map(|row| {
            let cells: Vec<&str> = row.split(',').collect();
            (cells[11].to_string(), cells[12].to_string())
        }).collect();
        let mut want_rows: Vec<(String, String)> = routine_ref.sessions.iter().map(|(id, _, a)| (id.clone(), a.to_string())).collect();
        rows.sort();
        want_rows.sort();
        prop_assert_eq!(rows, want_rows);

        // The report, over its default twelve weeks, all routines: the same
        // nights as `log --since 84d`.
        let report_range = Range::of(Some(NightSpec::Nights(84)), None, day_starts, &now).unwrap();
        let plain: Vec<crate::journal::Record> = records.iter().map(|s| s.record.clone()).collect();
        let context = crate::report::Context { name: None, plan: &|_| None };
        let report = crate::report::build(&plain, &report_range, &context, &now);
        let all = reference(&lines, None);
        let since = tonight - Days::new(83);
        let report_nights = all.counted(Some(since), tonight);
        let r = report.summary;
        prop_assert_eq!(
            vec![r.nights, r.cramp_nights, r.stretched_nights, r.stretched_cramp_nights, r.unstretched_nights, r.unstretched_cramp_nights].into_iter().map(u64::from).collect::<Vec<_>>(),
            summary(&report_nights).to_vec()
        );
        prop_assert_eq!(report.from, report_nights.first().map(|(d, _)| *d));
        let log84: serde_json::Value =
            serde_json::from_str(&rendered(&log_args(&["--json", "--since", "84d"]), &report_range, &records)).unwrap();
        prop_assert_eq!(log84["cramp_summary"]["nights"].as_u64(), Some(u64::from(r.nights)));
        prop_assert_eq!(log84["cramp_summary"]["cramp_nights"].as_u64(), Some(u64::from(r.cramp_nights)));

        // `--skip-if-done`: tonight has a stretch of any routine.
        let slots = crate::journal::slots::defaults();
        let rules = Rules { day_starts, cramp_day_starts: NaiveTime::from_hms_opt(12, 0, 0).unwrap(), slots: &slots, routine: None };
        let done = crate::journal::tally::done_tonight(&plain, &now, &rules, None);
        let want = all.nights.get(&tonight).and_then(|n| n.first_stretch);
        prop_assert_eq!(done.map(|d| d.timestamp()), want);
    }
}

#[test]
fn a_retracted_first_record_starts_nothing_in_log_or_report() {
    // The journal's first record (1 October) was taken back; the rest are
    // a week in the middle of November.
    let mut lines = vec![
        r#"{"type":"cramp","v":1,"id":"c0","at":"2026-10-01T03:00:00.000+02:00","leg":"left","severity":3,"note":null}"#.to_string(),
        r#"{"type":"retract","v":1,"id":"x","record":"c0","at":"2026-10-01T08:00:00.000+02:00"}"#.to_string(),
    ];
    for day in 20..27 {
        lines.push(format!(
            r#"{{"type":"session","v":1,"id":"s{day}","routine":"wall-calf","started":"2026-11-{day}T22:00:00.000+01:00","ended":"2026-11-{day}T22:03:00.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":90000,"completed":true,"source":"terminal","audio":"device"}}"#
        ));
    }
    lines.push(r#"{"type":"cramp","v":1,"id":"c1","at":"2026-11-22T03:00:00.000+01:00","leg":"left","severity":3,"note":null}"#.to_string());
    let text = lines.join("\n");
    let records = crate::journal::parse(text.as_bytes()).records;
    let now = DateTime::parse_from_rfc3339("2026-11-26T23:00:00+01:00").unwrap();
    let day_starts = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
    let range = Range::of(None, None, day_starts, &now).unwrap();
    let human = rendered(&log_args(&[]), &range, &records);
    assert!(human.contains("Cramps: 1 of 7 nights, counted from 2026-11-20"), "{human}");
    let report_range = Range::of(Some(NightSpec::Nights(84)), None, day_starts, &now).unwrap();
    let plain: Vec<_> = records.iter().map(|s| s.record.clone()).collect();
    let context = crate::report::Context { name: None, plan: &|_| None };
    let report = crate::report::build(&plain, &report_range, &context, &now);
    assert_eq!((report.summary.nights, report.summary.cramp_nights), (7, 1));
    assert_eq!(report.from, "2026-11-20".parse().ok());
}
