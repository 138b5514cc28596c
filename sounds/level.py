#!/usr/bin/env python3
"""Prints the gain in dB (to 0.01 dB) that brings a 48 kHz mono WAV to
-23 LUFS integrated (EBU R128, measured by pyloudnorm), lowered if a peak
would pass -3 dBFS. A clip shorter than one 400 ms block is measured as if it
repeated: its loudness while it sounds. Used by generate.sh."""

import sys
import wave

import numpy as np
import pyloudnorm

TARGET, PEAK = -23.0, -3.0

with wave.open(sys.argv[1]) as w:
    assert w.getframerate() == 48000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16) / 32768.0
tiled = np.tile(x, int(np.ceil(19200 / len(x)))) if len(x) < 19200 else x
loudness = pyloudnorm.Meter(48000).integrated_loudness(tiled)
peak = 20 * np.log10(np.max(np.abs(x)))
print(f"{min(TARGET - loudness, PEAK - 0.1 - peak):.2f}")
