#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Synthesizes the keyword corpus bench_asr reads: 12 English answers (6 with
# a keyword, 6 without) x 8 espeak-ng voices x 3 speeds, 8 kHz mono WAVs
# with 150 ms of silence either side (a VAD's cut), and list.txt lines
# `file|phrase|voice|speed`.
#   bench/asr/make_corpus.sh OUT_DIR
set -euo pipefail
out=${1:?usage: make_corpus.sh OUT_DIR}
mkdir -p "$out"
: > "$out/list.txt"
phrases=("yes" "no" "yes please" "no thanks" "operator" "call me later"
         "hello who is this" "good morning" "i do not know" "what is this about" "sorry" "maybe")
# The klatt voices sound the least synthetic to PocketSphinx's model; m1 and
# f2 are the default synthesizer's male and female variants.
voices=("en-us+klatt" "en-us+klatt2" "en-us+klatt3" "en-us+klatt4" "en-us+klatt5"
        "en-gb+klatt2" "en-us+m1" "en-us+f2")
speeds=(130 170 210)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
for v in "${voices[@]}"; do
  for s in "${speeds[@]}"; do
    for p in "${phrases[@]}"; do
      espeak-ng -v "$v" -s "$s" -w "$tmp/a.wav" "$p"
      sox -V1 "$tmp/a.wav" -r 8000 -c 1 -b 16 "$out/u$i.wav" pad 0.15 0.15
      echo "u$i.wav|$p|$v|$s" >> "$out/list.txt"
      i=$((i + 1))
    done
  done
done
echo "$i utterances in $out"
