//! What a scheduled entry runs, as values: the environment it sets, the
//! program, the data directory and the routine flags. Rendered into the one
//! shell line cron runs (and the same line in check mode), and read back from
//! lines this version and the first version wrote.
//!
//! The line, for `sh`:
//!
//! ```text
//! umask 077; { [ -x STRETCH ] || { echo 'stretch: ... is not there ...' >&2; exit 127; };
//!   mkdir -p DATA && exec env 'K=V'... STRETCH tonight --source cron --skip-if-done
//!   --data-dir DATA [--config FILE] FLAGS >> DATA/schedule.log 2>&1; } 2>&1
//!   | { IFS= read -r l || [ -n "$l" ] || exit 0; { echo "$(date -Iseconds) $l"; cat; } >> FALLBACK; }
//! ```
//!
//! `env` takes each assignment as one quoted word, which `sh` would not take
//! as an assignment; a program that is gone (moved, uninstalled) makes
//! nothing, not even the data directory; the data directory is made before
//! the redirect needs it; and whatever fails before stretch can write (the
//! program, the directory, the redirect) lands, dated, in the fallback file in
//! the home directory, which cron always has. That file is made (private)
//! only when there is something to say.

use super::block::{Days, quote_sh, unquote_words};
use crate::time::of_day::TimeOfDay;

/// Where the output of scheduled runs goes, named by [`crate::paths`] with every other file.
pub(crate) use crate::paths::SCHEDULE_LOG as LOG;
/// The file in the home directory that takes errors from before stretch runs.
pub(crate) const FALLBACK: &str = ".stretch-schedule-errors.log";
/// The words every entry passes to `stretch` before its own flags.
pub(crate) const TONIGHT: [&str; 4] = ["tonight", "--source", "cron", "--skip-if-done"];

/// One scheduled run's command, every path absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// Variables set for the run, in order.
    pub env: Vec<(String, String)>,
    /// The `stretch` program.
    pub exe: String,
    /// `--data-dir`.
    pub data_dir: String,
    /// `--config`, if the entry names a config file.
    pub config: Option<String>,
    /// The routine flags (`--reps 2`), as flag and value.
    pub flags: Vec<(String, String)>,
    /// Where errors from before stretch runs go.
    pub fallback: String,
}

/// The form an entry in our block was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Form {
    /// This version's, with the time it was added (RFC 3339), if it says.
    Current(Invocation, Option<String>),
    /// The form before this one (marker `stretch:v2`): runs, but makes the
    /// data directory even when the program is gone, and its early errors
    /// file on every run, undated.
    Earlier(Invocation, Option<String>),
    /// The first version's: runs, but without the trace and directory guarantees.
    First(Invocation),
}

impl Form {
    /// What the entry runs, whichever form it is written in.
    pub(crate) fn invocation(&self) -> &Invocation {
        match self {
            Form::Current(inv, _) | Form::Earlier(inv, _) | Form::First(inv) => inv,
        }
    }

    /// When the entry was added (RFC 3339), if it says.
    pub(crate) fn added(&self) -> Option<&str> {
        match self {
            Form::Current(_, added) | Form::Earlier(_, added) => added.as_deref(),
            Form::First(_) => None,
        }
    }
}

impl Invocation {
    /// The line for `sh`; `check` gives the check-mode line, whose output
    /// goes to the caller rather than the log.
    pub(crate) fn render_sh(&self, check: bool) -> Result<String, String> {
        let (prepare, run) = self.words(check)?;
        if check {
            return Ok(format!("{{ {prepare} && {run}; }}"));
        }
        let exe = quote_sh(&self.exe)?;
        // The path is not repeated: `doctor` and `schedule list` name it.
        let gone = quote_sh(
            "stretch: the program is not there (moved or uninstalled): run `stretch schedule upgrade` with the one you use now, or `stretch schedule remove --all`",
        )?;
        let log = quote_sh(&format!("{}/{LOG}", self.data_dir))?;
        Ok(format!(
            "umask 077; {{ [ -x {exe} ] || {{ echo {gone} >&2; exit 127; }}; {} && {run} >> {log} 2>&1; }} 2>&1 | \
             {{ IFS= read -r l || [ -n \"$l\" ] || exit 0; {{ echo \"$(date -Iseconds) $l\"; cat; }} >> {}; }}",
            prepare.trim_start_matches("umask 077 && "),
            quote_sh(&self.fallback)?
        ))
    }

