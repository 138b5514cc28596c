//! Nights, streaks and the calendar: pure functions of session records and
//! `now`, so every rule here is tested without a clock or a journal.
//!
//! A session belongs to the night of the local date on which it started, read
//! with the record's own UTC offset; one started before the day boundary
//! belongs to the previous date. Because only the record's wall-clock time
//! counts, travel and daylight-saving changes never shift, duplicate or drop a
//! night.
//!
//! A cramp belongs to the sleep it interrupted, which can run to late morning:
//! one before `cramp_day_starts` (12:00 unless the config file says otherwise)
//! belongs to the night before, so a cramp at 04:30 is last night's, not the
//! coming evening's. It counts as "after a completed stretch" only when its
//! night has a completed session that started before it: an afternoon cramp
//! before the evening's stretch does not.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime};

use crate::time::of_day::TimeOfDay;

/// When a new night begins when nothing sets it: sessions before 04:00
/// belong to the night before.
pub(crate) const DEFAULT_DAY_STARTS: TimeOfDay = TimeOfDay::new(4, 0);

/// When a cramp starts counting for the coming night when nothing sets it: a
/// cramp before noon woke you from the night before, whose sleep can run to
/// late morning, so sessions and cramps need different boundaries.
pub(crate) const DEFAULT_CRAMP_DAY_STARTS: TimeOfDay = TimeOfDay::new(12, 0);

#[cfg(test)]
use crate::journal::Cramp;
pub(crate) use crate::journal::FIRST_NIGHT;

/// The night a moment belongs to, by its own local time and offset.
pub(crate) fn night_of(at: &DateTime<FixedOffset>, day_starts: NaiveTime) -> NaiveDate {
    let local = at.naive_local();
    if local.time() < day_starts { local.date().pred_opt().unwrap_or(local.date()) } else { local.date() }
}

/// The night a cramp belongs to: the sleep it woke you from. Before
/// `cramp_day_starts` (local time, the record's own offset) that is the night
/// before; from then on, the coming night.
pub(crate) fn cramp_night_of(at: &DateTime<FixedOffset>, cramp_day_starts: NaiveTime) -> NaiveDate {
    night_of(at, cramp_day_starts)
}

/// Whether a session makes its night a stretched night: it reached its end and
/// was the night's stretch, not relief for a cramp. Every count of stretched
/// nights (streaks, the cramp summary, the weekly series, the report) goes
/// through this one predicate, so narrowing it narrows them all.
pub(crate) fn counts(completed: bool, relief: bool) -> bool {
    completed && !relief
}

/// What happened on one night.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Night {
    /// The night's date (the evening's calendar date).
    pub night: NaiveDate,
    /// Sessions that reached their end.
    pub completed: u32,
    /// Sessions stopped early: shown, never counted in a streak.
    pub partial: u32,
    /// Hold time of all its sessions, in milliseconds.
    pub hold_ms: u64,
    /// Cramps recorded that night.
    pub cramps: u32,
    /// When the night's earliest completed session started.
    pub first_completed: Option<DateTime<FixedOffset>>,
    /// When the night's latest cramp struck.
    pub last_cramp: Option<DateTime<FixedOffset>>,
    /// Scheduled sessions nobody showed they were at: the routine played by
    /// itself. Counted apart, never as done, partial or held.
    pub unattended: u32,
    /// The day's slots (from the config file) a stretch filled.
    pub slots: u32,
    /// Scheduled sessions a person answered with Skip or Snooze: there, and
    /// not stretching. Counted apart from done, partial and alone.
    pub answered: u32,
}

impl Night {
    /// A night with nothing done.
    pub(crate) fn empty(night: NaiveDate) -> Self {
        Night {
            night,
            completed: 0,
            partial: 0,
            hold_ms: 0,
            cramps: 0,
            first_completed: None,
            last_cramp: None,
            unattended: 0,
            slots: 0,
            answered: 0,
        }
    }

