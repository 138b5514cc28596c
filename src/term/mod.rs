//! The terminal: its modes (and putting them back), in-session keys,
//! single-key prompts, the session display, how output may look (live,
//! coloured), and the one way to stdout.

pub mod display;
pub mod keys;
pub mod look;
pub mod mode;
pub mod output;
pub mod prompt;
pub mod visible;
pub mod words;
