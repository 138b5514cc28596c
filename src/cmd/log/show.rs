//! What `stretch log` prints: the table, the streak line and the calendar for
//! a person; JSON and CSV for programs. Pure functions of what was tallied.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::Serialize;

use super::Listed;
use crate::journal::nights::{CrampSummary, Night, night_of};
use crate::journal::weeks::{Week, weekly};
use crate::journal::{Cramp, Session};
use crate::term::words::count;
use crate::time::duration;
use crate::visible::visible;

/// Printed instead of a table when the journal holds no sessions.
pub(crate) const EMPTY: &str = "No sessions yet. Stand facing a wall and run `stretch tonight` to start; \
`stretch log add` records a session done without the timer.";

/// The streak numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Streaks {
    /// Consecutive kept nights to tonight (or last night).
    pub current: u32,
    /// The most consecutive kept nights ever.
    pub longest: u32,
    /// Kept nights this week, Monday to Sunday.
    pub this_week: u32,
}

/// Everything the human view shows.
#[derive(Debug, Clone)]
pub(crate) struct View {
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
pub(crate) fn human(view: &View, color: bool) -> String {
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

/// The table, newest night first. Each column is as wide as its widest
/// value, so it lines up whatever the counts.
fn table(nights: &[Night], slots: usize) -> String {
    let rows: Vec<[String; 8]> = nights
        .iter()
        .rev()
        .map(|n| {
            let held = if n.hold_ms == 0 {
                "-".to_string()
            } else {
                duration::format_rounded(Duration::from_millis(n.hold_ms))
            };
            let cramps = if n.cramps == 0 { String::new() } else { format!("{CRAMP} {}", n.cramps) };
            let alone = if n.unattended == 0 { String::new() } else { format!("{ALONE} {}", n.unattended) };
            [
                n.night.to_string(),
                n.night.format("%a").to_string(),
                n.completed.to_string(),
                n.partial.to_string(),
                alone,
                format!("{}/{slots}", n.slots),
                cramps,
                held,
            ]
        })
        .collect();
    let head = ["Night", "Day", "Done", "Partial", "Alone", "Slots", "Cramps", "Held"].map(String::from);
    let width =
        |column: usize| std::iter::once(&head).chain(&rows).map(|row| row[column].chars().count()).max().unwrap_or(0);
    let widths: [usize; 8] = std::array::from_fn(width);
    let mut out = String::new();
    for row in std::iter::once(&head).chain(&rows) {
        let mut line = String::new();
        for (column, value) in row.iter().enumerate() {
            let pad = " ".repeat(widths[column] - value.chars().count());
            // Dates and names read from the left, numbers line up on the right.
            match column {
                0 | 1 | 7 => line += &format!("{value}{pad}  "),
                _ => line += &format!("{pad}{value}  "),
            }
        }
        out += line.trim_end();
        out.push('\n');
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
    let since = since.map(|d| format!(", counted from {d}")).unwrap_or_default();
    let mut parts = Vec::new();
    if s.stretched_nights > 0 {
        parts.push(format!("{} of {} after a completed stretch", s.stretched_cramp_nights, nights(s.stretched_nights)));
    }
    if s.cramp_before_stretch_nights > 0 {
        parts.push(format!("{} only before that night's stretch", s.cramp_before_stretch_nights));
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

/// The shape and ANSI colour of a night's stretching: each state has its own
/// shape, so the calendar reads the same in colour, without, and in print.
fn stretch_mark(night: &Night) -> (char, &'static str) {
    match night {
        n if n.completed >= 3 => ('█', "\x1b[1;92m"),
        n if n.completed == 2 => ('▓', "\x1b[92m"),
        n if n.completed == 1 => ('▒', "\x1b[32m"),
        n if n.partial > 0 => ('░', "\x1b[33m"),
        n if n.unattended > 0 => ('○', "\x1b[36m"),
        _ => ('·', "\x1b[90m"),
    }
}

/// The colour of the cramp mark.
const CRAMP_COLOR: &str = "\x1b[1;91m";

fn painted(glyph: char, ansi: &str, color: bool) -> String {
    if color { format!("{ansi}{glyph}\x1b[0m") } else { glyph.to_string() }
}

/// A calendar cell, two characters wide: the night's stretching, then `×`
/// if a cramp woke you that night (so a stretched night with a cramp shows
/// both); blank for the future.
fn paint(night: Option<&Night>, color: bool) -> String {
    let Some(night) = night else { return "  ".to_string() };
    let (glyph, ansi) = stretch_mark(night);
    let cramp = if night.cramps > 0 { painted(CRAMP, CRAMP_COLOR, color) } else { " ".to_string() };
    painted(glyph, ansi, color) + &cramp
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
    ] {
        let (glyph, ansi) = stretch_mark(&night);
        let _ = write!(out, " {} {label} ", painted(glyph, ansi, color));
    }
    let _ = write!(out, " {} cramp", painted(CRAMP, CRAMP_COLOR, color));
    out.push('\n');
    out
}

/// Month names above the first week of each month, a week being the
/// month's that holds its Thursday (most of its days, as in ISO weeks): the
/// week of Mon 30 Nov is December's.
fn month_labels(weeks: &[[Option<Night>; 7]]) -> String {
    let mut labels: Vec<(usize, NaiveDate)> = Vec::new();
    for (i, week) in weeks.iter().enumerate() {
        let Some((day, night)) = week.iter().enumerate().find_map(|(d, n)| n.map(|n| (d, n.night))) else { continue };
        let thursday = night + chrono::Days::new(3) - chrono::Days::new(day as u64);
        if labels.last().is_none_or(|(_, last)| last.month() != thursday.month()) {
            labels.push((4 + 3 * i, thursday));
        }
    }
    let mut line = String::new();
    for (k, (column, month)) in labels.iter().enumerate() {
        // Only the first name can be a column from the next (a month's first
        // week follows): it moves one left, into the gutter, so both show.
        let crowded = labels.get(k + 1).is_some_and(|(next, _)| *next <= column + 3);
        let at = if crowded { column - 1 } else { *column };
        line += &" ".repeat(at.saturating_sub(line.len()));
        line += &month.format("%b").to_string();
    }
    line + "\n"
}

/// A night in `--json`: exactly the documented fields.
#[derive(Serialize)]
struct JsonNight {
    night: NaiveDate,
    completed: u32,
    partial: u32,
    cramps: u32,
    unattended: u32,
    answered: u32,
    slots: u32,
}

#[derive(Serialize)]
struct JsonHead<'a> {
    current_streak: u32,
    longest_streak: u32,
    /// The first night counted: `--since`, but never before the journal's first record.
    counted_from: Option<String>,
    /// How many slots a day has (each night's `slots` counts those filled).
    slots_per_day: usize,
    nights: Vec<JsonNight>,
    cramp_summary: &'a CrampSummary,
    /// The nights per ISO week, as `stretch report` charts them.
    weeks: Vec<Week>,
    /// Sessions listed whose `attended: false` a later confirmation overrides.
    confirmed: Vec<&'a str>,
}

/// The records `--json` lists, as stored.
pub(crate) struct Records<'r, 'a> {
    /// The lines of the sessions listed.
    pub sessions: &'r [&'a str],
    /// The ids of the sessions listed that a confirmation made attended.
    pub confirmed: Vec<&'r str>,
    /// The lines of the cramps listed.
    pub cramps: &'r [&'a str],
}

/// The `--json` object, in the pieces it is written in (a long journal's
/// records are never copied into one string). Records are passed on exactly
/// as stored: each is a line that parsed as JSON, so it is spliced in as it
/// is, not parsed again.
pub(crate) fn json<'a>(
    streaks: &Streaks,
    nights: &[Night],
    cramp_summary: &CrampSummary,
    records: &Records<'_, 'a>,
    slots_per_day: usize,
) -> Vec<Cow<'a, str>> {
    let head = JsonHead {
        current_streak: streaks.current,
        longest_streak: streaks.longest,
        counted_from: nights.first().map(|n| n.night.to_string()),
        slots_per_day,
        nights: nights
            .iter()
            .map(|n| JsonNight {
                night: n.night,
                completed: n.completed,
                partial: n.partial,
                cramps: n.cramps,
                unattended: n.unattended,
                answered: n.answered,
                slots: n.slots,
            })
            .collect(),
        cramp_summary,
        weeks: weekly(nights),
        confirmed: records.confirmed.clone(),
    };
    let mut out = serde_json::to_string(&head).expect("the log always serializes");
    out.pop(); // the closing brace: the records come last.
    let mut pieces = Vec::with_capacity(2 * (records.sessions.len() + records.cramps.len()) + 8);
    pieces.push(Cow::Owned(out));
    for (key, records) in [(",\"sessions\":[", records.sessions), (",\"cramps\":[", records.cramps)] {
        pieces.push(Cow::Borrowed(key));
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                pieces.push(Cow::Borrowed(","));
            }
            pieces.push(Cow::Borrowed(*record));
        }
        pieces.push(Cow::Borrowed("]"));
    }
    pieces.push(Cow::Borrowed("}"));
    pieces
}

