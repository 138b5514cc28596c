//! Numbers in words a person reads: `1 rep`, `3 reps`, `1 night`.

/// `n` and `noun`, the noun made plural (with an `s`) unless `n` is 1.
pub(crate) fn count(n: impl Into<u64>, noun: &str) -> String {
    match n.into() {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(count(1u32, "rep"), "1 rep");
        assert_eq!(count(0u32, "night"), "0 nights");
        assert_eq!(count(3u32, "rep"), "3 reps");
    }
}
