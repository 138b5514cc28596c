//! The one error type of the program and the exit codes it maps to.
//!
//! Errors are printed once, by `main`, as `stretch: <message>`. A message names
//! the value or path that was wrong and, where there is one, the fix.

use std::fmt;

/// Exit codes, as documented in the README and in `--help`.
pub(crate) mod code {
    /// The routine completed, or the command did what was asked.
    pub(crate) const OK: u8 = 0;
    /// Something failed while running (a file could not be written, ...).
    pub(crate) const FAILURE: u8 = 1;
    /// The command line or an input file was wrong; nothing was done.
    pub(crate) const USAGE: u8 = 2;
    /// Another session is running (`EX_TEMPFAIL`).
    pub(crate) const BUSY: u8 = 75;
    /// Stopped by Ctrl-C, `q` or Esc (128 + SIGINT).
    pub(crate) const INTERRUPTED: u8 = 130;
    /// Stopped by SIGTERM (128 + SIGTERM).
    pub(crate) const TERMINATED: u8 = 143;
    /// Stopped because the terminal closed (128 + SIGHUP).
    pub(crate) const HANGUP: u8 = 129;
    /// Stopped by Ctrl-\ (128 + SIGQUIT).
    pub(crate) const QUIT_SIGNAL: u8 = 131;
}

/// An error that ends the command, with the exit code it deserves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The process exit code.
    pub code: u8,
    /// What went wrong, for a person; printed after `stretch: `.
    pub message: String,
}

impl Error {
    /// Bad input: a flag value, a routine file, a name that resolves to nothing.
    pub fn usage(message: impl Into<String>) -> Self {
        Error { code: code::USAGE, message: message.into() }
    }

    /// A failure while doing the work: I/O, a device, a child program.
    pub fn failure(message: impl Into<String>) -> Self {
        Error { code: code::FAILURE, message: message.into() }
    }

    /// Someone else holds what we need.
    pub fn busy(message: impl Into<String>) -> Self {
        Error { code: code::BUSY, message: message.into() }
    }

    /// An I/O error about `path`, phrased as `could not <doing> <path>: <cause>`.
    pub fn io(doing: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        let path = crate::visible::Outside::path(path);
        Error::failure(format!("could not {doing} {path}: {}", io_cause(err)))
    }
}

/// The part of an I/O error a person can act on, without Rust's `(os error N)`.
pub(crate) fn io_cause(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

impl fmt::Display for Error {
    /// The message, its control characters escaped: an error names paths and
    /// values that came from outside, which must not drive the terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::visible::visible_lines(&self.message))
    }
}

impl std::error::Error for Error {}

/// The result type of everything that can end a command.
pub(crate) type Result<T> = std::result::Result<T, Error>;
