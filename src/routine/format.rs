//! Routine files: the TOML format, and its validation into a [`Routine`].
//!
//! Every mistake is reported as `file:line:col: what is wrong`, before anything
//! plays, so a person fixing a routine at bedtime is pointed at the exact spot.

use crate::visible::visible;
use std::fmt;
use std::ops::{Range, RangeInclusive};
use std::time::Duration;

use chrono::NaiveTime;
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::time::duration;

/// Limits that keep a routine sensible; each is named in its error message.
pub(crate) mod limits {
    use std::ops::RangeInclusive;
    use std::time::Duration;

    /// How many times the hold repeats.
    pub(crate) const REPS: RangeInclusive<u32> = 1..=20;
    /// One hold.
    pub(crate) const HOLD: RangeInclusive<Duration> = Duration::from_millis(100)..=Duration::from_secs(600);
    /// One rest (0 means no rest).
    pub(crate) const REST: RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(600);
    /// The prepare phase (0 means none).
    pub(crate) const PREPARE: RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(300);
    /// The closing phase, which lets the last words finish.
    pub(crate) const DONE: RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(60);
    /// Countdown ticks at the end of each hold.
    pub(crate) const COUNTDOWN: RangeInclusive<u32> = 0..=10;
    /// The loudness of the cues.
    pub(crate) const VOLUME: RangeInclusive<u8> = 0..=100;

    /// `--hold`: a duration within [`HOLD`], checked as clap parses it.
    pub(crate) fn hold(text: &str) -> Result<Duration, String> {
        length("hold", text, &HOLD)
    }

    /// `--rest`: a duration within [`REST`].
    pub(crate) fn rest(text: &str) -> Result<Duration, String> {
        length("rest", text, &REST)
    }

    /// `--prepare`: a duration within [`PREPARE`].
    pub(crate) fn prepare(text: &str) -> Result<Duration, String> {
        length("prepare", text, &PREPARE)
    }

    /// `--reps`: a whole number within [`REPS`].
    pub(crate) fn reps(text: &str) -> Result<u32, String> {
        whole("reps", text, &REPS)
    }

    /// `--volume`: a whole number within [`VOLUME`].
    pub(crate) fn volume(text: &str) -> Result<u8, String> {
        whole("volume", text, &VOLUME)
    }

    /// How long a cramp can have lasted (`stretch cramp --lasted`).
    pub(crate) const LASTED: RangeInclusive<Duration> = Duration::from_secs(1)..=Duration::from_secs(2 * 3600);

    /// `--lasted`: a duration within [`LASTED`].
    pub(crate) fn lasted(text: &str) -> Result<Duration, String> {
        length("lasted", text, &LASTED)
    }

    /// `--severity`: a whole number from 1 (mild) to 5 (worst).
    pub(crate) fn severity(text: &str) -> Result<u8, String> {
        whole("severity", text, &(1..=5))
    }

    /// A whole number within `range`, refused in words a person reads on a
    /// command line: `reps must be a whole number from 1 to 20 (got two)`.
    fn whole<T>(what: &str, text: &str, range: &RangeInclusive<T>) -> Result<T, String>
    where
        T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
    {
        let bad = || format!("{what} must be a whole number from {} to {} (got {text})", range.start(), range.end());
        let trimmed = text.trim();
        if trimmed.is_empty() || !trimmed.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // Digits that do not fit the type are out of range, not "not a number".
        match trimmed.parse::<T>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(bad()),
        }
    }

    fn length(what: &str, text: &str, range: &RangeInclusive<Duration>) -> Result<Duration, String> {
        within(what, crate::time::duration::parse(text)?, range, crate::time::duration::format)
    }

    /// `value`, or `<what> must be between A and B (got V)`, each shown by `show`.
    pub(crate) fn within<T: PartialOrd + Copy>(
        what: &str,
        value: T,
        range: &RangeInclusive<T>,
        show: impl Fn(T) -> String,
    ) -> Result<T, String> {
        if range.contains(&value) {
            return Ok(value);
        }
        Err(format!("{what} must be between {} and {} (got {})", show(*range.start()), show(*range.end()), show(value)))
    }
}

