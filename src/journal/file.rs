//! The journal: one JSON record per line, appended whole, under a lock, and
//! synced before success is reported. Reading never rewrites it, and a line
//! that cannot be used (torn by a crash, corrupt, or from a future version) is
//! reported as a [`Problem`] while every other record is still read.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The first night stretch keeps: anything earlier is a typo (`0026-11-26`)
/// that would otherwise make every night since then a row of output.
pub const FIRST_NIGHT: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();

/// The schema version written in every record's `v`.
pub const SCHEMA: u32 = 1;

/// How a session came about (`--source` takes the first two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A person, by hand
    Terminal,
    /// A scheduled job
    Cron,
    /// Entered afterwards, without the timer
    #[value(skip)]
    Entered,
}

/// One stretching session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7), so merged journals never collide.
    pub id: String,
    /// Routine name.
    pub routine: String,
    /// When the routine began, with the local UTC offset.
    #[serde(with = "rfc3339")]
    pub started: DateTime<FixedOffset>,
    /// When it completed or was stopped.
    #[serde(with = "rfc3339")]
    pub ended: DateTime<FixedOffset>,
    /// Reps planned.
    pub reps_planned: u32,
    /// Reps whose every hold finished.
    pub reps_done: u32,
    /// Time spent holding, in milliseconds (paused time excluded).
    pub hold_ms: u64,
    /// Whether the routine reached its end.
    pub completed: bool,
    /// How the session came about.
    pub source: Source,
    /// How the cues were heard.
    pub audio: AudioUsed,
    /// Time spent paused, in milliseconds.
    #[serde(default)]
    pub paused_ms: u64,
    /// The `id` of the cramp this session relieved (`stretch cramp --relieve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cramp: Option<String>,
}

/// How the cues reached the person, as recorded in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioUsed {
    /// The cue track played on the output device.
    Device,
    /// No device: the terminal bell rang at each cue.
    Bell,
    /// No device and no terminal: no cues were heard.
    None,
    /// Sounds were turned off (`--sounds off`).
    Off,
}

/// Which leg a cramp struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    /// The left leg
    Left,
    /// The right leg
    Right,
    /// Both legs
    Both,
}

/// A cramp that woke someone, recorded by `stretch cramp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cramp {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7).
    pub id: String,
    /// When it happened, with the local UTC offset.
    #[serde(with = "rfc3339")]
    pub at: DateTime<FixedOffset>,
    /// Which leg.
    pub leg: Leg,
    /// How bad, 1 (mild) to 5 (worst).
    pub severity: u8,
    /// The person's own words, if any.
    pub note: Option<String>,
}

/// Times as RFC 3339 with milliseconds and an explicit offset (`+01:00`, never
/// `Z`), so each record shows the local time and offset of the night it was.
pub mod rfc3339 {
    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use serde::{Deserializer, Serializer};

    /// Writes `2026-11-26T22:30:00.000+01:00`.
    pub fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, false))
    }

    /// Reads any RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        d.deserialize_str(Rfc3339)
    }

    /// Parses the text where it lies, without copying it: journals are long.
    struct Rfc3339;

    impl serde::de::Visitor<'_> for Rfc3339 {
        type Value = DateTime<FixedOffset>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an RFC 3339 time like 2026-11-26T22:30:00.000+01:00")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            DateTime::parse_from_rfc3339(text).map_err(E::custom)
        }
    }
}

/// Any journal record, told apart by its `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// A stretching session.
    Session(Session),
    /// A cramp.
    Cramp(Cramp),
}

/// A new record id: a UUID v7, which sorts by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Record {
    /// The record as one line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("records always serialize")
    }

    /// The session, if this record is one.
    pub fn as_session(&self) -> Option<&Session> {
        match self {
            Record::Session(s) => Some(s),
            Record::Cramp(_) => None,
        }
    }

    /// The cramp, if this record is one.
    pub fn as_cramp(&self) -> Option<&Cramp> {
        match self {
            Record::Cramp(c) => Some(c),
            Record::Session(_) => None,
        }
    }

    /// When it happened: a session's start, a cramp's moment.
    pub fn at(&self) -> &DateTime<FixedOffset> {
        match self {
            Record::Session(s) => &s.started,
            Record::Cramp(c) => &c.at,
        }
    }

    /// The record's unique id.
    pub fn id(&self) -> &str {
        match self {
            Record::Session(s) => &s.id,
            Record::Cramp(c) => &c.id,
        }
    }

    /// The record's schema version.
    pub fn version(&self) -> u32 {
        match self {
            Record::Session(s) => s.v,
            Record::Cramp(c) => c.v,
        }
    }
}

