//! Single-key questions for a person half asleep: one keypress answers,
//! Enter takes the default, Esc or Ctrl-C cancels.

use std::io::Write;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use crate::error::{Error, Result, code};

/// One choice: the key that picks it and its value.
pub struct Choice<T> {
    /// The key (lower case).
    pub key: char,
    /// What it means.
    pub value: T,
}

/// Asks `question` on the terminal and returns the chosen value, `default` on
/// Enter. Other keys are ignored. Esc, `q` or Ctrl-C cancel with exit code 130.
pub fn ask<T: Copy>(question: &str, choices: &[Choice<T>], default: T) -> Result<T> {
    let answer = with_raw_mode(|| {
        // Asked only once keys arrive raw: an Enter typed at once is then `\r`,
        // not a `\n` that raw mode would read as Ctrl-J.
        eprint!("{question} ");
        let _ = std::io::stderr().flush();
        loop {
            match read_key()? {
                KeyCode::Enter => return Ok(None),
                KeyCode::Esc | KeyCode::Char('q') => return Err(cancelled()),
                KeyCode::Char(c) => {
                    if let Some(choice) = choices.iter().find(|ch| ch.key == c.to_ascii_lowercase()) {
                        return Ok(Some((choice.key, choice.value)));
                    }
                }
                _ => {}
            }
        }
    });
    match answer {
        Ok(Some((key, value))) => {
            eprintln!("{key}");
            Ok(value)
        }
        Ok(None) => {
            eprintln!();
            Ok(default)
        }
        Err(e) => {
            eprintln!();
            Err(e)
        }
    }
}

fn cancelled() -> Error {
    Error { code: code::INTERRUPTED, message: "cancelled; nothing was recorded".into() }
}

/// The next key press (not release); Ctrl-C, which raw mode turns into a key, cancels.
fn read_key() -> Result<KeyCode> {
    loop {
        let ev = event::read().map_err(|e| Error::failure(format!("could not read the keyboard: {e}")))?;
        if let Event::Key(KeyEvent { code, modifiers, kind: KeyEventKind::Press, .. }) = ev {
            if modifiers.contains(KeyModifiers::CONTROL) && code == KeyCode::Char('c') {
                return Err(cancelled());
            }
            return Ok(code);
        }
    }
}

/// Runs `f` with the terminal in raw mode, restoring it whatever `f` returns.
fn with_raw_mode<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    terminal::enable_raw_mode().map_err(|e| Error::failure(format!("could not read single keys: {e}")))?;
    let result = f();
    let _ = terminal::disable_raw_mode();
    result
}
