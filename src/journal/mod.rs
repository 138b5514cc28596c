//! The journal: its records ([`record`]), the file they live in ([`store`]),
//! the one reader of its lines ([`read`]), what the records say in the light
//! of each other ([`ledger`]), and the one tally of the nights they make
//! ([`tally`]), over the nights a view covers ([`range`]).

pub(crate) mod ahead;
pub(crate) mod cache;
mod codec;
pub(crate) mod digest;
pub(crate) mod ledger;
pub(crate) mod marks;
pub(crate) mod nights;
pub(crate) mod range;
mod read;
mod record;
pub(crate) mod slots;
mod store;
pub(crate) mod tally;
pub(crate) mod weeks;

pub use read::parse;
pub(crate) use read::{Problem, Stored, parse_line};
pub(crate) use record::FIRST_NIGHT;
pub(crate) use record::new_id;
pub use record::{AudioUsed, Record, SCHEMA, Session, Source};
pub(crate) use record::{Cramp, Leg};
pub(crate) use store::{append, append_unless, check_writable, load, load_foreign, merge, read};
