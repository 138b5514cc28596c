//! `--at`: when something happened, as a person gives it afterwards. A full
//! date and time (RFC 3339 with its offset, or local like `2026-11-26 22:30`,
//! the time in any form a time of day takes: `2026-11-26 10pm`, `2026-11-26 22.30`),
//! or a time of day alone, meaning its most recent occurrence (`--at 05:30`
//! typed at 07:00 is this morning; typed at 05:00, yesterday's).

use std::str::FromStr;

use chrono::{DateTime, Days, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use super::of_day::TimeOfDay;

/// An `--at` value, parsed but not yet placed in time (that needs "now").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A moment with its own offset.
    Exact(DateTime<FixedOffset>),
    /// A local date and time, in the zone of `TZ`.
    Local(NaiveDateTime),
    /// The most recent time the clock showed this.
    Recent(TimeOfDay),
}

/// The forms, for every refusal.
const FORMS: &str = "write a time like 22:30, 22.30 or 10pm (the most recent one), a date and time like \
                     \"2026-11-26 22:30\" or \"2026-11-26 10pm\", or 2026-11-26T22:30:00+01:00";

impl FromStr for At {
    type Err = String;

    fn from_str(text: &str) -> Result<At, String> {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(At::Exact(at));
        }
        let bad = || format!("invalid time {text:?}: not understood as a time; {FORMS}");
        if let Some((date, time)) = dated(text) {
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
            // Seconds are taken too, as RFC 3339 without its offset has them.
            let time = NaiveTime::parse_from_str(time, "%H:%M:%S")
                .or_else(|_| TimeOfDay::parse(time).map(TimeOfDay::naive))
                .map_err(|_| bad())?;
            return Ok(At::Local(date.and_time(time)));
        }
        TimeOfDay::parse(text).map(At::Recent).map_err(|_| bad())
    }
}

/// A date and the rest (`2026-11-26 10pm`, `2026-11-26T22:30`), split after
/// the date's ten characters; `None` for a time alone.
fn dated(text: &str) -> Option<(&str, &str)> {
    let date = text.get(..10)?;
    let looks_dated =
        date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let time = text[10..].strip_prefix(['T', ' '])?.trim_start();
    looks_dated.then_some((date, time))
}

