//! Leaving the terminal as we found it, whatever happens.

use std::io::{IsTerminal, Write};

/// Shows the cursor again, if a progress bar hid it. Safe to call at any time.
pub fn restore() {
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = err.write_all(b"\x1b[?25h");
    }
    let mut out = std::io::stdout();
    if out.is_terminal() {
        let _ = out.write_all(b"\x1b[?25h").and_then(|()| out.flush());
    }
}
