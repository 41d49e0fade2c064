# SPDX-License-Identifier: AGPL-3.0-or-later
"""Configuration resources over HTTP (API.md "Configuration resources",
"Tasks"): CRUD, paging and search for every kind, the validation failures
each one must refuse with a 422 naming the field, 409 for objects in use,
and that a refused request never half-applies (checked with GET)."""

import vdtest

t = vdtest.Run(__file__)
srv = t.server()
api = srv.account("Config Co")

fx = {}   # fixtures shared by the cases: ids of objects others refer to


def ok_create(path, body):
    st, b, _ = api.post(path, body)
    if st != 201:
        raise vdtest.HTTPError("POST %s %r: %d %r" % (path, body, st, b))
    return b


def snapshot(path):
    """Everything a list shows (first 100 items), to compare before/after a
    refused request."""
    st, b, _ = api.get(path, query={"per_page": 100})
    return st, b.get("total") if isinstance(b, dict) else None, b.get("items") if isinstance(b, dict) else b


def refused(path_list, resp, status, what, field=None, field_prefix=None, message_has=None,
            before=None, obj=None, obj_before=None):
    """Checks a refusal and that nothing changed: the list `path_list` is as
    `before`, and `obj` (a path) still reads as `obj_before`."""
    t.error(resp, status, what, field=field, field_prefix=field_prefix, message_has=message_has)
    if before is not None:
        t.eq(snapshot(path_list), before, "  ... and %s is unchanged" % path_list)
    if obj is not None:
        st, b, _ = api.get(obj)
        t.eq((st, b), obj_before, "  ... and %s is unchanged" % obj)


def setup_fixtures():
    wav = vdtest.wav_bytes(seconds=0.5)
    for kind in ("ambient", "greeting", "prompt"):
        b = api.must(201, "POST", "/api/v1/audio?kind=%s&name=fx-%s" % (kind, kind), raw=wav,
                     headers={"Content-Type": "audio/wav"})
        fx["audio_" + kind] = b["id"]
    fx["trunk1"] = ok_create("/api/v1/trunks", {
        "name": "fx-trunk-1", "host": "sip1.example.net", "username": "u1", "password": "p1",
        "default_caller_id": "+74950000001"})["id"]
    fx["trunk2"] = ok_create("/api/v1/trunks", {"name": "fx-trunk-2", "host": "10.0.0.2"})["id"]
    fx["plan"] = ok_create("/api/v1/dial-plans", {
        "name": "fx-plan", "trunk_id": fx["trunk1"], "allowed_patterns": ["_7XXXXXXXXXX"]})["id"]
    fx["group_t1"] = ok_create("/api/v1/callerid-groups", {
        "name": "fx-group-t1", "numbers": [{"number": "+74950000002", "trunk_id": fx["trunk1"]}]})["id"]
    fx["group_t2"] = ok_create("/api/v1/callerid-groups", {
        "name": "fx-group-t2", "numbers": [{"number": "+74950000003", "trunk_id": fx["trunk2"]}]})["id"]
    fx["rules"] = ok_create("/api/v1/recall-rule-sets", {
        "name": "fx-rules", "rules": {"busy": {"interval_s": 300, "attempts": 3}}})["id"]
    fx["route"] = ok_create("/api/v1/routes", {
        "name": "fx-route", "type": "standard", "pattern": "_8XXXXXXXXXX", "trunk_ids": [fx["trunk1"]]})["id"]
    fx["script"] = ok_create("/api/v1/scripts", {"name": "fx-script", "graph": {"blocks": []}})["id"]
    t.ok(True, "fixtures created: " + ", ".join("%s=%s" % kv for kv in sorted(fx.items())))


def task_body(**over):
    b = {"name": "task", "script_id": fx["script"], "dial_plan_id": fx["plan"]}
    b.update(over)
    return b


