# SPDX-License-Identifier: AGPL-3.0-or-later
"""The bot end to end: the real voxdial calling SIPp callees that play
recorded audio (tests/sipp/callee.xml: speech from espeak-ng, silences,
in-band DTMF), and transferring to a SIPp operator (tests/sipp/operator.xml).
Both SIPp scenarios point their SDP at RTP sinks here, so each case checks
what voxdial really sent: the bot's voice, silence in lockout, the relayed
audio of a bridge. Then the call record: outcome, result label, AMD
verdict, gender, transferred_to, variables."""

import array
import math
import os
import shutil
import subprocess
import tempfile

import sipp
import vdtest
from vdtest import poll

t = vdtest.Run(__file__)

CALLER = "+74950000001"
PHONE = "79161234560"


# ------------------------------------------------------------ audio

def tts(text, voice="en"):
    """espeak-ng speech as a list of 8 kHz 16-bit samples."""
    d = tempfile.mkdtemp(prefix="vd-bot-tts-")
    try:
        wav, raw = os.path.join(d, "a.wav"), os.path.join(d, "a.raw")
        subprocess.run(["espeak-ng", "-v", voice, "-w", wav, text], check=True, timeout=30,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["sox", wav, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", "-t", "raw", raw],
                       check=True, timeout=30)
        a = array.array("h")
        with open(raw, "rb") as f:
            a.frombytes(f.read())
        return list(a)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def silence(seconds):
    return [0] * int(seconds * 8000)


DTMF = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
        "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "0": (941, 1336),
        "*": (941, 1209), "#": (941, 1477)}


def dtmf(digits, on=0.1, off=0.1):
    out = []
    for d in digits:
        lo, hi = DTMF[d]
        out += [int(6000 * (math.sin(2 * math.pi * lo * i / 8000) + math.sin(2 * math.pi * hi * i / 8000)))
                for i in range(int(on * 8000))]
        out += silence(off)
    return out


def write_ul(path, samples):
    """Raw mu-law (what rtp_stream plays) through sox."""
    raw = path + ".raw"
    array.array("h", samples).tofile(open(raw, "wb"))
    subprocess.run(["sox", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", raw,
                    "-t", "ul", path], check=True, timeout=30)
    os.unlink(raw)


def loud_ms(payload, threshold=300):
    """Milliseconds of 20 ms mu-law frames whose mean level passes threshold."""
    n = 0
    for i in range(0, len(payload) - 159, 160):
        fr = payload[i:i + 160]
        level = sum(abs(ulaw(b)) for b in fr) / 160
        if level > threshold:
            n += 20
    return n


def ulaw(b):
    b = ~b & 0xFF
    sign, exp, mant = b & 0x80, (b >> 4) & 7, b & 0x0F
    v = ((mant << 3) + 0x84) << exp
    v -= 0x84
    return -v if sign else v


# ------------------------------------------------------------ set-up

class Callee:
    """A SIPp callee playing `samples`, its SDP pointing at an RTP sink."""

    def __init__(self, samples, scenario="callee.xml", name="callee"):
        self.dir = tempfile.mkdtemp(prefix="vd-%s-" % name)
        write_ul(os.path.join(self.dir, name + ".ul"), samples)
        self.sink = sipp.RtpSink()
        self.rtcp = sipp.RtpSink()
        self.sipp = sipp.Sipp(scenario, workdir=self.dir, speech=False,
                              keys={"rtp_port": self.sink.port, "rtcp_port": self.rtcp.port})
        self.port = self.sipp.port

    def close(self):
        self.sipp.stop()
        self.sink.close()
        self.rtcp.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def setup(api, callee, graph, task_extra=None, scripts=None):
    tr = api.create("/api/v1/trunks", {"name": "carrier", "host": "127.0.0.1", "port": callee.port,
                                       "default_caller_id": CALLER})
    dp = api.create("/api/v1/dial-plans", {"name": "plan", "trunk_id": tr["id"],
                                           "tariff": {"per_minute": 1.0, "currency": "RUB", "billing_step_s": 1}})
    ids = {}
    for name, g in (scripts or {}).items():
        ids[name] = api.create("/api/v1/scripts", {"name": name, "graph": g})["id"]
    if callable(graph):
        graph = graph(ids)
    sc = api.create("/api/v1/scripts", {"name": "main", "graph": graph})
    task = {"name": "bot", "script_id": sc["id"], "dial_plan_id": dp["id"], "cps": 5, "ring_timeout_s": 10}
    task.update(task_extra(ids) if callable(task_extra) else (task_extra or {}))
    tk = api.create("/api/v1/tasks", task)
    api.must(200, "POST", "/api/v1/tasks/%d/clients" % tk["id"],
             raw=("phone,client_id,name\n%s,c1,Anna\n" % PHONE).encode(), headers={"Content-Type": "text/csv"})
    return tr, dp, tk