/// Which leg a one-leg hold works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The left leg.
    Left,
    /// The right leg.
    Right,
}

impl Side {
    /// The side's name in lower case, as written in routine files.
    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// One phase of a routine as the person experiences it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// How long the phase lasts.
    pub length: Duration,
    /// What the screen shows.
    pub words: String,
    /// What the voice says as the phase begins; `None` for nothing.
    pub say: Option<String>,
}

/// The words of one hold in a sequence of different holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// What the screen shows.
    pub words: String,
    /// What the voice says; defaults to `words`, `""` for nothing.
    pub say: Option<String>,
}

/// A validated routine, ready to be compiled into a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routine {
    /// The routine's name (its file name without `.toml`).
    pub name: String,
    /// One line for `stretch routines`.
    pub summary: String,
    /// How many times the hold (on each side) repeats.
    pub reps: u32,
    /// Getting into position.
    pub prepare: Step,
    /// The stretch itself. Words may contain `{side}` or `{Side}`.
    pub hold: Step,
    /// Countdown ticks in the last seconds of each hold.
    pub countdown: u32,
    /// Sides held in turn in each rep; empty when both legs stretch together.
    pub sides: Vec<Side>,
    /// Different words for successive holds (`[[hold.steps]]`), used in turn
    /// and from the start again if there are more reps; empty for `hold`'s own.
    pub steps: Vec<Words>,
    /// Between holds.
    pub rest: Step,
    /// The closing words, with time for them to be heard.
    pub done: Step,
    /// Good-night tips (`[done] tips`): one of them, chosen by the night,
    /// takes the place of the closing words.
    pub tips: Vec<String>,
}

/// A file a person wrote (a routine, the config) that cannot be used, with the
/// place of the mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutineError {
    /// The file as the user named it (or `built-in:NAME`).
    pub file: String,
    /// 1-based line and column, when the mistake has a place.
    pub at: Option<(usize, usize)>,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl RoutineError {
    /// A mistake in `text` (the contents of `file`) at the byte range `span`.
    pub fn at(file: &str, text: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        RoutineError { file: file.to_string(), at: span.map(|s| line_col(text, s.start)), message: message.into() }
    }

    /// A file that is not the TOML expected: bad syntax, an unknown key, a value of the wrong type.
    pub fn from_toml(file: &str, text: &str, error: &toml::de::Error) -> Self {
        Self::at(file, text, error.span(), clean_toml_message(error.message(), text, error.span()))
    }
}

impl fmt::Display for RoutineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A duration in a file: a string like `"10s"`, or a number of seconds
/// (`12`, `1.5`), as `--hold` takes them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileDuration(pub Duration);

impl<'de> Deserialize<'de> for FileDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Reads each form a duration takes in a file; any other value is refused
/// by serde with the value named and [`DurationVisitor::expecting`]'s words.
struct DurationVisitor;

