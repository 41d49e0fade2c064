# SPDX-License-Identifier: AGPL-3.0-or-later
"""`voxdial asr` and `voxdial dtmf` through the real binary. WAVs are made at
test time: espeak-ng speech (its klatt voice, which PocketSphinx's model
hears best) converted by sox to 22.05 kHz (the tool resamples), and DTMF
key presses as sums of two sines. The http engine is tested against a small
Python recognizer on a loopback port chosen by the OS: what went over the
wire (a WAV body at 8 kHz mono, the keywords header) and its error paths."""

import http.server
import json
import math
import os
import struct
import subprocess
import threading
import urllib.parse
import wave

import vdtest

t = vdtest.Run(__file__)


run = t.run_cli
one_json = t.one_json


def speech(name, text, voice="en-us+klatt"):
    raw = os.path.join(t.tmp, name + ".raw.wav")
    out = os.path.join(t.tmp, name + ".wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", raw, text], check=True)
    subprocess.run(["sox", raw, out, "pad", "0.2", "0.3"], check=True)
    return out


def dtmf_wav(name, digits, rate_hz=8000, on_s=0.08, off_s=0.08):
    rows = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
            "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
            "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
            "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633)}
    frames = bytearray(b"\0\0" * int(rate_hz * 0.2))
    for d in digits:
        lo, hi = rows[d]
        for i in range(int(rate_hz * on_s)):
            v = 5000 * math.sin(2 * math.pi * lo * i / rate_hz) + 5000 * math.sin(2 * math.pi * hi * i / rate_hz)
            frames += struct.pack("<h", int(v))
        frames += b"\0\0" * int(rate_hz * off_s)
    path = os.path.join(t.tmp, name)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(bytes(frames))
    return path


def pocketsphinx():
    yes = speech("yes", "yes")
    p = run("asr", yes, "--keywords", "yes,no,operator")
    t.eq(p.returncode, 0, "asr exits 0")
    r = one_json(p, "asr")
    t.eq(sorted(r), ["decode_ms", "text"], "asr JSON keys")
    t.eq(r.get("text"), "yes", "the keyword is heard")
    t.ok(isinstance(r.get("decode_ms"), int) and r["decode_ms"] >= 0, "decode_ms", r)
    later = speech("later", "call me later")
    r = one_json(run("asr", later, "--keywords=yes,no,call me later"), "asr phrase")
    t.eq(r.get("text"), "call me later", "a phrase keyword is heard")
    # a keyword PocketSphinx cannot know is skipped, with a warning
    p = run("asr", yes, "--keywords", "да,нет")
    t.eq(p.returncode, 0, "Cyrillic keywords: exit 0")
    t.eq(one_json(p, "asr ru").get("text"), "", "nothing found")
    t.ok("http engine" in p.stderr, "the warning points to the http engine", p.stderr)
    # no keywords: free recognition of the whole utterance
    p = run("asr", yes)
    t.eq(p.returncode, 0, "free recognition exits 0")
    t.ok(isinstance(one_json(p, "asr free").get("text"), str), "free recognition gives a text")


def dtmf():
    p = run("dtmf", dtmf_wav("keys.wav", "123#"))
    t.eq(p.returncode, 0, "dtmf exits 0")
    t.eq(one_json(p, "dtmf"), {"digits": "123#"}, "the four keys")
    r = one_json(run("dtmf", dtmf_wav("all.wav", "0123456789*#ABCD", rate_hz=16000)), "dtmf 16k")
    t.eq(r.get("digits"), "0123456789*#ABCD", "every key, from a 16 kHz file")
    r = one_json(run("dtmf", speech("talk", "Seven, eight, nine. Hello, who is this?")), "talk-off")
    t.eq(r.get("digits"), "", "no digit in speech")


