//! Where stretch keeps things, decided once from the command line and the
//! environment, so no command reads environment variables on its own; and
//! the name of every file it keeps there.

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};

/// The config file's name in the config directory.
pub(crate) const CONFIG_FILE: &str = "config.toml";

/// The journal's name in the data directory.
const JOURNAL: &str = "journal.jsonl";

/// The lock held while a session runs, in the data directory.
const SESSION_LOCK: &str = "session.lock";

/// The lock held while the schedule changes, in the data directory.
pub(crate) const SCHEDULE_LOCK: &str = "schedule.lock";

/// Where the output of scheduled runs goes, and where stretch notes each run, in the data dir.
pub(crate) const SCHEDULE_LOG: &str = "schedule.log";

/// The directories stretch uses.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    /// Holds the journal and the session lock.
    pub data_dir: PathBuf,
    /// Holds `routines/` (and the config file).
    pub config_dir: Option<PathBuf>,
    /// `--config FILE`: read instead of `<config dir>/config.toml`.
    pub config_flag: Option<PathBuf>,
}

impl Paths {
    /// `--data-dir`, else `STRETCH_DATA_DIR`, else the platform data dir + `stretch`.
    pub(crate) fn resolve(data_dir_flag: Option<&Path>, env: &Env) -> Result<Paths> {
        let data_dir = match (data_dir_flag, &env.data_dir, &env.platform_data_dir) {
            (Some(flag), _, _) => flag.to_path_buf(),
            (None, Some(var), _) => var.clone(),
            (None, None, Some(platform)) => platform.join("stretch"),
            (None, None, None) => {
                return Err(Error::failure(
                    "cannot tell where to keep the journal: HOME is not set, or not an absolute path; \
                     pass --data-dir DIR or set STRETCH_DATA_DIR",
                ));
            }
        };
        let config_dir = env.config_dir.clone().or_else(|| env.platform_config_dir.as_ref().map(|d| d.join("stretch")));
        Ok(Paths { data_dir, config_dir, config_flag: None })
    }

    /// The session journal.
    pub(crate) fn journal(&self) -> PathBuf {
        self.data_dir.join(JOURNAL)
    }

    /// The lock held while a session runs.
    pub(crate) fn session_lock(&self) -> PathBuf {
        self.data_dir.join(SESSION_LOCK)
    }

    /// The lock held while the schedule changes.
    pub(crate) fn schedule_lock(&self) -> PathBuf {
        self.data_dir.join(SCHEDULE_LOCK)
    }

    /// What scheduled runs write: each run's dated lines.
    pub(crate) fn schedule_log(&self) -> PathBuf {
        self.data_dir.join(SCHEDULE_LOG)
    }

    /// The user's routine folder.
    pub(crate) fn routine_dir(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("routines"))
    }

    /// Where the config file is looked for, unless `--config` names one (`config_flag`).
    pub(crate) fn config_file(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join(CONFIG_FILE))
    }

    /// Creates the data dir (mode 0700: a journal of someone's nights is
    /// private), and refuses one that another user owns or can write.
    pub(crate) fn create_data_dir(&self) -> Result<&Path> {
        create_private_dir(&self.data_dir)?;
        crate::files::check_data_dir(&self.data_dir)?;
        Ok(&self.data_dir)
    }
}

/// Creates `dir` and its parents; new directories get mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::failure(format!(
            "the data directory {} is a file, not a directory; move it, or choose another --data-dir",
            dir.display()
        )));
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| Error::io("create the data directory", dir, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env { platform_data_dir: Some("/home/u/.local/share".into()), ..Env::default() }
    }

    #[test]
    fn the_flag_beats_the_variable_beats_the_platform() {
        let mut e = env();
        assert_eq!(Paths::resolve(None, &e).unwrap().data_dir, Path::new("/home/u/.local/share/stretch"));
        e.data_dir = Some("/var".into());
        assert_eq!(Paths::resolve(None, &e).unwrap().data_dir, Path::new("/var"));
        assert_eq!(Paths::resolve(Some(Path::new("/x")), &e).unwrap().journal(), Path::new("/x/journal.jsonl"));
    }

    #[test]
    fn no_home_is_a_clear_error() {
        let err = Paths::resolve(None, &Env::default()).unwrap_err();
        assert!(err.message.contains("--data-dir"));
    }
}
