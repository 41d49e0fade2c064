# SPDX-License-Identifier: AGPL-3.0-or-later
"""Call reports: POST /api/v1/tasks/{id}/reports queues an XLSX export, GET
/api/v1/reports/{id} follows it, GET .../file downloads it. Call rows are
written straight into the SQLite file (as the dialer does), both reports
are parsed back (tests/integration/xlsx.py) and checked row by row and
column by column; other accounts see 404; the file is 409 until done; a
report queued (or left running) before a restart is done after it."""

import json
import sqlite3

import vdtest
import xlsx
from vdtest import poll

t = vdtest.Run(__file__)

BASE_MS = 1767225600000          # 2026-01-01T00:00:00Z
MSK = 3 / 24                     # Europe/Moscow is UTC+3 (no DST since 2014)
EXCEL_2026_01_01 = 46023         # serial date of 2026-01-01

FIXED = ["Client ID", "Phone", "Status", "Date", "Planned time", "Duration, s", "Cost", "Currency",
         "AMD", "Gender", "Result", "SIP code", "Caller ID", "Attempt", "Recall for", "Recording URL"]


def setup_task(api, name):
    tr = api.create("/api/v1/trunks", {"name": name + "-trunk", "host": "sip.example.net"})
    dp = api.create("/api/v1/dial-plans", {"name": name + "-plan", "trunk_id": tr["id"]})
    sc = api.create("/api/v1/scripts", {"name": name + "-script", "graph": {"blocks": []}})
    task = api.create("/api/v1/tasks", {
        "name": name, "script_id": sc["id"], "dial_plan_id": dp["id"],
        "window": {"from": "09:00", "to": "21:00", "days": [1, 2, 3, 4, 5, 6, 7], "timezone": "Europe/Moscow"}})
    return task["id"]


def insert_calls(srv, task, n):
    """n calls: varied outcomes, some with cost, recording, AMD, variables
    whose names differ between rows (the union is the column set)."""
    db = sqlite3.connect(srv.db, timeout=10)
    acct = db.execute("SELECT account_id FROM resources WHERE id = ?", (task,)).fetchone()[0]
    outs = ["completed", "busy", "no_answer", "machine", None]
    rows = []
    for i in range(n):
        o = outs[i % len(outs)]
        v = '{"name":"Ann %d","amount":%d}' % (i, i * 10) if i % 3 else '{"name":"Bob","city":"Tver"}'
        row = dict(client=("c%d" % i), phone="+7916000%04d" % i, outcome=o,
                   result="agreed" if o == "completed" else None,
                   started=BASE_MS + i * 60000, planned=BASE_MS + i * 60000 - 30000,
                   duration=(i * 7) if o == "completed" else None,
                   cost=(i * 123) if o == "completed" else None, currency="RUB" if o == "completed" else None,
                   amd="human" if o == "completed" else ("machine" if o == "machine" else None),
                   gender="female" if i % 2 else None, sip=200 if o == "completed" else (486 if o == "busy" else None),
                   caller="+74950000001", attempt=1 + i % 2, recall="busy" if i % 2 else None,
                   recording="/nonexistent/rec%d.wav" % i if o == "completed" else None, vars=v)
        cur = db.execute(
            "INSERT INTO calls(account_id, task_id, client_id, phone, caller_id, attempt, recall_for, outcome,"
            " result, sip_code, planned_ms, started_ms, duration_s, cost_minor, currency, amd, gender,"
            " variables, recording) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (acct, task, row["client"], row["phone"], row["caller"], row["attempt"], row["recall"], row["outcome"],
             row["result"], row["sip"], row["planned"], row["started"], row["duration"], row["cost"],
             row["currency"], row["amd"], row["gender"], row["vars"], row["recording"]))
        row["id"] = cur.lastrowid
        rows.append(row)
    db.commit()
    db.close()
    return rows