impl Session {
    /// Whether this session was relief for a cramp (`stretch cramp --relieve`):
    /// a stretch of its own kind, which never counts as the night's stretch.
    pub fn is_relief(&self) -> bool {
        self.cramp.is_some()
    }

    /// What is wrong with a session no timer could have written, if anything.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.routine.trim().is_empty() {
            return Err("the routine name is empty".into());
        }
        if self.ended < self.started {
            return Err(format!("it ended ({}) before it started ({})", self.ended, self.started));
        }
        if self.reps_done > self.reps_planned {
            return Err(format!("{} reps done of {} planned", self.reps_done, self.reps_planned));
        }
        Ok(())
    }
}

impl Cramp {
    /// What is wrong with a cramp record `stretch cramp` could not have written.
    fn validate(&self) -> std::result::Result<(), String> {
        if !(1..=5).contains(&self.severity) {
            return Err(format!("severity {} is not between 1 and 5", self.severity));
        }
        Ok(())
    }
}

impl Record {
    /// What is wrong with a record stretch could not have written, if anything:
    /// checked before `stretch log add` writes one, and by `stretch log --check`.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.version() != SCHEMA {
            return Err(format!("unknown version v={} (this stretch reads v={SCHEMA})", self.version()));
        }
        if self.id().trim().is_empty() {
            return Err("the id is empty".into());
        }
        if self.at().date_naive() < FIRST_NIGHT {
            return Err(format!("it is dated {}, before {}", self.at(), FIRST_NIGHT));
        }
        match self {
            Record::Session(s) => s.validate(),
            Record::Cramp(c) => c.validate(),
        }
    }
}

/// A journal line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number in the journal.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// What was read from a journal: every usable record (a [`Record`], or a
/// [`Stored`] one with its line), and every unusable line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading<R = Record> {
    /// Usable records, in journal order.
    pub records: Vec<R>,
    /// Lines that were skipped, and why.
    pub problems: Vec<Problem>,
}

impl<R> Default for Reading<R> {
    fn default() -> Self {
        Reading { records: Vec::new(), problems: Vec::new() }
    }
}

/// A usable record with the line it came from, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// 1-based line number in the journal.
    pub line: usize,
    /// The record.
    pub record: Record,
    /// Its line of JSON as stored (without the newline): exports and merges
    /// pass it on unchanged, including fields this version does not know.
    pub text: String,
}

/// Reads a journal. A missing journal is empty; an unusable line is a
/// [`Problem`], not an error. The file is never modified.
pub fn read(path: &Path) -> Result<Reading> {
    let stored = read_stored(path)?;
    Ok(Reading { records: stored.records.into_iter().map(|s| s.record).collect(), problems: stored.problems })
}

/// Like [`read`], keeping each record's stored line.
pub fn read_stored(path: &Path) -> Result<Reading<Stored>> {
    Ok(parse(&read_bytes(path)?))
}

/// The journal's bytes, for a reading that borrows from them; a missing
/// journal is empty. The file is never modified.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let fail = |e: io::Error| Error::io("read the journal", path, &e);
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(fail(e)),
    };
    // A shared lock waits out an append in progress, so its line is never
    // mistaken for a torn one.
    file.lock_shared().map_err(fail)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(fail)?;
    Ok(bytes)
}

/// Parses journal text, line by line.
pub fn parse(bytes: &[u8]) -> Reading<Stored> {
    let mut reading = Reading::default();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line) {
            Ok((record, text)) => reading.records.push(Stored { line: index + 1, record, text }),
            Err(message) => reading.problems.push(Problem { line: index + 1, message }),
        }
    }
    reading
}

