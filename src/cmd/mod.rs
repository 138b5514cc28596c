//! One module per subcommand.

pub mod cramp;
pub mod routines;
pub mod tonight;
