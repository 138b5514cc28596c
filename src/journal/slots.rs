//! The day's slots: named windows of the day (the advice is to stretch three
//! times a day and before bed), read from the config file. Any session a
//! person attended inside a slot's window fills it. Days follow the same
//! boundary as nights (`day_starts`), so a slot that runs past midnight
//! (bedtime) belongs to the day on which it began.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use super::nights::night_of;

/// One named window of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Its name, as in the config file and `--slot`.
    pub name: String,
    /// When it opens.
    pub start: NaiveTime,
    /// When it closes; `None` runs to the day boundary (`day_starts`).
    pub end: Option<NaiveTime>,
}

/// The slots when the config file sets none: three times a day and before bed.
pub(crate) fn defaults() -> Vec<Slot> {
    [("morning", "06:00-11:00"), ("afternoon", "11:00-17:00"), ("evening", "17:00-21:00"), ("bedtime", "21:00-")]
        .iter()
        .map(|(name, window)| Slot::parse(name, window).expect("the built-in slots parse"))
        .collect()
}

impl Slot {
    /// Reads `"06:00-11:00"`, or `"21:00-"` (open to the day boundary).
    pub fn parse(name: &str, window: &str) -> Result<Slot, String> {
        let bad = || {
            format!("slot {name} = {window:?}: write a window like \"06:00-11:00\", or \"21:00-\" to run to day_starts")
        };
        let (start, end) = window.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        let start = time(start)?;
        let end = if end.trim().is_empty() { None } else { Some(time(end)?) };
        if end.is_some_and(|e| e <= start) {
            return Err(format!(
                "slot {name} = {window:?} ends before it begins; a slot past midnight is written \"21:00-\" and runs to day_starts"
            ));
        }
        Ok(Slot { name: name.to_string(), start, end })
    }

    /// Whether a moment at local time `t` falls in this slot.
    fn holds(&self, t: NaiveTime, day_starts: NaiveTime) -> bool {
        match self.end {
            Some(end) => t >= self.start && t < end,
            // Open to the day boundary, across midnight if need be.
            None if day_starts <= self.start => t >= self.start || t < day_starts,
            None => t >= self.start && t < day_starts,
        }
    }
}

/// The day a moment belongs to and the index of the slot it fills, if any.
pub(crate) fn slot_of(at: &DateTime<FixedOffset>, slots: &[Slot], day_starts: NaiveTime) -> Option<(NaiveDate, usize)> {
    let t = at.naive_local().time();
    let index = slots.iter().position(|s| s.holds(t, day_starts))?;
    Some((night_of(at, day_starts), index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_moment_fills_its_slot_and_bedtime_runs_to_the_day_boundary() {
        let slots = defaults();
        let four = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(slot_of(&at("2026-11-26T07:30:00+01:00"), &slots, four), Some((day("2026-11-26"), 0)));
        assert_eq!(slot_of(&at("2026-11-26T11:00:00+01:00"), &slots, four), Some((day("2026-11-26"), 1)));
        assert_eq!(slot_of(&at("2026-11-26T22:30:00+01:00"), &slots, four), Some((day("2026-11-26"), 3)));
        assert_eq!(slot_of(&at("2026-11-27T01:30:00+01:00"), &slots, four), Some((day("2026-11-26"), 3)));
        assert_eq!(slot_of(&at("2026-11-27T05:00:00+01:00"), &slots, four), None, "between the boundary and morning");
        assert!(Slot::parse("x", "11:00-06:00").unwrap_err().contains("ends before it begins"));
        assert!(Slot::parse("x", "noon").unwrap_err().contains("like \"06:00-11:00\""));
    }
}
