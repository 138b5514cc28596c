//! One module per subcommand.

pub mod cramp;
pub mod log;
pub mod routines;
pub mod tonight;
