//! Confirming and retracting: the records that speak of other records,
//! appended after checking, against the ledger, what the named record is and
//! whether the mark would change anything. `stretch log confirm`, `stretch
//! log retract` and the notification's "Done" all come here. Ids from the
//! journal are quoted with `{:?}`, which escapes control characters, so no
//! escape sequence in an id reaches the terminal.

use chrono::{DateTime, FixedOffset};

use super::ledger::Ledger;
use super::record::{Confirm, Record, Retract, SCHEMA, new_id};
use super::store::{append, read};
use crate::error::{Error, Result};
use crate::paths::Paths;

/// What a mark did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Marked {
    /// Appended, naming what it marked (like `the wall-calf session of 2026-11-26 22:30`).
    Appended(String),
    /// Nothing to do: the journal already says so, in these words.
    Already(String),
}

/// The one record `id` names, in full or by its start.
fn find<'a>(records: &'a [Record], id: &str, what: &str) -> Result<&'a Record> {
    if let Some(exact) = records.iter().find(|r| r.id() == id) {
        return Ok(exact);
    }
    let matches: Vec<&Record> = records.iter().filter(|r| !id.is_empty() && r.id().starts_with(id)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::usage(format!("no {what} has the id {id:?}; `stretch log --csv` lists each session's id"))),
        many => Err(Error::usage(format!("{} records have ids starting {id:?}; give more of the id", many.len()))),
    }
}

/// Appends a confirmation that a person did the scheduled session `id` (by
/// default the latest one nobody confirmed, answered or took back).
pub(crate) fn confirm(paths: &Paths, id: Option<&str>, now: &DateTime<FixedOffset>) -> Result<Marked> {
    let records = read(&paths.journal())?.records;
    let ledger = Ledger::of(&records);
    let session = match id {
        Some(id) => find(&records, id, "session")?
            .as_session()
            .ok_or_else(|| Error::usage(format!("{id:?} is not a session; only a session can be confirmed")))?,
        None => records
            .iter()
            .filter_map(Record::as_session)
            .filter(|s| !s.skipped && !ledger.retracted(&s.id) && !ledger.presence(s).attended())
            .max_by_key(|s| s.started)
            .ok_or_else(|| {
                Error::usage(
                    "no scheduled session is waiting to be confirmed: every session in the journal counts already",
                )
            })?,
    };
    let when = session.started.format("%Y-%m-%d %H:%M");
    if ledger.retracted(&session.id) {
        return Err(Error::usage(format!("the session of {when} was retracted; it cannot be confirmed")));
    }
    if ledger.presence(session).attended() {
        return Ok(Marked::Already(format!("The session of {when} counts already; nothing to confirm")));
    }
    let record = Record::Confirm(Confirm { v: SCHEMA, id: new_id(), session: session.id.clone(), at: *now });
    append_or_carry(paths, &record)?;
    Ok(Marked::Appended(format!("the {} session of {when}", session.routine)))
}

/// Appends a retraction of the record `id`.
pub(crate) fn retract(paths: &Paths, id: &str, now: &DateTime<FixedOffset>) -> Result<Marked> {
    let records = read(&paths.journal())?.records;
    let ledger = Ledger::of(&records);
    let target = find(&records, id, "record")?;
    let what = match target {
        Record::Session(s) => format!("the {} session of {}", s.routine, s.started.format("%Y-%m-%d %H:%M")),
        Record::Cramp(c) => format!("the cramp of {}", c.at.format("%Y-%m-%d %H:%M")),
        Record::Confirm(c) => format!("the confirmation of {}", c.at.format("%Y-%m-%d %H:%M")),
        Record::Retract(_) => {
            return Err(Error::usage("that is a retraction; a retraction cannot be taken back".to_string()));
        }
    };
    if ledger.retracted(target.id()) {
        return Ok(Marked::Already(format!("{what} was retracted already; nothing to do")));
    }
    let record = Record::Retract(Retract { v: SCHEMA, id: new_id(), record: target.id().to_string(), at: *now });
    append_or_carry(paths, &record)?;
    Ok(Marked::Appended(what))
}

/// Appends `record`; if that fails, the error carries it, so it can be
/// added by hand.
fn append_or_carry(paths: &Paths, record: &Record) -> Result<()> {
    paths.create_data_dir().and_then(|_| append(&paths.journal(), std::slice::from_ref(record))).map_err(|e| Error {
        message: format!("{}; this was not saved; its record is:\n{}", e.message, record.to_line()),
        ..e
    })
}
