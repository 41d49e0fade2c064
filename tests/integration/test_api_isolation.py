# SPDX-License-Identifier: AGPL-3.0-or-later
"""Account isolation (DESIGN.md: "A request can only ever see its own
account's rows"). Account A creates one object of every kind, a task with
clients and an API token; account B must not read, change, delete, list,
count or reference any of them, and every answer B gets must look exactly
like the answer for an id that does not exist. A's objects are unchanged
afterwards."""

import vdtest

t = vdtest.Run(__file__)
srv = t.server()
A = srv.account("Alpha")
B = srv.account("Bravo")
MISSING = 987654321

a = {}      # kind path -> id of A's object


def a_creates_everything():
    wav = vdtest.wav_bytes(seconds=0.25)
    a["audio"] = A.must(201, "POST", "/api/v1/audio?kind=ambient&name=a-ambient", raw=wav,
                        headers={"Content-Type": "audio/wav"})["id"]
    a["trunks"] = A.create("/api/v1/trunks", {"name": "a-trunk", "host": "a.example", "password": "pw",
                                              "default_caller_id": "+74950000001"})["id"]
    a["dial-plans"] = A.create("/api/v1/dial-plans", {"name": "a-plan", "trunk_id": a["trunks"]})["id"]
    a["callerid-groups"] = A.create("/api/v1/callerid-groups", {
        "name": "a-group", "numbers": [{"number": "+74950000002", "trunk_id": a["trunks"]}]})["id"]
    a["recall-rule-sets"] = A.create("/api/v1/recall-rule-sets", {
        "name": "a-rules", "rules": {"busy": {"interval_s": 60, "attempts": 2}}})["id"]
    a["routes"] = A.create("/api/v1/routes", {"name": "a-route", "pattern": "_X.", "trunk_ids": [a["trunks"]]})["id"]
    a["scripts"] = A.create("/api/v1/scripts", {"name": "a-script", "graph": {"say": "{{name}}"}})["id"]
    common = {"script_id": a["scripts"], "dial_plan_id": a["dial-plans"], "ambient_audio_id": a["audio"],
              "caller_id": {"mode": "group", "group_id": a["callerid-groups"]},
              "recall": {"mode": "template", "rule_set_id": a["recall-rule-sets"]},
              "default_redirect": {"type": "route", "route_id": a["routes"]}}
    a["tasks"] = A.create("/api/v1/tasks", dict(common, name="a-task"))["id"]
    a["templates"] = A.create("/api/v1/templates", dict(common, name="a-template"))["id"]
    st, imp, _ = A.post("/api/v1/tasks/%d/clients" % a["tasks"], raw=b"phone,client_id\n+79160000001,x1\n+79160000002,x2\n",
                        headers={"Content-Type": "text/csv"})
    t.ok(st == 200 and imp.get("imported") == 2, "A uploads two clients to its task", imp)
    tok = A.must(201, "POST", "/api/v1/tokens", {"name": "a-crm"})
    a["token"] = tok["id"]
    a["token_secret"] = tok["token"]
    t.ok(True, "A created one object of every kind: %s" % sorted((k, v) for k, v in a.items() if k != "token_secret"))


KINDS = ["trunks", "dial-plans", "callerid-groups", "recall-rule-sets", "routes", "scripts", "tasks",
         "templates", "audio"]


def state_of_a():
    """Everything A can see of its objects, for the before/after check."""
    out = {}
    for k in KINDS:
        out[k] = A.get("/api/v1/%s/%d" % (k, a[k]))[:2]
        out[k + " list"] = A.get("/api/v1/" + k)[:2]
    out["stats"] = A.get("/api/v1/tasks/%d/stats" % a["tasks"])[:2]
    out["calls"] = A.get("/api/v1/tasks/%d/calls" % a["tasks"])[:2]
    out["template csv"] = A.get("/api/v1/scripts/%d/clients-template.csv" % a["scripts"])[:2]
    out["audio file"] = A.get("/api/v1/audio/%d.wav" % a["audio"])[:2]
    out["tokens"] = A.get("/api/v1/tokens")[:2]
    return out


