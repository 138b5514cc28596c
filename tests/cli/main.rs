//! Integration tests: the real `stretch` binary, in an isolated home.

mod audio;
mod cramp;
mod durability;
mod log;
mod routines;
mod support;
mod tonight;
