//! Loudness as ears weigh it (ITU-R BS.1770 / EBU R128), so speech made at run
//! time sits at the level of the embedded clips and `--volume` means the same
//! for every cue.

/// The level every clip is brought to, in LUFS.
pub(crate) const TARGET_LUFS: f64 = -23.0;

/// The highest peak a clip may have, in dBFS.
pub(crate) const PEAK_DBFS: f64 = -3.0;

/// One second-order IIR section, direct form I.
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    x: [f64; 2],
    y: [f64; 2],
}

impl Biquad {
    fn new(b: [f64; 3], a: [f64; 2]) -> Self {
        Biquad { b, a, x: [0.0; 2], y: [0.0; 2] }
    }

    fn run(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// Integrated loudness in LUFS of mono samples at 48 kHz, gated as R128 says.
/// A clip shorter than one 400 ms block is measured as if it repeated, which
/// is its loudness while it sounds. Silence is `-inf`.
pub(crate) fn integrated(samples: &[f32]) -> f64 {
    const BLOCK: usize = 19_200; // 400 ms at 48 kHz
    const STEP: usize = 4_800; // 75 % overlap
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    // K-weighting at 48 kHz: the head's high shelf, then the RLB high-pass.
    let mut shelf = Biquad::new(
        [1.535_124_859_586_97, -2.691_696_189_406_38, 1.198_392_810_852_85],
        [-1.690_659_293_182_41, 0.732_480_774_215_85],
    );
    let mut high_pass = Biquad::new([1.0, -2.0, 1.0], [-1.990_047_454_833_98, 0.990_072_250_366_21]);
    let len = samples.len().max(BLOCK);
    let weighted: Vec<f64> =
        (0..len).map(|i| high_pass.run(shelf.run(f64::from(samples[i % samples.len()])))).map(|y| y * y).collect();
    let blocks: Vec<f64> = (0..=(len - BLOCK) / STEP)
        .map(|j| weighted[j * STEP..j * STEP + BLOCK].iter().sum::<f64>() / BLOCK as f64)
        .collect();
    let lufs = |z: f64| -0.691 + 10.0 * z.log10();
    let gated = |floor: f64| {
        let kept: Vec<f64> = blocks.iter().copied().filter(|&z| lufs(z) > floor).collect();
        (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64)
    };
    let Some(absolute) = gated(-70.0) else { return f64::NEG_INFINITY };
    gated(lufs(absolute) - 10.0).map_or(f64::NEG_INFINITY, lufs)
}

/// The peak level in dBFS.
pub(crate) fn peak_dbfs(samples: &[f32]) -> f64 {
    20.0 * f64::from(samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))).log10()
}

/// The gain that brings a clip to [`TARGET_LUFS`], lowered if that would put
/// a peak above [`PEAK_DBFS`].
pub(crate) fn gain_to_target(samples: &[f32]) -> f32 {
    let loudness = integrated(samples);
    if !loudness.is_finite() {
        return 1.0;
    }
    let db = (TARGET_LUFS - loudness).min(PEAK_DBFS - peak_dbfs(samples));
    10f64.powf(db / 20.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amplitude: f32, seconds: f32) -> Vec<f32> {
        (0..(48_000.0 * seconds) as usize)
            .map(|i| amplitude * (2.0 * std::f32::consts::PI * freq * i as f32 / 48_000.0).sin())
            .collect()
    }

    #[test]
    fn a_full_scale_1k_sine_reads_minus_3_lufs() {
        // The standard's own check: 0 dBFS peak at 997 Hz is -3.01 LUFS.
        let l = integrated(&sine(997.0, 1.0, 5.0));
        assert!((l + 3.01).abs() < 0.05, "{l}");
    }

    #[test]
    fn silence_is_gated_out() {
        let mut s = sine(997.0, 0.1, 2.0);
        let loud = integrated(&s);
        s.extend(std::iter::repeat_n(0.0, 96_000));
        // Only the blocks that straddle the tone's end lower it, a little.
        assert!((integrated(&s) - loud).abs() < 0.5, "{} vs {loud}", integrated(&s));
        assert_eq!(integrated(&[0.0; 1000]), f64::NEG_INFINITY);
    }

    #[test]
    fn the_gain_reaches_the_target_unless_a_peak_forbids_it() {
        let s = sine(997.0, 0.5, 2.0);
        let g = gain_to_target(&s);
        let scaled: Vec<f32> = s.iter().map(|x| x * g).collect();
        assert!((integrated(&scaled) - TARGET_LUFS).abs() < 0.05);
        // A click train: very loud peaks for its loudness.
        let clicks: Vec<f32> = (0..96_000).map(|i| if i % 4800 == 0 { 1.0 } else { 0.0 }).collect();
        let g = gain_to_target(&clicks);
        let scaled: Vec<f32> = clicks.iter().map(|x| x * g).collect();
        assert!((peak_dbfs(&scaled) - PEAK_DBFS).abs() < 0.01);
    }
}
