//! Key mode, and leaving the terminal as we found it, whatever happens. One
//! mode serves both in-session keys and single-key questions: [`KeyMode`]
//! holds it and puts the terminal back when dropped; [`restore`] does the same
//! from anywhere (the signal thread, the error path, the panic hook).

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, Once};

use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};

/// The terminal settings found before key mode began; `None` when unchanged.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// Stdin's terminal is in key mode while this lives; dropping it restores the
/// terminal as it was found.
#[must_use = "the terminal is restored when this is dropped"]
pub(crate) struct KeyMode {
    /// Only [`KeyMode::enter`] makes one.
    _entered: (),
}

impl KeyMode {
    /// Enters key mode; `None`, changing nothing, when stdin is not a terminal
    /// this process may change (see [`enter_key_mode`]).
    pub(crate) fn enter() -> Option<KeyMode> {
        enter_key_mode().then_some(KeyMode { _entered: () })
    }
}

impl Drop for KeyMode {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts stdin's terminal into key mode: each key arrives at once and is not
/// echoed. Unlike full raw mode, Ctrl-C and Ctrl-Z still send their signals
/// (so Ctrl-C stops a session exactly as without keys) and output still
/// starts each line at the left edge. Returns false, changing nothing, when
/// stdin is not a terminal or this process is not in its foreground (a
/// background job that touched the terminal would be stopped by the shell).
fn enter_key_mode() -> bool {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() || !in_foreground(&stdin) {
        return false;
    }
    let Ok(found) = termios::tcgetattr(&stdin) else { return false };
    let mut saved = lock_saved();
    if termios::tcsetattr(&stdin, SetArg::TCSANOW, &key_mode(&found)).is_err() {
        return false;
    }
    saved.get_or_insert(found);
    restore_on_panic();
    true
}

/// Puts key mode back if something undid it while stretch still wants keys:
/// a shell resets the terminal when Ctrl-Z stops stretch, and `fg` does not
/// put stretch's mode back.
pub(crate) fn keep_key_mode() {
    let stdin = std::io::stdin();
    let saved = lock_saved();
    if saved.is_none() || !in_foreground(&stdin) {
        return;
    }
    if let Ok(now) = termios::tcgetattr(&stdin)
        && now.local_flags.contains(LocalFlags::ICANON)
    {
        let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, &key_mode(&now));
    }
}

/// `settings` with each key arriving at once, unechoed.
fn key_mode(settings: &Termios) -> Termios {
    let mut keys = settings.clone();
    keys.local_flags.remove(LocalFlags::ICANON | LocalFlags::ECHO);
    keys.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    keys.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    keys
}

/// Whether this process owns the terminal now (a background job must not touch it).
fn in_foreground(stdin: &std::io::Stdin) -> bool {
    nix::unistd::tcgetpgrp(stdin) == Ok(nix::unistd::getpgrp())
}

/// Whether a progress bar was started, which hides the cursor while it draws.
static CURSOR_HIDDEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A progress bar is about to draw: [`restore`] shows the cursor again.
pub(crate) fn cursor_may_be_hidden() {
    CURSOR_HIDDEN.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Leaves key mode and shows the cursor again, if a progress bar
/// hid it. Safe to call at any time, from any thread, any number of times.
pub(crate) fn restore() {
    if let Some(found) = lock_saved().take() {
        // From the background the terminal is the shell's, which put its
        // own modes back when stretch was stopped: leave them be.
        if in_foreground(&std::io::stdin()) {
            // Queued keys belong to the session, not to the shell that comes next.
            let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSAFLUSH, &found);
        }
    }
    // Only a live bar hides the cursor; a dumb terminal is sent no codes.
    if !CURSOR_HIDDEN.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = err.write_all(b"\x1b[?25h");
    }
    let mut out = std::io::stdout();
    if out.is_terminal() {
        let _ = out.write_all(b"\x1b[?25h").and_then(|()| out.flush());
    }
}

/// A poisoned lock still holds the settings to put back.
fn lock_saved() -> std::sync::MutexGuard<'static, Option<Termios>> {
    SAVED.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// From now on, a panic restores the terminal before its message is printed,
/// so the message is readable and the shell usable.
pub(crate) fn restore_on_panic() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