impl serde::de::Visitor<'_> for DurationVisitor {
    type Value = FileDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration like \"10s\", \"500ms\", \"1m30s\" or a number of seconds like 1.5")
    }

    fn visit_u64<E: serde::de::Error>(self, seconds: u64) -> Result<FileDuration, E> {
        Ok(FileDuration(Duration::from_secs(seconds)))
    }

    fn visit_i64<E: serde::de::Error>(self, seconds: i64) -> Result<FileDuration, E> {
        match u64::try_from(seconds) {
            Ok(seconds) => self.visit_u64(seconds),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(seconds), &self)),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, seconds: f64) -> Result<FileDuration, E> {
        // The same reading as `--hold 1.5`: exact decimals, no float rounding.
        duration::parse(&seconds.to_string())
            .map(FileDuration)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Float(seconds), &self))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<FileDuration, E> {
        duration::parse(text).map(FileDuration).map_err(E::custom)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRoutine {
    summary: Option<String>,
    reps: Option<Spanned<u32>>,
    prepare: Option<FileStep>,
    hold: Spanned<FileStep>,
    rest: Option<FileStep>,
    done: Option<FileStep>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStep {
    duration: Option<Spanned<FileDuration>>,
    words: Option<String>,
    say: Option<String>,
    countdown: Option<Spanned<u32>>,
    sides: Option<Spanned<Vec<Side>>>,
    steps: Option<Spanned<Vec<Words>>>,
    tips: Option<Spanned<Vec<String>>>,
}

/// Parses and validates a routine file's text. `file` names it in errors.
pub fn parse(name: &str, file: &str, text: &str) -> Result<Routine, RoutineError> {
    let error = |span: Option<Range<usize>>, message: String| RoutineError::at(file, text, span, message);
    let raw: FileRoutine = toml::from_str(text).map_err(|e| {
        let mut error = RoutineError::from_toml(file, text, &e);
        if error.message.starts_with("missing key hold") {
            error.message =
                "the routine has no [hold]: add one with its duration, like [hold] duration = \"10s\"".into();
        }
        error
    })?;
    let check = Checker { error: &error };
    let hold_span = raw.hold.span();
    let mut hold = raw.hold.into_inner();
    let prepare = raw.prepare.unwrap_or_default();
    let rest = raw.rest.unwrap_or_default();
    let done = raw.done.unwrap_or_default();
    for (phase, step) in [("prepare", &prepare), ("rest", &rest), ("done", &done)] {
        check.only_on_hold(phase, step)?;
    }
    for (phase, step) in [("prepare", &prepare), ("hold", &hold), ("rest", &rest)] {
        if let Some(tips) = &step.tips {
            return Err(error(Some(tips.span()), format!("tips belong in [done], not in [{phase}]")));
        }
    }
    let tips: Vec<String> = done.tips.as_ref().map(|t| t.get_ref().clone()).unwrap_or_default();
    for tip in &tips {
        placeholders(tip, "done", false).map_err(|e| error(done.tips.as_ref().map(Spanned::span), e))?;
        if tip.trim().is_empty() {
            return Err(error(done.tips.as_ref().map(Spanned::span), "a tip in [done] is empty".into()));
        }
    }
    let sides = match hold.sides.take() {
        None => Vec::new(),
        Some(s) => check.sides(s)?,
    };
    let steps: Vec<Words> = match hold.steps.take() {
        None => Vec::new(),
        Some(s) => check.steps(s)?,
    };
    let hold_texts = [&hold.words, &hold.say]
        .into_iter()
        .flatten()
        .chain(steps.iter().flat_map(|w| [Some(&w.words), w.say.as_ref()]).flatten());
    for text in hold_texts {
        placeholders(text, "hold", !sides.is_empty()).map_err(|e| error(Some(hold_span.clone()), e))?;
    }
    for (phase, step) in [("prepare", &prepare), ("rest", &rest), ("done", &done)] {
        for text in [&step.words, &step.say].into_iter().flatten() {
            placeholders(text, phase, false).map_err(|e| error(None, e))?;
        }
    }
    // Until a night chooses, the first tip closes the routine.
    let routine = Routine {
        name: name.to_string(),
        // Shown, never obeyed: a routine file cannot drive the terminal.
        summary: visible(&raw.summary.unwrap_or_default()).into_owned(),
        reps: match raw.reps {
            None if !steps.is_empty() => u32::try_from(steps.len()).unwrap_or(u32::MAX),
            None => 3,
            Some(r) => check.in_range("reps", *r.get_ref(), limits::REPS, r.span())?,
        },
        countdown: match &hold.countdown {
            None => 0,
            Some(c) => check.in_range("countdown", *c.get_ref(), limits::COUNTDOWN, c.span())?,
        },
        sides,
        steps,
        prepare: check.step("prepare", prepare, Duration::ZERO, limits::PREPARE)?,
        hold: match hold.duration {
            None => return Err(error(Some(hold_span), "[hold] needs a duration, like duration = \"10s\"".into())),
            Some(_) => check.step("hold", hold, Duration::ZERO, limits::HOLD)?,
        },
        rest: check.step("rest", rest, Duration::ZERO, limits::REST)?,
        done: check.step("done", done, Duration::ZERO, limits::DONE)?,
        tips: tips.iter().map(|t| visible(t).into_owned()).collect(),
    };
    Ok(routine)
}

/// Validates the parts of a parsed file, turning spans into located errors.
struct Checker<'a, E: Fn(Option<Range<usize>>, String) -> RoutineError> {
    error: &'a E,
}

impl<E: Fn(Option<Range<usize>>, String) -> RoutineError> Checker<'_, E> {
    fn in_range<T: PartialOrd + Copy + fmt::Display>(
        &self,
        what: &str,
        value: T,
        range: RangeInclusive<T>,
        span: Range<usize>,
    ) -> Result<T, RoutineError> {
        limits::within(what, value, &range, |v| v.to_string()).map_err(|e| (self.error)(Some(span), e))
    }

    fn step(
        &self,
        phase: &str,
        step: FileStep,
        default: Duration,
        range: RangeInclusive<Duration>,
    ) -> Result<Step, RoutineError> {
        let length = match step.duration {
            None => default,
            Some(d) => limits::within(phase, d.get_ref().0, &range, duration::format)
                .map_err(|e| (self.error)(Some(d.span()), e))?,
        };
        let words = step.words.unwrap_or_else(|| default_words(phase).to_string());
        Ok(Step { length, say: say_or_words(step.say, &words), words: visible(&words).into_owned() })
    }

    fn only_on_hold(&self, phase: &str, step: &FileStep) -> Result<(), RoutineError> {
        let misplaced = [
            ("countdown", step.countdown.as_ref().map(|c| c.span())),
            ("sides", step.sides.as_ref().map(|s| s.span())),
            ("steps", step.steps.as_ref().map(|s| s.span())),
        ];
        for (key, span) in misplaced {
            if let Some(span) = span {
                return Err((self.error)(Some(span), format!("{key} belongs in [hold], not in [{phase}]")));
            }
        }
        Ok(())
    }

    fn steps(&self, steps: Spanned<Vec<Words>>) -> Result<Vec<Words>, RoutineError> {
        let span = steps.span();
        let steps = steps.into_inner();
        let count = u32::try_from(steps.len()).unwrap_or(u32::MAX);
        self.in_range("the number of [[hold.steps]]", count, limits::REPS, span)?;
        Ok(steps
            .into_iter()
            .map(|w| Words { say: say_or_words(w.say, &w.words), words: visible(&w.words).into_owned() })
            .collect())
    }

    fn sides(&self, sides: Spanned<Vec<Side>>) -> Result<Vec<Side>, RoutineError> {
        let span = sides.span();
        let sides = sides.into_inner();
        let unique = sides.len() == 2 && sides[0] != sides[1];
        if sides.is_empty() || unique || sides.len() == 1 {
            return Ok(sides);
        }
        Err((self.error)(Some(span), "sides must name each of \"left\" and \"right\" at most once".into()))
    }
}

