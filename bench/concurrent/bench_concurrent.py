#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""bench/concurrent: N answered calls held at once, RTP both ways (voxdial
plays a long prompt, SIPp's -rtp_echo sends every packet back) and every
call recorded to a WAV. The calls are placed by tasks of 100 calls/s
against tests/sipp/bench_uas.xml; once all N are up, voxdial's CPU (from
/proc/PID/stat) and RSS are read over a steady window, and the RTP send
error p50/p99 from GET /metrics (over every packet since the start, the
ramp-up included). docs/internals/benchmarks.md explains the figures.

    bench/concurrent/bench_concurrent.py --bin build/voxdial [--calls 500,1000,2000]
                                   [--window 10] [--runs 1]

Exit status 0 when 1,000 calls (or more) ran with a send-error p99 under
5 ms, 1 otherwise."""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import sipbench as sb  # noqa: E402

TARGET_CALLS = 1000
TARGET_P99_S = 0.005
# About a minute of speech: longer than the ramp-up plus the window, so no
# call hangs up before the measurement ends.
PROMPT = " ".join(["This is a long voxdial benchmark prompt that keeps the call busy while we measure "
                   "the media loop, one two three four five six seven eight nine ten."] * 6)


def late_pct(m0, m1, le_s):
    """Share (%) of the window's packets sent more than le_s off."""
    k = 'voxdial_rtp_send_error_hist_seconds_bucket{le="%g"}' % le_s
    c = "voxdial_rtp_send_error_hist_seconds_count"
    total = m1[c] - m0[c]
    return 100.0 * (total - (m1[k] - m0[k])) / total if total else 0.0


def run(n, window_s, tasks):
    work = tempfile.mkdtemp(prefix="vd-bench-conc-")
    uas = vd = None
    try:
        uas = sb.Sipp(work, "uas", scenario="bench_uas.xml", args=["-rtp_echo"], log=False)
        vd = sb.Voxdial(uas.port, PROMPT)
        per = (n + tasks - 1) // tasks
        for i in range(tasks):
            vd.add_task(min(per, n - i * per), first=i * 1000000)
        t_start = time.monotonic()
        vd.start_tasks()
        # All N placed: answered, or ended (a lost INVITE ends as no_response
        # after the 10 s ring timeout; the figures say how many are up).
        sb.sipp.poll(lambda: vd.placed() >= n, n / 50 + 60, "%d calls placed" % n)

        def none_ringing():   # no answered call has ended yet: active - answered = ringing
            m = vd.metrics()
            return m["voxdial_calls_active"] <= m["voxdial_calls_answered_total"]
        try:
            sb.sipp.poll(none_ringing, 30, "no call still ringing")
        except TimeoutError:
            pass   # a saturated loop: measure what is up (the active column)
        ramp_s = time.monotonic() - t_start
        time.sleep(2)     # let the last answers settle into the media loop
        m0, c0, u0, t0 = vd.metrics(), sb.cpu_s(vd.pid), sb.cpu_s(uas.proc.pid), time.monotonic()
        time.sleep(window_s)
        m1, c1, u1, t1 = vd.metrics(), sb.cpu_s(vd.pid), sb.cpu_s(uas.proc.pid), time.monotonic()
        dt = t1 - t0
        sent = (m1["voxdial_rtp_sent_total"] - m0["voxdial_rtp_sent_total"]) / dt
        recv = (m1["voxdial_rtp_received_total"] - m0["voxdial_rtp_received_total"]) / dt
        return {"n": n, "active": int(m1["voxdial_calls_active"]), "ramp_s": ramp_s,
                "cpu": (c1 - c0) / dt * 100, "sipp_cpu": (u1 - u0) / dt * 100, "rss_mb": sb.rss_mb(vd.pid),
                "sent_s": sent, "recv_pct": recv / sent * 100 if sent else 0.0,
                "w50_ms": sb.window_quantile_ms(m0, m1, 0.5), "w99_ms": sb.window_quantile_ms(m0, m1, 0.99),
                "late5_pct": late_pct(m0, m1, 0.005),
                "p50_ms": m1['voxdial_rtp_send_error_seconds{quantile="0.5"}'] * 1000,
                "p99_ms": m1['voxdial_rtp_send_error_seconds{quantile="0.99"}'] * 1000,
                "max_ms": m1.get("voxdial_rtp_send_error_max_seconds", 0) * 1000, "load": sb.loadavg()}
    finally:
        if vd:
            vd.stop()
        if uas:
            uas.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the voxdial binary (a Release build)")
    ap.add_argument("--calls", default="500,1000,2000")
    ap.add_argument("--window", type=int, default=10, help="steady window, seconds")
    ap.add_argument("--tasks", type=int, default=2, help="tasks placing the calls (100 calls/s each)")
    ap.add_argument("--runs", type=int, default=1, help="repeat each point, report the median")
    a = ap.parse_args()
    os.environ["VOXDIAL_BIN"] = os.path.abspath(a.bin)
    print("concurrent: N calls held, RTP both ways, recorded; %d s window; load %s" % (a.window, sb.loadavg()))
    print("  window: p50/p99 of the steady window (upper bucket edge), >5ms: share of its packets;")
    print("  all: p50/p99/max over every packet since the start, the ramp-up included")
    print("  %5s %6s %6s %6s %7s %9s %7s %8s %8s %6s %7s %7s %7s %5s" % (
        "calls", "active", "cpu%", "sipp%", "rss_MB", "rtp_tx/s", "rx%", "w_p50ms", "w_p99ms", ">5ms%",
        "p50_ms", "p99_ms", "max_ms", "load"))
    met = False
    for n in [int(x) for x in a.calls.split(",")]:
        rs = [run(n, a.window, a.tasks) for _ in range(a.runs)]
        for r in rs:
            print("  %5d %6d %6.1f %6.1f %7.1f %9.0f %7.2f %8.1f %8.1f %6.2f %7.2f %7.2f %7.1f %5s" % (
                r["n"], r["active"], r["cpu"], r["sipp_cpu"], r["rss_mb"], r["sent_s"], r["recv_pct"],
                r["w50_ms"], r["w99_ms"], r["late5_pct"], r["p50_ms"], r["p99_ms"], r["max_ms"], r["load"]))
        if len(rs) > 1:
            print("  %5d median: cpu %.1f%% rss %.1f MB window p99 %.1f ms, all p50 %.2f ms p99 %.2f ms" % (
                n, sb.median([r["cpu"] for r in rs]), sb.median([r["rss_mb"] for r in rs]),
                sb.median([r["w99_ms"] for r in rs]),
                sb.median([r["p50_ms"] for r in rs]), sb.median([r["p99_ms"] for r in rs])))
        # the target is the steady state: N calls up, p99 of the window
        if n >= TARGET_CALLS and sb.median([r["w99_ms"] for r in rs]) <= TARGET_P99_S * 1000 and \
                all(r["active"] >= 0.99 * n for r in rs):
            met = True
    print("concurrent: target %d calls with p99 < %.0f ms: %s" % (TARGET_CALLS, TARGET_P99_S * 1000,
                                                                 "met" if met else "MISSED"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