pub(super) fn parse_line(line: &[u8]) -> std::result::Result<(Record, String), String> {
    let text = std::str::from_utf8(line).map_err(|_| "not valid UTF-8 (a corrupt line)".to_string())?;
    let text = text.trim_end_matches('\r');
    match serde_json::from_str::<Record>(text) {
        Ok(record) if record.version() == SCHEMA => Ok((record, text.to_string())),
        Ok(record) => Err(unknown_version(record.version())),
        Err(e) => Err(explain(text, &e)),
    }
}

fn unknown_version(v: impl std::fmt::Display) -> String {
    format!("unknown record version v={v} (this stretch reads v={SCHEMA}; a newer stretch wrote it)")
}

/// Why a line is not a record, in a person's words.
fn explain(text: &str, err: &serde_json::Error) -> String {
    if err.is_eof() {
        return "the line is cut short (torn by a crash while it was written)".into();
    }
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(text) {
        match fields.get("v") {
            Some(v) if v.as_u64() != Some(SCHEMA.into()) => return unknown_version(v),
            _ => {}
        }
        if let Some(kind) = fields.get("type").and_then(|t| t.as_str())
            && err.to_string().starts_with("unknown variant")
        {
            return format!("unknown record type {kind:?} (a newer stretch wrote it)");
        }
    }
    // serde's place is "line 1 column N" of this one line: only the column helps.
    format!("not a valid record: {}", err.to_string().replace(" at line 1 column ", " at column "))
}

/// Opens (creating it with mode 0600) the journal for appending.
fn open_for_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Checks, before a session starts, that its record will be writable.
pub fn check_writable(path: &Path) -> Result<()> {
    open_for_append(path).map(drop).map_err(|e| Error::io("open the journal", path, &e))
}

/// Appends records as whole lines, under an exclusive lock, then syncs; a
/// torn last line is ended first, so each record starts on a line of its own.
pub fn append(path: &Path, records: &[Record]) -> Result<()> {
    with_lock(path, |_| Ok(records.iter().map(Record::to_line).collect()))
}

/// How many records a merge added, and how many it skipped as already present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    /// Records appended.
    pub added: usize,
    /// Records whose id the journal already held (or that came twice).
    pub skipped: usize,
}

/// Appends the records whose id the journal does not hold yet, as stored.
/// The journal is read and appended under one lock, so two merges at once
/// cannot both add the same record.
pub fn merge(path: &Path, incoming: &[Stored]) -> Result<Merged> {
    let mut added = 0;
    with_lock(path, |file| {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| Error::io("read the journal", path, &e))?;
        let existing = parse(&bytes);
        let mut seen: std::collections::HashSet<&str> = existing.records.iter().map(|s| s.record.id()).collect();
        let fresh: Vec<String> =
            incoming.iter().filter(|s| seen.insert(s.record.id())).map(|s| s.text.clone()).collect();
        added = fresh.len();
        Ok(fresh)
    })?;
    Ok(Merged { added, skipped: incoming.len() - added })
}

/// Opens the journal under an exclusive lock, lets `lines_for` decide which
/// lines to add, and writes them in one synced write.
///
/// If the journal ends in a torn line (a crash mid-write), a newline is written
/// first, so the new record starts on a line of its own and stays readable.
fn with_lock(path: &Path, lines_for: impl FnOnce(&mut File) -> Result<Vec<String>>) -> Result<()> {
    let fail = |e: io::Error| Error::io("write the journal", path, &e);
    let mut file = open_for_append(path).map_err(fail)?;
    file.lock().map_err(fail)?;
    let lines = lines_for(&mut file)?;
    if lines.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    if ends_mid_line(&mut file).map_err(fail)? {
        text.push('\n');
    }
    for line in lines {
        text += &line;
        text.push('\n');
    }
    // One write: with O_APPEND and the lock, a line is never interleaved.
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_data().map_err(fail)
}

