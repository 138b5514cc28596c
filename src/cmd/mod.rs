//! One module per subcommand.

pub mod completions;
pub mod config;
pub mod cramp;
pub mod doctor;
pub mod log;
pub mod man;
pub mod report;
pub mod routines;
pub mod schedule;
pub mod tonight;

/// Writes generated text (a script, a page) to stdout, by the one stdout policy.
fn print_generated(bytes: &[u8]) -> crate::error::Result<u8> {
    crate::term::output::bytes(bytes);
    Ok(crate::error::code::OK)
}