def asr_ready(api):
    """Waits for the speech recognizer (loaded in the background at start)."""
    def ready():
        st, body, _ = api.request("GET", "/metrics", auth=False)
        text = body if isinstance(body, str) else body.decode()
        return "voxdial_asr_ready 1" in text
    poll(ready, 60, "the speech recognizer to load")


def run_task(api, tk, timeout_s=60):
    asr_ready(api)
    api.must(200, "POST", "/api/v1/tasks/%d/start" % tk["id"])
    poll(lambda: api.must(200, "GET", "/api/v1/tasks/%d" % tk["id"])["status"] == "completed", timeout_s,
         "the task to complete")
    items = api.must(200, "GET", "/api/v1/tasks/%d/calls" % tk["id"])["items"]
    return api.must(200, "GET", "/api/v1/calls/%d" % items[0]["id"])


def bot_payload(callee):
    return callee.sink.payload(0) + callee.sink.payload(8)


SAY_LONG = {"start": "a", "blocks": {"a": {"type": "say", "text":
            "Hello, this is a test call from voxdial. We would like to ask you a few short questions "
            "about our service, it will take one minute.", "next": "r"},
            "r": {"type": "result", "label": "heard_all"}}}

VOICEMAIL = ("Hello, you have reached the voicemail of John Smith. I am not available right now. "
             "Please leave your name and number after the tone and I will call you back.")


# ------------------------------------------------------------ cases

def machine_background_case():
    """background AMD: the bot talks at once; a voicemail greeting is a
    machine and voxdial hangs up on it."""
    srv = t.server()
    api = srv.account("Background")
    callee = Callee(silence(0.3) + tts(VOICEMAIL) + silence(10))
    try:
        _, _, tk = setup(api, callee, SAY_LONG, {"amd": {"enabled": True, "mode": "background"}})
        c = run_task(api, tk)
        t.eq(c["outcome"], "machine", "a voicemail is a machine")
        t.eq(c["amd"], "machine", "the AMD verdict is on the call")
        t.ok(c["result"] != "heard_all", "the script did not run to its end", c["result"])
        t.ok(c["duration_s"] <= 7, "hung up during the greeting", c["duration_s"])
        t.ok(loud_ms(bot_payload(callee)) >= 500, "the bot spoke while AMD listened")
        ev = callee.sipp.wait_event(event="bye_rx", timeout=5)
        t.ok(ev is not None, "voxdial sent the BYE")
    finally:
        callee.close()
    srv.stop()


def lockout_machine_case():
    """lockout AMD: a machine never hears the bot."""
    srv = t.server()
    api = srv.account("LockoutMachine")
    callee = Callee(silence(0.3) + tts(VOICEMAIL) + silence(10))
    try:
        _, _, tk = setup(api, callee, SAY_LONG, {"amd": {"enabled": True, "mode": "lockout"}})
        c = run_task(api, tk)
        t.eq(c["outcome"], "machine", "a voicemail is a machine")
        p = bot_payload(callee)
        t.ok(len(p) > 8000, "voxdial sent RTP to the machine", len(p))
        t.eq(loud_ms(p, 50), 0, "nothing but silence")
    finally:
        callee.close()
    srv.stop()


