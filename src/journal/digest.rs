//! What `stretch log`'s table and `--json` read of the journal, kept in the
//! cache of its reading ([`super::cache`]) so that a run checks the journal's
//! bytes but neither parses nor counts its records again: the one tally
//! ([`Tally::of`]) under the rules it was counted by, and each standing
//! session and cramp ([`Ledger::of`]) with where its line is.
//!
//! Lines appended since are counted onto it only when nothing in them can
//! change what an earlier line says: no id seen before (so no repeat), no
//! retraction or confirmation of an earlier record, and no id an earlier
//! retraction or confirmation named. Ids are compared by a 64-bit hash: a
//! match (a true one, or a collision) sends the run to the full reading,
//! so a collision costs time, never a wrong count. Anything else is counted
//! afresh from every record.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, Timelike};

use super::codec::{Reader, Writer};
use super::ledger::{Entry, Ledger, Presence};
use super::nights::Night;
use super::read::Stored;
use super::record::Record;
use super::tally::{Rules, Tally};

/// A standing session or cramp: where its line is, and what the views read
/// of it without parsing the line again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Standing {
    /// 1-based line number in the journal.
    pub(crate) line: usize,
    /// Where its line starts and ends in the journal's bytes.
    pub(crate) span: (usize, usize),
    /// A session and who was there, or `None` for a cramp.
    pub(crate) session: Option<Presence>,
    /// When the session started or the cramp struck.
    pub(crate) at: DateTime<FixedOffset>,
    /// Whether it holds a note (or, for a cramp, how long it lasted): the
    /// table's notes parse such lines again.
    pub(crate) noted: bool,
}

/// The tally and the standing records of a journal, under one set of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digest {
    rules: RulesKey,
    /// [`Tally::of`] the journal under those rules.
    pub(crate) tally: Tally,
    /// The standing sessions and cramps, in journal order.
    pub(crate) standing: Vec<Standing>,
    /// How many usable records the journal holds (standing or not).
    pub(crate) records: usize,
    /// The latest moment any record is dated (a session's start, a cramp's,
    /// a mark's), for the warning about records dated after now.
    pub(crate) latest: Option<DateTime<FixedOffset>>,
    /// Hashes of every record's id, sorted.
    ids: Vec<u64>,
    /// Hashes of every id a retraction or confirmation names, sorted.
    marked: Vec<u64>,
    /// Whether the hashes and the tally's filled slots are here: a digest
    /// read from the cache holds them only once [`Digest::read_rest`] read
    /// them, which only counting more lines needs.
    whole: bool,
}

/// What of [`Rules`] the tally depends on; a digest is kept only for rules
/// that count every routine (`--routine` reads the records).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RulesKey {
    day_starts: NaiveTime,
    cramp_day_starts: NaiveTime,
    slots: Vec<(NaiveTime, Option<NaiveTime>)>,
}

impl RulesKey {
    fn of(rules: &Rules) -> Option<RulesKey> {
        rules.routine.is_none().then(|| RulesKey {
            day_starts: rules.day_starts,
            cramp_day_starts: rules.cramp_day_starts,
            slots: rules.slots.iter().map(|s| (s.start, s.end)).collect(),
        })
    }
}

fn hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// Where `text` starts in `bytes` (it is a slice of them).
pub(super) fn offset(text: &str, bytes: &[u8]) -> usize {
    text.as_ptr() as usize - bytes.as_ptr() as usize
}

impl Digest {
    /// The digest of `records` (read from `bytes`) under `rules`; `None`
    /// when the rules count one routine only.
    pub(crate) fn of(records: &[Stored], bytes: &[u8], rules: &Rules) -> Option<Digest> {
        let ledger = Ledger::of(records);
        let mut digest = Digest {
            rules: RulesKey::of(rules)?,
            tally: Tally::of(&ledger, rules),
            standing: Vec::with_capacity(ledger.entries.len()),
            records: 0,
            latest: None,
            ids: Vec::with_capacity(records.len()),
            marked: Vec::new(),
            whole: true,
        };
        digest.note(records, &ledger, bytes);
        Some(digest)
    }