    /// The line of the form before this one (for reading it back).
    fn render_earlier(&self) -> Result<String, String> {
        let (prepare, run) = self.words(false)?;
        let log = quote_sh(&format!("{}/{LOG}", self.data_dir))?;
        Ok(format!("{{ {prepare} && {run} >> {log} 2>&1; }} 2>> {}", quote_sh(&self.fallback)?))
    }

    /// `umask 077 && mkdir -p DATA`, and `exec env ... STRETCH tonight ...`.
    fn words(&self, check: bool) -> Result<(String, String), String> {
        let data = quote_sh(&self.data_dir)?;
        let mut words = vec!["exec".to_string(), "env".to_string()];
        for (name, value) in &self.env {
            words.push(quote_sh(&format!("{name}={value}"))?);
        }
        words.push(quote_sh(&self.exe)?);
        words.push(TONIGHT[0].into());
        if check {
            words.push("--check".into());
        }
        words.extend(TONIGHT[1..].iter().map(|w| w.to_string()));
        words.extend(["--data-dir".to_string(), data.clone()]);
        if let Some(config) = &self.config {
            words.extend(["--config".to_string(), quote_sh(config)?]);
        }
        for (flag, value) in &self.flags {
            words.extend([quote_sh(flag)?, quote_sh(value)?]);
        }
        Ok((format!("umask 077 && mkdir -p {data}"), words.join(" ")))
    }

    /// The command part of a crontab line: cron's `%` escaped, and the marker
    /// with the time it was added.
    /// The marker says when the entry was added and the time and days it was
    /// written for, so a hand edit of those is told apart and named.
    pub(crate) fn render_cron(&self, added: &str, at: TimeOfDay, days: Days) -> Result<String, String> {
        // `date -Iseconds` has no `%`, which cron would read as a newline.
        Ok(format!(
            "{}{} added={added} at={at} on={}",
            self.render_sh(false)?.replace('%', r"\%"),
            super::block::MARKER,
            days.cron_field()
        ))
    }

    /// The value of variable `name` the entry sets.
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The routine flags as words, for showing.
    pub(crate) fn flag_words(&self) -> String {
        self.flags.iter().map(|(f, v)| format!("{f} {v}")).collect::<Vec<_>>().join(" ")
    }
}

/// Reads the command of one of our entries (as in the crontab, `\%` and all).
/// A line that does not render back to itself was edited by hand: `None`,
/// and it is the person's.
pub(crate) fn parse(command: &str) -> Option<Form> {
    let marked = |marker: &str| command.rfind(marker).map(|at| (&command[..at], &command[at + marker.len()..]));
    let added = |meta: &str| meta.split_whitespace().find_map(|w| w.strip_prefix("added=")).map(str::to_string);
    if let Some((line, meta)) = marked(super::block::MARKER) {
        let sh = line.replace(r"\%", "%");
        let invocation = parse_current(&unquote_words(&sh))?;
        return (invocation.render_sh(false).ok()? == sh).then(|| Form::Current(invocation, added(meta)));
    }
    if let Some((line, meta)) = marked(super::block::EARLIER_MARKER) {
        let sh = line.replace(r"\%", "%");
        let invocation = parse_earlier(&unquote_words(&sh))?;
        return (invocation.render_earlier().ok()? == sh).then(|| Form::Earlier(invocation, added(meta)));
    }
    parse_first(&unquote_words(&command.replace(r"\%", "%"))).map(Form::First)
}

