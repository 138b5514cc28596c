#!/usr/bin/env bash
# Regenerates the embedded cue sounds. The results are committed, so building
# stretch never needs these tools; run this only after changing a phrase.
#
#   voice/phrases.txt  one spoken phrase per line -> voice/<slug>.flac, listed
#                      with its phrase in voice/index.tsv
#   chime/*.flac       synthesised tones (sox)
#
# Every file is 48 kHz, 16-bit, mono FLAC: the rate of the cue track, so sounds
# are placed sample for sample without resampling. Leading silence is trimmed,
# so a cue's first sample is its onset. Every clip is brought to -23 LUFS
# integrated (EBU R128; a short one measured while it sounds) with peaks under
# -3 dBFS, so a chime is as loud as the words and --volume means the same for
# both, and fades in over 5 ms and out over 20 ms, so nothing clicks.
#
# Needs: apt-get install sox; and, in a Python virtual environment on PATH,
#   pip install -r sounds/requirements.txt
# (hibari-tts, its onnxruntime, numpy and scipy, and pyloudnorm, pinned at the
# versions that made the committed set; see sounds/README.md).
set -euo pipefail
# No dither: silence stays exactly zero, so onsets can be found sample-exact.
sox() { command sox -D "$@"; }
cd "$(dirname "$0")"

out=(-r 48000 -b 16 -c 1)
trim=(silence 1 0.005 0.2% reverse silence 1 0.005 0.2% reverse)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

slug() { tr 'A-Z' 'a-z' <<<"$1" | tr -c 'a-z0-9' '-' | sed -E 's/-+/-/g; s/^-//; s/-$//' | cut -c1-48 | sed -E 's/-$//'; }

# The voice: see sounds/README.md for why this one. The seed fixes the model's
# noise, so the same machine makes the same bytes; src/audio/speech.rs speaks a
# routine's own words with the same voice and seed.
speak() { hibari --voice heart --seed 0 -o "$2" "$1" >/dev/null; }

# Fades a 48 kHz WAV's ends, levels it as faded, and writes it as FLAC.
finish() {
  local gain
  sox "$1" "$tmp/faded.wav" fade t 0.005 -0 0.02
  gain=$(python3 level.py "$tmp/faded.wav")
  sox "$tmp/faded.wav" "$2" vol "${gain}dB"
}

# Like finish, for words: the levelled clip is rounded to 15 bits (a floor at
# -90 dBFS, 67 dB under the speech), which keeps the embedded set a tenth smaller.
finish_words() {
  local gain
  sox "$1" "$tmp/faded.wav" fade t 0.005 -0 0.02
  gain=$(python3 level.py "$tmp/faded.wav")
  python3 level.py "$tmp/faded.wav" --apply "$gain" "$tmp/levelled.wav"
  sox "$tmp/levelled.wav" "$2"
}

rm -f voice/*.wav voice/*.flac chime/*.wav chime/*.flac
: > voice/index.tsv
while IFS= read -r phrase; do
  [[ -z "$phrase" ]] && continue
  speak "$phrase" "$tmp/raw.wav"
  sox "$tmp/raw.wav" "${out[@]}" "$tmp/trimmed.wav" "${trim[@]}"
  file="$(slug "$phrase").flac"
  finish_words "$tmp/trimmed.wav" "voice/$file"
  printf '%s\t%s\n' "$file" "$phrase" >> voice/index.tsv
done < voice/phrases.txt

note() { sox -n "${out[@]}" "$tmp/$1.wav" synth "$2" pluck "$3" fade 0 "$2" "$4"; }
note a 0.22 E5 0.08; note b 0.6 A5 0.5
sox "$tmp/a.wav" "$tmp/b.wav" "$tmp/hold.wav"                  # hold starts: rising
note a 0.22 A5 0.08; note b 0.6 E5 0.5
sox "$tmp/a.wav" "$tmp/b.wav" "$tmp/release.wav"               # hold ends: falling
note a 0.7 C5 0.6
cp "$tmp/a.wav" "$tmp/ready.wav"                               # get ready: one soft note
sox -n "${out[@]}" "$tmp/tick.wav" synth 0.05 sine 1500 fade 0 0.05 0.045
note a 0.18 C5 0.05; note b 0.18 E5 0.05; note c 1.2 G5 1.1
sox "$tmp/a.wav" "$tmp/b.wav" "$tmp/c.wav" "$tmp/finish.wav"   # all done
for chime in hold release ready tick finish; do
  finish "$tmp/$chime.wav" "chime/$chime.flac"
done