def wait_done(api, rid, what):
    def done():
        st, b, _ = api.get("/api/v1/reports/%d" % rid)
        return st == 200 and b.get("status") in ("done", "failed") and b
    b = poll(done, 60, what)
    t.eq(b.get("status"), "done", what + ": done")
    return b


def download(api, rid, task, variables):
    st, data, h = api.get("/api/v1/reports/%d/file" % rid)
    t.eq(st, 200, "download report %d" % rid)
    t.eq(h.get("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "XLSX content type")
    want = 'attachment; filename="task-%d-calls%s.xlsx"' % (task, "-variables" if variables else "")
    t.eq(h.get("content-disposition"), want, "Content-Disposition names the task")
    return xlsx.Book(data)


def check_rows(book, rows, variables):
    header, items = book.table()
    # the first call (i = 0) has name, city; the second name, amount: the
    # union in order of first appearance is name, city, amount
    want_header = FIXED + (["name", "city", "amount"] if variables else [])
    t.eq(header, want_header, "columns (variables: %s)" % variables)
    t.eq(len(items), len(rows), "one row per call")
    raw = book.rows()
    bad = []
    for i, (it, r) in enumerate(zip(items, rows)):
        want = {"Client ID": r["client"], "Phone": r["phone"], "Status": r["outcome"] or "in_progress",
                "Caller ID": r["caller"], "Attempt": float(r["attempt"])}
        want["Date"] = EXCEL_2026_01_01 + MSK + i / 1440
        want["Planned time"] = EXCEL_2026_01_01 + MSK + (i - 0.5) / 1440
        if r["duration"] is not None:
            want["Duration, s"] = float(r["duration"])
        if r["cost"] is not None:
            want["Cost"] = r["cost"] / 100
            want["Currency"] = "RUB"
        for k, col in (("amd", "AMD"), ("gender", "Gender"), ("result", "Result"), ("recall", "Recall for")):
            if r[k]:
                want[col] = r[k]
        if r["sip"]:
            want["SIP code"] = float(r["sip"])
        if r["recording"]:
            want["Recording URL"] = "/api/v1/calls/%d/recording.wav" % r["id"]
        if variables:
            if i % 3:
                want["name"], want["amount"] = "Ann %d" % i, float(i * 10)
            else:
                want["name"], want["city"] = "Bob", "Tver"
        got = dict(it)
        for k in ("Date", "Planned time", "Cost"):
            if k in got and k in want and abs(got[k] - want[k]) < 1e-6:
                got[k] = want[k]
        if got != want:
            bad.append((i, got, want))
    t.ok(not bad, "every cell of every row", bad[:2])
    fmts = dict(zip(header, [f for _, f in raw[1]]))
    t.eq(fmts.get("Date"), "yyyy-mm-dd hh:mm:ss", "dates are Excel dates with a date format")
    t.eq(fmts.get("Cost"), "0.00", "cost is a number with 2 decimals")
    t.eq(fmts.get("Duration, s"), "0", "duration is a number")


def reports_case():
    srv = t.server()
    api = srv.account("Reports")
    other = srv.account("Other")
    task = setup_task(api, "rep")
    rows = insert_calls(srv, task, 25)

    # bad requests
    t.error(api.post("/api/v1/tasks/%d/reports" % task, {"with_variables": "yes"}), 422,
            "with_variables must be a boolean", field="with_variables")
    t.error(api.post("/api/v1/tasks/999999/reports", {}), 404, "a missing task")
    t.error(other.post("/api/v1/tasks/%d/reports" % task, {}), 404, "another account's task")

    for variables in (False, True):
        st, b, _ = api.post("/api/v1/tasks/%d/reports" % task, {"with_variables": variables})
        t.status((st, b), 202, "export queued (variables: %s)" % variables)
        t.ok(isinstance(b.get("id"), int) and b.get("status") == "queued", "answer {id, status}", b)
        rid = b["id"]
        t.error(other.get("/api/v1/reports/%d" % rid), 404, "another account's report")
        t.error(other.get("/api/v1/reports/%d/file" % rid), 404, "another account's report file")
        r = wait_done(api, rid, "report %d" % rid)
        t.eq({k: r.get(k) for k in ("id", "task_id", "with_variables", "rows_total", "rows_done", "progress",
                                     "error", "file_url")},
             {"id": rid, "task_id": task, "with_variables": variables, "rows_total": 25, "rows_done": 25,
              "progress": 1.0, "error": None, "file_url": "/api/v1/reports/%d/file" % rid},
             "the finished report's JSON")
        t.ok(isinstance(r.get("created_at"), str) and isinstance(r.get("finished_at"), str),
             "created_at and finished_at", r)
        check_rows(download(api, rid, task, variables), rows, variables)

    # the call list with a call period (the calls_task_started path): newest
    # start first, an exact total below the cap, the period's bounds kept
    st, b, _ = api.get("/api/v1/tasks/%d/calls?from=2026-01-01T00:05:00Z&to=2026-01-01T00:15:00Z&per_page=50" % task)
    t.eq((st, b.get("total"), b.get("total_exact"), [c["client_id"] for c in b.get("items", [])]),
         (200, 11, True, ["c%d" % i for i in range(15, 4, -1)]), "a call period: newest start first, exact total")
    st, b, _ = api.get("/api/v1/tasks/%d/calls?from=2026-01-01T00:05:00Z&outcome=busy" % task)
    t.eq((st, sorted({c["outcome"] for c in b.get("items", [])}), b.get("total_exact")), (200, ["busy"], True),
         "a call period with an outcome")
    st, b, _ = api.get("/api/v1/tasks/%d/calls" % task)
    t.eq((b.get("total"), b.get("total_exact")), (25, True), "without a period the total is exact")

    # the task's reports, newest first, account-scoped, paged
    st, lst, _ = api.get("/api/v1/tasks/%d/reports" % task)
    t.status((st, lst), 200, "the task's reports")
    t.eq(([x["with_variables"] for x in lst.get("items", [])], lst.get("total"), lst.get("page"), lst.get("per_page")),
         ([True, False], 2, 1, 10), "newest first, with the list envelope")
    t.eq([x["status"] for x in lst["items"]], ["done", "done"], "each with its status")
    t.ok(lst["items"][0]["file_url"] == "/api/v1/reports/%d/file" % lst["items"][0]["id"], "and its file", lst["items"][0])
    t.error(other.get("/api/v1/tasks/%d/reports" % task), 404, "another account's task's reports")
    t.error(api.get("/api/v1/tasks/999999/reports"), 404, "a missing task's reports")
    t.error(api.get("/api/v1/tasks/%d/reports?per_page=7" % task), 400, "per_page 10, 50 or 100", field="per_page")

    # an empty task: a header row only
    empty = api.create("/api/v1/tasks", {"name": "empty", "script_id": api.must(200, "GET", "/api/v1/tasks/%d" % task)["script_id"],
                                         "dial_plan_id": api.must(200, "GET", "/api/v1/tasks/%d" % task)["dial_plan_id"]})
    st, b, _ = api.post("/api/v1/tasks/%d/reports" % empty["id"], {"with_variables": True})
    wait_done(api, b["id"], "an empty task's report")
    header, items = download(api, b["id"], empty["id"], True).table()
    t.eq((header, items), (FIXED, []), "an empty task: the header only")

    # 409 while not done: a report the worker is (as far as the store
    # says) still writing
    db = sqlite3.connect(srv.db, timeout=10)
    acct = db.execute("SELECT account_id FROM resources WHERE id = ?", (task,)).fetchone()[0]
    cur = db.execute("INSERT INTO reports(account_id, task_id, status, rows_total, rows_done, created_ms)"
                     " VALUES (?, ?, 'running', 100, 25, ?)", (acct, task, BASE_MS))
    running = cur.lastrowid
    db.commit()
    db.close()
    st, b, _ = api.get("/api/v1/reports/%d" % running)
    t.eq((b.get("status"), b.get("progress"), b.get("file_url")), ("running", 0.25, None),
         "a running report's progress")
    t.error(api.get("/api/v1/reports/%d/file" % running), 409, "the file before it is done", field="status")

    # a restart: the running one is done again, and one queued while the
    # server was down is picked up
    srv.stop()
    db = sqlite3.connect(srv.db, timeout=10)
    cur = db.execute("INSERT INTO reports(account_id, task_id, with_variables, created_ms) VALUES (?, ?, 1, ?)",
                     (acct, task, BASE_MS))
    queued = cur.lastrowid
    db.commit()
    db.close()
    srv.start()
    api = srv.client(api.token)
    for rid in (running, queued):
        r = wait_done(api, rid, "report %d after the restart" % rid)
        t.eq(r.get("rows_done"), 25, "report %d has every row" % rid)
        st, data, _ = api.get("/api/v1/reports/%d/file" % rid)
        t.eq(len(xlsx.Book(data).table()[1]) if st == 200 else st, 25, "report %d downloads" % rid)

    # deleting the task drops its reports
    api.must(204, "DELETE", "/api/v1/tasks/%d" % empty["id"])


def big_case():
    """Enough calls for many hand-overs between the export's reader and
    writer threads (batches of 256 rows, or fewer once their text passes
    256 KB) and texts that test the cell limits: 30,000 characters kept,
    40,000 (over Excel's 32,767) and 200,000 left empty, markup, control
    characters and edge spaces kept as written, JSON true as 1."""
    srv = t.server()
    api = srv.account("Big")
    task = setup_task(api, "big")
    db = sqlite3.connect(srv.db, timeout=10)
    acct = db.execute("SELECT account_id FROM resources WHERE id = ?", (task,)).fetchone()[0]
    n = 3000
    special = {7: 'a & b <c> "d"', 8: " edge spaces ", 9: "tab\there\x01ctl", 10: "Ünïcödé ✓"}
    want_note = {}
    for i in range(n):
        v = {"k": i, "ok": True}
        if i in special:
            v["note"] = want_note[i] = special[i]
        elif i % 50 == 0:
            v["note"] = "x" * (30000 if i % 100 else 40000)
            if i % 100:
                want_note[i] = v["note"]
        elif i == 11:
            v["note"] = "y" * 200000
        db.execute("INSERT INTO calls(account_id, task_id, client_id, phone, caller_id, attempt, outcome,"
                   " started_ms, variables) VALUES (?,?,?,?,?,?,?,?,?)",
                   (acct, task, "b%d" % i, "+7916%07d" % i, "+74950000001", 1, "busy", BASE_MS + i * 1000,
                    json.dumps(v)))
    db.commit()
    db.close()
    st, b, _ = api.post("/api/v1/tasks/%d/reports" % task, {"with_variables": True})
    t.status((st, b), 202, "a big export queued")
    r = wait_done(api, b["id"], "the big report")
    t.eq((r.get("rows_total"), r.get("rows_done")), (n, n), "every row counted")
    header, items = download(api, b["id"], task, True).table()
    t.eq(header, FIXED + ["k", "ok", "note"], "the variable columns")
    t.eq([it.get("Client ID") for it in items], ["b%d" % i for i in range(n)], "every call, in id order")
    t.eq([it.get("k") for it in items], [float(i) for i in range(n)], "numbers stay numbers")
    t.ok(all(it.get("ok") == 1.0 for it in items), "JSON true is 1")
    got_note = {i: it["note"] for i, it in enumerate(items) if "note" in it}
    t.eq(sorted(got_note), sorted(want_note), "long texts kept up to Excel's limit, longer ones empty")
    bad = [(i, got_note[i][:40], want_note[i][:40]) for i in want_note if got_note.get(i) != want_note[i]]
    t.ok(not bad, "texts as written (markup, control characters, spaces, Unicode)", bad[:3])


t.case(reports_case)
t.case(big_case)
t.done()
