#!/usr/bin/env bash
# Regenerates the embedded cue sounds. The results are committed, so building
# stretch never needs these tools; run this only after changing a phrase.
#
#   voice/phrases.txt  one spoken phrase per line -> voice/<slug>.wav (espeak-ng),
#                      listed with its phrase in voice/index.tsv
#   chime/*.wav        synthesised tones (sox)
#
# Every file is 48 kHz, 16-bit, mono: the rate of the cue track, so sounds are
# placed sample for sample without resampling. Leading silence is trimmed, so
# a cue's first sample is its onset.
#
# Needs: espeak-ng, sox (Debian: apt-get install espeak-ng sox).
set -euo pipefail
# No dither: silence stays exactly zero, so onsets can be found sample-exact.
sox() { command sox -D "$@"; }
cd "$(dirname "$0")"

out=(-r 48000 -b 16 -c 1)
trim=(silence 1 0.005 0.2% reverse silence 1 0.005 0.2% reverse)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

slug() { tr 'A-Z' 'a-z' <<<"$1" | tr -c 'a-z0-9' '-' | sed -E 's/-+/-/g; s/^-//; s/-$//' | cut -c1-48 | sed -E 's/-$//'; }

rm -f voice/*.wav chime/*.wav
: > voice/index.tsv
while IFS= read -r phrase; do
  [[ -z "$phrase" ]] && continue
  # A calm, unhurried voice for a dark bedroom.
  espeak-ng -v en-gb+f3 -s 135 -p 45 -w "$tmp/raw.wav" "$phrase"
  file="$(slug "$phrase").wav"
  sox "$tmp/raw.wav" "${out[@]}" "voice/$file" "${trim[@]}" norm -3
  printf '%s\t%s\n' "$file" "$phrase" >> voice/index.tsv
done < voice/phrases.txt

note() { sox -n "${out[@]}" "$tmp/$1.wav" synth "$2" pluck "$3" fade 0 "$2" "$4"; }
note a 0.22 E5 0.08; note b 0.6 A5 0.5
sox "$tmp/a.wav" "$tmp/b.wav" chime/hold.wav norm -3        # hold starts: rising
note a 0.22 A5 0.08; note b 0.6 E5 0.5
sox "$tmp/a.wav" "$tmp/b.wav" chime/release.wav norm -3     # hold ends: falling
note a 0.7 C5 0.6
sox "$tmp/a.wav" chime/ready.wav norm -6                    # get ready: one soft note
sox -n "${out[@]}" chime/tick.wav synth 0.05 sine 1500 fade 0 0.05 0.045 norm -8
note a 0.18 C5 0.05; note b 0.18 E5 0.05; note c 1.2 G5 1.1
sox "$tmp/a.wav" "$tmp/b.wav" "$tmp/c.wav" chime/finish.wav norm -3
