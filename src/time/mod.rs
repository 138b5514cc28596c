//! Values of time a person writes: durations, times of day and moments.

pub mod duration;
