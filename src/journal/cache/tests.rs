//! The cache against full readings of the same bytes.

use std::os::unix::fs::FileExt;

use super::*;

fn session(id: &str, day: u32) -> String {
    format!(
        r#"{{"type":"session","v":1,"id":"{id}","routine":"wall-calf","started":"2026-11-{day:02}T22:30:00.000+01:00","ended":"2026-11-{day:02}T22:31:00.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":90000,"completed":true,"source":"cron","audio":"device","paused_ms":0,"attended":false,"cramp":"c\u00e9","skipped":true,"note":"sore \u00e9"}}"#
    )
}

/// Each change to the journal, read through the cache, reads exactly as
/// a full reading of the same bytes.
#[test]
fn the_cache_never_changes_what_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let cache = file_for(&dir.path().join("cache"), &journal);
    let cramp = r#"{"type":"cramp","v":1,"id":"c1","at":"2026-11-27T03:10:00.000+01:00","leg":"both","severity":3,"note":"a \"bad\" one","lasted_ms":300000}"#;
    let mark = r#"{"type":"retract","v":1,"id":"r1","record":"s1","at":"2026-11-27T08:00:00.000-05:00"}"#;
    type Step = Box<dyn Fn(&Path)>;
    let steps: Vec<Step> = vec![
        Box::new(move |p| std::fs::write(p, format!("{}\n{cramp}\nnot json\n", session("s1", 1))).unwrap()),
        Box::new(move |p| append(p, &format!("{}\n{mark}\n", session("s2", 2)))),
        Box::new(move |p| append(p, "{\"type\":\"session\",\"v\":1,\"id\":\"torn")),
        Box::new(move |p| append(p, &format!("\n{}\n", session("s3", 3)))),
        // Rewritten shorter, then in place at the same length.
        Box::new(move |p| std::fs::write(p, format!("{}\n", session("s4", 4))).unwrap()),
        Box::new(move |p| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::fs::write(p, format!("{}\n", session("s5", 5))).unwrap()
        }),
        // Another file in its place.
        Box::new(move |p| {
            let other = p.with_extension("new");
            std::fs::write(&other, format!("{}\n{cramp}\n", session("s6", 6))).unwrap();
            std::fs::rename(&other, p).unwrap();
        }),
    ];
    for step in steps {
        step(&journal);
        let loaded = crate::journal::load(&journal).unwrap();
        let full = loaded.reading();
        assert_eq!(reading(&loaded, &cache), full, "the first reading, which writes the cache");
        assert!(cache.exists());
        assert_eq!(reading(&loaded, &cache), full, "the reading through the cache");
    }
    std::fs::write(&cache, b"stretch\x01garbage").unwrap();
    let loaded = crate::journal::load(&journal).unwrap();
    assert_eq!(reading(&loaded, &cache), loaded.reading(), "a damaged cache is rebuilt");
}

/// A cache that holds is what is read (its copy of an id, changed, shows);
/// an edit in place at the same length, then an append, reads as the new
/// bytes, never as the cached copy of the old ones.
#[test]
fn an_edit_in_place_is_seen_though_the_file_then_grew() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let cache = file_for(&dir.path().join("cache"), &journal);
    std::fs::write(&journal, format!("{}\n", session("s1", 1))).unwrap();
    let loaded = crate::journal::load(&journal).unwrap();
    reading(&loaded, &cache);
    let (id, mut data) = ([&2u64.to_le_bytes()[..], b"s1"].concat(), std::fs::read(&cache).unwrap());
    let at = data.windows(id.len()).position(|w| w == id).unwrap() + 8;
    data[at] = b'x';
    std::fs::write(&cache, &data).unwrap();
    assert_eq!(reading(&loaded, &cache).records[0].record.id(), "s1", "a cache changed by anyone else is not read");
    reseal(&mut data);
    std::fs::write(&cache, &data).unwrap();
    assert_eq!(reading(&loaded, &cache).records[0].record.id(), "x1", "read from the cache");
    let file = std::fs::OpenOptions::new().write(true).open(&journal).unwrap();
    file.write_all_at(session("s2", 1).as_bytes(), 0).unwrap();
    append(&journal, &format!("{}\n", session("s3", 3)));
    let loaded = crate::journal::load(&journal).unwrap();
    let ids: Vec<_> = reading(&loaded, &cache).records.iter().map(|s| s.record.id().to_string()).collect();
    assert_eq!(ids, ["s2", "s3"], "the edited line is read again");
    assert_eq!(reading(&loaded, &cache), loaded.reading());
}

