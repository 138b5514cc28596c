//! The crontab block: times and days, the entry line, and splicing the block
//! into a crontab so that every byte outside it stays as it was.
//!
//! Pure text in, text out; running `crontab` is `crate::schedule::crontab`'s job.

use std::collections::BTreeMap;
use std::fmt;

use crate::time::of_day::TimeOfDay;

/// The first line of the block. Matched as a prefix, so blocks written by
/// other versions are still found and replaced.
pub(crate) const BEGIN: &str = "# BEGIN stretch schedule";
/// The last line of the block (matched as a prefix).
pub(crate) const END: &str = "# END stretch schedule";
const BEGIN_LINE: &str = "# BEGIN stretch schedule: managed by `stretch schedule`, edit it with that";
const END_LINE: &str = "# END stretch schedule";

/// Days of the week, as a set (bit 0 is Sunday, as in cron).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Days(u8);

const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const LONG_DAY_NAMES: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const ALL: u8 = 0b111_1111;
const WEEKDAYS: u8 = 0b011_1110;
const WEEKENDS: u8 = 0b100_0001;

impl Days {
    /// Every day.
    pub const DAILY: Days = Days(ALL);

    /// Parses `daily`, `weekdays`, `weekends`, or days and ranges like `mon,wed,fri` or `mon-thu,sat`.
    pub fn parse(text: &str) -> Result<Days, String> {
        let bad = |why: String| {
            format!("invalid days {text:?}: {why}; use daily, weekdays, weekends, or days like mon,wed,fri or mon-thu")
        };
        match text {
            "daily" => return Ok(Days(ALL)),
            "weekdays" => return Ok(Days(WEEKDAYS)),
            "weekends" => return Ok(Days(WEEKENDS)),
            _ => {}
        }
        let day = |name: &str| {
            let lower = name.to_ascii_lowercase();
            DAY_NAMES
                .iter()
                .position(|d| *d == lower)
                .or_else(|| LONG_DAY_NAMES.iter().position(|d| *d == lower))
                .ok_or_else(|| bad(format!("{name:?} is not a day")))
        };
        let mut bits = 0;
        for part in text.split(',') {
            // A range like mon-fri, which may wrap round the week: fri-mon.
            let (first, last) = part.split_once('-').unwrap_or((part, part));
            let (first, last) = (day(first)?, day(last)?);
            let mut d = first;
            loop {
                bits |= 1 << d;
                if d == last {
                    break;
                }
                d = (d + 1) % 7;
            }
        }
        Ok(Days(bits))
    }

    /// Whether `date` falls on one of the days.
    pub fn contains(self, date: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        self.0 & (1 << date.weekday().num_days_from_sunday()) != 0
    }

    /// The day-of-week field of a crontab line.
    pub fn cron_field(self) -> String {
        match self.0 {
            ALL => "*".to_string(),
            WEEKDAYS => "1-5".to_string(),
            bits => (0..7).filter(|d| bits & (1 << d) != 0).map(|d| d.to_string()).collect::<Vec<_>>().join(","),
        }
    }

    /// Reads a day-of-week field: `*`, or numbers (0-7, 7 is Sunday) and ranges, comma separated.
    pub fn from_cron_field(field: &str) -> Option<Days> {
        if field == "*" {
            return Some(Days(ALL));
        }
        let mut bits = 0u8;
        for part in field.split(',') {
            let (from, to) = part.split_once('-').unwrap_or((part, part));
            let (from, to): (u8, u8) = (from.parse().ok()?, to.parse().ok()?);
            if from > to || to > 7 {
                return None;
            }
            for d in from..=to {
                bits |= 1 << (d % 7);
            }
        }
        Some(Days(bits))
    }
}

impl fmt::Display for Days {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ALL => f.write_str("daily"),
            WEEKDAYS => f.write_str("weekdays"),
            WEEKENDS => f.write_str("weekends"),
            // Monday first, as people read a week.
            bits => {
                let names: Vec<_> = [1, 2, 3, 4, 5, 6, 0].into_iter().filter(|d| bits & (1 << d) != 0).collect();
                f.write_str(&names.iter().map(|&d| DAY_NAMES[d]).collect::<Vec<_>>().join(","))
            }
        }
    }
}

