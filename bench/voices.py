#!/usr/bin/env python3
"""Judges offline voices on stretch's own phrases with two proxies.

Every candidate speaks every line of sounds/voice/phrases.txt. Each clip is
resampled to 16 kHz mono and scored by

  * pocketsphinx (its bundled US English model): the word error rate of its
    transcript against the phrase, summed over all phrases (clarity), and
  * speechmos DNSMOS (its bundled models): the mean overall quality (OVRL).

Neither is a listener; the two together catch a voice that is clear but harsh
or smooth but mumbled. A candidate whose engine is not installed is skipped.

    pip install pocketsphinx speechmos librosa onnxruntime
    apt-get install espeak-ng flite festival festvox-us-slt-hts sox
    python3 bench/voices.py            # prints a Markdown table
    python3 bench/voices.py --show     # and each transcript
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHRASES = os.path.join(ROOT, "sounds", "voice", "phrases.txt")


def espeak(text, out):
    subprocess.run(["espeak-ng", "-v", "en-gb+f3", "-s", "135", "-p", "45", "-w", out, text], check=True)


def flite(voice):
    def run(text, out):
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", out], check=True)

    return run


def festival(voice):
    def run(text, out):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(text)
        try:
            subprocess.run(
                ["text2wave", "-eval", f"({voice})", "-o", out, f.name],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.unlink(f.name)

    return run


# (name, program that must be installed, synthesiser, licence of the voice)
CANDIDATES = [
    ("espeak-ng en-gb+f3", "espeak-ng", espeak, "GPL-3.0 engine; output unrestricted"),
    ("flite slt", "flite", flite("slt"), "CMU ARCTIC (BSD-style)"),
    ("flite rms", "flite", flite("rms"), "CMU ARCTIC (BSD-style)"),
    ("flite awb", "flite", flite("awb"), "CMU ARCTIC (BSD-style)"),
    ("flite kal16", "flite", flite("kal16"), "CMU (BSD-style)"),
    ("festival slt HTS", "text2wave", festival("voice_cmu_us_slt_arctic_hts"), "CMU ARCTIC / EST-2003 (BSD-style)"),
    ("festival kal diphone", "text2wave", festival("voice_kal_diphone"), "CMU (BSD-style)"),
]


def words(text):
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def edits(ref, hyp):
    """Word-level Levenshtein distance."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)]


def load16k(path, tmp):
    """The clip as 16 kHz mono float samples, with 0.3 s of silence either side."""
    out = os.path.join(tmp, "16k.wav")
    subprocess.run(["sox", "-D", path, "-r", "16000", "-c", "1", "-b", "16", out, "pad", "0.3", "0.3"], check=True)
    with wave.open(out) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm


def transcribe(decoder, pcm):
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


def judge(synth, phrases, decoder, tmp, show):
    from speechmos import dnsmos

    errors = total = 0
    quality = []
    for phrase in phrases:
        raw = os.path.join(tmp, "raw.wav")
        synth(phrase, raw)
        pcm = load16k(raw, tmp)
        heard = transcribe(decoder, pcm)
        e = edits(words(phrase), words(heard))
        errors += e
        total += len(words(phrase))
        quality.append(dnsmos.run(pcm.astype(np.float32) / 32768.0, 16000)["ovrl_mos"])
        if show:
            print(f"  {e:2d} {phrase!r} -> {heard!r}", file=sys.stderr)
    return errors / total, float(np.mean(quality))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each transcript on stderr")
    parser.add_argument("--only", help="judge only candidates whose name contains this")
    args = parser.parse_args()

    from pocketsphinx import Decoder, set_loglevel

    set_loglevel("FATAL")
    decoder = Decoder(samprate=16000, loglevel="FATAL")
    with open(PHRASES) as f:
        phrases = [line.strip() for line in f if line.strip()]
    print(f"{len(phrases)} phrases from sounds/voice/phrases.txt\n")
    print("| voice | licence | pocketsphinx WER | DNSMOS overall |")
    print("| --- | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, program, synth, licence in CANDIDATES:
            if args.only and args.only not in name:
                continue
            if shutil.which(program) is None:
                print(f"| {name} | {licence} | ({program} not installed) | |")
                continue
            if args.show:
                print(name, file=sys.stderr)
            wer, mos = judge(synth, phrases, decoder, tmp, args.show)
            print(f"| {name} | {licence} | {wer:.0%} | {mos:.2f} |", flush=True)


if __name__ == "__main__":
    main()
