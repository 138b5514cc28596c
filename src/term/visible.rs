//! Text that comes from files (routine words and summaries, notes, routine
//! names from the journal) reaches the terminal only with its control
//! characters made visible: a routine file or an imported journal must never
//! be able to move the cursor, retitle the window or clear the screen.

use std::borrow::Cow;

/// `text` with every control character (C0, DEL, C1, and the bidirectional
/// overrides that reorder what is shown) written as a visible escape
/// (`\x1b`, `\u{202e}`), so escape sequences print as text.
pub(crate) fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !hidden(c) => out.push(c),
            c if (c as u32) < 0x100 => out += &format!("\\x{:02x}", c as u32),
            c => out += &format!("\\u{{{:x}}}", c as u32),
        }
    }
    Cow::Owned(out)
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
    }

    proptest! {
        #[test]
        fn nothing_a_terminal_obeys_gets_through(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}a-z]*") {
            prop_assert!(!visible(&text).chars().any(hidden));
        }
    }
}
