//! The byte layout of the journal cache's fields (little-endian, fixed
//! widths, lengths before text): every field of every record is written and
//! read by destructuring, so a field added to a record does not compile
//! until it is cached too.

use chrono::{DateTime, FixedOffset};

use super::record::{AudioUsed, Confirm, Cramp, Leg, Record, Retract, Session, Source};

/// Bytes being written.
pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    pub(super) fn i64(&mut self, n: i64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    pub(super) fn u8(&mut self, n: u8) {
        self.0.push(n);
    }

    pub(super) fn str(&mut self, text: &str) {
        self.u64(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    pub(super) fn opt_str(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.u8(1);
                self.str(text);
            }
            None => self.u8(0),
        }
    }

    pub(super) fn opt_u64(&mut self, n: Option<u64>) {
        match n {
            Some(n) => {
                self.u8(1);
                self.u64(n);
            }
            None => self.u8(0),
        }
    }

    pub(super) fn time(&mut self, t: &DateTime<FixedOffset>) {
        self.i64(t.timestamp());
        self.u64(t.timestamp_subsec_nanos().into());
        self.i64(t.offset().local_minus_utc().into());
    }

    pub(super) fn record(&mut self, record: &Record) {
        match record {
            Record::Session(Session {
                v,
                id,
                routine,
                started,
                ended,
                reps_planned,
                reps_done,
                hold_ms,
                completed,
                source,
                audio,
                paused_ms,
                cramp,
                attended,
                skipped,
                note,
            }) => {
                self.u8(0);
                self.u64((*v).into());
                self.str(id);
                self.str(routine);
                self.time(started);
                self.time(ended);
                self.u64((*reps_planned).into());
                self.u64((*reps_done).into());
                self.u64(*hold_ms);
                self.u8((*completed).into());
                self.u8(match source {
                    Source::Terminal => 0,
                    Source::Cron => 1,
                    Source::Entered => 2,
                });
                self.u8(match audio {
                    AudioUsed::Device => 0,
                    AudioUsed::Bell => 1,
                    AudioUsed::None => 2,
                    AudioUsed::Off => 3,
                    AudioUsed::Lost => 4,
                });
                self.u64(*paused_ms);
                self.opt_str(cramp.as_deref());
                self.u8(match attended {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                });
                self.u8((*skipped).into());
                self.opt_str(note.as_deref());
            }
            Record::Cramp(Cramp { v, id, at, leg, severity, note, lasted_ms }) => {
                self.u8(1);
                self.u64((*v).into());
                self.str(id);
                self.time(at);
                self.u8(match leg {
                    Leg::Left => 0,
                    Leg::Right => 1,
                    Leg::Both => 2,
                });
                self.u8(*severity);
                self.opt_str(note.as_deref());
                self.opt_u64(*lasted_ms);
            }
            Record::Confirm(Confirm { v, id, session, at }) => {
                self.u8(2);
                self.u64((*v).into());
                self.str(id);
                self.str(session);
                self.time(at);
            }
            Record::Retract(Retract { v, id, record, at }) => {
                self.u8(3);
                self.u64((*v).into());
                self.str(id);
                self.str(record);
                self.time(at);
            }
        }
    }
}

/// Bytes being read, from `at`; every read is `None` past the end.
pub(super) struct Reader<'d> {
    pub(super) data: &'d [u8],
    pub(super) at: usize,
}

impl Reader<'_> {
    pub(super) fn take(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(bytes)
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(super) fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(super) fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }

    pub(super) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub(super) fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub(super) fn str(&mut self) -> Option<String> {
        let len = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }

    pub(super) fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }

    pub(super) fn opt_u64(&mut self) -> Option<Option<u64>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.u64()?)),
            _ => None,
        }
    }

    pub(super) fn time(&mut self) -> Option<DateTime<FixedOffset>> {
        let (secs, nanos, offset) = (self.i64()?, self.u64()?, self.i64()?);
        let offset = FixedOffset::east_opt(i32::try_from(offset).ok()?)?;
        Some(DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)?.with_timezone(&offset))
    }

    pub(super) fn record(&mut self) -> Option<Record> {
        Some(match self.u8()? {
            0 => Record::Session(Session {
                v: self.u32()?,
                id: self.str()?,
                routine: self.str()?,
                started: self.time()?,
                ended: self.time()?,
                reps_planned: self.u32()?,
                reps_done: self.u32()?,
                hold_ms: self.u64()?,
                completed: self.bool()?,
                source: match self.u8()? {
                    0 => Source::Terminal,
                    1 => Source::Cron,
                    2 => Source::Entered,
                    _ => return None,
                },
                audio: match self.u8()? {
                    0 => AudioUsed::Device,
                    1 => AudioUsed::Bell,
                    2 => AudioUsed::None,
                    3 => AudioUsed::Off,
                    4 => AudioUsed::Lost,
                    _ => return None,
                },
                paused_ms: self.u64()?,
                cramp: self.opt_str()?,
                attended: match self.u8()? {
                    0 => None,
                    1 => Some(false),
                    2 => Some(true),
                    _ => return None,
                },
                skipped: self.bool()?,
                note: self.opt_str()?,
            }),
            1 => Record::Cramp(Cramp {
                v: self.u32()?,
                id: self.str()?,
                at: self.time()?,
                leg: match self.u8()? {
                    0 => Leg::Left,
                    1 => Leg::Right,
                    2 => Leg::Both,
                    _ => return None,
                },
                severity: self.u8()?,
                note: self.opt_str()?,
                lasted_ms: self.opt_u64()?,
            }),
            2 => Record::Confirm(Confirm { v: self.u32()?, id: self.str()?, session: self.str()?, at: self.time()? }),
            3 => Record::Retract(Retract { v: self.u32()?, id: self.str()?, record: self.str()?, at: self.time()? }),
            _ => return None,
        })
    }
}