/// The `--csv` export: a header, then one row per session.
pub(crate) fn csv(sessions: &[Listed], day_starts: NaiveTime) -> String {
    let mut out = String::from(
        "night,started,ended,routine,completed,reps_done,reps_planned,hold_ms,paused_ms,source,audio,id,attended,note\n",
    );
    for listed in sessions {
        let s = listed.session;
        let fields = [
            night_of(&s.started, day_starts).to_string(),
            s.started.to_rfc3339(),
            s.ended.to_rfc3339(),
            crate::visible::visible(&s.routine).into_owned(),
            s.completed.to_string(),
            s.reps_done.to_string(),
            s.reps_planned.to_string(),
            s.hold_ms.to_string(),
            s.paused_ms.to_string(),
            word(&s.source),
            word(&s.audio),
            crate::visible::visible(&s.id).into_owned(),
            listed.presence.attended().to_string(),
            crate::visible::visible(s.note.as_deref().unwrap_or_default()).into_owned(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out += &row.join(",");
        out.push('\n');
    }
    out
}

/// `--csv --cramps`: a header, then one row per cramp, in time order; text
/// fields are as safe as the sessions'.
pub(crate) fn cramps_csv(cramps: &[&Cramp], cramp_day_starts: NaiveTime) -> String {
    let mut out = String::from("night,at,leg,severity,lasted_ms,note,id\n");
    let mut cramps = cramps.to_vec();
    cramps.sort_by_key(|c| c.at);
    for c in cramps {
        let fields = [
            night_of(&c.at, cramp_day_starts).to_string(),
            c.at.to_rfc3339(),
            word(&c.leg),
            c.severity.to_string(),
            c.lasted_ms.map(|ms| ms.to_string()).unwrap_or_default(),
            visible(c.note.as_deref().unwrap_or_default()).into_owned(),
            visible(&c.id).into_owned(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out += &row.join(",");
        out.push('\n');
    }
    out
}

/// The notes of the nights `first..=last`: a session's or a cramp's own
/// words, and how long a cramp lasted, oldest first; empty when there are none.
pub(crate) fn notes(
    sessions: &[&Session],
    cramps: &[&Cramp],
    (first, last): (NaiveDate, NaiveDate),
    day_starts: NaiveTime,
    cramp_day_starts: NaiveTime,
) -> String {
    let said = |note: &Option<String>| note.as_deref().is_some_and(|n| !n.trim().is_empty());
    let mut lines: Vec<(chrono::DateTime<chrono::FixedOffset>, String)> = Vec::new();
    let mut add = |at: chrono::DateTime<chrono::FixedOffset>, night: NaiveDate, what: String, note: &Option<String>| {
        if night >= first && night <= last {
            let note = note.as_deref().map(|n| format!(": {}", visible(n.trim()))).unwrap_or_default();
            lines.push((at, format!("  night of {night}, {} {what}{note}\n", at.format("%a %H:%M"))));
        }
    };
    for s in sessions.iter().filter(|s| said(&s.note)) {
        add(s.started, night_of(&s.started, day_starts), visible(&s.routine).into_owned(), &s.note);
    }
    for c in cramps.iter().filter(|c| said(&c.note) || c.lasted_ms.is_some()) {
        let lasted = c
            .lasted_ms
            .map(|ms| format!(", lasted {}", duration::format(Duration::from_millis(ms))))
            .unwrap_or_default();
        let what = format!("cramp, {}, severity {}{lasted}", c.leg.words(), c.severity);
        let note = if said(&c.note) { c.note.clone() } else { None };
        add(c.at, night_of(&c.at, cramp_day_starts), what, &note);
    }
    if lines.is_empty() {
        return String::new();
    }
    lines.sort_by_key(|(at, _)| *at);
    "\nNotes:\n".to_string() + &lines.into_iter().map(|(_, line)| line).collect::<String>()
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
    fn the_calendar_gives_each_state_its_shape_in_colour_too() {
        let kept = Night { completed: 1, ..Night::empty(NaiveDate::MIN) };
        assert_eq!(paint(Some(&kept), true), "\x1b[32m▒\x1b[0m ");
        assert_eq!(paint(Some(&kept), false), "▒ ");
        let both = Night { cramps: 1, ..kept };
        assert_eq!(paint(Some(&both), true), "\x1b[32m▒\x1b[0m\x1b[1;91m×\x1b[0m");
        assert_eq!(paint(Some(&both), false), "▒×", "a stretched night with a cramp shows both");
        assert_eq!(paint(None, true), "  ");
    }

    #[test]
    fn a_month_is_named_above_the_week_that_holds_its_first_day() {
        let tally = crate::journal::tally::Tally::default();
        let labels = |last: (u32, u32), first: usize| {
            let last = NaiveDate::from_ymd_opt(2026, last.0, last.1).unwrap();
            let mut calendar = tally.calendar(last, 16);
            // Nights before the journal's first are blank.
            for week in &mut calendar[..first] {
                *week = [None; 7];
            }
            month_labels(&calendar)
        };
        // Weeks from Mon 23 Nov: the one of Mon 30 Nov is mostly December's;
        // November's name moves a column's gap left to stay above its week.
        let line = labels((12, 7), 13);
        assert_eq!((line.find("Nov"), line.find("Dec")), (Some(4 + 3 * 13 - 1), Some(4 + 3 * 14)), "{line:?}");
        // Weeks from Mon 16 Nov: room for both.
        let line = labels((12, 7), 12);
        assert_eq!((line.find("Nov"), line.find("Dec")), (Some(4 + 3 * 12), Some(4 + 3 * 14)), "{line:?}");
        // Sixteen full weeks to Sun 6 Dec 2026: the first week's month, then each month's first week.
        let line = labels((12, 6), 0);
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words, ["Aug", "Sep", "Oct", "Nov", "Dec"], "{line:?}");
        assert_eq!(line.find("Sep"), Some(4 + 3 * 2), "Mon 31 Aug - Sun 6 Sep is September's: {line:?}");
        assert_eq!(line.find("Nov"), Some(4 + 3 * 11), "Mon 26 Oct - Sun 1 Nov is October's: {line:?}");
    }

    #[test]
    fn the_colored_view() {
        let tally = crate::journal::tally::Tally::default();
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

    #[test]
    fn the_plain_view_with_cramps_and_wide_counts() {
        let tally = crate::journal::tally::Tally::default();
        let last = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut calendar = tally.calendar(last, 3);
        let night = |days: u64, completed, partial, cramps| {
            let date = last - chrono::Days::new(days);
            Some(Night { completed, partial, cramps, hold_ms: 30_000 * u64::from(completed), ..Night::empty(date) })
        };
        calendar[2][3] = night(0, 1, 0, 2);
        calendar[2][2] = night(1, 0, 0, 1);
        calendar[2][1] = night(2, 12, 1, 0);
        calendar[2][0] = night(3, 0, 1043, 0);
        let summary = CrampSummary {
            nights: 4,
            cramp_nights: 2,
            stretched_nights: 2,
            stretched_cramp_nights: 1,
            cramp_before_stretch_nights: 0,
            unstretched_nights: 2,
            unstretched_cramp_nights: 1,
        };
        let view = View {
            nights: calendar[2].iter().flatten().copied().collect(),
            slots: 4,
            streaks: Streaks { current: 1, longest: 12, this_week: 2 },
            calendar,
            cramps: Some((Some(last - chrono::Days::new(3)), summary)),
        };
        let text = human(&view, false);
        // Numbers end under the end of their heading, whatever their width.
        let end = text.find("Partial").unwrap() + "Partial".len() - 1;
        for row in text.lines().skip(1).take(4) {
            assert!(row.chars().nth(end).is_some_and(|c| c.is_ascii_digit()), "{text}");
        }
        insta::assert_snapshot!(text);
    }
}
