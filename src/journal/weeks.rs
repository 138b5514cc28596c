//! Nights per week: the one weekly series that `stretch log --json` and
//! `stretch report` both show, so the two never disagree.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::nights::{Night, week_start};

/// One ISO week (Monday to Sunday) of the nights counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Week {
    /// The ISO week, like `2026-W47`.
    #[serde(serialize_with = "iso_week")]
    pub week: NaiveDate,
    /// Nights of this week that were counted: fewer than 7 at the edges of a range.
    pub nights: u32,
    /// Nights with a completed stretch.
    pub stretch_nights: u32,
    /// Nights with at least one cramp.
    pub cramp_nights: u32,
}

impl Week {
    /// The week's label, like `2026-W47`.
    pub(crate) fn label(&self) -> String {
        let iso = self.week.iso_week();
        format!("{}-W{:02}", iso.year(), iso.week())
    }
}

fn iso_week<S: serde::Serializer>(monday: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    let iso = monday.iso_week();
    s.collect_str(&format_args!("{}-W{:02}", iso.year(), iso.week()))
}

/// The weeks `nights` fall in, oldest first; `week` is each week's Monday.
pub(crate) fn weekly(nights: &[Night]) -> Vec<Week> {
    let mut weeks: Vec<Week> = Vec::new();
    for night in nights {
        let monday = week_start(night.night);
        if weeks.last().is_none_or(|w| w.week != monday) {
            weeks.push(Week { week: monday, nights: 0, stretch_nights: 0, cramp_nights: 0 });
        }
        if let Some(week) = weeks.last_mut() {
            week.nights += 1;
            week.stretch_nights += u32::from(night.kept());
            week.cramp_nights += u32::from(night.cramps > 0);
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nights_are_gathered_by_iso_week_with_partial_weeks_at_the_edges() {
        let first: NaiveDate = "2026-11-14".parse().unwrap(); // a Saturday
        let nights: Vec<Night> = first
            .iter_days()
            .take(10)
            .enumerate()
            .map(|(i, d)| Night { completed: u32::from(i % 2 == 0), cramps: u32::from(i == 3), ..Night::empty(d) })
            .collect();
        let weeks = weekly(&nights);
        assert_eq!(weeks.len(), 3);
        assert_eq!((weeks[0].label(), weeks[0].nights, weeks[0].stretch_nights), ("2026-W46".into(), 2, 1));
        assert_eq!(
            (weeks[1].label(), weeks[1].nights, weeks[1].stretch_nights, weeks[1].cramp_nights),
            ("2026-W47".into(), 7, 4, 1)
        );
        assert_eq!((weeks[2].label(), weeks[2].nights), ("2026-W48".into(), 1));
        let json = serde_json::to_string(&weeks[1]).unwrap();
        assert_eq!(json, r#"{"week":"2026-W47","nights":7,"stretch_nights":4,"cramp_nights":1}"#);
    }
}
