//! Integration tests: the real `stretch` binary, in an isolated home.

mod audio;
mod cramp;
mod cron;
mod durability;
mod log;
mod routines;
mod schedule;
mod support;
mod tonight;
