//! Where the user's sound server listens, found from the environment as
//! libpulse finds it, once, for both the player and the checks that say
//! why nothing plays (`doctor`, a scheduled entry's check): the two can
//! never name different places.

use std::path::{Path, PathBuf};

use super::Env;

/// The sound server to connect to, as the environment names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoundServer {
    /// Its socket, or why none is named.
    pub socket: Result<PathBuf, NoSocket>,
    /// The authentication cookie to send, if one is found.
    pub cookie: Option<PathBuf>,
}

/// Why the environment names no local socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoSocket {
    /// `PULSE_SERVER` names only servers that are not a local socket (a
    /// network address): stretch plays through a local one.
    Remote(String),
    /// Neither `PULSE_SERVER`, `PULSE_RUNTIME_PATH` nor `XDG_RUNTIME_DIR` is set.
    Unset,
}

impl Env {
    /// The sound server, as libpulse finds it: the first of `$PULSE_SERVER`'s
    /// servers (`unix:PATH` or a path, after any `{machine-id}`), else
    /// `$PULSE_RUNTIME_PATH/native`, else `$XDG_RUNTIME_DIR/pulse/native`; the
    /// cookie is `$PULSE_COOKIE`, else `~/.config/pulse/cookie`, else
    /// `~/.pulse-cookie`, the first that exists.
    pub(crate) fn sound_server(&self) -> SoundServer {
        SoundServer {
            socket: socket(
                self.pulse_server.as_deref(),
                self.pulse_runtime_path.as_deref(),
                self.runtime_dir.as_deref(),
            ),
            cookie: cookie(self.pulse_cookie.as_deref(), self.home.as_deref()),
        }
    }
}

/// The socket the variables name (their values; `None` when unset or empty).
pub(crate) fn socket(
    pulse_server: Option<&str>,
    pulse_runtime_path: Option<&Path>,
    runtime_dir: Option<&Path>,
) -> Result<PathBuf, NoSocket> {
    if let Some(servers) = pulse_server {
        let first = servers.split_whitespace().next().unwrap_or_default();
        // `{machine-id}` limits a server to one machine: this one, here.
        let first = first.rsplit_once('}').map_or(first, |(_, server)| server);
        let path = first.strip_prefix("unix:").unwrap_or(first);
        return if path.starts_with('/') { Ok(PathBuf::from(path)) } else { Err(NoSocket::Remote(servers.into())) };
    }
    if let Some(dir) = pulse_runtime_path {
        return Ok(dir.join("native"));
    }
    runtime_dir.map(|dir| dir.join("pulse/native")).ok_or(NoSocket::Unset)
}

/// The cookie file, as libpulse looks for it.
fn cookie(pulse_cookie: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let home = home.map(|h| [h.join(".config/pulse/cookie"), h.join(".pulse-cookie")]).into_iter().flatten();
    pulse_cookie.map(Path::to_path_buf).into_iter().chain(home).find(|path| path.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_is_found_as_libpulse_finds_it() {
        let run = Some(Path::new("/run/user/7"));
        let rt = Some(Path::new("/tmp/pulse-rt"));
        assert_eq!(socket(None, None, run), Ok("/run/user/7/pulse/native".into()));
        assert_eq!(socket(None, rt, run), Ok("/tmp/pulse-rt/native".into()), "PULSE_RUNTIME_PATH first");
        assert_eq!(socket(Some("/tmp/s"), rt, run), Ok("/tmp/s".into()), "PULSE_SERVER first of all");
        assert_eq!(socket(Some("unix:/tmp/s tcp:far"), None, None), Ok("/tmp/s".into()));
        assert_eq!(socket(Some("{abc}unix:/tmp/s"), None, None), Ok("/tmp/s".into()));
        assert_eq!(socket(Some("tcp:far"), None, run), Err(NoSocket::Remote("tcp:far".into())));
        assert_eq!(socket(None, None, None), Err(NoSocket::Unset));
    }

    #[test]
    fn the_cookie_is_the_first_that_exists() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(cookie(Some(Path::new("/nonexistent/c")), Some(home.path())), None);
        std::fs::write(home.path().join(".pulse-cookie"), [0; 256]).unwrap();
        assert_eq!(cookie(None, Some(home.path())), Some(home.path().join(".pulse-cookie")));
        std::fs::create_dir_all(home.path().join(".config/pulse")).unwrap();
        std::fs::write(home.path().join(".config/pulse/cookie"), [0; 256]).unwrap();
        assert_eq!(cookie(None, Some(home.path())), Some(home.path().join(".config/pulse/cookie")));
    }
}
