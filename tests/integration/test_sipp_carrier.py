# SPDX-License-Identifier: AGPL-3.0-or-later
"""Proves the SIPp far ends in tests/sipp/ with SIPp itself as the caller:
carrier.xml answers by the last dialed digit (one call per digit, all ten
at once against one carrier), auth.xml checks digest credentials (401),
proxy-auth.xml logs the 407 digest for us to check, pbx.xml answers after
ringing and takes a REFER. Every check reads what went over the wire (the
probes' and the far end's -trace_msg) or the far end's <log> lines.
Needs sipp, espeak-ng and sox; no voxdial binary."""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipp    # noqa: E402
import vdtest  # noqa: E402

t = vdtest.Run(__file__)
CALLER = "74951234567"
NUMBER = "7916123456"        # + the digit that picks the carrier's branch

EXPECT = {"0": 200, "1": 486, "2": 487, "3": 480, "4": 404,
          "5": 503, "6": 200, "7": 200, "8": 600, "9": 403}

_started = []


def start(*a, **kw):
    s = sipp.Sipp(*a, **kw)
    _started.append(s)
    return s


def invite_to(sp, callid, direction="received"):
    return [m for m in sp.sip_messages() if getattr(m, direction)
            and m.method == "INVITE" and m.header("Call-ID") == callid]


def real_errors(sp):
    return [l for l in sp.errors().splitlines() if l.strip()
            and "The following events occurred" not in l and "receive timeout on message" not in l]


def check_audio(sink, ref, what, min_packets=40):
    rtp = sink.rtp()
    t.ok(len(rtp) >= min_packets, "%s: carrier sent RTP (%d packets)" % (what, len(rtp)))
    t.ok(all(p[1] == 0 for p in rtp), "%s: every packet is PCMU (pt 0)" % what,
         sorted(set(p[1] for p in rtp)))
    pl = sink.payload(0)
    t.ok(len(pl) >= 160 * min_packets and pl[:len(ref)] == ref[:len(pl)],
         "%s: payload is speech.ul byte for byte" % what, "%d bytes" % len(pl))


