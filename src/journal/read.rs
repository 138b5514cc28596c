//! The one reader of the journal: bytes to [`Record`]s, line by line, for any
//! valid JSON spelling of a line (key order, spaces, escapes such as `\u0062`
//! in an id), so a journal edited by hand, imported from elsewhere or written
//! by another program reads exactly like one stretch wrote.
//!
//! Each line is read once, by serde, into [`Line`]: every field a record may
//! have, text borrowed from the line where it holds no escape. The line's
//! `type` then says which fields must be there. A line that cannot be used
//! (torn by a crash, corrupt, or from a future version) is a [`Problem`] that
//! says why in a person's words, and every other line is still read.

use std::borrow::Cow;

use chrono::DateTime;
use serde::{Deserialize, Deserializer};

use super::record::{AudioUsed, Confirm, Cramp, Leg, Record, Retract, SCHEMA, Session, Source};

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
pub struct Stored<'a> {
    /// 1-based line number in the journal.
    pub line: usize,
    /// The record.
    pub record: Record,
    /// Its line of JSON as stored (without the newline): exports and merges
    /// pass it on unchanged, including fields this version does not know.
    pub text: &'a str,
}

impl AsRef<Record> for Stored<'_> {
    fn as_ref(&self) -> &Record {
        &self.record
    }
}

impl AsRef<Record> for Record {
    fn as_ref(&self) -> &Record {
        self
    }
}

/// The UTF-8 byte-order mark some editors put first, as in `config.toml`.
pub(super) const BOM: &str = "\u{feff}";

/// Parses journal bytes, line by line. A byte-order mark is passed over at
/// the very start only; one further on is named in its line's problem.
pub fn parse(bytes: &[u8]) -> Reading<Stored<'_>> {
    parse_from(bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes), 0, 1)
}

/// Parses the lines of `bytes` from the offset `start` (the start of a line),
/// numbering them from `first_line`; each record's text borrows from `bytes`.
pub(crate) fn parse_from(bytes: &[u8], start: usize, first_line: usize) -> Reading<Stored<'_>> {
    let rest = &bytes[start.min(bytes.len())..];
    let mut reading = Reading { records: Vec::with_capacity(rest.len() / 256), problems: Vec::new() };
    for (line, number) in lines(rest).zip(first_line..) {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line) {
            Ok((record, text)) => reading.records.push(Stored { line: number, record, text }),
            Err(message) => reading.problems.push(Problem { line: number, message }),
        }
    }
    reading
}

/// The lines of `bytes`, as `split` on `\n` gives them, found a word at a time.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())).map(move |end| {
        let line = &bytes[start..end];
        start = end + 1;
        line
    })
}

/// One line (without its newline) as a record and its text, or why not.
pub(crate) fn parse_line(line: &[u8]) -> Result<(Record, &str), String> {
    let text = std::str::from_utf8(line).map_err(|_| "not valid UTF-8 (a corrupt line)".to_string())?;
    let text = text.trim_end_matches('\r');
    if text.trim_start().starts_with(BOM) {
        return Err("the line starts with a byte-order mark (the bytes EF BB BF), as when two journal files are \
                    joined into one: delete those three bytes (an editor shows them as U+FEFF) and the line reads"
            .into());
    }
    let line: Line = serde_json::from_str(text).map_err(|e| explain(text, &e))?;
    Ok((line.into_record()?, text))
}

impl<'de> Deserialize<'de> for Record {
    /// The same reading as the journal's: any JSON spelling of a record.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Line::deserialize(d)?.into_record().map_err(serde::de::Error::custom)
    }
}

/// Every field any record may have, each optional here: the record's `type`
/// decides which are required. Unknown fields are passed over (a newer
/// stretch may add some); a field given twice is an error, as serde makes it.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    v: Option<u64>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    routine: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    started: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ended: Option<Cow<'a, str>>,
    #[serde(default)]
    reps_planned: Option<u32>,
    #[serde(default)]
    reps_done: Option<u32>,
    #[serde(default)]
    hold_ms: Option<u64>,
    #[serde(default)]
    completed: Option<bool>,
    #[serde(default)]
    source: Option<Source>,
    #[serde(default)]
    audio: Option<AudioUsed>,
    #[serde(default)]
    paused_ms: Option<u64>,
    #[serde(borrow, default)]
    cramp: Option<Cow<'a, str>>,
    #[serde(default)]
    attended: Option<bool>,
    #[serde(default)]
    skipped: Option<bool>,
    #[serde(borrow, default)]
    session: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    record: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    at: Option<Cow<'a, str>>,
    #[serde(default)]
    leg: Option<Leg>,
    #[serde(default)]
    severity: Option<u8>,
    #[serde(borrow, default)]
    note: Option<Cow<'a, str>>,
    #[serde(default)]
    lasted_ms: Option<u64>,
}