/// The time and days (cron's day-of-week field) an entry of this form was
/// written for, as its marker says; `None` for other forms.
pub(crate) fn written_for(command: &str) -> Option<(TimeOfDay, Option<Days>)> {
    let meta = &command[command.rfind(super::block::MARKER)? + super::block::MARKER.len()..];
    let word = |key: &str| meta.split_whitespace().find_map(|w| w.strip_prefix(key));
    let at = TimeOfDay::parse(word("at=")?).ok()?;
    Some((at, word("on=").and_then(Days::from_cron_field)))
}

/// What was changed by hand in the entry's time or days, which still runs as
/// stretch wrote it otherwise.
pub(crate) fn moved_by_hand(entry: &super::block::Entry) -> Option<String> {
    let (at, days) = written_for(entry.command())?;
    let mut said = Vec::new();
    if at != entry.time {
        said.push(format!("its time was changed by hand from {at} to {}", entry.time));
    }
    if let Some(days) = days.filter(|d| *d != entry.days) {
        said.push(format!("its days were changed by hand from {days} to {}", entry.days));
    }
    (!said.is_empty()).then(|| format!("{}; cron runs it as it is now", said.join(", ")))
}

/// The words of the first version's line, up to its redirect, with `--check`
/// after `tonight`, quoted for `sh`: that line as it runs, in check mode.
pub(crate) fn first_version_check(command: &str) -> Option<String> {
    let words = unquote_words(&command.replace(r"\%", "%"));
    let end = words.len().checked_sub(3)?;
    let mut out = Vec::new();
    for word in &words[..end] {
        out.push(quote_sh(word).ok()?);
        if word == TONIGHT[0] && !out.contains(&"--check".to_string()) {
            out.push("--check".into());
        }
    }
    Some(out.join(" "))
}

/// This form's words: everything but the values is checked by rendering
/// the result again, so only the values are picked out here.
fn parse_current(words: &[String]) -> Option<Invocation> {
    let start = words.windows(6).position(|w| w[0] == "&&" && w[1] == "exec" && w[2] == "env")?;
    let (env, rest) = assignments(&words[start + 3..]);
    let (exe, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(&TONIGHT.map(String::from))?;
    let (data_dir, config, flags, _) = options(rest)?;
    let fallback = words.get(words.len().checked_sub(2)?)?.strip_suffix(';')?;
    Some(Invocation {
        env,
        exe: exe.clone(),
        data_dir: data_dir.unwrap_or_default(),
        config,
        flags,
        fallback: fallback.to_string(),
    })
}

fn parse_earlier(words: &[String]) -> Option<Invocation> {
    let prefix = ["{", "umask", "077", "&&", "mkdir", "-p"];
    if words.len() < prefix.len() + 4 || words[..prefix.len()] != prefix {
        return None;
    }
    let rest = &words[prefix.len() + 1..];
    let rest = rest.strip_prefix(&["&&".to_string(), "exec".to_string(), "env".to_string()])?;
    let (env, rest) = assignments(rest);
    let (exe, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(&TONIGHT.map(String::from))?;
    let (data_dir, config, flags, rest) = options(rest)?;
    let [redirect, _log, both, close, err, fallback] = rest else { return None };
    (redirect == ">>" && both == "2>&1;" && close == "}" && err == "2>>").then(|| Invocation {
        env,
        exe: exe.clone(),
        data_dir: data_dir.unwrap_or_default(),
        config,
        flags,
        fallback: fallback.clone(),
    })
}

fn parse_first(words: &[String]) -> Option<Invocation> {
    let (env, rest) = assignments(words);
    let (exe, mut rest) = rest.split_first()?;
    let mut data_dir = None;
    let mut config = None;
    while let Some((flag, after)) = rest.split_first().filter(|(f, _)| f.starts_with("--")) {
        let (value, after) = after.split_first()?;
        match flag.as_str() {
            "--data-dir" => data_dir = Some(value.clone()),
            "--config" => config = Some(value.clone()),
            _ => return None,
        }
        rest = after;
    }
    let rest = rest.strip_prefix(&TONIGHT.map(String::from))?;
    let (data, file, flags, rest) = options(rest)?;
    let [redirect, log, both] = rest else { return None };
    let data_dir = data.or(data_dir).or_else(|| log.strip_suffix(&format!("/{LOG}")).map(str::to_string))?;
    (redirect == ">>" && both == "2>&1").then(|| Invocation {
        env,
        exe: exe.clone(),
        data_dir,
        config: file.or(config),
        flags,
        fallback: String::new(),
    })
}

/// `NAME=value` words at the start (quoted or not: the first version quoted
/// some, which is why they failed), and the rest.
fn assignments(words: &[String]) -> (Vec<(String, String)>, &[String]) {
    let is_name = |n: &str| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let count = words.iter().take_while(|w| w.split_once('=').is_some_and(|(n, _)| is_name(n))).count();
    let env =
        words[..count].iter().filter_map(|w| w.split_once('=').map(|(n, v)| (n.to_string(), v.to_string()))).collect();
    (env, &words[count..])
}

type Options<'a> = (Option<String>, Option<String>, Vec<(String, String)>, &'a [String]);

/// `--data-dir D`, `--config F` and the routine flags, each with its value,
/// up to the first word that is not a flag.
fn options(mut words: &[String]) -> Option<Options<'_>> {
    let (mut data_dir, mut config, mut flags) = (None, None, Vec::new());
    while let Some((flag, after)) = words.split_first().filter(|(f, _)| f.starts_with("--")) {
        let (value, after) = after.split_first()?;
        match flag.as_str() {
            "--data-dir" => data_dir = Some(value.clone()),
            "--config" => config = Some(value.clone()),
            _ => flags.push((flag.clone(), value.clone())),
        }
        words = after;
    }
    Some((data_dir, config, flags, words))
}

