# SPDX-License-Identifier: AGPL-3.0-or-later
"""`voxdial import` through the real binary on a real SQLite file: the
issue's number spellings, rejected lines with their numbers, duplicates
within a file and across imports, the task's country, stdin, whole-file
refusals (exit 1, message on stderr, nothing written), usage errors (exit 2)
and a file large enough to cross every internal buffer."""

import json
import os
import sqlite3
import subprocess

import vdtest

t = vdtest.Run(__file__)
BIN = vdtest.binary()
DB = os.path.join(t.tmp, "import.db")


def run(*args, stdin=None):
    """Runs voxdial; returns (exit code, stdout, stderr)."""
    p = subprocess.run([BIN] + list(args), input=stdin, capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    t.scan_sanitizer(err, "voxdial " + args[0])
    return p.returncode, p.stdout.decode("utf-8"), err


def write(name, data):
    path = os.path.join(t.tmp, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def db():
    c = sqlite3.connect(DB)
    c.row_factory = sqlite3.Row
    return c


def make_task(body):
    with db() as c:
        cur = c.execute("INSERT INTO resources(account_id, kind, name, body, created_ms, updated_ms)"
                        " VALUES ((SELECT min(id) FROM accounts), 'task', 't', ?, 0, 0)",
                        (json.dumps(body),))
        return cur.lastrowid


def clients(task):
    with db() as c:
        return [dict(r) for r in c.execute(
            "SELECT line, client_id, phone_e164, phone_raw, timezone, variables FROM clients"
            " WHERE task_id = ? ORDER BY id", (task,))]


def import_file(task, path, stdin=None):
    rc, out, err = run("import", "--db", DB, "--task", str(task), path, stdin=stdin)
    return rc, (json.loads(out) if rc == 0 else None), err


MIXED = (
    "\ufeffphone;client_id;timezone;name;comment\r\n"       # 1
    "8 (916) 123-45-67;A1;Europe/Moscow;Анна;first\r\n"     # 2
    "+7 916 123 45 67;A2;;Dup;same as line 2\r\n"           # 3
    "9161234568;A3;;Борис;\"two\r\nlines; \"\"quoted\"\"\"\r\n"  # 4-5
    "7-916-123-45-69;A4;Asia/Almaty;Вера;ok\r\n"            # 6
    "\r\n"                                                  # 7
    "8 916 12;A5;;Short;bad phone\r\n"                      # 8
    "89161234570;A6;Europe/Mosco;Tz;bad zone\r\n"           # 9
    "89161234571;A7;;Ragged\r\n"                            # 10
    "89161234572;A8;;Last;no final newline"                 # 11
)


def case_setup():
    rc, out, _ = run("migrate", "--db", DB)
    t.eq(rc, 0, "migrate")
    rc, out, err = run("account", "create", "--db", DB, "--name", "Acme", "--email",
                       "ops@acme.example", "--password", "correct horse")
    t.eq(rc, 0, "account create")
    t.ok(out.strip() != "", "account create prints a token", err)


def case_mixed():
    task = make_task({"e164_country": "RU"})
    path = write("mixed.csv", MIXED)
    rc, res, err = import_file(task, path)
    t.eq(rc, 0, "import exits 0 with some lines rejected")
    if res is None:
        return t.fail("import printed JSON", err)
    t.eq(res["imported"], 4, "imported")
    t.eq(res["duplicates"], 1, "duplicates")
    t.eq(res["rejected_total"], 3, "rejected_total")
    t.eq(res["rejected"], [
        {"line": 8, "error": "phone '8 916 12': too few digits for RU"},
        {"line": 9, "error": "timezone 'Europe/Mosco' is not an IANA time zone (such as Europe/Moscow)"},
        {"line": 10, "error": "expected 5 columns, found 4"},
    ], "rejected lines with their physical line numbers")
    rows = clients(task)
    t.eq([(r["line"], r["phone_e164"]) for r in rows],
         [(2, "+79161234567"), (4, "+79161234568"), (6, "+79161234569"), (11, "+79161234572")],
         "rows in file order, normalized")
    t.eq(rows[0]["phone_raw"], "8 (916) 123-45-67", "raw phone kept")
    t.eq(rows[0]["timezone"], "Europe/Moscow", "timezone stored")
    t.eq(rows[1]["timezone"], None, "empty timezone is NULL")
    t.eq(json.loads(rows[0]["variables"]), {"name": "Анна", "comment": "first"}, "variables")
    t.eq(json.loads(rows[1]["variables"]), {"name": "Борис", "comment": "two\r\nlines; \"quoted\""},
         "quoted multi-line variable")

    rc, res, _ = import_file(task, path)
    t.eq((rc, res and res["imported"], res and res["duplicates"]), (0, 0, 5),
         "the same file again: all duplicates")
    t.eq(len(clients(task)), 4, "no new rows")


def case_stdin_and_kz():
    task = make_task({"e164_country": "KZ", "name": "kz"})
    data = "phone,name\n+7 701 123 45 67,a\n8 (727) 212-34-56,b\n7011234567,dup\n"
    rc, res, err = import_file(task, "-", stdin=data.encode())
    t.eq(rc, 0, "import from stdin")
    t.eq(res and (res["imported"], res["duplicates"]), (2, 1), "KZ numbers")
    t.eq([r["phone_e164"] for r in clients(task)], ["+77011234567", "+77272123456"], "KZ E.164")


def case_refusals():
    task = make_task({"e164_country": "RU"})
    cases = [
        ("empty.csv", b"", "the file is empty"),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("nophone.csv", "name,email\nAnn,a@example.com\n", "no 'phone' column"),
        ("dupcol.csv", "phone,Name,name\n1,2,3\n", "appears twice"),
        ("utf16.csv", "phone\r\n89161234567\r\n".encode("utf-16"), "UTF-16"),
        ("cp1251.csv", "phone;имя\n89161234567;Анна\n".encode("cp1251"), "not UTF-8"),
    ]
    for name, data, msg in cases:
        rc, res, err = import_file(task, write(name, data))
        t.eq(rc, 1, "%s: exit 1" % name)
        t.ok(msg in err, "%s: stderr says %r" % (name, msg), err)
    t.eq(clients(task), [], "nothing written by refused files")

    rc, _, err = import_file(99999, write("ok.csv", "phone\n89161234567\n"))
    t.eq(rc, 1, "unknown task: exit 1")
    t.ok("no such task" in err, "unknown task named", err)
    us = make_task({"e164_country": "US"})
    rc, _, err = import_file(us, write("ok.csv", "phone\n89161234567\n"))
    t.eq(rc, 1, "unsupported country: exit 1")
    t.ok("e164_country" in err, "names e164_country", err)
    rc, _, err = import_file(task, os.path.join(t.tmp, "missing.csv"))
    t.eq(rc, 1, "missing file: exit 1")
    rc, _, _ = run("import", "--db", DB, "--task", str(task))
    t.eq(rc, 2, "no FILE: usage, exit 2")
    rc, _, _ = run("import", "--db", DB, "--task", "x1", "f.csv")
    t.eq(rc, 2, "bad --task: usage, exit 2")


def case_large():
    """40,000 rows (~2 MB) cross the reader's sniff buffer, libcsv's pieces
    and the CLI's 64 KB reads; a quoted field spans a read boundary."""
    task = make_task({})             # no e164_country: RU by default
    lines = ["phone,client_id,note"]
    for i in range(40000):
        note = '"multi\nline, %d"' % i if i % 1000 == 0 else "n%d" % i
        lines.append("8 (9%02d) %03d-%02d-%02d,c%d,%s" % (i % 100, i // 100 % 1000, i % 97, i % 89,
                                                         i, note))
    lines.append("123,bad,x")
    path = write("large.csv", "\n".join(lines) + "\n")
    rc, res, err = import_file(task, path)
    t.eq(rc, 0, "large import", )
    if res is None:
        return t.fail("large import JSON", err)
    with db() as c:
        n = c.execute("SELECT count(*) FROM clients WHERE task_id = ?", (task,)).fetchone()[0]
        distinct = c.execute("SELECT count(DISTINCT phone_e164) FROM clients WHERE task_id = ?",
                             (task,)).fetchone()[0]
    t.eq(res["imported"] + res["duplicates"], 40000, "every good row counted")
    t.eq(res["imported"], n, "imported == rows in the table")
    t.eq(distinct, n, "no duplicate numbers stored")
    # 40 rows hold a two-line field: the bad row is on physical line 40002 + 40
    t.eq(res["rejected"], [{"line": 40042, "error": "phone '123': too few digits for RU"}],
         "line number after multi-line fields")


t.case(case_setup)
t.case(case_mixed)
t.case(case_stdin_and_kz)
t.case(case_refusals)
t.case(case_large)
t.done()