    /// Whether a cramp struck this night after a completed session had
    /// started (compared as instants, so travel between offsets is no matter).
    pub(crate) fn cramp_after_stretch(&self) -> bool {
        matches!((self.first_completed, self.last_cramp), (Some(stretch), Some(cramp)) if stretch < cramp)
    }

    /// Whether the night counts towards a streak.
    pub(crate) fn kept(&self) -> bool {
        self.completed > 0
    }
}

/// How many nights had cramps, among nights after a completed stretch and
/// nights without one. Counts only: what they mean is for the person to judge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct CrampSummary {
    /// Nights considered.
    pub nights: u32,
    /// Of those, nights with at least one cramp.
    pub cramp_nights: u32,
    /// Nights with a completed session.
    pub stretched_nights: u32,
    /// Of those, nights with a cramp after the completed session had started.
    pub stretched_cramp_nights: u32,
    /// Of those, nights whose only cramps came before the stretch (an
    /// afternoon cramp, then the evening's session).
    pub cramp_before_stretch_nights: u32,
    /// Nights without a completed session.
    pub unstretched_nights: u32,
    /// Of those, nights with at least one cramp.
    pub unstretched_cramp_nights: u32,
}

impl CrampSummary {
    /// Counts over `nights`.
    pub(crate) fn of(nights: &[Night]) -> Self {
        let mut sum = CrampSummary::default();
        for night in nights {
            let cramped = u32::from(night.cramps > 0);
            sum.nights += 1;
            sum.cramp_nights += cramped;
            if night.kept() {
                let after = u32::from(night.cramp_after_stretch());
                sum.stretched_nights += 1;
                sum.stretched_cramp_nights += after;
                sum.cramp_before_stretch_nights += cramped - after;
            } else {
                sum.unstretched_nights += 1;
                sum.unstretched_cramp_nights += cramped;
            }
        }
        sum
    }
}