/// Checks the `{...}` placeholders of a phase's words: only `{side}` and
/// `{Side}` exist, and only in `[hold]` of a routine with sides, so a typo
/// is an error at load, never words shown with braces in them.
fn placeholders(text: &str, phase: &str, has_sides: bool) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!(
                "{text:?} in [{phase}] has a {{ without its }}; the words may use {{side}} and {{Side}}"
            ));
        };
        let name = &after[..close];
        match name {
            "side" | "Side" if has_sides => {}
            "side" | "Side" if phase == "hold" => {
                return Err(format!(
                    "{{{name}}} in [hold] needs the sides it stands for: sides = [\"left\", \"right\"]"
                ));
            }
            "side" | "Side" => {
                return Err(format!(
                    "{{{name}}} in [{phase}] stands for no side: only the words of [hold], with sides, can use it"
                ));
            }
            other => {
                return Err(format!(
                    "unknown placeholder {{{other}}} in [{phase}]; the words may use {{side}} and {{Side}}"
                ));
            }
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// What the voice says: `say`, else the shown words; nothing where there is
/// nothing to pronounce (`""`, or only marks such as `...`, which a speech
/// engine turns into a blip).
fn say_or_words(say: Option<String>, words: &str) -> Option<String> {
    Some(say.unwrap_or_else(|| words.to_string())).filter(|s| s.chars().any(char::is_alphanumeric))
}

/// Words for a phase the file leaves unworded.
fn default_words(phase: &str) -> &'static str {
    match phase {
        "prepare" => "Get ready.",
        "hold" => "Hold.",
        "rest" => "Rest.",
        _ => "All done.",
    }
}

