//! Which night a session belongs to: a session started after midnight but
//! before the day starts counts for the evening before.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime};

/// When a new day starts, for night attribution: 04:00.
pub const DEFAULT_DAY_STARTS: NaiveTime = NaiveTime::from_hms_opt(4, 0, 0).expect("04:00 is a time");

/// The date of the night `at` belongs to, in `at`'s own offset (the local
/// time where the session happened).
pub fn night_of(at: &DateTime<FixedOffset>, day_starts: NaiveTime) -> NaiveDate {
    let local = at.naive_local();
    if local.time() < day_starts { local.date() - Days::new(1) } else { local.date() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn night(text: &str) -> NaiveDate {
        night_of(&DateTime::parse_from_rfc3339(text).unwrap(), DEFAULT_DAY_STARTS)
    }

    #[test]
    fn small_hours_belong_to_the_evening_before_in_the_records_own_offset() {
        let nov26 = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(night("2026-11-26T22:30:00+01:00"), nov26);
        assert_eq!(night("2026-11-27T03:59:59+01:00"), nov26);
        assert_eq!(night("2026-11-27T04:00:00+01:00"), nov26.succ_opt().unwrap());
        // Midnight in New York is 05:00 UTC, past the day's start there.
        assert_eq!(night("2026-11-27T00:00:00-05:00"), nov26);
    }
}