# One row per kind: the path, a valid body, an update, and the refusals.
# bad: (label, body, field) -- each must answer 422 naming `field`.
def kinds():
    return [
        ("trunks", {"name": "crud-trunk", "host": "sip.crud.example", "port": 5061, "transport": "tcp"},
         {"name": "crud-trunk-renamed", "host": "sip2.crud.example"},
         [("missing host", {"name": "x"}, "host"),
          ("missing name", {"host": "h.example"}, "name"),
          ("port as a string", {"name": "x", "host": "h.example", "port": "5060"}, "port"),
          ("port out of range", {"name": "x", "host": "h.example", "port": 70000}, "port"),
          ("unknown field", {"name": "x", "host": "h.example", "colour": "red"}, "colour"),
          ("transport outside the set", {"name": "x", "host": "h.example", "transport": "sctp"}, "transport"),
          ("default_caller_id not a number", {"name": "x", "host": "h.example", "default_caller_id": "abc"},
           "default_caller_id")]),
        ("dial-plans", {"name": "crud-plan", "trunk_id": fx["trunk2"], "prefix": "9", "strip_digits": 1,
                        "tariff": {"per_minute": 1.5, "currency": "RUB", "billing_step_s": 60}},
         {"name": "crud-plan-renamed", "trunk_id": fx["trunk2"]},
         [("missing trunk_id", {"name": "x"}, "trunk_id"),
          ("trunk_id as a string", {"name": "x", "trunk_id": "1"}, "trunk_id"),
          ("a missing trunk", {"name": "x", "trunk_id": 987654}, "trunk_id"),
          ("unknown field", {"name": "x", "trunk_id": fx["trunk2"], "speed": 1}, "speed"),
          ("unknown tariff field", {"name": "x", "trunk_id": fx["trunk2"], "tariff": {"vat": 20}}, "tariff.vat"),
          ("a lowercase currency", {"name": "x", "trunk_id": fx["trunk2"], "tariff": {"currency": "rub"}},
           "tariff.currency"),
          ("strip_digits negative", {"name": "x", "trunk_id": fx["trunk2"], "strip_digits": -1}, "strip_digits")]),
        ("callerid-groups", {"name": "crud-group", "numbers": [{"number": "+74951112233", "trunk_id": fx["trunk2"]}]},
         {"name": "crud-group-renamed", "numbers": []},
         [("missing name", {"numbers": []}, "name"),
          ("numbers not an array", {"name": "x", "numbers": "+7495"}, "numbers"),
          ("a bad number", {"name": "x", "numbers": [{"number": "12ab", "trunk_id": fx["trunk2"]}]},
           "numbers[0].number"),
          ("a missing trunk", {"name": "x", "numbers": [{"number": "+74951112233", "trunk_id": 987654}]},
           "numbers[0].trunk_id"),
          ("an unknown field", {"name": "x", "owner": "me"}, "owner")]),
        ("recall-rule-sets", {"name": "crud-rules", "rules": {"no_answer": {"interval_s": 60, "attempts": 2},
                                                              "short": {"interval_s": 60, "attempts": 1, "max_duration_s": 5}}},
         {"name": "crud-rules-renamed", "rules": {"busy": {"interval_s": 5, "attempts": 3}}},
         [("missing rules", {"name": "x"}, "rules"),
          ("rules as a string", {"name": "x", "rules": "busy"}, "rules"),
          ("a condition outside the set", {"name": "x", "rules": {"angry": {"interval_s": 1, "attempts": 1}}}, "rules.angry"),
          ("attempts 0", {"name": "x", "rules": {"busy": {"interval_s": 1, "attempts": 0}}}, "rules.busy.attempts"),
          ("short without max_duration_s", {"name": "x", "rules": {"short": {"interval_s": 1, "attempts": 1}}},
           "rules.short.max_duration_s"),
          ("an unknown field", {"name": "x", "rules": {}, "extra": 1}, "extra")]),
        ("routes", {"name": "crud-route", "type": "peering", "pattern": "_1XX", "trunk_ids": [fx["trunk2"], fx["trunk1"]]},
         {"name": "crud-route-renamed", "type": "standard", "pattern": "_8ZXX.", "trunk_ids": [fx["trunk1"]]},
         [("missing pattern", {"name": "x", "trunk_ids": [fx["trunk1"]]}, "pattern"),
          ("missing trunk_ids", {"name": "x", "pattern": "_X."}, "trunk_ids"),
          ("type outside the set", {"name": "x", "type": "premium", "pattern": "_X.", "trunk_ids": [fx["trunk1"]]}, "type"),
          ("trunk_ids as a number", {"name": "x", "pattern": "_X.", "trunk_ids": fx["trunk1"]}, "trunk_ids"),
          ("a missing trunk", {"name": "x", "pattern": "_X.", "trunk_ids": [fx["trunk1"], 987654]}, "trunk_ids[1]"),
          ("an unknown field", {"name": "x", "pattern": "_X.", "trunk_ids": [fx["trunk1"]], "cost": 1}, "cost")]),
        ("scripts", {"name": "crud-script", "graph": {"start": "hello", "blocks": {"hello": {"type": "say", "text": "Hi"}}}},
         {"name": "crud-script-renamed", "graph": {"blocks": {}}},
         [("missing name", {"graph": {}}, "name"),
          ("graph as an array", {"name": "x", "graph": [1, 2]}, "graph"),
          ("a next block that does not exist", {"name": "x", "graph": {"start": "a", "blocks": {
              "a": {"type": "say", "text": "Hi", "next": "nowhere"}}}}, "graph.blocks.a.next"),
          ("an unreachable block", {"name": "x", "graph": {"start": "a", "blocks": {
              "a": {"type": "say", "text": "Hi"}, "b": {"type": "say", "text": "Bye"}}}}, "graph.blocks.b"),
          ("a loop that never listens", {"name": "x", "graph": {"start": "a", "blocks": {
              "a": {"type": "say", "text": "Hi", "next": "b"},
              "b": {"type": "set", "var": "n", "value": "1", "next": "a"}}}}, "graph.blocks.b.next"),
          ("an answer without next", {"name": "x", "graph": {"start": "q", "blocks": {
              "q": {"type": "ask", "text": "?", "branches": [{"keywords": ["yes"]}]}}}}, "graph.blocks.q.branches[0].next"),
          ("name as a number", {"name": 42}, "name"),
          ("an unknown field", {"name": "x", "graf": {}}, "graf")]),
        ("tasks", task_body(name="crud-task", cps=2.5, window={"from": "10:00", "to": "20:00", "days": [1, 2, 3],
                                                               "timezone": "Asia/Almaty"}),
         task_body(name="crud-task-renamed", cps=3),
         [("missing script_id", {"name": "x", "dial_plan_id": fx["plan"]}, "script_id"),
          ("missing dial_plan_id", {"name": "x", "script_id": fx["script"]}, "dial_plan_id"),
          ("cps as a string", task_body(cps="fast"), "cps"),
          ("amd.mode outside the set", task_body(amd={"mode": "psychic"}), "amd.mode"),
          ("a missing script", task_body(script_id=987654), "script_id"),
          ("a missing dial plan", task_body(dial_plan_id=987654), "dial_plan_id"),
          ("an unknown field", task_body(priority=1), "priority"),
          ("an unknown field inside window", task_body(window={"from": "09:00", "to": "21:00", "lunch": True}),
           "window.lunch")]),
        ("templates", task_body(name="crud-template", callback_url="https://crm.example/hook"),
         task_body(name="crud-template-renamed"),
         [("missing name", {"script_id": fx["script"], "dial_plan_id": fx["plan"]}, "name"),
          ("ring_timeout_s as a string", task_body(ring_timeout_s="30"), "ring_timeout_s"),
          ("caller_id.mode outside the set", task_body(caller_id={"mode": "random"}), "caller_id.mode"),
          ("start is a task field, not a template one", task_body(start={"mode": "manual"}), "start"),
          ("a missing route in the redirect", task_body(default_redirect={"type": "route", "route_id": 987654}),
           "default_redirect.route_id"),
          ("callback_url not http", task_body(callback_url="ftp://x"), "callback_url")]),
    ]