def lockout_human_case():
    """lockout AMD: a human's "Hello?" then silence: the bot starts after
    the verdict; gender estimated from the greeting."""
    srv = t.server()
    api = srv.account("LockoutHuman")
    hello = tts("Hello, who is this?")
    callee = Callee(silence(0.5) + hello + silence(25))
    try:
        _, _, tk = setup(api, callee, SAY_LONG, {"amd": {"enabled": True, "mode": "lockout"},
                                                 "gender_detection": True})
        c = run_task(api, tk)
        t.eq(c["outcome"], "completed", "the human heard the bot out")
        t.eq(c["amd"], "human", "AMD said human")
        t.eq(c["result"], "heard_all", "the script ran to its result")
        t.eq(c["gender"], "male", "espeak-ng's default voice is a man's")
        rtp = [p for p in callee.sink.rtp() if p[1] in (0, 8)]
        first_loud = next(i for i, p in enumerate(rtp) if loud_ms(p[5]) > 0)
        t.ok(first_loud * 20 >= 500 + len(hello) / 8, "the bot waited for the end of the greeting",
             first_loud * 20)
        # RTCP: sender reports (PT 200) to the a=rtcp port, SSRC of the RTP stream
        srs = [d for _, d in callee.rtcp.packets if len(d) >= 28 and d[0] >> 6 == 2 and d[1] == 200]
        t.ok(len(srs) >= 1, "RTCP sender reports reached the callee's RTCP port", len(callee.rtcp.packets))
        if srs and rtp:
            t.eq(int.from_bytes(srs[0][4:8], "big"), rtp[0][4], "the report's SSRC is the RTP stream's")
            sent = int.from_bytes(srs[-1][20:24], "big")
            t.ok(0 < sent <= len(callee.sink.packets), "the report counts the packets sent so far", sent)
            t.ok(len(srs[0]) > 29 and srs[0][29] == 202 and b"voxdial" in srs[0][28:],
                 "compound report: SR then SDES with the CNAME (RFC 3550 6.1)")
    finally:
        callee.close()
    srv.stop()


def script_switch_case():
    """A transfer to another script goes on in the same call, keeping the
    variables collected so far."""
    srv = t.server()
    api = srv.account("Switch")
    callee = Callee(silence(20))
    second = {"start": "s", "blocks": {
        "s": {"type": "set", "var": "stage", "value": "second", "next": "t"},
        "t": {"type": "say", "text": "This is the second script.", "next": "r"},
        "r": {"type": "result", "label": "second_done"}}}
    try:
        _, _, tk = setup(api, callee, lambda ids: {"start": "a", "blocks": {
            "a": {"type": "set", "var": "origin", "value": "first {{name}}", "next": "r"},
            "r": {"type": "result", "label": "moved", "action": "transfer",
                  "forward": {"type": "script", "script_id": ids["second"]}}}}, scripts={"second": second})
        c = run_task(api, tk)
        t.eq(c["result"], "second_done", "the second script's result")
        t.eq(c["variables"].get("origin"), "first Anna", "a variable of the first script")
        t.eq(c["variables"].get("stage"), "second", "a variable of the second")
        t.eq(c["variables"].get("name"), "Anna", "the client's columns stay")
        t.ok(loud_ms(bot_payload(callee)) >= 800, "the second script spoke")
    finally:
        callee.close()
    srv.stop()