impl At {
    /// The moment meant, seen from `now`; refused if it is after `now`.
    /// A local time that the clocks skipped is refused; one they repeated
    /// (the autumn hour) is the earlier of the two, as people mean the first.
    pub fn resolve(self, now: &DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>, String> {
        let at = match self {
            At::Exact(at) => at,
            At::Local(local) => in_local_zone(local)?,
            At::Recent(time) => {
                // Every moment the clock showed it today and yesterday (two in
                // the repeated hour): the latest that is past.
                let today = now.with_timezone(&Local).date_naive();
                let yesterday = today.checked_sub_days(Days::new(1)).ok_or("the date is out of range")?;
                let shown = |day: NaiveDate| match Local.from_local_datetime(&day.and_time(time.naive())) {
                    LocalResult::Single(at) => vec![at],
                    LocalResult::Ambiguous(a, b) => vec![a, b],
                    LocalResult::None => Vec::new(),
                };
                let reading = today.and_time(time.naive());
                if shown(today).is_empty() && reading <= now.with_timezone(&Local).naive_local() {
                    // Skipped this morning: said so, not taken from yesterday.
                    in_local_zone(reading)?;
                }
                let past = [today, yesterday].into_iter().flat_map(shown).map(|at| at.fixed_offset());
                match past.filter(|at| at <= now).max() {
                    Some(at) => at,
                    None => in_local_zone(today.and_time(time.naive()))?,
                }
            }
        };
        if at > *now {
            let shown = at.format("%Y-%m-%d %H:%M");
            return Err(format!("{shown} is in the future; give the time it happened"));
        }
        Ok(at)
    }
}

/// `local` in the zone of `TZ`: in the repeated autumn hour, the first of
/// the two moments (compared as instants, whatever order the zone library
/// gives them in); in the skipped spring hour, a refusal that shows the same
/// clock reading with the offsets in force on either side of the change.
fn in_local_zone(local: NaiveDateTime) -> Result<DateTime<FixedOffset>, String> {
    match Local.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.fixed_offset()),
        LocalResult::Ambiguous(a, b) => Ok(a.min(b).fixed_offset()),
        LocalResult::None => {
            let offset_at = |hours: i64| {
                let near = local.checked_add_signed(chrono::Duration::hours(hours))?;
                Local.from_local_datetime(&near).earliest().map(|t| t.fixed_offset().offset().to_string())
            };
            let reading = local.format("%Y-%m-%dT%H:%M:%S");
            let like = match (offset_at(-3), offset_at(3)) {
                (Some(before), Some(after)) => format!("like {reading}{before} or {reading}{after}"),
                _ => format!("like {reading}+01:00"),
            };
            Err(format!(
                "{} does not exist here (the clocks skipped it); give the offset, {like}",
                local.format("%Y-%m-%d %H:%M")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<FixedOffset> {
        // Tests run with the process zone, whatever it is: build "now" in it.
        Local.with_ymd_and_hms(2026, 11, 27, 7, 0, 0).unwrap().fixed_offset()
    }

    #[test]
    fn a_time_alone_is_its_most_recent_occurrence() {
        let at = |t: &str| t.parse::<At>().unwrap().resolve(&now()).unwrap().naive_local().to_string();
        assert_eq!(at("05:30"), "2026-11-27 05:30:00", "earlier today");
        assert_eq!(at("22:30"), "2026-11-26 22:30:00", "later than now: yesterday's");
        assert_eq!(at("7:00"), "2026-11-27 07:00:00", "now itself");
    }

    #[test]
    fn full_dates_keep_their_offset_or_take_the_local_one() {
        let exact: At = "2026-11-26T22:30:00+05:00".parse().unwrap();
        assert_eq!(exact.resolve(&now()).unwrap().offset().local_minus_utc(), 5 * 3600);
        let local: At = "2026-11-26 22:30".parse().unwrap();
        assert_eq!(local, At::Local(NaiveDateTime::parse_from_str("2026-11-26 22:30", "%Y-%m-%d %H:%M").unwrap()));
    }

    #[test]
    fn a_date_takes_any_form_of_time_of_day() {
        let local = |t: &str| match t.parse::<At>() {
            Ok(At::Local(at)) => at.to_string(),
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(local("2026-11-26 10pm"), "2026-11-26 22:00:00");
        assert_eq!(local("2026-11-26 22.30"), "2026-11-26 22:30:00");
        assert_eq!(local("2026-11-26 10:30pm"), "2026-11-26 22:30:00");
        assert_eq!(local("2026-11-26T22:30"), "2026-11-26 22:30:00");
        assert_eq!(local("2026-11-26 22:30:15"), "2026-11-26 22:30:15");
        assert!("2026-11-31 22:30".parse::<At>().is_err(), "no such date");
    }

    #[test]
    fn a_refusal_lists_the_forms() {
        for bad in ["now", "ten", "2026-11-26 ten"] {
            let err = bad.parse::<At>().unwrap_err();
            assert!(!err.contains("no minutes"), "{err}");
            assert!(err.contains("10pm") && err.contains("\"2026-11-26 10pm\""), "{err}");
        }
    }

    #[test]
    fn the_future_and_nonsense_are_refused() {
        let err = "2026-11-28 01:00".parse::<At>().unwrap().resolve(&now()).unwrap_err();
        assert!(err.contains("is in the future"), "{err}");
        let err = "last night".parse::<At>().unwrap_err();
        assert!(err.contains("22:30"), "{err}");
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,30}") {
            if let Ok(at) = text.parse::<At>() {
                let _ = at.resolve(&now());
            }
        }
    }
}
