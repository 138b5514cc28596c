//! The one tally: every count any view shows (`log`'s table, calendar,
//! summary, `--json` and `--csv`, the report, `tonight --skip-if-done`,
//! streaks, slots and the cramp summary) comes from [`Tally::of`], which
//! decides per night, from the [`Ledger`]'s standing records:
//!
//! - **stretched** (`completed`): a session a person attended (or confirmed),
//!   completed, and not relief for a cramp; **partial**: attended, stopped
//!   early; relief sessions count in neither;
//! - **unattended** (alone): a scheduled session nobody showed they were at;
//!   **answered**: one a person answered with Skip or Snooze;
//! - **cramps**, on the night they woke you from, and whether one came
//!   **after a stretch** of that night;
//! - **slots filled**: the day's slots holding a stretch;
//! - **the journal's first night**: the earliest night of a standing session
//!   (of any routine) or cramp. A retracted record was made by mistake, so it
//!   never starts the journal; neither do confirmations and retractions.
//!
//! A retracted record counts nowhere; a repeated id counts once.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use super::ledger::{Entry, Ledger, Presence};
use super::nights::{Tally, counts, cramp_night_of, night_of};
use super::slots::{Slot, slot_of};

/// The rules a tally counts by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// When sessions start counting for the coming night.
    pub(crate) day_starts: NaiveTime,
    /// When cramps start counting for the coming night.
    pub(crate) cramp_day_starts: NaiveTime,
    /// The day's slots.
    pub(crate) slots: &'a [Slot],
    /// Only sessions of this routine count (cramps count whatever the routine).
    pub(crate) routine: Option<&'a str>,
}

impl Tally {
    /// Counts the ledger's standing records by `rules`.
    pub(crate) fn of(ledger: &Ledger, rules: &Rules) -> Tally {
        let mut tally = Tally::default();
        for (_, entry) in &ledger.entries {
            match *entry {
                Entry::Session(s, presence) => {
                    tally.starts(night_of(&s.started, rules.day_starts));
                    if s.is_relief() || rules.routine.is_some_and(|r| r != s.routine) {
                        continue;
                    }
                    match presence {
                        Presence::Attended | Presence::Confirmed => {
                            let stretched = counts(s.completed, s.is_relief());
                            tally.add_session(&s.started, stretched, s.hold_ms, rules.day_starts);
                            if stretched {
                                tally.fill_slot(&s.started, rules);
                            }
                        }
                        Presence::Answered => tally.night_mut(night_of(&s.started, rules.day_starts)).answered += 1,
                        Presence::Alone => tally.add_unattended(&s.started, rules.day_starts),
                    }
                }
                Entry::Cramp(c) => {
                    tally.starts(cramp_night_of(&c.at, rules.cramp_day_starts));
                    tally.add_cramp(&c.at, rules.cramp_day_starts);
                }
            }
        }
        tally
    }

    fn starts(&mut self, night: NaiveDate) {
        self.first = Some(self.first.map_or(night, |first| first.min(night)));
    }

    fn fill_slot(&mut self, at: &DateTime<FixedOffset>, rules: &Rules) {
        let Some(key) = slot_of(at, rules.slots, rules.day_starts) else { return };
        match self.slot_done.get_mut(&key) {
            Some(first) => *first = (*first).min(*at),
            None => {
                self.slot_done.insert(key, *at);
                self.night_mut(key.0).slots += 1;
            }
        }
    }

    /// The journal's first night: of its earliest standing session or cramp.
    pub(crate) fn first_night(&self) -> Option<NaiveDate> {
        self.first
    }

    /// When the night's earliest stretch started, if it has one.
    pub(crate) fn stretched(&self, night: NaiveDate) -> Option<DateTime<FixedOffset>> {
        self.get(night).first_completed
    }

    /// When the earliest stretch in slot `index` of the day `night` started.
    pub(crate) fn slot_filled(&self, night: NaiveDate, index: usize) -> Option<DateTime<FixedOffset>> {
        self.slot_done.get(&(night, index)).copied()
    }
}
