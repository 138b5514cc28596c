//! `stretch man [COMMAND]`: the manual page, in roff, generated from the
//! command line's own definition (the same text as `--help`).

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Writes the page of stretch, or of one subcommand, to stdout.
pub fn run(subcommand: Option<&str>) -> Result<u8> {
    let mut page = Vec::new();
    render(subcommand, &mut page)?;
    super::print_generated(&page)
}

/// Renders the page into `out`.
pub fn render(subcommand: Option<&str>, out: &mut Vec<u8>) -> Result<()> {
    let mut stretch = Cli::command();
    stretch.build();
    let command = match subcommand {
        None => stretch,
        Some(name) => {
            let names: Vec<_> = stretch.get_subcommands().map(|c| c.get_name().to_string()).collect();
            let found = stretch.find_subcommand(name).cloned();
            found.ok_or_else(|| {
                Error::usage(format!("no command named {name:?}; pages exist for: {}", names.join(", ")))
            })?
        }
    };
    clap_mangen::Man::new(command).render(out).map_err(|e| Error::failure(format!("could not render the manual: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(subcommand: Option<&str>) -> String {
        let mut out = Vec::new();
        render(subcommand, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_main_page_lists_the_commands() {
        let text = page(None);
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "roff: {}", &text[..40]);
        assert!(text.contains(".TH stretch 1"), "{text}");
        assert!(text.contains("tonight"));
    }

    #[test]
    fn a_subcommand_page_has_its_options() {
        let text = page(Some("tonight"));
        assert!(text.contains(".TH stretch-tonight 1"), "{}", &text[..300]);
        assert!(text.contains("\\-\\-hold"), "{text}");
        let err = render(Some("nope"), &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("tonight"), "{}", err.message);
    }
}
