//! `stretch man [COMMAND...]`: the manual page, in roff, generated from the
//! command line's own definition (the same text as `--help`), with the
//! sections `--help` has no room for written here by hand. `--dir` writes
//! every page at once, as the Debian package installs them.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Keys, files, environment, exit status, the routine format and examples:
/// the main page's own sections.
const SECTIONS: &str = include_str!("sections.roff");

/// Writes the page of stretch, or of a subcommand (`schedule add`), to stdout.
pub(crate) fn run(path: &[String]) -> Result<u8> {
    let mut page = Vec::new();
    render(path, &mut page)?;
    super::print_generated(&page)
}

/// Renders the page of the command at `path` (empty: stretch itself) into `out`.
pub(crate) fn render(path: &[String], out: &mut Vec<u8>) -> Result<()> {
    let mut command = without_help_command(Cli::command());
    command.build();
    for name in path {
        let names: Vec<_> =
            command.get_subcommands().filter(|c| !c.is_hide_set()).map(|c| c.get_name().to_string()).collect();
        let Some(found) = command.find_subcommand(name).cloned() else {
            let under =
                if command.get_name() == "stretch" { String::new() } else { format!(" under {}", command.get_name()) };
            return Err(Error::usage(format!(
                "no command named {name:?}{under}; pages exist for: {}",
                names.join(", ")
            )));
        };
        command = found;
    }
    let fail = |e: std::io::Error| Error::failure(format!("could not render the manual: {e}"));
    // The footer names the program, not the subcommand: `stretch 0.1.0`.
    let source = format!("stretch {}", env!("CARGO_PKG_VERSION"));
    // A subcommand's page already has its keys and exit codes, from its `--help`.
    clap_mangen::Man::new(command).source(source).render(out).map_err(fail)?;
    if path.is_empty() {
        out.extend_from_slice(SECTIONS.as_bytes());
    }
    Ok(())
}

/// Writes the page of every command into `dir` (created if missing), one
/// file a page named as `man` looks it up (`stretch-schedule-add.1`), and
/// prints each path written.
pub(crate) fn write_all(dir: &Path) -> Result<u8> {
    let listed: String = write_pages(dir)?.iter().map(|file| format!("{}\n", file.display())).collect();
    super::print_generated(listed.as_bytes())
}

/// Writes every page into `dir`; the files written.
fn write_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, &e))?;
    let mut written = Vec::new();
    for path in page_paths(&without_help_command(Cli::command()), &mut Vec::new()) {
        let mut page = Vec::new();
        render(&path, &mut page)?;
        let name = std::iter::once("stretch").chain(path.iter().map(String::as_str)).collect::<Vec<_>>().join("-");
        let file = dir.join(format!("{name}.1"));
        std::fs::write(&file, &page).map_err(|e| Error::io("write", &file, &e))?;
        written.push(file);
    }
    Ok(written)
}

/// The path of every command that has a page, `command`'s own (`prefix`) first.
fn page_paths(command: &clap::Command, prefix: &mut Vec<String>) -> Vec<Vec<String>> {
    let mut paths = vec![prefix.clone()];
    for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
        prefix.push(sub.get_name().to_string());
        paths.extend(page_paths(sub, prefix));
        prefix.pop();
    }
    paths
}

/// The command line without clap's `help` subcommands: `stretch help` works
/// at a terminal, but as a page, or a line in every page's SEE ALSO, it
/// would only describe clap's help.
fn without_help_command(command: clap::Command) -> clap::Command {
    command.disable_help_subcommand(true).mut_subcommands(without_help_command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &[&str]) -> String {
        let mut out = Vec::new();
        render(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_main_page_lists_the_commands_and_has_every_section() {
        let text = page(&[]);
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "roff: {}", &text[..40]);
        assert!(text.contains(".TH stretch 1"), "{text}");
        assert!(text.contains("tonight"));
        for section in ["KEYS", "FILES", "ENVIRONMENT", "EXIT STATUS", "ROUTINE FORMAT", "EXAMPLES"] {
            assert!(text.contains(&format!(".SH {section}\n")), "{section}");
        }
    }

    #[test]
    fn a_subcommand_page_has_its_options_and_nested_ones_exist() {
        let text = page(&["tonight"]);
        assert!(text.contains(".TH stretch-tonight 1"), "{}", &text[..300]);
        assert!(text.contains("\\-\\-hold"), "{text}");
        assert_eq!(text.matches("space     pause").count(), 1, "the keys, once: {text}");
        let version = env!("CARGO_PKG_VERSION");
        assert!(
            text.contains(&format!("stretch {version}")) && !text.contains(&format!("tonight {version}")),
            "{text}"
        );
        assert!(!text.contains("stretch\\-help"), "{text}");
        let text = page(&["schedule", "add"]);
        assert!(text.contains(".TH stretch-schedule-add 1"), "{}", &text[..300]);
        let err = render(&["nope".into()], &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("tonight"), "{}", err.message);
        let err = render(&["schedule".into(), "nope".into()], &mut Vec::new()).unwrap_err();
        assert!(
            err.message.starts_with("no command named \"nope\" under schedule; pages exist for: add"),
            "{}",
            err.message
        );
        let err = render(&["help".into()], &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("no command named \"help\""), "{}", err.message);
        assert!(!page(&[]).contains("stretch\\-help"), "no page for clap's help");
    }

    #[test]
    fn every_page_is_written_as_the_command_renders_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("man1");
        assert_eq!(write_pages(&out).unwrap()[0], out.join("stretch.1"));
        let mut names: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        for name in ["stretch.1", "stretch-log.1", "stretch-tonight.1", "stretch-schedule-add.1", "stretch-man.1"] {
            assert!(names.contains(&name.to_string()), "{name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help") || n.contains("complete.")), "{names:?}");
        assert_eq!(std::fs::read_to_string(out.join("stretch.1")).unwrap(), page(&[]));
        assert_eq!(std::fs::read_to_string(out.join("stretch-schedule-add.1")).unwrap(), page(&["schedule", "add"]));
        let err = write_pages(&out.join("stretch.1")).unwrap_err();
        assert!(err.message.contains("stretch.1"), "{}", err.message);
    }
}