def transfer_case():
    """A human who asks for an operator when the bot offers one is
    transferred (speech recognized by PocketSphinx): the
    route's trunk (the operator) is dialed with the client's number as
    caller ID, the legs are bridged with audio both ways until the operator
    hangs up; the call record and the stats show the transfer and the
    answer the bot heard."""
    srv = t.server()
    api = srv.account("Transfer")
    # PocketSphinx's en-us model hears espeak-ng's American voice best
    # (docs/internals/asr.md has the recognizer's figures)
    callee = Callee(silence(0.5) + tts("Hello?") + silence(2.0) + tts("An operator, please", "en-us") +
                    silence(3.0) + tts("I would like to speak to somebody") + silence(20))
    op = Callee(silence(1.0) + tts("Operator Maria speaking, how can I help you?", "en+f3") + silence(10),
                scenario="operator.xml", name="operator")
    try:
        ot = api.create("/api/v1/trunks", {"name": "pbx", "host": "127.0.0.1", "port": op.port})
        route = api.create("/api/v1/routes", {"name": "operators", "type": "peering", "pattern": "_5XXX",
                                              "trunk_ids": [ot["id"]]})
        graph = {"start": "hi", "blocks": {
            "hi": {"type": "say", "text": "Hello {{name}}.", "next": "q"},
            "q": {"type": "ask", "text": "Would you like to speak to an operator?", "timeout_ms": 6000,
                  "store_as": "answer", "branches": [{"keywords": ["yes", "operator"], "next": "r"},
                                                     {"keywords": ["no"], "next": "n"}],
                  "no_input": "n", "no_match": "n"},
            "r": {"type": "result", "label": "to_operator", "action": "transfer",
                  "forward": {"type": "route", "route_id": route["id"], "number": "5001"},
                  "fallback": "f"},
            "n": {"type": "result", "label": "declined"},
            "f": {"type": "result", "label": "no_operator"}}}
        _, _, tk = setup(api, callee, graph, {"amd": {"enabled": True, "mode": "background"}})
        c = run_task(api, tk)
        t.eq(c["variables"].get("answer"), "operator", "the bot heard the callee ask for an operator")
        t.eq(c["result"], "to_operator", "the result label")
        inv = op.sipp.wait_event(event="invite", timeout=5)
        t.eq(inv["ruri"], "5001", "the operator leg dials the route's number")
        t.eq(inv["from"].lstrip("+"), PHONE, "the operator sees the client's number")
        t.eq(c["outcome"], "completed", "a transferred call is completed")
        t.eq(c["transferred_to"], "5001", "transferred_to")
        t.eq(c["amd"], "human", "AMD heard a human")
        t.ok(op.sipp.wait_event(event="bye_tx", timeout=5) is not None, "the operator hung up")
        t.ok(callee.sipp.wait_event(event="bye_rx", timeout=5) is not None, "and voxdial hung up the client")
        t.ok(c["duration_s"] >= 5, "the call lasted through the bridge", c["duration_s"])
        # operator -> client: the operator's words reached the client's side
        t.ok(loud_ms(bot_payload(callee)) >= 3000, "the client heard the bot and the operator",
             loud_ms(bot_payload(callee)))
        # client -> operator: the client's sentence reached the operator
        t.ok(loud_ms(op.sink.payload(0) + op.sink.payload(8)) >= 800, "the operator heard the client",
             loud_ms(op.sink.payload(0) + op.sink.payload(8)))
        stats = api.must(200, "GET", "/api/v1/tasks/%d/stats" % tk["id"])
        t.eq(stats["transferred"], 1, "stats count the transfer")
    finally:
        callee.close()
        op.close()
    srv.stop()


def dtmf_case():
    """Keys pressed as in-band tones answer an ask's digit branches; the
    key is what store_as collects."""
    srv = t.server()
    api = srv.account("Dtmf")
    callee = Callee(silence(2.5) + dtmf("2") + silence(20))
    try:
        graph = {"start": "q", "blocks": {
            "q": {"type": "ask", "text": "Press one to talk to us, two to stop calls.", "timeout_ms": 8000,
                  "store_as": "key", "branches": [{"digits": "1", "next": "one"}, {"digits": "2", "next": "two"}],
                  "no_input": "none", "no_match": "none"},
            "one": {"type": "result", "label": "wants_talk"},
            "two": {"type": "result", "label": "stop_calls"},
            "none": {"type": "result", "label": "no_key"}}}
        _, _, tk = setup(api, callee, graph)
        c = run_task(api, tk)
        t.eq(c["result"], "stop_calls", "the key's branch")
        t.eq(c["variables"].get("key"), "2", "the key collected")
    finally:
        callee.close()
    srv.stop()


