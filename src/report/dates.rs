//! Dates on the page in words a doctor reads without a calendar: the period
//! (`4 September to 26 November 2026`, `2 to 26 November 2026`), the nights a week's bar covers
//! (`28 Sep–4 Oct`), a night and a moment (`night of Mon 16 Nov`, `03:40 on
//! Tue 17 Nov`). Charts and notes count by night; clock times say so.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

/// The period in words: `4 September to 26 November 2026`, the first year
/// written only when it differs.
pub(crate) fn period(from: NaiveDate, until: NaiveDate) -> String {
    if from == until {
        return until.format("%-d %B %Y").to_string();
    }
    let first = if from.year() != until.year() {
        from.format("%-d %B %Y")
    } else if from.month() != until.month() {
        from.format("%-d %B")
    } else {
        from.format("%-d")
    };
    format!("{first} to {}", until.format("%-d %B %Y"))
}

/// A short span of nights: `4–6 Sep`, `28 Sep–4 Oct`, `5 Oct` for one night.
pub(crate) fn span(first: NaiveDate, last: NaiveDate) -> String {
    if first == last {
        first.format("%-d %b").to_string()
    } else if first.month() == last.month() && first.year() == last.year() {
        format!("{}–{}", first.format("%-d"), last.format("%-d %b"))
    } else {
        format!("{}–{}", first.format("%-d %b"), last.format("%-d %b"))
    }
}

/// [`span`] with the year of its last night: `28 Sep–4 Oct 2026`.
pub(crate) fn span_with_year(first: NaiveDate, last: NaiveDate) -> String {
    format!("{} {}", span(first, last), last.year())
}

/// The night a record counts for: `night of Mon 16 Nov`.
pub(crate) fn night(night: NaiveDate) -> String {
    night.format("night of %a %-d %b").to_string()
}

/// The clock's time and date of a moment: `03:40 on Tue 17 Nov`.
pub(crate) fn clock(at: &DateTime<FixedOffset>) -> String {
    at.format("%H:%M on %a %-d %b").to_string()
}

/// The nights of the week starting `monday` that fall within `from..=until`.
pub(crate) fn week_nights(monday: NaiveDate, from: NaiveDate, until: NaiveDate) -> (NaiveDate, NaiveDate) {
    (monday.max(from), (monday + chrono::Days::new(6)).min(until))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn periods_and_spans_in_words() {
        assert_eq!(period(d("2026-09-04"), d("2026-11-26")), "4 September to 26 November 2026");
        assert_eq!(period(d("2025-12-29"), d("2026-01-04")), "29 December 2025 to 4 January 2026");
        assert_eq!(period(d("2026-11-26"), d("2026-11-26")), "26 November 2026");
        assert_eq!(period(d("2026-11-02"), d("2026-11-26")), "2 to 26 November 2026");
        assert_eq!(span(d("2026-09-04"), d("2026-09-06")), "4–6 Sep");
        assert_eq!(span(d("2026-09-28"), d("2026-10-04")), "28 Sep–4 Oct");
        assert_eq!(span(d("2025-12-29"), d("2026-01-04")), "29 Dec–4 Jan");
        assert_eq!(span(d("2026-10-05"), d("2026-10-05")), "5 Oct");
        assert_eq!(span_with_year(d("2026-11-02"), d("2026-11-26")), "2–26 Nov 2026");
    }

    #[test]
    fn a_night_and_a_clock_time_are_told_apart() {
        assert_eq!(night(d("2026-11-16")), "night of Mon 16 Nov");
        let at = DateTime::parse_from_rfc3339("2026-11-17T03:40:00+01:00").unwrap();
        assert_eq!(clock(&at), "03:40 on Tue 17 Nov");
    }

    #[test]
    fn a_week_is_cut_to_the_period() {
        let monday = d("2026-08-31");
        assert_eq!(week_nights(monday, d("2026-09-04"), d("2026-12-01")), (d("2026-09-04"), d("2026-09-06")));
        assert_eq!(week_nights(monday, d("2026-01-01"), d("2026-09-02")), (monday, d("2026-09-02")));
    }
}
