//! `--export-audio`: the cue track as a WAV file, exactly what would play.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

use super::sounds::RATE;
use super::track::Track;
use super::wav;

/// Writes `track` to `path` as 16-bit mono WAV (`-`: to stdout). The file is
/// written to a uniquely named temporary beside its destination, synced, and
/// renamed into place, so no half file is ever left and no file of the
/// user's is ever mistaken for the temporary. Only a regular file or a new
/// name is replaced: a device, a directory or a link to either is refused.
/// Ctrl-C or SIGTERM while writing removes the temporary before exiting.
pub(crate) fn write_wav(track: &Track, path: &Path) -> Result<()> {
    if path == Path::new("-") {
        if io::stdout().is_terminal() {
            return Err(Error::usage(
                "--export-audio - writes a WAV file to stdout, which is a terminal here; \
                 redirect it (`> track.wav`) or pipe it to a player (`| aplay`)",
            ));
        }
        let mut out = io::BufWriter::new(io::stdout().lock());
        return wav::write_mono_i16(&mut out, RATE, track.len(), track.clone().play())
            .and_then(|()| out.flush())
            .map_err(|e| {
                Error::failure(format!("could not write the track to stdout: {}", crate::error::io_cause(&e)))
            });
    }
    check_destination(path)?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let handlers = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP]
        .map(|signal| signal_hook::flag::register(signal, Arc::clone(&stop)));
    let written = write_through_temporary(track, dir, path, &stop);
    for id in handlers.into_iter().flatten() {
        signal_hook::low_level::unregister(id);
    }
    if written.is_err() && stop.load(Ordering::SeqCst) {
        // The temporary is gone (dropped); now leave as the signal asked.
        return Err(Error {
            code: crate::error::code::INTERRUPTED,
            message: "export stopped; nothing was written".into(),
        });
    }
    written
}

/// Refuses what must not be replaced by a rename: anything but a regular
/// file (followed through links) or a name that does not exist yet.
fn check_destination(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => Err(Error::usage(format!(
            "--export-audio {} is {}, not a file; name a new .wav file",
            path.display(),
            if meta.is_dir() { "a directory" } else { "a device, FIFO or socket" }
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound && std::fs::symlink_metadata(path).is_err() => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::usage(format!(
            "--export-audio {} is a link to nothing; remove it or name another file",
            path.display()
        ))),
        Err(e) => Err(Error::io("write", path, &e)),
    }
}

fn write_through_temporary(track: &Track, dir: &Path, path: &Path, stop: &AtomicBool) -> Result<()> {
    let temp = tempfile::Builder::new()
        .prefix(".stretch-export-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| Error::io("write", path, &e))?;
    let fail = |e: io::Error| Error::io("write", path, &e);
    let mut out = io::BufWriter::new(Stoppable { inner: temp.as_file(), stop });
    wav::write_mono_i16(&mut out, RATE, track.len(), track.clone().play()).and_then(|()| out.flush()).map_err(fail)?;
    drop(out);
    temp.as_file().sync_all().map_err(fail)?;
    // Checked again just before the rename: the name may have changed meanwhile.
    check_destination(path)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// A writer that fails once a stop signal has arrived, so the export unwinds
/// and its temporary file is removed.
struct Stoppable<'a, W> {
    inner: W,
    stop: &'a AtomicBool,
}

impl<W: Write> Write for Stoppable<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(io::Error::other("stopped by a signal"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