impl Line<'_> {
    /// The record this line is, by its `type` and `v`, or why it is none.
    fn into_record(self) -> Result<Record, String> {
        let kind = match self.kind.as_deref() {
            Some(kind @ ("session" | "cramp" | "confirm" | "retract")) => kind,
            Some(other) => {
                if let Some(v) = self.v.filter(|v| *v != u64::from(SCHEMA)) {
                    return Err(unknown_version(v));
                }
                return Err(format!("unknown record type {other:?} (a newer stretch wrote it)"));
            }
            None => return Err("not a valid record: missing field `type`".into()),
        };
        let missing = |name: &str| format!("not a valid {kind} record: missing field `{name}`");
        let v = self.v.ok_or_else(|| missing("v"))?;
        if v != u64::from(SCHEMA) {
            return Err(unknown_version(v));
        }
        let text = |value: Option<Cow<str>>, name: &str| value.map(Cow::into_owned).ok_or_else(|| missing(name));
        let time = |value: Option<Cow<str>>, name: &str| {
            let value = value.ok_or_else(|| missing(name))?;
            DateTime::parse_from_rfc3339(&value)
                .map_err(|e| format!("not a valid {kind} record: field {name:?}: {e} (got {value:?})"))
        };
        let id = text(self.id, "id")?;
        let v = SCHEMA;
        Ok(match kind {
            "session" => Record::Session(Session {
                v,
                id,
                routine: text(self.routine, "routine")?,
                started: time(self.started, "started")?,
                ended: time(self.ended, "ended")?,
                reps_planned: self.reps_planned.ok_or_else(|| missing("reps_planned"))?,
                reps_done: self.reps_done.ok_or_else(|| missing("reps_done"))?,
                hold_ms: self.hold_ms.ok_or_else(|| missing("hold_ms"))?,
                completed: self.completed.ok_or_else(|| missing("completed"))?,
                source: self.source.ok_or_else(|| missing("source"))?,
                audio: self.audio.ok_or_else(|| missing("audio"))?,
                paused_ms: self.paused_ms.unwrap_or(0),
                cramp: self.cramp.map(Cow::into_owned),
                attended: self.attended,
                skipped: self.skipped.unwrap_or(false),
                note: self.note.map(Cow::into_owned),
            }),
            "cramp" => Record::Cramp(Cramp {
                v,
                id,
                at: time(self.at, "at")?,
                leg: self.leg.ok_or_else(|| missing("leg"))?,
                severity: self.severity.ok_or_else(|| missing("severity"))?,
                note: self.note.map(Cow::into_owned),
                lasted_ms: self.lasted_ms,
            }),
            "confirm" => {
                Record::Confirm(Confirm { v, id, session: text(self.session, "session")?, at: time(self.at, "at")? })
            }
            _ => Record::Retract(Retract { v, id, record: text(self.record, "record")?, at: time(self.at, "at")? }),
        })
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
                if let Some(why) = bad_field(kind, text, err) {
                    return why;
                }
            }
            Some(kind) => return format!("unknown record type {kind:?} (a newer stretch wrote it)"),
            _ => {}
        }
    }
    // serde's place is "line 1 column N" of this one line: only the column helps.
    format!("not a valid record: {}", err.to_string().replace(" at line 1 column ", " at column "))
}

