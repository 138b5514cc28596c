//! `--since` and `--until`: a night given as a date (`2026-11-01`) or as a
//! count of nights (`30d`, `8w`). Where the count is counted from depends on
//! the flag, so it is placed by the command that has tonight in hand.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// The longest count back anyone means: a century of nights. Beyond it a
/// typo would ask for millions of rows.
pub(crate) const MOST_NIGHTS: u32 = 36_525;

/// A night as the command line gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NightSpec {
    /// A calendar date: the night that begins that evening.
    Date(NaiveDate),
    /// A number of nights (`7d` is 7, `2w` is 14).
    Nights(u32),
}

const FORMS: &str = "write a date like 2026-11-01, or a number of nights like 30d or 8w";

impl FromStr for NightSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<NightSpec, String> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            if !(2000..=9999).contains(&date.year()) {
                return Err(format!("{text:?} is outside the years stretch keeps (2000-9999); {FORMS}"));
            }
            return Ok(NightSpec::Date(date));
        }
        let bad = || format!("invalid night {text:?}: {FORMS}");
        let unit = text.chars().last().ok_or_else(bad)?;
        let number = &text[..text.len() - unit.len_utf8()];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // Too many digits for any count is a count too large, not a typo.
        let count: u64 = number.parse().unwrap_or(u64::MAX);
        let nights = match unit {
            'd' => count,
            'w' => count.saturating_mul(7),
            _ => return Err(bad()),
        };
        u32::try_from(nights)
            .ok()
            .filter(|n| *n <= MOST_NIGHTS)
            .map(NightSpec::Nights)
            .ok_or_else(|| format!("{text:?} is more than {MOST_NIGHTS} nights (a century); give a date instead"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_and_counts() {
        assert_eq!("2026-11-01".parse(), Ok(NightSpec::Date(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())));
        assert_eq!("30d".parse(), Ok(NightSpec::Nights(30)));
        assert_eq!("2w".parse(), Ok(NightSpec::Nights(14)));
        assert_eq!("0d".parse(), Ok(NightSpec::Nights(0)));
    }

    #[test]
    fn nonsense_and_extremes_are_refused() {
        for bad in ["", "d", "30", "-3d", "30x", "2026-13-01", "yesterday", "1999-12-31", "+262142-01-01", "3ｄ"] {
            assert!(bad.parse::<NightSpec>().is_err(), "{bad}");
        }
        let err = "99999999999999999999w".parse::<NightSpec>().unwrap_err();
        assert!(err.contains("a century"), "{err}");
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,20}") {
            let _ = text.parse::<NightSpec>();
        }
    }
}
