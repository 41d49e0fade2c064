# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for the integration tests: the real voxdial binary on a real
SQLite file, spoken to over HTTP. Standard library only (python3, no pip).

A test script looks like a transcript:

    import vdtest
    t = vdtest.Run(__file__)
    srv = t.server()
    a = srv.account("Acme")                  # an API client for a new account
    st, body, hdrs = a.post("/api/v1/trunks", {"name": "t1", "host": "sip.example"})
    t.eq(st, 201, "trunk created")
    ...
    t.done()                                 # stops servers, prints "N passed, M failed", exits

Environment (set by ctest): VOXDIAL_BIN the binary, VD_SOURCE_DIR the repo.
Rules (STYLE.md, Tests): port 0 only, never sleep() to wait for something:
poll for the condition with a deadline.
"""

import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import wave

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer",
                   "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer")


def binary():
    b = os.environ.get("VOXDIAL_BIN")
    if not b:
        src = os.environ.get("VD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
        b = os.path.join(src, "build-api", "voxdial")
    return b


def poll(cond, timeout_s=10.0, what="condition"):
    """Calls cond() until it returns a true value or the deadline passes;
    returns that value or raises TimeoutError."""
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout_s, what))
        time.sleep(delay)          # a poll interval, not a wait for an event
        delay = min(delay * 2, 0.1)


class HTTPError(Exception):
    pass


class Client:
    """A tiny JSON HTTP client over one keep-alive connection. Every call
    returns (status, body, headers): body is the parsed JSON for a JSON
    answer, else bytes; headers is a dict of lower-cased names (Set-Cookie
    values joined with "\\n")."""

    def __init__(self, base, token=None, cookie=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.cookie = cookie
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, raw=None, headers=None, query=None,
                auth=True):
        if query:
            path = path + ("&" if "?" in path else "?") + urllib.parse.urlencode(query)
        h = {}
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if auth and self.token:
            h["Authorization"] = "Bearer " + self.token
        if auth and self.cookie:
            h["Cookie"] = self.cookie
        if headers:
            h.update(headers)
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected,
                    http.client.BadStatusLine, BrokenPipeError):
                # the server may close an idle keep-alive connection: retry once
                self.close()
                if attempt == 2:
                    raise
        hdrs = {}
        for k, v in resp.getheaders():
            k = k.lower()
            hdrs[k] = hdrs[k] + "\n" + v if k in hdrs else v
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        ctype = hdrs.get("content-type", "")
        out = payload
        if "json" in ctype and payload:
            try:
                out = json.loads(payload)
            except ValueError:
                out = payload
        return resp.status, out, hdrs

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- shorthands that must succeed --
    def must(self, want, method, path, body=None, **kw):
        st, b, h = self.request(method, path, body=body, **kw)
        if st != want:
            raise HTTPError("%s %s: want %d, got %d %r" % (method, path, want, st, b))
        return b

    def create(self, path, body):
        return self.must(201, "POST", path, body)


class Server:
    """`voxdial serve` on a temporary directory and a free port."""

    def __init__(self, run, workdir):
        self.run = run
        self.dir = workdir
        self.db = os.path.join(workdir, "voxdial.db")
        self.data = os.path.join(workdir, "data")
        self.errlog = os.path.join(workdir, "serve.stderr")
        self.proc = None
        self.base = None
        self.clients = []
        self.naccounts = 0

    def cli(self, *args, check=True):
        p = subprocess.run([binary(), *args], capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError("voxdial %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
        self.run.scan_sanitizer(p.stderr, "voxdial " + " ".join(args[:2]))
        return p

    def create_account(self, name, email=None, password="secret123"):
        """Creates an account with the CLI; returns (token, email, password)."""
        self.naccounts += 1
        email = email or "admin%d@%s.example" % (self.naccounts, re.sub(r"\W", "", name).lower() or "x")
        p = self.cli("account", "create", "--db", self.db, "--name", name, "--email", email,
                     "--password", password)
        token = p.stdout.strip()
        if not token or "\n" in token:
            raise RuntimeError("account create printed %r" % p.stdout)
        return token, email, password

    def account(self, name, **kw):
        """A Client authenticated as the admin of a new account; its
        .email/.password attributes allow logging in."""
        token, email, password = self.create_account(name, **kw)
        c = self.client(token)
        c.email, c.password = email, password
        return c

    def client(self, token=None, cookie=None):
        c = Client(self.base, token=token, cookie=cookie)
        self.clients.append(c)
        return c

    def start(self, timeout_s=20.0):
        os.makedirs(self.data, exist_ok=True)
        # Migrate up front so accounts can be created before or after serve.
        self.cli("migrate", "--db", self.db)
        self.err = open(self.errlog, "wb")
        self.proc = subprocess.Popen(
            [binary(), "serve", "--db", self.db, "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0",
             "--data", self.data],
            stdout=subprocess.DEVNULL, stderr=self.err, cwd=self.dir)

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError("voxdial serve exited with %d:\n%s" % (self.proc.returncode, self.stderr()))
            m = re.search(r"listening http=http://([0-9.]+):(\d+)", self.stderr())
            return m and "http://%s:%s" % (m.group(1), m.group(2))
        self.base = poll(listening, timeout_s, "the 'listening http=' log line")
        probe = Client(self.base)

        def healthy():
            try:
                st, _, _ = probe.get("/healthz", auth=False)
                return st == 200
            except OSError:
                probe.close()
                return False
        poll(healthy, timeout_s, "/healthz to answer 200")
        probe.close()
        return self

    def stderr(self):
        try:
            with open(self.errlog, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout_s=30.0):
        """SIGTERM, wait; returns the exit code (and records checks on it)."""
        for c in self.clients:
            c.close()
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            self.run.fail("server stops within %.0f s of SIGTERM" % timeout_s)
        self.err.close()
        self.proc = None
        self.run.eq(rc, 0, "server exits 0 on SIGTERM")
        self.run.scan_sanitizer(self.stderr(), "voxdial serve")
        return rc


class Run:
    """Counts checks, runs cases, owns servers and the temp directory."""

    def __init__(self, name):
        self.name = os.path.basename(name)
        self.passed = 0
        self.failed = 0
        self.tmp = tempfile.mkdtemp(prefix="vdtest-")
        self.servers = []
        self.case_name = ""
        self.verbose = os.environ.get("VDTEST_VERBOSE", "1") != "0"

    # -- checks --
    def ok(self, cond, what, detail=None):
        if cond:
            self.passed += 1
            if self.verbose:
                print("ok   %s%s" % (self._pfx(), what))
        else:
            self.failed += 1
            print("FAIL %s%s%s" % (self._pfx(), what, (": " + str(detail)) if detail is not None else ""))
        sys.stdout.flush()
        return bool(cond)

    def fail(self, what, detail=None):
        return self.ok(False, what, detail)

    def eq(self, got, want, what):
        return self.ok(got == want, what, None if got == want else "got %r, want %r" % (got, want))

    def status(self, resp, want, what):
        """Checks an HTTP answer's status; prints the body on failure."""
        st, body = resp[0], resp[1]
        return self.ok(st == want, "%s -> %d" % (what, want),
                       None if st == want else "got %d %s" % (st, _short(body)))

    def error(self, resp, want_status, what, field=None, field_prefix=None, message_has=None):
        """Checks an error answer: status, the {"error":{...}} shape, and the
        field it names."""
        st, body = resp[0], resp[1]
        good = st == want_status
        err = body.get("error") if isinstance(body, dict) else None
        detail = []
        if not good:
            detail.append("status %d" % st)
        if not isinstance(err, dict) or not isinstance(err.get("message"), str) or not err.get("code"):
            good = False
            detail.append("no error object")
            err = {}
        if field is not None and err.get("field") != field:
            good = False
            detail.append("field %r != %r" % (err.get("field"), field))
        if field_prefix is not None and not str(err.get("field") or "").startswith(field_prefix):
            good = False
            detail.append("field %r does not start with %r" % (err.get("field"), field_prefix))
        if message_has is not None and message_has not in str(err.get("message", "")):
            good = False
            detail.append("message %r lacks %r" % (err.get("message"), message_has))
        label = "%s -> %d" % (what, want_status)
        if field:
            label += " field=%s" % field
        return self.ok(good, label, None if good else "; ".join(detail) + " in " + _short(body))

    def run_cli(self, *args, timeout=120):
        """Runs `voxdial ARGS...` to completion; its stderr is scanned for
        sanitizer reports. Returns the CompletedProcess (text mode)."""
        p = subprocess.run([binary()] + list(args), capture_output=True, text=True, timeout=timeout)
        self.scan_sanitizer(p.stderr, " ".join(args[:1]))
        return p

    def one_json(self, p, what):
        """The single JSON line a CLI command printed (checked), or {}."""
        lines = p.stdout.strip().split("\n")
        self.eq(len(lines), 1, what + ": one line")
        try:
            return json.loads(lines[0])
        except ValueError:
            self.fail(what + ": JSON", p.stdout + p.stderr)
            return {}

    def scan_sanitizer(self, text, who):
        hits = [m for m in SANITIZER_MARKS if m in text]
        if hits:
            i = min(text.find(m) for m in hits)
            self.fail("%s: no sanitizer report" % who, text[max(0, i - 200):i + 3000])

    def _pfx(self):
        return "[%s] " % self.case_name if self.case_name else ""

    # -- servers and cases --
    def server(self):
        d = tempfile.mkdtemp(prefix="srv", dir=self.tmp)
        s = Server(self, d).start()
        self.servers.append(s)
        return s

    def case(self, fn, *args, name=None):
        """Runs one case; an exception counts as one failed check."""
        self.case_name = name or fn.__name__
        try:
            fn(*args)
        except Exception:
            self.fail("case raised", traceback.format_exc())
        self.case_name = ""

    def done(self):
        for s in self.servers:
            if s.proc:
                s.stop()
        keep = self.failed and os.environ.get("VDTEST_KEEP")
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("kept %s" % self.tmp)
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.stdout.flush()
        sys.exit(0 if self.failed == 0 else 1)


def _short(body, n=400):
    s = json.dumps(body) if isinstance(body, (dict, list)) else repr(body)
    return s if len(s) <= n else s[:n] + "..."


# -- test data --

def wav_bytes(rate_hz=44100, channels=2, seconds=1.0, freq_hz=440.0, sampwidth=2):
    """A PCM WAV of a sine tone (generated, like the DSP tests do)."""
    import math
    n = int(rate_hz * seconds)
    frames = bytearray()
    amp = 0.3 * (2 ** (8 * sampwidth - 1) - 1)
    for i in range(n):
        v = int(amp * math.sin(2 * math.pi * freq_hz * i / rate_hz))
        frames += v.to_bytes(sampwidth, "little", signed=True) * channels
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sampwidth)
        w.setframerate(rate_hz)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def wav_info(data):
    """(rate_hz, channels, sampwidth, nframes) of WAV bytes."""
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
