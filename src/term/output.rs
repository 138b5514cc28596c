//! The one way to stdout, with one policy for the whole program.
//!
//! A write never panics and never stops the command: a reader that closed
//! the pipe (`stretch log | head`) silently ends the output, so a report
//! ends quietly and a session runs on and records itself. Any other failure
//! (a full disk) is remembered, and [`finish`] reports it once and makes the
//! exit code 1, so an export cut short never looks like a success. Words are
//! written with their control characters escaped ([`visible_lines`]); only
//! [`painted`] and [`bytes`] write escape codes, stretch's own.

use std::io::{ErrorKind, Write};
use std::sync::Mutex;

use crate::error::{code, io_cause};
use crate::visible::visible_lines;

/// What has happened to stdout so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Every write so far arrived.
    Open,
    /// The reader went away: nothing more is written, and that is fine.
    Closed,
    /// A write failed otherwise; nothing more is written.
    Failed(ErrorKind, Option<i32>),
}

static STATE: Mutex<State> = Mutex::new(State::Open);

/// Writes `text` to stdout, its control characters but line breaks and tabs
/// escaped: whatever came from outside in it cannot drive the terminal.
pub(crate) fn text(text: &str) {
    bytes(visible_lines(text).as_bytes());
}

/// Writes `text` and a newline to stdout, escaped as [`text`] does.
pub(crate) fn line(text: &str) {
    let text = visible_lines(text);
    let mut out = std::io::stdout().lock();
    write_with(&mut out, |out| out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n")));
}

/// Writes `text` to stdout as it is, with the escape codes stretch paints
/// itself (colours, clearing a line): only for text whose outside parts were
/// made [`visible`](crate::visible::visible) where they were read.
pub(crate) fn painted(text: &str) {
    bytes(text.as_bytes());
}

/// Writes `bytes` to stdout as they are.
pub(crate) fn bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    write_with(&mut out, |out| out.write_all(bytes));
}

/// Writes `pieces` to stdout one after another, as they are, through one
/// buffer: a long export made of many pieces goes out in few writes.
pub(crate) fn pieces<'p>(pieces: impl IntoIterator<Item = &'p [u8]>) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    write_with(&mut out, |out| pieces.into_iter().try_for_each(|piece| out.write_all(piece)));
}

/// Runs `write` and flushes (so a failure shows now, not at exit), unless
/// stdout already closed or failed; remembers how it went.
fn write_with<W: Write>(out: &mut W, write: impl FnOnce(&mut W) -> std::io::Result<()>) {
    let mut state = STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if *state != State::Open {
        return;
    }
    if let Err(e) = write(out).and_then(|()| out.flush()) {
        *state = settle(&e);
    }
}

fn settle(e: &std::io::Error) -> State {
    match e.kind() {
        ErrorKind::BrokenPipe => State::Closed,
        kind => State::Failed(kind, e.raw_os_error()),
    }
}

/// Stdout as a [`Write`] for code that wants one (the `--json` event stream).
/// Every write is reported as done: what happened is kept for [`finish`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The exit code after a command that would exit with `exit`: unchanged,
/// unless a write to stdout failed for a reason other than a closed pipe;
/// then the failure is reported once and a success becomes 1.
pub(crate) fn finish(exit: u8) -> u8 {
    let mut out = std::io::stdout().lock();
    write_with(&mut out, |_| Ok(()));
    drop(out);
    let state = *STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let State::Failed(kind, os) = state else { return exit };
    let err = os.map_or_else(|| std::io::Error::from(kind), std::io::Error::from_raw_os_error);
    crate::errln!("stretch: could not write to standard output: {}", io_cause(&err));
    if exit == code::OK { code::FAILURE } else { exit }
}

/// Writes `text` to stderr, escaped as [`text`] does. A message is never worth a panic: a
/// stderr that cannot be written (a full disk under cron, a closed pipe) is
/// passed over, and the session or the record it reports goes on.
pub(crate) fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(visible_lines(text).as_bytes());
}

/// Like `eprintln!`, through [`err`]: never panics.
#[macro_export]
macro_rules! errln {
    () => {
        $crate::term::output::err("\n")
    };
    ($($arg:tt)*) => {
        $crate::term::output::err(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Like `eprint!`, through [`err`]: never panics.
#[macro_export]
macro_rules! errprint {
    ($($arg:tt)*) => {
        $crate::term::output::err(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_not_a_failure_but_a_full_disk_is() {
        let pipe = std::io::Error::from(ErrorKind::BrokenPipe);
        assert_eq!(settle(&pipe), State::Closed);
        let full = std::io::Error::from_raw_os_error(28);
        assert_eq!(settle(&full), State::Failed(ErrorKind::StorageFull, Some(28)));
    }
}
