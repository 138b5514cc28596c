//! One module per subcommand.

pub mod cramp;
pub mod doctor;
pub mod log;
pub mod routines;
pub mod schedule;
pub mod tonight;
