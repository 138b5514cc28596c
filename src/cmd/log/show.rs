//! What `stretch log` prints: the table, the streak line and the calendar for
//! a person; JSON and CSV for programs. Pure functions of what was tallied.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::Serialize;

use crate::journal::nights::{CrampSummary, Night, night_of};
use crate::journal::{Brief, Fact, Record, Standing};
use crate::term::words::count;
use crate::time::duration;

/// Printed instead of a table when the journal holds no sessions.
pub const EMPTY: &str = "No sessions yet. Stand facing a wall and run `stretch tonight` to start; \
`stretch log add` records a session done without the timer.";

/// The streak numbers.
#[derive(Debug, Clone, Copy)]
pub struct Streaks {
    /// Consecutive kept nights to tonight (or last night).
    pub current: u32,
    /// The most consecutive kept nights ever.
    pub longest: u32,
    /// Kept nights this week, Monday to Sunday.
    pub this_week: u32,
}

/// Everything the human view shows.
#[derive(Debug, Clone)]
pub struct View {
    /// Table rows, oldest first (printed newest first).
    pub nights: Vec<Night>,
    /// How many slots a day has.
    pub slots: usize,
    /// The streak line.
    pub streaks: Streaks,
    /// Calendar columns, one per week, Monday first; `None` is the future.
    pub calendar: Vec<[Option<Night>; 7]>,
    /// The cramp summary and the first night it covers, when any cramp was recorded.
    pub cramps: Option<(Option<NaiveDate>, CrampSummary)>,
}

/// The table, the streak line and the calendar.
pub fn human(view: &View, color: bool) -> String {
    let mut out = table(&view.nights, view.slots);
    out.push('\n');
    out += &streak_line(&view.streaks);
    if let Some((since, summary)) = &view.cramps {
        out += &cramp_line(*since, summary);
    }
    out.push('\n');
    out += &calendar(&view.calendar, color);
    out
}

fn table(nights: &[Night], slots: usize) -> String {
    let mut out = String::from("Night       Day  Done  Partial  Alone  Slots  Cramps  Held\n");
    for n in nights.iter().rev() {
        let held =
            if n.hold_ms == 0 { "-".to_string() } else { duration::format_rounded(Duration::from_millis(n.hold_ms)) };
        let cramps = if n.cramps == 0 { String::new() } else { format!("{CRAMP} {}", n.cramps) };
        let (night, day) = (n.night, n.night.format("%a"));
        let alone = if n.unattended == 0 { String::new() } else { format!("{ALONE} {}", n.unattended) };
        let filled = format!("{}/{slots}", n.slots);
        let _ = writeln!(
            out,
            "{night}  {day}  {:>4}  {:>7}  {alone:>5}  {filled:>5}  {cramps:>6}  {held}",
            n.completed, n.partial
        );
    }
    out
}

/// The mark of a night with a cramp, in the table and the calendar.
const CRAMP: char = '×';

/// The mark of a scheduled session that played with nobody there, in the
/// table and the calendar.
const ALONE: char = '○';

/// Counts only, no claims: how often cramps came after stretching and without.
fn cramp_line(since: Option<NaiveDate>, s: &CrampSummary) -> String {
    let nights = |n: u32| count(n, "night");
    let since = since.map(|d| format!(" since {d}")).unwrap_or_default();
    let mut parts = Vec::new();
    if s.stretched_nights > 0 {
        parts.push(format!("{} of {} after a completed stretch", s.stretched_cramp_nights, nights(s.stretched_nights)));
    }
    if s.unstretched_nights > 0 {
        parts.push(format!("{} of {} without", s.unstretched_cramp_nights, nights(s.unstretched_nights)));
    }
    format!("Cramps: {} of {}{since}; {}\n", s.cramp_nights, nights(s.nights), parts.join(", "))
}