class Recognizer(http.server.BaseHTTPRequestHandler):
    """Answers each POST with the next canned (status, body); records what it
    got. While `hold` is clear it keeps the request waiting (a stuck
    recognizer)."""
    answers = []
    got = []
    hold = threading.Event()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        Recognizer.got.append((self.path, dict(self.headers), body))
        Recognizer.hold.wait(30)
        status, payload = Recognizer.answers.pop(0) if Recognizer.answers else (500, b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def http_engine():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recognizer)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    url = "http://127.0.0.1:%d/recognize?lang=ru" % srv.server_address[1]
    Recognizer.hold.set()
    try:
        yes = speech("yes_http", "yes")
        Recognizer.answers[:] = [(200, json.dumps({"text": "да, конечно", "conf": 0.9}).encode())]
        p = run("asr", yes, "--engine", "http", "--url", url, "--keywords", "да,нет спасибо")
        t.eq(p.returncode, 0, "http engine exits 0")
        t.eq(one_json(p, "asr http").get("text"), "да, конечно", "the server's text, as UTF-8")
        path, hdrs, body = Recognizer.got[-1]
        t.eq(path, "/recognize?lang=ru", "POSTed to the URL as given")
        t.eq(hdrs.get("Content-Type"), "audio/wav", "Content-Type audio/wav")
        kws = [urllib.parse.unquote(k) for k in hdrs.get("X-Voxdial-Keywords", "").split(",")]
        t.eq(kws, ["да", "нет спасибо"], "keywords header, percent-encoded UTF-8")
        t.eq(body[:4] + body[8:16], b"RIFFWAVEfmt ", "a WAV body")
        ch, rate, bits = struct.unpack("<HI6xH", body[22:36])
        t.eq((ch, rate, bits), (1, 8000, 16), "8 kHz mono 16-bit")
        t.eq(len(body) - 44, struct.unpack("<I", body[40:44])[0], "data size matches")

        Recognizer.answers[:] = [(500, b"{}")]
        p = run("asr", yes, "--engine", "http", "--url", url)
        t.eq(p.returncode, 1, "a 500 answer exits 1")
        t.ok("status=500" in p.stderr, "stderr says the status", p.stderr)
        t.ok("X-Voxdial-Keywords" not in Recognizer.got[-1][1], "no keywords, no header")
        Recognizer.answers[:] = [(200, b'{"result": []}')]
        p = run("asr", yes, "--engine", "http", "--url", url)
        t.eq(p.returncode, 1, "an answer without text exits 1")
        Recognizer.answers[:] = [(200, b"not json")]
        t.eq(run("asr", yes, "--engine", "http", "--url", url).returncode, 1, "non-JSON exits 1")
        # a recognizer that does not answer in time
        Recognizer.hold.clear()
        Recognizer.answers[:] = [(200, b'{"text": "late"}')]
        p = run("asr", yes, "--engine", "http", "--url", url, "--timeout-ms", "300")
        Recognizer.hold.set()
        t.eq(p.returncode, 1, "a timeout exits 1")
        t.ok("timed out" in p.stderr, "stderr says it timed out", p.stderr)
        t.eq(run("asr", yes, "--timeout-ms", "0").returncode, 2, "--timeout-ms 0 is a usage error")
    finally:
        Recognizer.hold.set()
        srv.shutdown()
        srv.server_close()
    # nothing listens there any more
    t.eq(run("asr", yes, "--engine", "http", "--url", url).returncode, 1, "connection refused exits 1")


def errors():
    t.eq(run("asr").returncode, 2, "asr without a file is a usage error")
    t.eq(run("dtmf").returncode, 2, "dtmf without a file is a usage error")
    yes = os.path.join(t.tmp, "yes.wav")
    t.eq(run("asr", yes, "--engine", "http").returncode, 2, "http without --url")
    t.eq(run("asr", yes, "--engine", "vosk").returncode, 2, "unknown engine")
    p = run("asr", os.path.join(t.tmp, "missing.wav"))
    t.eq(p.returncode, 1, "a missing file exits 1")
    t.ok("missing.wav" in p.stderr, "stderr names the file", p.stderr)
    p = run("asr", yes, "--model-dir", "/nonexistent")
    t.eq(p.returncode, 1, "a missing model exits 1")


t.case(pocketsphinx)
t.case(dtmf)
t.case(http_engine)
t.case(errors)
t.done()
