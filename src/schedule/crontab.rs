//! The user's crontab, read and installed through the `crontab` program
//! (`crontab -l`, `crontab -`), never by touching cron's spool directly.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long `crontab` may take before it is killed: it answers in
/// milliseconds, and a wedged one must not hang `schedule` or `doctor` (or
/// hold the schedule lock) forever.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// Why the crontab could not be used, as callers tell it apart: a missing or
/// forbidden cron means nothing can be scheduled (nothing is wrong with what
/// is), a stuck or failing one that something may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// No `crontab` program.
    Missing(PathBuf),
    /// This user may not use cron (`cron.allow`, `cron.deny`); what it said.
    Denied(String),
    /// It did not answer within this long, and was stopped.
    TimedOut(Duration),
    /// It could not run, or failed; what it said.
    Failed(String),
}

impl Unusable {
    /// Whether this means nothing can be scheduled with cron here at all.
    pub(crate) fn no_cron(&self) -> bool {
        matches!(self, Unusable::Missing(_) | Unusable::Denied(_))
    }

    /// What is wrong and what to do, in words.
    pub(crate) fn message(&self) -> String {
        let instead = "or use `stretch schedule print` and add the lines to your scheduler yourself";
        match self {
            Unusable::Missing(program) => format!(
                "cannot use the crontab: the `{}` program was not found; install cron (Debian and Ubuntu: \
                 `sudo apt-get install cron`), {instead}",
                program.display()
            ),
            Unusable::Denied(said) => format!(
                "cannot use the crontab: this account may not use cron ({said}); ask the administrator to allow it \
                 (/etc/cron.allow, /etc/cron.deny), {instead}"
            ),
            Unusable::TimedOut(after) => format!(
                "cannot use the crontab: `crontab` did not answer within {} seconds and was stopped; check that \
                 `crontab -l` answers, {instead}",
                after.as_secs_f32()
            ),
            Unusable::Failed(said) => {
                format!("cannot use the crontab: {said}; check that `crontab -l` works, {instead}")
            }
        }
    }
}

impl From<Unusable> for Error {
    fn from(why: Unusable) -> Error {
        Error::failure(format!("{}; nothing was changed", why.message()))
    }
}

/// The `crontab` program.
#[derive(Debug, Clone)]
pub(crate) struct CrontabProgram {
    program: PathBuf,
    timeout: Duration,
}

impl CrontabProgram {
    /// The program named `program` (looked up on `PATH` when it has no `/`).
    pub(crate) fn new(program: &Path) -> CrontabProgram {
        CrontabProgram { program: program.to_path_buf(), timeout: TIMEOUT }
    }

    /// The program the environment names, with its timeout.
    pub(crate) fn from_env(env: &crate::env::Env) -> CrontabProgram {
        CrontabProgram::new(&env.crontab).with_timeout(env.crontab_timeout.unwrap_or(TIMEOUT))
    }

    /// How long the program may take before it is stopped.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The same program, killed after `timeout` instead of [`TIMEOUT`].
    pub(crate) fn with_timeout(self, timeout: Duration) -> CrontabProgram {
        CrontabProgram { timeout, ..self }
    }