fn streak_line(s: &Streaks) -> String {
    let nights = |n: u32| count(n, "night");
    format!("Current streak: {}   Longest: {}   This week: {}/7\n", nights(s.current), nights(s.longest), s.this_week)
}

/// How a calendar cell looks: plain glyph, and ANSI colour for a terminal.
fn cell(night: Option<&Night>) -> (&'static str, &'static str) {
    match night {
        None => (" ", ""),
        Some(n) if n.cramps > 0 => ("×", "\x1b[1;91m"),
        Some(n) if n.completed >= 3 => ("█", "\x1b[1;92m"),
        Some(n) if n.completed == 2 => ("▓", "\x1b[92m"),
        Some(n) if n.completed == 1 => ("▒", "\x1b[32m"),
        Some(n) if n.partial > 0 => ("░", "\x1b[33m"),
        Some(n) if n.unattended > 0 => ("○", "\x1b[36m"),
        Some(_) => ("·", "\x1b[90m"),
    }
}

fn paint(night: Option<&Night>, color: bool) -> String {
    match cell(night) {
        (_, ansi) if color && !ansi.is_empty() => format!("{ansi}■\x1b[0m"),
        (glyph, _) => glyph.to_string(),
    }
}

/// Weekdays as rows, weeks as columns (the newest on the right), with month names above.
fn calendar(weeks: &[[Option<Night>; 7]], color: bool) -> String {
    let mut out = month_labels(weeks);
    for (day, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].iter().enumerate() {
        out += name;
        for week in weeks {
            out.push(' ');
            out += &paint(week[day].as_ref(), color);
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out += "   ";
    let example = |completed, partial| Night { completed, partial, ..Night::empty(NaiveDate::MIN) };
    for (label, night) in [
        ("none", example(0, 0)),
        ("partial", example(0, 1)),
        ("alone", Night { unattended: 1, ..example(0, 0) }),
        ("1", example(1, 0)),
        ("2", example(2, 0)),
        ("3+ completed", example(3, 0)),
        ("cramp", Night { cramps: 1, ..example(0, 0) }),
    ] {
        let _ = write!(out, " {} {label} ", paint(Some(&night), color));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Month names above the week in which each month begins, where they fit.
fn month_labels(weeks: &[[Option<Night>; 7]]) -> String {
    let mut line = String::new();
    let mut previous = None;
    for (i, week) in weeks.iter().enumerate() {
        let Some(monday) = week[0].map(|n| n.night) else { continue };
        let column = 4 + 2 * i;
        if previous != Some(monday.month()) && line.len() < column {
            line += &" ".repeat(column - line.len());
            line += &monday.format("%b").to_string();
        }
        previous = Some(monday.month());
    }
    line + "\n"
}

/// A night in `--json`: exactly the documented fields.
#[derive(Serialize)]
struct JsonNight {
    night: String,
    completed: u32,
    partial: u32,
    cramps: u32,
    unattended: u32,
    slots: u32,
}

#[derive(Serialize)]
struct JsonHead<'a> {
    current_streak: u32,
    longest_streak: u32,
    /// How many slots a day has (each night's `slots` counts those filled).
    slots_per_day: usize,
    nights: Vec<JsonNight>,
    cramp_summary: &'a CrampSummary,
    /// Sessions listed whose `attended: false` a later confirmation overrides.
    confirmed: Vec<&'a str>,
}

/// The `--json` object. Records are passed on exactly as stored: each is a
/// line that parsed as JSON, so it is spliced in as it is, not parsed again.
pub fn json<'a>(
    streaks: &Streaks,
    nights: &[Night],
    cramp_summary: &'a CrampSummary,
    sessions: &'a [&'a Brief<'a>],
    cramps: &[&Brief],
    standing: &Standing,
    slots_per_day: usize,
) -> String {
    let head = JsonHead {
        current_streak: streaks.current,
        longest_streak: streaks.longest,
        slots_per_day,
        nights: nights
            .iter()
            .map(|n| JsonNight {
                night: n.night.to_string(),
                completed: n.completed,
                partial: n.partial,
                cramps: n.cramps,
                unattended: n.unattended,
                slots: n.slots,
            })
            .collect(),
        cramp_summary,
        confirmed: sessions
            .iter()
            .filter_map(|b| match &b.fact {
                Fact::Session(s) if !s.attended && standing.confirmed(&s.id) => Some(s.id.as_ref()),
                _ => None,
            })
            .collect(),
    };
    let mut out = serde_json::to_string(&head).expect("the log always serializes");
    out.pop(); // the closing brace: the records come last.
    out.reserve(records_len(sessions) + records_len(cramps) + 32);
    for (key, records) in [("sessions", sessions), ("cramps", cramps)] {
        let _ = write!(out, ",\"{key}\":[");
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out += record.text;
        }
        out.push(']');
    }
    out.push('}');
    out
}

/// The bytes the records' lines take, with their commas.
fn records_len(records: &[&Brief]) -> usize {
    records.iter().map(|r| r.text.len() + 1).sum()
}

/// The `--csv` export: a header, then one row per session. Each session is
/// read in full from its line (which the brief reading only accepts when the
/// full reading does).
pub fn csv(sessions: &[&Brief], day_starts: NaiveTime, standing: &Standing) -> String {
    let mut out = String::from(
        "night,started,ended,routine,completed,reps_done,reps_planned,hold_ms,paused_ms,source,audio,id,attended\n",
    );
    let records = sessions.iter().filter_map(|b| serde_json::from_str::<Record>(b.text).ok());
    for record in records {
        let Some(s) = record.as_session() else { continue };
        let fields = [
            night_of(&s.started, day_starts).to_string(),
            s.started.to_rfc3339(),
            s.ended.to_rfc3339(),
            s.routine.clone(),
            s.completed.to_string(),
            s.reps_done.to_string(),
            s.reps_planned.to_string(),
            s.hold_ms.to_string(),
            s.paused_ms.to_string(),
            word(&s.source),
            word(&s.audio),
            s.id.clone(),
            standing.attended(&s.id, s.attended_as_written()).to_string(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out += &row.join(",");
        out.push('\n');
    }
    out
}

/// A value's name as written in the journal (`terminal`, `device`).
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Quotes a field when it holds a comma, a quote or a line break (RFC 4180).
///
/// A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) is prefixed with `'`, so a routine name
/// from an imported journal stays text.
fn csv_field(text: &str) -> String {
    let neutral;
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutral = format!("'{text}");
        &neutral
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("wall-calf"), "wall-calf");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("@x,y"), "\"'@x,y\"");
    }

    #[test]
    fn the_colored_calendar_paints_squares_and_resets() {
        let kept = Night { completed: 1, ..Night::empty(NaiveDate::MIN) };
        assert_eq!(paint(Some(&kept), true), "\x1b[32m■\x1b[0m");
        assert_eq!(paint(Some(&kept), false), "▒");
        assert_eq!(paint(None, true), " ");
    }

    #[test]
    fn the_colored_view() {
        let tally = crate::journal::nights::Tally::new(&[], crate::settings::DEFAULT_DAY_STARTS.naive());
        let last = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut calendar = tally.calendar(last, 3);
        let night = |days: u64, completed, partial| {
            let date = last - chrono::Days::new(days);
            Some(Night { completed, partial, hold_ms: 30_000 * u64::from(completed), ..Night::empty(date) })
        };
        calendar[2][3] = night(0, 3, 0);
        calendar[2][2] = night(1, 2, 1);
        calendar[2][1] = night(2, 1, 0);
        calendar[2][0] = night(3, 0, 1);
        let view = View {
            nights: calendar[2].iter().flatten().copied().collect(),
            slots: 4,
            streaks: Streaks { current: 3, longest: 12, this_week: 3 },
            calendar,
            cramps: None,
        };
        insta::assert_snapshot!(human(&view, true));
    }
}