/// Sets the checksum of a changed cache's records, as if this program had
/// written them.
fn reseal(data: &mut [u8]) {
    let number = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap()) as usize;
    let rest = 24 + number(16);
    let records = rest + 16 + number(rest + 8);
    let sum = checksum(&data[records + 16..]);
    data[records..records + 8].copy_from_slice(&sum.to_le_bytes());
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn cramp(id: &str, day: u32) -> String {
    format!(
        r#"{{"type":"cramp","v":1,"id":"{id}","at":"2026-11-{day:02}T03:10:00.000+01:00","leg":"left","severity":2}}"#
    )
}

fn mark(kind: &str, id: &str, names: &str) -> String {
    let field = if kind == "retract" { "record" } else { "session" };
    format!(r#"{{"type":"{kind}","v":1,"id":"{id}","{field}":"{names}","at":"2026-11-27T08:00:00.000+01:00"}}"#)
}

/// The digest through the cache, and whether its records were read again
/// (`false`: it was read from the cache and only the appended lines parsed).
fn digested(journal: &Path, cache: &Path, rules: &Rules) -> (Digest, Vec<Problem>, bool) {
    let loaded = crate::journal::load(journal).unwrap();
    let through = through(&loaded, cache, Some(rules)).unwrap();
    let full = loaded.reading();
    let digest = through.digest.unwrap();
    let afresh = Digest::of(&full.records, &loaded.bytes, rules).unwrap();
    assert_eq!(digest.shown(), afresh.shown(), "the digest of the journal as it is");
    assert_eq!(through.problems, full.problems);
    (digest, through.problems, through.records.is_some())
}

/// Each way a journal changes, read through the cache's digest, counts as
/// the journal read in full; only lines appended that change nothing
/// earlier are counted onto the cached digest, and anything else is read
/// and counted afresh.
#[test]
fn the_digest_through_the_cache_is_the_journal_s() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let cache = file_for(&dir.path().join("cache"), &journal);
    let slots = crate::journal::slots::defaults();
    let four = chrono::NaiveTime::from_hms_opt(4, 0, 0).unwrap();
    let noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap();
    let rules = Rules { day_starts: four, cramp_day_starts: noon, slots: &slots, routine: None };
    std::fs::write(&journal, format!("{}\n{}\nnot json\n", session("s1", 1), cramp("c1", 2))).unwrap();
    assert!(digested(&journal, &cache, &rules).2, "the first reading reads every record");
    assert!(!digested(&journal, &cache, &rules).2, "then none");
    // Appended sessions, cramps, a bad line and a torn one: counted onto the cache.
    append(&journal, &format!("{}\n{}\nbad\n{}", session("s2", 2), cramp("c2", 3), &session("s3", 3)[..50]));
    let (digest, problems, again) = digested(&journal, &cache, &rules);
    assert!(!again, "what was appended is counted onto the cached digest");
    assert_eq!((digest.records, problems.len()), (4, 3));
    // The torn line completed: read once more, and counted once.
    append(&journal, &format!("{}\n", &session("s3", 3)[50..]));
    let (digest, _, again) = digested(&journal, &cache, &rules);
    assert!(!again);
    assert_eq!(digest.records, 5);
    // A retraction of a night already counted, a confirmation, a repeated id:
    // each read afresh.
    for line in [mark("retract", "r1", "s1"), mark("confirm", "k1", "s2"), session("s2", 9), session("r1", 9)] {
        append(&journal, &format!("{line}\n"));
        assert!(digested(&journal, &cache, &rules).2, "{line}");
    }
    // A retraction of an id not seen yet, then a record of that id.
    append(&journal, &format!("{}\n", mark("retract", "r2", "later")));
    assert!(!digested(&journal, &cache, &rules).2, "it names nothing counted yet");
    append(&journal, &format!("{}\n", session("later", 20)));
    let (digest, _, again) = digested(&journal, &cache, &rules);
    assert!(again, "the record an earlier retraction names is read afresh");
    assert!(digest.standing.iter().all(|s| s.at.format("%d").to_string() != "20"), "and it stands not");
    // Other rules (a day boundary, slots): counted afresh, then cached for them.
    let midnight = chrono::NaiveTime::MIN;
    let other = Rules { day_starts: midnight, ..rules };
    assert!(digested(&journal, &cache, &other).2);
    assert!(!digested(&journal, &cache, &other).2);
    let one = &slots[..1];
    assert!(digested(&journal, &cache, &Rules { slots: one, ..rules }).2);
    // An edit in place, at the same length: read afresh.
    let text = std::fs::read_to_string(&journal).unwrap().replacen("\"completed\":true", "\"completed\":fals", 1);
    let file = std::fs::OpenOptions::new().write(true).open(&journal).unwrap();
    file.write_all_at(text.as_bytes(), 0).unwrap();
    let (_, problems, again) = digested(&journal, &cache, &rules);
    assert!(again && problems.iter().any(|p| p.line == 1), "{problems:?}");
    // The digest's rest (what counting more needs) damaged: seen when more is counted.
    assert!(!digested(&journal, &cache, &rules).2);
    let mut data = std::fs::read(&cache).unwrap();
    let rest = 24 + u64::from_le_bytes(data[16..24].try_into().unwrap()) as usize;
    data[rest + 20] ^= 1;
    std::fs::write(&cache, &data).unwrap();
    assert!(!digested(&journal, &cache, &rules).2, "the table reads no rest");
    append(&journal, &format!("{}\n", session("s30", 28)));
    assert!(digested(&journal, &cache, &rules).2, "counted afresh");
    assert!(!digested(&journal, &cache, &rules).2);
}

