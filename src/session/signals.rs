//! Ctrl-C and SIGTERM during a routine: the first asks the runner to stop
//! (the session is still recorded, as partial); a second exits at once.

use std::sync::mpsc::Sender;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::error::{Error, Result, code};
use crate::session::clock::{Control, StopReason};

/// Forwards SIGINT and SIGTERM to the runner as stop controls, from now on.
pub fn forward_to(controls: Sender<Control>) -> Result<()> {
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).map_err(|e| Error::failure(format!("could not watch for Ctrl-C: {e}")))?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut asked = false;
            for signal in signals.forever() {
                let (reason, exit) = match signal {
                    SIGTERM => (StopReason::Terminate, code::TERMINATED),
                    _ => (StopReason::Interrupt, code::INTERRUPTED),
                };
                if asked || controls.send(Control::Stop(reason)).is_err() {
                    crate::term::mode::restore();
                    std::process::exit(i32::from(exit));
                }
                asked = true;
            }
        })
        .map_err(|e| Error::failure(format!("could not watch for Ctrl-C: {e}")))?;
    Ok(())
}