/// One scheduled run: a crontab line in the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When it runs.
    pub time: TimeOfDay,
    /// On which days.
    pub days: Days,
    /// The whole crontab line, without its newline.
    pub line: String,
}

impl Entry {
    /// An entry running `command` (already quoted for cron and the shell).
    pub fn new(time: TimeOfDay, days: Days, command: &str) -> Entry {
        let line = format!("{} {} * * {} {command}", time.minute, time.hour, days.cron_field());
        Entry { time, days, line }
    }

    /// Reads `M H * * DOW command`; `None` for any other line.
    pub fn parse(line: &str) -> Option<Entry> {
        let mut fields = line.split_ascii_whitespace();
        let minute: u8 = fields.next()?.parse().ok()?;
        let hour: u8 = fields.next()?.parse().ok()?;
        let (dom, month) = (fields.next()?, fields.next()?);
        let days = Days::from_cron_field(fields.next()?)?;
        fields.next()?;
        (hour < 24 && minute < 60 && dom == "*" && month == "*").then(|| Entry {
            time: TimeOfDay { hour, minute },
            days,
            line: line.to_string(),
        })
    }

    /// The command after the five time fields, as cron reads it (`\%` for `%`).
    pub fn command(&self) -> &str {
        let mut command = self.line.as_str();
        for _ in 0..5 {
            command = command.trim_start();
            command = &command[command.find(char::is_whitespace).unwrap_or(command.len())..];
        }
        command.trim_start()
    }

    /// The words of the command after the five time fields, unquoted.
    pub fn command_words(&self) -> Vec<String> {
        unquote_words(self.command())
    }
}

/// What ends every entry line stretch writes (a shell comment, so cron and
/// `sh` pass over it): a line in the block without it is someone else's.
pub(crate) const MARKER: &str = " # stretch:v3";
/// The marker of the form before this one, still read (and upgraded).
pub(crate) const EARLIER_MARKER: &str = " # stretch:v2";

/// Whether `line` is one stretch wrote: this version's marker, or the form
/// the first version wrote (`... tonight --source cron --skip-if-done ... >> LOG 2>&1`).
pub(crate) fn is_ours(line: &str) -> bool {
    if line.contains(MARKER) || line.contains(EARLIER_MARKER) {
        return true;
    }
    let Some(entry) = Entry::parse(line) else { return false };
    let words = entry.command_words();
    let tonight = ["tonight", "--source", "cron", "--skip-if-done"];
    words.windows(4).any(|w| w == tonight)
        && words.len() >= 3
        && words[words.len() - 3] == ">>"
        && words[words.len() - 1] == "2>&1"
}

/// Quotes a word for a crontab command line: the shell sees exactly `word`.
/// `%` is cron's newline, so it is escaped for cron first. Newlines cannot be
/// written into a crontab at all.
#[cfg(test)]
pub(crate) fn quote(word: &str) -> Result<String, String> {
    Ok(quote_sh(word)?.replace('%', r"\%"))
}

/// Quotes a word for `sh`: the shell sees exactly `word` (cron's `%` aside).
pub(crate) fn quote_sh(word: &str) -> Result<String, String> {
    if word.contains(['\n', '\r', '\0']) {
        return Err(format!("{word:?} contains a line break, which a crontab line cannot hold"));
    }
    let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-./:=,+@".contains(&b));
    Ok(if plain { word.to_string() } else { format!("'{}'", word.replace('\'', r"'\''")) })
}

/// Splits a command written by [`quote`] back into words (single quotes,
/// `\'` between them, and cron's `\%`).
pub(crate) fn unquote_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_default();
            }
            '\\' if !quoted || chars.as_str().starts_with('%') => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_default().push(next);
                }
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
}

/// A line of the block: one of our entries, or anything else, kept as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockLine {
    /// A scheduled run.
    Entry(Entry),
    /// A line we do not recognise (kept, never lost).
    Other(String),
}

