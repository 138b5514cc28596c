//! Text that comes from files (routine words and summaries, notes, routine
//! names from the journal) reaches the terminal only with its control
//! characters made visible: a routine file or an imported journal must never
//! be able to move the cursor, retitle the window or clear the screen. Text
//! from outside is held as an [`Outside`], which shows only escaped, and the
//! program's ways to the terminal ([`crate::term::output`], an error's
//! message) escape what they write, but for the colours stretch paints itself.

use std::borrow::Cow;
use std::fmt;

/// `text` with every control character (C0, DEL, C1, and the bidirectional
/// overrides that reorder what is shown) written as a visible escape
/// (`\x1b`, `\u{202e}`), so escape sequences print as text.
pub(crate) fn visible(text: &str) -> Cow<'_, str> {
    escaped(text, |_| false)
}

/// [`visible`], keeping line breaks and tabs: for whole messages and pages,
/// whose lines are stretch's own.
pub(crate) fn visible_lines(text: &str) -> Cow<'_, str> {
    escaped(text, |c| matches!(c, '\n' | '\t'))
}

/// JSON text with every character a terminal acts on (but line breaks and
/// tabs between values) written as a JSON escape (`\u009b`): still the same
/// JSON, since such characters can stand only inside its strings.
pub(crate) fn visible_json(text: &str) -> Cow<'_, str> {
    if clean_json(text.as_bytes()) || !text.chars().any(|c| hidden(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) && c != '\n' && c != '\t' {
            out += &format!("\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `bytes` surely hold no character [`visible_json`] escapes. Every
/// such character has a byte below a space (but a line break or tab), DEL,
/// or the first byte of U+0080-U+00BF (C1 controls) or of U+2000-U+2FFF (the
/// overrides). The three high bytes are looked for with SIMD (`memchr3`), the
/// low ones eight at a time: `log --json` writes megabytes through here, and
/// the release build is optimised for size, so no loop is vectorised for us.
fn clean_json(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    if memchr::memchr3(0x7f, 0xc2, 0xe2, bytes).is_some() {
        return false;
    }
    let words = bytes.chunks_exact(8);
    let rest = words.remainder();
    let low = |b: &u8| *b < b' ' && *b != b'\n' && *b != b'\t';
    // A word with a byte under a space (exact for "any": the high bit is kept
    // off by `!word`) is looked at byte by byte: a line break is one.
    words.into_iter().all(|w| {
        let word = u64::from_le_bytes(w.try_into().unwrap_or_default());
        word.wrapping_sub(ONES * 0x20) & !word & (ONES * 0x80) == 0 || !w.iter().any(low)
    }) && !rest.iter().any(low)
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let shown = |c: char| !hidden(c) || keep(c);
    if text.chars().all(shown) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if shown(c) => out.push(c),
            c if (c as u32) < 0x100 => out += &format!("\\x{:02x}", c as u32),
            c => out += &format!("\\u{{{:x}}}", c as u32),
        }
    }
    Cow::Owned(out)
}

/// Text that came from outside the program (a file, the environment, the
/// sound server, the command line): it can only be shown escaped, since its
/// one way to the screen is its [`Display`](fmt::Display), which is
/// [`visible`]. The text as given is there for comparing and storing, under
/// a name that says what it is.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct Outside(String);

impl Outside {
    /// A path, as text.
    pub(crate) fn path(path: &std::path::Path) -> Self {
        Outside(path.to_string_lossy().into_owned())
    }

    /// The text as it came, unescaped: never for the screen.
    pub(crate) fn unescaped(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Outside {
    fn from(text: &str) -> Self {
        Outside(text.to_string())
    }
}

impl From<String> for Outside {
    fn from(text: String) -> Self {
        Outside(text)
    }
}

impl fmt::Display for Outside {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&visible(&self.0))
    }
}

impl fmt::Debug for Outside {
    /// Quoted, as `{:?}` of a string is, and escaped the same way.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", visible(&self.0).replace('"', "\\\""))
    }
}

/// Characters a terminal acts on rather than shows.
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(visible("calf stretch"), "calf stretch");
        assert_eq!(visible("\x1b]0;owned\x07hi\r\n"), "\\x1b]0;owned\\x07hi\\x0d\\x0a");
        assert_eq!(visible("a\u{9b}2Jb\u{202e}"), "a\\x9b2Jb\\u{202e}");
        assert_eq!(visible("Wadenmuskel dehnen – 30 s"), "Wadenmuskel dehnen – 30 s");
        assert_eq!(visible_lines("a\x1b[2J\tb\nc\r"), "a\\x1b[2J\tb\nc\\x0d");
        let json = "{\"note\":\"a\u{9b}2J\u{202e}\"}\n";
        let shown = visible_json(json);
        assert_eq!(shown, "{\"note\":\"a\\u009b2J\\u202e\"}\n");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back["note"], "a\u{9b}2J\u{202e}", "the same JSON");
    }

    proptest! {
        #[test]
        fn the_fast_scan_finds_every_character_to_escape(text in "(\\PC|[\\x00-\\x20\\x7f\\u{80}-\\u{9f}\\u{200e}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}]){0,40}") {
            let slow = !text.chars().any(|c| hidden(c) && c != '\n' && c != '\t');
            prop_assert!(!clean_json(text.as_bytes()) || slow, "{:?}", text);
        }
    }

    #[test]
    fn outside_text_shows_only_escaped() {
        let sink = Outside::from("Speakers\x1b]0;owned\x07");
        assert_eq!(sink.to_string(), "Speakers\\x1b]0;owned\\x07");
        assert_eq!(format!("{sink:?}"), "\"Speakers\\x1b]0;owned\\x07\"");
        assert_eq!(sink.unescaped(), "Speakers\x1b]0;owned\x07");
        let path = Outside::path(std::path::Path::new("/run/\x1b[31m"));
        assert_eq!(format!("at {path}"), "at /run/\\x1b[31m");
    }

    proptest! {
        #[test]
        fn nothing_a_terminal_obeys_gets_through(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}a-z]*") {
            prop_assert!(!visible(&text).chars().any(hidden));
        }
    }
}
