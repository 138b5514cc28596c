//! One module per subcommand.

pub(crate) mod completions;
pub(crate) mod config;
pub(crate) mod cramp;
pub(crate) mod doctor;
pub(crate) mod log;
pub(crate) mod man;
pub(crate) mod report;
pub(crate) mod routines;
pub(crate) mod schedule;
pub(crate) mod tonight;

/// Writes generated text (a script, a page) to stdout, by the one stdout policy.
fn print_generated(bytes: &[u8]) -> crate::error::Result<u8> {
    crate::term::output::bytes(bytes);
    Ok(crate::error::code::OK)
}