/// A crontab cut around the block: the text before and after it, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrontabText {
    before: String,
    /// The block's lines between the markers, if the crontab has a block.
    pub block: Option<Vec<BlockLine>>,
    after: String,
}

impl CrontabText {
    /// Cuts `text` around its block. A crontab with a marker but not its pair,
    /// or two blocks, is refused: guessing could delete someone's jobs.
    pub fn parse(text: &str) -> Result<CrontabText, String> {
        let mut begin = None;
        let mut end = None;
        let mut offset = 0;
        for (number, line) in text.split_inclusive('\n').enumerate() {
            let content = line.trim_end_matches(['\n', '\r']);
            let marker = if content.starts_with(BEGIN) {
                Some(&mut begin)
            } else if content.starts_with(END) {
                Some(&mut end)
            } else {
                None
            };
            if let Some(slot) = marker {
                if slot.is_some() {
                    return Err(format!("line {}: a second {content:?} line", number + 1));
                }
                *slot = Some((number + 1, offset, offset + line.len()));
            }
            offset += line.len();
        }
        match (begin, end) {
            (None, None) => Ok(CrontabText { before: text.to_string(), block: None, after: String::new() }),
            (Some((_, start, inner)), Some((_, inner_end, stop))) if inner <= inner_end => {
                let lines = text[inner..inner_end].lines().map(block_line).collect();
                Ok(CrontabText {
                    before: text[..start].to_string(),
                    block: Some(lines),
                    after: text[stop..].to_string(),
                })
            }
            (Some((line, ..)), None) => Err(format!("line {line}: the block starts but has no {END:?} line")),
            (None, Some((line, ..))) => Err(format!("line {line}: {END:?} without {BEGIN:?} before it")),
            (Some((b, ..)), Some((e, ..))) => Err(format!("line {e}: {END:?} comes before {BEGIN:?} (line {b})")),
        }
    }