def crud(path, body, update, bad):
    base = "/api/v1/" + path
    before = snapshot(base)
    st, created, _ = api.post(base, body)
    if not t.status((st, created), 201, "POST %s" % base):
        return
    oid = created.get("id")
    t.ok(isinstance(oid, int), "%s: the answer has an integer id" % path, created)
    t.eq(created.get("name"), body["name"], "%s: the answer echoes the name" % path)
    t.ok(isinstance(created.get("created_at"), str) and created["created_at"].endswith("Z"),
         "%s: created_at is RFC 3339 UTC" % path, created.get("created_at"))
    st, got, _ = api.get("%s/%d" % (base, oid))
    t.status((st, got), 200, "GET %s/{id}" % base)
    if path == "templates":
        # the webhook signing secret is shown by the create answer only
        t.ok(len(created.pop("callback_secret", "")) >= 16, "templates: POST shows the callback secret once")
    t.eq(got, created, "%s: GET returns what POST answered" % path)

    # list: total, q by name and by id, page sizes
    st, lst, _ = api.get(base)
    t.status((st, lst), 200, "GET %s" % base)
    t.eq(lst.get("total"), before[1] + 1, "%s: total grew by one" % path)
    t.ok(any(i.get("id") == oid for i in lst.get("items", [])), "%s: the list has the new object" % path)
    st, lst, _ = api.get(base, query={"q": body["name"][1:]})
    t.ok(st == 200 and [i["id"] for i in lst.get("items", [])] == [oid],
         "%s: q=<part of the name> finds exactly it" % path, lst)
    st, lst, _ = api.get(base, query={"q": body["name"].upper()})
    t.ok(st == 200 and oid in [i["id"] for i in lst.get("items", [])],
         "%s: q ignores case" % path, lst)
    st, lst, _ = api.get(base, query={"q": str(oid)})
    t.ok(st == 200 and oid in [i["id"] for i in lst.get("items", [])], "%s: q=<id> finds it" % path, lst)
    st, lst, _ = api.get(base, query={"q": "no-such-name-anywhere"})
    t.ok(st == 200 and lst.get("total") == 0 and lst.get("items") == [], "%s: q with no match: total 0" % path, lst)
    for pp in (10, 50, 100):
        st, lst, _ = api.get(base, query={"page": 1, "per_page": pp})
        t.ok(st == 200 and lst.get("per_page") == pp and len(lst.get("items", [])) <= pp,
             "%s: per_page=%d" % (path, pp), (st, lst))
    t.error(api.get(base, query={"per_page": 20}), 400, "%s per_page=20" % base, field="per_page")
    t.error(api.get(base, query={"per_page": "x"}), 400, "%s per_page=x" % base, field="per_page")
    t.error(api.get(base, query={"page": 0}), 400, "%s page=0" % base, field="page")

    # refusals on create: 422 naming the field, nothing stored
    snap = snapshot(base)
    for label, b, field in bad:
        refused(base, api.post(base, b), 422, "POST %s: %s" % (path, label), field=field, before=snap)
    refused(base, api.post(base, raw=b"{\"name\":", headers={"Content-Type": "application/json"}),
            400, "POST %s: a truncated JSON body" % path, before=snap)
    refused(base, api.post(base, [body]), 400, "POST %s: an array instead of an object" % path, before=snap)

    # update
    obj = "%s/%d" % (base, oid)
    st, upd, _ = api.put(obj, update)
    t.status((st, upd), 200, "PUT %s/{id}" % base)
    t.eq(upd.get("name"), update["name"], "%s: PUT renames" % path)
    st, got, _ = api.get(obj)
    t.eq(got, upd, "%s: GET after PUT returns the new state" % path)
    t.eq(got.get("created_at"), created.get("created_at"), "%s: PUT keeps created_at" % path)
    after = (200, got)
    for label, b, field in bad[:3]:
        refused(base, api.put(obj, b), 422, "PUT %s: %s" % (path, label), field=field, obj=obj, obj_before=after)
    t.error(api.put("%s/%d" % (base, 987654), update), 404, "PUT %s/<missing id>" % base)

    # delete
    t.status(api.delete(obj), 204, "DELETE %s/{id}" % base)
    t.error(api.get(obj), 404, "GET %s/{id} after delete" % base)
    t.error(api.delete(obj), 404, "DELETE %s/{id} again" % base)
    t.eq(snapshot(base), before, "%s: the list is back to what it was" % path)


def crud_every_kind():
    for path, body, update, bad in kinds():
        t.case(crud, path, body, update, bad, name="crud " + path)


def paging_walks_every_object():
    ids = [ok_create("/api/v1/scripts", {"name": "page-%02d" % i})["id"] for i in range(23)]
    seen = []
    for page in (1, 2, 3):
        st, lst, _ = api.get("/api/v1/scripts", query={"q": "page-", "page": page, "per_page": 10})
        t.eq(lst.get("total"), 23, "q=page- page %d: total 23" % page)
        t.eq(lst.get("page"), page, "page %d is echoed" % page)
        seen += [i["id"] for i in lst["items"]]
    t.eq(seen, sorted(ids, reverse=True), "pages 1..3 list every object once, newest first")
    st, lst, _ = api.get("/api/v1/scripts", query={"q": "page-", "page": 4, "per_page": 10})
    t.ok(st == 200 and lst.get("items") == [] and lst.get("total") == 23, "a page past the end is empty", lst)
    for i in ids:
        api.must(204, "DELETE", "/api/v1/scripts/%d" % i)
    st, lst, _ = api.get("/api/v1/scripts", query={"q": "100%_"})
    t.ok(st == 200 and lst.get("total") == 0, "q with LIKE wildcards matches them literally", lst)


def trunk_password_is_write_only():
    base = "/api/v1/trunks"
    st, b, _ = api.post(base, {"name": "pw-trunk", "host": "pw.example", "username": "bob", "password": "s3cret!"})
    t.status((st, b), 201, "POST a trunk with a password")
    t.ok("password" not in b, "the create answer has no password", b)
    t.eq(b.get("has_password"), True, "has_password is true")
    obj = "%s/%d" % (base, b["id"])
    st, got, _ = api.get(obj)
    t.ok("password" not in got and got.get("has_password") is True, "GET hides it too", got)
    st, lst, _ = api.get(base, query={"per_page": 100})
    t.ok("s3cret!" not in str(lst), "the list never shows it")
    st, upd, _ = api.put(obj, {"name": "pw-trunk", "host": "pw2.example", "username": "bob"})
    t.ok(st == 200 and upd.get("has_password") is True and "password" not in upd,
         "PUT without a password keeps the stored one", upd)
    st, upd, _ = api.put(obj, {"name": "pw-trunk", "host": "pw2.example", "password": 12})
    t.error((st, upd), 422, "PUT with a numeric password", field="password")
    st, b2, _ = api.post(base, {"name": "nopw-trunk", "host": "nopw.example"})
    t.eq(b2.get("has_password"), False, "a trunk without a password: has_password false")
    api.must(204, "DELETE", obj)
    api.must(204, "DELETE", "%s/%d" % (base, b2["id"]))


