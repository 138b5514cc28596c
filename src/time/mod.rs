//! Values of time a person writes: durations, times of day and moments.

pub(crate) mod at;
pub(crate) mod duration;
pub(crate) mod nights_ago;
pub(crate) mod of_day;
