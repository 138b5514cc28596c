//! Single-key questions for a person half asleep: one keypress answers,
//! Enter takes the default, Esc, `q` or Ctrl-C cancels.
//!
//! Keys are read in the same key mode as in-session keys, so Ctrl-C stays a
//! signal. While a question waits, SIGINT, SIGTERM and SIGHUP are held back
//! and read as events beside the keys: each one cancels the question after
//! the terminal is put back, whatever the shell (no handler runs in between).

use std::io::Write;
use std::os::fd::AsFd;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use crate::error::{Error, Result, code};
use crate::term::mode::{self, KeyMode};

/// One choice: the key that picks it, its value, and the word echoed for it.
pub(crate) struct Choice<T> {
    /// The key (lower case).
    pub key: char,
    /// What it means.
    pub value: T,
    /// What the answer is called, echoed after the question (`left`).
    pub label: &'static str,
}

/// Asks `question` on the terminal and returns the chosen value, that of
/// `choices[default]` on Enter; either way the answer's label is echoed, so
/// a person half asleep sees what was taken. Another key gets a hint of the
/// keys that answer. Esc, `q` or Ctrl-C cancel with exit code 130; SIGTERM
/// and SIGHUP end with 128 + the signal.
pub(crate) fn ask<T: Copy>(question: &str, choices: &[Choice<T>], default: usize) -> Result<T> {
    let signals = Held::start()?;
    let keys = KeyMode::enter().ok_or_else(|| Error::failure("could not read single keys: stdin is not a terminal"))?;
    // Asked only once keys arrive one by one, so an Enter typed at once counts.
    crate::errprint!("{question} ");
    let _ = std::io::stderr().flush();
    let answer = wait_for_answer(choices, &signals);
    drop(keys);
    drop(signals);
    match answer {
        Ok(Some(i)) => {
            crate::errln!("{}", choices[i].label);
            Ok(choices[i].value)
        }
        Ok(None) => {
            crate::errln!("{}", choices[default].label);
            Ok(choices[default].value)
        }
        Err(e) => {
            crate::errln!();
            Err(e)
        }
    }
}

/// Reads keys until one answers: `Some(index)` of a choice, `None` for the default.
fn wait_for_answer<T>(choices: &[Choice<T>], signals: &Held) -> Result<Option<usize>> {
    let stdin = std::io::stdin();
    let keys: Vec<char> = choices.iter().map(|c| c.key).collect();
    let mut buffer = [0u8; 64];
    loop {
        let mut fds =
            [PollFd::new(stdin.as_fd(), PollFlags::POLLIN), PollFd::new(signals.fd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(unreadable(e)),
        }
        signals.check()?;
        if fds[0].revents().is_none_or(|r| r.is_empty()) {
            continue;
        }
        let n = nix::unistd::read(stdin.as_fd(), &mut buffer).map_err(unreadable)?;
        if n == 0 {
            return Err(Error::failure("could not read the keyboard: the terminal closed"));
        }
        match answer(&buffer[..n], &keys) {
            Some(Answer::Cancel) => return Err(cancelled()),
            Some(Answer::Default) => return Ok(None),
            Some(Answer::Choice(i)) => return Ok(Some(i)),
            Some(Answer::Other) => {
                let keys: Vec<String> = keys.iter().map(char::to_string).collect();
                crate::errprint!("({}?) ", keys.join("/"));
                let _ = std::io::stderr().flush();
            }
            None => {}
        }
    }
}

/// What one read of key bytes says.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Enter.
    Default,
    /// Esc alone, or `q`.
    Cancel,
    /// The key of the choice at this index.
    Choice(usize),
    /// A key that answers nothing.
    Other,
}

const ESC: u8 = 0x1b;

