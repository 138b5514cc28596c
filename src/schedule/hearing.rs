//! Whether a routine started here would be heard: the default output opens,
//! or, if not, why (where the user's sound server should be listening), said
//! once, with the fix that matches the cause.

use crate::audio::device::{self, NoOutput};
use crate::env::{Env, NoSocket};

/// `Ok(how)` if the default output opens; `Err(why not)` with the fix.
pub(crate) fn probe(env: &Env) -> Result<String, String> {
    match device::probe(&env.sound_server()) {
        Ok(_) => Ok("the default audio output opens".into()),
        Err(why) => Err(no_output(&why, env)),
    }
}

/// `no audio output: ...` for a device that did not open with `why`: the
/// missing server alone when there plainly is none (the device's own words
/// would only say it again), else the device's words and what is at the
/// server's place.
pub(crate) fn no_output(why: &NoOutput, env: &Env) -> String {
    match missing_server(env) {
        Some(cause) => match &why.alsa {
            Some(alsa) => format!("no audio output: {cause}; ALSA: {alsa}"),
            None => format!("no audio output: {cause}"),
        },
        None => format!("no audio output ({why}); {}", server(env)),
    }
}

/// Where the sound server should be, and what is missing there.
pub(crate) fn server(env: &Env) -> String {
    missing_server(env).unwrap_or_else(|| {
        let socket = env.sound_server().socket.unwrap_or_default();
        let named = if env.pulse_server.is_some() { " (PULSE_SERVER)" } else { "" };
        format!("a sound server socket is at {}{named}, but the output did not open through it", socket.display())
    })
}

/// Why no sound server can be reached here, with the fix; `None` when its
/// socket is there. The socket is the one the player connects to.
pub(crate) fn missing_server(env: &Env) -> Option<String> {
    let socket = match env.sound_server().socket {
        Ok(socket) => socket,
        Err(NoSocket::Remote(servers)) => {
            return Some(format!(
                "PULSE_SERVER={servers} names no local socket, and stretch plays through one: \
                 set it to unix:PATH, or unset it"
            ));
        }
        Err(NoSocket::Unset) => {
            return Some(
                "XDG_RUNTIME_DIR is not set, so no sound server can be found; run it from your own login, \
                 or set XDG_RUNTIME_DIR=/run/user/$UID"
                    .into(),
            );
        }
    };
    if let Some(dir) = env.runtime_dir.as_deref().filter(|dir| socket.starts_with(dir) && !dir.is_dir()) {
        return Some(format!(
            "{} does not exist: it exists while you are logged in, or always with `loginctl enable-linger`",
            dir.display()
        ));
    }
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
        let server = format!("no sound server at {}/pulse/native; start PulseAudio or PipeWire", dir.path().display());
        let why = NoOutput { server, alsa: None };
        let env = Env { runtime_dir: Some(dir.path().into()), ..Env::default() };
        let said = no_output(&why, &env);
        assert_eq!(said.matches("pulse/native").count(), 1, "{said}");
        assert!(said.starts_with("no audio output: no sound server listens at "), "{said}");
        let said = no_output(&NoOutput { alsa: Some("device busy".into()), ..why }, &env);
        assert!(said.ends_with("; ALSA: device busy"), "{said}");
    }

    #[test]
    fn each_cause_has_its_own_fix() {
        let run = |dir: &str| Env { runtime_dir: Some(dir.into()), ..Env::default() };
        assert!(missing_server(&Env::default()).unwrap().contains("set XDG_RUNTIME_DIR"));
        assert!(missing_server(&run("/nonexistent/run")).unwrap().contains("enable-linger"));
        let remote = Env { pulse_server: Some("tcp:host".into()), ..Env::default() };
        assert!(missing_server(&remote).unwrap().starts_with("PULSE_SERVER=tcp:host names no local socket"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pulse")).unwrap();
        std::fs::write(dir.path().join("pulse/native"), "").unwrap();
        let env = run(dir.path().to_str().unwrap());
        assert_eq!(missing_server(&env), None, "a server is there");
        let said = no_output(&NoOutput { server: "the sound server refused".into(), alsa: None }, &env);
        assert!(said.starts_with("no audio output (the sound server refused); a sound server socket is at"), "{said}");
    }
}

#[cfg(test)]
mod agreement {
    use super::*;

    /// The place the player tried (its failure) and the place the checks name
    /// agree, however the environment names it.
    #[test]
    fn the_player_and_the_checks_look_in_one_place() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        std::fs::create_dir_all(at("run")).unwrap();
        let cases = [
            (Env { runtime_dir: Some(at("run")), ..Env::default() }, at("run/pulse/native")),
            (
                Env { runtime_dir: Some(at("run")), pulse_runtime_path: Some(at("rt")), ..Env::default() },
                at("rt/native"),
            ),
            (
                Env {
                    runtime_dir: Some(at("run")),
                    pulse_server: Some(format!("unix:{}", at("elsewhere").display())),
                    ..Env::default()
                },
                at("elsewhere"),
            ),
        ];
        for (env, socket) in cases {
            let played = device::probe(&env.sound_server()).unwrap_err().server;
            let checked = missing_server(&env).unwrap();
            let named = format!("{}", socket.display());
            assert!(played.contains(&format!("no sound server at {named} ")), "{played}");
            assert!(checked.contains(&format!("no sound server listens at {named}:")), "{checked}");
        }
    }
}
