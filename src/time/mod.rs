//! Values of time a person writes: durations, times of day and moments.

pub mod at;
pub mod duration;
pub mod nights_ago;
pub mod of_day;