def transfer_fails_case():
    """The operator's trunk refuses the leg (503): the script's fallback
    runs."""
    srv = t.server()
    api = srv.account("TransferFails")
    callee = Callee(silence(20))
    try:
        with sipp.Sipp("carrier.xml") as pbx:   # numbers ending in 5 answer 503
            ot = api.create("/api/v1/trunks", {"name": "pbx", "host": "127.0.0.1", "port": pbx.port})
            api.create("/api/v1/routes", {"name": "r", "type": "standard", "pattern": "_5XXX",
                                          "trunk_ids": [ot["id"]]})
            graph = {"start": "r", "blocks": {
                "r": {"type": "result", "label": "to_operator", "action": "transfer",
                      "forward": {"type": "custom", "number": "5005"}, "fallback": "f"},
                "f": {"type": "say", "text": "Sorry, all operators are busy.", "next": "g"},
                "g": {"type": "result", "label": "no_operator"}}}
            _, _, tk = setup(api, callee, graph)
            c = run_task(api, tk)
            t.ok(pbx.wait_event(event="invite", ruri="5005", timeout=5) is not None,
                 "the most specific route's trunk was tried")
        t.eq(c["result"], "no_operator", "the fallback's result")
        t.ok(not c["transferred_to"], "not transferred", c["transferred_to"])
        t.ok(loud_ms(bot_payload(callee)) >= 800, "the fallback's prompt was heard")
    finally:
        callee.close()
    srv.stop()


def default_redirect_case():
    """A result forwarding to "task settings" uses the task's default
    redirect: here a dial plan, whose rewrite (prefix) and trunk carry the
    operator leg."""
    srv = t.server()
    api = srv.account("Redirect")
    callee = Callee(silence(0.5) + tts("Hello?") + silence(1.0) + tts("I am still on the line") + silence(20))
    op = Callee(silence(0.5) + tts("Operator speaking.", "en+f3") + silence(10),
                scenario="operator.xml", name="operator")
    try:
        ot = api.create("/api/v1/trunks", {"name": "pbx", "host": "127.0.0.1", "port": op.port})
        opp = api.create("/api/v1/dial-plans", {"name": "to-pbx", "trunk_id": ot["id"], "prefix": "9",
                                                "allowed_patterns": ["_XXXX"]})
        graph = {"start": "r", "blocks": {
            "r": {"type": "result", "label": "handed_over", "action": "transfer",
                  "forward": {"type": "task_default"}, "fallback": "f"},
            "f": {"type": "result", "label": "not_handed_over"}}}
        _, _, tk = setup(api, callee, graph, {"default_redirect": {"type": "dial_plan", "dial_plan_id": opp["id"],
                                                                   "number": "2002"}})
        c = run_task(api, tk)
        inv = op.sipp.wait_event(event="invite", timeout=5)
        t.eq(inv["ruri"], "92002", "the default redirect's number through its dial plan")
        t.eq(c["result"], "handed_over", "the result label")
        t.eq(c["transferred_to"], "92002", "transferred_to")
        t.ok(loud_ms(op.sink.payload(0) + op.sink.payload(8)) >= 500, "the operator heard the client")
    finally:
        callee.close()
        op.close()
    srv.stop()


t.case(machine_background_case)
t.case(lockout_machine_case)
t.case(lockout_human_case)
t.case(script_switch_case)
t.case(transfer_case)
t.case(transfer_fails_case)
t.case(dtmf_case)
t.case(default_redirect_case)
t.done()
