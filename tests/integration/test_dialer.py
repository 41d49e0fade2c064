# SPDX-License-Identifier: AGPL-3.0-or-later
"""The dialer end to end: the real voxdial placing SIP calls to SIPp as the
carrier (tests/sipp/carrier.xml answers by the dialed number's last digit).
Each case asserts what went over the wire (Request-URI, From, CANCEL
timing) and what voxdial recorded (outcome, SIP code, recall schedule,
recording, cost)."""

import os
import signal
import subprocess
import time
import wave

import sipp
import vdtest
from vdtest import poll

# Two telephony loops whatever the machine's cores: calls alternate between
# them by id, so every case below also covers routing across loops.
os.environ["VOXDIAL_TEL_THREADS"] = "2"

t = vdtest.Run(__file__)

CALLER = "+74950000001"


def setup(api, carrier, *, trunk_extra=None, plan_extra=None, task_extra=None, rules=None,
          script_text="Hello {{name}}", clients=None):
    trunk = dict(name="carrier", host="127.0.0.1", port=carrier.port, default_caller_id=CALLER,
                 max_cps=50, max_channels=50)
    trunk.update(trunk_extra or {})
    tr = api.create("/api/v1/trunks", trunk)
    plan = dict(name="plan", trunk_id=tr["id"],
                tariff={"per_minute": 1.5, "currency": "RUB", "billing_step_s": 60})
    plan.update(plan_extra or {})
    dp = api.create("/api/v1/dial-plans", plan)
    sc = api.create("/api/v1/scripts", {"name": "s", "graph": {"start": "a", "blocks": {
        "a": {"type": "say", "text": script_text}}}})
    task = dict(name="task", script_id=sc["id"], dial_plan_id=dp["id"], cps=20, ring_timeout_s=5)
    if rules:
        task["recall"] = {"mode": "manual", "rules": rules}
    task.update(task_extra or {})
    tk = api.create("/api/v1/tasks", task)
    if clients:
        csv = "phone,client_id,name\n" + "".join("%s,c%d,N%d\n" % (p, i, i) for i, p in enumerate(clients))
        st, body, _ = api.post("/api/v1/tasks/%d/clients" % tk["id"], raw=csv.encode(),
                               headers={"Content-Type": "text/csv"})
        t.eq(st, 200, "clients uploaded")
        t.eq(body.get("imported"), len(clients), "every client imported")
    return tr, dp, tk


def calls_of(api, task_id):
    return api.must(200, "GET", "/api/v1/tasks/%d/calls?per_page=100" % task_id)["items"]


def wait_status(api, task_id, status, timeout_s=40):
    return poll(lambda: api.must(200, "GET", "/api/v1/tasks/%d" % task_id)["status"] == status,
                timeout_s, "task %d to become %s" % (task_id, status))


