//! The journal: records, the file they live in, and the nights they make.

mod brief;
mod file;
pub(crate) mod nights;
mod scan;
pub(crate) mod slots;
mod standing;
pub(crate) mod unique;
pub(crate) mod weeks;

pub use brief::parse_brief;
pub(crate) use brief::{Brief, Fact};
pub use file::*;
pub(crate) use standing::Standing;
