//! What the journal says once each record is read in the light of the
//! others, decided here and nowhere else: a repeated id counts once (its
//! first occurrence, ids compared as read, so another JSON spelling of the
//! same id is the same record), a retracted record is left out, and a
//! confirmation makes its session attended. Retractions and confirmations
//! are appended records, so the journal is never rewritten.

use std::collections::HashSet;

use super::record::{Cramp, Record, Session};

/// Who was there for a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// The record says a person was there (or predates the field).
    Attended,
    /// The record says nobody was, but a confirmation says a person was.
    Confirmed,
    /// A person answered the notification with Skip or Snooze: there, and
    /// said not now. Neither stretched nor played alone.
    Answered,
    /// A scheduled session nobody showed they were at: it played alone.
    Alone,
}

impl Presence {
    /// Whether the session counts as a person's: attended or confirmed.
    pub(crate) fn attended(self) -> bool {
        matches!(self, Presence::Attended | Presence::Confirmed)
    }
}

/// A session or cramp that stands: first of its id, not retracted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entry<'r> {
    /// A session, with who was there.
    Session(&'r Session, Presence),
    /// A cramp.
    Cramp(&'r Cramp),
}

/// The journal's standing records, with the marks that decided them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger<'r> {
    /// Each standing session or cramp with its index in the records given,
    /// in journal order.
    pub(crate) entries: Vec<(usize, Entry<'r>)>,
    retracted: HashSet<&'r str>,
    confirmed: HashSet<&'r str>,
}

impl<'r> Ledger<'r> {
    /// Reads every record in the light of the others. Retractions are
    /// gathered first, so a confirmation taken back confirms nothing,
    /// whichever line comes first.
    pub(crate) fn of<R: AsRef<Record>>(records: &'r [R]) -> Self {
        let mut seen = HashSet::with_capacity(records.len());
        let first: Vec<bool> = records.iter().map(|r| seen.insert(r.as_ref().id())).collect();
        let kept = || records.iter().map(AsRef::as_ref).zip(&first).filter(|(_, first)| **first).map(|(r, _)| r);
        let mut ledger = Ledger::default();
        for record in kept() {
            if let Record::Retract(r) = record {
                ledger.retracted.insert(&r.record);
            }
        }
        for record in kept() {
            if let Record::Confirm(c) = record
                && !ledger.retracted.contains(c.id.as_str())
            {
                ledger.confirmed.insert(&c.session);
            }
        }
        for (index, record) in records.iter().map(AsRef::as_ref).enumerate() {
            if !first[index] || ledger.retracted.contains(record.id()) {
                continue;
            }
            match record {
                Record::Session(s) => ledger.entries.push((index, Entry::Session(s, ledger.presence(s)))),
                Record::Cramp(c) => ledger.entries.push((index, Entry::Cramp(c))),
                Record::Confirm(_) | Record::Retract(_) => {}
            }
        }
        ledger
    }

    /// Whether the record with this id was taken back.
    pub(crate) fn retracted(&self, id: &str) -> bool {
        self.retracted.contains(id)
    }

    /// Who was there for `session`: as its record says, unless a
    /// confirmation says a person was.
    pub(crate) fn presence(&self, session: &Session) -> Presence {
        if session.attended_as_written() {
            Presence::Attended
        } else if self.confirmed.contains(session.id.as_str()) {
            Presence::Confirmed
        } else if session.skipped {
            Presence::Answered
        } else {
            Presence::Alone
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lines: &[&str]) -> Vec<Record> {
        lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    const AT: &str = r#""at":"2026-11-27T08:00:00.000+01:00""#;

    fn session(id: &str, attended: bool, skipped: bool) -> String {
        format!(
            r#"{{"type":"session","v":1,"id":"{id}","routine":"w","started":"2026-11-26T22:30:00.000+01:00","ended":"2026-11-26T22:31:00.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":90000,"completed":true,"source":"cron","audio":"device","attended":{attended},"skipped":{skipped}}}"#
        )
    }

    #[test]
    fn marks_apply_once_wherever_they_lie() {
        let lines = [
            format!(r#"{{"type":"confirm","v":1,"id":"k2","session":"s2",{AT}}}"#),
            session("s1", false, false),
            session("s2", false, false),
            session("s3", false, true),
            format!(r#"{{"type":"confirm","v":1,"id":"k1","session":"s1",{AT}}}"#),
            format!(r#"{{"type":"retract","v":1,"id":"r1","record":"k2",{AT}}}"#),
            // The same id spelt with an escape, and spaces: the same record, kept once.
            session("\\u0073\\u0031", true, false).replace(",\"", ", \""),
        ];
        let records = parse(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let ledger = Ledger::of(&records);
        let presences: Vec<_> = ledger
            .entries
            .iter()
            .map(|(i, e)| match e {
                Entry::Session(s, p) => (*i, s.id.as_str(), *p),
                Entry::Cramp(_) => unreachable!(),
            })
            .collect();
        assert_eq!(
            presences,
            [(1, "s1", Presence::Confirmed), (2, "s2", Presence::Alone), (3, "s3", Presence::Answered)],
            "the confirmation of s2 was taken back; the repeat of s1 is left out"
        );
        assert!(ledger.retracted("k2") && !ledger.retracted("s1"));
    }
}