/// Which field of a known record is wrong, and how: serde's error has a
/// column, and the key before it names the field.
fn bad_field(kind: &str, text: &str, err: &serde_json::Error) -> Option<String> {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    let message = plain(message);
    let before = text.get(..err.column().min(text.len()))?;
    // The key is the last string followed by a colon before the column.
    let key = before.rmatch_indices(':').find_map(|(colon, _)| {
        let head = before[..colon].trim_end().strip_suffix('"')?;
        let start = head.rfind('"')?;
        Some(&head[start + 1..])
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
        "a boolean" => "true or false",
        other => other,
    };
    let found = match found.split_once(' ') {
        Some(("string", text)) => format!("the text {text}"),
        Some((_, value)) => value.trim_start_matches("point ").to_string(),
        None => found.to_string(),
    };
    format!("must be {expected} (got {found})")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = r#"{"type":"session","v":1,"id":"a","routine":"wall-calf","started":"2026-11-26T22:30:00.000+01:00","ended":"2026-11-26T22:30:58.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":30000,"completed":true,"source":"terminal","audio":"device","paused_ms":0}"#;

    fn session(id: &str) -> String {
        SESSION.replace("\"id\":\"a\"", &format!("\"id\":\"{id}\""))
    }

    #[test]
    fn a_wrong_field_is_named_in_plain_words() {
        let line = session("a");
        let laptop = line.replace("\"source\":\"terminal\"", "\"source\":\"laptop\"");
        let why = parse_line(laptop.as_bytes()).unwrap_err();
        assert!(
            why.starts_with("not a valid session record: field \"source\": \"laptop\" is not one of terminal"),
            "{why}"
        );
        let negative = line.replace("\"hold_ms\":30000", "\"hold_ms\":-1");
        let why = parse_line(negative.as_bytes()).unwrap_err();
        assert_eq!(why, "not a valid session record: field \"hold_ms\": must be a whole number, 0 or more (got -1)");
    }

    /// Any JSON spelling of a record reads as the same record: key order,
    /// spaces, escapes, and fields a newer stretch may add.
    #[test]
    fn every_spelling_of_a_record_reads_alike() {
        let (written, _) = parse_line(SESSION.as_bytes()).unwrap();
        let spellings = [
            SESSION.replace(r#"{"type":"session","v":1,"#, r#"{"v":1,"type":"session","#),
            SESSION.replace(",\"", ", \"").replace("\":", "\": "),
            format!("  {}  \r", SESSION.replace("{", "{\n").replace("\n", " ")),
            SESSION.replace("\"id\":\"a\"", "\"id\":\"\\u0061\"").replace("wall-calf", "wall\\u002dcalf"),
            SESSION.replace("}", ",\"mood\":{\"a\":[1,2]}}"),
            SESSION.replace("22:30:00.000+01:00", "21:30:00Z").replace("22:30:58.000+01:00", "22:30:58+01:00"),
        ];
        for line in spellings {
            let (record, _) = parse_line(line.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(record.id(), written.id(), "{line}");
            assert_eq!(record.as_session().unwrap().routine, "wall-calf", "{line}");
            assert_eq!(record.at().timestamp(), written.at().timestamp(), "{line}");
        }
    }

    #[test]
    fn lines_no_timer_wrote_are_problems_that_say_why() {
        let cases = [
            (SESSION.replace("\"v\":1", "\"v\":2"), "unknown record version v=2"),
            (SESSION.replace(",\"ended\":\"2026-11-26T22:30:58.000+01:00\"", ""), "missing field `ended`"),
            (SESSION.replace("22:30:58", "25:30:58"), "field \"ended\""),
            (SESSION.replace("\"paused_ms\":0", "\"paused_ms\":0,\"paused_ms\":1"), "duplicate field"),
            (
                SESSION.replace("\"completed\":true", "\"completed\" : \"yes\""),
                "field \"completed\": must be true or false",
            ),
            ("{\"type\":\"mood\",\"v\":1}".into(), "unknown record type \"mood\""),
            (format!("\u{feff}{SESSION}"), "byte-order mark"),
            (SESSION[..80].to_string(), "cut short"),
        ];
        for (line, why) in cases {
            let message = parse_line(line.as_bytes()).unwrap_err();
            assert!(message.contains(why), "{line}: {message}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_passed_over_at_the_start_only() {
        let two_files = format!("\u{feff}{}\n\u{feff}{}\n", session("a"), session("b"));
        let reading = parse(two_files.as_bytes());
        assert_eq!(reading.records.len(), 1);
        assert_eq!(reading.problems.len(), 1);
        assert_eq!(reading.problems[0].line, 2);
        assert!(reading.problems[0].message.contains("byte-order mark"), "{:?}", reading.problems);
    }
}
