//! Writes a realistic journal to stdout, for tests and benchmarks of `stretch log`.
//!
//! ```text
//! cargo run --release --example gen_journal -- [--years 10] [--per-day 4] [--end 2026-11-26] [--seed 1] > journal.jsonl
//! ```
//!
//! See `generate.rs` for what the journal holds. The same arguments always
//! give the same file. Ten years at four a day is about 14,000 records.

mod generate;

use std::io::{BufWriter, Write};

use generate::{Options, TIMES};

fn options() -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--years" => o.years = value.parse().map_err(|e| bad(&e))?,
            "--per-day" => o.per_day = value.parse().map_err(|e| bad(&e))?,
            "--end" => o.end = value.parse().map_err(|e| bad(&e))?,
            "--seed" => o.seed = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {flag}; use --years, --per-day, --end, --seed")),
        }
    }
    if !(1..=TIMES.len()).contains(&o.per_day) {
        return Err(format!("--per-day must be 1-{}", TIMES.len()));
    }
    Ok(o)
}

fn main() {
    let o = options().unwrap_or_else(|e| {
        eprintln!("gen_journal: {e}");
        std::process::exit(2);
    });
    let mut out = BufWriter::new(std::io::stdout().lock());
    if let Err(e) = generate::write(&o, &mut out).and_then(|_| out.flush()) {
        eprintln!("gen_journal: could not write the journal: {e}");
        std::process::exit(1);
    }
}