def same_as_missing(resp_a, resp_missing, what):
    """B's answer about A's id must be the one for a non-existent id (same
    status, code and field; only the id in a message may differ)."""
    def norm(r):
        st, body = r[0], r[1]
        err = body.get("error", {}) if isinstance(body, dict) else {}
        return st, err.get("code"), err.get("field")
    t.eq(norm(resp_a), norm(resp_missing), "%s: same answer as for a missing id" % what)


def b_cannot_touch_a():
    for k in KINDS:
        obj, missing = "/api/v1/%s/%d" % (k, a[k]), "/api/v1/%s/%d" % (k, MISSING)
        r = B.get(obj)
        t.error(r, 404, "B GET A's %s" % k)
        same_as_missing(r, B.get(missing), "B GET A's %s" % k)
        body = {"name": "hijacked"}
        r = B.put(obj, body)
        t.error(r, 404, "B PUT A's %s" % k)
        same_as_missing(r, B.put(missing, body), "B PUT A's %s" % k)
        r = B.delete(obj)
        t.error(r, 404, "B DELETE A's %s" % k)
        same_as_missing(r, B.delete(missing), "B DELETE A's %s" % k)
        st, lst, _ = B.get("/api/v1/" + k, query={"per_page": 100})
        t.ok(st == 200 and lst.get("total") == 0 and lst.get("items") == [], "B lists no %s" % k, lst)
        st, lst, _ = B.get("/api/v1/" + k, query={"q": str(a[k])})
        t.ok(st == 200 and lst.get("total") == 0, "B's q=<A's %s id> finds nothing" % k, lst)
        st, lst, _ = B.get("/api/v1/" + k, query={"q": "a-"})
        t.ok(st == 200 and lst.get("total") == 0, "B's q=<A's name> finds no %s" % k, lst)

    tid = a["tasks"]
    for sub in ("calls", "stats"):
        r = B.get("/api/v1/tasks/%d/%s" % (tid, sub))
        t.error(r, 404, "B GET A's task %s" % sub)
        same_as_missing(r, B.get("/api/v1/tasks/%d/%s" % (MISSING, sub)), "B GET A's task %s" % sub)
    csv = b"phone\n+79169999999\n"
    r = B.post("/api/v1/tasks/%d/clients" % tid, raw=csv, headers={"Content-Type": "text/csv"})
    t.error(r, 404, "B uploads clients to A's task")
    same_as_missing(r, B.post("/api/v1/tasks/%d/clients" % MISSING, raw=csv, headers={"Content-Type": "text/csv"}),
                    "B uploads clients to A's task")
    t.error(B.get("/api/v1/audio/%d.wav" % a["audio"]), 404, "B plays A's audio file")
    t.error(B.get("/api/v1/scripts/%d/clients-template.csv" % a["scripts"]), 404,
            "B downloads A's script clients template")
    r = B.delete("/api/v1/tokens/%d" % a["token"])
    t.error(r, 404, "B deletes A's API token")
    same_as_missing(r, B.delete("/api/v1/tokens/%d" % MISSING), "B deletes A's API token")
    st, lst, _ = B.get("/api/v1/tokens")
    t.ok(st == 200 and all(i.get("id") != a["token"] for i in lst.get("items", [])),
         "B's token list does not show A's token", lst)
    for sub in ("start", "pause", "cancel"):
        st, _, _ = B.post("/api/v1/tasks/%d/%s" % (tid, sub), {})
        t.ok(st in (404, 405), "B cannot %s A's task (404, or 405 while not routed)" % sub, st)


