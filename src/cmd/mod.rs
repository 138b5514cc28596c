//! One module per subcommand.

pub mod log;
pub mod routines;
pub mod tonight;
