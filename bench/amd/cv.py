#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two-fold cross-validation on a labeled set (docs/internals/amd.md,
"Honesty"). The files are split by the parity of the number in their name
(odd / even); on each half a small grid of settings is run, the setting the
selection rule picks there is then measured on the other half.

AMD: a grid of --wait-ms x --long-speech-ms; the selection rule is the
issue's own: accuracy on the tuning half at least 95% plus one file of
margin, then the lowest sum of the human and machine median decision times
(from the answer), then the higher accuracy.

Gender (--gender): a grid of the decision threshold; the rule is the
highest accuracy, then the setting nearest the middle of the best plateau.

    bench/amd/cv.py [--gender] BIN DIR LABELS.csv

Prints the pick of each fold on both halves and the shipped defaults on
each half."""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile

WAITS = [600, 700, 800, 900, 1000]
LONGS = [2000, 2200, 2400, 2600, 2800, 3000, 3200, 3400]


def halves(labels):
    with open(labels, newline="") as f:
        rows = list(csv.DictReader(f))
    odd, even = [], []
    for r in rows:
        m = re.search(r"(\d+)", os.path.basename(r["file"]))
        (odd if m and int(m.group(1)) % 2 else even).append(r)
    return rows[0].keys() if rows else [], odd, even


def write(tmp, name, fields, rows):
    path = os.path.join(tmp, name)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(fields))
        w.writeheader()
        w.writerows(rows)
    return path


def run(binary, d, labels, flags):
    out = subprocess.run([binary, "amd-eval", d, labels, "--json"] + flags, check=True,
                         capture_output=True, text=True).stdout
    j = json.loads(out)
    c = j["classes"]
    return {"acc": j["accuracy"], "files": j["files"],
            "h50": c["human"]["decision_ms"]["p50"], "m50": c["machine"]["decision_ms"]["p50"],
            "h50w": c["human"]["decision_from_onset_ms"]["p50"],
            "m50w": c["machine"]["decision_from_onset_ms"]["p50"]}


def fmt(r):
    return ("acc %5.1f%%  median from answer: human %4d machine %4d ms  "
            "(from first word: %4d / %4d)" % (100 * r["acc"], r["h50"], r["m50"], r["h50w"], r["m50w"]))


def pick(results, nfiles):
    need = 0.95 + 1.0 / nfiles
    ok = [(k, r) for k, r in results.items() if r["acc"] >= need - 1e-9]
    if not ok:  # nothing meets the bar: the most accurate
        return max(results.items(), key=lambda kr: (kr[1]["acc"], -(kr[1]["h50"] + kr[1]["m50"])))
    return min(ok, key=lambda kr: (kr[1]["h50"] + kr[1]["m50"], -kr[1]["acc"]))


GENDER_GRID = [("--threshold-hz", [str(t) for t in range(160, 206, 5)])]


def run_gender(binary, d, labels, flags):
    out = subprocess.run([binary, "gender-eval", d, labels, "--json"] + flags, check=True,
                         capture_output=True, text=True).stdout
    j = json.loads(out)
    return {"acc": j["accuracy"], "files": j["files"]}


def gender_main(binary, d, labels):
    fields, odd, even = halves(labels)
    name, values = GENDER_GRID[0]
    with tempfile.TemporaryDirectory() as tmp:
        files = {"odd": write(tmp, "odd.csv", fields, odd), "even": write(tmp, "even.csv", fields, even)}
        grid = {(h, v): run_gender(binary, d, files[h], [name, v])["acc"]
                for h in files for v in values}
        for tune, check in (("odd", "even"), ("even", "odd")):
            best = max(grid[tune, v] for v in values)
            plateau = [v for v in values if grid[tune, v] == best]
            v = plateau[len(plateau) // 2]
            print("gender fold tune=%-4s picks %s %s: tune %5.1f%%, check (%s) %5.1f%%"
                  % (tune, name, v, 100 * best, check, 100 * grid[check, v]))
        for h in ("odd", "even"):
            print("gender defaults on %-4s: %5.1f%% (%d files)"
                  % (h, 100 * run_gender(binary, d, files[h], [])["acc"], len(odd if h == "odd" else even)))


def main():
    if sys.argv[1] == "--gender":
        gender_main(*sys.argv[2:5])
        return
    binary, d, labels = sys.argv[1:4]
    fields, odd, even = halves(labels)
    with tempfile.TemporaryDirectory() as tmp:
        files = {"odd": write(tmp, "odd.csv", fields, odd), "even": write(tmp, "even.csv", fields, even)}
        grid = {}
        for half in ("odd", "even"):
            for w in WAITS:
                for l in LONGS:
                    grid[half, w, l] = run(binary, d, files[half],
                                           ["--wait-ms", str(w), "--long-speech-ms", str(l)])
        for tune, check in (("odd", "even"), ("even", "odd")):
            res = {(w, l): grid[tune, w, l] for w in WAITS for l in LONGS}
            (w, l), r = pick(res, len(odd if tune == "odd" else even))
            print("fold tune=%-4s picks --wait-ms %d --long-speech-ms %d" % (tune, w, l))
            print("    on %-4s (tune):  %s" % (tune, fmt(r)))
            print("    on %-4s (check): %s" % (check, fmt(grid[check, w, l])))
        for half in ("odd", "even"):
            print("defaults on %-4s:  %s" % (half, fmt(run(binary, d, files[half], []))))


if __name__ == "__main__":
    main()
