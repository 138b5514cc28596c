//! The journal: one JSON record per line, appended whole, under a lock, and
//! synced before success is reported. Reading never rewrites it, and a line
//! that cannot be used (torn by a crash, corrupt, or from a future version) is
//! reported as a [`Problem`] while every other record is still read.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::files;

/// The first night stretch keeps: anything earlier is a typo (`0026-11-26`)
/// that would otherwise make every night since then a row of output.
pub(crate) const FIRST_NIGHT: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();

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
    /// Whether a person was there: `false` for a scheduled session nobody
    /// answered (until a [`Confirm`] names it). Missing in records written
    /// before it existed, which means attended, as those records always meant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended: Option<bool>,
    /// The person answered "Skip" to the scheduled session: it was stopped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

/// A person's word, given afterwards, that they did a scheduled session
/// (`stretch log confirm`, or "Done" on the notification): appended, so the
/// session's own line is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirm {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7).
    pub id: String,
    /// The `id` of the session confirmed.
    pub session: String,
    /// When the confirmation was given.
    #[serde(with = "rfc3339")]
    pub at: DateTime<FixedOffset>,
}

/// Takes back a record made by mistake (`stretch log retract`): every view
/// leaves the named record out, and the journal keeps both lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retract {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7).
    pub id: String,
    /// The `id` of the record taken back.
    pub record: String,
    /// When it was taken back.
    #[serde(with = "rfc3339")]
    pub at: DateTime<FixedOffset>,
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
    /// The device went away during the session and did not come back: the
    /// cues after that were not heard.
    Lost,
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
pub(crate) mod rfc3339 {
    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use serde::{Deserializer, Serializer};

    /// Writes `2026-11-26T22:30:00.000+01:00`.
    pub(crate) fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, false))
    }

    /// Reads any RFC 3339 time.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
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
    /// A scheduled session confirmed afterwards.
    Confirm(Confirm),
    /// A record taken back.
    Retract(Retract),
}

/// A new record id: a UUID v7, which sorts by creation time.
pub(crate) fn new_id() -> String {
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
            _ => None,
        }
    }

    /// The cramp, if this record is one.
    pub fn as_cramp(&self) -> Option<&Cramp> {
        match self {
            Record::Cramp(c) => Some(c),
            _ => None,
        }
    }

    /// When it happened: a session's start, a cramp's moment.
    pub fn at(&self) -> &DateTime<FixedOffset> {
        match self {
            Record::Session(s) => &s.started,
            Record::Cramp(c) => &c.at,
            Record::Confirm(c) => &c.at,
            Record::Retract(r) => &r.at,
        }
    }

    /// The record's unique id.
    pub fn id(&self) -> &str {
        match self {
            Record::Session(s) => &s.id,
            Record::Cramp(c) => &c.id,
            Record::Confirm(c) => &c.id,
            Record::Retract(r) => &r.id,
        }
    }

    /// The record's schema version.
    pub fn version(&self) -> u32 {
        match self {
            Record::Session(s) => s.v,
            Record::Cramp(c) => c.v,
            Record::Confirm(c) => c.v,
            Record::Retract(r) => r.v,
        }
    }
}

impl Session {
    /// Whether this session was relief for a cramp (`stretch cramp --relieve`):
    /// a stretch of its own kind, which never counts as the night's stretch.
    pub fn is_relief(&self) -> bool {
        self.cramp.is_some()
    }

    /// Whether the record itself says a person was there; a record without
    /// the field (written before it existed) counts as it always did.
    pub fn attended_as_written(&self) -> bool {
        self.attended.unwrap_or(true)
    }

