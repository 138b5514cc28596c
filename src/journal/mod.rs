//! The journal: records, the file they live in, and the nights they make.

mod file;
pub mod nights;

pub use file::*;
