//! `schedule.log`: one dated line per event of a scheduled run (started,
//! skipped, finished, stopped, failed), written by stretch itself, among the
//! run's own output; and the runs an entry was due but never started.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset, Local, NaiveDate, TimeZone};

use super::block::Days;
use super::invocation::LOG;
use crate::error::{Error, Result};
use crate::time::of_day::TimeOfDay;

/// How long after its minute a run still counts as the one due then.
const GRACE: Duration = Duration::minutes(5);
/// How far back missed runs are looked for.
const LOOK_BACK_DAYS: i64 = 60;

/// One line stretch wrote about a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// `started`, `skipped`, `finished`, `stopped` or `failed`.
    pub kind: String,
    /// What happened, in words.
    pub text: String,
}

const KINDS: [&str; 5] = ["started", "skipped", "finished", "stopped", "failed"];

/// Appends `kind: text` dated `at` to the data dir's `schedule.log` (private:
/// made 0600), as one whole line.
pub(crate) fn append(data_dir: &Path, at: DateTime<FixedOffset>, kind: &str, text: &str) -> Result<()> {
    let path = data_dir.join(LOG);
    let mut file = crate::files::open_append(&path).map_err(|e| Error::io("open", &path, &e))?;
    let line =
        format!("{} {kind}: {}\n", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false), text.replace('\n', " "));
    file.write_all(line.as_bytes()).map_err(|e| Error::io("write", &path, &e))
}

/// The events in the data dir's `schedule.log`; other lines (the runs' own
/// output) are passed over. No log: no events.
pub(crate) fn read(data_dir: &Path) -> Vec<Event> {
    crate::files::read_log(&data_dir.join(LOG)).map_or_else(|_| Vec::new(), |text| parse(&text))
}

/// The events among the lines of a log.
pub(crate) fn parse(text: &str) -> Vec<Event> {
    text.lines()
        .filter_map(|line| {
            let (at, rest) = line.split_once(' ')?;
            let at = DateTime::parse_from_rfc3339(at).ok()?;
            let (kind, text) = rest.split_once(": ").unwrap_or((rest, ""));
            KINDS.contains(&kind).then(|| Event { at, kind: kind.to_string(), text: text.to_string() })
        })
        .collect()
}

/// The last event of the run due at `time` (any day), if any started then.
pub(crate) fn last_run(events: &[Event], time: TimeOfDay) -> Option<&Event> {
    // Read in this machine's zone, as cron reads the entry's time, whatever
    // zone the run itself was dated in (an entry may carry its own TZ).
    let start = events.iter().rposition(|e| {
        e.kind == "started" && e.at.with_timezone(&Local).format("%H:%M").to_string() == time.to_string()
    })?;
    events[start + 1..].iter().find(|e| e.kind != "started").or(Some(&events[start]))
}

/// The times the entry at `time` on `days` was due, after it was `added` and
/// before `now` (less a grace period), at which no run started.
pub(crate) fn missed(
    events: &[Event],
    time: TimeOfDay,
    days: Days,
    added: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
) -> Vec<DateTime<FixedOffset>> {
    let first = added.date_naive().max(now.date_naive() - Duration::days(LOOK_BACK_DAYS));
    first
        .iter_days()
        .take_while(|d| *d <= now.date_naive())
        .filter(|d| days.contains(*d))
        .filter_map(|d| due_at(d, time))
        .filter(|due| *due > added && *due + GRACE < now)
        .filter(|due| !events.iter().any(|e| e.at >= *due && e.at < *due + GRACE))
        .collect()
}

/// The moment `time` on `date`, local time (`None` in a gap of a clock change).
fn due_at(date: NaiveDate, time: TimeOfDay) -> Option<DateTime<FixedOffset>> {
    let naive = date.and_hms_opt(time.hour.into(), time.minute.into(), 0)?;
    Local.from_local_datetime(&naive).earliest().map(|t| t.fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn events_are_read_among_other_output_and_the_last_run_is_its_outcome() {
        let text = "Completed wall-calf\n2026-11-25T22:30:01+00:00 started: wall-calf\nstretch: cues cannot play\n2026-11-25T22:31:00+00:00 finished: completed 3 of 3 reps; heard: device\nnot: a line\n";
        let events = parse(text);
        assert_eq!(events.len(), 2);
        let last = last_run(&events, TimeOfDay::new(22, 30)).unwrap();
        assert_eq!((last.kind.as_str(), last.text.as_str()), ("finished", "completed 3 of 3 reps; heard: device"));
        assert_eq!(last_run(&events, TimeOfDay::new(7, 0)), None);
    }

    #[test]
    fn due_runs_that_never_started_are_missed() {
        // TZ is not set in unit tests' expectations: compare in the same zone the function uses.
        let local =
            |d: &str| due_at(NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap(), TimeOfDay::new(22, 30)).unwrap();
        let added = local("2026-11-20") - Duration::hours(1);
        let now = local("2026-11-24") + Duration::minutes(3);
        let events =
            vec![Event { at: local("2026-11-21") + Duration::seconds(2), kind: "started".into(), text: String::new() }];
        let missed = missed(&events, TimeOfDay::new(22, 30), Days::DAILY, added, now);
        assert_eq!(
            missed,
            [local("2026-11-20"), local("2026-11-22"), local("2026-11-23")],
            "the 24th is still in its grace"
        );
        let weekends = Days::parse("weekends").unwrap();
        let none = super::missed(&events, TimeOfDay::new(22, 30), weekends, at("2026-11-23T00:00:00Z"), now);
        assert!(none.is_empty(), "{none:?}");
    }
}
