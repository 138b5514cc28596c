//! Text made to fit the terminal's width: lines wrapped between words (never
//! inside one, as the terminal would), and a line that must stay one line
//! (the live bar) shortened with an ellipsis.

use console::measure_text_width as columns;

/// The ellipsis that stands for the words left out.
const ELLIPSIS: char = '…';

/// The width of the terminal on stderr, if it is one.
pub(crate) fn stderr_width() -> Option<usize> {
    console::Term::stderr().size_checked().map(|(_, cols)| usize::from(cols))
}

/// The width of the terminal on stdout, if it is one.
pub(crate) fn stdout_width() -> Option<usize> {
    console::Term::stdout().size_checked().map(|(_, cols)| usize::from(cols))
}

/// A notice for stderr: broken between words, continued two columns in, to
/// the width of the terminal there; unchanged for a log or a pipe, where one
/// line is one notice.
pub(crate) fn for_stderr(text: &str) -> String {
    match stderr_width() {
        Some(width) => wrap(text, width.saturating_sub(1).max(20), 2),
        None => text.to_string(),
    }
}

/// `text` in lines of at most `width` columns, broken between words; lines
/// after the first start with `indent` spaces, counted in the width. A word
/// longer than a line (a path) stays whole on a line of its own. Newlines in
/// `text` are kept, each starting an indented line.
pub(crate) fn wrap(text: &str, width: usize, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + 16);
    for (n, paragraph) in text.split('\n').enumerate() {
        // Columns used on this line, and whether a word has been put on it.
        let (mut used, mut fresh) = (0, true);
        if n > 0 {
            out.push('\n');
            out.push_str(&pad);
            used = indent;
        }
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let w = columns(word);
            if !fresh && used + 1 + w > width {
                out.push('\n');
                out.push_str(&pad);
                used = indent;
            } else if !fresh {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += w;
            fresh = false;
        }
    }
    out
}

/// `text` cut to at most `width` columns, ending in an ellipsis when cut,
/// at a word's end where one is near.
pub(crate) fn shorten(text: &str, width: usize) -> String {
    if columns(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = columns(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    // Back to the last whole word, unless that throws most of the room away.
    if let Some(space) = kept.rfind(' ')
        && columns(&kept[..space]) * 3 >= width * 2
    {
        kept.truncate(space);
    }
    let mut kept = kept.trim_end().trim_end_matches([',', ':', ';', '.']).to_string();
    kept.push(ELLIPSIS);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lines_break_between_words_and_continue_indented() {
        let text = "stretch: cues cannot play: no sound server is running here";
        assert_eq!(wrap(text, 30, 2), "stretch: cues cannot play: no\n  sound server is running here");
        assert_eq!(wrap("a /very/long/path/that/is/long b", 10, 0), "a\n/very/long/path/that/is/long\nb");
        assert_eq!(wrap("one\ntwo three", 5, 0), "one\ntwo\nthree");
    }

    #[test]
    fn a_line_after_a_newline_is_indented_within_the_width() {
        let text = "stretch: cues cannot play.\nWhy: no sound server at /run/user/1000/pulse/native here";
        let wrapped = wrap(text, 30, 2);
        assert_eq!(
            wrapped,
            "stretch: cues cannot play.\n  Why: no sound server at\n  /run/user/1000/pulse/native\n  here"
        );
        assert!(wrapped.lines().all(|l| columns(l) <= 30), "{wrapped}");
    }

    #[test]
    fn a_shortened_line_ends_in_an_ellipsis_at_a_word() {
        assert_eq!(
            shorten("Hold. Heels on the floor, knees straight.", 100),
            "Hold. Heels on the floor, knees straight."
        );
        assert_eq!(shorten("Hold. Heels on the floor, knees straight.", 20), "Hold. Heels on the…");
        assert_eq!(shorten("Hold. Heels on the floor", 4), "Hol…");
        assert_eq!(shorten("Hold", 0), "");
        assert_eq!(shorten("Wadenmuskel – dehnen", 14), "Wadenmuskel…");
    }

    proptest! {
        #[test]
        fn what_is_shortened_fits(text in "\\PC{0,60}", width in 0usize..50) {
            prop_assert!(columns(&shorten(&text, width)) <= width);
        }

        #[test]
        fn wrapping_keeps_every_word(text in "[a-z ]{0,80}", width in 1usize..40) {
            let wrapped = wrap(&text, width, 2);
            prop_assert_eq!(
                wrapped.split_whitespace().collect::<Vec<_>>(),
                text.split_whitespace().collect::<Vec<_>>()
            );
            for line in wrapped.lines() {
                prop_assert!(columns(line) <= width || !line.trim().contains(' '), "{line:?}");
            }
        }
    }
}
