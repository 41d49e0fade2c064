#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""bench/cps: call setup rate. voxdial places short calls (answer, ~1 s of
prompt, our BYE) through one trunk (max_cps 1000, max_channels 5000) to a
SIPp UAS (tests/sipp/bench_uas.xml, RTP echoed), with K tasks of 100
calls/s each (the API caps a task at 100), every attempt written to SQLite;
then SIPp itself as the caller against the same UAS at increasing -r
rates, two ways: `sipp -sn uac -d HOLD` (SIP only, no media), and
tests/sipp/bench_uac_media.xml, which places the calls voxdial places
(answer, ~1 s of G.711 RTP from a pcap written by rtp_pcap.py and sent with
play_pcap_audio, our BYE). All are measured the same way: INVITEs per
second the UAS logged in the steady window (2 s after the first INVITE to
1 s before the last). voxdial's rate is also read from its call rows
(started_ms). docs/internals/benchmarks.md explains the figures.

    bench/cps/bench_cps.py --bin build/voxdial [--tasks 4,8] [--sipp-rates 600,1200,2400,4800]
                     [--sipp-media-rates 200,400,800] [--seconds 10] [--runs 1]

Exit status 0 when voxdial sustained >= 300 calls/s with every attempt
persisted and >= 0.5x the best rate of `sipp -sn uac`, 1 otherwise (the
ratio to SIPp's media caller is printed beside it)."""

import argparse
import rtp_pcap
import os
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import sipbench as sb  # noqa: E402

TARGET_CPS = 300
TARGET_RATIO = 0.5


def good_run(r):
    """Every attempt has its row, closed, the UAS saw each INVITE, and at
    least 99% of the calls completed (answered, talked, hung up)."""
    return r["rows"] == r["calls"] == r["closed"] == r["invites"] and r["completed"] >= 0.99 * r["calls"]


def run_voxdial(ntasks, seconds, text):
    work = tempfile.mkdtemp(prefix="vd-bench-cps-")
    uas = vd = None
    try:
        uas = sb.Sipp(work, "uas", scenario="bench_uas.xml", args=["-rtp_echo"])
        vd = sb.Voxdial(uas.port, text)
        per_task = 100 * seconds
        for i in range(ntasks):
            vd.add_task(per_task, first=i * 1000000)
        cpu0, t0 = sb.cpu_s(vd.pid), time.monotonic()
        vd.start_tasks()
        sb.sipp.poll(vd.all_done, seconds * ntasks + 120, "every task to complete")
        cpu = (sb.cpu_s(vd.pid) - cpu0) / (time.monotonic() - t0) * 100
        rows = vd.calls()
        invites = uas.events("invite")
        rate_uas, _, _ = sb.steady_rate(invites)
        rate_db, _, win = sb.steady_rate([r[0] for r in rows if r[0]])
        closed = sum(1 for r in rows if r[3])
        completed = sum(1 for r in rows if r[3] == "completed")
        talk = sb.median([r[2] - r[1] for r in rows if r[1] and r[2]])
        outcomes = vd.outcomes()
        # dial to answer: the telephony thread's backlog (the UAS answers at once)
        setup = sorted(r[1] - r[0] for r in rows if r[0] and r[1])
        setup_p50 = setup[len(setup) // 2] if setup else 0
        setup_p99 = setup[len(setup) * 99 // 100] if setup else 0
        return {"offered": ntasks * 100, "calls": ntasks * per_task, "rows": len(rows), "closed": closed,
                "completed": completed, "invites": len(invites), "rate_uas": rate_uas, "rate_db": rate_db,
                "window_s": win, "talk_ms": talk, "cpu": cpu, "load": sb.loadavg(), "outcomes": outcomes,
                "setup_p50": setup_p50, "setup_p99": setup_p99}
    finally:
        if vd:
            vd.stop()
        if uas:
            uas.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_sipp(rate, seconds, hold_ms, media=False):
    """SIPp as the caller: `-sn uac -d hold_ms` (no media), or with media
    bench_uac_media.xml (its pcap, ~1 s, written into SIPp's directory)."""
    work = tempfile.mkdtemp(prefix="vd-bench-cps-sipp-")
    uas = uac = None
    n = rate * seconds
    try:
        uas = sb.Sipp(work, "uas", scenario="bench_uas.xml", args=["-rtp_echo"])
        common = ["-r", rate, "-rp", 1000, "-m", n, "-l", 100000, "-s", "79160000000"]
        if media:
            rtp_pcap.write(os.path.join(work, "bench_audio.pcap"), ms=1000)
            uac = sb.Sipp(work, "uac", scenario="bench_uac_media.xml", log=False,
                          remote="%s:%d" % (sb.HOST, uas.port), args=common)
        else:
            uac = sb.Sipp(work, "uac", sn="uac", log=False, remote="%s:%d" % (sb.HOST, uas.port),
                          args=common + ["-d", hold_ms])
        t0 = time.monotonic()
        rc = uac.wait(seconds * 4 + 60)
        took = time.monotonic() - t0
        invites, byes = uas.events("invite"), uas.events("bye_rx")
        r, _, win = sb.steady_rate(invites)
        return {"offered": rate, "calls": n, "invites": len(invites), "ok": len(byes), "rc": rc,
                "rate_uas": r, "window_s": win, "took_s": took, "load": sb.loadavg()}
    finally:
        for p in (uac, uas):
            if p:
                p.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the voxdial binary (a Release build)")
    ap.add_argument("--tasks", default="4,8", help="task counts to run (100 calls/s each)")
    ap.add_argument("--sipp-rates", default="600,1200,2400,4800", help="-r of `sipp -sn uac` (no media)")
    ap.add_argument("--sipp-media-rates", default="200,400,800",
                    help="-r of SIPp placing voxdial's calls (1 s of RTP); empty: skip")
    ap.add_argument("--seconds", type=int, default=10, help="dialing time per run")
    ap.add_argument("--hold-ms", type=int, default=1000, help="SIPp's call length (-d)")
    ap.add_argument("--text", default="Hello there.", help="the prompt: about 1 s of speech")
    ap.add_argument("--runs", type=int, default=1, help="repeat each point, report the median")
    a = ap.parse_args()
    os.environ["VOXDIAL_BIN"] = os.path.abspath(a.bin)

    print("voxdial: K tasks x 100 calls/s, %d s of dialing each, prompt %r; load %s" % (
        a.seconds, a.text, sb.loadavg()))
    best_vd = 0.0
    for k in [int(x) for x in a.tasks.split(",") if x]:
        rs = [run_voxdial(k, a.seconds, a.text) for _ in range(a.runs)]
        for r in rs:
            ok = good_run(r)
            print("  tasks=%-2d offered=%4d/s  uas=%6.1f/s db=%6.1f/s  rows=%d closed=%d completed=%d "
                  "invites=%d talk=%.0f ms answer p50/p99=%d/%d ms cpu=%.0f%% load=%s%s" % (
                      k, r["offered"], r["rate_uas"], r["rate_db"], r["rows"], r["closed"], r["completed"],
                      r["invites"], r["talk_ms"], r["setup_p50"], r["setup_p99"], r["cpu"], r["load"],
                      "" if ok else "  (missing or failed calls)"))
            if not ok:
                print("      outcomes: " + ", ".join("%s %d" % kv for kv in r["outcomes"].items()))
        good = [r["rate_db"] for r in rs if good_run(r)]
        if good:
            best_vd = max(best_vd, sb.median(good))

    def sipp_series(label, rates, media):
        print("%s: increasing -r, %d s each" % (label, a.seconds))
        best = 0.0
        for rate in [int(x) for x in rates.split(",") if x]:
            rs = [run_sipp(rate, a.seconds, a.hold_ms, media) for _ in range(a.runs)]
            for r in rs:
                print("  -r %-5d uas=%6.1f/s  calls=%d invites=%d completed=%d exit=%s load=%s" % (
                    rate, r["rate_uas"], r["calls"], r["invites"], r["ok"], r["rc"], r["load"]))
            good = [r["rate_uas"] for r in rs if r["ok"] >= 0.999 * r["calls"]]
            if good:
                best = max(best, sb.median(good))
        return best

    sip_only = sipp_series("sipp -sn uac -d %d (SIP only, no media)" % a.hold_ms, a.sipp_rates, False)
    with_media = sipp_series("sipp bench_uac_media.xml (answer, 1 s of RTP by play_pcap_audio, BYE)",
                             a.sipp_media_rates, True)

    def ratio(x, y):
        return "%.2f" % (x / y) if y else "-"

    print("cps: best sustained rates (>= 99%% of calls completed; SIPp >= 99.9%%), load now %s" % sb.loadavg())
    print("  %-84s %7.0f calls/s" % ("voxdial (answer, ~1 s prompt, RTP echoed and recorded, BYE; "
                                     "every attempt in SQLite)", best_vd))
    print("  %-84s %7.0f calls/s   voxdial/sipp = %s" % ("sipp -sn uac (SIP only, no media)", sip_only,
                                                          ratio(best_vd, sip_only)))
    print("  %-84s %7.0f calls/s   voxdial/sipp = %s" % ("sipp bench_uac_media.xml (same calls as voxdial, "
                                                          "RTP sent)", with_media, ratio(best_vd, with_media)))
    print("  targets: voxdial >= %d calls/s and >= %.1fx sipp -sn uac" % (TARGET_CPS, TARGET_RATIO))
    r = best_vd / sip_only if sip_only else 0.0
    return 0 if best_vd >= TARGET_CPS and r >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