    /// What the views read of the digest, to compare one read from the
    /// cache (without its rest) with one counted afresh.
    #[cfg(test)]
    pub(crate) fn shown(&self) -> impl PartialEq + std::fmt::Debug + '_ {
        (&self.tally.nights, self.tally.first, &self.standing, self.records, self.latest, self.counted_by_key())
    }

    #[cfg(test)]
    fn counted_by_key(&self) -> &RulesKey {
        &self.rules
    }

    /// Whether this digest was counted by `rules`.
    pub(crate) fn counted_by(&self, rules: &Rules) -> bool {
        RulesKey::of(rules).is_some_and(|key| key == self.rules)
    }

    /// Counts `appended` (records read from `bytes` after those of this
    /// digest) onto it, if nothing in them changes what an earlier line
    /// says; returns whether it did (if not, the digest is as it was).
    pub(crate) fn extend(&mut self, appended: &[Stored], bytes: &[u8], rules: &Rules) -> bool {
        if appended.is_empty() {
            return self.counted_by(rules);
        }
        let known = |id: &str| self.ids.binary_search(&hash(id)).is_ok();
        let safe = self.whole
            && self.counted_by(rules)
            && appended.iter().all(|s| {
                let id = hash(s.record.id());
                let names_earlier = match &s.record {
                    Record::Retract(r) => known(&r.record),
                    Record::Confirm(c) => known(&c.session),
                    Record::Session(_) | Record::Cramp(_) => false,
                };
                !names_earlier && self.ids.binary_search(&id).is_err() && self.marked.binary_search(&id).is_err()
            });
        if !safe {
            return false;
        }
        let ledger = Ledger::of(appended);
        self.tally.count(&ledger, rules);
        self.note(appended, &ledger, bytes);
        true
    }

    /// Adds what the views read of `records` and their `ledger`.
    fn note(&mut self, records: &[Stored], ledger: &Ledger, bytes: &[u8]) {
        for (index, entry) in &ledger.entries {
            let stored = &records[*index];
            let start = offset(stored.text, bytes);
            let (session, at, noted) = match *entry {
                Entry::Session(s, presence) => (Some(presence), s.started, s.note.is_some()),
                Entry::Cramp(c) => (None, c.at, c.note.is_some() || c.lasted_ms.is_some()),
            };
            let span = (start, start + stored.text.len());
            self.standing.push(Standing { line: stored.line, span, session, at, noted });
        }
        for stored in records {
            let record = &stored.record;
            self.ids.push(hash(record.id()));
            match record {
                Record::Retract(r) => self.marked.push(hash(&r.record)),
                Record::Confirm(c) => self.marked.push(hash(&c.session)),
                Record::Session(_) | Record::Cramp(_) => {}
            }
            let at = *record.at();
            self.latest = Some(self.latest.map_or(at, |latest| latest.max(at)));
        }
        self.records += records.len();
        self.ids.sort_unstable();
        self.marked.sort_unstable();
    }

    /// Writes the digest in the cache's layout, but for what
    /// [`Digest::write_rest`] writes.
    pub(super) fn write(&self, w: &mut Writer) {
        w.time_of_day(self.rules.day_starts);
        w.time_of_day(self.rules.cramp_day_starts);
        w.u64(self.rules.slots.len() as u64);
        for (start, end) in &self.rules.slots {
            w.time_of_day(*start);
            w.u8(end.is_some().into());
            w.time_of_day(end.unwrap_or(NaiveTime::MIN));
        }
        let tally = &self.tally;
        w.opt_date(tally.first);
        w.u64(tally.nights.len() as u64);
        for night in tally.nights.values() {
            w.date(night.night);
            for n in [night.completed, night.partial, night.cramps, night.unattended, night.slots, night.answered] {
                w.u64(n.into());
            }
            w.u64(night.hold_ms);
            w.opt_time(night.first_completed.as_ref());
            w.opt_time(night.last_cramp.as_ref());
        }
        w.u64(self.standing.len() as u64);
        for s in &self.standing {
            w.u64(s.line as u64);
            w.u64(s.span.0 as u64);
            w.u64(s.span.1 as u64);
            w.u8(match s.session {
                None => 0,
                Some(Presence::Attended) => 1,
                Some(Presence::Confirmed) => 2,
                Some(Presence::Answered) => 3,
                Some(Presence::Alone) => 4,
            });
            w.time(&s.at);
            w.u8(s.noted.into());
        }
        w.u64(self.records as u64);
        w.opt_time(self.latest.as_ref());
    }

    /// Writes what [`Digest::read_rest`] reads; `None` unless the digest is whole.
    pub(super) fn write_rest(&self, w: &mut Writer) -> Option<()> {
        self.whole.then_some(())?;
        w.u64(self.tally.slot_done.len() as u64);
        for ((date, slot), at) in &self.tally.slot_done {
            w.date(*date);
            w.u64(*slot as u64);
            w.time(at);
        }
        for hashes in [&self.ids, &self.marked] {
            w.u64(hashes.len() as u64);
            for h in hashes {
                w.u64(*h);
            }
        }
        Some(())
    }

    /// Reads a digest written by [`Digest::write`]; its spans must lie in
    /// `len` bytes.
    pub(super) fn read(r: &mut Reader, len: usize) -> Option<Digest> {
        let (day_starts, cramp_day_starts) = (r.time_of_day()?, r.time_of_day()?);
        let count = r.len()?;
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let (start, bounded, end) = (r.time_of_day()?, r.bool()?, r.time_of_day()?);
            slots.push((start, bounded.then_some(end)));
        }
        let first = r.opt_date()?;
        let count = r.len()?;
        let mut nights = Vec::with_capacity(count);
        for _ in 0..count {
            let night = r.date()?;
            let mut n = [0u32; 6];
            for slot in &mut n {
                *slot = r.u32()?;
            }
            let [completed, partial, cramps, unattended, slots, answered] = n;
            let (hold_ms, first_completed, last_cramp) = (r.u64()?, r.opt_time()?, r.opt_time()?);
            let night = Night {
                night,
                completed,
                partial,
                hold_ms,
                cramps,
                first_completed,
                last_cramp,
                unattended,
                slots,
                answered,
            };
            nights.push((night.night, night));
        }
        let count = r.len()?;
        let mut standing = Vec::with_capacity(count);
        for _ in 0..count {
            let (line, start, end) = (r.len()?, r.len()?, r.len()?);
            (start <= end && end <= len).then_some(())?;
            let session = match r.u8()? {
                0 => None,
                1 => Some(Presence::Attended),
                2 => Some(Presence::Confirmed),
                3 => Some(Presence::Answered),
                4 => Some(Presence::Alone),
                _ => return None,
            };
            standing.push(Standing { line, span: (start, end), session, at: r.time()?, noted: r.bool()? });
        }
        let (records, latest) = (r.len()?, r.opt_time()?);
        Some(Digest {
            rules: RulesKey { day_starts, cramp_day_starts, slots },
            tally: Tally { nights: nights.into_iter().collect(), first, slot_done: Default::default() },
            standing,
            records,
            latest,
            ids: Vec::new(),
            marked: Vec::new(),
            whole: false,
        })
    }

    /// Reads what [`Digest::write_rest`] wrote, making the digest whole.
    pub(super) fn read_rest(&mut self, r: &mut Reader) -> Option<()> {
        let count = r.len()?;
        let mut slot_done = Vec::with_capacity(count.min(r.data.len()));
        for _ in 0..count {
            slot_done.push(((r.date()?, r.len()?), r.time()?));
        }
        let mut hashes = [Vec::new(), Vec::new()];
        for list in &mut hashes {
            let count = r.len()?;
            list.reserve(count.min(r.data.len()));
            for _ in 0..count {
                list.push(r.u64()?);
            }
            list.is_sorted().then_some(())?;
        }
        (r.at == r.data.len()).then_some(())?;
        [self.ids, self.marked] = hashes;
        self.tally.slot_done = slot_done.into_iter().collect();
        self.whole = true;
        Some(())
    }
}

