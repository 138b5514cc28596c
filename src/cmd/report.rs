//! `stretch report`: one page to show at an appointment, written as a
//! self-contained HTML file (no scripts, nothing loaded) that prints on one
//! sheet.

use std::path::{Path, PathBuf};

use askama::Template;

use crate::cli::ReportArgs;
use crate::env::Env;
use crate::error::{Error, Result, code};
use crate::journal;
use crate::journal::range::Range;
use crate::paths::Paths;
use crate::report::{Context, Plan, build};
use crate::settings::Settings;
use crate::time::nights_ago::NightSpec;

/// Nights covered when `--since` is not given: twelve weeks.
const DEFAULT_NIGHTS: u32 = 12 * 7;

/// Writes the report; returns the exit code.
pub(crate) fn run(args: &ReportArgs, settings: &Settings, paths: &Paths, env: &Env) -> Result<u8> {
    let now = env.now()?;
    let since = args.since.or(Some(NightSpec::Nights(DEFAULT_NIGHTS)));
    let range = Range::of(since, args.until, settings.day_starts.value.naive(), &now)?
        .with_cramp_day_starts(settings.cramp_day_starts.value.naive());
    let path = paths.journal();
    let reading = journal::read(&path)?;
    for problem in &reading.problems {
        crate::errln!("stretch: warning: {}:{}: {}; line skipped", path.display(), problem.line, problem.message);
    }
    crate::journal::ahead::warn(&path, reading.records.iter().map(|r| *r.at()), &now);
    let routine_dir = paths.routine_dir();
    let plan = |name: &str| {
        crate::routine::catalog::resolve(name, routine_dir.as_deref()).ok().map(|(routine, _)| Plan {
            sides: u32::try_from(routine.sides.len()).unwrap_or(1).max(1),
            hold: routine.hold.length,
        })
    };
    let context = Context { name: settings.name.as_ref().map(|n| n.value.clone()), plan: &plan };
    let page = build(&reading.records, &range, &context, &now)
        .render()
        .map_err(|e| Error::usage(format!("the report could not be laid out: {e}")))?;
    let out =
        args.out.clone().unwrap_or_else(|| PathBuf::from(format!("stretch-report-{}.html", now.format("%Y-%m-%d"))));
    if out == Path::new("-") {
        crate::term::output::text(&page);
        return Ok(code::OK);
    }
    // Private, as the journal is: a page of someone's nights and cramps; a
    // failed write keeps the report that was there.
    crate::files::replace_private(&out, page.as_bytes()).map_err(|e| Error::io("write the report", &out, &e))?;
    crate::errln!("stretch: wrote {}; open it in a browser to read or print it", out.display());
    Ok(code::OK)
}
