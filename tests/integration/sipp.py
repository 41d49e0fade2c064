# SPDX-License-Identifier: AGPL-3.0-or-later
"""SIPp as a far end for the telephony tests. Standard library only.

Scenarios live in tests/sipp/ (carrier.xml, auth.xml, proxy-auth.xml,
pbx.xml, uac_probe.xml, uac_cancel.xml); docs/internals/sipp-carrier.md
describes them. A test looks like this:

    import sipp
    with sipp.Sipp("carrier.xml") as carrier:         # UAS on a free port
        ... dial sip:79161234561@127.0.0.1:<carrier.port> ...
        ev = carrier.wait_event(event="invite", ruri="79161234561")
        assert ev["from"] == "74951234567"              # the caller ID we sent
        msgs = carrier.sip_messages()                   # what went over the wire
        inv = [m for m in msgs if m.received and m.method == "INVITE"][0]
        assert inv.header("From").startswith('"Acme" <sip:74951234567@')
    # leaving the block stops SIPp (SIGTERM) and keeps its files for reading

    # SIPp as the caller: run to completion, then read its trace
    uac = sipp.Sipp("uac_probe.xml", remote="127.0.0.1:%d" % carrier.port,
                    service="79161234561", calls=1,
                    keys={"caller": "74951234567", "rtp_port": sink.port})
    rc = uac.wait(15)
    codes = uac.final_codes()                           # [486]

Sipp(scenario, ...) starts `sipp` at once, in the foreground as a child
process, bound to 127.0.0.1 on a free UDP port (.port) with a free media
port block (.media_port: four consecutive free ports, so a second SIPp
never lands on port+2, which SIPp also binds). Its working directory
(.workdir, a temp dir unless given) holds speech.ul (8 kHz mu-law speech,
made with espeak-ng + sox; carrier.xml and pbx.xml stream it with
rtp_stream, which does not expand -key values and is resolved against the
working directory), the message trace (-trace_msg), the <log> lines
(-trace_logs), the error log (-trace_err) and SIPp's screen output.

    Sipp(scenario, *, remote=None, service=None, calls=None, keys=None,
         auth=None, duration_ms=None, args=(), workdir=None, speech=True,
         name=None, ready_timeout=10.0)
      .port .media_port .workdir .proc .log_file .message_file .error_file
      .calls(**match)            parsed <log> lines: one dict per line,
                                 {"kind": "CALL", "t_ms": "12", "event":
                                 "invite", ...}; keyword arguments filter
      .wait_for(pred, timeout)   polls pred(self.calls()) until truthy
      .wait_event(timeout=10, **match)   the first log line matching
      .messages()                the raw -trace_msg text
      .sip_messages()            that text parsed: [SipMessage]
      .final_codes()             codes of final INVITE answers received
      .errors()                  the -trace_err text ("" if none)
      .wait(timeout)             waits for exit (callers with calls=N)
      .stop(timeout=5)           SIGTERM (SIPp flushes and closes its
                                 files), SIGKILL if it lingers
    RtpSink()                    a UDP socket on a free port collecting
                                 RTP: .port .packets [(t, bytes)]
                                 .payload(pt) .close()
    speech_file(dir)             writes dir/speech.ul, returns its path
    digest_response(user, password, realm, nonce, uri, method="INVITE")
    free_udp_port() / free_media_base()

Stopping: SIGTERM and SIGINT make SIPp 3.6.1 exit at once through
sipp_exit(), which closes (flushes) every trace file; the log files are
fflush()ed after every line anyway, so polling them while SIPp runs works.
SIGUSR1 is a *soft* stop (no new calls, wait for the open ones: a carrier
call that waits 60 s for a BYE keeps it alive); a second SIGUSR1 aborts
the calls and exits.

Run as a program it starts a scenario by hand (make demo):

    python3 tests/integration/sipp.py carrier.xml --port 5070 [--mp 16000]

runs in the foreground until Ctrl-C and prints where its logs are.

Rules (STYLE.md, Tests): 127.0.0.1 only, free ports only, poll with a
deadline; always stop what you start (use `with` or try/finally).
"""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SIPP = os.environ.get("SIPP_BIN", "sipp")
HOST = "127.0.0.1"
SPEECH_TEXT = ("Hello, this is the voxdial test carrier. "
               "One two three four five. Please stay on the line.")


