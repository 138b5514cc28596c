//! Runs an entry's command in check mode exactly as cron would: `/bin/sh -c`
//! in cron's environment (`HOME LOGNAME PATH=/usr/bin:/bin SHELL`, nothing
//! else), in the home directory, so what fails at night fails now.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::env::Env;
use crate::error::{Error, Result};

/// A check that runs longer than this is stuck (a sound server that never answers).
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the check-mode run said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It would run; `Err` says why nothing would be heard. The second
    /// field, when tonight's run will skip: `done at 20:14`.
    Runs(std::result::Result<String, String>, Option<String>),
    /// It would fail, with what it printed.
    Fails(String),
}

/// The user as cron runs their jobs: home directory and login name.
pub(crate) fn cron_user(env: &Env) -> Result<(PathBuf, String)> {
    let home = env.home.clone().ok_or_else(|| {
        Error::failure(
            "HOME is not set; cron runs jobs in your home directory, so stretch cannot check an entry without it",
        )
    })?;
    let logname = env.logname.clone().unwrap_or_else(|| env.uid.to_string());
    Ok((home, logname))
}

/// Runs a check-mode line as cron would run it for this user.
pub(crate) fn run_as_cron(line: &str, env: &Env) -> Result<Verdict> {
    let (home, logname) = cron_user(env)?;
    Ok(run(line, &home, &logname))
}

/// Runs `sh_line` (a check-mode command) as cron would for the user with `home` and `logname`.
pub(crate) fn run(sh_line: &str, home: &Path, logname: &str) -> Verdict {
    let (Ok(mut out), Ok(mut err)) = (tempfile::tempfile(), tempfile::tempfile()) else {
        return Verdict::Fails("cannot make a temporary file to run the check".into());
    };
    let (Ok(out_w), Ok(err_w)) = (out.try_clone(), err.try_clone()) else {
        return Verdict::Fails("cannot make a temporary file to run the check".into());
    };
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(sh_line)
        .env_clear()
        .env("HOME", home)
        .env("LOGNAME", logname)
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/sh")
        .current_dir(home)
        .stdin(Stdio::null())
        .stdout(out_w)
        .stderr(err_w)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return Verdict::Fails(format!("cannot run /bin/sh in {}: {e}", home.display())),
    };
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Verdict::Fails(format!("the check did not finish in {} s", TIMEOUT.as_secs()));
            }
        }
    };
    let read = |file: &mut std::fs::File| {
        let mut text = String::new();
        let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
        text
    };
    let (stdout, stderr) = (read(&mut out), read(&mut err));
    if !status.success() {
        let said =
            stderr.lines().chain(stdout.lines()).map(|l| l.strip_prefix("stretch: ").unwrap_or(l)).collect::<Vec<_>>();
        let why =
            if said.is_empty() { format!("it exited with {status} and printed nothing") } else { said.join("; ") };
        return Verdict::Fails(why);
    }
    let line = |prefix: &str| stdout.lines().find_map(|l| l.strip_prefix(prefix)).map(str::to_string);
    let skip = line("skip: ");
    match (line("heard: "), line("silent: ")) {
        (Some(how), _) => Verdict::Runs(Ok(how), skip),
        (None, Some(why)) => Verdict::Runs(Err(why), skip),
        (None, None) => Verdict::Fails(format!("the check printed no verdict: {}", stdout.trim())),
    }
}
