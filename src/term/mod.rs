//! The terminal: its modes (and putting them back), in-session keys,
//! single-key prompts, the session display, how output may look (live,
//! coloured), and the one way to stdout.

pub(crate) mod display;
pub(crate) mod fit;
pub(crate) mod keys;
pub(crate) mod look;
pub(crate) mod mode;
pub(crate) mod output;
pub(crate) mod prompt;
pub(crate) mod words;
