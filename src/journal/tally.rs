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

use std::collections::BTreeMap;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime};

use super::ledger::{Entry, Ledger, Presence};
use super::nights::{Night, counts, cramp_night_of, night_of, week_start};
use super::slots::{Slot, slot_of};

/// Sessions and cramps gathered by night ([`Tally::of`], the one tally);
/// nights without any are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(super) nights: BTreeMap<NaiveDate, Night>,
    /// The journal's first night (see [`Tally::of`]).
    pub(super) first: Option<NaiveDate>,
    /// When each filled slot's earliest stretch started, by day and slot.
    pub(super) slot_done: BTreeMap<(NaiveDate, usize), DateTime<FixedOffset>>,
}

impl Tally {
    /// Counts one session (not a relief) started `at`, on its night; `counts`
    /// is [`counts`] of it: whether it makes the night a stretched night.
    pub(super) fn add_session(
        &mut self,
        at: &DateTime<FixedOffset>,
        counts: bool,
        hold_ms: u64,
        day_starts: NaiveTime,
    ) {
        let night = self.night_mut(night_of(at, day_starts));
        if counts {
            night.completed += 1;
            night.first_completed = Some(night.first_completed.map_or(*at, |first| first.min(*at)));
        } else {
            night.partial += 1;
        }
        night.hold_ms = night.hold_ms.saturating_add(hold_ms);
    }

    /// Counts one session that played with nobody there, on its night.
    pub(super) fn add_unattended(&mut self, at: &DateTime<FixedOffset>, day_starts: NaiveTime) {
        self.night_mut(night_of(at, day_starts)).unattended += 1;
    }

    /// Counts one cramp that struck `at`, on the night it woke you from.
    pub(super) fn add_cramp(&mut self, at: &DateTime<FixedOffset>, cramp_day_starts: NaiveTime) {
        let night = self.night_mut(cramp_night_of(at, cramp_day_starts));
        night.cramps += 1;
        night.last_cramp = Some(night.last_cramp.map_or(*at, |last| last.max(*at)));
    }

    pub(super) fn night_mut(&mut self, date: NaiveDate) -> &mut Night {
        self.nights.entry(date).or_insert_with(|| Night::empty(date))
    }

    /// The night on `date`, empty if nothing happened.
    pub(crate) fn get(&self, date: NaiveDate) -> Night {
        self.nights.get(&date).copied().unwrap_or(Night::empty(date))
    }

