//! The schedule: the crontab block (pure text) and the `crontab` program (I/O).

mod block;
pub mod crontab;

pub use block::*;
