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
mod hand_edits;
mod hostile;
mod keys;
mod log;
mod log_actions;
mod notify;
mod output;
mod place;
mod report;
mod routines;
mod schedule;
mod schedule_moved;
mod servers;
mod support;
mod tonight;