/// A cache file that is damaged, foreign, a FIFO or a link is not read:
/// the journal is read in full and the cache written anew in its place.
#[test]
fn a_cache_that_is_no_cache_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let cache = file_for(&dir.path().join("cache"), &journal);
    let slots = crate::journal::slots::defaults();
    let four = chrono::NaiveTime::from_hms_opt(4, 0, 0).unwrap();
    let rules = Rules { day_starts: four, cramp_day_starts: four, slots: &slots, routine: None };
    std::fs::write(&journal, format!("{}\n", session("s1", 1))).unwrap();
    digested(&journal, &cache, &rules);
    let good = std::fs::read(&cache).unwrap();
    let mut flipped = good.clone();
    flipped[30] ^= 1;
    let target = dir.path().join("elsewhere.bin");
    std::fs::write(&target, &good).unwrap();
    let fifo = || assert!(std::process::Command::new("mkfifo").arg(&cache).status().unwrap().success());
    let link = || std::os::unix::fs::symlink(&target, &cache).unwrap();
    type Make<'a> = Box<dyn Fn() + 'a>;
    let cases: Vec<(&str, Make)> = vec![
        ("damaged", Box::new(|| std::fs::write(&cache, &flipped).unwrap())),
        ("foreign", Box::new(|| std::fs::write(&cache, b"\x7fELF not a cache at all").unwrap())),
        ("another version", Box::new(|| std::fs::write(&cache, [b"stretch\x03", &good[8..]].concat()).unwrap())),
        ("a FIFO", Box::new(fifo)),
        ("a link", Box::new(link)),
    ];
    for (what, make) in cases {
        std::fs::remove_file(&cache).unwrap();
        make();
        assert!(digested(&journal, &cache, &rules).2, "{what}: read afresh");
        let meta = std::fs::symlink_metadata(&cache).unwrap();
        assert!(meta.is_file(), "{what}: replaced by a cache file");
        assert!(!digested(&journal, &cache, &rules).2, "{what}: then read from it");
    }
    assert_eq!(std::fs::read(&target).unwrap(), good, "a link's target is never written");
    // Damaged records are seen when the records are read, and read afresh.
    let mut damaged = std::fs::read(&cache).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    std::fs::write(&cache, &damaged).unwrap();
    let loaded = crate::journal::load(&journal).unwrap();
    assert_eq!(reading(&loaded, &cache), loaded.reading());
    let (file, _, rest_at) = read_cache(&cache).unwrap();
    assert!(read_records(&file, rest_at).is_some(), "the cache written anew");
}
