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


t.case(browser_case)
t.done()