    /// What is wrong with a session no timer could have written, if anything.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.routine.trim().is_empty() {
            return Err("the routine name is empty".into());
        }
        if self.ended < self.started {
            return Err(format!("it ended ({}) before it started ({})", self.ended, self.started));
        }
        let length = self.ended - self.started;
        if length > chrono::Duration::days(1) {
            return Err(format!("it lasted {} hours; no session lasts more than a day", length.num_hours()));
        }
        let reps = crate::routine::limits::REPS;
        if !reps.contains(&self.reps_planned) {
            return Err(format!(
                "reps_planned is {}; a routine has {} to {} reps",
                self.reps_planned,
                reps.start(),
                reps.end()
            ));
        }
        if self.reps_done > self.reps_planned {
            return Err(format!("{} reps done of {} planned", self.reps_done, self.reps_planned));
        }
        if self.completed && self.reps_done < self.reps_planned {
            return Err(format!("it is marked completed with {} of {} reps done", self.reps_done, self.reps_planned));
        }
        // A second's grace: the clock that timed the holds is not the one that dated the record.
        let held = chrono::Duration::milliseconds(i64::try_from(self.hold_ms).unwrap_or(i64::MAX));
        if held > length + chrono::Duration::seconds(1) {
            return Err(format!("it held for {}s in a session of {}s", held.num_seconds(), length.num_seconds()));
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
    /// What is wrong with a record stretch could not have written, if anything,
    /// `now` being the present: checked before `stretch log add` writes one,
    /// for every record `stretch log import` would add, and by `stretch log --check`.
    pub fn validate(&self, now: &DateTime<FixedOffset>) -> std::result::Result<(), String> {
        if self.version() != SCHEMA {
            return Err(format!("unknown version v={} (this stretch reads v={SCHEMA})", self.version()));
        }
        if self.id().trim().is_empty() {
            return Err("the id is empty".into());
        }
        if self.at().date_naive() < FIRST_NIGHT {
            return Err(format!("it is dated {}, before {}", self.at(), FIRST_NIGHT));
        }
        if *self.at() > *now + chrono::Duration::days(1) {
            return Err(format!("it is dated {}, more than a day after now ({now})", self.at()));
        }
        match self {
            Record::Session(s) => s.validate(),
            Record::Cramp(c) => c.validate(),
            Record::Confirm(c) if c.session.trim().is_empty() => Err("the confirmed session's id is empty".into()),
            Record::Retract(r) if r.record.trim().is_empty() => Err("the retracted record's id is empty".into()),
            Record::Confirm(_) | Record::Retract(_) => Ok(()),
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
pub(crate) fn read(path: &Path) -> Result<Reading> {
    let stored = read_stored(path)?;
    Ok(Reading { records: stored.records.into_iter().map(|s| s.record).collect(), problems: stored.problems })
}

/// Like [`read`], keeping each record's stored line. The journal must be a
/// regular file of this user's that others cannot write (never a link); it is
/// streamed, and a line longer than [`files::MAX_TEXT`] is a [`Problem`].
pub(crate) fn read_stored(path: &Path) -> Result<Reading<Stored>> {
    read_checked(path, true)
}

/// Reads another journal to import: any regular file, read like the journal.
pub(crate) fn read_foreign(path: &Path) -> Result<Reading<Stored>> {
    read_checked(path, false)
}

fn read_checked(path: &Path, own: bool) -> Result<Reading<Stored>> {
    let (bytes, long) = read_bytes_checked(path, own)?;
    let mut reading = parse(&bytes);
    with_long_lines(&mut reading.problems, long);
    Ok(reading)
}

/// Adds the lines refused for their length to the other problems, in line order.
pub(crate) fn with_long_lines(problems: &mut Vec<Problem>, long: Vec<Problem>) {
    if !long.is_empty() {
        problems.extend(long);
        problems.sort_by_key(|p| p.line);
    }
}

/// The journal's bytes, for a reading that borrows from them, and the lines
/// refused for their length; a missing journal is empty. The file is never
/// modified.
pub(crate) fn read_bytes(path: &Path) -> Result<(Vec<u8>, Vec<Problem>)> {
    read_bytes_checked(path, true)
}

fn read_bytes_checked(path: &Path, own: bool) -> Result<(Vec<u8>, Vec<Problem>)> {
    let doing = if own { "read the journal" } else { "read" };
    let fail = |e: io::Error| Error::io(doing, path, &e);
    let opened =
        if own { files::open_no_follow(path, OpenOptions::new().read(true)) } else { files::open_to_read(path) };
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound && own => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(fail(e)),
    };
    if own {
        files::check_owner_and_mode(path, &file.metadata().map_err(fail)?, "journal")?;
    }
    // A shared lock waits out an append in progress, so its line is never
    // mistaken for a torn one.
    file.lock_shared().map_err(fail)?;
    read_capped(file).map_err(fail)
}

/// The journal's bytes, line by line, without its byte-order mark; a line over
/// [`files::MAX_TEXT`] is left empty (keeping the line numbers) and reported,
/// so no line is ever held whole in memory beyond the limit.
fn read_capped(file: File) -> io::Result<(Vec<u8>, Vec<Problem>)> {
    let mut reader = io::BufReader::new(file);
    let (mut bytes, mut long, mut line) = (Vec::new(), Vec::new(), 0);
    loop {
        line += 1;
        let start = bytes.len();
        let read = (&mut reader).take(files::MAX_TEXT + 1).read_until(b'\n', &mut bytes)?;
        if read == 0 {
            break;
        }
        if line == 1 && bytes.starts_with(BOM) {
            bytes.drain(..BOM.len());
        }
        if bytes.len() - start > files::MAX_TEXT as usize && bytes.last() != Some(&b'\n') {
            bytes.truncate(start);
            loop {
                let buf = reader.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                let (used, done) = match buf.iter().position(|&b| b == b'\n') {
                    Some(at) => (at + 1, true),
                    None => (buf.len(), false),
                };
                reader.consume(used);
                if done {
                    break;
                }
            }
            bytes.push(b'\n');
            long.push(Problem {
                line,
                message: format!(
                    "the line is longer than {}, the limit for one record (not something stretch wrote)",
                    files::MAX_TEXT_WORDS
                ),
            });
        }
    }
    Ok((bytes, long))
}

/// The UTF-8 byte-order mark some editors put first, as in `config.toml`.
const BOM: &[u8] = b"\xef\xbb\xbf";

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
        match fields.get("type").and_then(|t| t.as_str()) {
            Some(kind @ ("session" | "cramp" | "confirm" | "retract")) => {
                if let Some(why) = bad_field(kind, text) {
                    return why;
                }
            }
            Some(kind) if err.to_string().starts_with("unknown variant") => {
                return format!("unknown record type {kind:?} (a newer stretch wrote it)");
            }
            _ => {}
        }
    }
    // serde's place is "line 1 column N" of this one line: only the column helps.
    format!("not a valid record: {}", err.to_string().replace(" at line 1 column ", " at column "))
}

