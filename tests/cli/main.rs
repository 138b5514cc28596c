//! Integration tests: the real `stretch` binary, in an isolated home.

mod attend;
mod audio;
mod completion;
mod config;
mod cramp;
mod cron;
mod cron_faults;
mod crontab_guard;
mod durability;
mod escapes;
mod hand_edits;
mod hostile;
mod instants;
mod keys;
mod layers;
mod log;
mod log_actions;
#[cfg(feature = "notify")]
mod notify;
mod output;
mod paths;
mod place;
mod report;
mod routines;
mod schedule;
mod schedule_moved;
mod servers;
mod speech;
mod stock;
mod support;
mod tonight;
mod waits;
