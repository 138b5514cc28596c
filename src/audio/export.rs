//! `--export-audio`: the cue track as a WAV file, exactly what would play.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

use super::sounds::RATE;
use super::track::Track;
use super::wav;

/// Writes `track` to `path` as 16-bit mono WAV. The file is written beside its
/// destination, synced, and renamed into place, so no half file is ever left.
pub fn write_wav(track: &Track, path: &Path) -> Result<()> {
    let partial = path.with_extension("wav.partial");
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        wav::write_mono_i16(&mut file, RATE, track.len(), track.clone().play())?;
        file.flush()?;
        file.get_ref().sync_all()?;
        std::fs::rename(&partial, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        Error::io("write", path, &e)
    })
}
