# SPDX-License-Identifier: AGPL-3.0-or-later
"""`voxdial amd`, `gender`, `amd-eval` and `gender-eval` through the real
binary. Generated WAVs first (a 44.1 kHz stereo tone: resampled to 8 kHz
mono, a steady tone is a machine's signal; silence is unknown), then, when
the labeled corpus sits beside the repository (../shared/eval, as in CI), a
few corpus files and the eval commands' text and JSON output. Errors: a
missing file, a non-WAV, bad flags, bad labels."""

import csv
import json
import os
import re
import subprocess

import vdtest

t = vdtest.Run(__file__)
SRC = os.environ.get("VD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
EVAL = os.path.join(SRC, "..", "shared", "eval")


run = t.run_cli
one_json = t.one_json


def write(name, data):
    path = os.path.join(t.tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def tone_after_answer(rate_hz=44100, channels=2, lead_s=0.3, seconds=3.0, freq_hz=1000.0):
    """A PCM WAV: lead_s of quiet line, then a sine tone (generated, like
    the DSP tests do)."""
    import io
    import math
    import wave
    frames = bytearray()
    for i in range(int(rate_hz * (lead_s + seconds))):
        v = 0 if i < rate_hz * lead_s else int(9000 * math.sin(2 * math.pi * freq_hz * i / rate_hz))
        frames += v.to_bytes(2, "little", signed=True) * channels
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def generated_files():
    tone = write("tone.wav", tone_after_answer())
    p = run("amd", tone)
    t.eq(p.returncode, 0, "amd on a 44.1 kHz stereo tone exits 0")
    r = one_json(p, "amd")
    t.eq(sorted(r), ["cause", "decision_ms", "onset_ms", "verdict"], "amd JSON keys")
    t.eq(r.get("verdict"), "machine", "a steady 1 kHz tone is a machine")
    t.eq(r.get("cause"), "tone", "cause tone")
    t.ok(isinstance(r.get("decision_ms"), int) and r["decision_ms"] <= 600, "decided within 300 ms of the tone", r)
    silent = write("silence.wav", vdtest.wav_bytes(rate_hz=8000, channels=1, seconds=7, freq_hz=0))
    r = one_json(run("amd", silent), "amd silence")
    t.eq((r.get("verdict"), r.get("cause"), r.get("onset_ms")), ("unknown", "silence_timeout", -1),
         "silence is unknown")
    p = run("gender", silent)
    t.eq(p.returncode, 0, "gender exits 0")
    r = one_json(p, "gender")
    t.eq(sorted(r), ["f0_hz", "gender", "voiced_ms", "vt_scale"], "gender JSON keys")
    t.eq(r.get("gender"), "unknown", "silence has no gender")


def errors():
    p = run("amd", os.path.join(t.tmp, "missing.wav"))
    t.eq(p.returncode, 1, "missing file exits 1")
    t.ok("missing.wav" in p.stderr, "stderr names the file", p.stderr)
    p = run("amd", write("text.wav", b"not audio at all"))
    t.eq(p.returncode, 1, "non-audio exits 1")
    p = run("amd")
    t.eq(p.returncode, 2, "no file is a usage error")
    tone = write("t2.wav", vdtest.wav_bytes(seconds=1))
    p = run("amd", tone, "--wait-ms", "0")
    t.eq(p.returncode, 2, "--wait-ms 0 is out of range")
    p = run("gender", tone, "--threshold-hz", "abc")
    t.eq(p.returncode, 2, "--threshold-hz abc is a usage error")
    bad = write("labels.csv", b"file,label\nt2.wav,robot\n")
    p = run("amd-eval", t.tmp, bad)
    t.eq(p.returncode, 2, "an unknown label is an error")
    t.ok("robot" in p.stderr, "stderr names the label", p.stderr)


def corpus():
    amd_dir = os.path.join(EVAL, "amd-public")
    rows = list(csv.DictReader(open(os.path.join(amd_dir, "labels.csv"), encoding="utf-8")))
    picks = [r for r in rows if r["label"] == "human"][:2] + [r for r in rows if r["label"] == "machine"][:2]
    for r in picks:
        p = run("amd", os.path.join(amd_dir, r["file"]))
        v = one_json(p, r["file"])
        t.ok(v.get("verdict") in ("human", "machine", "unknown"), r["file"] + ": verdict", v)
        t.ok(isinstance(v.get("decision_ms"), int) and 0 < v["decision_ms"] <= 6000,
             r["file"] + ": decision_ms within the analysis time", v)
        t.ok(isinstance(v.get("cause"), str) and v["cause"], r["file"] + ": cause", v)
    labels = os.path.join(amd_dir, "labels.csv")
    p = run("amd-eval", amd_dir, labels)
    t.eq(p.returncode, 0, "amd-eval exits 0")
    m = re.search(r"accuracy ([0-9.]+)% \((\d+)/(\d+)\)", p.stdout)
    t.ok(m and int(m.group(3)) == len(rows), "amd-eval counts every labeled file", p.stdout[:300])
    for word in ("precision", "recall", "confusion", "p50", "p90"):
        t.ok(word in p.stdout, "amd-eval prints " + word)
    p = run("amd-eval", amd_dir, labels, "--json")
    j = one_json(p, "amd-eval --json")
    t.eq(j.get("files"), len(rows), "JSON files")
    t.ok(0.0 <= j.get("accuracy", -1) <= 1.0, "JSON accuracy is a fraction", j)
    conf = j.get("confusion", {})
    t.eq(sum(sum(conf[c].values()) for c in conf), len(rows), "the confusion matrix holds every file")
    t.ok(set(j.get("classes", {})) == {"human", "machine"}, "classes human and machine", j)
    t.ok("p50" in j["classes"]["human"].get("decision_ms", {}), "decision-time percentiles", j)
    gdir = os.path.join(EVAL, "gender-public")
    p = run("gender-eval", gdir, os.path.join(gdir, "labels.csv"), "--json")
    j = one_json(p, "gender-eval --json")
    t.ok(j.get("files", 0) > 0 and set(j.get("classes", {})) == {"male", "female"}, "gender-eval JSON", j)


t.case(generated_files)
t.case(errors)
if os.path.isdir(os.path.join(EVAL, "amd-public")):
    t.case(corpus)
else:
    print("skip corpus checks: %s not found" % EVAL)
t.done()
