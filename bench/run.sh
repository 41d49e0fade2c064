#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Runs the benchmarks of a release build (`make bench` builds ./build).
# One line per benchmark below; each prints its figures and exits non-zero
# when it misses its target, which makes this script fail at the end.
#   bench/run.sh [BUILD_DIR]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
status=0
run() {
  local name=$1; shift
  echo "== $name $*"
  if [ ! -x "$build/$name" ]; then echo "missing $build/$name"; status=1; return; fi
  "$build/$name" "$@" || status=1
}

# the engine's hot paths: next-due picks among 1,000,000 clients, recall decisions (docs/internals/engine.md)
run bench_engine

# clients import vs `sqlite3 .import` (docs/internals/import.md)
run bench_import --rows "${BENCH_IMPORT_ROWS:-1000000}" --split

# API list endpoints on 1,000 tasks and 1,000,000 calls, p99 < 10 ms (bench/api/main.c)
run bench_api --bin "$build/voxdial" --requests "${BENCH_API_REQUESTS:-1000}"

# telephony: calls/s vs SIPp as the caller, and N held calls with RTP + recording (docs/internals/benchmarks.md)
echo "== bench/cps"; python3 "$root/bench/cps/bench_cps.py" --bin "$build/voxdial" --runs "${BENCH_TEL_RUNS:-1}" || status=1
echo "== bench/concurrent"; python3 "$root/bench/concurrent/bench_concurrent.py" --bin "$build/voxdial" --runs "${BENCH_TEL_RUNS:-1}" || status=1

# the bot: CPU per call of 500 bot calls vs prompt-only calls, response time p50 < 300 ms (docs/internals/bot.md)
echo "== bench/bot"; python3 "$root/bench/bot/bench_bot.py" --bin "$build/voxdial" || status=1

# XLSX call report of 1,000,000 calls with 5 variables (< 30 s, < 100 MB) and the task page's API calls (docs/internals/reports.md)
run bench_report --bin "$build/voxdial" --calls "${BENCH_REPORT_CALLS:-1000000}"

# AMD and gender accuracy and decision times on ../shared/eval (docs/internals/amd.md)
echo "== bench/amd"; "$root/bench/amd/run.sh" "$build" || status=1

# keyword recognition: accuracy, decode time of 1 s / 3 s answers (< 300 ms) and decoder memory (docs/internals/asr.md)
asr_corpus=$(mktemp -d)
echo "== bench/asr corpus"; "$root/bench/asr/make_corpus.sh" "$asr_corpus" || status=1
run bench_asr --corpus "$asr_corpus"
rm -rf "$asr_corpus"

exit $status