/// The Monday of `date`'s week.
pub(crate) fn week_start(date: NaiveDate) -> NaiveDate {
    date - Days::new(date.weekday().num_days_from_monday().into())
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDateTime, TimeZone};
    use chrono_tz::{America::New_York, Europe::Berlin, Tz};

    use std::collections::BTreeMap;

    use super::*;
    use crate::journal::tally::Tally;

    /// The built-in day boundary, as the tally takes it.
    const DEFAULT_DAY_STARTS: NaiveTime = super::DEFAULT_DAY_STARTS.naive_const();
    /// The built-in cramp boundary.
    const NOON: NaiveTime = super::DEFAULT_CRAMP_DAY_STARTS.naive_const();

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// The moment a clock in `zone` showed `local`, with that zone's offset then.
    fn at(zone: Tz, local: &str) -> DateTime<FixedOffset> {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        zone.from_local_datetime(&naive).earliest().unwrap().fixed_offset()
    }

    fn night(zone: Tz, local: &str) -> NaiveDate {
        night_of(&at(zone, local), DEFAULT_DAY_STARTS)
    }

    #[test]
    fn a_session_before_the_boundary_belongs_to_the_evening_before() {
        assert_eq!(night(Berlin, "2026-11-26 22:30"), date("2026-11-26"));
        assert_eq!(night(Berlin, "2026-11-27 00:30"), date("2026-11-26"));
        assert_eq!(night(Berlin, "2026-11-27 03:59"), date("2026-11-26"));
        assert_eq!(night(Berlin, "2026-11-27 04:00"), date("2026-11-27"));
        let midnight = NaiveTime::MIN;
        assert_eq!(night_of(&at(Berlin, "2026-11-27 00:30"), midnight), date("2026-11-27"));
    }

    #[test]
    fn daylight_saving_changes_neither_shift_nor_merge_nights() {
        // Berlin springs forward at 02:00 on 29 March 2026 and falls back at 03:00 on 25 October.
        for (zone, evening, dst_morning) in [
            (Berlin, "2026-03-28", "2026-03-29"),
            (Berlin, "2026-10-24", "2026-10-25"),
            (New_York, "2026-03-07", "2026-03-08"),
            (New_York, "2026-10-31", "2026-11-01"),
        ] {
            let evening_date = date(evening);
            for time in ["21:00", "23:59"] {
                assert_eq!(night(zone, &format!("{evening} {time}")), evening_date, "{zone} {evening} {time}");
            }
            for time in ["00:30", "01:30", "03:30", "03:59"] {
                assert_eq!(night(zone, &format!("{dst_morning} {time}")), evening_date, "{zone} {dst_morning} {time}");
            }
            assert_eq!(night(zone, &format!("{dst_morning} 04:00")), date(dst_morning));
            assert_eq!(night(zone, &format!("{dst_morning} 22:00")), date(dst_morning));
        }
    }

    #[test]
    fn the_repeated_hour_of_autumn_stays_in_one_night() {
        let naive = NaiveDateTime::parse_from_str("2026-10-25 02:30", "%Y-%m-%d %H:%M").unwrap();
        let (first, second) = match Berlin.from_local_datetime(&naive) {
            chrono::LocalResult::Ambiguous(a, b) => (a.fixed_offset(), b.fixed_offset()),
            other => panic!("02:30 happens twice in Berlin that night: {other:?}"),
        };
        assert_eq!(second - first, Duration::hours(1));
        assert_eq!(night_of(&first, DEFAULT_DAY_STARTS), date("2026-10-24"));
        assert_eq!(night_of(&second, DEFAULT_DAY_STARTS), date("2026-10-24"));
    }

    #[test]
    fn every_night_is_counted_once_across_a_year_of_bedtimes() {
        for zone in [Berlin, New_York] {
            let mut nights: Vec<_> =
                date("2026-01-01").iter_days().take(365).map(|d| night(zone, &format!("{} 01:30", d))).collect();
            nights.dedup();
            assert_eq!(nights.len(), 365, "{zone}: one night per morning, none lost or doubled");
        }
    }

    #[test]
    fn the_record_offset_decides_not_the_reader() {
        // Flew from Berlin to New York: each session keeps the offset it was recorded with.
        let berlin = DateTime::parse_from_rfc3339("2026-06-01T23:00:00+02:00").unwrap();
        let new_york = DateTime::parse_from_rfc3339("2026-06-02T23:30:00-04:00").unwrap();
        let tokyo_early = DateTime::parse_from_rfc3339("2026-06-04T02:00:00+09:00").unwrap();
        assert_eq!(night_of(&berlin, DEFAULT_DAY_STARTS), date("2026-06-01"));
        assert_eq!(night_of(&new_york, DEFAULT_DAY_STARTS), date("2026-06-02"));
        assert_eq!(night_of(&tokyo_early, DEFAULT_DAY_STARTS), date("2026-06-03"));
        // The same instant, read with another offset, may be another night.
        let same_instant = new_york.with_timezone(&FixedOffset::east_opt(2 * 3600).unwrap());
        assert_eq!(night_of(&same_instant, DEFAULT_DAY_STARTS), date("2026-06-03"));
    }

    fn tally(kept: &[&str], partial: &[&str]) -> Tally {
        let mut nights = BTreeMap::new();
        for (list, completed) in [(kept, true), (partial, false)] {
            for d in list {
                let n: &mut Night = nights.entry(date(d)).or_insert_with(|| Night::empty(date(d)));
                if completed { n.completed += 1 } else { n.partial += 1 }
            }
        }
        Tally { nights, ..Tally::default() }
    }

    fn cramp(at: &str) -> Cramp {
        Cramp {
            v: 1,
            id: at.into(),
            at: DateTime::parse_from_rfc3339(at).unwrap(),
            leg: crate::journal::Leg::Left,
            severity: 3,
            note: None,
            lasted_ms: None,
        }
    }

    /// A tally of sessions and cramps given as RFC 3339 times, under the
    /// built-in boundaries.
    fn tally_of(completed: &[&str], partial: &[&str], cramps: &[&str]) -> Tally {
        let mut t = Tally::default();
        for (list, done) in [(completed, true), (partial, false)] {
            for at in list {
                t.add_session(
                    &DateTime::parse_from_rfc3339(at).unwrap(),
                    counts(done, false),
                    30_000,
                    DEFAULT_DAY_STARTS,
                );
            }
        }
        for c in cramps {
            t.add_cramp(&cramp(c).at, NOON);
        }
        t
    }

    #[test]
    fn a_cramp_belongs_to_the_sleep_it_woke_you_from() {
        let t = tally_of(
            &[],
            &[],
            &[
                "2026-11-26T23:10:00+01:00", // before midnight: that evening's night
                "2026-11-27T00:20:00+01:00", // after midnight: still the night of the 26th
                "2026-11-27T04:30:00+01:00", // early morning: the night of the 26th, not the 27th
                "2026-11-27T11:59:00+01:00", // late morning: still the night before
                "2026-11-27T12:00:00+01:00", // from noon: the coming night
            ],
        );
        assert_eq!(t.get(date("2026-11-26")).cramps, 4);
        assert_eq!(t.get(date("2026-11-27")).cramps, 1);
        assert_eq!(t.longest_streak(), 0, "cramps are not sessions");
        assert_eq!(
            cramp_night_of(&at(Berlin, "2026-11-27 04:30"), NaiveTime::from_hms_opt(4, 0, 0).unwrap()),
            date("2026-11-27")
        );
    }

    #[test]
    fn an_early_morning_cramp_is_not_after_the_coming_evening_s_stretch() {
        // Stretched at 22:00 on the 26th; woke with a cramp at 04:30 on the 27th; stretched again at 22:00 on the 27th.
        let t =
            tally_of(&["2026-11-26T22:00:00+01:00", "2026-11-27T22:00:00+01:00"], &[], &["2026-11-27T04:30:00+01:00"]);
        assert!(t.get(date("2026-11-26")).cramp_after_stretch(), "the cramp came after the 26th's stretch");
        assert_eq!(t.get(date("2026-11-27")).cramps, 0, "the 27th's stretch came 17 hours later");
    }

    #[test]
    fn an_afternoon_cramp_before_the_evening_s_stretch_is_not_after_it() {
        let t = tally_of(&["2026-11-27T22:00:00+01:00"], &[], &["2026-11-27T15:00:00+01:00"]);
        let night = t.get(date("2026-11-27"));
        assert_eq!((night.cramps, night.kept(), night.cramp_after_stretch()), (1, true, false));
        let summary = CrampSummary::of(&[night]);
        assert_eq!((summary.stretched_cramp_nights, summary.cramp_before_stretch_nights), (0, 1));
        // A second cramp that night, after the stretch, makes it a night with a cramp after a stretch.
        let t =
            tally_of(&["2026-11-27T22:00:00+01:00"], &[], &["2026-11-27T15:00:00+01:00", "2026-11-28T03:00:00+01:00"]);
        assert!(t.get(date("2026-11-27")).cramp_after_stretch());
    }

    #[test]
    fn a_partial_or_relief_session_is_no_stretch_before_a_cramp() {
        let t = tally_of(&[], &["2026-11-27T22:00:00+01:00"], &["2026-11-28T03:00:00+01:00"]);
        assert!(!t.get(date("2026-11-27")).cramp_after_stretch());
        assert!(!counts(true, true), "relief for a cramp is not the night's stretch");
        assert!(counts(true, false) && !counts(false, false));
    }

    #[test]
    fn the_cramp_rule_holds_across_daylight_saving_changes() {
        // Berlin springs forward at 02:00 on 29 March and falls back at 03:00 on 25 October 2026.
        for (zone, evening, morning) in [
            (Berlin, "2026-03-28", "2026-03-29"),
            (Berlin, "2026-10-24", "2026-10-25"),
            (New_York, "2026-03-07", "2026-03-08"),
            (New_York, "2026-10-31", "2026-11-01"),
        ] {
            let stretch = at(zone, &format!("{evening} 22:30"));
            for time in ["01:30", "03:30", "06:00", "11:59"] {
                let cramp_at = at(zone, &format!("{morning} {time}"));
                assert_eq!(cramp_night_of(&cramp_at, NOON), date(evening), "{zone} {morning} {time}");
                let mut t = Tally::default();
                t.add_session(&stretch, true, 30_000, DEFAULT_DAY_STARTS);
                t.add_cramp(&cramp_at, NOON);
                assert!(t.get(date(evening)).cramp_after_stretch(), "{zone} {morning} {time}");
            }
            assert_eq!(cramp_night_of(&at(zone, &format!("{morning} 12:00")), NOON), date(morning));
        }
    }

    #[test]
    fn the_cramp_rule_holds_across_travel() {
        // Stretched in Berlin at 22:00, flew west overnight, cramp at 05:00 New York time
        // (11:00 in Berlin): the night of the stretch, and after it.
        let t = tally_of(&["2026-06-01T22:00:00+02:00"], &[], &["2026-06-02T05:00:00-04:00"]);
        assert!(t.get(date("2026-06-01")).cramp_after_stretch());
        // Stretched in New York at 22:00 (11:00 in Tokyo); a cramp recorded at 21:00 Tokyo
        // time the next day is that evening's, and before no stretch of it.
        let t = tally_of(&["2026-06-02T22:00:00-04:00"], &[], &["2026-06-03T21:00:00+09:00"]);
        assert_eq!(t.get(date("2026-06-03")).cramps, 1);
        assert!(!t.get(date("2026-06-03")).cramp_after_stretch());
        // An instant earlier than the stretch, though its local clock reads later, is before it.
        let t = tally_of(&["2026-06-02T23:00:00-04:00"], &[], &["2026-06-03T00:30:00+02:00"]);
        assert_eq!(t.get(date("2026-06-02")).cramps, 1);
        assert!(!t.get(date("2026-06-02")).cramp_after_stretch(), "00:30 in Berlin is 18:30 in New York");
    }

    #[test]
    fn the_cramp_summary_splits_nights_by_whether_they_were_stretched() {
        let t = tally_of(
            &["2026-11-20T22:00:00+01:00", "2026-11-21T22:00:00+01:00", "2026-11-22T22:00:00+01:00"],
            &["2026-11-23T22:00:00+01:00"],
            &["2026-11-22T02:00:00+01:00", "2026-11-23T23:00:00+01:00", "2026-11-24T01:00:00+01:00"],
        );
        let summary = CrampSummary::of(&t.between(date("2026-11-19"), date("2026-11-24")));
        assert_eq!(
            summary,
            CrampSummary {
                nights: 6,
                cramp_nights: 2,
                stretched_nights: 3,
                stretched_cramp_nights: 1,
                cramp_before_stretch_nights: 0,
                unstretched_nights: 3,
                unstretched_cramp_nights: 1,
            }
        );
    }

    #[test]
    fn the_current_streak_may_end_last_night() {
        let t = tally(&["2026-11-23", "2026-11-24", "2026-11-25"], &["2026-11-26"]);
        assert_eq!(t.current_streak(date("2026-11-26")), 3, "tonight's partial does not count, nor break");
        assert_eq!(t.current_streak(date("2026-11-25")), 3);
        assert_eq!(t.current_streak(date("2026-11-27")), 0, "neither tonight nor last night");
        assert_eq!(t.longest_streak(), 3);
        assert_eq!(t.this_week(date("2026-11-26")), 3, "Monday 23 to Sunday 29");
    }

    #[test]
    fn the_calendar_ends_at_the_last_night_and_starts_on_a_monday() {
        let t = tally(&["2026-11-26"], &[]);
        let weeks = t.calendar(date("2026-11-26"), 16);
        assert_eq!(weeks.len(), 16);
        assert_eq!(weeks[0][0].unwrap().night, date("2026-08-10"));
        assert_eq!(weeks[0][0].unwrap().night.weekday(), chrono::Weekday::Mon);
        assert!(weeks[15][3].unwrap().kept(), "Thursday 26");
        assert_eq!(weeks[15][4], None, "the future is blank");
    }
}