def outcomes_case():
    srv = t.server()
    api = srv.account("Outcomes")
    with sipp.Sipp("carrier.xml") as carrier:
        nums = ["7916123456%d" % d for d in range(10)]
        # a prompt longer than the 2 s after which branch 6's callee hangs up
        _, _, tk = setup(api, carrier, clients=nums,
                         script_text="Hello {{name}}, this is a test call from voxdial about your order.")
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        calls = {c["phone"]: c for c in calls_of(api, tk["id"])}
        want = {0: ("completed", 200), 1: ("busy", 486), 2: ("no_answer", None), 3: ("unavailable", 480),
                4: ("unavailable", 404), 5: ("failure", 503), 6: ("completed", 200), 7: ("completed", 200),
                8: ("busy", 600), 9: ("failure", 403)}
        for d, (outcome, code) in want.items():
            c = calls.get("+7916123456%d" % d, {})
            t.eq(c.get("outcome"), outcome, "digit %d: outcome" % d)
            if code:
                t.eq(c.get("sip_code"), code, "digit %d: SIP code" % d)
            t.eq(c.get("caller_id"), CALLER, "digit %d: caller ID recorded" % d)
        # what the carrier saw: the Request-URI without '+', the From user = caller ID
        invites = carrier.calls(event="invite")
        t.eq(sorted(e["ruri"] for e in invites), sorted(nums), "Request-URIs as dialed")
        t.ok(all(e["from"] == CALLER for e in invites), "From carries the caller ID",
             [e["from"] for e in invites])
        ports = {e.get("contact", "").rsplit(":", 1)[-1] for e in invites}
        t.ok(len(ports) == 2, "the INVITEs left from both telephony loops' SIP ports", ports)
        # the CANCEL after the 5 s ring timeout
        cancels = carrier.calls(event="cancel")
        t.eq(len(cancels), 1, "one CANCEL (the ringing number)")
        if cancels:
            ms = float(cancels[0].get("cancel_ms", "0"))
            t.ok(4000 <= ms <= 6500, "CANCEL sent after the 5 s ring timeout", ms)
        # the callee hung up after 2 s: a completed call of about 2 s, recorded
        c6 = calls.get("+79161234566", {})
        t.ok(c6.get("duration_s") in (2, 3), "digit 6 lasted ~2 s", c6.get("duration_s"))
        t.ok(c6.get("recording_url"), "digit 6 recorded")
        if c6.get("recording_url"):
            st, wav, hdrs = api.get(c6["recording_url"])
            t.eq(st, 200, "recording served")
            rate, channels, _, frames = vdtest.wav_info(wav)
            t.eq((rate, channels), (8000, 1), "recording is 8 kHz mono")
            t.ok(1.5 <= frames / 8000.0 <= 3.0, "recording length matches the call", frames / 8000.0)
            st, part, hdrs = api.get(c6["recording_url"], headers={"Range": "bytes=0-43"})
            t.eq((st, len(part)), (206, 44), "Range request answers 206 with 44 bytes")
        # cost: 1.5 RUB per started minute for answered calls, 0 otherwise
        t.eq(calls.get("+79161234560", {}).get("cost"), 1.5, "answered call costs one minute")
        t.eq(calls.get("+79161234561", {}).get("cost"), 0, "busy call costs nothing")
        st = api.must(200, "GET", "/api/v1/tasks/%d/stats" % tk["id"])
        t.eq(st["calls"]["total"], 10, "stats: 10 calls")
        t.eq(st["calls"]["by_outcome"]["busy"], 2, "stats: 2 busy")
        t.eq(st["clients"]["finished"], 10, "stats: every client finished")
        # the WAVs are created before the INVITE: only answered calls keep one
        wavs = [f for _, _, fs in os.walk(os.path.join(srv.data, "recordings")) for f in fs]
        t.eq(len(wavs), len([c for c in calls.values() if c.get("recording_url")]),
             "a WAV file for each recorded call, none for the unanswered")
    srv.stop()


def recall_case():
    srv = t.server()
    api = srv.account("Recalls")
    with sipp.Sipp("carrier.xml") as carrier:
        rules = {"busy": {"interval_s": 2, "attempts": 2}}
        _, _, tk = setup(api, carrier, rules=rules, clients=["79161234561"])
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        calls = sorted(calls_of(api, tk["id"]), key=lambda c: c["id"])
        t.eq([c["attempt"] for c in calls], [1, 2, 3], "first call + two busy recalls")
        t.eq([c["recall_for"] for c in calls], [None, "busy", "busy"], "recalls are for busy")
        inv = [float(e["t_ms"]) for e in carrier.calls(event="invite")]
        gaps = [b - a for a, b in zip(inv, inv[1:])]
        t.ok(len(gaps) == 2 and all(1000 <= g <= 3500 for g in gaps), "recalls 2 s (+-1 s) apart", gaps)
    srv.stop()


