//! The journal's records: what each line of the journal says, as types.
//! Every view and every writer uses these; [`super::read`] turns the
//! journal's bytes into them, whatever JSON formatting a line has.
//!
//! A new field is added here with `#[serde(default)]` (or as an `Option`),
//! read in [`super::read::Line`], and written by `Serialize` as it is.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// The first night stretch keeps: anything earlier is a typo (`0026-11-26`)
/// that would otherwise make every night since then a row of output.
pub(crate) const FIRST_NIGHT: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();

/// The schema version written in every record's `v`.
pub const SCHEMA: u32 = 1;

/// How a session came about (`--source` takes the first two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A person, by hand
    Terminal,
    /// A scheduled job
    Cron,
    /// Entered afterwards, without the timer
    #[value(skip)]
    Entered,
}

/// One stretching session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7), so merged journals never collide.
    pub id: String,
    /// Routine name.
    pub routine: String,
    /// When the routine began, with the local UTC offset.
    #[serde(serialize_with = "rfc3339::serialize")]
    pub started: DateTime<FixedOffset>,
    /// When it completed or was stopped.
    #[serde(serialize_with = "rfc3339::serialize")]
    pub ended: DateTime<FixedOffset>,
    /// Reps planned.
    pub reps_planned: u32,
    /// Reps whose every hold finished.
    pub reps_done: u32,
    /// Time spent holding, in milliseconds (paused time excluded).
    pub hold_ms: u64,
    /// Whether the routine reached its end.
    pub completed: bool,
    /// How the session came about.
    pub source: Source,
    /// How the cues were heard.
    pub audio: AudioUsed,
    /// Time spent paused, in milliseconds.
    #[serde(default)]
    pub paused_ms: u64,
    /// The `id` of the cramp this session relieved (`stretch cramp --relieve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cramp: Option<String>,
    /// Whether a person was there: `false` for a scheduled session nobody
    /// answered (until a [`Confirm`] names it). Missing in records written
    /// before it existed, which means attended, as those records always meant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended: Option<bool>,
    /// The person answered "Skip" to the scheduled session: it was stopped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
    /// The person's own words about it (`--note`), if any; missing in
    /// records written before notes could be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A person's word, given afterwards, that they did a scheduled session
/// (`stretch log confirm`, or "Done" on the notification): appended, so the
/// session's own line is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirm {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7).
    pub id: String,
    /// The `id` of the session confirmed.
    pub session: String,
    /// When the confirmation was given.
    #[serde(serialize_with = "rfc3339::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// Takes back a record made by mistake (`stretch log retract`): every view
/// leaves the named record out, and the journal keeps both lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retract {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7).
    pub id: String,
    /// The `id` of the record taken back.
    pub record: String,
    /// When it was taken back.
    #[serde(serialize_with = "rfc3339::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// How the cues reached the person, as recorded in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioUsed {
    /// The cue track played on the output device.
    Device,
    /// No device: the terminal bell rang at each cue.
    Bell,
    /// No device and no terminal: no cues were heard.
    None,
    /// Sounds were turned off (`--sounds off`).
    Off,
    /// The device went away during the session and did not come back: the
    /// cues after that were not heard.
    Lost,
}

/// Which leg a cramp struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    /// The left leg
    Left,
    /// The right leg
    Right,
    /// Both legs
    Both,
}

impl Leg {
    /// In words: `left leg`, `right leg`, `both legs`.
    pub fn words(self) -> &'static str {
        match self {
            Leg::Left => "left leg",
            Leg::Right => "right leg",
            Leg::Both => "both legs",
        }
    }
}

/// A cramp that woke someone, recorded by `stretch cramp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cramp {
    /// Schema version.
    pub v: u32,
    /// Unique and time-ordered (UUID v7).
    pub id: String,
    /// When it happened, with the local UTC offset.
    #[serde(serialize_with = "rfc3339::serialize")]
    pub at: DateTime<FixedOffset>,
    /// Which leg.
    pub leg: Leg,
    /// How bad, 1 (mild) to 5 (worst).
    pub severity: u8,
    /// The person's own words, if any.
    pub note: Option<String>,
    /// How long it lasted, in milliseconds, if the person said
    /// (`--lasted`); missing in records written before it could be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lasted_ms: Option<u64>,
}

/// Times written as RFC 3339 with milliseconds and an explicit offset
/// (`+01:00`, never `Z`), so each record shows the local time and offset of
/// the night it was. Any RFC 3339 time is read.
pub(crate) mod rfc3339 {
    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use serde::Serializer;

    /// Writes `2026-11-26T22:30:00.000+01:00`.
    pub(crate) fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, false))
    }
}

/// Any journal record, told apart by its `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// A stretching session.
    Session(Session),
    /// A cramp.
    Cramp(Cramp),
    /// A scheduled session confirmed afterwards.
    Confirm(Confirm),
    /// A record taken back.
    Retract(Retract),
}

