//! The quickest reading of a journal line: one pass over a record exactly as
//! stretch writes it (fields in their written order, no spaces, ASCII text
//! without escapes, times as `2026-11-26T22:30:00.000+01:00`).
//!
//! It accepts nothing but that shape, in which every value is checked as the
//! full reading checks it, so whatever it accepts is a record the full reading
//! accepts too. Any other line returns `None` and is read the slower way.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use super::brief::{Fact, SessionFact};
use super::file::SCHEMA;

/// The facts of a line in the written shape, or `None`.
pub(super) fn scan(line: &[u8]) -> Option<Fact<'_>> {
    let mut c = Cursor { bytes: line, at: 0 };
    let fact = if c.eat(br#"{"type":"session","v":"#) {
        session(&mut c)?
    } else if c.eat(br#"{"type":"cramp","v":"#) {
        cramp(&mut c)?
    } else {
        return None;
    };
    (c.at == line.len()).then_some(fact)
}

/// The fields of a [`Session`](super::Session) after `"v":`, in written order.
fn session<'a>(c: &mut Cursor<'a>) -> Option<Fact<'a>> {
    c.version()?;
    c.key(br#","id":""#)?;
    let id = c.text()?;
    c.key(br#","routine":""#)?;
    let routine = c.text()?;
    c.key(br#","started":""#)?;
    let started = c.time()?;
    c.key(br#","ended":""#)?;
    c.time()?;
    c.key(br#","reps_planned":"#)?;
    c.number(u32::MAX.into())?;
    c.key(br#","reps_done":"#)?;
    c.number(u32::MAX.into())?;
    c.key(br#","hold_ms":"#)?;
    let hold_ms = c.number(u64::MAX)?;
    c.key(br#","completed":"#)?;
    let completed = c.boolean()?;
    c.key(br#","source":""#)?;
    c.word(&[b"terminal", b"cron", b"entered"])?;
    c.key(br#","audio":""#)?;
    c.word(&[b"device", b"bell", b"none", b"off", b"lost"])?;
    c.key(br#","paused_ms":"#)?;
    c.number(u64::MAX)?;
    let relief = c.eat(br#","cramp":""#);
    if relief {
        c.text()?;
    }
    let attended = if c.eat(br#","attended":"#) { c.boolean()? } else { true };
    if c.eat(br#","skipped":"#) {
        c.boolean()?;
    }
    c.key(b"}")?;
    let id = id.into();
    Some(Fact::Session(SessionFact { id, routine: routine.into(), started, completed, hold_ms, relief, attended }))
}

/// The fields of a [`Cramp`](super::Cramp) after `"v":`, in written order.
fn cramp<'a>(c: &mut Cursor<'a>) -> Option<Fact<'a>> {
    c.version()?;
    c.key(br#","id":""#)?;
    let id = c.text()?;
    c.key(br#","at":""#)?;
    let at = c.time()?;
    c.key(br#","leg":""#)?;
    c.word(&[b"left", b"right", b"both"])?;
    c.key(br#","severity":"#)?;
    c.number(u8::MAX.into())?;
    c.key(br#","note":"#)?;
    if !c.eat(b"null") {
        c.key(b"\"")?;
        c.text()?;
    }
    c.key(b"}")?;
    Some(Fact::Cramp { id: id.into(), at })
}

/// A position in one line.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// Steps over `expected` if the line goes on with it.
    fn eat(&mut self, expected: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(expected);
        if found {
            self.at += expected.len();
        }
        found
    }

    /// Like [`Self::eat`], for what must come next.
    fn key(&mut self, expected: &[u8]) -> Option<()> {
        self.eat(expected).then_some(())
    }

    /// The rest of a string after its opening quote, up to its closing quote:
    /// printable ASCII only, so there is no escape to undo and no byte JSON
    /// refuses.
    fn text(&mut self) -> Option<&'a str> {
        let rest = &self.bytes[self.at..];
        let end = rest.iter().position(|&b| !(b' '..=b'~').contains(&b) || b == b'"' || b == b'\\')?;
        (rest[end] == b'"').then_some(())?;
        self.at += end + 1;
        std::str::from_utf8(&rest[..end]).ok()
    }

    /// One of `words`, then the closing quote.
    fn word(&mut self, words: &[&[u8]]) -> Option<()> {
        let found = words.iter().find(|w| self.bytes[self.at..].starts_with(w))?;
        self.at += found.len();
        self.key(b"\"")
    }

    /// A JSON number as serde reads an unsigned integer of at most `max`:
    /// digits, no leading zero, no fraction or exponent.
    fn number(&mut self, max: u64) -> Option<u64> {
        let rest = &self.bytes[self.at..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || (digits > 1 && rest[0] == b'0') || digits > 20 {
            return None;
        }
        if matches!(rest.get(digits), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let mut value: u64 = 0;
        for &b in &rest[..digits] {
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        self.at += digits;
        (value <= max).then_some(value)
    }

    /// The version, which must be this stretch's.
    fn version(&mut self) -> Option<()> {
        (self.number(u32::MAX.into())? == u64::from(SCHEMA)).then_some(())
    }

    fn boolean(&mut self) -> Option<bool> {
        if self.eat(b"true") {
            Some(true)
        } else if self.eat(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// A time as stretch writes it, `2026-11-26T22:30:00.000+01:00`, then the
    /// closing quote. Only values that RFC 3339 parsing also accepts pass.
    fn time(&mut self) -> Option<DateTime<FixedOffset>> {
        let t = self.bytes.get(self.at..self.at + 30)?;
        let shape = b"dddd-dd-ddTdd:dd:dd.ddd+dd:dd\"";
        let fits = t.iter().zip(shape).all(|(&b, &s)| match s {
            b'd' => b.is_ascii_digit(),
            b'+' => b == b'+' || b == b'-',
            _ => b == s,
        });
        if !fits {
            return None;
        }
        let n = |from: usize, len: usize| t[from..from + len].iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
        let date = NaiveDate::from_ymd_opt(i32::try_from(n(0, 4)).ok()?, n(5, 2), n(8, 2))?;
        let time = NaiveTime::from_hms_milli_opt(n(11, 2), n(14, 2), n(17, 2), n(20, 3))?;
        let (hours, minutes) = (n(24, 2), n(27, 2));
        if hours > 23 || minutes > 59 || n(0, 4) < 1000 {
            return None;
        }
        let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
        let offset = FixedOffset::east_opt(if t[23] == b'-' { -seconds } else { seconds })?;
        let at = date.and_time(time).and_local_timezone(offset).single()?;
        self.at += 30;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::file::parse_line;

    const SESSION: &str = r#"{"type":"session","v":1,"id":"0190-a","routine":"wall-calf","started":"2026-11-26T22:30:00.000+01:00","ended":"2026-11-26T22:30:58.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":30000,"completed":true,"source":"terminal","audio":"device","paused_ms":0}"#;
    const CRAMP: &str = r#"{"type":"cramp","v":1,"id":"0190-b","at":"2026-11-27T03:10:00.000-05:00","leg":"left","severity":3,"note":null}"#;

    #[test]
    fn the_written_shape_is_read() {
        let Some(Fact::Session(s)) = scan(SESSION.as_bytes()) else { panic!("a session") };
        assert_eq!(s.started, DateTime::parse_from_rfc3339("2026-11-26T22:30:00+01:00").unwrap());
        assert_eq!((s.routine.as_ref(), s.completed, s.hold_ms, s.relief), ("wall-calf", true, 30_000, false));
        let relief = SESSION.replace("\"paused_ms\":0}", "\"paused_ms\":0,\"cramp\":\"0190-b\"}");
        assert!(matches!(scan(relief.as_bytes()), Some(Fact::Session(SessionFact { relief: true, .. }))));
        let alone = SESSION.replace("\"paused_ms\":0}", "\"paused_ms\":0,\"attended\":false}");
        assert!(matches!(scan(alone.as_bytes()), Some(Fact::Session(SessionFact { attended: false, .. }))));
        assert!(matches!(scan(SESSION.as_bytes()), Some(Fact::Session(SessionFact { attended: true, .. }))));
        for audio in ["bell", "none", "off", "lost"] {
            let line = SESSION.replace("\"audio\":\"device\"", &format!("\"audio\":\"{audio}\""));
            assert!(parse_line(line.as_bytes()).is_ok(), "{line}");
            assert!(scan(line.as_bytes()).is_some(), "{line}");
        }
        let at = DateTime::parse_from_rfc3339("2026-11-27T03:10:00-05:00").unwrap();
        let cramp = Some(Fact::Cramp { id: "0190-b".into(), at });
        assert_eq!(scan(CRAMP.as_bytes()), cramp);
        let noted = CRAMP.replace("null", "\"woke at 3\"");
        assert_eq!(scan(noted.as_bytes()), cramp);
    }

    /// Every change here leaves the quick reading to the full one; those the
    /// full reading accepts must give the same facts through it.
    #[test]
    fn anything_else_is_left_to_the_full_reading() {
        let changes: &[(&str, &str)] = &[
            ("\"v\":1", "\"v\":2"),
            ("\"v\":1", "\"v\":01"),
            ("\"reps_done\":3", "\"reps_done\":3.0"),
            ("\"reps_done\":3", "\"reps_done\":4294967296"),
            ("\"hold_ms\":30000", "\"hold_ms\":-1"),
            ("wall-calf", "wall\\\"calf"),
            ("wall-calf", "wall\tcalf"),
            ("wall-calf", "Wadendehnung-\u{fc}"),
            ("terminal", "phone"),
            ("true", "True"),
            ("22:30:00.000", "22:30:00"),
            ("22:30:00.000", "24:30:00.000"),
            ("2026-11-26T22", "2026-02-30T22"),
            ("+01:00\",\"ended", "Z\",\"ended"),
            (",\"paused_ms\":0", ""),
            ("{\"type\":\"session\",", "{ \"type\":\"session\","),
            ("}", "} "),
            ("}", ",\"note\":\"x\"}"),
            ("}", ",\"attended\":null}"),
            ("}", ",\"skipped\":true,\"attended\":false}"),
        ];
        for (from, to) in changes {
            let line = SESSION.replacen(from, to, 1);
            assert_eq!(scan(line.as_bytes()), None, "{line}");
        }
        assert_eq!(scan(CRAMP.replace("3,", "256,").as_bytes()), None);
        assert!(parse_line(SESSION.as_bytes()).is_ok());
        assert!(parse_line(CRAMP.as_bytes()).is_ok());
    }
}