def route_patterns():
    base = "/api/v1/routes"
    snap = snapshot(base)
    resp = api.post(base, {"name": "bad", "pattern": "_8[XX", "trunk_ids": [fx["trunk1"]]})
    refused(base, resp, 422, "a route with an unclosed [", field="pattern", message_has="position", before=snap)
    resp = api.post(base, {"name": "bad", "pattern": "_8[9-1]X", "trunk_ids": [fx["trunk1"]]})
    refused(base, resp, 422, "a route with a reversed range", field="pattern", message_has="position", before=snap)
    resp = api.post(base, {"name": "bad", "pattern": "", "trunk_ids": [fx["trunk1"]]})
    refused(base, resp, 422, "a route with an empty pattern", field="pattern", before=snap)
    resp = api.post(base, {"name": "dup", "pattern": "_X.", "trunk_ids": [fx["trunk1"], fx["trunk1"]]})
    refused(base, resp, 422, "a route listing a trunk twice", field="trunk_ids[1]", before=snap)
    resp = api.post(base, {"name": "none", "pattern": "_X.", "trunk_ids": []})
    refused(base, resp, 422, "a route with no trunks", field="trunk_ids", before=snap)
    for good in ("_7XXXXXXXXXX", "_8[1-5]NZX!", "100", "_X."):
        st, b, _ = api.post(base, {"name": "ok " + good, "pattern": good, "trunk_ids": [fx["trunk1"]]})
        t.status((st, b), 201, "a route with pattern %s" % good)
        if st == 201:
            api.must(204, "DELETE", "%s/%d" % (base, b["id"]))


def dial_plan_allowed_patterns():
    base = "/api/v1/dial-plans"
    snap = snapshot(base)
    resp = api.post(base, {"name": "bad", "trunk_id": fx["trunk1"], "allowed_patterns": ["_7XXX", "_7[X"]})
    refused(base, resp, 422, "allowed_patterns with a broken pattern", field="allowed_patterns[1]",
            message_has="position", before=snap)
    resp = api.post(base, {"name": "bad", "trunk_id": fx["trunk1"], "allowed_patterns": [7]})
    refused(base, resp, 422, "allowed_patterns with a number", field="allowed_patterns[0]", before=snap)
    resp = api.post(base, {"name": "bad", "trunk_id": fx["trunk1"], "allowed_patterns": "_7X."})
    refused(base, resp, 422, "allowed_patterns as a string", field="allowed_patterns", before=snap)
    resp = api.post(base, {"name": "bad", "trunk_id": fx["trunk1"], "prefix": "9a"})
    refused(base, resp, 422, "a prefix with a letter", field="prefix", before=snap)
    obj = "/api/v1/dial-plans/%d" % fx["plan"]
    st, cur, _ = api.get(obj)
    refused(base, api.put(obj, {"name": "fx-plan", "trunk_id": fx["trunk1"], "allowed_patterns": ["[["]}),
            422, "PUT the plan with a broken pattern", field="allowed_patterns[0]", obj=obj, obj_before=(st, cur))