/// A new record id: a UUID v7, which sorts by creation time.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Record {
    /// The record as one line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("records always serialize")
    }

    /// The session, if this record is one.
    pub fn as_session(&self) -> Option<&Session> {
        match self {
            Record::Session(s) => Some(s),
            _ => None,
        }
    }

    /// The cramp, if this record is one.
    pub fn as_cramp(&self) -> Option<&Cramp> {
        match self {
            Record::Cramp(c) => Some(c),
            _ => None,
        }
    }

    /// When it happened: a session's start, a cramp's moment.
    pub fn at(&self) -> &DateTime<FixedOffset> {
        match self {
            Record::Session(s) => &s.started,
            Record::Cramp(c) => &c.at,
            Record::Confirm(c) => &c.at,
            Record::Retract(r) => &r.at,
        }
    }

    /// The record's unique id.
    pub fn id(&self) -> &str {
        match self {
            Record::Session(s) => &s.id,
            Record::Cramp(c) => &c.id,
            Record::Confirm(c) => &c.id,
            Record::Retract(r) => &r.id,
        }
    }

    /// The record's schema version.
    pub fn version(&self) -> u32 {
        match self {
            Record::Session(s) => s.v,
            Record::Cramp(c) => c.v,
            Record::Confirm(c) => c.v,
            Record::Retract(r) => r.v,
        }
    }
}

impl Session {
    /// Whether this session was relief for a cramp (`stretch cramp --relieve`):
    /// a stretch of its own kind, which never counts as the night's stretch.
    pub fn is_relief(&self) -> bool {
        self.cramp.is_some()
    }

    /// Whether the record itself says a person was there; a record without
    /// the field (written before it existed) counts as it always did.
    pub fn attended_as_written(&self) -> bool {
        self.attended.unwrap_or(true)
    }

    /// What is wrong with a session no timer could have written, if anything.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.routine.trim().is_empty() {
            return Err("the routine name is empty".into());
        }
        if self.ended < self.started {
            return Err(format!("it ended ({}) before it started ({})", self.ended, self.started));
        }
        let length = self.ended - self.started;
        if length > chrono::Duration::days(1) {
            return Err(format!("it lasted {} hours; no session lasts more than a day", length.num_hours()));
        }
        let reps = crate::routine::limits::REPS;
        if !reps.contains(&self.reps_planned) {
            return Err(format!(
                "reps_planned is {}; a routine has {} to {} reps",
                self.reps_planned,
                reps.start(),
                reps.end()
            ));
        }
        if self.reps_done > self.reps_planned {
            return Err(format!("{} reps done of {} planned", self.reps_done, self.reps_planned));
        }
        if self.completed && self.reps_done < self.reps_planned {
            return Err(format!("it is marked completed with {} of {} reps done", self.reps_done, self.reps_planned));
        }
        // A second's grace: the clock that timed the holds is not the one that dated the record.
        let held = chrono::Duration::milliseconds(i64::try_from(self.hold_ms).unwrap_or(i64::MAX));
        if held > length + chrono::Duration::seconds(1) {
            return Err(format!("it held for {}s in a session of {}s", held.num_seconds(), length.num_seconds()));
        }
        Ok(())
    }
}

impl Cramp {
    /// What is wrong with a cramp record `stretch cramp` could not have written.
    fn validate(&self) -> std::result::Result<(), String> {
        if !(1..=5).contains(&self.severity) {
            return Err(format!("severity {} is not between 1 and 5", self.severity));
        }
        Ok(())
    }
}

impl Record {
    /// What is wrong with a record stretch could not have written, if anything,
    /// `now` being the present: checked before `stretch log add` writes one,
    /// for every record `stretch log import` would add, and by `stretch log --check`.
    pub fn validate(&self, now: &DateTime<FixedOffset>) -> std::result::Result<(), String> {
        if self.version() != SCHEMA {
            return Err(format!("unknown version v={} (this stretch reads v={SCHEMA})", self.version()));
        }
        if self.id().trim().is_empty() {
            return Err("the id is empty".into());
        }
        if self.at().date_naive() < FIRST_NIGHT {
            return Err(format!("it is dated {}, before {}", self.at(), FIRST_NIGHT));
        }
        if *self.at() > *now + chrono::Duration::days(1) {
            return Err(format!("it is dated {}, more than a day after now ({now})", self.at()));
        }
        match self {
            Record::Session(s) => s.validate(),
            Record::Cramp(c) => c.validate(),
            Record::Confirm(c) if c.session.trim().is_empty() => Err("the confirmed session's id is empty".into()),
            Record::Retract(r) if r.record.trim().is_empty() => Err("the retracted record's id is empty".into()),
            Record::Confirm(_) | Record::Retract(_) => Ok(()),
        }
    }
}
