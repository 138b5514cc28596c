//! Whether a routine started here would be heard: the default output opens,
//! or, if not, why (where the user's sound server should be listening), said
//! once, with the fix that matches the cause.

use std::path::Path;

use crate::audio::device;

/// `Ok(how)` if the default output opens; `Err(why not)` with the fix.
pub(crate) fn probe(runtime_dir: Option<&Path>, pulse_server: Option<&str>) -> Result<String, String> {
    match device::probe() {
        Ok(_) => Ok("the default audio output opens".into()),
        Err(why) => Err(no_output(&why, runtime_dir, pulse_server)),
    }
}

/// `no audio output: ...` for a device that did not open with `why`: the
/// missing server alone when there plainly is none (the device's own words
/// would only say it again), else the device's words and what is at the
/// server's place.
pub(crate) fn no_output(why: &str, runtime_dir: Option<&Path>, pulse_server: Option<&str>) -> String {
    match missing_server(runtime_dir, pulse_server) {
        Some(cause) => match why.split_once(device::ALSA_PART) {
            Some((_, alsa)) => format!("no audio output: {cause}; ALSA: {alsa}"),
            None => format!("no audio output: {cause}"),
        },
        None => format!("no audio output ({why}); {}", server(runtime_dir, pulse_server)),
    }
}

/// Where the sound server should be, and what is missing there.
pub(crate) fn server(runtime_dir: Option<&Path>, pulse_server: Option<&str>) -> String {
    if let Some(server) = pulse_server {
        return format!("PULSE_SERVER={server} names the sound server; check that it is running there");
    }
    missing_server(runtime_dir, None).unwrap_or_else(|| {
        let socket = runtime_dir.map(|dir| dir.join("pulse/native")).unwrap_or_default();
        format!("a sound server socket is at {}, but the output did not open through it", socket.display())
    })
}

/// Why no sound server can be reached here, with the fix; `None` when its
/// socket is there (or `PULSE_SERVER` names one elsewhere).
pub(crate) fn missing_server(runtime_dir: Option<&Path>, pulse_server: Option<&str>) -> Option<String> {
    if pulse_server.is_some() {
        return None;
    }
    let Some(dir) = runtime_dir else {
        return Some(
            "XDG_RUNTIME_DIR is not set, so no sound server can be found; run it from your own login, \
             or set XDG_RUNTIME_DIR=/run/user/$UID"
                .into(),
        );
    };
    if !dir.is_dir() {
        return Some(format!(
            "{} does not exist: it exists while you are logged in, or always with `loginctl enable-linger`",
            dir.display()
        ));
    }
    let socket = dir.join("pulse/native");
    (!socket.exists()).then(|| {
        format!("no sound server listens at {}: start PulseAudio or PipeWire (its pulse server)", socket.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_server_is_said_once() {
        let dir = tempfile::tempdir().unwrap();
        let why = format!("no sound server at {}/pulse/native; start PulseAudio or PipeWire", dir.path().display());
        let said = no_output(&why, Some(dir.path()), None);
        assert_eq!(said.matches("pulse/native").count(), 1, "{said}");
        assert!(said.starts_with("no audio output: no sound server listens at "), "{said}");
        let said = no_output(&format!("{why}{}device busy", device::ALSA_PART), Some(dir.path()), None);
        assert!(said.ends_with("; ALSA: device busy"), "{said}");
    }

    #[test]
    fn each_cause_has_its_own_fix() {
        assert!(missing_server(None, None).unwrap().contains("set XDG_RUNTIME_DIR"));
        assert!(missing_server(Some(Path::new("/nonexistent/run")), None).unwrap().contains("enable-linger"));
        assert_eq!(missing_server(None, Some("tcp:host")), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pulse")).unwrap();
        std::fs::write(dir.path().join("pulse/native"), "").unwrap();
        assert_eq!(missing_server(Some(dir.path()), None), None, "a server is there");
        let said = no_output("the sound server refused", Some(dir.path()), None);
        assert!(said.starts_with("no audio output (the sound server refused); a sound server socket is at"), "{said}");
    }
}
