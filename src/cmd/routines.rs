//! `stretch routines`: every routine, a one-line summary, and where it comes from.

use std::fmt::Write as _;

use crate::error::Result;
use crate::paths::Paths;
use crate::routine::catalog::{self, Listing};
use crate::time::duration;

/// Prints the routine list to stdout.
pub(crate) fn run(paths: &Paths) -> Result<()> {
    let entries = catalog::list(paths.routine_dir().as_deref())?;
    crate::term::output::text(&render(&entries, paths.routine_dir().as_deref()));
    Ok(())
}

/// The listing, one routine per line, then where user routines go.
pub(crate) fn render(entries: &[Listing], user_dir: Option<&std::path::Path>) -> String {
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for entry in entries {
        let default = if entry.name == catalog::DEFAULT { " (default)" } else { "" };
        let overrides = if entry.overrides_built_in { ", overrides the built-in one" } else { "" };
        let summary = match &entry.routine {
            Ok(r) if r.summary.is_empty() => format!("{} reps of {}", r.reps, duration::format(r.hold.length)),
            Ok(r) => r.summary.clone(),
            Err(e) => format!("INVALID: {e}"),
        };
        let summary = crate::visible::visible(&summary);
        let _ = writeln!(out, "{:width$}  {summary}{default}  [{}{overrides}]", entry.name, entry.origin);
    }
    if let Some(dir) = user_dir {
        let _ = writeln!(out, "\nYour own routines go in {}/NAME.toml", dir.display());
    }
    out
}
