//! One module per subcommand.

pub mod routines;
pub mod tonight;
