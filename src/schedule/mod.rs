//! The schedule: the crontab block (pure text), the entry's command
//! (`invocation`), the `crontab` program, the guarded edit of the crontab and
//! its backups, proving an entry by its check-mode run in cron's environment,
//! and the log scheduled runs keep.

pub(crate) mod backup;
mod block;
pub(crate) mod check;
pub(crate) mod crontab;
pub(crate) mod guard;
pub(crate) mod hearing;
pub(crate) mod invocation;
pub(crate) mod missed;
pub(crate) mod prove;
pub(crate) mod runlog;

pub use block::*;
