//! Human durations: `10s`, `500ms`, `1m30s`, parsed exactly and printed back.

use std::time::Duration;

/// Parses `500ms`, `10s`, `1.5s`, `2m`, `1m30s` or `1h`; a bare number
/// (`10`, `2.5`) is seconds. Units must be in decreasing order and each at
/// most once, so a typo like `10s5m` is an error, not a guess.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration {text:?}: use seconds or a number with a unit, like 10, 10s, 1.5s, 500ms or 1m30s")
    };
    let units: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    if rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return number_ms(rest, 1_000).map(Duration::from_millis).ok_or_else(bad);
    }
    let mut total_ms: u64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let number = &rest[..digits];
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let found = units[next_unit..].iter().position(|(name, _)| *name == unit).ok_or_else(bad)?;
        let (_, scale) = units[next_unit + found];
        next_unit += found + 1;
        let ms = number_ms(number, scale).ok_or_else(bad)?;
        total_ms = total_ms.checked_add(ms).ok_or_else(bad)?;
    }
    Ok(Duration::from_millis(total_ms))
}

/// `number` (digits, at most one `.`) times `scale` milliseconds, rounded to
/// the millisecond; `None` if it is not such a number or overflows.
fn number_ms(number: &str, scale: u64) -> Option<u64> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let whole_ms = if whole.is_empty() { 0 } else { whole.parse::<u64>().ok()?.checked_mul(scale)? };
    let fraction_ms = if fraction.is_empty() {
        0
    } else {
        let denominator = 10u128.pow(fraction.len() as u32);
        let numerator = fraction.parse::<u128>().ok()? * u128::from(scale);
        u64::try_from((numerator + denominator / 2) / denominator).ok()?
    };
    whole_ms.checked_add(fraction_ms)
}

/// Formats a duration the way `parse` reads it: `10s`, `1.5s`, `1m30.5s`,
/// and `250ms` only below a second, since `1s500ms` reads as two numbers.
pub(crate) fn format(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (m, s, rest_ms) = (ms / 60_000, ms / 1000 % 60, ms % 1000);
    let mut out = String::new();
    if m > 0 {
        out += &format!("{m}m");
    }
    if rest_ms > 0 {
        let fraction = format!("{rest_ms:03}");
        out += &format!("{s}.{}s", fraction.trim_end_matches('0'));
    } else if s > 0 {
        out += &format!("{s}s");
    }
    out
}

/// Formats a measured duration for a person: to the second from a second up
/// (`1s497ms` reads as noise), exactly below that.
pub fn format_rounded(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        return format(Duration::from_millis(duration.subsec_millis().into()));
    }
    // Rounded on whole seconds, so no value (even u64::MAX ms) wraps.
    let seconds = duration.as_secs().saturating_add(u64::from(duration.subsec_millis() >= 500));
    format(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,16}") {
            let _ = parse(&text);
        }

        #[test]
        fn whole_milliseconds_round_trip(ms in 0u64..10_000_000_000) {
            let d = Duration::from_millis(ms);
            prop_assert_eq!(parse(&format(d)), Ok(d));
        }
    }

    #[test]
    fn parses_each_unit_and_combinations() {
        assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1s250ms"), Ok(Duration::from_millis(1250)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn a_bare_number_is_seconds_and_decimals_are_read() {
        assert_eq!(parse("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0.5m"), Ok(Duration::from_secs(30)));
        assert_eq!(parse(".25s"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("1m1.5s"), Ok(Duration::from_millis(61_500)));
    }

    #[test]
    fn rejects_what_it_cannot_read_exactly() {
        for bad in [
            "",
            ".",
            "s",
            "1..5s",
            "1.5.1s",
            "10x",
            "10s5m",
            "5s5s",
            "-1s",
            "1 s",
            "99999999999999999999s",
            "1e3s",
            "５s",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("like 10, 10s, 1.5s, 500ms or 1m30s"), "{bad}: {err}");
        }
    }

    #[test]
    fn measured_durations_round_to_the_second() {
        assert_eq!(format_rounded(Duration::from_millis(1497)), "1s");
        assert_eq!(format_rounded(Duration::from_millis(8603)), "9s");
        assert_eq!(format_rounded(Duration::from_millis(90_400)), "1m30s");
        assert_eq!(format_rounded(Duration::from_micros(400_700)), "400ms");
    }

    #[test]
    fn formats_round_trip() {
        for text in ["10s", "500ms", "1m30s", "2m", "1.25s", "0s", "1.5s", "6.7s", "1m30.5s", "1m0.005s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
        assert_eq!(format(Duration::from_millis(1500)), "1.5s", "never 1s500ms");
        assert_eq!(format(Duration::from_millis(250)), "250ms");
    }
}