/// toml's messages, in the words of someone editing the file: no Rust type
/// names, the key and the value it was given, and the fix for the commonest
/// slips (a word without quotes, a table where a list of tables belongs).
/// `text` is the file and `span` where toml points, to find the key.
fn clean_toml_message(message: &str, text: &str, span: Option<Range<usize>>) -> String {
    let message =
        message.trim().replace("unknown field", "unknown key").replace("missing field", "missing key").replace('`', "");
    if message.starts_with("string values must be quoted") {
        return "a value must be a number or text in double quotes, like \"10s\"".to_string();
    }
    let (key, got) = key_and_value(text, span);
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "something else"));
        return wrong_type(&key, found, expected);
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "something else"));
        return wrong_type(&key, found, expected);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (found, names) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let names = names.trim_start_matches("one of ");
        return format!("{key} must be one of {names} (got {found})");
    }
    if message == "wanted string or table" {
        return format!("{key} must be a word in double quotes (got {got})");
    }
    message
}

/// `key must be what was expected (got what was found)`, in plain words.
fn wrong_type(key: &str, found: &str, expected: &str) -> String {
    let whole = ["i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "a whole number"];
    let expected = match expected {
        e if whole.contains(&e) => "a whole number",
        "a sequence" => "a list",
        "a string" => "text in double quotes",
        other => other,
    };
    if let Some((number, _)) = found.strip_prefix("integer ").and_then(|r| r.split_once(" as ")) {
        // serde names a number too wide for any integer type "as i128".
        let size = if number.starts_with('-') { "small" } else { "large" };
        return format!("{key} is too {size} (got {number})");
    }
    if found == "map" && expected == "a list" {
        let last = key.rsplit('.').next().unwrap_or(key);
        let one = last.strip_suffix('s').unwrap_or("entry");
        return format!("[{key}] is a list: write each {one} as [[{key}]]");
    }
    let found = match found.split_once(' ') {
        Some(("string", quoted)) => {
            let inner = quoted.trim_matches('"');
            if expected == "a whole number" && !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
                return format!("{key} must be a whole number, like {inner} (got the text {quoted})");
            }
            format!("the text {quoted}")
        }
        Some((_, value)) => value.trim_start_matches("point ").to_string(),
        None if found == "map" => "a table".to_string(),
        None if found == "sequence" => "a list".to_string(),
        None => found.to_string(),
    };
    format!("{key} must be {expected} (got {found})")
}

/// The key a toml error is about and the value's text, from where it points:
/// `reps` for `reps = "2"`, `hold.steps` for a `[hold.steps]` header.
fn key_and_value(text: &str, span: Option<Range<usize>>) -> (String, String) {
    let Some(span) = span.filter(|s| s.start <= s.end && s.end <= text.len()) else {
        return ("the value".to_string(), "it".to_string());
    };
    let got = text.get(span.clone()).unwrap_or_default().trim().to_string();
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..span.start].trim();
    let key = match before.strip_suffix('=') {
        Some(key) => key.trim().trim_matches('"').to_string(),
        None => got.trim_start_matches('[').trim_end_matches(']').trim().to_string(),
    };
    let key = if key.is_empty() { "the value".to_string() } else { key };
    (key, got)
}