    /// The lines in the block that stretch did not write (nor blank lines and
    /// comments): someone else's, left as they are.
    pub fn foreign(&self) -> Vec<&str> {
        self.block
            .iter()
            .flatten()
            .filter_map(|line| match line {
                BlockLine::Other(text) if worth_keeping(line) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The entries of the block, in order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.block.iter().flatten().filter_map(|line| match line {
            BlockLine::Entry(e) => Some(e),
            BlockLine::Other(_) => None,
        })
    }

    /// Adds `entry`, replacing any entry at the same time, in time order.
    /// A time holds one entry: a second line at it (copied by hand) would
    /// start a second run, so adding there leaves one. Returns whether
    /// anything changed.
    pub fn add(&mut self, entry: Entry) -> Change {
        let time = entry.time;
        let at_time = |l: &BlockLine| matches!(l, BlockLine::Entry(e) if e.time == time);
        let lines = self.block.get_or_insert_default();
        let repeated = lines.iter().filter(|l| at_time(l)).count() > 1;
        match lines.iter().position(at_time) {
            Some(at) if !repeated && lines[at] == BlockLine::Entry(entry.clone()) => Change::Unchanged,
            Some(at) => {
                lines[at] = BlockLine::Entry(entry);
                let mut first = true;
                lines.retain(|l| !at_time(l) || std::mem::take(&mut first));
                Change::Replaced
            }
            None => {
                let later = lines.iter().position(|l| matches!(l, BlockLine::Entry(e) if e.time > time));
                lines.insert(later.unwrap_or(lines.len()), BlockLine::Entry(entry));
                Change::Added
            }
        }
    }

    /// How many entries each time holds, where it holds more than one.
    pub fn repeated(&self) -> BTreeMap<TimeOfDay, usize> {
        let mut count = BTreeMap::new();
        for entry in self.entries() {
            *count.entry(entry.time).or_insert(0) += 1;
        }
        count.retain(|_, n| *n > 1);
        count
    }

    /// What to tell a person whose crontab holds `n` entries at `time`.
    pub fn repeated_note(time: TimeOfDay, n: usize) -> String {
        format!(
            "{time} is in the crontab {n} times: cron starts each, and all but the first find a session running; \
             `stretch schedule add {time}` keeps one"
        )
    }

    /// The lines of the block that cron runs at `time` and that were
    /// stretch's entries before someone edited them by hand (they still run
    /// `tonight --source cron` or carry the marker): the user's now.
    /// `None` finds them at any time.
    pub fn others_at(&self, time: Option<TimeOfDay>) -> Vec<&str> {
        self.block
            .iter()
            .flatten()
            .filter_map(|line| match line {
                BlockLine::Other(text) if edited_at(text, time) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Removes the lines [`CrontabText::others_at`] finds; returns how many.
    pub fn remove_others_at(&mut self, time: Option<TimeOfDay>) -> usize {
        let Some(lines) = &mut self.block else { return 0 };
        let before = lines.len();
        lines.retain(|l| !matches!(l, BlockLine::Other(text) if edited_at(text, time)));
        before - lines.len()
    }

    /// Removes the entries at `time` (all of them for `None`); returns how many.
    pub fn remove(&mut self, time: Option<TimeOfDay>) -> usize {
        self.remove_if(time, |_| true)
    }

    /// Removes the entries at `time` (all of them for `None`) that `which`
    /// accepts; returns how many.
    pub fn remove_if(&mut self, time: Option<TimeOfDay>, which: impl Fn(&Entry) -> bool) -> usize {
        let Some(lines) = &mut self.block else { return 0 };
        let before = lines.len();
        lines.retain(|l| !matches!(l, BlockLine::Entry(e) if time.is_none_or(|t| e.time == t) && which(e)));
        before - lines.len()
    }

    /// The crontab text: everything outside the block as it was read; the
    /// block where it was (or at the end), or gone when nothing is left in it.
    pub fn render(&self) -> String {
        let mut text = self.before.clone();
        // A comment someone wrote in the block is theirs: it keeps the block.
        let kept = |line: &BlockLine| {
            matches!(line, BlockLine::Entry(_)) || matches!(line, BlockLine::Other(t) if !t.trim().is_empty())
        };
        if let Some(lines) = self.block.as_ref().filter(|lines| lines.iter().any(kept)) {
            if !text.is_empty() && !text.ends_with('\n') {
                // cron refuses a last line without its newline anyway.
                text.push('\n');
            }
            text += &render_block(lines);
        }
        text + &self.after
    }
}

/// What [`CrontabText::add`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new entry.
    Added,
    /// The entry at that time now runs differently.
    Replaced,
    /// The same entry was there already.
    Unchanged,
}

/// Whether `line` runs at `time` and was one of stretch's entries before a
/// hand edit (its marker without the space, or the words that start a run).
fn edited_at(line: &str, time: Option<TimeOfDay>) -> bool {
    Entry::parse(line).is_some_and(|e| time.is_none_or(|t| e.time == t))
        && (line.contains("stretch:v") || line.contains("--source cron"))
}

/// Only lines stretch wrote are entries; any other line is kept as it is.
fn block_line(line: &str) -> BlockLine {
    match Entry::parse(line) {
        Some(entry) if is_ours(line) => BlockLine::Entry(entry),
        _ => BlockLine::Other(line.to_string()),
    }
}

/// Entries and lines someone put in the block that cron runs (not blank
/// lines and comments), which are worth a word.
fn worth_keeping(line: &BlockLine) -> bool {
    match line {
        BlockLine::Entry(_) => true,
        BlockLine::Other(text) => !text.trim().is_empty() && !text.trim_start().starts_with('#'),
    }
}

/// The block, markers included, each line ending in a newline.
pub(crate) fn render_block(lines: &[BlockLine]) -> String {
    let mut text = format!("{BEGIN_LINE}\n");
    for line in lines {
        text += match line {
            BlockLine::Entry(e) => &e.line,
            BlockLine::Other(other) => other,
        };
        text.push('\n');
    }
    text + END_LINE + "\n"
}

#[cfg(test)]
mod tests;
