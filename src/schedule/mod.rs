//! The schedule: the crontab block (pure text), the entry's command
//! (`invocation`), the `crontab` program, the check-mode run in cron's
//! environment, and the log scheduled runs keep.

mod block;
pub mod check;
pub mod crontab;
pub mod hearing;
pub mod invocation;
pub mod runlog;

pub use block::*;
