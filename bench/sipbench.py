# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared by bench/cps and bench/concurrent (docs/internals/benchmarks.md):
SIPp without message tracing (the tests' sipp.Sipp traces every message,
which would be most of the work at 1,000 calls/s), the real `voxdial serve`
set up through its API with one trunk and N tasks, and /proc readings of a
process's CPU time and RSS. Standard library only; loopback, free ports.
Every process started here is stopped by its owner in a finally block."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("VD_SOURCE_DIR", ROOT)
os.environ.setdefault("VDTEST_VERBOSE", "0")

import sipp     # noqa: E402  free ports, poll
import vdtest   # noqa: E402  voxdial serve + JSON client

HOST = sipp.HOST
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Sipp:
    """One SIPp process. scenario: a tests/sipp/ file name, or None with
    sn="uac" for SIPp's built-in caller. Logs (<log> lines) only when the
    scenario has them and log=True."""

    def __init__(self, workdir, name, scenario=None, sn=None, args=(), remote=None, log=True, media_key=None,
                 keys=None):
        self.workdir = workdir
        self.port = sipp.free_udp_port()
        self.media_port = sipp.free_media_base()
        self.log_file = os.path.join(workdir, name + ".log")
        self.screen_file = os.path.join(workdir, name + ".screen")
        cmd = [sipp.SIPP]
        cmd += ["-sf", sipp.scenario_path(scenario)] if scenario else ["-sn", sn]
        cmd += ["-i", HOST, "-p", str(self.port), "-mi", HOST, "-mp", str(self.media_port),
                "-nostdin", "-trace_err", "-error_file", os.path.join(workdir, name + ".err")]
        if log:
            cmd += ["-trace_logs", "-log_file", self.log_file]
        if media_key:   # the scenario's SDP names its own media port through a -key
            cmd += ["-key", media_key, str(self.media_port), "-key", "rtcp_port", str(self.media_port + 1)]
        for k, v in (keys or {}).items():
            cmd += ["-key", str(k), str(v)]
        cmd += [str(a) for a in args]
        if remote:
            cmd.append(remote)
        self.cmd = cmd
        self._screen = open(self.screen_file, "wb")
        self.proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL,
                                     stdout=self._screen, stderr=subprocess.STDOUT)
        if not remote:
            sipp.poll(lambda: self.proc.poll() is not None or sipp._udp_bound(self.port), 10,
                      "sipp to bind %d" % self.port)
            if self.proc.poll() is not None:
                raise RuntimeError("sipp exited at start: %s" % " ".join(cmd))

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if not self._screen.closed:
            self._screen.close()

    def events(self, event):
        """t_ms of every logged line with event=<event> (bench_uas.xml)."""
        out = []
        try:
            with open(self.log_file, errors="replace") as f:
                for line in f:
                    if ("event=%s " % event) in line:
                        for kv in line.split():
                            if kv.startswith("t_ms="):
                                out.append(int(float(kv[5:])))
        except OSError:
            pass
        return out


def steady_rate(times_ms, head_s=2.0, tail_s=1.0):
    """Events per second between head_s after the first and tail_s before
    the last event (the ramp-up and the drain left out); (rate, n, window_s)."""
    if len(times_ms) < 10:
        return 0.0, len(times_ms), 0.0
    ts = sorted(times_ms)
    lo, hi = ts[0] + head_s * 1000, ts[-1] - tail_s * 1000
    if hi <= lo:
        lo, hi = ts[0], ts[-1]
    n = sum(1 for x in ts if lo <= x < hi)
    w = (hi - lo) / 1000.0
    return (n / w if w > 0 else 0.0), n, w


def window_quantile_ms(m0, m1, q, name="voxdial_rtp_send_error_hist_seconds"):
    """The q-quantile (0..1) of the RTP send error between two /metrics
    readings, from the histogram's bucket differences: the upper edge (ms)
    of the bucket it falls in; None when nothing was sent, inf above the
    last bucket."""
    edges = sorted((float(k.split('le="')[1].rstrip('"}')), k) for k in m1
                   if k.startswith(name + "_bucket") and "+Inf" not in k)
    total = m1.get(name + "_count", 0) - m0.get(name + "_count", 0)
    if total <= 0:
        return None
    for le, k in edges:
        if (m1[k] - m0.get(k, 0)) >= q * total:
            return le * 1000
    return float("inf")


