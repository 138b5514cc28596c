//! What the later records say about the earlier ones: which records were
//! taken back (retractions) and which scheduled sessions a person confirmed.
//! Both are appended records, so every view first gathers them here and then
//! reads each session and cramp in their light; the journal is never rewritten.

use std::collections::HashSet;

use super::brief::{Brief, Fact};
use super::file::Record;

/// The retractions and confirmations of one journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Standing {
    retracted: HashSet<String>,
    confirmed: HashSet<String>,
}

impl Standing {
    /// Gathers them from fully read records.
    pub(crate) fn of_records(records: &[Record]) -> Self {
        let marks = records.iter().filter_map(|r| match r {
            Record::Confirm(c) => Some(Mark::Confirm { id: &c.id, session: &c.session }),
            Record::Retract(r) => Some(Mark::Retract { record: &r.record }),
            _ => None,
        });
        Self::of(marks)
    }

    /// Gathers them from the brief reading.
    pub(crate) fn of_briefs<'a, 'b: 'a>(records: impl IntoIterator<Item = &'a Brief<'b>>) -> Self {
        let marks = records.into_iter().filter_map(|b| match &b.fact {
            Fact::Confirm { id, session } => Some(Mark::Confirm { id: id.as_ref(), session: session.as_ref() }),
            Fact::Retract { record } => Some(Mark::Retract { record: record.as_ref() }),
            _ => None,
        });
        Self::of(marks.collect::<Vec<_>>().into_iter())
    }

    /// Retractions first, so a confirmation taken back confirms nothing,
    /// whichever line comes first.
    fn of<'a>(marks: impl Iterator<Item = Mark<'a>> + Clone) -> Self {
        let mut standing = Standing::default();
        for mark in marks.clone() {
            if let Mark::Retract { record } = mark {
                standing.retracted.insert(record.to_string());
            }
        }
        for mark in marks {
            if let Mark::Confirm { id, session } = mark
                && !standing.retracted.contains(id)
            {
                standing.confirmed.insert(session.to_string());
            }
        }
        standing
    }

    /// Whether the record with this id was taken back.
    pub(crate) fn retracted(&self, id: &str) -> bool {
        self.retracted.contains(id)
    }

    /// Whether a person was there for the session `id`, whose record says
    /// `as_written`: it says so itself, or a confirmation names it.
    pub(crate) fn attended(&self, id: &str, as_written: bool) -> bool {
        as_written || self.confirmed.contains(id)
    }

    /// Whether a confirmation names the session `id`.
    pub(crate) fn confirmed(&self, id: &str) -> bool {
        self.confirmed.contains(id)
    }
}

/// One record that speaks of another.
#[derive(Debug, Clone, Copy)]
enum Mark<'a> {
    Confirm { id: &'a str, session: &'a str },
    Retract { record: &'a str },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retracted_confirmation_confirms_nothing_wherever_it_lies() {
        let marks = [
            Mark::Confirm { id: "k1", session: "s1" },
            Mark::Confirm { id: "k2", session: "s2" },
            Mark::Retract { record: "k2" },
            Mark::Retract { record: "c1" },
        ];
        let standing = Standing::of(marks.iter().copied());
        assert!(standing.attended("s1", false));
        assert!(!standing.attended("s2", false), "its confirmation was taken back");
        assert!(standing.attended("s3", true));
        assert!(standing.retracted("c1") && !standing.retracted("s1"));
    }
}