def source_dir():
    return os.environ.get("VD_SOURCE_DIR",
                          os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def scenario_path(name):
    """A bare name ("carrier.xml") means tests/sipp/<name>."""
    if os.sep in name or os.path.isabs(name):
        return os.path.abspath(name)
    return os.path.join(source_dir(), "tests", "sipp", name)


from vdtest import poll  # noqa: E402,F401  (one poll for both harnesses; sipp.poll is public)


# ---------------------------------------------------------------- ports

_lock = threading.Lock()
_handed_out = set()            # ports given to a SIPp of this process


def _bindable(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((HOST, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _ephemeral():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def free_udp_port():
    """A UDP port on 127.0.0.1 that was free a moment ago and was not
    handed out before by this process."""
    with _lock:
        for _ in range(200):
            p = _ephemeral()
            if p not in _handed_out and _bindable(p):
                _handed_out.add(p)
                return p
    raise OSError("no free UDP port")


def free_media_base():
    """An even port P with P..P+3 free: SIPp binds -mp and -mp+2 (and the
    RTCP neighbours), so two SIPps need media bases at least 4 apart."""
    with _lock:
        for _ in range(200):
            p = _ephemeral() & ~1
            block = range(p, p + 4)
            if p < 1024 or p + 3 > 65535 or any(q in _handed_out for q in block):
                continue
            if all(_bindable(q) for q in block):
                _handed_out.update(block)
                return p
    raise OSError("no free media port block")


def _udp_bound(port, table="/proc/net/udp"):
    """True when some socket is bound to 127.0.0.1:port or *:port (reads
    /proc/net/udp, or /proc/net/tcp for SIPp's TCP mode, so it never races
    SIPp for the port)."""
    want = (":%04X" % port)
    try:
        with open(table) as f:
            for line in f.readlines()[1:]:
                local = line.split()[1]
                if local.endswith(want) and local[:8] in ("0100007F", "00000000"):
                    return True
    except OSError:
        return False
    return False


# ---------------------------------------------------------------- audio

def speech_file(directory, text=SPEECH_TEXT, name="speech.ul"):
    """Writes directory/name: raw headerless 8 kHz mono mu-law speech
    (espeak-ng, then sox), the format rtp_stream sends with payload 0."""
    os.makedirs(directory, exist_ok=True)
    out = os.path.join(directory, name)
    wav = out + ".wav"
    subprocess.run(["espeak-ng", "-w", wav, text], check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    subprocess.run(["sox", wav, "-r", "8000", "-c", "1", "-t", "ul", out], check=True,
                   timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.unlink(wav)
    return out


_speech_cache = {}


@atexit.register
def _drop_speech_cache():
    d = _speech_cache.pop("dir", None)
    if d:
        shutil.rmtree(d, ignore_errors=True)


def _cached_speech():
    d = _speech_cache.get("dir")
    if not d or not os.path.exists(os.path.join(d, "speech.ul")):
        d = tempfile.mkdtemp(prefix="vd-speech-")
        speech_file(d)
        _speech_cache["dir"] = d
    return os.path.join(d, "speech.ul")


class RtpSink:
    """Collects the RTP sent to .port (127.0.0.1) in a background thread:
    .packets is a list of (time.time(), datagram)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.packets = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                d, _ = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            self.packets.append((time.time(), d))

    def rtp(self):
        """[(t, payload_type, seq, timestamp, ssrc, payload)] of valid RTP v2."""
        out = []
        for t, d in list(self.packets):
            if len(d) < 12 or d[0] >> 6 != 2:
                continue
            cc = d[0] & 0x0F
            out.append((t, d[1] & 0x7F, int.from_bytes(d[2:4], "big"),
                        int.from_bytes(d[4:8], "big"), int.from_bytes(d[8:12], "big"),
                        d[12 + 4 * cc:]))
        return out

    def payload(self, pt=0):
        """The payloads of type pt concatenated in arrival order."""
        return b"".join(p[5] for p in self.rtp() if p[1] == pt)

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- messages

_SEP = re.compile(r"^-{20,}(?: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+))?\s*$", re.M)


class SipMessage:
    """One SIP message from a -trace_msg file."""

    def __init__(self, direction, when, text):
        self.direction = direction          # "sent" | "received" | "unexpected"
        self.time = when                    # epoch seconds (float) or None
        self.text = text
        head, _, self.body = text.partition("\n\n")
        lines = [l.rstrip("\r") for l in head.split("\n")]
        self.start = lines[0] if lines else ""
        self.headers = []
        for l in lines[1:]:
            if l[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + l.strip())
            elif ":" in l:
                n, v = l.split(":", 1)
                self.headers.append((n.strip(), v.strip()))
        self.is_response = self.start.startswith("SIP/2.0 ")
        self.code = int(self.start.split()[1]) if self.is_response else None
        self.method = None if self.is_response else self.start.split(" ", 1)[0]
        self.uri = None if self.is_response else (self.start.split() + ["", ""])[1]
        cseq = self.header("CSeq") or ""
        self.cseq_method = cseq.split()[-1] if cseq.split() else None

    @property
    def sent(self):
        return self.direction == "sent"

    @property
    def received(self):
        return self.direction == "received"

    def header(self, name):
        """The first value of a header (case-insensitive), or None."""
        vals = self.header_all(name)
        return vals[0] if vals else None

    def header_all(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def __repr__(self):
        return "<SipMessage %s %r>" % (self.direction, self.start)


def parse_messages(text):
    out = []
    parts = _SEP.split(text)
    # parts: [pre, stamp1, block1, stamp2, block2, ...]
    for i in range(1, len(parts) - 1, 2):
        stamp, block = parts[i], parts[i + 1]
        block = block.lstrip("\n")
        first, _, rest = block.partition("\n")
        if "message sent" in first:
            direction = "sent"
        elif "Unexpected" in first:
            direction = "unexpected"
        elif "message received" in first:
            direction = "received"
        else:
            continue
        when = None
        if stamp:
            try:
                sec, frac = stamp.split(".")
                when = time.mktime(time.strptime(sec, "%Y-%m-%d %H:%M:%S")) + float("0." + frac)
            except ValueError:
                when = None
        msg = rest.lstrip("\n").rstrip("\n")
        msg = msg.replace("\r\n", "\n")
        if msg:
            out.append(SipMessage(direction, when, msg))
    return out


def digest_response(user, password, realm, nonce, uri, method="INVITE"):
    """RFC 2617 MD5 digest response without qop, as the caller must send it
    (checks proxy-auth.xml's logged parameters, which SIPp cannot verify)."""
    import hashlib

    def h(x):
        return hashlib.md5(x.encode()).hexdigest()
    return h("%s:%s:%s" % (h("%s:%s:%s" % (user, realm, password)), nonce,
                           h("%s:%s" % (method, uri))))


def parse_log_line(line):
    """'CALL t_ms=1 event=invite ruri=...' -> {"kind": "CALL", "t_ms": "1", ...}"""
    toks = line.split()
    if not toks or "=" in toks[0]:
        return None
    d = {"kind": toks[0]}
    for t in toks[1:]:
        k, eq, v = t.partition("=")
        if eq:
            d[k] = v
    return d


# ---------------------------------------------------------------- SIPp

class Sipp:
    def __init__(self, scenario, *, remote=None, service=None, calls=None, keys=None,
                 auth=None, duration_ms=None, args=(), workdir=None, speech=True,
                 name=None, ready_timeout=10.0):
        self.scenario = scenario_path(scenario)
        self.name = name or os.path.splitext(os.path.basename(self.scenario))[0]
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="vd-sipp-%s-" % self.name)
        os.makedirs(self.workdir, exist_ok=True)
        if speech:
            dst = os.path.join(self.workdir, "speech.ul")
            if not os.path.exists(dst):
                shutil.copyfile(_cached_speech(), dst)
        self.port = free_udp_port()
        self.media_port = free_media_base()
        self.log_file = os.path.join(self.workdir, self.name + ".log")
        self.message_file = os.path.join(self.workdir, self.name + ".msg")
        self.error_file = os.path.join(self.workdir, self.name + ".err")
        self.screen_file = os.path.join(self.workdir, self.name + ".screen")
        cmd = [SIPP, "-sf", self.scenario, "-i", HOST, "-p", str(self.port),
               "-mi", HOST, "-mp", str(self.media_port), "-nostdin",
               "-trace_msg", "-message_file", self.message_file,
               "-trace_logs", "-log_file", self.log_file,
               "-trace_err", "-error_file", self.error_file]
        if service is not None:
            cmd += ["-s", str(service)]
        if calls is not None:
            cmd += ["-m", str(calls)]
        if duration_ms is not None:
            cmd += ["-d", str(int(duration_ms))]
        if auth is not None:
            cmd += ["-au", auth[0], "-ap", auth[1]]
        for k, v in (keys or {}).items():
            cmd += ["-key", str(k), str(v)]
        cmd += [str(a) for a in args]
        if remote is not None:
            cmd.append(remote)
        self.cmd = cmd
        self._screen = open(self.screen_file, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=self._screen, stderr=subprocess.STDOUT)
        self.returncode = None
        try:
            table = "/proc/net/tcp" if "t1" in [str(a) for a in args] else "/proc/net/udp"
            poll(lambda: self.proc.poll() is not None or _udp_bound(self.port, table),
                 ready_timeout, "sipp to bind %d" % self.port)
        except Exception:
            self.stop()
            raise
        if self.proc.poll() is not None and remote is None:
            self.returncode = self.proc.returncode
            raise RuntimeError("sipp exited at start (rc %s): %s\n%s" % (
                self.proc.returncode, " ".join(cmd), self.screen()[-3000:]))

    # -- lifecycle --
    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout=30.0):
        """Waits for SIPp to exit on its own (-m calls done); returns its exit
        code (0 all calls succeeded, 1 some failed). Kills it on timeout."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise TimeoutError("sipp %s still running after %.1f s" % (self.name, timeout))
        self._screen.close()
        return self.returncode

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.returncode = self.proc.returncode
        if not self._screen.closed:
            self._screen.close()
        return self.returncode

    def cleanup(self):
        """stop() and remove the working directory if we made it."""
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- reading what it saw --
    @staticmethod
    def _read(path):
        try:
            with open(path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def messages(self):
        return self._read(self.message_file)

    def sip_messages(self):
        return parse_messages(self.messages())

    def errors(self):
        return self._read(self.error_file)

    def screen(self):
        return self._read(self.screen_file)

    def log_lines(self):
        return [l for l in self._read(self.log_file).split("\n") if l.strip()]

    def calls(self, **match):
        out = []
        for line in self.log_lines():
            d = parse_log_line(line)
            if d and all(d.get(k) == str(v) for k, v in match.items()):
                out.append(d)
        return out

    def wait_for(self, predicate, timeout=10.0, what=None):
        """Polls predicate(self.calls()) until it is true; returns its value."""
        return poll(lambda: predicate(self.calls()), timeout,
                    what or "%s log condition" % self.name)

    def wait_event(self, timeout=10.0, **match):
        found = self.wait_for(lambda evs: [e for e in evs if all(
            e.get(k) == str(v) for k, v in match.items())], timeout,
            "%s log line %r" % (self.name, match))
        return found[0]

    def final_codes(self, method="INVITE"):
        """Codes of the final (>= 200) responses to `method` this SIPp
        received, in order (retransmissions included once per arrival)."""
        return [m.code for m in self.sip_messages()
                if m.received and m.is_response and m.code >= 200 and m.cseq_method == method]


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Run a tests/sipp scenario in the foreground.")
    ap.add_argument("scenario")
    ap.add_argument("--port", type=int, default=5070)
    ap.add_argument("--mp", type=int, default=16000, help="media port (also binds +2)")
    ap.add_argument("--dir", default=None, help="working directory (default: a temp dir)")
    ap.add_argument("--key", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("extra", nargs="*", help="more sipp arguments after --")
    a = ap.parse_args(argv)
    d = a.dir or tempfile.mkdtemp(prefix="vd-sipp-")
    os.makedirs(d, exist_ok=True)
    speech_file(d)
    name = os.path.splitext(os.path.basename(a.scenario))[0]
    cmd = [SIPP, "-sf", scenario_path(a.scenario), "-i", HOST, "-p", str(a.port),
           "-mi", HOST, "-mp", str(a.mp), "-nostdin",
           "-trace_msg", "-message_file", os.path.join(d, name + ".msg"),
           "-trace_logs", "-log_file", os.path.join(d, name + ".log"),
           "-trace_err", "-error_file", os.path.join(d, name + ".err")]
    for k, v in a.key:
        cmd += ["-key", k, v]
    cmd += a.extra
    print("sipp: %s on %s:%d, logs in %s" % (name, HOST, a.port, d), file=sys.stderr)
    p = subprocess.Popen(cmd, cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, lambda *_: p.send_signal(signal.SIGTERM))
    try:
        return p.wait()
    except KeyboardInterrupt:
        p.send_signal(signal.SIGTERM)
        return p.wait(10)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