/// Which field of a known record is wrong, and how: read as its own kind, a
/// record's error has a column, and the key before it names the field.
fn bad_field(kind: &str, text: &str) -> Option<String> {
    let err = match kind {
        "session" => serde_json::from_str::<Session>(text).err()?,
        "confirm" => serde_json::from_str::<Confirm>(text).err()?,
        "retract" => serde_json::from_str::<Retract>(text).err()?,
        _ => serde_json::from_str::<Cramp>(text).err()?,
    };
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    if message.starts_with("missing field") {
        return Some(format!("not a valid {kind} record: {message}"));
    }
    let message = plain(message);
    let before = text.get(..err.column().min(text.len()))?;
    let key = before.rmatch_indices("\":").find_map(|(at, _)| {
        let start = before[..at].rfind('"')?;
        Some(&before[start + 1..at])
    })?;
    Some(format!("not a valid {kind} record: field {key:?}: {message}"))
}

/// serde's words for a wrong value, as a person reads them: `"laptop" is
/// not one of tonight, manual` rather than `unknown variant`, and no `u64`.
fn plain(message: &str) -> String {
    let message = message.replace('`', "");
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (found, names) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let names = names.trim_start_matches("one of ").replace(" or ", ", ");
        return format!("{found:?} is not one of {names}");
    }
    let rest = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "));
    let Some((found, expected)) = rest.and_then(|r| r.split_once(", expected ")) else { return message };
    let expected = match expected {
        "u8" | "u16" | "u32" | "u64" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" => "a whole number",
        "a string" => "text in double quotes",
        other => other,
    };
    let found = match found.split_once(' ') {
        Some(("string", text)) => format!("the text {text}"),
        Some((_, value)) => value.trim_start_matches("point ").to_string(),
        None => found.to_string(),
    };
    format!("must be {expected} (got {found})")
}

