//! Integration tests: the real `stretch` binary, in an isolated home.

mod audio;
mod config;
mod cramp;
mod keys;
mod routines;
mod support;
mod tonight;
