//! Human durations: `10s`, `500ms`, `1m30s`, parsed exactly and printed back.

use std::time::Duration;

/// Parses `500ms`, `10s`, `2m`, `1m30s` or `1h`. Units must be in decreasing
/// order and each at most once, so a typo like `10s5m` is an error, not a guess.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {text:?}: use a number with a unit, like 10s, 500ms or 1m30s");
    let units: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total_ms: u64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let found = units[next_unit..].iter().position(|(name, _)| *name == unit).ok_or_else(bad)?;
        let (_, scale) = units[next_unit + found];
        next_unit += found + 1;
        total_ms = number.checked_mul(scale).and_then(|ms| total_ms.checked_add(ms)).ok_or_else(bad)?;
    }
    Ok(Duration::from_millis(total_ms))
}

/// Formats a duration the way `parse` reads it: `10s`, `1m30s`, `250ms`.
pub fn format(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let (m, s, rest_ms) = (ms / 60_000, ms / 1000 % 60, ms % 1000);
    let mut out = String::new();
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 {
        out += &format!("{s}s");
    }
    if rest_ms > 0 {
        out += &format!("{rest_ms}ms");
    }
    out
}

/// Formats a measured duration for a person: to the second from a second up
/// (`1s497ms` reads as noise), exactly below that.
pub fn format_rounded(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        return format(Duration::from_millis(duration.as_millis() as u64));
    }
    format(Duration::from_secs((duration.as_millis() as u64 + 500) / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rejects_what_it_cannot_read_exactly() {
        for bad in ["", "10", "s", "1.5s", "10x", "10s5m", "5s5s", "-1s", "1 s", "99999999999999999999s"] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("like 10s, 500ms or 1m30s"), "{bad}: {err}");
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
        for text in ["10s", "500ms", "1m30s", "2m", "1s250ms", "0s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
