# SPDX-License-Identifier: AGPL-3.0-or-later
"""Templates called by a CRM: POST /api/v1/templates/{id}/calls with an
idempotency key, the call placed through the SIPp carrier, and the result
POSTed to the callback URL with an HMAC-SHA256 signature, from an outbox that
survives a restart."""

import hashlib
import hmac
import http.server
import json
import threading

import sipp
import vdtest
from vdtest import poll

t = vdtest.Run(__file__)


class Receiver:
    """A CRM stand-in: an HTTP server on a free loopback port that records
    every POST and answers `status` (changeable)."""

    def __init__(self):
        self.got = []
        self.status = 200
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                outer.got.append((dict(self.headers), body, outer.status))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def signed_ok(secret, headers, body):
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return headers.get("X-Voxdial-Signature") == want


def templates_case():
    srv = t.server()
    api = srv.account("CRM")
    other = srv.account("Other")
    crm = Receiver()
    try:
        with sipp.Sipp("carrier.xml") as carrier:
            tr = api.create("/api/v1/trunks", {"name": "c", "host": "127.0.0.1", "port": carrier.port,
                                               "default_caller_id": "+74950000001"})
            dp = api.create("/api/v1/dial-plans", {"name": "p", "trunk_id": tr["id"]})
            sc = api.create("/api/v1/scripts", {"name": "s", "graph": {"start": "a", "blocks": {
                "a": {"type": "say", "text": "Hello"}}}})
            tm = api.create("/api/v1/templates", {
                "name": "crm", "script_id": sc["id"], "dial_plan_id": dp["id"], "cps": 5,
                "callback_url": "http://127.0.0.1:%d/hook" % crm.port})
            secret = tm.get("callback_secret")
            t.ok(secret and len(secret) >= 16, "the create answer shows the callback secret once")
            got = api.must(200, "GET", "/api/v1/templates/%d" % tm["id"])
            t.ok("callback_secret" not in got and got.get("has_callback_secret") is True,
                 "later reads never show the secret")

            path = "/api/v1/templates/%d/calls" % tm["id"]
            st, b1, _ = api.post(path, {"phone": "8 916 123-45-61", "client_id": "crm-1",
                                        "variables": {"name": "Ann"}, "idempotency_key": "order-1"})
            t.eq(st, 201, "template call accepted")
            st, b2, _ = api.post(path, {"phone": "89161234561", "client_id": "crm-1", "idempotency_key": "order-1"})
            t.eq((st, b2.get("call_id"), b2.get("duplicate")), (200, b1["call_id"], True),
                 "the same idempotency key returns the same call")
            st, b, _ = api.post(path, {"phone": "12"})
            t.eq((st, b.get("error", {}).get("field")), (422, "phone"), "a bad phone is refused naming the field")
            st, _, _ = other.post(path, {"phone": "79161234561"})
            t.eq(st, 404, "another account cannot call through the template")

            poll(lambda: crm.got, 30, "the webhook")
            headers, body, _ = crm.got[0]
            res = json.loads(body)
            t.eq((res["call_id"], res["status"], res["client_id"]), (b1["call_id"], "busy", "crm-1"),
                 "webhook reports the call's result")
            t.eq(res["variables"], {"name": "Ann"}, "webhook carries the variables")
            t.ok(signed_ok(secret, headers, body), "X-Voxdial-Signature is the HMAC-SHA256 of the body",
                 headers.get("X-Voxdial-Signature"))
            st, tc, _ = api.get("%s/%d" % (path, b1["call_id"]))
            t.eq((st, tc.get("status"), tc.get("outcome")), (200, "finished", "busy"), "call status readable")
            t.eq(len(carrier.calls(event="invite")), 1, "one call for the two identical requests")

            # the CRM is down: the result waits in the outbox across a restart
            crm.status = 500
            st, b3, _ = api.post(path, {"phone": "79161234563", "idempotency_key": "order-2"})
            t.eq(st, 201, "second template call accepted")
            poll(lambda: len(crm.got) >= 2, 30, "a first, failed delivery")
            srv.stop()
            crm.status = 200
            srv.start()
            poll(lambda: any(g[2] == 200 and json.loads(g[1])["call_id"] == b3["call_id"] for g in crm.got),
                 30, "delivery after the restart")
            last = [g for g in crm.got if json.loads(g[1])["call_id"] == b3["call_id"]]
            t.eq(json.loads(last[-1][1])["status"], "unavailable", "the retried webhook reports 480 as unavailable")
            t.ok(all(g[1] == last[0][1] for g in last), "every retry sends the same body")
        srv.stop()
    finally:
        crm.close()


t.case(templates_case)
t.done()
