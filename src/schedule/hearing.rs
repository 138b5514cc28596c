//! Whether a routine started here would be heard: the default output opens,
//! or, if not, why (where the user's sound server should be listening).

use std::path::Path;

use crate::audio::device;

/// `Ok(how)` if the default output opens; `Err(why not)` with the fix.
pub fn probe(runtime_dir: Option<&Path>, pulse_server: Option<&str>) -> Result<String, String> {
    match device::probe() {
        Ok(_) => Ok("the default audio output opens".into()),
        Err(why) => Err(format!("no audio output ({why}); {}", server(runtime_dir, pulse_server))),
    }
}

/// Where the sound server should be, and what is missing there.
pub fn server(runtime_dir: Option<&Path>, pulse_server: Option<&str>) -> String {
    if let Some(server) = pulse_server {
        return format!("PULSE_SERVER={server} names the sound server; check that it is running there");
    }
    let Some(dir) = runtime_dir else {
        return "XDG_RUNTIME_DIR is not set, so no sound server can be found".into();
    };
    if !dir.is_dir() {
        return format!(
            "{} does not exist: it exists while you are logged in, or always with `loginctl enable-linger`",
            dir.display()
        );
    }
    let socket = dir.join("pulse/native");
    if socket.exists() {
        format!("a sound server socket is at {}, but the output did not open through it", socket.display())
    } else {
        format!("no sound server listens at {} (PulseAudio or PipeWire's pulse server)", socket.display())
    }
}