/// The first answering key in `bytes`, if any. An Esc that begins a sequence
/// (an arrow or function key) is not an Esc, and is ignored whole.
fn answer(bytes: &[u8], keys: &[char]) -> Option<Answer> {
    let mut rest = bytes;
    let mut other = false;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'\r' | b'\n' => return Some(Answer::Default),
            b'q' | b'Q' => return Some(Answer::Cancel),
            ESC => match rest.split_first() {
                None => return Some(Answer::Cancel),
                Some((b'[', csi)) => {
                    let end = csi.iter().position(|b| (0x40..=0x7e).contains(b)).map_or(csi.len(), |i| i + 1);
                    rest = &csi[end..];
                }
                Some((b'O', ss3)) => rest = ss3.get(1..).unwrap_or_default(),
                Some((_, after)) => rest = after,
            },
            _ => {
                let key = char::from(byte).to_ascii_lowercase();
                if let Some(i) = keys.iter().position(|k| *k == key) {
                    return Some(Answer::Choice(i));
                }
                other |= byte.is_ascii_graphic() || byte == b' ';
            }
        }
    }
    other.then_some(Answer::Other)
}

fn cancelled() -> Error {
    Error { code: code::INTERRUPTED, message: "cancelled; nothing was recorded".into() }
}

fn unreadable(e: Errno) -> Error {
    Error::failure(format!("could not read the keyboard: {}", e.desc()))
}

/// SIGINT, SIGTERM and SIGHUP held back from their default action (and
/// SIGCONT watched) while a question waits; each arrives on `fd` instead.
/// Dropping this lets them act as before.
struct Held {
    fd: SignalFd,
    before: SigSet,
}

impl Held {
    fn start() -> Result<Held> {
        let mut set = SigSet::empty();
        for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGCONT] {
            set.add(signal);
        }
        let failed = |e: Errno| Error::failure(format!("could not watch for Ctrl-C: {}", e.desc()));
        let before = set.thread_swap_mask(SigmaskHow::SIG_BLOCK).map_err(failed)?;
        match SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC) {
            Ok(fd) => Ok(Held { fd, before }),
            Err(e) => {
                let _ = before.thread_set_mask();
                Err(failed(e))
            }
        }
    }

    /// Fails with the exit code of the first stopping signal that arrived; a
    /// SIGCONT (after Ctrl-Z and `fg`) puts key mode back instead.
    fn check(&self) -> Result<()> {
        while let Ok(Some(info)) = self.fd.read_signal() {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCONT) => mode::keep_key_mode(),
                Ok(Signal::SIGINT) => return Err(cancelled()),
                Ok(signal) => {
                    return Err(Error {
                        code: 128 + signal as u8,
                        message: format!("stopped by {signal} while waiting for an answer"),
                    });
                }
                Err(_) => {}
            }
        }
        Ok(())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.before.thread_set_mask();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [char; 3] = ['l', 'r', 'b'];

    #[test]
    fn enter_takes_the_default_either_way_it_arrives() {
        assert_eq!(answer(b"\r", &KEYS), Some(Answer::Default));
        assert_eq!(answer(b"\n", &KEYS), Some(Answer::Default));
    }

    #[test]
    fn a_choice_key_answers_in_either_case() {
        assert_eq!(answer(b"r", &KEYS), Some(Answer::Choice(1)));
        assert_eq!(answer(b"B", &KEYS), Some(Answer::Choice(2)));
        assert_eq!(answer(b"xzb", &KEYS), Some(Answer::Choice(2)), "other keys are passed over");
        assert_eq!(answer(b"x", &KEYS), Some(Answer::Other), "a wrong key gets a hint");
        assert_eq!(answer(b"\x1b[A", &KEYS), None, "an arrow is no key at all");
    }

    #[test]
    fn esc_alone_or_q_cancels_but_an_arrow_key_does_not() {
        assert_eq!(answer(b"\x1b", &KEYS), Some(Answer::Cancel));
        assert_eq!(answer(b"q", &KEYS), Some(Answer::Cancel));
        for sequence in [&b"\x1b[A"[..], b"\x1b[15~", b"\x1bOP", b"\x1bb"] {
            assert_eq!(answer(sequence, &KEYS), None, "{sequence:?}");
        }
        assert_eq!(answer(b"\x1b[Dl", &KEYS), Some(Answer::Choice(0)));
    }
}