    /// The first and last nights with a session, if any.
    pub(crate) fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((*self.nights.keys().next()?, *self.nights.keys().next_back()?))
    }

    /// Every night from `first` to `last` inclusive, oldest first, empty ones included.
    pub(crate) fn between(&self, first: NaiveDate, last: NaiveDate) -> Vec<Night> {
        first.iter_days().take_while(|d| *d <= last).map(|d| self.get(d)).collect()
    }

    /// Consecutive kept nights ending tonight if tonight is kept, else ending
    /// last night; 0 if neither is kept.
    pub(crate) fn current_streak(&self, tonight: NaiveDate) -> u32 {
        let end = if self.get(tonight).kept() { tonight } else { tonight - Days::new(1) };
        end.iter_days().rev().take_while(|d| self.get(*d).kept()).count() as u32
    }

    /// The most consecutive kept nights anywhere in the journal.
    pub(crate) fn longest_streak(&self) -> u32 {
        let (mut longest, mut run, mut previous) = (0, 0, None::<NaiveDate>);
        for night in self.nights.values().filter(|n| n.kept()) {
            run = if previous.and_then(|p| p.succ_opt()) == Some(night.night) { run + 1 } else { 1 };
            longest = longest.max(run);
            previous = Some(night.night);
        }
        longest
    }

    /// Kept nights in tonight's week (Monday to Sunday).
    pub(crate) fn this_week(&self, tonight: NaiveDate) -> u32 {
        let monday = week_start(tonight);
        self.between(monday, monday + Days::new(6)).iter().filter(|n| n.kept()).count() as u32
    }

    /// The last `weeks` weeks up to `last`, one column per week (Monday
    /// first); nights after `last` are `None`.
    pub(crate) fn calendar(&self, last: NaiveDate, weeks: u64) -> Vec<[Option<Night>; 7]> {
        let first = week_start(last) - Days::new(7 * weeks.saturating_sub(1));
        (0..weeks)
            .map(|week| {
                std::array::from_fn(|day| {
                    let date = first + Days::new(week * 7 + day as u64);
                    (date <= last).then(|| self.get(date))
                })
            })
            .collect()
    }
}

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
        tally.count(ledger, rules);
        tally
    }

    /// Counts the ledger's standing records by `rules` on top of what is
    /// counted already. The tally is a fold over the standing records in
    /// journal order, so counting the records of a journal's later lines
    /// onto the tally of its earlier ones gives [`Tally::of`] the whole, as
    /// long as no later line changes what an earlier one says (a repeated
    /// id, a retraction or a confirmation of it): the cache of the journal's
    /// reading checks that before it counts only what was appended.
    pub(super) fn count(&mut self, ledger: &Ledger, rules: &Rules) {
        let tally = self;
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

/// When tonight's stretch started, if a person attended one (`now` decides
/// which night is tonight); with `slot` (one of the day's slots), only a
/// stretch in that slot today: what `stretch tonight --skip-if-done` asks.
pub(crate) fn done_tonight<R: AsRef<super::Record>>(
    records: &[R],
    now: &DateTime<FixedOffset>,
    rules: &Rules,
    slot: Option<usize>,
) -> Option<DateTime<FixedOffset>> {
    let tally = Tally::of(&Ledger::of(records), rules);
    let tonight = night_of(now, rules.day_starts);
    match slot {
        Some(index) => tally.slot_filled(tonight, index),
        None => tally.stretched(tonight),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Days;

    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    mod streaks {
        use proptest::prelude::*;

        use super::*;

        /// Night i of the model is 2026-01-01 + i; 0 none, 1 partial only, 2+ completed.
        fn model_tally(days: &[u8]) -> Tally {
            let mut nights = BTreeMap::new();
            for (i, &kind) in days.iter().enumerate() {
                let d = date("2026-01-01") + Days::new(i as u64);
                match kind {
                    0 => {}
                    1 => {
                        nights.insert(d, Night { partial: 1, ..Night::empty(d) });
                    }
                    n => {
                        nights.insert(d, Night { completed: u32::from(n - 1), ..Night::empty(d) });
                    }
                }
            }
            Tally { nights, ..Tally::default() }
        }

        fn run_ending_at(kept: &[bool], end: usize) -> u32 {
            kept[..=end].iter().rev().take_while(|k| **k).count() as u32
        }

        proptest! {
            #[test]
            fn streaks_match_a_day_by_day_count(days in prop::collection::vec(0u8..4, 1..120), tonight in 0usize..130) {
                let t = model_tally(&days);
                let kept: Vec<bool> = (0..=tonight.max(days.len())).map(|i| days.get(i).is_some_and(|k| *k >= 2)).collect();
                let expected_current = match (kept[tonight], tonight) {
                    (true, _) => run_ending_at(&kept, tonight),
                    (false, 0) => 0,
                    (false, _) => run_ending_at(&kept, tonight - 1),
                };
                let tonight_date = date("2026-01-01") + Days::new(tonight as u64);
                prop_assert_eq!(t.current_streak(tonight_date), expected_current);
                let expected_longest = (0..kept.len()).map(|i| run_ending_at(&kept, i)).max().unwrap_or(0);
                prop_assert_eq!(t.longest_streak(), expected_longest);
                prop_assert!(t.current_streak(tonight_date) <= t.longest_streak());
            }

            #[test]
            fn partial_sessions_never_change_a_streak(days in prop::collection::vec(0u8..4, 1..60), extra in 0usize..60) {
                let before = model_tally(&days);
                let mut with_partial = days.clone();
                if let Some(day) = with_partial.get_mut(extra) && *day == 0 {
                    *day = 1;
                }
                let after = model_tally(&with_partial);
                let tonight = date("2026-01-01") + Days::new(days.len() as u64);
                prop_assert_eq!(before.longest_streak(), after.longest_streak());
                prop_assert_eq!(before.current_streak(tonight), after.current_streak(tonight));
            }
        }
    }
}
