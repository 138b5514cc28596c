//! Where stretch keeps things, decided once from the command line and the
//! environment, so no command reads environment variables on its own.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment, read once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `STRETCH_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `STRETCH_CONFIG_DIR`.
    pub config_dir: Option<PathBuf>,
    /// The platform data directory (`$XDG_DATA_HOME`, `~/.local/share`).
    pub platform_data_dir: Option<PathBuf>,
    /// The platform config directory (`$XDG_CONFIG_HOME`, `~/.config`).
    pub platform_config_dir: Option<PathBuf>,
    /// `NO_COLOR` is set to anything but the empty string.
    pub no_color: bool,
    /// `TERM` is unset or `dumb`: no escape codes, no progress bar.
    pub dumb_terminal: bool,
    /// `STRETCH_NOW`: the current time for `stretch log`, as RFC 3339, unparsed.
    pub now: Option<String>,
    /// The `crontab` program: `STRETCH_CRONTAB`, else `crontab` on `PATH`.
    pub crontab: PathBuf,
    /// This program's absolute path, which scheduled entries run.
    pub exe: Option<PathBuf>,
    /// The user id, for `/run/user/<uid>`, where the user's audio server lives.
    pub uid: u32,
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Env {
            data_dir: var("STRETCH_DATA_DIR").map(PathBuf::from),
            config_dir: var("STRETCH_CONFIG_DIR").map(PathBuf::from),
            platform_data_dir: dirs::data_dir(),
            platform_config_dir: dirs::config_dir(),
            no_color: var("NO_COLOR").is_some(),
            dumb_terminal: var("TERM").is_none_or(|t| t == "dumb"),
            now: var("STRETCH_NOW").map(|t| t.to_string_lossy().into_owned()),
            crontab: var("STRETCH_CRONTAB").map_or_else(|| PathBuf::from("crontab"), PathBuf::from),
            exe: std::env::current_exe().ok(),
            uid: nix::unistd::getuid().as_raw(),
        }
    }
}

/// The directories stretch uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Holds the journal and the session lock.
    pub data_dir: PathBuf,
    /// Holds `routines/` (and the config file).
    pub config_dir: Option<PathBuf>,
    /// `--config FILE`: read instead of `<config dir>/config.toml`.
    pub config_flag: Option<PathBuf>,
}

impl Paths {
    /// `--data-dir`, else `STRETCH_DATA_DIR`, else the platform data dir + `stretch`.
    pub fn resolve(data_dir_flag: Option<&Path>, env: &Env) -> Result<Paths> {
        let data_dir = match (data_dir_flag, &env.data_dir, &env.platform_data_dir) {
            (Some(flag), _, _) => flag.to_path_buf(),
            (None, Some(var), _) => var.clone(),
            (None, None, Some(platform)) => platform.join("stretch"),
            (None, None, None) => {
                return Err(Error::failure(
                    "cannot tell where to keep the journal: HOME is not set; pass --data-dir DIR or set STRETCH_DATA_DIR",
                ));
            }
        };
        let config_dir = env.config_dir.clone().or_else(|| env.platform_config_dir.as_ref().map(|d| d.join("stretch")));
        Ok(Paths { data_dir, config_dir, config_flag: None })
    }

    /// The session journal.
    pub fn journal(&self) -> PathBuf {
        self.data_dir.join("journal.jsonl")
    }

    /// The user's routine folder.
    pub fn routine_dir(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("routines"))
    }

    /// Where the config file is looked for, unless `--config` names one (`config_flag`).
    pub fn config_file(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join(crate::config::FILE_NAME))
    }

    /// Creates the data dir (mode 0700: a journal of someone's nights is private).
    pub fn create_data_dir(&self) -> Result<&Path> {
        create_private_dir(&self.data_dir)?;
        Ok(&self.data_dir)
    }
}

/// Creates `dir` and its parents; new directories get mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<()> {
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
