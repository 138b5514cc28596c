//! A fast reading of the journal for `stretch log`: each line is read where it
//! lies in the file's bytes, keeping only what the nights need, so a long
//! journal costs about as much as reading it.
//!
//! A line is accepted here only if the full reading ([`super::parse`]) would
//! accept it too: every field a [`Record`](super::Record) requires is checked
//! for presence and type, both times are parsed, and the version must be
//! [`SCHEMA`]. Anything else (a bad line, or a record written with its `type`
//! elsewhere than first) is read again in full, so the records kept and the
//! problems reported are exactly those of [`super::parse`].

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use super::file::{Leg, Problem, Reading, SCHEMA, Source, parse_line};
use super::scan::scan;
use crate::journal::AudioUsed;

/// A usable record, reduced to what `stretch log` shows, borrowing its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief<'a> {
    /// 1-based line number in the journal.
    pub line: usize,
    /// The line as stored (without the newline), passed on as it is.
    pub text: &'a str,
    /// What the record says.
    pub fact: Fact<'a>,
}

/// What a record contributes to the nights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<'a> {
    /// A stretching session.
    Session(SessionFact<'a>),
    /// A cramp.
    Cramp {
        /// Its id, which a retraction names.
        id: Cow<'a, str>,
        /// When it struck.
        at: DateTime<FixedOffset>,
    },
    /// A scheduled session confirmed afterwards.
    Confirm {
        /// The confirmation's own id, which a retraction may name.
        id: Cow<'a, str>,
        /// The session confirmed.
        session: Cow<'a, str>,
    },
    /// A record taken back.
    Retract {
        /// The record taken back.
        record: Cow<'a, str>,
    },
}

/// The parts of a session the nights and filters use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFact<'a> {
    /// Its id, which confirmations and retractions name.
    pub id: Cow<'a, str>,
    /// Routine name (borrowed unless it held escapes).
    pub routine: Cow<'a, str>,
    /// When it began, with its own offset.
    pub started: DateTime<FixedOffset>,
    /// Whether the routine reached its end.
    pub completed: bool,
    /// Time spent holding, in milliseconds.
    pub hold_ms: u64,
    /// Whether it was relief for a cramp (never the night's stretch).
    pub relief: bool,
    /// Whether the record itself says a person was there (missing: yes).
    pub attended: bool,
}

/// Reads journal bytes like [`super::parse`], keeping brief records: first
/// by [`scan`], then, for a line of another shape, by serde into borrowed
/// fields, and last by the full reading, which also explains a bad line.
pub fn parse_brief(bytes: &[u8]) -> Reading<Brief<'_>> {
    let mut reading = Reading::default();
    for (line, number) in lines(bytes).zip(1..) {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let unended = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(fact) = scan(unended)
            && let Ok(text) = std::str::from_utf8(unended)
        {
            reading.records.push(Brief { line: number, text, fact });
        } else if let Some((text, fact)) = brief(line) {
            reading.records.push(Brief { line: number, text, fact });
        } else {
            match parse_line(line) {
                Ok((record, _)) => {
                    let text = trimmed(line).unwrap_or_default();
                    reading.records.push(Brief { line: number, text, fact: Fact::from_record(&record) });
                }
                Err(message) => reading.problems.push(Problem { line: number, message }),
            }
        }
    }
    reading
}

/// The lines of `bytes`, as `split` on `\n` gives them (the last one may be
/// empty), found a word at a time.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())).map(move |end| {
        let line = &bytes[start..end];
        start = end + 1;
        line
    })
}

/// The line as text without its `\r`, if it is UTF-8.
fn trimmed(line: &[u8]) -> Option<&str> {
    std::str::from_utf8(line).ok().map(|t| t.trim_end_matches('\r'))
}

