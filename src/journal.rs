//! The journal: one JSON record per line, appended whole, under a lock, and
//! synced before success is reported. Reading never rewrites it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::audio::AudioUsed;
use crate::error::{Error, Result};

/// The schema version written in every record's `v`.
pub const SCHEMA: u32 = 1;

/// How a session came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Run by hand.
    Terminal,
    /// Started by a scheduled job.
    Cron,
    /// Entered afterwards, without the timer.
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

/// Which leg a cramp struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    /// The left leg.
    Left,
    /// The right leg.
    Right,
    /// Both legs.
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
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `2026-11-26T22:30:00.000+01:00`.
    pub fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, false))
    }

    /// Reads any RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)
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
}

/// What reading the journal found: the records, and the lines it could not read.
#[derive(Debug, Default)]
pub struct Reading {
    /// Every readable record, in file order.
    pub records: Vec<Record>,
    /// Each line that is not a record, and why.
    pub problems: Vec<Problem>,
}

/// A journal line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// Why it is not a record.
    pub message: String,
}

/// Reads the whole journal, tolerantly: a bad line becomes a [`Problem`] and
/// the others are still read. A missing journal is an empty one.
pub fn read(path: &Path) -> Result<Reading> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Reading::default()),
        Err(e) => return Err(Error::io("read the journal", path, &e)),
    };
    let mut reading = Reading::default();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(record) => reading.records.push(record),
            Err(e) => reading.problems.push(Problem { line: index + 1, message: e.to_string() }),
        }
    }
    Ok(reading)
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

/// Appends records as whole lines, under an exclusive lock, then syncs.
///
/// If the journal ends in a torn line (a crash mid-write), a newline is written
/// first, so the new record starts on a line of its own and stays readable.
pub fn append(path: &Path, records: &[Record]) -> Result<()> {
    let fail = |e: io::Error| Error::io("write the journal", path, &e);
    let mut file = open_for_append(path).map_err(fail)?;
    file.lock().map_err(fail)?;
    let mut text = String::new();
    if ends_mid_line(&mut file).map_err(fail)? {
        text.push('\n');
    }
    for record in records {
        text += &record.to_line();
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
}