/// Opens (creating it with mode 0600) the journal for appending: never
/// through a link, never a FIFO or device, never one another user owns or can
/// write.
fn open_for_append(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true).mode(0o600);
    let file = files::open_no_follow(path, &mut options).map_err(|e| Error::io("write the journal", path, &e))?;
    let meta = file.metadata().map_err(|e| Error::io("write the journal", path, &e))?;
    files::check_owner_and_mode(path, &meta, "journal")?;
    Ok(file)
}

/// Checks, before a session starts, that its record will be writable.
pub(crate) fn check_writable(path: &Path) -> Result<()> {
    open_for_append(path).map(drop)
}

/// Appends records as whole lines, under an exclusive lock, then syncs; a
/// torn last line is ended first, so each record starts on a line of its own.
pub(crate) fn append(path: &Path, records: &[Record]) -> Result<()> {
    with_lock(path, |_| Ok(records.iter().map(Record::to_line).collect()))
}

/// How many records a merge added, and how many it skipped as already present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Merged {
    /// Records appended.
    pub added: usize,
    /// Records whose id the journal already held (or that came twice).
    pub skipped: usize,
}

/// Appends the records whose id the journal does not hold yet, as stored.
/// The journal is read and appended under one lock, so two merges at once
/// cannot both add the same record.
pub(crate) fn merge(path: &Path, incoming: &[Stored]) -> Result<Merged> {
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
/// first, so the new record starts on a line of its own and stays readable. If
/// the write or the sync fails (a full disk, a quota, a size limit), the
/// journal is cut back to its length before, still under the lock, so no
/// fragment is left behind.
fn with_lock(path: &Path, lines_for: impl FnOnce(&mut File) -> Result<Vec<String>>) -> Result<()> {
    let fail = |e: io::Error| Error::io("write the journal", path, &e);
    ignore_file_size_signal();
    let mut file = open_for_append(path)?;
    files::lock_within(&file, files::LOCK_WAIT).map_err(fail)?;
    let lines = lines_for(&mut file)?;
    if lines.is_empty() {
        return Ok(());
    }
    let before = file.seek(SeekFrom::End(0)).map_err(fail)?;
    let mut text = String::new();
    if ends_mid_line(&mut file).map_err(fail)? {
        text.push('\n');
    }
    for line in lines {
        text += &line;
        text.push('\n');
    }
    // One write: with O_APPEND and the lock, a line is never interleaved.
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_data());
    written.map_err(|e| match roll_back(&file, before) {
        Ok(()) => fail(e),
        Err(undo) => Error::failure(format!(
            "{}; cutting it back to its earlier {before} bytes also failed ({}): `stretch log --check` shows the damage",
            fail(e).message,
            crate::error::io_cause(&undo)
        )),
    })
}

/// Past a file size limit (`ulimit -f`) the kernel kills the writer with
/// SIGXFSZ before it can undo a part-written line; with a handler installed
/// the write fails with EFBIG instead, and the append is rolled back.
fn ignore_file_size_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = signal_hook::flag::register(
            signal_hook::consts::SIGXFSZ,
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        );
    });
}

/// Cuts the journal back to `len` bytes, as it was before a failed append.
fn roll_back(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)?;
    file.sync_all()
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
            attended: Some(true),
            skipped: false,
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
    fn a_wrong_field_is_named_in_plain_words() {
        let line = session("a").to_line();
        let laptop = line.replace("\"source\":\"terminal\"", "\"source\":\"laptop\"");
        let why = explain(&laptop, &serde_json::from_str::<Record>(&laptop).unwrap_err());
        assert!(
            why.starts_with("not a valid session record: field \"source\": \"laptop\" is not one of terminal"),
            "{why}"
        );
        let negative = line.replace("\"hold_ms\":30000", "\"hold_ms\":-1");
        let why = explain(&negative, &serde_json::from_str::<Record>(&negative).unwrap_err());
        assert_eq!(why, "not a valid session record: field \"hold_ms\": must be a whole number, 0 or more (got -1)");
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
