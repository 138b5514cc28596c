//! The terminal: its modes (and putting them back), in-session keys,
//! single-key prompts, the session display, and the one way to stdout.

pub mod display;
pub mod keys;
pub mod mode;
pub mod output;
pub mod prompt;
pub mod visible;
