# SPDX-License-Identifier: AGPL-3.0-or-later
"""The web UI in a real browser: `voxdial serve` on a free port, an account
with a password, the SIPp carrier (tests/sipp/carrier.xml) for the trunk,
then tests/e2e/run.mjs (Playwright driving /usr/bin/chromium) logs in and
works through every page. Its checks count here; its screenshots land in
e2e-screenshots/ under the ctest working directory (the build directory),
or in $VD_E2E_OUT."""

import os
import re
import sqlite3
import subprocess
import sys
import time

import sipp
import vdtest
import xlsx

t = vdtest.Run(__file__)
SRC = os.environ.get("VD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
E2E = os.path.join(SRC, "tests", "e2e")


def deps():
    """chromium and playwright-core, installed by scripts/e2e-deps.sh when missing."""
    if os.path.exists(os.path.join(E2E, "node_modules", "playwright-core", "package.json")) and \
            os.access("/usr/bin/chromium", os.X_OK):
        return True
    p = subprocess.run([os.path.join(SRC, "scripts", "e2e-deps.sh")], capture_output=True, text=True, timeout=600)
    return t.ok(p.returncode == 0, "e2e dependencies installed", p.stdout + p.stderr)


BIG_CALLS = 1000000


def seed_calls(db_path, task, n):
    """n finished calls of `task` written with one INSERT ... SELECT over a
    recursive CTE (about 6 s for a million): the call_counts triggers are
    dropped for the insert and the counts put in by one GROUP BY, then the
    triggers are recreated as they were. The newest call carries every
    call-details field (AMD verdict, time and cause, gender, transfer,
    result, variables) for the details dialog."""
    db = sqlite3.connect(db_path, timeout=30)
    db.execute("PRAGMA synchronous=OFF")
    acct = db.execute("SELECT account_id FROM resources WHERE id = ?", (task,)).fetchone()[0]
    trig = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'calls'").fetchall()
    t0 = int(time.time() * 1000) - 40 * 86400 * 1000
    with db:
        for name, _ in trig:
            db.execute("DROP TRIGGER %s" % name)
        db.execute("""
          WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?3 - 1)
          INSERT INTO calls(account_id, task_id, client_id, phone, caller_id, attempt, outcome, result, sip_code,
                            planned_ms, started_ms, answered_ms, ended_ms, duration_s, cost_minor, currency, amd,
                            gender, variables)
          SELECT ?1, ?2, 'c' || i, '+7916' || printf('%07d', i), '+74950000001', 1 + i % 3,
                 o, CASE WHEN o = 'completed' THEN 'agreed' END, CASE WHEN o = 'completed' THEN 200 ELSE 486 END,
                 ?4 + i * 3000 - 500, ?4 + i * 3000, CASE WHEN o = 'completed' THEN ?4 + i * 3000 + 2000 END,
                 ?4 + i * 3000 + 2000 + d * 1000, d, d * 3, 'RUB',
                 CASE WHEN o = 'completed' THEN 'human' END, CASE WHEN o = 'completed' THEN 'female' END,
                 '{"name":"Client ' || i || '"}'
          FROM (SELECT i, CASE i % 4 WHEN 0 THEN 'completed' WHEN 1 THEN 'busy' WHEN 2 THEN 'no_answer'
                               ELSE 'unavailable' END AS o,
                       CASE WHEN i % 4 = 0 THEN i % 120 ELSE 0 END AS d FROM k)""", (acct, task, n - 1, t0))
        last = t0 + n * 3000
        db.execute("""INSERT INTO calls(account_id, task_id, client_id, phone, caller_id, attempt, outcome, result,
                        sip_code, planned_ms, started_ms, answered_ms, ended_ms, duration_s, cost_minor, currency,
                        amd, amd_ms, amd_cause, gender, transferred_to, variables)
                      VALUES (?1, ?2, 'vip-1', '+79160000777', '+74950000001', 1, 'machine', 'voicemail', 200,
                        ?3 - 500, ?3, ?3 + 1500, ?3 + 9500, 8, 24, 'RUB', 'machine', 2840, 'long_greeting', 'male',
                        '+74951112233', '{"name":"Ivan Petrov","debt":1520.5}')""", (acct, task, last))
        db.execute("INSERT INTO call_counts(account_id, task_id, outcome, n)"
                   " SELECT ?1, ?2, '*', count(*) FROM calls WHERE task_id = ?2", (acct, task))
        db.execute("INSERT INTO call_counts(account_id, task_id, outcome, n) SELECT ?1, ?2, outcome, count(*)"
                   " FROM calls WHERE task_id = ?2 AND outcome IS NOT NULL GROUP BY outcome", (acct, task))
        db.execute("UPDATE resources SET status = 'completed', first_call_ms = ?2, last_call_ms = ?3 WHERE id = ?1",
                   (task, t0, last))
        for _, sql in trig:
            db.execute(sql)
    db.close()


def big_server():
    """A second server with a throwaway database: one task of BIG_CALLS
    calls, for the task page's load time. Returns (server, email, password,
    task id)."""
    big = t.server()
    api = big.account("Big Inc", password="e2e-secret-2")
    tr = api.create("/api/v1/trunks", {"name": "Big trunk", "host": "127.0.0.1"})
    dp = api.create("/api/v1/dial-plans", {"name": "Big plan", "trunk_id": tr["id"]})
    sc = api.create("/api/v1/scripts", {"name": "Big script", "graph": {"blocks": []}})
    task = api.create("/api/v1/tasks", {"name": "Million calls", "script_id": sc["id"], "dial_plan_id": dp["id"]})
    big.stop()
    t0 = time.time()
    seed_calls(big.db, task["id"], BIG_CALLS)
    print("seeded %d calls in %.1f s" % (BIG_CALLS, time.time() - t0))
    big.start()
    return big, api.email, api.password, task["id"]


def browser_case():
    if not deps():
        return
    srv = t.server()
    _, email, password = srv.create_account("E2E Inc", password="e2e-secret-1")
    big, big_email, big_password, big_task = big_server()
    out = os.environ.get("VD_E2E_OUT") or os.path.abspath("e2e-screenshots")
    env = dict(os.environ, VD_E2E_BIG="%s %s %s %d" % (big.base, big_email, big_password, big_task))
    with sipp.Sipp("carrier.xml") as carrier:
        p = subprocess.run(["node", os.path.join(E2E, "run.mjs"), srv.base, email, password, out, str(carrier.port)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, env=env)
    sys.stdout.write(p.stdout)
    m = re.search(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
    if not t.ok(m is not None, "run.mjs printed its counts", p.stdout[-2000:]):
        return
    t.passed += int(m.group(1))
    t.failed += int(m.group(2))
    t.eq(p.returncode, 1 if int(m.group(2)) else 0, "run.mjs exit code matches its counts")
    srv.stop()
    big.stop()
    check_reports(out)


def check_reports(out):
    """The two reports run.mjs downloaded, read again here with a real XML
    parser: the columns, one row per call, typed cells."""
    books = {}
    for name in ("task-calls.xlsx", "task-calls-variables.xlsx"):
        try:
            with open(os.path.join(out, name), "rb") as f:
                books[name] = xlsx.Book(f.read())
        except (OSError, ValueError, KeyError) as e:
            t.fail("the downloaded %s reads as XLSX" % name, e)
    if len(books) != 2:
        return
    plain, plain_rows = books["task-calls.xlsx"].table()
    varsh, vars_rows = books["task-calls-variables.xlsx"].table()
    t.eq(plain[:3], ["Client ID", "Phone", "Status"], "the report starts with the call list's columns")
    t.ok({"AMD", "Gender", "Result", "SIP code"} <= set(plain), "and has the call details' columns", plain)
    # the clients file's column first, then what the bot collected (the
    # script's store_as, e.g. "answer")
    t.eq(varsh[:len(plain) + 1], plain + ["name"], "with variables: the clients file's variable column")
    t.ok(set(varsh[len(plain) + 1:]) <= {"answer"}, "then the variables the script collected", varsh[len(plain):])
    t.ok(len(plain_rows) >= 14 and len(plain_rows) == len(vars_rows), "one row per call in both",
         (len(plain_rows), len(vars_rows)))
    t.ok(all(r.get("name", "").startswith("Client ") for r in vars_rows), "every row's name variable")
    t.ok(any(r.get("SIP code") == 200.0 and r.get("Status") == "completed" for r in plain_rows),
         "completed calls with SIP code 200 (a number)")
    raw = books["task-calls.xlsx"].rows()
    date_col = plain.index("Date")
    t.ok(all(isinstance(r[date_col][0], float) and r[date_col][1] == "yyyy-mm-dd hh:mm:ss" for r in raw[1:]),
         "dates are Excel dates with a date format")


t.case(browser_case)
t.done()
