//! The process environment, read once at start-up, so no command reads
//! environment variables on its own.

use std::path::PathBuf;

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
