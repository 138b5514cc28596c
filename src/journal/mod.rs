//! The journal: records, the file they live in, and the nights they make.

mod brief;
mod file;
pub mod nights;
mod scan;
pub mod slots;
mod standing;
pub mod unique;
pub mod weeks;

pub use brief::{Brief, Fact, SessionFact, parse_brief};
pub use file::*;
pub use standing::Standing;
