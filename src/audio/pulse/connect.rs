//! Reaching the sound server: the connection (bounded, with the user's
//! cookie), the sinks it offers, and its failures in words that say how to
//! get sound.

use std::io;
use std::time::Duration;

use pulseaudio::protocol;
use pulseaudio::{Client, ClientError};

use crate::env::{NoSocket, SoundServer};

use super::request::within;
use super::*;

/// Connects to the sound server the environment names, with the user's
/// cookie. Without one (a new account whose desktop runs PipeWire, which
/// ignores it), a blank cookie of the right length, as libpulse sends.
pub(super) fn connect(place: &SoundServer) -> Result<Client, Failure> {
    let path = match &place.socket {
        Ok(path) => path,
        Err(NoSocket::Remote(servers)) => {
            return Err(Failure::Failed(format!(
                "PULSE_SERVER={servers:?} names no local socket; stretch plays through one (unix:PATH)"
            )));
        }
        Err(NoSocket::Unset) => {
            return Err(Failure::Failed(format!(
                "no sound server: XDG_RUNTIME_DIR is not set; set it to /run/user/$UID or {HOW}"
            )));
        }
    };
    // Bounded like every file stretch reads: a FIFO or /dev/zero in its
    // place is no cookie, never a hang.
    let cookie = place.cookie.as_ref().and_then(|path| crate::files::read_bytes(path, COOKIE as u64).ok());
    let cookie = cookie.filter(|c| c.len() == COOKIE).unwrap_or_else(|| vec![0; COOKIE]);
    let socket = connect_within(path, REPLY)
        .map_err(|e| format!("no sound server at {} ({}); {}", path.display(), crate::error::io_cause(&e), HOW))
        .map_err(Failure::Failed)?;
    // The greeting is read and written blocking: bounded, like every request.
    for set in [std::os::unix::net::UnixStream::set_read_timeout, std::os::unix::net::UnixStream::set_write_timeout] {
        set(&socket, Some(REPLY)).map_err(|e| failure(&ClientError::Io(e)))?;
    }
    Client::new_unix(c"stretch", socket, Some(cookie)).map_err(|e| match e {
        ClientError::Protocol(protocol::ProtocolError::Io(e)) if timed_out(&e) => failure(&ClientError::Io(e)),
        ClientError::Protocol(_) | ClientError::ServerError(protocol::PulseError::AccessDenied) => Failure::Failed(
            "the sound server refused this user: run stretch as the user whose desktop plays the sound, \
             with that user's ~/.config/pulse/cookie"
                .to_string(),
        ),
        e => failure(&e),
    })
}

/// Connects to the socket at `path`, waiting at most `limit`: a listener
/// whose queue is full (a server that stopped accepting) blocks a plain
/// connect with no end. The connect runs on a thread of its own, left behind
/// if it never returns.
pub(super) fn connect_within(
    path: &std::path::Path,
    limit: Duration,
) -> std::io::Result<std::os::unix::net::UnixStream> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let target = path.to_path_buf();
    std::thread::Builder::new()
        .name("connect".into())
        .spawn(move || tx.send(std::os::unix::net::UnixStream::connect(target)))?;
    rx.recv_timeout(limit).unwrap_or_else(|_| {
        Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "it accepted no connection within a second"))
    })
}

/// How to get sound when no server answers.
pub(super) const HOW: &str = if cfg!(feature = "alsa") {
    "start PulseAudio or PipeWire"
} else {
    "start PulseAudio or PipeWire, or build stretch with `--features alsa` to play through ALSA directly"
};

/// The length of the sound server's authentication cookie.
pub(super) const COOKIE: usize = 256;

/// The sinks the server offers: `(name, description)`, the default first.
pub(crate) fn sinks(place: &SoundServer) -> Result<Vec<(String, String)>, Failure> {
    let client = connect(place)?;
    let default = within(client.server_info()).ok().and_then(|i| i.default_sink_name);
    let mut sinks: Vec<(String, String)> = within(client.list_sinks())
        .map_err(|e| failure(&e))?
        .into_iter()
        .map(|s| {
            let name = s.name.to_string_lossy().into_owned();
            let description = s.description.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            (name, description)
        })
        .collect();
    if let Some(default) = default.map(|d| d.to_string_lossy().into_owned()) {
        sinks.sort_by_key(|(name, _)| *name != default);
    }
    Ok(sinks)
}

/// Why the sound server could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A server is there but does not answer: ALSA's default device would go
    /// through that same server, and hang with it.
    Hung(String),
    /// Any other failure, in words, with how to get sound.
    Failed(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Hung(why) | Failure::Failed(why) => f.write_str(why),
        }
    }
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Failure::Failed(why)
    }
}

/// The client's error as a [`Failure`]: a reply that never came is a hung server.
pub(super) fn failure(err: &ClientError) -> Failure {
    match err {
        ClientError::Io(e) if timed_out(e) => Failure::Hung(describe(err)),
        _ => Failure::Failed(describe(err)),
    }
}

/// Whether a read or write gave up waiting (blocking reads say `WouldBlock`).
pub(super) fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

/// The client's error in one lower-case phrase, saying how to get sound.
pub(super) fn describe(err: &ClientError) -> String {
    match err {
        ClientError::Io(e) if timed_out(e) => {
            format!("the sound server does not answer within {} s; restart it", REPLY.as_secs())
        }
        ClientError::ServerUnavailable | ClientError::Io(_) => format!("the sound server has gone; {HOW}"),
        ClientError::ServerError(e) => format!("the sound server refused: {e:?}"),
        e => format!("the sound server failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_stopped_accepting_costs_the_limit_not_forever() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        // Connections queue until the listener's queue is full; then a plain connect blocks.
        let mut queued = Vec::new();
        let limit = Duration::from_millis(200);
        let refused = loop {
            let started = Instant::now();
            match connect_within(&socket, limit) {
                Ok(stream) => queued.push(stream),
                Err(e) => break (e, started.elapsed()),
            }
            assert!(queued.len() < 100_000, "the queue never filled");
        };
        assert_eq!(refused.0.kind(), io::ErrorKind::TimedOut, "{}", refused.0);
        assert!(refused.1 < Duration::from_secs(2), "waited {:?}", refused.1);
    }
}
