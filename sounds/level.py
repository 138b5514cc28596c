#!/usr/bin/env python3
"""Prints the gain in dB (to 0.01 dB) that brings a 48 kHz mono WAV to
-23 LUFS integrated (EBU R128, measured by pyloudnorm), lowered if a peak
would pass -3 dBFS. A clip shorter than one 400 ms block is measured as if it
repeated: its loudness while it sounds. Used by generate.sh.

With `--apply GAIN OUT` it writes the clip with that gain instead, rounded to
15 bits (even 16-bit values): a floor 90 dB under full scale, far under the
voice's own, that FLAC stores in one bit less per sample."""

import sys
import wave

import numpy as np
import pyloudnorm

TARGET, PEAK = -23.0, -3.0

with wave.open(sys.argv[1]) as w:
    assert w.getframerate() == 48000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16) / 32768.0
if len(sys.argv) == 5 and sys.argv[2] == "--apply":
    y = np.clip(np.round(x * 10 ** (float(sys.argv[3]) / 20) * 16384) * 2, -32768, 32766).astype("<i2")
    with wave.open(sys.argv[4], "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(y.tobytes())
    sys.exit()
tiled = np.tile(x, int(np.ceil(19200 / len(x)))) if len(x) < 19200 else x
loudness = pyloudnorm.Meter(48000).integrated_loudness(tiled)
peak = 20 * np.log10(np.max(np.abs(x)))
print(f"{min(TARGET - loudness, PEAK - 0.1 - peak):.2f}")
