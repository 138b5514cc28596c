//! The little of WAV that stretch needs: reading its own 16-bit mono cue
//! files, and writing a guided track that any phone or speaker can play.

use std::io::{self, Write};

/// The sample rate and the raw little-endian sample bytes of a 16-bit PCM
/// mono WAV, found without decoding anything.
pub(crate) fn pcm_mono_i16(bytes: &[u8]) -> Result<(u32, &[u8]), String> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut format: Option<(u16, u16, u32, u16)> = None;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]) as usize;
        let body = bytes.get(at + 8..at + 8 + size).ok_or("a chunk runs past the end of the file")?;
        if id == b"fmt " && body.len() >= 16 {
            let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            format = Some((u16_at(0), u16_at(2), rate, u16_at(14)));
        } else if id == b"data" {
            let (tag, channels, rate, bits) = format.ok_or("data before fmt")?;
            // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which sox writes for some PCM files.
            if !(tag == 1 || tag == 0xFFFE) || channels != 1 || bits != 16 {
                return Err(format!("expected 16-bit PCM mono, found format {tag}, {channels} channels, {bits} bits"));
            }
            return Ok((rate, &body[..body.len() & !1]));
        }
        at += 8 + size + (size & 1);
    }
    Err("no data chunk".into())
}

/// Sample `k` of raw 16-bit little-endian PCM, as `f32` in `[-1, 1]`.
#[cfg(test)]
pub(crate) fn sample(pcm: &[u8], k: usize) -> f32 {
    f32::from(i16::from_le_bytes([pcm[2 * k], pcm[2 * k + 1]])) / 32768.0
}

/// Raw 16-bit little-endian PCM as samples.
pub(crate) fn samples_i16(pcm: &[u8]) -> Vec<i16> {
    pcm.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
}

/// Writes `count` samples as a 16-bit PCM mono WAV at `rate`.
pub(crate) fn write_mono_i16(
    out: &mut impl Write,
    rate: u32,
    count: usize,
    samples: impl IntoIterator<Item = f32>,
) -> io::Result<()> {
    let data_len = u32::try_from(count * 2)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "track too long for a WAV file"))?;
    out.write_all(b"RIFF")?;
    out.write_all(&(36 + data_len).to_le_bytes())?;
    out.write_all(b"WAVEfmt ")?;
    out.write_all(&16u32.to_le_bytes())?;
    out.write_all(&1u16.to_le_bytes())?; // PCM
    out.write_all(&1u16.to_le_bytes())?; // mono
    out.write_all(&rate.to_le_bytes())?;
    out.write_all(&(rate * 2).to_le_bytes())?; // bytes per second
    out.write_all(&2u16.to_le_bytes())?; // block align
    out.write_all(&16u16.to_le_bytes())?;
    out.write_all(b"data")?;
    out.write_all(&data_len.to_le_bytes())?;
    let mut written = 0;
    for s in samples.into_iter().take(count) {
        out.write_all(&to_i16(s).to_le_bytes())?;
        written += 1;
    }
    if written < count {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "fewer samples than the header promised"));
    }
    Ok(())
}

/// Rounds to the nearest 16-bit value, clamping what would overflow.
pub(crate) fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sample of a 16-bit PCM mono WAV, with its rate.
    fn read_mono_i16(bytes: &[u8]) -> Result<(u32, Vec<f32>), String> {
        let (rate, pcm) = pcm_mono_i16(bytes)?;
        Ok((rate, (0..pcm.len() / 2).map(|k| sample(pcm, k)).collect()))
    }

    #[test]
    fn round_trips_16_bit_samples() {
        let samples: Vec<f32> = [0i16, 1, -1, 12345, -32768, 32767].iter().map(|&s| f32::from(s) / 32768.0).collect();
        let mut bytes = Vec::new();
        write_mono_i16(&mut bytes, 48_000, samples.len(), samples.iter().copied()).unwrap();
        assert_eq!(bytes.len(), 44 + samples.len() * 2);
        assert_eq!(read_mono_i16(&bytes).unwrap(), (48_000, samples));
    }

    #[test]
    fn rejects_what_it_does_not_read() {
        assert!(read_mono_i16(b"nope").is_err());
        let mut stereo = Vec::new();
        write_mono_i16(&mut stereo, 48_000, 1, [0.0]).unwrap();
        stereo[22] = 2;
        assert!(read_mono_i16(&stereo).unwrap_err().contains("2 channels"));
    }
}
