//! `stretch log` in process: reading a generated journal of about 15,000
//! records (eleven years, four sessions a day, as `bench/run.py` uses) and
//! tallying it into the default view and into `--json`.
//!
//! ```text
//! cargo bench --bench log
//! ```

#[path = "../examples/gen_journal/generate.rs"]
mod generate;

use chrono::{DateTime, FixedOffset};
use clap::Parser;
use stretch::api::view_of;
use stretch::api::{Cli, Command};

fn main() {
    divan::main();
}

/// The journal, generated once: the same bytes on every run.
fn journal() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let mut bytes = Vec::new();
        let options = generate::Options { years: 11, ..generate::Options::default() };
        generate::write(&options, &mut bytes).expect("a Vec takes every write");
        bytes
    })
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-26T23:00:00+01:00").expect("a fixed time")
}

fn log_args(args: &[&str]) -> stretch::api::LogArgs {
    let cli = Cli::try_parse_from(["stretch", "log"].iter().chain(args)).expect("valid arguments");
    match cli.command {
        Command::Log(args) => args,
        _ => unreachable!("`stretch log` parses as the log command"),
    }
}

/// Reading only: every line into its record.
#[divan::bench]
fn parse(bencher: divan::Bencher) {
    let bytes = journal();
    bencher.counter(divan::counter::BytesCount::of_slice(bytes)).bench(|| stretch::api::parse(bytes));
}

/// Reading, tallying and the view for a person.
#[divan::bench]
fn view(bencher: divan::Bencher) {
    let (bytes, args, now) = (journal(), log_args(&[]), now());
    bencher.bench(|| view_of(&args, bytes, &now).expect("the view renders"));
}

/// Reading, tallying and `--json`.
#[divan::bench]
fn json(bencher: divan::Bencher) {
    let (bytes, args, now) = (journal(), log_args(&["--json"]), now());
    bencher.bench(|| view_of(&args, bytes, &now).expect("the export renders"));
}
