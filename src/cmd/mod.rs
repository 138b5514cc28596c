//! One module per subcommand.

pub mod doctor;
pub mod routines;
pub mod schedule;
pub mod tonight;
