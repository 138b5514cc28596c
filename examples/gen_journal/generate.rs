//! The journal generator, shared by `examples/gen_journal` (which writes it to
//! stdout) and `benches/log.rs` (which keeps it in memory).
//!
//! Each day has up to `per_day` sessions (morning, midday, evening, bedtime;
//! bedtime sometimes after midnight), in Europe/Berlin time with its
//! daylight-saving offsets, ending on `end`. About 1 day in 20 is missed and
//! 1 session in 20 stopped early. The same options always give the same lines.

use std::io::{self, Write};

use chrono::{Days, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Europe::Berlin;
use stretch::api::AudioUsed;
use stretch::api::{Record, SCHEMA, Session, Source};

/// Minutes after midnight of each session of the day; the last is bedtime.
pub(crate) const TIMES: [i64; 4] = [7 * 60 + 30, 13 * 60, 18 * 60 + 30, 23 * 60];

/// What to generate.
pub(crate) struct Options {
    /// Years back from `end`.
    pub years: u64,
    /// Sessions a day, 1 to 4.
    pub per_day: usize,
    /// The last day.
    pub end: NaiveDate,
    /// Seed of the dice: another seed, another journal.
    pub seed: u64,
}

impl Default for Options {
    /// Ten years at four a day: about 14,000 records.
    fn default() -> Self {
        Options { years: 10, per_day: 4, end: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(), seed: 1 }
    }
}

/// A small deterministic generator (xorshift), so the file depends only on the seed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// Writes the journal, one record a line; returns how many records it wrote.
pub(crate) fn write(o: &Options, out: &mut impl Write) -> io::Result<u64> {
    let mut dice = Dice(o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let first = o.end - Days::new(o.years * 365);
    let mut count: u64 = 0;
    for day in first.iter_days().take_while(|d| *d <= o.end) {
        if dice.roll(20) == 0 {
            continue;
        }
        for &minutes in &TIMES[TIMES.len() - o.per_day..] {
            let jitter = dice.roll(150) as i64 - 30;
            let local = day.and_time(NaiveTime::MIN) + Duration::minutes(minutes + jitter);
            let Some(started) = Berlin.from_local_datetime(&local).earliest() else { continue };
            count += 1;
            let record = session(count, started.fixed_offset(), dice.roll(20) != 0, dice.roll(4) == 0);
            writeln!(out, "{}", record.to_line())?;
        }
    }
    Ok(count)
}

fn session(n: u64, started: chrono::DateTime<chrono::FixedOffset>, completed: bool, single: bool) -> Record {
    let (routine, reps, hold_ms) = if single { ("wall-calf-single", 2, 80_000) } else { ("wall-calf", 3, 30_000) };
    let reps_done = if completed { reps } else { reps - 1 };
    Record::Session(Session {
        v: SCHEMA,
        id: format!("00000000-0000-7000-8000-{n:012x}"),
        routine: routine.into(),
        started,
        ended: started + Duration::seconds(if single { 130 } else { 58 }),
        reps_planned: reps,
        reps_done,
        hold_ms: hold_ms * u64::from(reps_done) / u64::from(reps),
        completed,
        source: Source::Terminal,
        audio: AudioUsed::Device,
        paused_ms: 0,
        cramp: None,
        attended: Some(true),
        skipped: false,
        note: None,
    })
}
