//! One module per subcommand.

pub mod completions;
pub mod config;
pub mod cramp;
pub mod doctor;
pub mod log;
pub mod man;
pub mod routines;
pub mod schedule;
pub mod tonight;

/// Writes generated text (a script, a page) to stdout; a reader that went away
/// early (`| head`) is an error with a message, not a panic.
fn print_generated(what: &str, bytes: &[u8]) -> crate::error::Result<u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| crate::error::Error::failure(format!("could not write the {what}: {e}")))?;
    Ok(crate::error::code::OK)
}