def cpu_s(pid):
    """User + system CPU seconds of a process (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def median(xs):
    xs = sorted(xs)
    if not xs:
        return 0.0
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2.0


class Voxdial:
    """`voxdial serve` (VOXDIAL_BIN) on a temp dir, one account, one trunk
    to the UAS, one dial plan, one script whose say text is `text`."""

    def __init__(self, uas_port, text, max_cps=1000, max_channels=5000):
        self.run = vdtest.Run("bench")
        self.srv = self.run.server()
        self.api = self.srv.account("Bench")
        tr = self.api.create("/api/v1/trunks", {
            "name": "uas", "host": HOST, "port": uas_port, "default_caller_id": "+74950000001",
            "max_cps": max_cps, "max_channels": max_channels})
        self.plan = self.api.create("/api/v1/dial-plans", {"name": "p", "trunk_id": tr["id"]})
        self.script = self.api.create("/api/v1/scripts", {"name": "s", "graph": {
            "start": "a", "blocks": {"a": {"type": "say", "text": text}}}})
        self.tasks = []

    @property
    def pid(self):
        return self.srv.proc.pid

    def add_task(self, nclients, cps=100, first=0):
        """A task of nclients distinct numbers (+7916 + 7 digits from first)."""
        tk = self.api.create("/api/v1/tasks", {"name": "t%d" % len(self.tasks), "script_id": self.script["id"],
                                               "dial_plan_id": self.plan["id"], "cps": cps, "ring_timeout_s": 10})
        csv = "phone\n" + "".join("+7916%07d\n" % (first + i) for i in range(nclients))
        st, body, _ = self.api.post("/api/v1/tasks/%d/clients" % tk["id"], raw=csv.encode(),
                                    headers={"Content-Type": "text/csv"})
        if st != 200 or body.get("imported") != nclients:
            raise RuntimeError("client upload: %d %r" % (st, body))
        self.tasks.append(tk["id"])
        return tk["id"]

    def start_tasks(self):
        for tid in self.tasks:
            self.api.must(200, "POST", "/api/v1/tasks/%d/start" % tid)

    def all_done(self):
        return all(self.api.must(200, "GET", "/api/v1/tasks/%d" % tid)["status"] == "completed"
                   for tid in self.tasks)

    def metrics(self):
        st, body, _ = self.api.request("GET", "/metrics", auth=False)
        text = body if isinstance(body, str) else (body.decode() if isinstance(body, bytes) else str(body))
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                k, _, v = line.rpartition(" ")
                out[k] = float(v)
        return out

    def placed(self):
        """Call rows written so far (every attempt, in flight or ended)."""
        con = sqlite3.connect("file:%s?mode=ro" % self.srv.db, uri=True, timeout=30)
        try:
            return con.execute("SELECT count(*) FROM calls").fetchone()[0]
        finally:
            con.close()

    def calls(self):
        """(started_ms, answered_ms, ended_ms, outcome) of every call row."""
        con = sqlite3.connect("file:%s?mode=ro" % self.srv.db, uri=True, timeout=30)
        try:
            return con.execute("SELECT started_ms, answered_ms, ended_ms, outcome FROM calls").fetchall()
        finally:
            con.close()

    def outcomes(self):
        """{"outcome/result": count} over every call row."""
        con = sqlite3.connect("file:%s?mode=ro" % self.srv.db, uri=True, timeout=30)
        try:
            return {"%s/%s" % (o, r or "-"): n for o, r, n in con.execute(
                "SELECT outcome, result, count(*) FROM calls GROUP BY 1, 2 ORDER BY 3 DESC")}
        finally:
            con.close()

    def stop(self):
        try:
            if self.srv.proc:
                self.srv.stop(timeout_s=60)
        finally:
            import shutil
            shutil.rmtree(self.run.tmp, ignore_errors=True)