    /// Runs the command to its end, or kills it at the timeout. Its output is
    /// read on threads, so a full pipe cannot wedge it either.
    fn output(&self, mut command: Command) -> std::result::Result<Output, Unusable> {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Unusable::Missing(self.program.clone())
            } else {
                Unusable::Failed(format!("`{}` could not run: {e}", self.program.display()))
            }
        })?;
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(pipe) = pipe {
                    // Bounded: a crontab is small, and a runaway program must not fill memory.
                    let _ = pipe.take(crate::files::MAX_TEXT + 1).read_to_end(&mut bytes);
                }
                bytes
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Unusable::TimedOut(self.timeout));
                }
            }
        };
        let join = |h: std::thread::JoinHandle<Vec<u8>>| h.join().unwrap_or_default();
        Ok(Output { status, stdout: join(stdout), stderr: join(stderr) })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        // "no crontab for ..." is recognised in English.
        command.env("LC_ALL", "C").env_remove("LANGUAGE");
        command
    }

    /// The installed crontab, or `None` when the user has none.
    pub(crate) fn read(&self) -> Result<Option<String>> {
        self.try_read().map_err(|why| match why {
            ReadError::Unusable(why) => why.into(),
            ReadError::NotText { line } => Error::failure(format!(
                "line {line} of the crontab is not UTF-8 text; stretch will not edit it (see it with `crontab -e`); \
                 nothing was changed"
            )),
        })
    }

    /// The installed crontab, or `None` when the user has none, or why not.
    pub(crate) fn try_read(&self) -> std::result::Result<Option<String>, ReadError> {
        let mut command = self.command();
        command.arg("-l").stdin(Stdio::null());
        let out = self.output(command)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return String::from_utf8(out.stdout)
                .map(Some)
                .map_err(|e| ReadError::not_text(e.as_bytes(), e.utf8_error()));
        }
        if stderr.trim_start().starts_with("no crontab for") {
            return Ok(None);
        }
        let said = said(&out.status, &stderr);
        Err(ReadError::Unusable(if stderr.contains("not allowed") {
            Unusable::Denied(said)
        } else {
            Unusable::Failed(format!("`{} -l` failed: {said}", self.program.display()))
        }))
    }

    /// Installs `text` as the whole crontab. `crontab` reads it from a
    /// complete file, not a pipe we might die while writing, and replaces the
    /// old one only once it has read and checked all of it.
    pub(crate) fn install(&self, text: &str, scratch_dir: &Path) -> Result<()> {
        let mut file = tempfile::NamedTempFile::new_in(scratch_dir)
            .map_err(|e| Error::io("create a temporary file in", scratch_dir, &e))?;
        file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(|e| Error::io("write", file.path(), &e))?;
        let stdin = file.reopen().map_err(|e| Error::io("read", file.path(), &e))?;
        let mut command = self.command();
        command.arg("-").stdin(stdin);
        let out = self.output(command)?;
        if !out.status.success() {
            return Err(Error::failure(format!(
                "`{} -` refused the new crontab: {}; the old one is still installed",
                self.program.display(),
                said(&out.status, &String::from_utf8_lossy(&out.stderr))
            )));
        }
        Ok(())
    }
}

/// Why the crontab could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// cron cannot be used.
    Unusable(Unusable),
    /// The crontab is not UTF-8, first at this line (from 1).
    NotText {
        /// The first line that is not UTF-8, so a person can find it.
        line: usize,
    },
}

impl ReadError {
    /// `bytes` are not UTF-8 where `e` says.
    fn not_text(bytes: &[u8], e: std::str::Utf8Error) -> ReadError {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        ReadError::NotText { line }
    }
}

impl From<Unusable> for ReadError {
    fn from(why: Unusable) -> ReadError {
        ReadError::Unusable(why)
    }
}

/// What a failed program said, its lines joined with `; ` (never a raw or
/// escaped line break), or its exit status when it said nothing.
fn said(status: &ExitStatus, stderr: &str) -> String {
    let lines: Vec<String> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| crate::visible::visible(l).to_string())
        .collect();
    if lines.is_empty() { format!("{status}, with no message") } else { lines.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn what_a_program_said_is_one_line_without_escaped_breaks() {
        let status = ExitStatus::from_raw(256);
        let text = said(
            &status,
            "You (me) are not allowed to use this program (crontab)\nSee crontab(1) for more information\n",
        );
        assert_eq!(text, "You (me) are not allowed to use this program (crontab); See crontab(1) for more information");
        let message = Unusable::Denied(text).message();
        assert!(!message.contains("install cron") && !message.contains("\\x0a"), "{message}");
        assert!(said(&status, " \n").ends_with("with no message"));
    }
}