fn ends_mid_line(file: &mut File) -> io::Result<bool> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str) -> Record {
        let t = DateTime::parse_from_rfc3339("2026-11-26T22:30:00+01:00").unwrap();
        Record::Session(Session {
            v: SCHEMA,
            id: id.into(),
            routine: "wall-calf".into(),
            started: t,
            ended: t + chrono::Duration::seconds(58),
            reps_planned: 3,
            reps_done: 3,
            hold_ms: 30_000,
            completed: true,
            source: Source::Terminal,
            audio: AudioUsed::Device,
            paused_ms: 0,
            cramp: None,
        })
    }

    #[test]
    fn a_record_is_one_line_with_the_documented_fields() {
        let line = session("a").to_line();
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        for key in [
            "v",
            "id",
            "type",
            "routine",
            "started",
            "ended",
            "reps_planned",
            "reps_done",
            "hold_ms",
            "completed",
            "source",
            "audio",
        ] {
            assert!(value.get(key).is_some(), "{key} in {line}");
        }
        assert_eq!(value["type"], "session");
        assert_eq!(value["started"], "2026-11-26T22:30:00.000+01:00");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), session("a"));
    }

    #[test]
    fn appends_after_a_torn_line_start_on_a_fresh_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "{\"v\":1,\"id\":\"torn").unwrap();
        append(&path, &[session("b")]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(serde_json::from_str::<Record>(lines[1]).unwrap(), session("b"));
        assert!(text.ends_with('\n'));
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        append(&path, &[session("c")]).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn reading_skips_bad_lines_into_problems_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        assert!(read(&path).unwrap().records.is_empty());
        std::fs::write(&path, format!("{}\nnot json\n\n{}\n", session("e").to_line(), session("f").to_line())).unwrap();
        let reading = read(&path).unwrap();
        assert_eq!(reading.records, [session("e"), session("f")]);
        assert_eq!(reading.problems.len(), 1);
        assert_eq!(reading.problems[0].line, 2);
    }

    #[test]
    fn an_unwritable_journal_names_its_path() {
        let err = append(Path::new("/nonexistent/dir/journal.jsonl"), &[session("d")]).unwrap_err();
        assert_eq!(
            err.message,
            "could not write the journal /nonexistent/dir/journal.jsonl: No such file or directory"
        );
    }

    #[test]
    fn a_missing_journal_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        assert_eq!(read(&path).unwrap(), Reading::default());
        assert!(!path.exists(), "reading creates nothing");
    }

    #[test]
    fn unusable_lines_are_problems_and_the_rest_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let future = session("v2").to_line().replace("\"v\":1", "\"v\":2");
        let mut bytes = Vec::new();
        for line in [
            session("a").to_line(),
            "not json".into(),
            future,
            "{\"type\":\"mood\",\"v\":1}".into(),
            String::new(),
            session("b").to_line() + "\r",
        ] {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b"\xff\xfe\n");
        bytes.extend_from_slice(&session("torn").to_line().as_bytes()[..40]);
        std::fs::write(&path, &bytes).unwrap();
        let reading = read(&path).unwrap();
        let ids: Vec<_> = reading.records.iter().map(Record::id).collect();
        assert_eq!(ids, ["a", "b"]);
        let problems: Vec<_> =
            reading.problems.iter().map(|p| (p.line, p.message.split(' ').next().unwrap())).collect();
        assert_eq!(problems, [(2, "not"), (3, "unknown"), (4, "unknown"), (7, "not"), (8, "the")]);
        assert!(reading.problems[1].message.contains("v=2"), "{:?}", reading.problems[1]);
        assert!(reading.problems[4].message.contains("torn"), "{:?}", reading.problems[4]);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "reading never modifies the journal");
    }

    #[test]
    fn a_merge_adds_only_unknown_ids_and_keeps_lines_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        append(&path, &[session("a")]).unwrap();
        let laptop =
            [session("a").to_line(), session("b").to_line().replace("}", ",\"note\":\"x\"}"), session("b").to_line()];
        let incoming = parse(laptop.join("\n").as_bytes()).records;
        assert_eq!(merge(&path, &incoming).unwrap(), Merged { added: 1, skipped: 2 });
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().nth(1), Some(laptop[1].as_str()), "unknown fields survive a merge");
        assert_eq!(merge(&path, &incoming).unwrap(), Merged { added: 0, skipped: 3 });
        assert_eq!(read(&path).unwrap().records.len(), 2);
    }
}
