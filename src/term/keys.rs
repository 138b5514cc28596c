//! Keys during a session at a terminal: space pauses and resumes, `s` skips
//! the rest of a rest or getting-ready phase, `q` or Esc stops. They are read
//! on a thread of their own and reach the runner on the channel Ctrl-C uses;
//! under cron or a pipe there is no terminal and nothing is read.

use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use signal_hook::SigId;
use signal_hook::consts::SIGCONT;

use crate::clock::{Control, StopReason};
use crate::term::mode::{self as terminal, KeyMode};

/// The line shown when keys are live.
pub(crate) const HINT: &str = "Keys: space pauses and resumes, s skips ahead to the next hold, q stops.";

/// Keys are being read; dropping this stops the reader (so no later question
/// loses a key to it) and puts the terminal back as it was.
#[must_use = "the terminal is restored when this is dropped"]
pub(crate) struct Listening {
    stop: Arc<AtomicBool>,
    /// Set once any key is read: a person is at the terminal.
    pressed: Arc<AtomicBool>,
    /// Closing it wakes the reader, so the session ends without waiting.
    wake: Option<std::io::PipeWriter>,
    reader: Option<JoinHandle<()>>,
    /// Writes a byte to the reader's `continued` socket on each SIGCONT.
    on_continue: SigId,
    /// Dropped last, after the reader has stopped: restores the terminal.
    _mode: KeyMode,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.take();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        signal_hook::low_level::unregister(self.on_continue);
    }
}

impl Listening {
    /// Whether any key was pressed: someone was at the terminal, which is
    /// what makes a scheduled session one a person attended.
    pub(crate) fn pressed(&self) -> bool {
        self.pressed.load(Ordering::Relaxed)
    }
}

/// What wakes the reader besides a key.
struct Wakers {
    /// Closed (end of file) when the session ends.
    woken: std::io::PipeReader,
    /// Readable after SIGCONT: the shell may have undone key mode while stopped.
    continued: UnixStream,
}

/// Starts reading keys from stdin, if it is this process's terminal; each
/// key's control goes to `controls`.
pub(crate) fn listen(controls: Sender<Control>) -> Option<Listening> {
    let (woken, wake) = std::io::pipe().ok()?;
    let (continued, signalled) = UnixStream::pair().ok()?;
    continued.set_nonblocking(true).ok()?;
    signalled.set_nonblocking(true).ok()?;
    let mode = KeyMode::enter()?;
    let on_continue = signal_hook::low_level::pipe::register(SIGCONT, signalled).ok()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let pressed = Arc::new(AtomicBool::new(false));
    let heard = Arc::clone(&pressed);
    let wakers = Wakers { woken, continued };
    let reader =
        std::thread::Builder::new().name("keys".into()).spawn(move || read_keys(&stopped, &heard, &controls, &wakers));
    match reader {
        Ok(reader) => {
            Some(Listening { stop, pressed, wake: Some(wake), reader: Some(reader), on_continue, _mode: mode })
        }
        Err(_) => {
            signal_hook::low_level::unregister(on_continue);
            None
        }
    }
}

/// Reads stdin until told to stop (and woken through `wakers`), the terminal
/// goes away, or the runner does. It sleeps in `poll` with no timeout, so a
/// session at rest costs no wake-ups here.
fn read_keys(stop: &AtomicBool, pressed: &AtomicBool, controls: &Sender<Control>, wakers: &Wakers) {
    let stdin = std::io::stdin();
    // Straight from the descriptor: std's buffer could hold keys that poll cannot see.
    let mut buffer = [0u8; 256];
    while !stop.load(Ordering::Relaxed) {
        let mut fds = [
            PollFd::new(stdin.as_fd(), PollFlags::POLLIN),
            PollFd::new(wakers.woken.as_fd(), PollFlags::POLLIN),
            PollFd::new(wakers.continued.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => {
                terminal::keep_key_mode();
                continue;
            }
            Err(_) => return,
            Ok(_) => {}
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        if ready(&fds[2]) {
            // Drain every SIGCONT at once: one re-application covers them all.
            while (&wakers.continued).read(&mut buffer).is_ok_and(|n| n > 0) {}
            terminal::keep_key_mode();
        }
        if !ready(&fds[0]) {
            continue;
        }
        // A burst (an arrow key's escape sequence, a paste) arrives in one read.
        let Ok(n @ 1..) = nix::unistd::read(stdin.as_fd(), &mut buffer) else { return };
        pressed.store(true, Ordering::Relaxed);
        if decode(&buffer[..n]).into_iter().any(|control| controls.send(control).is_err()) {
            return;
        }
    }
}

const ESC: u8 = 0x1b;

/// The controls in one read of key bytes. Space always asks for a pause: the
/// runner takes a pause while paused as the resume. An Esc alone is a stop;
/// an Esc that begins a sequence (an arrow or function key) is ignored whole.
pub(crate) fn decode(bytes: &[u8]) -> Vec<Control> {
    let mut controls = Vec::new();
    let mut rest = bytes;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b' ' => controls.push(Control::Pause),
            b's' | b'S' => controls.push(Control::Skip),
            b'q' | b'Q' => controls.push(Control::Stop(StopReason::Quit)),
            ESC => match rest.split_first() {
                None => controls.push(Control::Stop(StopReason::Quit)),
                // CSI: parameters, then one final byte in @..=~.
                Some((b'[', csi)) => {
                    let end = csi.iter().position(|b| (0x40..=0x7e).contains(b)).map_or(csi.len(), |i| i + 1);
                    rest = &csi[end..];
                }
                // SS3 (`ESC O x`) or Alt+key (`ESC x`): the next byte belongs to it.
                Some((b'O', ss3)) => rest = ss3.get(1..).unwrap_or_default(),
                Some((_, after)) => rest = after,
            },
            _ => {}
        }
    }
    controls
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIT: Control = Control::Stop(StopReason::Quit);

    #[test]
    fn each_key_maps_to_its_control() {
        assert_eq!(decode(b" "), [Control::Pause]);
        assert_eq!(decode(b"s"), [Control::Skip]);
        assert_eq!(decode(b"S"), [Control::Skip]);
        assert_eq!(decode(b"q"), [QUIT]);
        assert_eq!(decode(b"\x1b"), [QUIT]);
        assert_eq!(decode(b"x\n\t"), []);
    }

    #[test]
    fn a_burst_gives_every_control_in_order() {
        assert_eq!(decode(b"  sq"), [Control::Pause, Control::Pause, Control::Skip, QUIT]);
    }

    #[test]
    fn arrow_and_function_keys_are_not_an_escape() {
        for sequence in [&b"\x1b[A"[..], b"\x1b[15~", b"\x1bOP", b"\x1b[1;5C", b"\x1bq"] {
            assert_eq!(decode(sequence), [], "{sequence:?}");
        }
        assert_eq!(decode(b"\x1b[Bs"), [Control::Skip], "a key after a sequence still counts");
    }
}