def carrier_digits():
    carrier = start("carrier.xml")
    ref = open(os.path.join(carrier.workdir, "speech.ul"), "rb").read()
    remote = "127.0.0.1:%d" % carrier.port
    sinks, uacs = {}, {}
    try:
        for d in "0123456789":
            sinks[d] = sipp.RtpSink()
            keys = {"caller": CALLER, "rtp_port": sinks[d].port}
            if d == "2":
                uacs[d] = start("uac_cancel.xml", remote=remote, service=NUMBER + d, calls=1,
                                keys=keys, duration_ms=1500, name="uac2")
            else:
                uacs[d] = start("uac_probe.xml", remote=remote, service=NUMBER + d, calls=1,
                                keys=keys, name="uac%s" % d)
        for d, u in uacs.items():
            u.wait(20)
        carrier.wait_for(lambda evs: len([e for e in evs if e["event"] == "invite"]) >= 10,
                         5, "ten invites in the carrier log")
        carrier.wait_event(event="bye_tx", branch="6")
        for s in sinks.values():
            s.close()

        for d in "0123456789":
            u = uacs[d]
            codes = u.final_codes()
            t.eq(codes[-1:], [EXPECT[d]], "digit %s: caller got %d" % (d, EXPECT[d]))
            t.eq(u.returncode, 0, "digit %s: the probe's call succeeded" % d)
            sent = [m for m in u.sip_messages() if m.sent and m.method == "INVITE"]
            callid = sent[0].header("Call-ID")
            got = invite_to(carrier, callid)
            t.ok(got, "digit %s: the carrier received the INVITE" % d)
            if got:
                t.eq(got[0].uri, "sip:%s%s@%s" % (NUMBER, d, remote),
                     "digit %s: Request-URI on the wire" % d)
                t.ok(got[0].header("From").startswith('"Probe" <sip:%s@127.0.0.1:' % CALLER),
                     "digit %s: From on the wire" % d, got[0].header("From"))
            ev = carrier.calls(event="invite", callid=callid)
            t.eq([(e["branch"], e["ruri"], e["from"], e["to"]) for e in ev],
                 [(d, NUMBER + d, CALLER, NUMBER + d)], "digit %s: carrier log line" % d)
            final = [m for m in carrier.sip_messages() if m.sent and m.is_response and m.code >= 200
                     and m.header("Call-ID") == callid and m.cseq_method == "INVITE"]
            t.ok(final and final[0].code == EXPECT[d], "digit %s: carrier sent %d" % (d, EXPECT[d]),
                 [m.start for m in final])

        # 0: answered, speech, the caller's BYE
        cid0 = uacs["0"].calls(event="final")[0]["callid"]
        t.ok(carrier.calls(event="bye_rx", callid=cid0), "digit 0: carrier logged the caller's BYE")
        resp = [m.code for m in carrier.sip_messages() if m.sent and m.is_response
                and m.header("Call-ID") == cid0 and m.cseq_method == "INVITE"]
        t.eq(resp[:3], [100, 180, 200], "digit 0: 100, 180, 200")
        ok200 = [m for m in carrier.sip_messages() if m.sent and m.code == 200
                 and m.header("Call-ID") == cid0 and m.cseq_method == "INVITE"][0]
        for line in ("m=audio %d RTP/AVP 0 8 101" % carrier.media_port, "a=rtpmap:0 PCMU/8000",
                     "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000"):
            t.ok(line in ok200.body, "digit 0: SDP answer has %r" % line, ok200.body)
        check_audio(sinks["0"], ref, "digit 0", min_packets=100)

        # 2: CANCEL after ~1.5 s of ringing, 200 to it, 487 to the INVITE, ACK
        cid2 = uacs["2"].calls(event="final")[0]["callid"]
        cev = carrier.calls(event="cancel", callid=cid2)
        t.ok(cev and 1400 <= float(cev[0]["cancel_ms"]) <= 4000,
             "digit 2: carrier logged the CANCEL ~1500 ms after the INVITE", cev)
        seq = [(m.direction, m.start.split(" ")[0] if not m.is_response else m.code,
                m.cseq_method) for m in carrier.sip_messages() if m.header("Call-ID") == cid2
               and m.direction != "unexpected"]
        t.eq([x for x in seq if x[1] not in (100,)],
             [("received", "INVITE", "INVITE"), ("sent", 180, "INVITE"),
              ("received", "CANCEL", "CANCEL"), ("sent", 200, "CANCEL"),
              ("sent", 487, "INVITE"), ("received", "ACK", "ACK")], "digit 2: CANCEL flow on the wire")
        t.eq(len(sinks["2"].packets), 0, "digit 2: no media while ringing")

        # 6: the callee hangs up 2 s after the ACK
        cid6 = uacs["6"].calls(event="final")[0]["callid"]
        ack6 = carrier.calls(event="ack", callid=cid6)
        bye6 = carrier.calls(event="bye_tx", callid=cid6)
        t.ok(ack6 and bye6 and 1900 <= int(bye6[0]["t_ms"]) - int(ack6[0]["t_ms"]) <= 3000,
             "digit 6: carrier BYE ~2 s after the ACK", (ack6, bye6))
        t.ok(uacs["6"].calls(event="bye_rx"), "digit 6: the caller received the BYE")
        bye = [m for m in uacs["6"].sip_messages() if m.received and m.method == "BYE"]
        t.ok(bye and bye[0].uri == "sip:%s@127.0.0.1:%d" % (CALLER, uacs["6"].port)
             and bye[0].header("To").startswith('"Probe" <sip:%s@' % CALLER),
             "digit 6: BYE to the caller's Contact, in its dialog", bye and bye[0].text)
        check_audio(sinks["6"], ref, "digit 6")

        # 7: 183 with SDP and early media for ~1 s, then 200
        msgs7 = uacs["7"].sip_messages()
        r183 = [m for m in msgs7 if m.received and m.code == 183]
        r200 = [m for m in msgs7 if m.received and m.code == 200 and m.cseq_method == "INVITE"]
        t.ok(r183 and "m=audio" in r183[0].body, "digit 7: 183 carries SDP")
        if r183 and r200:
            gap = r200[0].time - r183[0].time
            t.ok(0.9 <= gap <= 2.5, "digit 7: 200 about 1 s after the 183", gap)
            early = [p for p in sinks["7"].packets if p[0] < r200[0].time - 0.2]
            t.ok(len(early) >= 25, "digit 7: early media before the 200 (%d packets)" % len(early))
        check_audio(sinks["7"], ref, "digit 7", min_packets=100)
        # a <recv timeout= ontimeout=> firing is logged as an "error": not one
        t.eq(real_errors(carrier), [], "carrier: no errors")
        for d, u in uacs.items():
            t.eq(real_errors(u), [], "digit %s: probe had no errors" % d)
    finally:
        for s in sinks.values():
            s.close()


def auth_401():
    srv = start("auth.xml", keys={"auth_user": "alice", "auth_pass": "s3cret"})
    remote = "127.0.0.1:%d" % srv.port
    with sipp.RtpSink() as s1, sipp.RtpSink() as s2:
        good = start("uac_probe.xml", remote=remote, service=NUMBER + "0", calls=1,
                     keys={"caller": CALLER, "rtp_port": s1.port}, auth=("alice", "s3cret"))
        bad = start("uac_probe.xml", remote=remote, service=NUMBER + "0", calls=1,
                    keys={"caller": CALLER, "rtp_port": s2.port}, auth=("alice", "wrong"))
        good.wait(20)
        bad.wait(20)
    t.eq(good.final_codes(), [401, 200], "right password: 401 then 200")
    t.eq(bad.final_codes(), [401, 403], "wrong password: 401 then 403")
    cg = good.calls(event="final")[0]["callid"]
    cb = bad.calls(event="final")[0]["callid"]
    t.eq([e["auth"] for e in srv.calls(event="auth", callid=cg)], ["ok"], "carrier logged auth=ok")
    t.eq([e["auth"] for e in srv.calls(event="auth", callid=cb)], ["bad"], "carrier logged auth=bad")
    ch = [m for m in srv.sip_messages() if m.sent and m.code == 401]
    t.ok(ch and ch[0].header("WWW-Authenticate").startswith('Digest realm="voxdial-test"'),
         "401 carries the realm", ch and ch[0].header("WWW-Authenticate"))
    retry = [m for m in srv.sip_messages() if m.received and m.method == "INVITE"
             and m.header("Call-ID") == cg and m.header("Authorization")]
    t.ok(retry and 'username="alice"' in retry[0].header("Authorization"),
         "re-sent INVITE carries Authorization")