def task_rules():
    base = "/api/v1/tasks"
    snap = snapshot(base)
    for cps in (0, 101, -1):
        refused(base, api.post(base, task_body(cps=cps)), 422, "a task with cps %d" % cps, field="cps", before=snap)
    for cps in (1, 100, 0.5 + 0.5):
        st, b, _ = api.post(base, task_body(name="cps %s" % cps, cps=cps))
        t.status((st, b), 201, "a task with cps %s" % cps)
        if st == 201:
            api.must(204, "DELETE", "%s/%d" % (base, b["id"]))
    refused(base, api.post(base, task_body(caller_id={"mode": "group", "group_id": fx["group_t2"]})),
            422, "caller ID group with no number on the plan's trunk", field="caller_id.group_id", before=snap)
    refused(base, api.post(base, task_body(caller_id={"mode": "group", "group_id": 987654})),
            422, "caller ID group that does not exist", field="caller_id.group_id", before=snap)
    refused(base, api.post(base, task_body(caller_id={"mode": "group"})),
            422, "caller ID mode group without group_id", field="caller_id.group_id", before=snap)
    refused(base, api.post(base, task_body(caller_id={"mode": "number", "number": "+74959999999"})),
            422, "a caller ID number that is not on the plan's trunk", field="caller_id.number", before=snap)
    refused(base, api.post(base, task_body(caller_id={"mode": "number", "number": "+74950000003"})),
            422, "a caller ID number of another trunk's group", field="caller_id.number", before=snap)
    refused(base, api.post(base, task_body(window={"from": "09:00", "to": "21:00", "timezone": "Mars/Olympus"})),
            422, "window.timezone not an IANA zone", field="window.timezone", before=snap)
    refused(base, api.post(base, task_body(window={"from": "9am", "to": "21:00"})),
            422, "window.from not HH:MM", field="window.from", before=snap)
    refused(base, api.post(base, task_body(window={"days": [0, 8]})),
            422, "window.days outside 1..7", field="window.days", before=snap)
    refused(base, api.post(base, task_body(recall={"mode": "manual", "rules": {"busy": {"interval_s": 5}}})),
            422, "manual recall rules without attempts", field_prefix="recall.rules", before=snap)
    refused(base, api.post(base, task_body(recall={"mode": "manual", "rules": {"busy": {"interval_s": -5, "attempts": 2}}})),
            422, "manual recall rules with a negative interval", field_prefix="recall.rules", before=snap)
    refused(base, api.post(base, task_body(recall={"mode": "manual"})),
            422, "manual recall without rules", field_prefix="recall.rules", before=snap)
    refused(base, api.post(base, task_body(recall={"mode": "template"})),
            422, "template recall without rule_set_id", field="recall.rule_set_id", before=snap)
    refused(base, api.post(base, task_body(recall={"mode": "template", "rule_set_id": 987654})),
            422, "template recall with a missing rule set", field="recall.rule_set_id", before=snap)
    refused(base, api.post(base, task_body(recall={"mode": "sometimes"})),
            422, "recall.mode outside the set", field="recall.mode", before=snap)
    refused(base, api.post(base, task_body(start={"mode": "scheduled"})),
            422, "a scheduled start without at", field="start.at", before=snap)
    refused(base, api.post(base, task_body(start={"mode": "scheduled", "at": "tomorrow"})),
            422, "a scheduled start at a non-RFC 3339 time", field="start.at", before=snap)
    refused(base, api.post(base, task_body(ambient_audio_id=fx["audio_prompt"])),
            422, "ambient audio of kind prompt", field="ambient_audio_id", before=snap)
    refused(base, api.post(base, task_body(test_call={"enabled": True, "phone": "12"})),
            422, "a test call to an invalid phone", field="test_call.phone", before=snap)
    refused(base, api.post(base, task_body(e164_country="XX")),
            422, "e164_country outside the set", field="e164_country", before=snap)

    # the accepted shapes, stored normalized
    full = task_body(name="full task", cps=5, ring_timeout_s=40, ambient_audio_id=fx["audio_ambient"],
                     amd={"enabled": True, "mode": "lockout", "greeting_audio_id": fx["audio_greeting"]},
                     caller_id={"mode": "group", "group_id": fx["group_t1"]},
                     default_redirect={"type": "route", "route_id": fx["route"]},
                     start={"mode": "scheduled", "at": "2030-01-02T09:00:00Z"},
                     window={"from": "09:00", "to": "21:00", "days": [1, 2, 3, 4, 5], "timezone": "Europe/Moscow"},
                     recall={"mode": "template", "rule_set_id": fx["rules"]},
                     test_call={"enabled": False})
    st, b, _ = api.post(base, full)
    t.status((st, b), 201, "a task using every option")
    t.eq(b.get("status"), "draft", "a new task is a draft")
    t.eq((b.get("window") or {}).get("days"), [1, 2, 3, 4, 5], "window.days stored")
    fx["full_task"] = b.get("id")
    st, b2, _ = api.post(base, task_body(name="cid number", caller_id={"mode": "number", "number": "+74950000001"}))
    t.status((st, b2), 201, "caller ID number = the trunk's default caller ID")
    st, b3, _ = api.post(base, task_body(name="cid group number", caller_id={"mode": "number", "number": "+74950000002"}))
    t.status((st, b3), 201, "caller ID number from a group for the trunk")
    st, b4, _ = api.post(base, task_body(name="manual recall", status="running",
                                         recall={"mode": "manual", "rules": {"busy": {"interval_s": 5, "attempts": 3}}}))
    t.status((st, b4), 201, "a task with manual recall rules")
    t.eq(b4.get("status"), "draft", "status in the body is read-only")
    t.eq(((b4.get("recall") or {}).get("rules") or {}).get("busy"), {"interval_s": 5, "attempts": 3},
         "manual rules stored")
    fx["manual_task"] = b4.get("id")
    for x in (b2, b3):
        if isinstance(x, dict) and x.get("id"):
            api.must(204, "DELETE", "%s/%d" % (base, x["id"]))

    # PUT refusals leave the task as it was
    obj = "%s/%d" % (base, fx["full_task"])
    cur = api.get(obj)[:2]
    bad = dict(full, cps=101)
    refused(base, api.put(obj, bad), 422, "PUT cps 101", field="cps", obj=obj, obj_before=cur)
    bad = dict(full, caller_id={"mode": "group", "group_id": fx["group_t2"]})
    refused(base, api.put(obj, bad), 422, "PUT a group without a number on the trunk",
            field="caller_id.group_id", obj=obj, obj_before=cur)
    bad = dict(full, dial_plan_id=987654)
    refused(base, api.put(obj, bad), 422, "PUT a missing dial plan", field="dial_plan_id", obj=obj, obj_before=cur)


def in_use_objects_refuse_delete():
    # trunk used by a dial plan
    obj = "/api/v1/trunks/%d" % fx["trunk1"]
    cur = api.get(obj)[:2]
    st, b, _ = api.delete(obj)
    t.error((st, b), 409, "DELETE a trunk used by a dial plan (and more)")
    used = (b.get("error") or {}).get("used_by") or {}
    t.ok(used.get("kind") in ("dial_plan", "callerid_group", "route") and isinstance(used.get("id"), int)
         and used.get("name"), "error.used_by names the user", b)
    t.eq(api.get(obj)[:2], cur, "  ... and the trunk is still there, unchanged")
    t2 = ok_create("/api/v1/trunks", {"name": "only-plan-trunk", "host": "o.example"})["id"]
    p2 = ok_create("/api/v1/dial-plans", {"name": "only-plan", "trunk_id": t2})["id"]
    st, b, _ = api.delete("/api/v1/trunks/%d" % t2)
    t.error((st, b), 409, "DELETE a trunk used by exactly one dial plan")
    t.eq((b.get("error") or {}).get("used_by"), {"kind": "dial_plan", "id": p2, "name": "only-plan"},
         "used_by is that dial plan")
    api.must(204, "DELETE", "/api/v1/dial-plans/%d" % p2)
    t.status(api.delete("/api/v1/trunks/%d" % t2), 204, "once the plan is gone the trunk can be deleted")

    # rule set used by a task
    obj = "/api/v1/recall-rule-sets/%d" % fx["rules"]
    cur = api.get(obj)[:2]
    st, b, _ = api.delete(obj)
    t.error((st, b), 409, "DELETE a rule set used by a task")
    t.eq(((b.get("error") or {}).get("used_by") or {}).get("kind"), "task", "used_by is the task")
    t.eq(((b.get("error") or {}).get("used_by") or {}).get("id"), fx["full_task"], "used_by names the task's id")
    t.eq(api.get(obj)[:2], cur, "  ... and the rule set is unchanged")

    # script used by a task
    obj = "/api/v1/scripts/%d" % fx["script"]
    cur = api.get(obj)[:2]
    st, b, _ = api.delete(obj)
    t.error((st, b), 409, "DELETE a script used by tasks")
    used = (b.get("error") or {}).get("used_by") or {}
    t.ok(used.get("kind") == "task" and isinstance(used.get("id"), int), "used_by names a task", b)
    t.eq(api.get(obj)[:2], cur, "  ... and the script is unchanged")
    # audio used by a task
    st, b, _ = api.delete("/api/v1/audio/%d" % fx["audio_ambient"])
    t.error((st, b), 409, "DELETE ambient audio used by a task")


