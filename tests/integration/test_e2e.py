# SPDX-License-Identifier: AGPL-3.0-or-later
"""The web UI in a real browser: `voxdial serve` on a free port, an account
with a password, the SIPp carrier (tests/sipp/carrier.xml) for the trunk,
then tests/e2e/run.mjs (Playwright driving /usr/bin/chromium) logs in and
works through every page. Its checks count here; its screenshots land in
e2e-screenshots/ under the ctest working directory (the build directory),
or in $VD_E2E_OUT."""

import os
import re
import subprocess
import sys

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


def browser_case():
    if not deps():
        return
    srv = t.server()
    _, email, password = srv.create_account("E2E Inc", password="e2e-secret-1")
    out = os.environ.get("VD_E2E_OUT") or os.path.abspath("e2e-screenshots")
    with sipp.Sipp("carrier.xml") as carrier:
        p = subprocess.run(["node", os.path.join(E2E, "run.mjs"), srv.base, email, password, out, str(carrier.port)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    sys.stdout.write(p.stdout)
    m = re.search(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
    if not t.ok(m is not None, "run.mjs printed its counts", p.stdout[-2000:]):
        return
    t.passed += int(m.group(1))
    t.failed += int(m.group(2))
    t.eq(p.returncode, 1 if int(m.group(2)) else 0, "run.mjs exit code matches its counts")
    srv.stop()
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
    t.eq(varsh, plain + ["name"], "with variables: one more column per variable")
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