/// The fast reading of one line; `None` sends it to the full reading.
fn brief(line: &[u8]) -> Option<(&str, Fact<'_>)> {
    let text = trimmed(line)?;
    let fact = if text.starts_with(r#"{"type":"session","#) {
        let s: SessionLine = serde_json::from_str(text).ok()?;
        (s.kind == "session" && s.v == SCHEMA).then_some(())?;
        let started = time(&s.started)?;
        time(&s.ended)?;
        Fact::Session(SessionFact {
            id: s.id,
            routine: s.routine,
            started,
            completed: s.completed,
            hold_ms: s.hold_ms,
            relief: s.cramp.is_some(),
            attended: s.attended.unwrap_or(true),
        })
    } else if text.starts_with(r#"{"type":"cramp","#) {
        let c: CrampLine = serde_json::from_str(text).ok()?;
        (c.kind == "cramp" && c.v == SCHEMA).then_some(())?;
        Fact::Cramp { at: time(&c.at)?, id: c.id }
    } else if text.starts_with(r#"{"type":"confirm","#) || text.starts_with(r#"{"type":"retract","#) {
        let m: MarkLine = serde_json::from_str(text).ok()?;
        (m.v == SCHEMA).then_some(())?;
        time(&m.at)?;
        match (m.kind.as_ref(), m.session, m.record) {
            ("confirm", Some(session), None) => Fact::Confirm { id: m.id, session },
            ("retract", None, Some(record)) => Fact::Retract { record },
            _ => return None,
        }
    } else {
        return None;
    };
    Some((text, fact))
}

/// An RFC 3339 time, as the full reading accepts it.
fn time(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

impl Fact<'static> {
    /// The facts of a fully read record.
    fn from_record(record: &super::Record) -> Self {
        match record {
            super::Record::Session(s) => Fact::Session(SessionFact {
                id: Cow::Owned(s.id.clone()),
                routine: Cow::Owned(s.routine.clone()),
                started: s.started,
                completed: s.completed,
                hold_ms: s.hold_ms,
                relief: s.is_relief(),
                attended: s.attended_as_written(),
            }),
            super::Record::Cramp(c) => Fact::Cramp { id: Cow::Owned(c.id.clone()), at: c.at },
            super::Record::Confirm(c) => {
                Fact::Confirm { id: Cow::Owned(c.id.clone()), session: Cow::Owned(c.session.clone()) }
            }
            super::Record::Retract(r) => Fact::Retract { record: Cow::Owned(r.record.clone()) },
        }
    }
}

/// Every field of a [`Session`](super::Session), with the same rules (required,
/// defaulted or optional), borrowed from the line. Fields the nights do not
/// use are still read, so a line the full reading refuses is never accepted.
/// An optional text with escapes fails as `&str`: the full reading takes it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct SessionLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    v: u32,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    routine: Cow<'a, str>,
    #[serde(borrow)]
    started: Cow<'a, str>,
    #[serde(borrow)]
    ended: Cow<'a, str>,
    reps_planned: u32,
    reps_done: u32,
    hold_ms: u64,
    completed: bool,
    source: Source,
    audio: AudioUsed,
    #[serde(default)]
    paused_ms: u64,
    #[serde(default)]
    cramp: Option<&'a str>,
    #[serde(default)]
    attended: Option<bool>,
    #[serde(default)]
    skipped: bool,
}

/// Every field of a [`Confirm`](super::Confirm) or a
/// [`Retract`](super::Retract), borrowed from the line.
#[derive(Deserialize)]
struct MarkLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    v: u32,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, borrow)]
    session: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    record: Option<Cow<'a, str>>,
    #[serde(borrow)]
    at: Cow<'a, str>,
}

