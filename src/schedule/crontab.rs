//! The user's crontab, read and installed through the `crontab` program
//! (`crontab -l`, `crontab -`), never by touching cron's spool directly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// What to do when the crontab cannot be used.
const HOW_TO_FIX: &str = "install cron (Debian and Ubuntu: `sudo apt-get install cron`), \
or use `stretch schedule print` and add the lines to your scheduler yourself; nothing was changed";

/// The `crontab` program.
#[derive(Debug, Clone)]
pub struct CrontabProgram {
    program: PathBuf,
}

impl CrontabProgram {
    /// The program named `program` (looked up on `PATH` when it has no `/`).
    pub fn new(program: &Path) -> CrontabProgram {
        CrontabProgram { program: program.to_path_buf() }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        // "no crontab for ..." is recognised in English.
        command.env("LC_ALL", "C").env_remove("LANGUAGE");
        command
    }

    /// The installed crontab, or `None` when the user has none.
    pub fn read(&self) -> Result<Option<String>> {
        let out = self.command().arg("-l").stdin(Stdio::null()).output().map_err(|e| self.unusable(&e.to_string()))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return String::from_utf8(out.stdout).map(Some).map_err(|_| {
                Error::failure("the crontab is not UTF-8 text; stretch will not edit it; nothing was changed")
            });
        }
        if stderr.trim_start().starts_with("no crontab for") {
            return Ok(None);
        }
        Err(self.unusable(&format!("`{} -l` failed: {}", self.program.display(), stderr.trim())))
    }

    /// Installs `text` as the whole crontab. `crontab` reads it from a
    /// complete file, not a pipe we might die while writing, and replaces the
    /// old one only once it has read and checked all of it.
    pub fn install(&self, text: &str, scratch_dir: &Path) -> Result<()> {
        let mut file = tempfile::NamedTempFile::new_in(scratch_dir)
            .map_err(|e| Error::io("create a temporary file in", scratch_dir, &e))?;
        file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(|e| Error::io("write", file.path(), &e))?;
        let stdin = file.reopen().map_err(|e| Error::io("read", file.path(), &e))?;
        let out = self.command().arg("-").stdin(stdin).output().map_err(|e| self.unusable(&e.to_string()))?;
        if !out.status.success() {
            return Err(Error::failure(format!(
                "`{} -` refused the new crontab: {}; the old one is still installed",
                self.program.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    fn unusable(&self, why: &str) -> Error {
        let why = if why.contains("No such file") {
            format!("the `{}` program was not found", self.program.display())
        } else {
            why.to_string()
        };
        Error::failure(format!("cannot use the crontab: {why}; {HOW_TO_FIX}"))
    }
}
