#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# AMD and gender accuracy on the public labeled corpus (docs/internals/amd.md).
# Prints `voxdial amd-eval` and `voxdial gender-eval`, the two-fold
# cross-validation (bench/amd/cv.py), the CPU cost per frame (bench_amd),
# then each target of issue 5 with PASS or MISS; exits non-zero if a target
# is missed. Skips the corpus parts (exit 0) when the corpus is not beside
# the repository.
#   bench/amd/run.sh [BUILD_DIR] [EVAL_DIR]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
eval_dir=${2:-$root/../shared/eval}
bin=$build/voxdial
if [ -x "$build/bench_amd" ]; then "$build/bench_amd" || exit 1; echo; fi
if [ ! -d "$eval_dir/amd-public" ]; then echo "skip: no corpus at $eval_dir"; exit 0; fi
if [ ! -x "$bin" ]; then echo "missing $bin"; exit 1; fi

"$bin" amd-eval "$eval_dir/amd-public" "$eval_dir/amd-public/labels.csv" || exit 1
echo
"$bin" gender-eval "$eval_dir/gender-public" "$eval_dir/gender-public/labels.csv" || exit 1
echo
echo "two-fold cross-validation (odd / even file numbers):"
python3 "$root/bench/amd/cv.py" "$bin" "$eval_dir/amd-public" "$eval_dir/amd-public/labels.csv" || exit 1
python3 "$root/bench/amd/cv.py" --gender "$bin" "$eval_dir/gender-public" "$eval_dir/gender-public/labels.csv" || exit 1
echo
amd=$("$bin" amd-eval "$eval_dir/amd-public" "$eval_dir/amd-public/labels.csv" --json) || exit 1
gen=$("$bin" gender-eval "$eval_dir/gender-public" "$eval_dir/gender-public/labels.csv" --json) || exit 1
python3 - "$amd" "$gen" <<'PY'
import json, sys
amd, gen = json.loads(sys.argv[1]), json.loads(sys.argv[2])
h, m = amd["classes"]["human"], amd["classes"]["machine"]
rows = [
    ("AMD accuracy >= 95%", amd["accuracy"] * 100, 95, True, "%"),
    ("gender accuracy >= 95%", gen["accuracy"] * 100, 95, True, "%"),
    ("human median decision < 1500 ms (from answer)", h["decision_ms"]["p50"], 1500, False, " ms"),
    ("machine median decision < 3000 ms (from answer)", m["decision_ms"]["p50"], 3000, False, " ms"),
    ("human median decision < 1500 ms (from first word)", h["decision_from_onset_ms"]["p50"], 1500, False, " ms"),
    ("machine median decision < 3000 ms (from first word)", m["decision_from_onset_ms"]["p50"], 3000, False, " ms"),
]
bad = 0
for name, got, want, higher, unit in rows:
    ok = got >= want if higher else got < want
    bad += not ok
    print("%-4s %-52s %7.1f%s" % ("PASS" if ok else "MISS", name, got, unit))
sys.exit(1 if bad else 0)
PY
