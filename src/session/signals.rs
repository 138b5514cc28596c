//! Every signal that ends a session during a routine (Ctrl-C, SIGTERM, a
//! closed terminal's SIGHUP, Ctrl-\\'s SIGQUIT): the first asks the runner to
//! stop (the session is still recorded, as partial, and the terminal put
//! back); a second exits at once.
//!
//! A session moved to the background (Ctrl-Z, `bg`) must finish and release
//! its lock rather than stop on its own terminal: SIGTTOU and SIGTTIN are
//! blocked, so writing to the terminal or putting its modes back from the
//! background proceeds (and [`crate::term::mode`] only touches modes from the
//! foreground), and reading keys there fails instead of stopping the process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use nix::sys::signal::{SigSet, Signal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::clock::{Control, StopReason};
use crate::error::{Error, Result};

/// Blocks SIGTTOU and SIGTTIN in this thread and every thread it starts
/// from now on (the key reader among them): call it before starting any.
pub(crate) fn survive_the_background() -> Result<()> {
    let mut background = SigSet::empty();
    background.add(Signal::SIGTTOU);
    background.add(Signal::SIGTTIN);
    background.thread_block().map_err(|e| Error::failure(format!("could not prepare for the background: {e}")))
}

/// Whether the runner walks the timeline yet: before it does (the sound
/// server is still being reached), there is nothing to stop gracefully and
/// nothing to record, so a signal ends the program at once.
static RUNNING: AtomicBool = AtomicBool::new(false);

/// The runner is about to walk the timeline: signals ask it to stop from now on.
pub(crate) fn runner_started() {
    RUNNING.store(true, Ordering::SeqCst);
}

/// Forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the runner as stop
/// controls, from now on, once it runs ([`runner_started`]); before, a
/// signal exits at once. The same signal twice (Ctrl-C pressed again)
/// exits at once; another signal while the stop is under way (systemd
/// sends SIGTERM, then SIGHUP) is passed over, so the record is still written.
pub(crate) fn forward_to(controls: Sender<Control>) -> Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
        .map_err(|e| Error::failure(format!("could not watch for Ctrl-C: {e}")))?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut asked = None;
            for signal in signals.forever() {
                let reason = match signal {
                    SIGTERM => StopReason::Terminate,
                    SIGHUP => StopReason::Hangup,
                    SIGQUIT => StopReason::QuitSignal,
                    _ => StopReason::Interrupt,
                };
                match asked {
                    Some(first) if first != signal => continue,
                    Some(_) => {}
                    None if !RUNNING.load(Ordering::SeqCst) => {}
                    None if controls.send(Control::Stop(reason)).is_ok() => {
                        asked = Some(signal);
                        continue;
                    }
                    None => {}
                }
                crate::term::mode::restore();
                std::process::exit(i32::from(reason.exit_code()));
            }
        })
        .map_err(|e| Error::failure(format!("could not watch for Ctrl-C: {e}")))?;
    Ok(())
}
