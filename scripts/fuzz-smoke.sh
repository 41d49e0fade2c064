#!/usr/bin/env bash
# Runs every libFuzzer target briefly from its seed corpus (tests/fuzz/corpus/NAME)
# so a crash in a parser of untrusted input fails `make test`. Long runs:
#   build-fuzz/fuzz_csv -max_total_time=600 tests/fuzz/corpus/fuzz_csv
set -euo pipefail
dir=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
n=0
for f in "$dir"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=$(mktemp -d)
  [ -d "$root/tests/fuzz/corpus/$name" ] && cp -r "$root/tests/fuzz/corpus/$name/." "$corpus/"
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -rss_limit_mb=1024 -print_final_stats=0 "$corpus" >"$dir/$name.log" 2>&1 \
    || { tail -50 "$dir/$name.log"; exit 1; }
  rm -rf "$corpus"
  n=$((n+1))
done
echo "fuzz: $n targets ran clean"