def audio_upload():
    base = "/api/v1/audio"
    snap = snapshot(base)
    wav = vdtest.wav_bytes(rate_hz=44100, channels=2, seconds=1.5)
    st, b, _ = api.post(base + "?kind=prompt&name=x", raw=wav, headers={"Content-Type": "audio/wav"})
    t.status((st, b), 201, "upload a 1.5 s 44.1 kHz stereo WAV")
    t.ok(isinstance(b.get("id"), int), "the answer has an id", b)
    t.eq(b.get("kind"), "prompt", "kind stored")
    t.eq(b.get("name"), "x", "name stored")
    t.ok(abs((b.get("duration_ms") or 0) - 1500) <= 20, "duration_ms is 1500 (±20)", b.get("duration_ms"))
    t.eq(b.get("url"), "/api/v1/audio/%d.wav" % b.get("id"), "url plays the file")
    st, data, h = api.get("/api/v1/audio/%d.wav" % b["id"])
    t.status((st, data), 200, "GET /audio/{id}.wav")
    t.ok(h.get("content-type", "").startswith("audio/wav"), "served as audio/wav", h.get("content-type"))
    rate, ch, width, n = vdtest.wav_info(data)
    t.eq((rate, ch, width), (8000, 1, 2), "converted to 8 kHz mono 16-bit")
    t.ok(abs(n - 12000) <= 160, "1.5 s of 8 kHz frames", n)
    st, got, _ = api.get("%s/%d" % (base, b["id"]))
    t.eq(got.get("duration_ms"), b.get("duration_ms"), "GET /audio/{id} shows the same duration")
    st, upd, _ = api.put("%s/%d" % (base, b["id"]), {"name": "renamed", "kind": "greeting", "duration_ms": 5})
    t.ok(st == 200 and upd.get("name") == "renamed" and upd.get("kind") == "greeting"
         and upd.get("duration_ms") == b.get("duration_ms"), "PUT renames; duration_ms stays the file's", upd)
    cur = api.get("%s/%d" % (base, b["id"]))[:2]
    refused(base, api.put("%s/%d" % (base, b["id"]), {"name": "y", "kind": "music"}), 422,
            "PUT audio kind outside the set", field="kind", obj="%s/%d" % (base, b["id"]), obj_before=cur)
    refused(base, api.put("%s/%d" % (base, b["id"]), {"name": 5}), 422,
            "PUT audio name as a number", field="name", obj="%s/%d" % (base, b["id"]), obj_before=cur)

    mid = snapshot(base)
    refused(base, api.post(base + "?kind=prompt&name=bad", raw=b"RIFF\x00\x00this is not a wave file" * 10,
                           headers={"Content-Type": "audio/wav"}), 422, "upload a non-WAV body", field="file", before=mid)
    refused(base, api.post(base + "?kind=prompt&name=bad", raw=b"\x00\x01\x02" * 1000,
                           headers={"Content-Type": "audio/wav"}), 422, "upload binary noise", field="file", before=mid)
    refused(base, api.post(base + "?kind=prompt&name=empty", raw=b"", headers={"Content-Type": "audio/wav"}),
            422, "upload an empty body", field="file", before=mid)
    refused(base, api.post(base + "?kind=music&name=x", raw=wav, headers={"Content-Type": "audio/wav"}),
            422, "upload with kind outside the set", field="kind", before=mid)
    refused(base, api.post(base + "?kind=prompt", raw=wav, headers={"Content-Type": "audio/wav"}),
            422, "upload without a name", field="name", before=mid)
    mono8 = vdtest.wav_bytes(rate_hz=8000, channels=1, seconds=0.25)
    st, b2, _ = api.post(base + "?kind=ambient&name=mono", raw=mono8, headers={"Content-Type": "audio/wav"})
    t.ok(st == 201 and abs(b2.get("duration_ms", 0) - 250) <= 5, "an 8 kHz mono WAV is accepted as is", b2)
    t.status(api.delete("%s/%d" % (base, b["id"])), 204, "DELETE /audio/{id}")
    t.error(api.get("/api/v1/audio/%d.wav" % b["id"]), 404, "its file is gone too")
    api.delete("%s/%d" % (base, b2.get("id", 0)))
    t.eq(snapshot(base), snap, "the audio list is back to what it was")


def script_clients_template():
    graph = {"start": "hi", "blocks": {
        "hi": {"type": "say", "text": "Hello {{name}}, you owe {{ debt_rub }} roubles", "next": "ask"},
        "ask": {"type": "ask", "text": "Pay by {{due_date}}, {{name}}?", "branches": [{"keywords": ["yes"], "next": "r"}],
                "no_match": "x"},
        "r": {"type": "result", "label": "agreed {{phone}}", "action": "hangup"},
        "x": {"type": "say", "text": "{{not closed"}}}
    sid = ok_create("/api/v1/scripts", {"name": "template-script", "graph": graph})["id"]
    st, data, h = api.get("/api/v1/scripts/%d/clients-template.csv" % sid)
    t.status((st, data), 200, "GET /scripts/{id}/clients-template.csv")
    t.ok(h.get("content-type", "").startswith("text/csv"), "served as text/csv", h.get("content-type"))
    lines = data.decode().splitlines() if isinstance(data, bytes) else []
    header = lines[0].split(",") if lines else []
    t.eq(header[:3], ["phone", "client_id", "timezone"], "the template starts with phone,client_id,timezone")
    t.eq(sorted(header[3:]), ["debt_rub", "due_date", "name"], "then each {{variable}} of the graph once")
    st, data, _ = api.get("/api/v1/scripts/%d/clients-template.csv" % fx["script"])
    t.eq(data.decode().strip() if isinstance(data, bytes) else data, "phone,client_id,timezone",
         "a script without variables: just the fixed columns")
    t.error(api.get("/api/v1/scripts/987654/clients-template.csv"), 404, "the template of a missing script")
    api.must(204, "DELETE", "/api/v1/scripts/%d" % sid)