impl Writer {
    fn time_of_day(&mut self, t: NaiveTime) {
        self.u64(u64::from(t.num_seconds_from_midnight()) * 1_000_000_000 + u64::from(t.nanosecond()));
    }

    fn date(&mut self, d: NaiveDate) {
        self.i64(d.signed_duration_since(NaiveDate::MIN).num_days());
    }

    fn opt_date(&mut self, d: Option<NaiveDate>) {
        self.u8(d.is_some().into());
        self.date(d.unwrap_or(NaiveDate::MIN));
    }

    fn opt_time(&mut self, t: Option<&DateTime<FixedOffset>>) {
        match t {
            Some(t) => {
                self.u8(1);
                self.time(t);
            }
            None => self.u8(0),
        }
    }
}

impl Reader<'_> {
    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    fn time_of_day(&mut self) -> Option<NaiveTime> {
        let nanos = self.u64()?;
        let secs = u32::try_from(nanos / 1_000_000_000).ok()?;
        NaiveTime::from_num_seconds_from_midnight_opt(secs, (nanos % 1_000_000_000) as u32)
    }

    fn date(&mut self) -> Option<NaiveDate> {
        NaiveDate::MIN.checked_add_days(Days::new(u64::try_from(self.i64()?).ok()?))
    }

    fn opt_date(&mut self) -> Option<Option<NaiveDate>> {
        let some = self.bool()?;
        let date = self.date()?;
        Some(some.then_some(date))
    }

    fn opt_time(&mut self) -> Option<Option<DateTime<FixedOffset>>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.time()?)),
            _ => None,
        }
    }
}
