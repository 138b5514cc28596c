//! Routines: the file format and its validation, and the catalog of built-in
//! and user routines that `--routine` names.

pub(crate) mod catalog;
mod format;
pub(crate) mod timeline;

pub use format::*;