def task_list_filters():
    base = "/api/v1/tasks"
    st, all_, _ = api.get(base, query={"per_page": 100})
    ids = {i["id"] for i in all_["items"]}
    st, lst, _ = api.get(base, query={"status": "draft", "per_page": 100})
    t.ok(st == 200 and {i["id"] for i in lst["items"]} == ids and lst["total"] == all_["total"],
         "status=draft lists every (draft) task", lst.get("total"))
    st, lst, _ = api.get(base, query={"status": "running"})
    t.ok(st == 200 and lst.get("total") == 0 and lst.get("items") == [], "status=running: none", lst)
    t.error(api.get(base, query={"status": "flying"}), 400, "status outside the set", field="status")
    st, lst, _ = api.get(base, query={"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "per_page": 100})
    t.ok(st == 200 and {i["id"] for i in lst["items"]} == ids, "from/to spanning everything lists every task", lst)
    st, lst, _ = api.get(base, query={"to": "2001-01-01T00:00:00Z"})
    t.ok(st == 200 and lst.get("total") == 0, "to= long ago: none", lst)
    st, lst, _ = api.get(base, query={"from": "2099-01-01T00:00:00Z"})
    t.ok(st == 200 and lst.get("total") == 0, "from= far ahead: none", lst)
    st, lst, _ = api.get(base, query={"from": "2000-01-01T03:00:00+03:00"})
    t.status((st, lst), 200, "from with a numeric offset is RFC 3339 too")
    t.error(api.get(base, query={"from": "yesterday"}), 400, "from=yesterday", field="from")
    t.error(api.get(base, query={"to": "2026-13-01T00:00:00Z"}), 400, "to with month 13", field="to")
    t.error(api.get(base, query={"from": "2026-11-01"}), 400, "from without a time", field="from")
    st, lst, _ = api.get(base, query={"q": str(fx["full_task"])})
    t.ok(st == 200 and fx["full_task"] in [i["id"] for i in lst["items"]], "q=<id> finds the task", lst)


def clients_upload():
    task = fx["manual_task"]
    path = "/api/v1/tasks/%d/clients" % task
    csv = ("phone,client_id,name,debt\n"
           "+79161234567,c1,Ann,100\n"
           "8 (916) 123-45-68,c2,Bob,200\n"
           "+79161234567,c3,Again,300\n"
           "not a phone,c4,Bad,0\n").encode()
    st, b, _ = api.post(path, raw=csv, headers={"Content-Type": "text/csv"})
    t.status((st, b), 200, "upload a CSV of four lines")
    t.eq(b.get("imported"), 2, "two imported")
    t.eq(b.get("duplicates"), 1, "one duplicate")
    rej = b.get("rejected") or []
    t.ok(len(rej) == 1 and rej[0].get("line") == 5 and rej[0].get("error"),
         "the bad phone is rejected with its line number", rej)
    st, stats, _ = api.get("/api/v1/tasks/%d/stats" % task)
    t.ok(st == 200 and stats.get("clients", {}).get("total") == 2, "stats count two clients", stats)
    csv2 = "phone;client_id\n+79161230000;z1\n".encode()
    st, b, _ = api.post(path, raw=csv2, headers={"Content-Type": "text/csv"})
    t.ok(st == 200 and b.get("imported") == 1, "a ;-separated file works too", b)

    t.error(api.post(path, raw=bytes(range(256)) * 40, headers={"Content-Type": "application/octet-stream"}),
            422, "upload a binary body")
    t.error(api.post(path, raw=b"name,debt\nAnn,1\n", headers={"Content-Type": "text/csv"}),
            422, "upload without a phone column")
    st, stats, _ = api.get("/api/v1/tasks/%d/stats" % task)
    t.eq(stats.get("clients", {}).get("total"), 3, "refused uploads add no clients")
    t.error(api.post("/api/v1/tasks/987654/clients", raw=csv, headers={"Content-Type": "text/csv"}),
            404, "upload to a missing task")
    other = srv.account("Other Co")
    t.error(other.post(path, raw=csv, headers={"Content-Type": "text/csv"}), 404,
            "upload to another account's task")
    st, stats, _ = api.get("/api/v1/tasks/%d/stats" % task)
    t.eq(stats.get("clients", {}).get("total"), 3, "the other account added nothing")
    st, calls, _ = api.get("/api/v1/tasks/%d/calls" % task)
    t.ok(st == 200 and calls.get("total") == 0 and calls.get("items") == [], "no calls yet", calls)
    t.error(api.get("/api/v1/tasks/%d/calls" % task, query={"outcome": "happy"}), 400,
            "calls with outcome outside the set", field="outcome")
    t.error(api.get("/api/v1/tasks/%d/calls" % task, query={"from": "soon"}), 400,
            "calls with a bad from", field="from")


def recall_preview():
    st, b, _ = api.post("/api/v1/recall-rule-sets/preview",
                        {"rules": {"busy": {"interval_s": 5, "attempts": 3}},
                         "outcomes": ["busy", "busy", "busy", "busy"]})
    t.status((st, b), 200, "POST /recall-rule-sets/preview")
    t.eq(b.get("final"), "busy", "busy 5 s x 3: the client finishes busy")
    att = b.get("attempts") or []
    t.eq(len(att), 4, "four attempts: the call and three recalls")
    t.eq([a.get("at_s") for a in att], [0, 5, 10, 15], "recalls 5 s apart")
    st, b, _ = api.post("/api/v1/recall-rule-sets/preview",
                        {"rules": {"busy": {"interval_s": 5, "attempts": 3}}, "outcomes": ["busy", "completed"]})
    t.eq(b.get("final"), "completed", "an answer stops the recalls")
    t.error(api.post("/api/v1/recall-rule-sets/preview", {"rules": {"busy": {"interval_s": 5, "attempts": 3}},
                                                          "outcomes": ["busy", "bored"]}),
            422, "an unknown outcome", field="outcomes[1]")
    t.error(api.post("/api/v1/recall-rule-sets/preview", {"rules": {"busy": {"attempts": 3}}, "outcomes": ["busy"]}),
            422, "rules without interval_s", field="rules.busy.interval_s")
    t.error(api.post("/api/v1/recall-rule-sets/preview", {"rules": {}}), 422, "no outcomes", field="outcomes")


def calls_list_and_stats():
    """The dialer is not here yet: call rows are written straight into the
    SQLite file (as the dialer's store writer will) and read over the API."""
    import sqlite3
    task = fx["manual_task"]
    base_ms = 1767225600000          # 2026-01-01T00:00:00Z
    plan = []                        # (outcome, client_id, duration_s, transferred_to)
    outs = ["busy", "completed", "no_answer", "completed", "machine", "failure"]
    for i in range(30):
        o = outs[i % 6]
        dur = None if o != "completed" else (i % 20)          # 1, 3, 7, 9, 13, 15, 19, 21->1, ...
        plan.append((o, "c%d" % (i % 4), dur, "+74950000009" if i == 9 else None))
    plan[3] = ("completed", "c3", None, None)                 # a completed call without a duration
    db = sqlite3.connect(srv.db, timeout=10)
    acct = db.execute("SELECT account_id FROM resources WHERE id = ?", (task,)).fetchone()[0]
    ids = []
    for i, (o, cid, dur, xfer) in enumerate(plan):
        cur = db.execute(
            "INSERT INTO calls(account_id, task_id, client_id, phone, attempt, outcome, started_ms,"
            " ended_ms, duration_s, transferred_to) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (acct, task, cid, "+7916000%04d" % i, 1, o, base_ms + i * 60000, base_ms + i * 60000 + 5000, dur, xfer))
        ids.append(cur.lastrowid)
    db.commit()
    db.close()
    path = "/api/v1/tasks/%d/calls" % task
    newest_first = list(reversed(ids))

    st, b, _ = api.get(path, query={"per_page": 10})
    t.ok(st == 200 and b.get("total") == 30, "30 calls in total", (st, b.get("total") if isinstance(b, dict) else b))
    t.eq([c["id"] for c in b.get("items", [])], newest_first[:10], "page 1 is the ten newest")
    st, b, _ = api.get(path, query={"page": 3, "per_page": 10})
    t.eq([c["id"] for c in b.get("items", [])], newest_first[20:], "page 3 is the ten oldest")
    for o in ("busy", "completed", "cancelled"):
        want = [ids[i] for i in reversed(range(30)) if plan[i][0] == o]
        st, b, _ = api.get(path, query={"outcome": o, "per_page": 100})
        t.ok(st == 200 and b.get("total") == len(want) and [c["id"] for c in b["items"]] == want,
             "outcome=%s lists exactly those %d calls" % (o, len(want)), b.get("total"))
    want = [ids[i] for i in reversed(range(30)) if plan[i][1] == "c2"]
    st, b, _ = api.get(path, query={"client_id": "c2", "per_page": 100})
    t.ok(st == 200 and b.get("total") == len(want) and [c["id"] for c in b["items"]] == want,
         "client_id=c2 lists exactly its calls", b.get("total"))
    want = [ids[i] for i in reversed(range(30)) if plan[i][1] == "c1" and plan[i][0] == "completed"]
    st, b, _ = api.get(path, query={"client_id": "c1", "outcome": "completed", "per_page": 100})
    t.ok(st == 200 and b.get("total") == len(want) and [c["id"] for c in b["items"]] == want,
         "client_id and outcome together", (b.get("total"), want))
    st, b, _ = api.get(path, query={"from": "2026-01-01T00:10:00Z", "to": "2026-01-01T00:19:00Z", "per_page": 100})
    t.ok(st == 200 and b.get("total") == 10 and [c["id"] for c in b["items"]] == list(reversed(ids[10:20])),
         "from/to select calls 10..19 by start time", b.get("total"))
    st, b, _ = api.get(path, query={"from": "2026-01-01T00:10:00Z", "outcome": "busy", "page": 2, "per_page": 10})
    t.ok(st == 200 and b.get("total") == 3 and b.get("items") == [], "a filtered page past the end is empty", b)
    st, one, _ = api.get("/api/v1/calls/%d" % ids[9])
    t.ok(st == 200 and one.get("transferred_to") == "+74950000009" and one.get("started_at") == "2026-01-01T00:09:00Z",
         "GET /calls/{id} shows the call", one)

    completed = [p for p in plan if p[0] == "completed"]
    thr = 10   # the task's ineffective_duration_s default
    eff = sum(1 for p in completed if p[2] is not None and p[2] >= thr)
    ineff = sum(1 for p in completed if p[2] is not None and p[2] < thr)
    st, stats, _ = api.get("/api/v1/tasks/%d/stats" % task)
    t.status((st, stats), 200, "GET /tasks/{id}/stats")
    calls = stats.get("calls", {})
    t.eq(calls.get("total"), 30, "stats: 30 calls")
    t.eq(calls.get("by_outcome", {}).get("busy"), 5, "stats: 5 busy")
    t.eq(calls.get("by_outcome", {}).get("completed"), len(completed), "stats: completed count")
    t.eq((stats.get("effective"), stats.get("ineffective")), (eff, ineff),
         "stats: effective/ineffective split at ineffective_duration_s (a call without a duration is neither)")
    t.eq(stats.get("transferred"), 1, "stats: one transferred")


t.case(setup_fixtures)
crud_every_kind()  # one case per kind
t.case(paging_walks_every_object)
t.case(trunk_password_is_write_only)
t.case(route_patterns)
t.case(dial_plan_allowed_patterns)
t.case(task_rules)
t.case(in_use_objects_refuse_delete)
t.case(audio_upload)
t.case(script_clients_template)
t.case(task_list_filters)
t.case(clients_upload)
t.case(calls_list_and_stats)
t.case(recall_preview)
t.done()