def callerid_group_case():
    srv = t.server()
    api = srv.account("Callers")
    with sipp.Sipp("carrier.xml") as carrier:
        tr, dp, _ = setup(api, carrier)
        g = api.create("/api/v1/callerid-groups", {"name": "g", "numbers": [
            {"number": "+74950000011", "trunk_id": tr["id"]}, {"number": "+74950000012", "trunk_id": tr["id"]}]})
        sc = api.must(200, "GET", "/api/v1/scripts")["items"][0]
        tk = api.create("/api/v1/tasks", {"name": "g", "script_id": sc["id"], "dial_plan_id": dp["id"], "cps": 20,
                                          "caller_id": {"mode": "group", "group_id": g["id"]},
                                          "ring_timeout_s": 5})
        csv = "phone\n79161234511\n79161234521\n79161234531\n79161234541\n"
        api.must(200, "POST", "/api/v1/tasks/%d/clients" % tk["id"], raw=csv.encode())
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        # In dial order (call ids): calls dialed in one pass may leave
        # through different telephony loops, so the wire order can differ.
        calls = sorted(calls_of(api, tk["id"]), key=lambda c: c["id"])
        t.eq([c["caller_id"] for c in calls], ["+74950000011", "+74950000012", "+74950000011", "+74950000012"],
             "group numbers rotate round-robin")
        wire = {e["ruri"].split("@")[0].split(":")[-1]: e["from"] for e in carrier.calls(event="invite")}
        t.eq([wire.get(c["phone"].lstrip("+")) for c in calls], [c["caller_id"] for c in calls],
             "each INVITE's From is its call's caller ID")
    srv.stop()


def auth_case():
    srv = t.server()
    api = srv.account("Auth")
    with sipp.Sipp("auth.xml", keys={"auth_user": "vduser", "auth_pass": "s3cret"}) as pbx:
        _, _, tk = setup(api, pbx, trunk_extra={"username": "vduser", "password": "s3cret"},
                         clients=["79161234560"])
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        c = calls_of(api, tk["id"])[0]
        t.eq(c["outcome"], "completed", "digest auth answered 401 and the call went through")
        msgs = [m for m in pbx.sip_messages() if m.received and m.method == "INVITE"]
        t.ok(any(m.header("Authorization") for m in msgs), "second INVITE carried Authorization")
        t.ok(pbx.calls(event="auth", auth="ok"), "the PBX verified the digest")
        # a wrong password: the PBX refuses with 403, a failure
        tr = api.must(200, "GET", "/api/v1/trunks")["items"][0]
        api.must(200, "PUT", "/api/v1/trunks/%d" % tr["id"],
                 {"name": tr["name"], "host": "127.0.0.1", "port": pbx.port, "default_caller_id": CALLER,
                  "username": "vduser", "password": "wrong"})
        sc = api.must(200, "GET", "/api/v1/scripts")["items"][0]
        dp = api.must(200, "GET", "/api/v1/dial-plans")["items"][0]
        tk2 = api.create("/api/v1/tasks", {"name": "bad", "script_id": sc["id"], "dial_plan_id": dp["id"]})
        api.must(200, "POST", "/api/v1/tasks/%d/clients" % tk2["id"], raw=b"phone\n79161234570\n")
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk2["id"])
        wait_status(api, tk2["id"], "completed")
        c = calls_of(api, tk2["id"])[0]
        t.eq((c["outcome"], c["sip_code"]), ("failure", 403), "wrong credentials: 403, failure")
    srv.stop()


