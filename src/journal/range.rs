//! The nights a view covers (`--since`, `--until`, tonight), under one day
//! boundary, and which of them are counted: shared by `log` and `report`, so
//! both count the same nights.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime};

use super::nights::{FIRST_NIGHT, Night, cramp_night_of, night_of};
use super::slots::Slot;
use super::tally::Rules;
use super::tally::Tally;
use crate::error::{Error, Result};
use crate::time::nights_ago::NightSpec;

/// The nights asked for, and tonight, all under one day boundary.
pub(crate) struct Range {
    pub(crate) day_starts: NaiveTime,
    pub(crate) cramp_day_starts: NaiveTime,
    /// The day's slots, from the config file (never the crontab).
    pub(crate) slots: Vec<Slot>,
    pub(crate) tonight: NaiveDate,
    pub(crate) since: Option<NaiveDate>,
    pub(crate) until: Option<NaiveDate>,
}

impl Range {
    /// The range of `--since` and `--until` as given to any command:
    /// `--since Nd` is the last N nights up to the `--until` night (tonight if
    /// not given); `--until Nd` is the night N nights before tonight.
    pub(crate) fn of(
        since: Option<NightSpec>,
        until: Option<NightSpec>,
        day_starts: NaiveTime,
        now: &DateTime<FixedOffset>,
    ) -> Result<Range> {
        let tonight = night_of(now, day_starts);
        let until = until.map(|spec| match spec {
            NightSpec::Date(date) => Ok(date),
            NightSpec::Nights(n) => back(tonight, n, "--until"),
        });
        let until = until.transpose()?;
        let since = since.map(|spec| match spec {
            NightSpec::Date(date) => Ok(date),
            NightSpec::Nights(0) => Err(Error::usage("--since 0d is no nights at all; --since 1d is tonight alone")),
            NightSpec::Nights(n) => back(until.unwrap_or(tonight), n - 1, "--since"),
        });
        let since = since.transpose()?;
        for (flag, night) in [("--since", since), ("--until", until)] {
            match night {
                Some(night) if night < FIRST_NIGHT => {
                    return Err(Error::usage(format!(
                        "{flag} {night} is before {FIRST_NIGHT}, when stretch keeps no nights"
                    )));
                }
                Some(night) if night > tonight + Days::new(1) => {
                    return Err(Error::usage(format!("{flag} {night} is in the future; tonight is {tonight}")));
                }
                _ => {}
            }
        }
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            return Err(Error::usage(format!("--since {since} is after --until {until}; swap them")));
        }
        let cramp_day_starts = crate::journal::nights::DEFAULT_CRAMP_DAY_STARTS.naive();
        Ok(Range { day_starts, cramp_day_starts, slots: super::slots::defaults(), tonight, since, until })
    }

    /// The same range, with cramps counted from `cramp_day_starts`.
    pub(crate) fn with_cramp_day_starts(self, cramp_day_starts: NaiveTime) -> Range {
        Range { cramp_day_starts, ..self }
    }

    /// Whether a session started `at` falls on a night in the range.
    pub(crate) fn contains(&self, at: &DateTime<FixedOffset>) -> bool {
        self.unbounded() || self.holds(night_of(at, self.day_starts))
    }

    /// Whether a cramp that struck `at` falls on a night in the range.
    pub(crate) fn contains_cramp(&self, at: &DateTime<FixedOffset>) -> bool {
        self.unbounded() || self.holds(cramp_night_of(at, self.cramp_day_starts))
    }

    /// Whether every night is in the range (neither `--since` nor `--until`).
    fn unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    fn holds(&self, night: NaiveDate) -> bool {
        self.since.is_none_or(|d| night >= d) && self.until.is_none_or(|d| night <= d)
    }

    /// The rules of this range's nights, counting only `routine`'s sessions if given.
    pub(crate) fn rules<'a>(&'a self, routine: Option<&'a str>) -> Rules<'a> {
        Rules { day_starts: self.day_starts, cramp_day_starts: self.cramp_day_starts, slots: &self.slots, routine }
    }

    /// The last night counted: `--until`, else tonight, or tomorrow night if
    /// a session is dated then. A record dated years ahead (which `--check`
    /// flags) never stretches a view into millions of empty nights.
    pub(crate) fn last_night(&self, tally: &Tally) -> NaiveDate {
        let latest = self.tonight + Days::new(1);
        self.until.unwrap_or_else(|| tally.span().map_or(self.tonight, |(_, last)| last.clamp(self.tonight, latest)))
    }

    /// The first night counted: `--since`, but never before the journal's
    /// first night (before it nothing was kept, so no night there was
    /// "without a stretch"); `None` for an empty journal or when the journal
    /// starts after the last night.
    pub(crate) fn first_night(&self, tally: &Tally) -> Option<NaiveDate> {
        let first = tally.first_night()?;
        let first = self.since.map_or(first, |since| since.max(first)).max(FIRST_NIGHT);
        (first <= self.last_night(tally)).then_some(first)
    }

    /// The nights counted, from [`Range::first_night`] to [`Range::last_night`].
    pub(crate) fn counted_nights(&self, tally: &Tally) -> Vec<Night> {
        self.first_night(tally).map(|first| tally.between(first, self.last_night(tally))).unwrap_or_default()
    }
}

/// The night `nights` before `from`, not before the first night stretch keeps.
pub(crate) fn back(from: NaiveDate, nights: u32, flag: &str) -> Result<NaiveDate> {
    from.checked_sub_days(Days::new(u64::from(nights)))
        .filter(|d| *d >= FIRST_NIGHT)
        .ok_or_else(|| Error::usage(format!("{flag} reaches back before {FIRST_NIGHT}, when stretch keeps no nights")))
}