/// The 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// When the evening begins: from then until the day boundary a session
/// closes with a good-night tip and a scheduled one invites to a bedtime
/// stretch; earlier in the day (stretches are advised three times a day),
/// neither says "good night" or "bedtime".
pub(crate) const EVENING: NaiveTime = NaiveTime::from_hms_opt(19, 0, 0).unwrap();

/// Whether the local time `at` is in the evening or the night, before the
/// next day begins at `day_starts`.
pub(crate) fn is_evening(at: NaiveTime, day_starts: NaiveTime) -> bool {
    at >= EVENING || at < day_starts
}

impl Routine {
    /// The routine as it runs on `night`: in the `evening` (see
    /// [`is_evening`]) its closing words are the night's tip, if it has tips;
    /// earlier in the day it closes with its own words. The tip is chosen by
    /// the date, not at random, so a night's export and its session say the
    /// same, and every tip comes in turn.
    pub fn for_session(self, evening: bool, night: chrono::NaiveDate) -> Routine {
        if !evening {
            return self;
        }
        let day = usize::try_from(chrono::Datelike::num_days_from_ce(&night)).unwrap_or(0);
        self.with_tip(day)
    }

    /// The routine closing with its tip number `n` (counted round), if it has tips.
    fn with_tip(mut self, n: usize) -> Routine {
        if !self.tips.is_empty() {
            let tip = self.tips[n % self.tips.len()].clone();
            self.done.say = Some(tip.clone());
            self.done.words = tip;
        }
        self
    }

