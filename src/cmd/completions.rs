//! `stretch completions SHELL`: a completion script generated from the
//! command line's own definition, so it can never fall out of date.

use clap::CommandFactory;

use crate::cli::{Cli, Shell};
use crate::error::Result;

/// Writes the script for `shell` to stdout.
pub fn run(shell: Shell) -> Result<u8> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "stretch", &mut script);
    super::print_generated(&script)
}