def auth_407():
    srv = start("proxy-auth.xml")
    with sipp.RtpSink() as s1:
        u = start("uac_probe.xml", remote="127.0.0.1:%d" % srv.port, service=NUMBER + "0",
                  calls=1, keys={"caller": CALLER, "rtp_port": s1.port}, auth=("alice", "s3cret"))
        u.wait(20)
    t.eq(u.final_codes(), [407, 200], "407 then 200")
    ev = srv.wait_event(event="auth")
    t.eq((ev["auth"], ev["user"], ev["realm"]), ("present", "alice", "voxdial-test"),
         "proxy-auth logged the digest parameters")
    want = sipp.digest_response("alice", "s3cret", ev["realm"], ev["nonce"], ev["uri"])
    t.eq(ev["response"], want, "the logged digest response matches the password")
    t.ok(ev["response"] != sipp.digest_response("alice", "wrong", ev["realm"], ev["nonce"], ev["uri"]),
         "and not a wrong one")


def pbx():
    srv = start("pbx.xml")
    remote = "127.0.0.1:%d" % srv.port
    ref = open(os.path.join(srv.workdir, "speech.ul"), "rb").read()
    with sipp.RtpSink() as s1, sipp.RtpSink() as s2:
        plain = start("uac_probe.xml", remote=remote, service="88001", calls=1,
                      keys={"caller": CALLER, "rtp_port": s1.port})
        refer = start("uac_refer.xml", remote=remote, service="88002", calls=1,
                      keys={"caller": CALLER, "rtp_port": s2.port,
                            "refer_to": "sip:79161234560@127.0.0.1:5999"})
        plain.wait(20)
        refer.wait(20)
    t.eq(plain.final_codes(), [200], "operator leg answered")
    cid = plain.calls(event="final")[0]["callid"]
    inv = srv.calls(event="invite", callid=cid)
    t.eq([(e["ruri"], e["from"]) for e in inv], [("88001", CALLER)],
         "pbx logged the operator number and caller ID")
    msgs = [m for m in plain.sip_messages() if m.received and m.cseq_method == "INVITE"]
    r180 = [m for m in msgs if m.code == 180]
    r200 = [m for m in msgs if m.code == 200]
    t.ok(r180 and r200 and 0.4 <= r200[0].time - r180[0].time <= 1.5,
         "180, then 200 about 0.5 s later")
    t.ok(srv.calls(event="bye_rx", callid=cid), "pbx took the caller's BYE")
    check_audio(s1, ref, "pbx")
    cid2 = refer.calls(event="final")[0]["callid"]
    t.eq([e["refer_to"] for e in srv.calls(event="refer", callid=cid2)],
         ["sip:79161234560@127.0.0.1:5999"], "pbx logged the Refer-To")
    t.eq([e["frag"] for e in refer.calls(event="notify")], ["200"], "NOTIFY sipfrag SIP/2.0 200 OK")
    n = [m for m in refer.sip_messages() if m.received and m.method == "NOTIFY"]
    t.ok(n and n[0].header("Event") == "refer"
         and n[0].header("Content-Type").startswith("message/sipfrag")
         and n[0].body.strip() == "SIP/2.0 200 OK", "NOTIFY headers and body", n and n[0].text)
    t.ok(srv.calls(event="notify_ok", callid=cid2), "pbx got 200 for its NOTIFY")
    t.eq([m.code for m in refer.sip_messages() if m.received and m.cseq_method == "REFER"],
         [202], "REFER answered 202")


def ports_apart():
    a, b = sipp.free_media_base(), sipp.free_media_base()
    t.ok(abs(a - b) >= 4 and a % 2 == 0 and b % 2 == 0, "media bases even and 4 apart", (a, b))


t0 = time.monotonic()
try:
    for case in (ports_apart, carrier_digits, auth_401, auth_407, pbx):
        t.case(case)
finally:
    keep = t.failed and os.environ.get("VDTEST_KEEP")
    for s in _started:
        s.stop()
        if keep:
            print("kept %s" % s.workdir)
        else:
            s.cleanup()
    print("took %.1f s" % (time.monotonic() - t0))
t.done()
