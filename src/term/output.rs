//! Writing to stdout without dying when the reader has gone away
//! (`stretch log | head`): a closed pipe ends the output, not the program.

use std::io::Write;

/// Writes `text` to stdout as it is; a closed pipe or full disk is not our error.
pub fn text(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints a formatted line to stdout, like `println!`, but never panics.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::term::output::text(&format!("{}\n", format_args!($($arg)*)))
    };
}