    /// The hold's words for one side (`{side}` and `{Side}` filled in).
    pub fn words_for(text: &str, side: Option<Side>) -> String {
        let Some(side) = side else { return text.to_string() };
        let name = side.name();
        let capital = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        text.replace("{side}", name).replace("{Side}", &capital)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[hold]\nduration = \"10s\"\n";

    fn parse_ok(text: &str) -> Routine {
        parse("t", "t.toml", text).unwrap()
    }

    fn parse_err(text: &str) -> String {
        parse("t", "t.toml", text).unwrap_err().to_string()
    }

    #[test]
    fn the_built_in_routines_are_valid() {
        let entries = crate::routine::catalog::list(None).unwrap();
        assert!(!entries.is_empty());
        for entry in entries {
            let r = entry.routine.unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            assert!(!r.summary.is_empty(), "{} has a summary", entry.name);
        }
    }

    #[test]
    fn a_minimal_routine_gets_defaults() {
        let r = parse_ok(MINIMAL);
        assert_eq!(r.reps, 3);
        assert_eq!(r.hold.length, Duration::from_secs(10));
        assert_eq!(r.rest.length, Duration::ZERO);
        assert_eq!(r.hold.say.as_deref(), Some("Hold."));
        assert!(r.sides.is_empty());
    }

    #[test]
    fn words_with_nothing_to_pronounce_are_shown_and_not_spoken() {
        let r = parse_ok(
            "[prepare]\nwords = \"...\"\n[hold]\nduration = \"10s\"\nsay = \" -- \"\n[rest]\nsay = \"Rest 2.\"\n",
        );
        assert_eq!((r.prepare.words.as_str(), r.prepare.say.as_deref()), ("...", None));
        assert_eq!(r.hold.say, None);
        assert_eq!(r.rest.say.as_deref(), Some("Rest 2."));
    }

    #[test]
    fn durations_accept_whole_and_decimal_seconds() {
        assert_eq!(parse_ok("[hold]\nduration = 12\n").hold.length, Duration::from_secs(12));
        assert_eq!(parse_ok("[hold]\nduration = 1.5\n").hold.length, Duration::from_millis(1500));
        let err = parse_err("[hold]\nduration = -1.5\n");
        assert!(err.starts_with("t.toml:2:12: duration must be a duration like"), "{err}");
        assert!(err.ends_with("(got -1.5)"), "{err}");
        assert!(parse_err("[hold]\nduration = true\n").ends_with("(got true)"));
    }

    #[test]
    fn an_empty_say_means_silence() {
        assert_eq!(parse_ok("[hold]\nduration = \"1s\"\nsay = \"\"\n").hold.say, None);
    }

    #[test]
    fn out_of_range_hold_names_line_column_and_limits() {
        let err = parse_err("reps = 2\n[hold]\nduration = \"20m\"\n");
        assert_eq!(err, "t.toml:3:12: hold must be between 100ms and 10m (got 20m)");
    }

    #[test]
    fn out_of_range_reps_is_located() {
        assert_eq!(parse_err("reps = 0\n[hold]\nduration = 5\n"), "t.toml:1:8: reps must be between 1 and 20 (got 0)");
    }

    #[test]
    fn a_bad_duration_is_located_and_explained() {
        let err = parse_err("[hold]\nduration = \"10 seconds\"\n");
        assert!(err.starts_with("t.toml:2:12: "), "{err}");
        assert!(err.contains("like 10, 10s"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = parse_err("[hold]\nduration = \"1s\"\nrepeat = 3\n");
        assert!(err.starts_with("t.toml:3:1: unknown key repeat"), "{err}");
    }

    #[test]
    fn toml_slips_are_explained_without_rust_words() {
        assert_eq!(parse_err("reps = \"3\"\n"), "t.toml:1:8: reps must be a whole number, like 3 (got the text \"3\")");
        let err = parse_err("[hold]\nduration = 10s\n");
        assert_eq!(err, "t.toml:2:12: a value must be a number or text in double quotes, like \"10s\"");
    }

    #[test]
    fn wrong_kinds_of_value_name_the_key_and_the_value() {
        for (text, expected) in [
            ("reps = 2.5\n[hold]\nduration = 5\n", "t.toml:1:8: reps must be a whole number (got 2.5)"),
            (
                "reps = 99999999999999999999\n[hold]\nduration = 5\n",
                "t.toml:1:8: reps is too large (got 99999999999999999999)",
            ),
            (
                "[hold]\nduration = 5\n[hold.steps]\nwords = \"A\"\n",
                "[hold.steps] is a list: write each step as [[hold.steps]]",
            ),
            ("summary = 3\n[hold]\nduration = 5\n", "summary must be text in double quotes (got 3)"),
        ] {
            let err = parse_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(!err.contains("invalid type") && !err.contains("i128"), "{err}");
        }
    }

    #[test]
    fn flag_numbers_are_refused_in_words() {
        assert_eq!(limits::reps("4"), Ok(4));
        assert_eq!(limits::reps("two").unwrap_err(), "reps must be a whole number from 1 to 20 (got two)");
        for bad in ["0", "21", "-1", "2.5", "", "99999999999"] {
            assert!(limits::reps(bad).unwrap_err().starts_with("reps must be a whole number from 1 to 20"), "{bad}");
        }
        assert_eq!(limits::volume("101").unwrap_err(), "volume must be a whole number from 0 to 100 (got 101)");
        assert_eq!(limits::severity("6").unwrap_err(), "severity must be a whole number from 1 to 5 (got 6)");
        assert_eq!(limits::volume("0"), Ok(0));
    }

    #[test]
    fn a_missing_hold_is_an_error() {
        let err = parse_err("reps = 3\n");
        assert!(err.contains("the routine has no [hold]"), "{err}");
    }

    #[test]
    fn a_hold_without_duration_is_an_error() {
        assert!(parse_err("[hold]\nwords = \"x\"\n").contains("[hold] needs a duration"));
    }

    #[test]
    fn countdown_outside_hold_is_an_error() {
        let err = parse_err("[hold]\nduration = 5\n[rest]\ncountdown = 3\n");
        assert_eq!(err, "t.toml:4:13: countdown belongs in [hold], not in [rest]");
    }

    #[test]
    fn sides_must_not_repeat() {
        let err = parse_err("[hold]\nduration = 5\nsides = [\"left\", \"left\"]\n");
        assert!(err.contains("at most once"), "{err}");
        assert!(parse_err("[hold]\nduration = 5\nsides = [\"up\"]\n").starts_with("t.toml:3:"));
    }

    #[test]
    fn steps_give_successive_holds_their_own_words() {
        let text = "[hold]\nduration = 5\n[[hold.steps]]\nwords = \"A\"\n[[hold.steps]]\nwords = \"B\"\nsay = \"\"\n";
        let r = parse_ok(text);
        assert_eq!(r.reps, 2, "reps default to the number of steps");
        assert_eq!(r.steps[0], Words { words: "A".into(), say: Some("A".into()) });
        assert_eq!(r.steps[1].say, None);
        assert!(parse_err("[hold]\nduration = 5\n[[hold.steps]]\nword = \"A\"\n").contains("unknown key word"));
        assert!(
            parse_err("[rest]\n[[rest.steps]]\nwords = \"A\"\n[hold]\nduration = 1\n")
                .contains("steps belongs in [hold]")
        );
    }

    #[test]
    fn a_side_placeholder_needs_sides() {
        let err = parse_err("[hold]\nduration = 5\nwords = \"{Side} leg\"\n");
        assert!(err.starts_with("t.toml:1:1: {Side} in [hold] needs the sides"), "{err}");
    }

    #[test]
    fn placeholders_are_checked_everywhere_at_load() {
        for (text, expected) in [
            ("[hold]\nduration = 5\n[[hold.steps]]\nwords = \"A\"\nsay = \"{side}\"\n", "needs the sides"),
            (
                "[prepare]\nwords = \"{Side} ready\"\n[hold]\nduration = 5\nsides = [\"left\"]\n",
                "[prepare] stands for no side",
            ),
            ("[rest]\nsay = \"{side}\"\n[hold]\nduration = 5\n", "[rest] stands for no side"),
            ("[done]\nwords = \"{name}\"\n[hold]\nduration = 5\n", "unknown placeholder {name} in [done]"),
            ("[hold]\nduration = 5\nwords = \"{sdie}\"\nsides = [\"left\"]\n", "unknown placeholder {sdie} in [hold]"),
            ("[hold]\nduration = 5\nwords = \"a {side\"\nsides = [\"left\"]\n", "without its }"),
        ] {
            let err = parse_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        let ok = "[hold]\nduration = 5\nsides = [\"left\"]\n[[hold.steps]]\nwords = \"{Side}\"\nsay = \"{side} leg\"\n";
        assert_eq!(parse_ok(ok).steps[0].say.as_deref(), Some("{side} leg"));
    }

    #[test]
    fn a_tip_chosen_by_the_night_closes_the_routine() {
        let text = "[hold]\nduration = 5\n[done]\nduration = \"5s\"\ntips = [\"A.\", \"B.\"]\n";
        let r = parse_ok(text);
        let night = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let (a, b) = (r.clone().for_session(true, night(26)), r.clone().for_session(true, night(27)));
        assert_ne!(a.done.words, b.done.words, "one night's tip, then the next");
        assert_eq!(a.done.say.as_deref(), Some(a.done.words.as_str()), "shown and spoken");
        assert_eq!(r.clone().for_session(true, night(26)), a, "the same night, the same tip");
        let plain = r.clone().for_session(false, night(26));
        assert_eq!((plain.done.words.as_str(), plain.done.say.as_deref()), ("All done.", Some("All done.")));
        let four = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        for (time, evening) in
            [(at(19, 0), true), (at(23, 59), true), (at(3, 59), true), (at(4, 0), false), (at(18, 59), false)]
        {
            assert_eq!(is_evening(time, four), evening, "{time}");
        }
        assert!(parse_err("[hold]\nduration = 5\ntips = [\"x\"]\n").contains("tips belong in [done]"));
        assert!(parse_err("[hold]\nduration = 5\n[done]\ntips = [\"{side}\"]\n").contains("[done] stands for no side"));
    }

    #[test]
    fn side_placeholders_are_filled() {
        assert_eq!(Routine::words_for("{Side} leg, {side}", Some(Side::Right)), "Right leg, right");
        assert_eq!(Routine::words_for("{Side}", None), "{Side}");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
    }
}