/// The old flags with the new ones laid over them: what the user did not
/// mention is kept. In the order `stretch` lists them.
pub(crate) fn merge_flags(old: &[(String, String)], new: &[(String, String)]) -> Vec<(String, String)> {
    const ORDER: [&str; 7] = ["--routine", "--reps", "--hold", "--rest", "--prepare", "--sounds", "--volume"];
    let mut merged: Vec<(String, String)> = old.to_vec();
    for (flag, value) in new {
        match merged.iter_mut().find(|(f, _)| f == flag) {
            Some(slot) => slot.1 = value.clone(),
            None => merged.push((flag.clone(), value.clone())),
        }
    }
    merged.sort_by_key(|(f, _)| ORDER.iter().position(|o| o == f).unwrap_or(ORDER.len()));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn invocation() -> Invocation {
        Invocation {
            env: vec![
                ("XDG_RUNTIME_DIR".into(), "/run/user/1000".into()),
                ("STRETCH_CONFIG_DIR".into(), "/home/me/it's 100% \"mine\"".into()),
            ],
            exe: "/opt/my stretch/stretch".into(),
            data_dir: "/home/me/data $HOME".into(),
            config: Some("/home/me/c.toml".into()),
            flags: vec![("--reps".into(), "2".into()), ("--routine".into(), "/r/a b.toml".into())],
            fallback: "/home/me/.stretch-schedule-errors.log".into(),
        }
    }

    #[test]
    fn a_line_reads_back_as_what_was_written_and_an_edited_one_does_not() {
        let line = invocation().render_cron("2026-11-26T22:00:00+01:00", TimeOfDay::new(22, 0), Days::DAILY).unwrap();
        assert_eq!(parse(&line), Some(Form::Current(invocation(), Some("2026-11-26T22:00:00+01:00".into()))));
        let edited = line.replace("--reps 2", "--reps  2");
        assert_eq!(parse(&edited), None);
    }

    #[test]
    fn the_line_runs_in_sh_with_every_value_intact() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("new dir/it's 100%");
        let fake = dir.path().join("show env");
        std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$STRETCH_CONFIG_DIR\" \"$@\"\n").unwrap();
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let inv = Invocation {
            exe: fake.display().to_string(),
            data_dir: data.display().to_string(),
            fallback: dir.path().join("errors.log").display().to_string(),
            ..invocation()
        };
        let out = std::process::Command::new("/bin/sh").args(["-c", &inv.render_sh(true).unwrap()]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with("/home/me/it's 100% \"mine\"\ntonight\n--check\n--source\n"), "{text}");
        assert!(text.contains(&format!("--data-dir\n{}\n", data.display())), "{text}");
        assert!(data.is_dir(), "the data directory is made before anything needs it");
        let out = std::process::Command::new("/bin/sh").args(["-c", &inv.render_sh(false).unwrap()]).output().unwrap();
        assert!(out.stdout.is_empty() && out.status.success(), "{out:?}");
        let log = std::fs::read_to_string(data.join(LOG)).unwrap();
        assert!(log.contains("--reps\n2\n"), "{log}");
        assert!(!Path::new(&inv.fallback).exists(), "nothing to say: no errors file");
    }

    #[test]
    fn a_run_whose_program_is_gone_makes_nothing_and_says_so_dated_in_a_private_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let inv = Invocation {
            exe: dir.path().join("moved/stretch").display().to_string(),
            data_dir: data.display().to_string(),
            fallback: dir.path().join("errors.log").display().to_string(),
            ..invocation()
        };
        let out = std::process::Command::new("/bin/sh").args(["-c", &inv.render_sh(false).unwrap()]).output().unwrap();
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
        assert!(!data.exists(), "no data directory made for a program that is gone");
        let said = std::fs::read_to_string(&inv.fallback).unwrap();
        let (date, text) = said.split_once(' ').unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok(), "dated: {said}");
        assert!(text.starts_with("stretch: the program is not there (moved or uninstalled)"), "{said}");
        let mode = std::fs::metadata(&inv.fallback).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_line_of_the_form_before_reads_as_earlier_with_its_settings() {
        let inv = invocation();
        let earlier = format!(
            "{}{} added=2026-11-26T22:00:00+01:00",
            inv.render_earlier().unwrap(),
            super::super::block::EARLIER_MARKER
        );
        assert_eq!(parse(&earlier), Some(Form::Earlier(inv, Some("2026-11-26T22:00:00+01:00".into()))));
    }

    #[test]
    fn first_version_lines_are_read_with_their_settings() {
        let line = "XDG_RUNTIME_DIR=/run/user/0 'STRETCH_CONFIG_DIR=/a b' /bin/stretch --data-dir /d --config /c.toml tonight --source cron --skip-if-done --reps 2 --sounds chime >> /d/schedule.log 2>&1";
        let Some(Form::First(inv)) = parse(line) else { panic!("a first-version line") };
        assert_eq!(inv.var("STRETCH_CONFIG_DIR"), Some("/a b"));
        assert_eq!(
            (inv.exe.as_str(), inv.data_dir.as_str(), inv.config.as_deref()),
            ("/bin/stretch", "/d", Some("/c.toml"))
        );
        assert_eq!(inv.flag_words(), "--reps 2 --sounds chime");
        assert_eq!(
            first_version_check(line).unwrap(),
            "XDG_RUNTIME_DIR=/run/user/0 'STRETCH_CONFIG_DIR=/a b' /bin/stretch --data-dir /d --config /c.toml tonight --check --source cron --skip-if-done --reps 2 --sounds chime"
        );
    }

    #[test]
    fn new_flags_lie_over_the_old_ones() {
        let pairs = |p: &[(&str, &str)]| p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let merged = merge_flags(
            &pairs(&[("--reps", "2"), ("--sounds", "chime")]),
            &pairs(&[("--volume", "9"), ("--reps", "3")]),
        );
        assert_eq!(merged, pairs(&[("--reps", "3"), ("--sounds", "chime"), ("--volume", "9")]));
    }
}
