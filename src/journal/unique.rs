//! One record per id: a journal merged twice, or copied by hand, may hold the
//! same record more than once. `--check` names each repeat; every count and
//! export keeps only the first.

use std::collections::HashSet;

use super::brief::Brief;

/// The id of a stored record line, as written (escapes left as they are, which
/// is the same for the same id). A `"id":"` inside a string value would be
/// written `\"id\":\"`, so the first bare one is the record's own.
pub(crate) fn id_in(line: &str) -> Option<&str> {
    const KEY: &str = "\"id\":\"";
    let start = line.find(KEY)? + KEY.len();
    let rest = &line[start..];
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(&rest[..i]),
            _ => i += 1,
        }
    }
    None
}

/// The records with each id's first occurrence only, in journal order.
pub(crate) fn first_of_each<'b, 'a>(records: &'b [Brief<'a>]) -> Vec<&'b Brief<'a>> {
    let mut seen = HashSet::with_capacity(records.len());
    records.iter().filter(|r| id_in(r.text).is_none_or(|id| seen.insert(id))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_id_is_found_and_a_note_cannot_fake_one() {
        assert_eq!(id_in(r#"{"type":"cramp","v":1,"id":"0190-b","at":"x"}"#), Some("0190-b"));
        assert_eq!(id_in(r#"{"note":"say \"id\":\"no\"","id":"a\"b"}"#), Some("a\\\"b"));
        assert_eq!(id_in(r#"{"type":"cramp"}"#), None);
    }

    #[test]
    fn a_repeated_id_is_kept_once() {
        let line = r#"{"type":"cramp","v":1,"id":"0190-b","at":"2026-11-27T03:10:00.000-05:00","leg":"left","severity":3,"note":null}"#;
        let other = line.replace("0190-b", "0190-c");
        let text = format!("{line}\n{line}\n{other}\n");
        let reading = crate::journal::parse_brief(text.as_bytes());
        let kept = first_of_each(&reading.records);
        assert_eq!(kept.iter().map(|b| b.line).collect::<Vec<_>>(), [1, 3]);
    }
}