def pacing_and_window_case():
    srv = t.server()
    api = srv.account("Pacing")
    with sipp.Sipp("carrier.xml") as carrier:
        nums = ["7916123%03d1" % i for i in range(8)]   # busy: short calls
        _, _, tk = setup(api, carrier, task_extra={"cps": 2}, clients=nums)
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        inv = [float(e["t_ms"]) for e in carrier.calls(event="invite")]
        per_second = {}
        for ms in inv:
            per_second[int(ms // 1000)] = per_second.get(int(ms // 1000), 0) + 1
        t.eq(len(inv), 8, "eight INVITEs")
        t.ok(max(per_second.values()) <= 2, "no second with more than cps=2 INVITEs", per_second)

        # a calling window closed now (UTC, two hours from now) dials nobody
        now = time.gmtime()
        frm = "%02d:00" % ((now.tm_hour + 2) % 24)
        to = "%02d:00" % ((now.tm_hour + 3) % 24)
        sc = api.must(200, "GET", "/api/v1/scripts")["items"][0]
        dp = api.must(200, "GET", "/api/v1/dial-plans")["items"][0]
        tw = api.create("/api/v1/tasks", {"name": "w", "script_id": sc["id"], "dial_plan_id": dp["id"],
                                          "window": {"from": frm, "to": to, "timezone": "UTC"}})
        api.must(200, "POST", "/api/v1/tasks/%d/clients" % tw["id"], raw=b"phone\n79161239990\n")
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tw["id"])
        before = len(carrier.calls(event="invite"))
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:       # observing that nothing happens for 2 s
            time.sleep(0.1)
        t.eq(len(carrier.calls(event="invite")), before, "nothing dialed outside the window")
        st = api.must(200, "GET", "/api/v1/tasks/%d/stats" % tw["id"])
        t.eq(st["clients"]["pending"], 1, "the client waits for the window")
    srv.stop()


def cancel_case():
    srv = t.server()
    api = srv.account("Cancel")
    with sipp.Sipp("carrier.xml") as carrier:
        nums = ["7916124%03d2" % i for i in range(6)]   # ringing, never answered
        _, _, tk = setup(api, carrier, task_extra={"cps": 1, "ring_timeout_s": 5}, clients=nums)
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        poll(lambda: len(carrier.calls(event="invite")) >= 2, 10, "two calls ringing")
        api.must(200, "POST", "/api/v1/tasks/%d/cancel" % tk["id"])
        st, body, _ = api.post("/api/v1/tasks/%d/start" % tk["id"])
        t.eq(st, 409, "a cancelled task cannot be restarted")
        poll(lambda: all(c["outcome"] for c in calls_of(api, tk["id"])), 15, "ringing calls to end")
        dialed = len(carrier.calls(event="invite"))
        stats = api.must(200, "GET", "/api/v1/tasks/%d/stats" % tk["id"])
        t.eq(stats["clients"]["finished"], 6, "every client finished")
        t.eq(stats["calls"]["total"], dialed, "one call row per INVITE")
        t.ok(dialed < 6, "cancel stopped dialing", dialed)
        t.ok(all(c["outcome"] == "no_answer" for c in calls_of(api, tk["id"])),
             "calls already ringing were not hung up by the cancel (they rang out)")
    srv.stop()


def crash_case():
    """kill -9 with calls in flight: after the restart the open attempts are
    failures, decided by the recall rules (a failure rule of one recall),
    and nothing is dialed twice for the same attempt."""
    srv = t.server()
    api = srv.account("Crash")
    long_text = ("This is a long announcement from voxdial, it keeps the line busy for a while "
                 "so that the call is still up when the server is killed.")
    with sipp.Sipp("carrier.xml") as carrier:
        nums = ["7916125%03d0" % i for i in range(3)]   # answered, talking
        rules = {"failure": {"interval_s": 1, "attempts": 1}}
        _, _, tk = setup(api, carrier, rules=rules, task_extra={"cps": 10}, clients=nums,
                         script_text=long_text)
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        poll(lambda: len(carrier.calls(event="ack")) >= 3, 10, "three calls answered")
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        srv.err.close()
        srv.proc = None
        srv.start()
        api2 = srv.client(api.token)
        wait_status(api2, tk["id"], "completed", 60)
        calls = calls_of(api2, tk["id"])
        first = [c for c in calls if c["attempt"] == 1]
        t.eq(len(first), 3, "three first attempts")
        t.ok(all(c["outcome"] == "failure" and c["result"] == "interrupted" for c in first),
             "interrupted attempts closed as failure", [(c["outcome"], c["result"]) for c in first])
        second = [c for c in calls if c["attempt"] == 2]
        t.eq(len(second), 3, "each client recalled once by the failure rule")
        t.ok(all(c["recall_for"] == "failure" and c["outcome"] == "completed" for c in second),
             "the recalls are for failure and reach the client", [(c["recall_for"], c["outcome"]) for c in second])
        pairs = [(c["phone"], c["attempt"]) for c in calls]
        t.eq(len(pairs), len(set(pairs)), "no attempt dialed twice")
        t.eq(len(carrier.calls(event="invite")), len(calls), "one INVITE per call row")
    srv.stop()


def proxy_auth_case():
    """407 Proxy-Authenticate: voxdial answers with Proxy-Authorization whose
    digest the test recomputes from the password (SIPp cannot check it)."""
    srv = t.server()
    api = srv.account("Proxy")
    with sipp.Sipp("proxy-auth.xml") as proxy:
        _, _, tk = setup(api, proxy, trunk_extra={"username": "vduser", "password": "pr0xy-pass"},
                         clients=["79161234560"])
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        t.eq(calls_of(api, tk["id"])[0]["outcome"], "completed", "the call went through the proxy")
        ev = proxy.wait_event(event="auth")
        t.eq(ev.get("auth"), "present", "the re-sent INVITE had Proxy-Authorization")
        want = sipp.digest_response("vduser", "pr0xy-pass", ev.get("realm"), ev.get("nonce"), ev.get("uri"))
        t.eq(ev.get("response"), want, "the digest response is right for the password")
    srv.stop()


def schedule_and_pause_case():
    srv = t.server()
    api = srv.account("Schedule")
    with sipp.Sipp("carrier.xml") as carrier:
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
        nums = ["7916126%03d1" % i for i in range(6)]   # busy: quick
        _, _, tk = setup(api, carrier, task_extra={"cps": 2, "start": {"mode": "scheduled", "at": at}},
                         clients=nums)
        got = api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        t.eq(got["status"], "scheduled", "a future start time schedules the task")
        t.eq(len(carrier.calls(event="invite")), 0, "nothing dialed before the start time")
        poll(lambda: carrier.calls(event="invite"), 10, "the scheduled start")
        t.eq(api.must(200, "GET", "/api/v1/tasks/%d" % tk["id"])["status"], "running", "running after the start time")
        api.must(200, "POST", "/api/v1/tasks/%d/pause" % tk["id"])
        n = len(carrier.calls(event="invite"))
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:       # observing that nothing happens while paused
            time.sleep(0.1)
        t.ok(len(carrier.calls(event="invite")) <= n + 1, "a paused task dials no more (one may have been on its way)")
        st = api.must(200, "GET", "/api/v1/tasks/%d/stats" % tk["id"])
        t.ok(st["clients"]["pending"] > 0, "clients wait while paused", st["clients"])
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        t.eq(len(carrier.calls(event="invite")), 6, "resumed and finished every client")
    srv.stop()


def tcp_case():
    srv = t.server()
    api = srv.account("TCP")
    with sipp.Sipp("carrier.xml", args=("-t", "t1")) as carrier:
        _, _, tk = setup(api, carrier, trunk_extra={"transport": "tcp"}, clients=["79161234561", "79161234560"])
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        got = sorted((c["phone"], c["outcome"]) for c in calls_of(api, tk["id"]))
        t.eq(got, [("+79161234560", "completed"), ("+79161234561", "busy")], "SIP over TCP: answered and busy")
        msgs = [m for m in carrier.sip_messages() if m.received and m.method == "INVITE"]
        t.ok(msgs and all("TCP" in (m.header("Via") or "").upper() for m in msgs), "the INVITEs came over TCP")
    srv.stop()


def cancel_hangup_case():
    """Cancel with {"hangup": true}: calls ringing or talking are ended; a
    ringing one counts as cancelled, a talking one as completed; no recall."""
    srv = t.server()
    api = srv.account("CancelHangup")
    long_text = "This announcement is long enough to still be playing when the task is cancelled by its owner."
    with sipp.Sipp("carrier.xml") as carrier:
        rules = {"no_answer": {"interval_s": 1, "attempts": 3}}
        _, _, tk = setup(api, carrier, rules=rules, task_extra={"cps": 10, "ring_timeout_s": 60},
                         clients=["79161270002", "79161270010"], script_text=long_text)
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        poll(lambda: carrier.calls(event="ack") and carrier.calls(event="invite", ruri="79161270002"),
             10, "one call talking and one ringing")
        st, body, _ = api.post("/api/v1/tasks/%d/cancel" % tk["id"], {"hangup": "yes"})
        t.eq((st, body.get("error", {}).get("field")), (422, "hangup"), "hangup must be a boolean")
        api.must(200, "POST", "/api/v1/tasks/%d/cancel" % tk["id"], {"hangup": True})
        poll(lambda: len(calls_of(api, tk["id"])) == 2 and all(c["outcome"] for c in calls_of(api, tk["id"])),
             10, "both calls to end")
        got = sorted((c["phone"], c["outcome"]) for c in calls_of(api, tk["id"]))
        t.eq(got, [("+79161270002", "cancelled"), ("+79161270010", "completed")],
             "the ringing call is cancelled, the talking one completed")
        t.ok(carrier.calls(event="cancel"), "the carrier saw the CANCEL")
        t.ok(carrier.calls(event="bye_rx"), "the carrier saw the BYE")
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:       # observing that no recall follows
            time.sleep(0.1)
        t.eq(len(carrier.calls(event="invite")), 2, "no recall after a cancel")
    srv.stop()


def wav_prompt_case():
    """A script whose first say is an uploaded WAV: the answered call plays it
    (1.5 s) and hangs up; the recording is as long as the prompt."""
    srv = t.server()
    api = srv.account("Wav")
    with sipp.Sipp("carrier.xml") as carrier:
        st, audio, _ = api.post("/api/v1/audio?kind=prompt&name=hello", raw=vdtest.wav_bytes(seconds=1.5),
                                headers={"Content-Type": "audio/wav"})
        t.eq(st, 201, "prompt uploaded")
        tr = api.create("/api/v1/trunks", {"name": "c", "host": "127.0.0.1", "port": carrier.port,
                                           "default_caller_id": CALLER})
        dp = api.create("/api/v1/dial-plans", {"name": "p", "trunk_id": tr["id"]})
        sc = api.create("/api/v1/scripts", {"name": "s", "graph": {"start": "a", "blocks": {
            "a": {"type": "say", "audio_id": audio["id"]}}}})
        tk = api.create("/api/v1/tasks", {"name": "w", "script_id": sc["id"], "dial_plan_id": dp["id"]})
        api.must(200, "POST", "/api/v1/tasks/%d/clients" % tk["id"], raw=b"phone\n79161234560\n")
        api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
        wait_status(api, tk["id"], "completed")
        c = calls_of(api, tk["id"])[0]
        t.eq(c["outcome"], "completed", "answered and completed")
        st, wav, _ = api.get(c["recording_url"])
        rate, channels, _, frames = vdtest.wav_info(wav)
        t.ok(1.6 <= frames / 8000.0 <= 2.3, "the call lasted the prompt plus its tail", frames / 8000.0)
    srv.stop()


t.case(outcomes_case)
t.case(recall_case)
t.case(callerid_group_case)
t.case(auth_case)
t.case(pacing_and_window_case)
t.case(cancel_case)
t.case(crash_case)
t.case(proxy_auth_case)
t.case(schedule_and_pause_case)
t.case(tcp_case)
t.case(cancel_hangup_case)
t.case(wav_prompt_case)
t.done()