def b_cannot_reference_a():
    """Every reference field of B's creates refuses A's id with the answer it
    gives for a missing id: 422 naming the field."""
    bt = B.create("/api/v1/trunks", {"name": "b-trunk", "host": "b.example"})["id"]
    bp = B.create("/api/v1/dial-plans", {"name": "b-plan", "trunk_id": bt})["id"]
    bs = B.create("/api/v1/scripts", {"name": "b-script"})["id"]
    task = {"name": "b-task", "script_id": bs, "dial_plan_id": bp}
    cases = [
        ("/api/v1/dial-plans", lambda x: {"name": "b", "trunk_id": x}, "trunks", "trunk_id"),
        ("/api/v1/callerid-groups", lambda x: {"name": "b", "numbers": [{"number": "+74951234567", "trunk_id": x}]},
         "trunks", "numbers[0].trunk_id"),
        ("/api/v1/routes", lambda x: {"name": "b", "pattern": "_X.", "trunk_ids": [bt, x]}, "trunks", "trunk_ids[1]"),
        ("/api/v1/tasks", lambda x: dict(task, script_id=x), "scripts", "script_id"),
        ("/api/v1/tasks", lambda x: dict(task, dial_plan_id=x), "dial-plans", "dial_plan_id"),
        ("/api/v1/tasks", lambda x: dict(task, ambient_audio_id=x), "audio", "ambient_audio_id"),
        ("/api/v1/tasks", lambda x: dict(task, caller_id={"mode": "group", "group_id": x}), "callerid-groups",
         "caller_id.group_id"),
        ("/api/v1/tasks", lambda x: dict(task, recall={"mode": "template", "rule_set_id": x}), "recall-rule-sets",
         "recall.rule_set_id"),
        ("/api/v1/tasks", lambda x: dict(task, default_redirect={"type": "route", "route_id": x}), "routes",
         "default_redirect.route_id"),
        ("/api/v1/tasks", lambda x: dict(task, default_redirect={"type": "script", "script_id": x}), "scripts",
         "default_redirect.script_id"),
        ("/api/v1/tasks", lambda x: dict(task, default_redirect={"type": "dial_plan", "dial_plan_id": x,
                                                                  "number": "+74951234567"}), "dial-plans",
         "default_redirect.dial_plan_id"),
        ("/api/v1/templates", lambda x: dict(task, script_id=x), "scripts", "script_id"),
        ("/api/v1/templates", lambda x: dict(task, recall={"mode": "template", "rule_set_id": x}), "recall-rule-sets",
         "recall.rule_set_id"),
    ]
    for path, make, kind, field in cases:
        before = B.get(path)[:2]
        r = B.post(path, make(a[kind]))
        t.error(r, 422, "B %s referencing A's %s" % (path.rsplit("/", 1)[1], kind), field=field)
        same_as_missing(r, B.post(path, make(MISSING)), "B %s referencing A's %s" % (path.rsplit("/", 1)[1], kind))
        t.eq(B.get(path)[:2], before, "  ... and B's %s list is unchanged" % path.rsplit("/", 1)[1])
    # and by update: B's own plan cannot be pointed at A's trunk
    obj = "/api/v1/dial-plans/%d" % bp
    cur = B.get(obj)[:2]
    t.error(B.put(obj, {"name": "b-plan", "trunk_id": a["trunks"]}), 422, "B re-points its plan at A's trunk",
            field="trunk_id")
    t.eq(B.get(obj)[:2], cur, "  ... and B's plan is unchanged")
    # a call id of A is not B's either
    t.error(B.get("/api/v1/calls/1"), 404, "B GET a call id of nobody's")


def a_tokens_work_only_for_a():
    st, me, _ = srv.client(token=a["token_secret"]).get("/api/v1/me")
    t.ok(st == 200 and me["account"]["name"] == "Alpha", "A's new token is still A's", me)


t.case(a_creates_everything)
before = state_of_a()
t.case(b_cannot_touch_a)
t.case(b_cannot_reference_a)
t.case(a_tokens_work_only_for_a)
after = state_of_a()
for k in before:
    t.eq(after[k], before[k], "A's %s is unchanged after B's attempts" % k)
t.ok(all(v[0] == 200 for v in after.values()), "A still reads every one of its objects",
     {k: v[0] for k, v in after.items()})
t.done()