/// Every field of a [`Cramp`](super::Cramp), borrowed from the line.
#[derive(Deserialize)]
#[allow(dead_code)]
struct CrampLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    v: u32,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    leg: Leg,
    severity: u8,
    #[serde(default)]
    note: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::file::parse;

    fn session(id: &str) -> String {
        format!(
            r#"{{"type":"session","v":1,"id":"{id}","routine":"wall-calf","started":"2026-11-26T22:30:00.000+01:00","ended":"2026-11-26T22:30:58.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":30000,"completed":true,"source":"terminal","audio":"device","paused_ms":0}}"#
        )
    }

    /// Lines of every kind: the written shape, other shapes of good records,
    /// and lines the full reading refuses for each of its reasons.
    fn journal() -> Vec<u8> {
        let cramp = r#"{"type":"cramp","v":1,"id":"c1","at":"2026-11-27T03:10:00.000+01:00","leg":"left","severity":3,"note":null}"#;
        let lines = [
            session("a"),
            session("b") + "\r",
            session("relief").replace("\"paused_ms\":0", "\"paused_ms\":0,\"cramp\":\"c1\""),
            cramp.to_string(),
            cramp.replace("null", "\"a \\\"bad\\\" one\""),
            session("reordered").replace(r#"{"type":"session","v":1,"#, r#"{"v":1,"type":"session","#),
            session("spaced").replace(",\"", ", \""),
            session("extra").replace("}", ",\"mood\":\"fine\"}"),
            session("escaped").replace("wall-calf", "wall\\u002dcalf"),
            session("unicode").replace("wall-calf", "Wadendehnung-\u{fc}"),
            session("zulu").replace("22:30:00.000+01:00", "21:30:00Z"),
            session("no-pause").replace(",\"paused_ms\":0", ""),
            session("null-pause").replace("\"paused_ms\":0", "\"paused_ms\":null"),
            session("null-cramp").replace("\"paused_ms\":0", "\"paused_ms\":0,\"cramp\":null"),
            session("unattended").replace("\"paused_ms\":0", "\"paused_ms\":0,\"attended\":false"),
            session("skipped").replace("\"paused_ms\":0", "\"paused_ms\":0,\"attended\":false,\"skipped\":true"),
            session("bad-attended").replace("\"paused_ms\":0", "\"paused_ms\":0,\"attended\":\"no\""),
            r#"{"type":"confirm","v":1,"id":"k1","session":"a","at":"2026-11-27T08:00:00.000+01:00"}"#.into(),
            r#"{"type":"retract","v":1,"id":"r1","record":"b","at":"2026-11-27T08:00:00.000+01:00"}"#.into(),
            r#"{"type":"retract","v":1,"id":"r2","at":"2026-11-27T08:00:00.000+01:00"}"#.into(),
            session("v2").replace("\"v\":1", "\"v\":2"),
            session("bad-source").replace("terminal", "phone"),
            session("no-end").replace(",\"ended\":\"2026-11-26T22:30:58.000+01:00\"", ""),
            session("bad-time").replace("22:30:58", "25:30:58"),
            session("twice").replace("\"paused_ms\":0", "\"paused_ms\":0,\"paused_ms\":1"),
            session("type-twice").replace("\"paused_ms\":0", "\"paused_ms\":0,\"type\":\"session\""),
            "{\"type\":\"mood\",\"v\":1}".into(),
            "not json".into(),
            "   ".into(),
            String::new(),
            session("torn")[..80].to_string(),
        ];
        let mut bytes = lines.join("\n").into_bytes();
        bytes.extend_from_slice(b"\n\xff\xfe\n");
        bytes
    }

    #[test]
    fn the_brief_reading_keeps_and_refuses_exactly_what_the_full_reading_does() {
        let bytes = journal();
        let (brief, full) = (parse_brief(&bytes), parse(&bytes));
        assert_eq!(brief.problems, full.problems);
        let expected: Vec<_> = full
            .records
            .iter()
            .map(|s| Brief { line: s.line, text: &s.text, fact: Fact::from_record(&s.record) })
            .collect();
        assert_eq!(brief.records, expected);
        assert!(expected.len() >= 10 && full.problems.len() >= 8, "both kinds are exercised");
    }
}
