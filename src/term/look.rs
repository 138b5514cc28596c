//! How output may look, decided in one place for the whole program: whether a
//! stream gets a live progress bar and whether it gets colour, from the facts
//! (is it a terminal, `TERM`, `NO_COLOR`) and the `--color` flag.

use std::io::IsTerminal;

use clap::ValueEnum;

use crate::env::Env;

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal that understands escapes, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// A stream human output goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Standard output (normal use).
    Stdout,
    /// Standard error (with `--json`, which owns stdout).
    Stderr,
}

impl Stream {
    /// Whether a person's terminal is on the other end.
    pub(crate) fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// How output on one stream may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Look {
    /// Which stream.
    pub stream: Stream,
    /// Redrawn in place (a progress bar): a terminal that understands escapes.
    pub live: bool,
    /// Coloured.
    pub color: bool,
}

impl Look {
    /// How `stream` may look under `--color choice` in `env`.
    pub(crate) fn of(stream: Stream, choice: ColorChoice, env: &Env) -> Look {
        decide(stream, stream.is_terminal(), choice, env)
    }
}

/// The decision itself, with the terminal test done by the caller. Redrawing
/// needs a terminal that is not `dumb`; `--color always` colours even
/// where nothing is redrawn (`less -R`), and `never` or `NO_COLOR` nowhere.
fn decide(stream: Stream, terminal: bool, choice: ColorChoice, env: &Env) -> Look {
    let live = terminal && !env.dumb_terminal;
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => live && !env.no_color,
    };
    Look { stream, live, color }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: bool, dumb_terminal: bool) -> Env {
        Env { no_color, dumb_terminal, ..Env::default() }
    }

    #[test]
    fn auto_colours_only_a_capable_terminal_without_no_color() {
        let look = |terminal, env: &Env| decide(Stream::Stdout, terminal, ColorChoice::Auto, env);
        assert_eq!(look(true, &env(false, false)), Look { stream: Stream::Stdout, live: true, color: true });
        assert!(!look(false, &env(false, false)).color, "a pipe");
        assert!(!look(true, &env(true, false)).color, "NO_COLOR");
        let dumb = look(true, &env(false, true));
        assert!(!dumb.color && !dumb.live, "TERM=dumb");
        assert!(look(true, &env(true, false)).live, "NO_COLOR still redraws");
    }

    #[test]
    fn the_flag_overrides_the_facts_for_colour_only() {
        let always = decide(Stream::Stderr, false, ColorChoice::Always, &env(true, true));
        assert_eq!(always, Look { stream: Stream::Stderr, live: false, color: true });
        let never = decide(Stream::Stdout, true, ColorChoice::Never, &env(false, false));
        assert_eq!(never, Look { stream: Stream::Stdout, live: true, color: false });
    }
}
