//! The user's crontab, read and installed through the `crontab` program
//! (`crontab -l`, `crontab -`), never by touching cron's spool directly.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// What to do when the crontab cannot be used.
const HOW_TO_FIX: &str = "install cron (Debian and Ubuntu: `sudo apt-get install cron`), \
or use `stretch schedule print` and add the lines to your scheduler yourself; nothing was changed";

/// How long `crontab` may take before it is killed: it answers in
/// milliseconds, and a wedged one must not hang `schedule` or `doctor` (or
/// hold the schedule lock) forever.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

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

    /// The same program, killed after `timeout` instead of [`TIMEOUT`].
    pub(crate) fn with_timeout(self, timeout: Duration) -> CrontabProgram {
        CrontabProgram { timeout, ..self }
    }

    /// Runs the command to its end, or kills it at the timeout. Its output is
    /// read on threads, so a full pipe cannot wedge it either.
    fn output(&self, mut command: Command, what: &str) -> Result<Output> {
        let mut child =
            command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| self.unusable(&e.to_string()))?;
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                bytes
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait().map_err(|e| self.unusable(&e.to_string()))? {
                Some(status) => break status,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(self.unusable(&format!(
                        "`{} {what}` did not answer within {} seconds and was stopped",
                        self.program.display(),
                        self.timeout.as_secs_f32()
                    )));
                }
                None => std::thread::sleep(Duration::from_millis(10)),
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
        let mut command = self.command();
        command.arg("-l").stdin(Stdio::null());
        let out = self.output(command, "-l")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return String::from_utf8(out.stdout).map(Some).map_err(|_| {
                Error::failure("the crontab is not UTF-8 text; stretch will not edit it; nothing was changed")
            });
        }
        if stderr.trim_start().starts_with("no crontab for") {
            return Ok(None);
        }
        Err(self.unusable(&format!("`{} -l` failed{}", self.program.display(), said(&out.status, &stderr))))
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
        let out = self.output(command, "-")?;
        if !out.status.success() {
            return Err(Error::failure(format!(
                "`{} -` refused the new crontab{}; the old one is still installed",
                self.program.display(),
                said(&out.status, &String::from_utf8_lossy(&out.stderr))
            )));
        }
        Ok(())
    }

    fn unusable(&self, why: &str) -> Error {
        let why = crate::term::visible::visible(why);
        let why = if why.contains("No such file") {
            format!("the `{}` program was not found", self.program.display())
        } else {
            why.to_string()
        };
        Error::failure(format!("cannot use the crontab: {why}; {HOW_TO_FIX}"))
    }
}

/// What a failed program said, after a colon, or its exit status when it
/// said nothing (never `failed: ;`).
fn said(status: &ExitStatus, stderr: &str) -> String {
    match stderr.trim() {
        "" => format!(" ({status}, with no message)"),
        text => format!(": {}", crate::term::visible::visible(text)),
    }
}
