//! A time of day, as people write it: `22:30`, `7:05`, `22.30`, `10pm`,
//! `10:30pm`. One type for every time of day stretch takes: schedule times,
//! `day_starts`, and the time part of `--at`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveTime;
use serde::{Deserialize, Deserializer};

/// A minute of the day, from 00:00 to 23:59.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// 0-23.
    pub hour: u8,
    /// 0-59.
    pub minute: u8,
}

/// What every refusal ends with: the forms that work.
const FORMS: &str = "write it like 22:30, 7:05, 22.30, 10pm or 10:30pm";

impl TimeOfDay {
    /// 04:00, for constants.
    pub const fn new(hour: u8, minute: u8) -> TimeOfDay {
        TimeOfDay { hour, minute }
    }

    /// The same time as chrono's type, for date arithmetic.
    pub fn naive(self) -> NaiveTime {
        Self::naive_const(self)
    }

    /// [`TimeOfDay::naive`], for constants.
    pub const fn naive_const(self) -> NaiveTime {
        match NaiveTime::from_hms_opt(self.hour as u32, self.minute as u32, 0) {
            Some(time) => time,
            None => NaiveTime::MIN,
        }
    }

    /// Parses `H:MM`, `HH:MM`, `HH.MM`, `Ham`/`Hpm` and `H:MMam`/`H:MMpm`.
    pub fn parse(text: &str) -> Result<TimeOfDay, String> {
        let bad = |why: &str| format!("invalid time {text:?}: {why}; {FORMS}");
        let lower = text.trim().to_ascii_lowercase();
        let (clock, half) = match lower.strip_suffix("am").or_else(|| lower.strip_suffix("a.m.")) {
            Some(rest) => (rest.trim_end(), Some(0)),
            None => match lower.strip_suffix("pm").or_else(|| lower.strip_suffix("p.m.")) {
                Some(rest) => (rest.trim_end(), Some(12)),
                None => (lower.as_str(), None),
            },
        };
        let (h, m) = match clock.split_once([':', '.']) {
            Some((h, m)) => (h, Some(m)),
            None if half.is_some() => (clock, None),
            // Only a bare hour lacks minutes; anything else (`22h30`, `half
            // ten`) was not read as a time at all, and saying "no minutes"
            // would send the person looking for minutes that are there.
            None if !clock.is_empty() && clock.len() <= 2 && clock.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(bad("an hour alone needs its minutes too (or am/pm)"));
            }
            None => return Err(bad("not understood as a time")),
        };
        let digits = |s: &str, most: usize| !s.is_empty() && s.len() <= most && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h, 2) || m.is_some_and(|m| m.len() != 2 || !digits(m, 2)) {
            return Err(bad("hours are 1 or 2 digits and minutes 2"));
        }
        let hour: u8 = h.parse().map_err(|_| bad("hours are a number"))?;
        let minute: u8 = m.map_or(Ok(0), str::parse).map_err(|_| bad("minutes are a number"))?;
        let hour = match half {
            Some(_) if !(1..=12).contains(&hour) => return Err(bad("with am or pm, hours go from 1 to 12")),
            Some(offset) => hour % 12 + offset,
            None => hour,
        };
        if hour > 23 || minute > 59 {
            return Err(bad("out of range"));
        }
        Ok(TimeOfDay { hour, minute })
    }
}

impl FromStr for TimeOfDay {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        TimeOfDay::parse(text)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    /// A string (`"04:00"`, `"4am"`) or a bare TOML time (`04:00`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => text,
            toml::Value::Datetime(toml::value::Datetime { date: None, time: Some(t), offset: None })
                if t.second.unwrap_or(0) == 0 =>
            {
                format!("{:02}:{:02}", t.hour, t.minute)
            }
            other => other.to_string(),
        };
        TimeOfDay::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(text: &str) -> String {
        TimeOfDay::parse(text).map(|t| t.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn the_forms_people_type() {
        for (text, expected) in [
            ("22:30", "22:30"),
            ("7:05", "07:05"),
            ("07:05", "07:05"),
            ("22.30", "22:30"),
            ("10pm", "22:00"),
            ("10 pm", "22:00"),
            ("10:30pm", "22:30"),
            ("10:30PM", "22:30"),
            ("12am", "00:00"),
            ("12pm", "12:00"),
            ("12:15am", "00:15"),
            ("00:00", "00:00"),
            ("23:59", "23:59"),
        ] {
            assert_eq!(t(text), expected, "{text}");
        }
    }

    #[test]
    fn refusals_say_which_forms_work() {
        for bad in ["22", "24:00", "12:60", "1:5", "123:00", "13pm", "0am", "22:30:00", "-1:00", "2２:00"] {
            let err = TimeOfDay::parse(bad).unwrap_err();
            assert!(err.starts_with(&format!("invalid time {bad:?}: ")), "{err}");
            assert!(err.ends_with(FORMS), "{err}");
        }
    }

    #[test]
    fn words_that_are_not_a_time_are_not_understood_rather_than_missing_minutes() {
        for bad in ["22h30", "half ten", "ten", "", "noon"] {
            let err = TimeOfDay::parse(bad).unwrap_err();
            assert_eq!(err, format!("invalid time {bad:?}: not understood as a time; {FORMS}"));
            assert!(!err.contains("minutes"), "{err}");
        }
        assert!(TimeOfDay::parse("22").unwrap_err().contains("an hour alone needs its minutes"));
    }

    #[test]
    fn config_files_may_write_a_bare_time() {
        #[derive(Deserialize)]
        struct File {
            at: TimeOfDay,
        }
        let file: File = toml::from_str("at = 05:15\n").unwrap();
        assert_eq!(file.at, TimeOfDay::new(5, 15));
        let file: File = toml::from_str("at = \"9pm\"\n").unwrap();
        assert_eq!(file.at, TimeOfDay::new(21, 0));
        assert!(toml::from_str::<File>("at = 4\n").is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips(text in "\\PC{0,12}") {
            if let Ok(time) = TimeOfDay::parse(&text) {
                prop_assert_eq!(TimeOfDay::parse(&time.to_string()), Ok(time));
            }
        }

        #[test]
        fn every_minute_reads_back(hour in 0u8..24, minute in 0u8..60) {
            let time = TimeOfDay::new(hour, minute);
            prop_assert_eq!(TimeOfDay::parse(&time.to_string()), Ok(time));
        }
    }
}
