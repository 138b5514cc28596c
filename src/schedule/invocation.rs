//! What a scheduled entry runs, as values: the environment it sets, the
//! program, the data directory and the routine flags. Rendered into the one
//! shell line cron runs (and the same line in check mode), and read back from
//! lines this version and the first version wrote.
//!
//! The line, for `sh`:
//!
//! ```text
//! { umask 077 && mkdir -p DATA && exec env 'K=V'... STRETCH tonight --source cron --skip-if-done
//!   --data-dir DATA [--config FILE] FLAGS >> DATA/schedule.log 2>&1; } 2>> FALLBACK
//! ```
//!
//! `env` takes each assignment as one quoted word, which `sh` would not take
//! as an assignment; the data directory is made before the redirect needs
//! it; and whatever fails before stretch can write (the directory, the
//! redirect, a program that moved) lands in the fallback file in the home
//! directory, which cron always has.

use super::block::{quote_sh, unquote_words};

/// Where the output of scheduled runs goes, and where stretch notes each run, in the data dir.
pub(crate) const LOG: &str = "schedule.log";
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
    /// The first version's: runs, but without the trace and directory guarantees.
    First(Invocation),
}

impl Invocation {
    /// The line for `sh`; `check` gives the check-mode line, whose output
    /// goes to the caller rather than the log.
    pub(crate) fn render_sh(&self, check: bool) -> Result<String, String> {
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
        let run = words.join(" ");
        let prepare = format!("umask 077 && mkdir -p {data}");
        Ok(if check {
            format!("{{ {prepare} && {run}; }}")
        } else {
            let log = quote_sh(&format!("{}/{LOG}", self.data_dir))?;
            format!("{{ {prepare} && {run} >> {log} 2>&1; }} 2>> {}", quote_sh(&self.fallback)?)
        })
    }

    /// The command part of a crontab line: cron's `%` escaped, and the marker
    /// with the time it was added.
    pub(crate) fn render_cron(&self, added: &str) -> Result<String, String> {
        Ok(format!("{}{} added={added}", self.render_sh(false)?.replace('%', r"\%"), super::block::MARKER))
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
/// A line of this version that does not render back to itself was edited by
/// hand: `None`, and it is treated as someone else's.
pub(crate) fn parse(command: &str) -> Option<Form> {
    match command.rfind(super::block::MARKER) {
        Some(at) => {
            let (line, meta) = (&command[..at], &command[at + super::block::MARKER.len()..]);
            let sh = line.replace(r"\%", "%");
            let invocation = parse_current(&unquote_words(&sh))?;
            let added = meta.trim().strip_prefix("added=").map(str::to_string);
            (invocation.render_sh(false).ok()? == sh).then_some(Form::Current(invocation, added))
        }
        None => parse_first(&unquote_words(&command.replace(r"\%", "%"))).map(Form::First),
    }
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

fn parse_current(words: &[String]) -> Option<Invocation> {
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
        let line = invocation().render_cron("2026-11-26T22:00:00+01:00").unwrap();
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
