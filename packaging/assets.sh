#!/bin/sh
# What the Debian package installs beside the binary, written by the built
# binary itself from its own command-line definition, so the package, `stretch
# man` and `stretch completions` cannot disagree: every man page (gzipped, as
# Debian keeps them) and the bash, zsh and fish completions.
# Usage: packaging/assets.sh [BINARY] [OUT]   (default: target/release/stretch target/assets)
set -eu
bin=${1:-target/release/stretch}
out=${2:-target/assets}
rm -rf "$out"
mkdir -p "$out/man"
"$bin" man --dir "$out/man" >/dev/null
gzip -9n "$out"/man/*.1
"$bin" completions bash >"$out/stretch.bash"
"$bin" completions zsh >"$out/_stretch"
"$bin" completions fish >"$out/stretch.fish"
